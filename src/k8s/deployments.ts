/**
 * What a Deployment runs: its image (and digest), its replicas, and when its current revision
 * rolled out. Read by `status` and by `promote` (the source environment's image); `history` reads
 * the ReplicaSets too.
 */
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { IMAGE_DIGEST } from '../core/names.js';
import { KubeError, type Kube } from './client.js';

export interface DeployedState {
  /** The container image reference as deployed, e.g. `<uri>@sha256:…`. */
  image: string;
  /** `sha256:…` when the image is pinned by digest, else null. */
  digest: string | null;
  /** Pods ready (status.readyReplicas). */
  ready: number;
  /** Pods wanted (spec.replicas). */
  desired: number;
  /** Pods already on the current template (status.updatedReplicas). */
  updated: number;
  /** ISO time of the current revision's ReplicaSet creation. */
  rolloutAt: string | null;
}

/** The container the base template names "app"; else the first one. */
export const APP_CONTAINER = 'app';

/** The annotation the Deployment controller numbers its revisions with, on the Deployment and each ReplicaSet. */
export const REVISION = 'deployment.kubernetes.io/revision';

/** The digest of an image reference `repo@sha256:…`, else null. */
export function digestOf(image: string): string | null {
  const at = image.lastIndexOf('@');
  const digest = at === -1 ? '' : image.slice(at + 1);
  return IMAGE_DIGEST.test(digest) ? digest : null;
}

/** The tag of an image reference `repo:tag` (not a registry port), else null. */
export function tagOf(image: string): string | null {
  if (image.includes('@')) return null;
  const m = /:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(image.slice(image.lastIndexOf('/') + 1));
  return m ? m[1]! : null;
}

/** An API time as ISO-8601 UTC, or null. */
export const iso = (t: Date | string | undefined): string | null => {
  if (t === undefined) return null;
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

/** The Deployment object `name` in `namespace`, or null when it (or the namespace) does not exist. */
export async function getDeployment(kube: Kube, namespace: string, name: string): Promise<V1Deployment | null> {
  try {
    return await kube.call({ verb: 'get', resource: 'deployments.apps', namespace, name }, () => kube.apps.readNamespacedDeployment({ name, namespace }));
  } catch (e) {
    if (e instanceof KubeError && e.status === 404) return null;
    throw e;
  }
}

/** What the Deployment `name` in `namespace` runs, or null when it (or the namespace) does not exist. */
export async function readDeployment(kube: Kube, namespace: string, name: string): Promise<DeployedState | null> {
  const d = await getDeployment(kube, namespace, name);
  if (d === null) return null;
  const containers = d.spec?.template?.spec?.containers ?? [];
  const image = (containers.find((c) => c.name === APP_CONTAINER) ?? containers[0])?.image ?? '';
  return {
    image,
    digest: digestOf(image),
    ready: d.status?.readyReplicas ?? 0,
    desired: d.spec?.replicas ?? 1,
    updated: d.status?.updatedReplicas ?? 0,
    rolloutAt: await currentRolloutAt(kube, namespace, d),
  };
}

/** Creation time of the ReplicaSet the Deployment owns at its current revision. */
async function currentRolloutAt(kube: Kube, namespace: string, d: V1Deployment): Promise<string | null> {
  const revision = d.metadata?.annotations?.[REVISION];
  if (revision === undefined || !d.spec?.selector?.matchLabels) return null;
  const current = (await ownedReplicaSets(kube, namespace, d)).find((rs) => rs.metadata?.annotations?.[REVISION] === revision);
  return iso(current?.metadata?.creationTimestamp);
}

/**
 * The ReplicaSets the Deployment owns: listed by its selector's matchLabels, kept when an owner
 * reference names it (by uid when it has one). Also read by `history` and `rollback`.
 */
export async function ownedReplicaSets(kube: Kube, namespace: string, d: V1Deployment): Promise<V1ReplicaSet[]> {
  const match = d.spec?.selector?.matchLabels;
  if (!match) return [];
  const labelSelector = Object.entries(match)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await kube.call({ verb: 'list', resource: 'replicasets.apps', namespace }, () =>
    kube.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
  );
  const uid = d.metadata?.uid;
  const owned = (rs: V1ReplicaSet) => (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Deployment' && (uid ? o.uid === uid : o.name === d.metadata?.name));
  return list.items.filter(owned);
}
