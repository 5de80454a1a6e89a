/**
 * What ran in an environment, from the cluster alone: the Deployment `<app>` and the ReplicaSets
 * it owns. The Deployment controller copies the pod template (the image, and the release
 * annotations of model/release.ts) into one ReplicaSet per revision and numbers them with
 * `deployment.kubernetes.io/revision`; it keeps spec.revisionHistoryLimit (default 10) old ones,
 * so that is how far back history goes. Read by `history` and `rollback`.
 */
import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import { UsageError } from '../core/errors.js';
import type { EnvironmentModel, Model } from '../model/model.js';
import { releaseRecordOf, type ReleaseRecord } from '../model/release.js';
import type { Kube } from '../k8s/client.js';
import { APP_CONTAINER, digestOf, getDeployment, iso, ownedReplicaSets, REVISION } from '../k8s/deployments.js';

export interface Revision {
  /** deployment.kubernetes.io/revision of its ReplicaSet. */
  readonly revision: number;
  /** The revision the Deployment is at now (its own revision annotation). */
  readonly current: boolean;
  /** The container image as deployed, e.g. `<uri>@sha256:…` ('' when the template has none). */
  readonly image: string;
  /** sha256:… when the image is pinned by digest, else null. */
  readonly digest: string | null;
  /** The release annotations of its pod template; null for a revision deployed without them. */
  readonly record: ReleaseRecord | null;
  readonly replicaSet: string;
  /** ISO time its ReplicaSet was created (the revision's first rollout). */
  readonly createdAt: string | null;
  /** Pods its ReplicaSet is meant to run now (0 for an old revision). */
  readonly replicas: number;
}

export interface DeploymentHistory {
  readonly namespace: string;
  readonly name: string;
  /** The Deployment as read, for a patch (its resourceVersion) and for rollout status. */
  readonly deployment: V1Deployment;
  /** The name of the app container: "app", else the first container. */
  readonly container: string;
  /** The Deployment's revision now; null before the controller numbered it. */
  readonly revision: number | null;
  /** Its template's image and digest now (which may be ahead of the ReplicaSets mid-rollout). */
  readonly image: string;
  readonly digest: string | null;
  /** How many old ReplicaSets the controller keeps. */
  readonly revisionHistoryLimit: number;
  /** Newest first. */
  readonly revisions: readonly Revision[];
}

/** The app container of a pod template (by name, else the first one). */
function appContainer(t: V1PodTemplateSpec | undefined): { name: string; image: string } | null {
  const containers = t?.spec?.containers ?? [];
  const c = containers.find((x) => x.name === APP_CONTAINER) ?? containers[0];
  return c ? { name: c.name, image: c.image ?? '' } : null;
}

const revisionOf = (annotations: Record<string, string> | undefined): number | null => {
  const n = Number(annotations?.[REVISION]);
  return Number.isInteger(n) && n > 0 ? n : null;
};

/** The Deployment `name` in `namespace` and its revisions, newest first; null when it (or the namespace) does not exist. */
export async function readHistory(kube: Kube, namespace: string, name: string): Promise<DeploymentHistory | null> {
  const d = await getDeployment(kube, namespace, name);
  if (d === null) return null;
  const revision = revisionOf(d.metadata?.annotations);
  const revisions: Revision[] = [];
  for (const rs of await ownedReplicaSets(kube, namespace, d)) {
    const n = revisionOf(rs.metadata?.annotations);
    if (n === null) continue; // not (yet) numbered by the controller
    const image = appContainer(rs.spec?.template)?.image ?? '';
    revisions.push({
      revision: n,
      current: n === revision,
      image,
      digest: digestOf(image),
      record: releaseRecordOf(rs.spec?.template?.metadata?.annotations),
      replicaSet: rs.metadata?.name ?? '',
      createdAt: iso(rs.metadata?.creationTimestamp)?.replace(/\.000Z$/, 'Z') ?? null,
      replicas: rs.spec?.replicas ?? 0,
    });
  }
  revisions.sort((a, b) => b.revision - a.revision);
  const app = appContainer(d.spec?.template);
  return {
    namespace,
    name,
    deployment: d,
    container: app?.name ?? APP_CONTAINER,
    revision,
    image: app?.image ?? '',
    digest: digestOf(app?.image ?? ''),
    revisionHistoryLimit: d.spec?.revisionHistoryLimit ?? 10,
    revisions,
  };
}

/** The environment named by --env; a usage error listing the names otherwise. */
export function environmentNamed(model: Model, name: string): EnvironmentModel {
  const env = model.environments.find((e) => e.name === name);
  if (!env) throw new UsageError(`--env ${name}: no such environment in ${model.configFile} (allowed: ${model.environments.map((e) => e.name).join(', ')})`);
  return env;
}
