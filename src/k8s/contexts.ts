/**
 * Which kube client reads which cluster of the model, for the commands that read the app's
 * clusters (`status`, `promote`). --context reads every cluster through that one context.
 * Otherwise each cluster is read through the kubeconfig context named by its EKS ARN (as
 * `aws eks update-kubeconfig` names them) when there is one, else through the current context,
 * unless the current context is another EKS cluster: then the cluster is reported as unreadable
 * rather than shown with the wrong cluster's state.
 */
import type { ClusterTarget } from '../model/model.js';
import { loadKubeConfig, type Kube, type KubeOptions } from './client.js';

export interface ClusterKubes {
  /** The client for a cluster, or why there is none. */
  kubeFor(cluster: ClusterTarget): Promise<Kube | string>;
  /** What the user should know about how the clusters were read (call after the reads). */
  notes(): string[];
}

export async function clusterKubes(opts: KubeOptions, clusters: readonly ClusterTarget[]): Promise<ClusterKubes> {
  const kc = await loadKubeConfig(opts);
  const distinct = new Set(clusters.map((c) => `${c.name} (${c.region})`));
  const fallback = new Set<string>();
  const current = kc.eksOf(kc.currentContext);
  const contextFor = (c: ClusterTarget): string | undefined => {
    if (opts.context !== undefined) return opts.context;
    const own = kc.contexts.find((n) => {
      const eks = kc.eksOf(n);
      return eks !== null && eks.name === c.name && eks.region === c.region;
    });
    if (!own) fallback.add(`${c.name} (${c.region})`);
    return own;
  };
  const kubes = new Map<string, Promise<Kube>>();
  return {
    kubeFor: async (c) => {
      const ctx = contextFor(c);
      if (ctx === undefined && current && (current.name !== c.name || current.region !== c.region)) {
        return `${kc.source} has no context for EKS cluster ${c.name} (${c.region}); add one with \`aws eks update-kubeconfig --name ${c.name} --region ${c.region}\``;
      }
      const key = ctx ?? '\u0000current';
      let k = kubes.get(key);
      if (!k) kubes.set(key, (k = kc.open(ctx)));
      return k;
    },
    notes: () => {
      if (opts.context !== undefined && distinct.size > 1) return [`note: every cluster is read through context ${opts.context} (--context)`];
      if (opts.context === undefined && distinct.size > 1 && fallback.size > 0 && !current) {
        return [`note: ${kc.source} has no context for EKS cluster${fallback.size > 1 ? 's' : ''} ${[...fallback].join(', ')}: read through the current context ${kc.currentContext}`];
      }
      return [];
    },
  };
}
