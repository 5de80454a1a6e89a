/**
 * `pipewright status`: one row per environment (and cluster): namespace, image tag and digest,
 * ready/desired replicas, age of the last rollout. A missing namespace or Deployment is "not
 * deployed", not an error.
 *
 * Contexts: --context reads every cluster through that one context. Otherwise each cluster of
 * the config is read through the kubeconfig context named by its EKS ARN (as
 * `aws eks update-kubeconfig` names them) when there is one, else through the current context.
 */
import { processIo, paint, type Io } from '../core/io.js';
import { clusterKubes } from '../k8s/contexts.js';
import { describeImage, ecrTargetOf, openEcr, type EcrOptions } from '../aws/ecr.js';
import type { Model } from '../model/model.js';
import { formatAge, shortDigest, statusRows, type StatusRow, type TagsOf } from '../k8s/status.js';
import { parseTimeout } from '../core/deadline.js';
import { kubeOptions, type CommonOptions, type NetworkOptions, loadProject } from './common.js';

export interface StatusOptions extends CommonOptions, NetworkOptions, EcrOptions {
  /** kubeconfig context for every cluster. Default: per cluster, its EKS context, else the current one. */
  readonly context?: string;
  /** kubeconfig file. Default: KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig?: string;
}

export interface StatusDeps {
  /** The tags of an image digest. Default: ECR's (--region, --profile, --endpoint-url). */
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

/** The TAG column: the digest's tags in the app's ECR repository (--region, --profile, --endpoint-url). */
function ecrTags(opts: EcrOptions, model: Model): TagsOf {
  const ecr = openEcr(opts, ecrTargetOf(model));
  return async (digest) => (await describeImage(ecr, { imageDigest: digest }))?.imageTags ?? [];
}

export async function run(opts: StatusOptions, io: Io = processIo, deps: StatusDeps = {}): Promise<number> {
  const timeoutSeconds = parseTimeout(opts.timeout);
  const { model } = await loadProject(opts);
  const kubes = await clusterKubes(
    kubeOptions(opts, timeoutSeconds, FORBIDDEN_HINT),
    model.environments.flatMap((e) => e.clusters),
  );
  const tagsOf = deps.tagsOf ?? ecrTags({ ...opts, timeoutSeconds }, model);
  const rows = await statusRows(model, { kubeFor: kubes.kubeFor, tagsOf, warn: (m) => io.err(`${m}\n`) });
  for (const note of kubes.notes()) io.err(`${note}\n`);
  for (const r of rows) if (r.error) io.err(`${r.environment}: ${r.error}\n`);

  if (opts.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
  else io.out(render(io, rows, (deps.now ?? Date.now)()));
  return rows.some((r) => r.error) ? 1 : 0;
}
