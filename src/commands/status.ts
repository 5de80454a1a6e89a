/**
 * `pipewright status`: one row per environment (and cluster): namespace, image tag and digest,
 * ready/desired replicas, age of the last rollout. A missing namespace or Deployment is "not
 * deployed", not an error.
 *
 * Contexts: --context reads every cluster through that one context. Otherwise each cluster of
 * the config is read through the kubeconfig context named by its EKS ARN (as
 * `aws eks update-kubeconfig` names them) when there is one, else through the current context.
 */
import { loadConfig } from '../config/load.js';
import { processIo, paint, type Io } from '../io.js';
import { loadKubeConfig, type Kube } from '../k8s/client.js';
import { formatAge, shortDigest, statusRows, type StatusRow, type TagsOf } from '../k8s/status.js';
import type { CommonOptions } from './common.js';

export interface StatusOptions extends CommonOptions {
  /** kubeconfig context for every cluster. Default: per cluster, its EKS context, else the current one. */
  readonly context?: string;
  /** kubeconfig file. Default: KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig?: string;
  /** AWS flags: for the ECR tag lookup, which the caller wires through `deps.tagsOf`. */
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
}

export interface StatusDeps {
  /** The tags of an image digest (ECR). Without it the TAG column shows "-" for digest-pinned images. */
  readonly tagsOf?: TagsOf;
  /** The time ages are measured from. Default: now. */
  readonly now?: () => number;
}

const FORBIDDEN_HINT = 'status needs get on deployments and list on replicasets in the environment namespaces';

type Cell = string | { readonly text: string; readonly colour: 'red' | 'yellow' | 'dim' };

/** Columns padded on the plain text, then coloured: escape codes must not count as width. */
function table(io: Io, rows: readonly (readonly Cell[])[]): string {
  const text = (c: Cell) => (typeof c === 'string' ? c : c.text);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => text(r[i]!).length)));
  const line = (r: readonly Cell[]) =>
    r
      .map((c, i) => {
        const padded = i === r.length - 1 ? text(c) : text(c).padEnd(widths[i]!);
        return typeof c === 'string' ? padded : paint(io, c.colour, text(c)) + padded.slice(text(c).length);
      })
      .join('  ')
      .trimEnd();
  return rows.map(line).join('\n') + '\n';
}

function render(io: Io, rows: readonly StatusRow[], now: number): string {
  const multiCluster = new Set(rows.map((r) => `${r.cluster}\u0000${r.region}`)).size > 1;
  const head = ['ENVIRONMENT', ...(multiCluster ? ['CLUSTER'] : []), 'NAMESPACE', 'TAG', 'DIGEST', 'READY', 'AGE'];
  const body = rows.map((r): Cell[] => {
    const lead = [r.environment, ...(multiCluster ? [`${r.cluster} (${r.region})`] : []), r.namespace];
    if (r.error) return [...lead, '-', '-', { text: 'error', colour: 'red' }, '-'];
    if (!r.deployed) return [...lead, '-', '-', { text: 'not deployed', colour: 'dim' }, '-'];
    const ready = `${r.ready}/${r.desired}`;
    const age = r.rolloutAt ? formatAge(now - Date.parse(r.rolloutAt)) : '-';
    return [...lead, r.tag ?? '-', r.digest ? shortDigest(r.digest) : '-', r.ready! < r.desired! ? { text: ready, colour: 'yellow' } : ready, age];
  });
  return table(io, [head, ...body]);
}

export async function run(opts: StatusOptions, io: Io = processIo, deps: StatusDeps = {}): Promise<number> {
  const { model } = await loadConfig(opts);
  const kc = await loadKubeConfig({
    cwd: opts.cwd,
    ...(opts.kubeconfig !== undefined && { kubeconfig: opts.kubeconfig }),
    ...(opts.context !== undefined && { context: opts.context }),
    forbiddenHint: FORBIDDEN_HINT,
  });

  const clusters = new Set(model.environments.flatMap((e) => e.clusters.map((c) => `${c.name} (${c.region})`)));
  const fallback = new Set<string>();
  const contextFor = (c: { name: string; region: string }): string | undefined => {
    if (opts.context !== undefined) return opts.context;
    const own = kc.contexts.find((n) => {
      const eks = kc.eksOf(n);
      return eks !== null && eks.name === c.name && eks.region === c.region;
    });
    if (!own) fallback.add(`${c.name} (${c.region})`);
    return own;
  };
  const kubes = new Map<string, Promise<Kube>>();
  const current = kc.eksOf(kc.currentContext);
  const kubeFor = async (c: { name: string; region: string }): Promise<Kube | string> => {
    const ctx = contextFor(c);
    if (ctx === undefined && current && (current.name !== c.name || current.region !== c.region)) {
      // The current context is another EKS cluster: reading it would show that cluster's state under this one's name.
      return `${kc.source} has no context for EKS cluster ${c.name} (${c.region}); add one with \`aws eks update-kubeconfig --name ${c.name} --region ${c.region}\``;
    }
    const key = ctx ?? '\u0000current';
    let k = kubes.get(key);
    if (!k) kubes.set(key, (k = kc.open(ctx)));
    return k;
  };

  const rows = await statusRows(model, {
    kubeFor,
    ...(deps.tagsOf && { tagsOf: deps.tagsOf }),
    warn: (m) => io.err(`${m}\n`),
  });
  if (opts.context !== undefined && clusters.size > 1) io.err(`note: every cluster is read through context ${opts.context} (--context)\n`);
  if (opts.context === undefined && clusters.size > 1 && fallback.size > 0 && !current) {
    io.err(`note: ${kc.source} has no context for EKS cluster${fallback.size > 1 ? 's' : ''} ${[...fallback].join(', ')}: read through the current context ${kc.currentContext}\n`);
  }
  for (const r of rows) if (r.error) io.err(`${r.environment}: ${r.error}\n`);

  if (opts.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
  else io.out(render(io, rows, (deps.now ?? Date.now)()));
  return rows.some((r) => r.error) ? 1 : 0;
}
