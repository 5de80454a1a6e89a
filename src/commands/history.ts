/**
 * `pipewright history --env <name>`: what ran in an environment, newest first, from the cluster
 * alone (the Deployment's ReplicaSets and the release annotations of their pod templates), in each
 * cluster of the environment. Exit 0; 1 when a cluster could not be read.
 */
import { parseTimeout } from '../core/deadline.js';
import { UsageError } from '../core/errors.js';
import { processIo, type Io } from '../core/io.js';
import { KubeError } from '../k8s/client.js';
import { clusterKubes } from '../k8s/contexts.js';
import { environmentNamed, readHistory, type Revision } from '../release/history.js';
import { kubeOptions, type CommonOptions, type NetworkOptions, loadProject } from './common.js';

export interface HistoryOptions extends CommonOptions, NetworkOptions {
  readonly env: string;
  readonly context?: string;
  readonly kubeconfig?: string;
}

export interface ClusterHistory {
  readonly cluster: string;
  readonly region: string;
  /** The kubeconfig context read; null when there is none for the cluster. */
  readonly context: string | null;
  /** False when the namespace or the Deployment does not exist. */
  readonly deployed: boolean;
  /** The Deployment's revision now. */
  readonly revision: number | null;
  readonly revisionHistoryLimit: number | null;
  /** Newest first. */
  readonly revisions: readonly Revision[];
  /** Why the cluster could not be read, else absent. */
  readonly error?: string;
}

export interface HistoryResult {
  readonly app: string;
  readonly environment: string;
  readonly namespace: string;
  readonly clusters: readonly ClusterHistory[];
}

const FORBIDDEN_HINT = 'history needs get on deployments and list on replicasets in the environment namespace';

export async function run(opts: HistoryOptions, io: Io = processIo): Promise<number> {
  if (typeof opts.env !== 'string') throw new UsageError('history: --env <environment> is required');
  const timeoutSeconds = parseTimeout(opts.timeout);
  const { model } = await loadProject(opts);
  const env = environmentNamed(model, opts.env);
  const kubes = await clusterKubes(
    kubeOptions(opts, timeoutSeconds, FORBIDDEN_HINT),
    env.clusters,
  );
  const clusters: ClusterHistory[] = [];
  for (const c of env.clusters) {
    const base = { cluster: c.name, region: c.region };
    const empty = { deployed: false, revision: null, revisionHistoryLimit: null, revisions: [] };
    const kube = await kubes.kubeFor(c);
    if (typeof kube === 'string') {
      clusters.push({ ...base, context: null, ...empty, error: kube });
      continue;
    }
    try {
      const h = await readHistory(kube, env.namespace, model.app);
      clusters.push(
        h
          ? { ...base, context: kube.context, deployed: true, revision: h.revision, revisionHistoryLimit: h.revisionHistoryLimit, revisions: h.revisions }
          : { ...base, context: kube.context, ...empty },
      );
    } catch (e) {
      if (!(e instanceof KubeError)) throw e;
      clusters.push({ ...base, context: kube.context, ...empty, error: e.message });
    }
  }
  for (const note of kubes.notes()) io.err(`${note}\n`);
  for (const c of clusters) if (c.error) io.err(`${c.cluster} (${c.region}): ${c.error}\n`);
  const result: HistoryResult = { app: model.app, environment: env.name, namespace: env.namespace, clusters };
  io.out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderHistory(result));
  return clusters.some((c) => c.error) ? 1 : 0;
}

/** Columns padded to the widest cell; the last one is not padded. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

const dash = (s: string | null | undefined): string => (s ? s : '-');

/** The history as text: one table per cluster (headed by the cluster when there are several), newest first, `*` on the current revision. */
export function renderHistory(r: HistoryResult): string {
  const head = ['', 'REVISION', 'DIGEST', 'RELEASE', 'TREE', 'COMMIT', 'DEPLOYED', 'APPROVER', 'BUILD', 'REASON'];
  const many = r.clusters.length > 1;
  const parts = r.clusters.map((c) => {
    const title = many ? `${c.cluster} (${c.region})${c.context ? `, context ${c.context}` : ''}:\n` : '';
    if (c.error) return `${title}${r.namespace}: could not be read (see above)\n`;
    if (!c.deployed) return `${title}${r.app} is not deployed in ${r.namespace}\n`;
    if (c.revisions.length === 0) return `${title}deployment/${r.app} in ${r.namespace} has no revisions yet\n`;
    const rows = c.revisions.map((v) => [
      v.current ? '*' : '',
      String(v.revision),
      v.digest ? v.digest.slice(0, 'sha256:'.length + 12) : dash(v.image),
      dash(v.record?.release),
      dash(v.record?.tree.slice(0, 12)),
      dash(v.record?.commit.slice(0, 12)),
      dash(v.record?.deployedAt || v.createdAt),
      dash(v.record?.approver),
      dash(v.record?.build),
      dash(v.record?.reason),
    ]);
    return title + table([head, ...rows]);
  });
  return parts.join('\n');
}
