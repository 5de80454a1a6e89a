/**
 * `pipewright status` rows: what each environment runs, in each of its clusters. The image tag
 * comes from an optional `tagsOf(digest)` lookup (ECR, wired by the caller); without it the tag
 * is unknown.
 */
import type { Model } from '../model/model.js';
import { KubeError, type Kube } from './client.js';
import { readDeployment, tagOf } from './deployments.js';

/** The tags a registry holds for an image digest. */
export type TagsOf = (digest: string) => Promise<readonly string[]>;

export interface StatusRow {
  readonly environment: string;
  readonly cluster: string;
  readonly region: string;
  /** The kubeconfig context the row was read through; null when there is none for the cluster. */
  readonly context: string | null;
  readonly namespace: string;
  readonly deployment: string;
  /** False when the namespace or the Deployment does not exist. */
  readonly deployed: boolean;
  readonly image: string | null;
  readonly digest: string | null;
  readonly tag: string | null;
  readonly ready: number | null;
  readonly desired: number | null;
  readonly updated: number | null;
  /** ISO time the current revision's ReplicaSet was created. */
  readonly rolloutAt: string | null;
  /** Why the row could not be read (e.g. forbidden), else absent. */
  readonly error?: string;
}

/** The environment's own tag (`<imageTag>-…`), else a `git-` tag, else the first tag; null when none. */
export function pickTag(tags: readonly string[], imageTag: string): string | null {
  const sorted = [...tags].sort();
  return sorted.find((t) => t.startsWith(`${imageTag}-`)) ?? sorted.find((t) => t.startsWith('git-')) ?? sorted[0] ?? null;
}

/** kubectl-style age: 45s, 3m, 2h, 5d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export interface StatusOptions {
  /** The kube client for a cluster of the model, or why there is none (the row then says so). */
  readonly kubeFor: (cluster: { readonly name: string; readonly region: string }) => Promise<Kube | string>;
  readonly tagsOf?: TagsOf;
  /** Told once per failed tag lookup. */
  readonly warn?: (message: string) => void;
}

/** One row per environment and cluster, in model order. A 403 marks its row; other failures throw. */
export async function statusRows(m: Model, opts: StatusOptions): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  const tagCache = new Map<string, Promise<readonly string[] | null>>();
  const tags = (digest: string): Promise<readonly string[] | null> => {
    let p = tagCache.get(digest);
    if (!p) {
      p = opts.tagsOf!(digest).catch((e: unknown) => {
        opts.warn?.(`warning: could not look up the tags of ${digest}: ${(e as Error).message?.split('\n')[0] ?? String(e)}`);
        return null;
      });
      tagCache.set(digest, p);
    }
    return p;
  };
  for (const e of m.environments) {
    for (const c of e.clusters) {
      const kube = await opts.kubeFor(c);
      const base = { environment: e.name, cluster: c.name, region: c.region, context: typeof kube === 'string' ? null : kube.context, namespace: e.namespace, deployment: m.app };
      const empty = { image: null, digest: null, tag: null, ready: null, desired: null, updated: null, rolloutAt: null };
      if (typeof kube === 'string') {
        rows.push({ ...base, deployed: false, ...empty, error: kube });
        continue;
      }
      let state;
      try {
        state = await readDeployment(kube, e.namespace, m.app);
      } catch (err) {
        if (err instanceof KubeError && err.status === 403) {
          rows.push({ ...base, deployed: false, ...empty, error: err.message });
          continue;
        }
        throw err;
      }
      if (!state) {
        rows.push({ ...base, deployed: false, ...empty });
        continue;
      }
      let tag = tagOf(state.image);
      if (state.digest && opts.tagsOf) {
        const found = await tags(state.digest);
        tag = found ? pickTag(found, e.imageTag) : null;
      }
      rows.push({
        ...base,
        deployed: true,
        image: state.image,
        digest: state.digest,
        tag,
        ready: state.ready,
        desired: state.desired,
        updated: state.updated,
        rolloutAt: state.rolloutAt,
      });
    }
  }
  return rows;
}

/** `sha256:0123456789ab` (12 hex digits). */
export const shortDigest = (d: string): string => d.slice(0, 'sha256:'.length + 12);
