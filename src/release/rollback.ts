/**
 * `pipewright rollback`: put a release that ran in an environment, and passed its verification
 * there, back in every cluster of it. The target comes from the cluster (the Deployment's
 * ReplicaSets, `history`) and ECR (the verified tag `verified-<env>-<tree>`, model/release.ts);
 * the change is one strategic merge patch of the Deployment's pod template (the app container's
 * image and the release annotations), sent with the resourceVersion read, so a deploy that lands
 * in between is never overwritten unseen. Then it waits for the rollout.
 */
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { ChangeLog, FindingsError, PipewrightError, StoppedError, UsageError } from '../core/errors.js';
import type { ClusterTarget, EnvironmentModel, Model } from '../model/model.js';
import { DOCKER_TAG, IMAGE_DIGEST } from '../core/names.js';
import { parseVerifiedTag, RELEASE_ANNOTATIONS, type ReleaseRecord } from '../model/release.js';
import { describeImage, type Ecr } from '../aws/ecr.js';
import { KubeError, type Kube, type KubeOptions } from '../k8s/client.js';
import { clusterKubes } from '../k8s/contexts.js';
import { environmentNamed, readHistory, type DeploymentHistory } from './history.js';
import { waitForRollout } from '../k8s/rollout.js';

export interface RollbackOptions {
  readonly env: string;
  /** A tag or sha256: digest; default: the newest earlier revision verified in `env`. */
  readonly to?: string | undefined;
  /** Why (required): the reason annotation says `rollback: <reason>`. */
  readonly reason: string;
  /** Roll back to a digest that never ran in `env`, or was never verified there. */
  readonly force?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
  /** How long each cluster's rollout may take. */
  readonly rolloutTimeoutMs: number;
  /** Time between reads of the rollout. Default 2 s. */
  readonly pollMs?: number;
  readonly kube: KubeOptions;
  /** Who rolls back, for the build annotation (`pipewright rollback by <user>`). */
  readonly user: string;
  readonly now?: () => Date;
}

export interface RollbackCheck {
  /** ran-here: the digest ran in the environment (its ReplicaSet history). verified: ECR has its verified-<env>-… tag. */
  readonly name: 'ran-here' | 'verified';
  readonly ok: boolean;
  readonly detail: string;
}

export interface ClusterRollback {
  readonly cluster: string;
  readonly region: string;
  readonly context: string;
  /** The revision and digest it was at when read. */
  readonly from: { readonly revision: number | null; readonly digest: string | null; readonly image: string };
  /** The Deployment's resourceVersion the patch is conditional on. */
  readonly resourceVersion: string;
  /** would-roll-back: to be patched (in a dry run or a refusal, it was not); already-running: the template has the target. */
  readonly action: 'rolled-back' | 'would-roll-back' | 'already-running';
  /** The revision it is at after the rollout (null when nothing was done). */
  readonly revision: number | null;
}

export interface RollbackResult {
  readonly app: string;
  readonly environment: string;
  readonly namespace: string;
  readonly target: {
    /** --image as given; null for the default target. */
    readonly ref: string | null;
    readonly digest: string;
    /** <image.uri>@<digest> */
    readonly image: string;
    readonly tree: string;
    readonly commit: string;
    readonly release: string;
    /** The verified-<env>-<tree> tag naming it, or null. */
    readonly verifiedTag: string | null;
    /** Its ECR tags (empty when ECR no longer has it). */
    readonly tags: readonly string[];
  };
  readonly checks: readonly RollbackCheck[];
  /** --force was given and a check failed. */
  readonly forced: boolean;
  readonly dryRun: boolean;
  readonly status: 'rolled-back' | 'would-roll-back' | 'already-running' | 'refused';
  /** The strategic merge patch (each cluster's also carries metadata.resourceVersion); null when nothing is sent. */
  readonly patch: Readonly<Record<string, unknown>> | null;
  readonly clusters: readonly ClusterRollback[];
  readonly message: string;
}

interface Read {
  readonly cluster: ClusterTarget;
  readonly kube: Kube;
  readonly history: DeploymentHistory;
}

const GIT_TAG = /^git-([0-9a-f]{40})$/;
const short = (d: string): string => d.slice(0, 'sha256:'.length + 12);
const where = (r: Read): string => `${r.cluster.name} (${r.cluster.region})`;
/** A word for a POSIX shell, single-quoted when it needs to be. */
const shellWord = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** --image → an ECR image id: a sha256: digest (also `<repo>@sha256:…`) or a tag (also `<uri>:<tag>`). */
export function parseTarget(ref: string, uri: string): { imageTag: string } | { imageDigest: string } {
  let r = ref.trim();
  const at = r.lastIndexOf('@');
  if (at !== -1) r = r.slice(at + 1);
  else if (r.startsWith(`${uri}:`)) r = r.slice(uri.length + 1);
  if (IMAGE_DIGEST.test(r)) return { imageDigest: r };
  if (DOCKER_TAG.test(r)) return { imageTag: r };
  throw new UsageError(`--image ${ref}: not an image tag or sha256: digest (allowed: a tag such as v1.2.0 or git-<tree hash>, or sha256:<64 hex digits>)`);
}

/** The verified-<env>-<tree> tags among `tags`. */
const verifiedTags = (tags: readonly string[], env: string): string[] => tags.filter((t) => parseVerifiedTag(t)?.environment === env).sort();

/**
 * Roll back: read every cluster, choose and check the target, then patch and wait, cluster by
 * cluster. A failure part-way says what was done and how to finish.
 */
export async function rollback(ecr: Ecr, model: Model, opts: RollbackOptions, log: (line: string) => void = () => {}): Promise<RollbackResult> {
  const env = environmentNamed(model, opts.env);
  if (opts.reason.trim() === '') throw new UsageError('rollback: --reason <text> is required: say why (it is recorded on the Deployment)');
  let reads: Read[];
  let plan: Omit<RollbackResult, 'clusters' | 'status' | 'message'> & { clusters: ClusterRollback[] };
  try {
    reads = await readClusters(model, env, opts, log);
    plan = await choose(ecr, model, env, reads, opts);
  } catch (e) {
    if (e instanceof StoppedError || !(e instanceof PipewrightError) || e.exitCode !== 1) throw e;
    throw new StoppedError(e, { done: [], notDone: [], rerun: 'pipewright rollback' });
  }
  // Already there everywhere: nothing to refuse or change (a rollback run again after a slow rollout still waits for it).
  const there = plan.clusters.every((c) => c.action === 'already-running');
  const failed = plan.checks.filter((c) => !c.ok);
  if (failed.length && !opts.force && !there) {
    const message = `${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}; pass --force to roll back anyway: nothing was changed`;
    return { ...plan, patch: null, status: 'refused', message };
  }
  if (there && opts.dryRun) {
    return { ...plan, patch: null, status: 'already-running', message: `${env.namespace} already runs ${plan.target.digest}; nothing to change` };
  }
  return apply(env, reads, plan, opts, log);
}

async function readClusters(model: Model, env: EnvironmentModel, opts: RollbackOptions, log: (line: string) => void): Promise<Read[]> {
  const kubes = await clusterKubes(opts.kube, env.clusters);
  const reads: Read[] = [];
  const problems: string[] = [];
  for (const cluster of env.clusters) {
    const kube = await kubes.kubeFor(cluster);
    if (typeof kube === 'string') {
      problems.push(kube);
      continue;
    }
    // --context sends every cluster to one context: that cluster is rolled back once.
    const same = reads.find((r) => r.kube === kube);
    if (same) {
      log(`note: ${cluster.name} (${cluster.region}) is reached through the same context as ${where(same)} (${kube.context}): rolled back once`);
      continue;
    }
    const history = await readHistory(kube, env.namespace, model.app);
    if (history) reads.push({ cluster, kube, history });
    else problems.push(`${cluster.name} (${cluster.region}): no deployment/${model.app} in namespace ${env.namespace} (context ${kube.context}): nothing to roll back`);
  }
  for (const n of kubes.notes()) log(n);
  if (problems.length) throw new FindingsError(`rollback ${env.name}: ${problems.join('; ')}`);
  return reads;
}

/** The target, its checks and the patch; nothing is changed. */
async function choose(ecr: Ecr, model: Model, env: EnvironmentModel, reads: readonly Read[], opts: RollbackOptions) {
  const uri = model.image.uri;
  let digest: string;
  let detail: ImageDetail | null;
  if (opts.to !== undefined) {
    ({ digest, detail } = await explicitTarget(ecr, env, reads, parseTarget(opts.to, uri)));
  } else {
    ({ digest, detail } = await defaultTarget(ecr, env, reads[0]!));
  }
  const tags = [...(detail?.imageTags ?? [])].sort();
  const verified = verifiedTags(tags, env.name);

  // What the environment knows of it: the newest revision that ran it in each cluster, and the newest release record of it.
  const ran = reads.map((r) => ({ read: r, revision: r.history.revisions.find((v) => v.digest === digest) ?? null }));
  const record: ReleaseRecord | null = reads.flatMap((r) => r.history.revisions).find((v) => v.digest === digest && v.record?.digest === digest)?.record ?? null;
  const tree = record?.tree || (verified[0] && parseVerifiedTag(verified[0])!.tree) || tags.map((t) => GIT_TAG.exec(t)?.[1]).find(Boolean) || '';
  const verifiedTag = verified.find((t) => t.endsWith(`-${tree}`)) ?? verified[0] ?? null;

  const never = ran.filter((x) => !x.revision);
  const oldest = Math.min(...never.flatMap((x) => x.read.history.revisions.map((v) => v.revision)));
  const kept = never.length ? `${oldest === Infinity ? 'it has no ReplicaSets' : `its ReplicaSets go back to revision ${oldest}`}; the controller keeps revisionHistoryLimit ${never[0]!.read.history.revisionHistoryLimit}` : '';
  const checks: RollbackCheck[] = [
    never.length === 0
      ? { name: 'ran-here', ok: true, detail: `ran in ${env.namespace} as ${ran.map((x) => `revision ${x.revision!.revision} in ${where(x.read)}`).join(', ')}` }
      : { name: 'ran-here', ok: false, detail: `${short(digest)} never ran in ${env.namespace} in ${never.map((x) => where(x.read)).join(', ')} (${kept})` },
    verifiedTag
      ? { name: 'verified', ok: true, detail: `ECR tag ${verifiedTag} names it` }
      : {
          name: 'verified',
          ok: false,
          detail: detail
            ? `${short(digest)} has no ${env.name} verified tag (verified-${env.name}-<tree>) in ECR: it never passed ${env.name}'s verification (its tags: ${tags.join(', ') || 'none'})`
            : `${short(digest)} is not in ECR repository ${ecr.repository} (expired by the lifecycle policy?), so it cannot have been verified, and pods may not be able to pull it`,
        },
  ];

  const image = `${uri}@${digest}`;
  const annotations: Record<keyof typeof RELEASE_ANNOTATIONS, string> = {
    digest,
    tree,
    commit: record?.commit ?? '',
    release: record?.release ?? '',
    deployedAt: (opts.now ?? (() => new Date()))().toISOString().replace(/\.\d+Z$/, 'Z'),
    approver: '',
    build: `pipewright rollback by ${opts.user}`,
    reason: `rollback: ${opts.reason.trim()}`,
  };
  const clusters: ClusterRollback[] = reads.map((r) => ({
    cluster: r.cluster.name,
    region: r.cluster.region,
    context: r.kube.context,
    from: { revision: r.history.revision, digest: r.history.digest, image: r.history.image },
    resourceVersion: r.history.deployment.metadata?.resourceVersion ?? '',
    action: r.history.digest === digest ? 'already-running' : 'would-roll-back',
    revision: null,
  }));
  return {
    app: model.app,
    environment: env.name,
    namespace: env.namespace,
    target: { ref: opts.to ?? null, digest, image, tree, commit: annotations.commit, release: annotations.release, verifiedTag, tags },
    checks,
    forced: Boolean(opts.force) && checks.some((c) => !c.ok),
    dryRun: Boolean(opts.dryRun),
    patch: releasePatch(reads[0]!.history.container, image, annotations),
    clusters,
  };
}

/** --image's digest: a digest as given; a tag from ECR, else (ECR has no release tags) from a revision here whose release it names. */
async function explicitTarget(ecr: Ecr, env: EnvironmentModel, reads: readonly Read[], id: { imageTag: string } | { imageDigest: string }): Promise<{ digest: string; detail: ImageDetail | null }> {
  const detail = await describeImage(ecr, id);
  if ('imageDigest' in id) return { digest: id.imageDigest, detail };
  if (detail?.imageDigest) return { digest: detail.imageDigest, detail };
  const released = reads.flatMap((r) => r.history.revisions).find((v) => v.digest && v.record?.release === id.imageTag);
  if (!released?.digest) {
    throw new FindingsError(`rollback: no image tagged ${id.imageTag} in ECR repository ${ecr.repository} (${ecr.region}), and no revision in ${env.namespace} has release ${id.imageTag}`);
  }
  return { digest: released.digest, detail: await describeImage(ecr, { imageDigest: released.digest }) };
}

/** The newest revision before the current one, running another digest, that ECR says was verified in `env`. */
async function defaultTarget(ecr: Ecr, env: EnvironmentModel, first: Read): Promise<{ digest: string; detail: ImageDetail | null }> {
  const h = first.history;
  const current = h.revisions.find((r) => r.current);
  const skip = new Set([h.digest, current?.digest]);
  const seen: string[] = [];
  for (const r of h.revisions) {
    if (r.current || (h.revision !== null && r.revision > h.revision) || !r.digest || skip.has(r.digest)) continue;
    skip.add(r.digest);
    const detail = await describeImage(ecr, { imageDigest: r.digest });
    if (verifiedTags(detail?.imageTags ?? [], env.name).length) return { digest: r.digest, detail };
    seen.push(`revision ${r.revision} ${short(r.digest)}: ${detail ? 'not verified' : 'not in ECR'}`);
  }
  const found = seen.length ? `earlier revisions: ${seen.join(', ')}` : `no earlier revision runs another image pinned by digest`;
  throw new FindingsError(
    `rollback: no earlier release verified in ${env.name} to go back to in ${env.namespace} (${where(first)}, ${found}); ` +
      `pass --image <tag|sha256:digest> (with --force for one never verified in ${env.name})`,
  );
}

/** The strategic merge patch: the app container (merged by name) and the release annotations. */
export function releasePatch(container: string, image: string, record: Readonly<Record<keyof typeof RELEASE_ANNOTATIONS, string>>): Record<string, unknown> {
  const annotations = Object.fromEntries(Object.entries(RELEASE_ANNOTATIONS).map(([k, a]) => [a, record[k as keyof typeof RELEASE_ANNOTATIONS]]));
  return { spec: { template: { metadata: { annotations }, spec: { containers: [{ name: container, image }] } } } };
}

async function apply(
  env: EnvironmentModel,
  reads: readonly Read[],
  plan: Omit<RollbackResult, 'status' | 'message' | 'clusters'> & { clusters: ClusterRollback[] },
  opts: RollbackOptions,
  log: (line: string) => void,
): Promise<RollbackResult> {
  const { digest } = plan.target;
  const rerun = `pipewright rollback --env ${shellWord(env.name)} --image ${digest} --reason ${shellWord(opts.reason.trim())}${opts.force ? ' --force' : ''}`;
  if (opts.dryRun) {
    return { ...plan, status: 'would-roll-back', message: `would roll ${env.namespace} back to ${digest} in ${plan.clusters.filter((c) => c.action !== 'already-running').map((c) => c.cluster).join(', ')}` };
  }
  const changes = new ChangeLog();
  const items = reads.map((r) => `roll back ${where(r)}`);
  changes.plan(items);
  const clusters: ClusterRollback[] = [];
  for (const [i, r] of reads.entries()) {
    const c = plan.clusters[i]!;
    changes.reach(items[i]!);
    const { name, namespace } = r.history;
    try {
      let generation = r.history.deployment.metadata?.generation ?? 0;
      if (c.action !== 'already-running') {
        const body = { metadata: { resourceVersion: c.resourceVersion }, ...plan.patch };
        const op = { verb: 'patch', resource: 'deployments.apps', namespace, name } as const;
        const out = await changes.change(`patched deployment/${name} in ${namespace} on ${where(r)} to ${short(digest)}`, () =>
          r.kube.call(op, () => r.kube.apps.patchNamespacedDeployment({ name, namespace, body }, r.kube.strategicMergePatch)),
        );
        generation = out.metadata?.generation ?? generation;
      }
      log(`${where(r)}: waiting for the rollout (at most ${opts.rolloutTimeoutMs / 1000}s)`);
      await waitForRollout(r.kube, namespace, name, { generation, timeoutMs: opts.rolloutTimeoutMs, pollMs: opts.pollMs, progress: (p) => log(`${where(r)}: ${p}`) });
      const after = await readHistory(r.kube, namespace, name);
      clusters.push({ ...c, action: c.action === 'already-running' ? c.action : 'rolled-back', revision: after?.revision ?? null });
    } catch (e) {
      if (!(e instanceof PipewrightError)) throw e;
      const failure =
        e instanceof KubeError && e.status === 409
          ? new FindingsError(`${where(r)}: deployment/${name} in ${namespace} changed after rollback read it (a deploy?): check \`pipewright history --env ${env.name}\` and run rollback again`)
          : e;
      throw changes.stopped(failure, e instanceof KubeError && e.noAnswer, rerun);
    }
  }
  const rolled = clusters.filter((c) => c.action === 'rolled-back');
  const status = rolled.length ? 'rolled-back' : 'already-running';
  const message = rolled.length
    ? `${env.namespace} runs ${digest} again in ${clusters.map((c) => `${c.cluster} (revision ${c.revision ?? '?'})`).join(', ')}`
    : `${env.namespace} already runs ${digest}; nothing to change`;
  return { ...plan, patch: rolled.length ? plan.patch : null, clusters, status, message };
}
