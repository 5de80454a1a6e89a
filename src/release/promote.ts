/**
 * `pipewright promote`: give the image of one environment the next environment's tag, in ECR,
 * by copying its manifest (BatchGetImage → PutImage). Nothing is pulled, pushed or rebuilt, and
 * the digest is the same bit for bit. ECR tags are immutable, so a target tag that already
 * names another digest is a refusal, never an overwrite.
 */
import { FindingsError, PipewrightError, StoppedError, UsageError } from '../core/errors.js';
import type { EnvironmentModel, Model } from '../model/model.js';
import { DOCKER_TAG, IMAGE_DIGEST } from '../core/names.js';
import { describeImage, type Ecr } from '../aws/ecr.js';
import type { KubeOptions } from '../k8s/client.js';
import type { DeployedState } from '../k8s/deployments.js';
import { AwsError, errorName } from '../aws/errors.js';
import { verifiedTag } from '../model/release.js';
import { describeExit, runShell } from '../core/exec.js';

/** Where promotion reads the source environment from: the clusters of the model, via kubeconfig. */
export type { KubeOptions };

/** What runs in `env`: its Deployment's digest in every cluster, which must agree. */
async function deployedDigest(model: Model, env: EnvironmentModel, kube: KubeOptions): Promise<{ digest: string | null; problems: string[]; states: { cluster: string; state: DeployedState | null }[] }> {
  const { clusterKubes } = await import('../k8s/contexts.js');
  const { readDeployment } = await import('../k8s/deployments.js');
  const kubes = await clusterKubes(kube, env.clusters);
  const states: { cluster: string; state: DeployedState | null }[] = [];
  const problems: string[] = [];
  for (const c of env.clusters) {
    const k = await kubes.kubeFor(c);
    if (typeof k === 'string') problems.push(k);
    else states.push({ cluster: c.name, state: await readDeployment(k, env.namespace, model.app) });
  }
  const digests = new Set(states.map((s) => s.state?.digest ?? null));
  return { digest: digests.size === 1 ? [...digests][0]! : null, problems, states };
}

/** The digest (sha256:…) of the image the `env` environment runs, read from its Deployment in each cluster. */
export async function resolveDeployedDigest(args: { readonly model: Model; readonly env: EnvironmentModel; readonly kube: KubeOptions }): Promise<string> {
  const { model, env } = args;
  const { digest, problems, states } = await deployedDigest(model, env, args.kube);
  const hint = 'pass the image with --image <tag|sha256:digest>';
  if (problems.length) throw new FindingsError(`promote: cannot read what ${env.name} runs: ${problems.join('; ')}; or ${hint}`);
  const shown = states.map((s) => `${s.cluster}: ${s.state ? (s.state.digest ?? `${s.state.image} (not pinned by digest)`) : 'not deployed'}`).join(', ');
  if (digest === null) {
    throw new FindingsError(`promote: ${env.name} (${env.namespace}) has no single image pinned by digest to promote (${shown}); ${hint}`);
  }
  return digest;
}

/** The built-in `source-ready` check: the source environment runs `digest` with every replica ready, in every cluster. */
export async function checkSourceReady(args: {
  readonly model: Model;
  readonly env: EnvironmentModel;
  readonly digest: string;
  readonly kube: KubeOptions;
}): Promise<CheckResult> {
  const name = 'source-ready';
  return guarded(name, async () => {
    const { problems, states } = await deployedDigest(args.model, args.env, args.kube);
    if (problems.length) return { name, ok: false, detail: problems.join('; ') };
    const bad = states.flatMap(({ cluster, state: s }) =>
      !s
        ? [`${cluster}: not deployed`]
        : s.digest !== args.digest
          ? [`${cluster}: runs ${s.digest ?? s.image}`]
          : s.ready < s.desired || s.updated < s.desired
            ? [`${cluster}: ${s.ready}/${s.desired} ready, ${s.updated} updated`]
            : [],
    );
    return bad.length
      ? { name, ok: false, detail: `${args.env.namespace} is not running ${args.digest} with every replica ready (${bad.join('; ')})` }
      : { name, ok: true, detail: `${args.env.namespace} runs it with every replica ready in ${states.map((s) => s.cluster).join(', ')}` };
  });
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** One line: what was found. */
  readonly detail: string;
  /** A command check's output (stdout and stderr, interleaved as they came), trimmed. */
  readonly output?: string;
}

export interface PromoteOptions {
  readonly from: string;
  readonly to: string;
  /** A tag or sha256: digest in the app's repository; default: what runs in --from. */
  readonly image?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly kube: KubeOptions;
  /** Where command checks run: the project root. */
  readonly root: string;
}

export interface PromoteResult {
  readonly app: string;
  readonly from: string;
  readonly to: string;
  readonly repository: string;
  readonly source: { readonly ref: string; readonly digest: string; readonly tags: readonly string[]; readonly tree: string };
  /** uri@digest */
  readonly image: string;
  readonly targetTag: string;
  readonly dryRun: boolean;
  /**
   * promoted: the target tag was added. already-promoted: it already named this digest.
   * would-promote: dry run, checks passed. checks-failed / refused: nothing was changed.
   */
  readonly status: 'promoted' | 'already-promoted' | 'would-promote' | 'checks-failed' | 'refused';
  readonly checks: readonly CheckResult[];
  /** The PutImage call made or, in a dry run, that would be made. */
  readonly call: { readonly operation: 'PutImage'; readonly params: Readonly<Record<string, unknown>> } | null;
  /** Why it was refused, or notes (a converged retry). */
  readonly message: string;
}

/** The two environments, in order; a clear usage error otherwise. */
export function promotionEnvironments(model: Model, from: string, to: string): [EnvironmentModel, EnvironmentModel] {
  const names = model.environments.map((e) => e.name);
  const find = (flag: string, name: string) => {
    const i = names.indexOf(name);
    if (i === -1) throw new UsageError(`${flag} ${name}: no such environment in ${model.configFile} (allowed: ${names.join(', ')})`);
    return i;
  };
  const i = find('--from', from);
  const j = find('--to', to);
  if (j <= i) {
    const later = names.slice(i + 1);
    throw new UsageError(
      `--to ${to} does not come after --from ${from}: images are promoted forward through ${names.join(' → ')}` +
        (later.length ? ` (allowed --to for ${from}: ${later.join(', ')})` : ` (${from} is the last environment)`),
    );
  }
  return [model.environments[i]!, model.environments[j]!];
}

const GIT_TAG = /^git-([0-9a-f]{40})$/;

/**
 * --image → an ECR image id. Accepts a tag, a digest, or `<uri>@sha256:…` / `<uri>:<tag>`, where
 * `uri` is any name of the repository (ECR's own, or the one image.registry gives it).
 */
export function parseImageRef(ref: string, uri: string | readonly string[]): { imageTag: string } | { imageDigest: string } {
  let r = ref.trim();
  const at = r.lastIndexOf('@');
  const named = (typeof uri === 'string' ? [uri] : uri).find((u) => r.startsWith(`${u}:`));
  if (at !== -1) r = r.slice(at + 1);
  else if (named !== undefined) r = r.slice(named.length + 1);
  if (IMAGE_DIGEST.test(r)) return { imageDigest: r };
  if (DOCKER_TAG.test(r)) return { imageTag: r };
  throw new UsageError(`--image ${ref}: not an image tag or sha256: digest (allowed: a tag such as git-<tree hash>, or sha256:<64 hex digits>)`);
}

/** The `git-<tree>` tag an image carries: the tree the pipeline built it from. */
export function treeOf(tags: readonly string[], preferPrefix: string): string | null {
  const trees = tags.map((t) => GIT_TAG.exec(t)?.[1]).filter((t): t is string => t !== undefined).sort();
  // Two trees can build the same bytes (one image, two git- tags): prefer the one the source
  // environment was tagged with, as the pipeline did.
  return trees.find((t) => tags.includes(`${preferPrefix}-${t.slice(0, 12)}`)) ?? trees[0] ?? null;
}

/** The tag the pipeline gives an environment's image: `<imageTag>-<first 12 of the tree hash>`. */
export const environmentTag = (env: EnvironmentModel, tree: string): string => `${env.imageTag}-${tree.slice(0, 12)}`;

/** Manifest types ECR may hold; listing them all makes BatchGetImage return the manifest as stored. */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

const SEVERE = ['CRITICAL', 'HIGH'] as const;

/**
 * The image carries `verified-<upstream>-<tree>` naming this digest: the upstream environment's
 * Verify stage passed with it (smoke check, then its alarms for the soak time).
 */
async function checkVerifiedUpstream(ecr: Ecr, upstream: string, tree: string, digest: string): Promise<CheckResult> {
  const name = 'verified-upstream';
  const tag = verifiedTag(upstream, tree);
  const found = await describeImage(ecr, { imageTag: tag });
  if (found?.imageDigest === digest) return { name, ok: true, detail: `${tag} names it: it passed Verify ${upstream}` };
  return {
    name,
    ok: false,
    detail: found
      ? `${tag} names another image, ${found.imageDigest ?? '?'}`
      : `no ${tag} tag: the image never passed Verify ${upstream} (smoke check and alarms), or its build has not finished; it goes no further until it does`,
  };
}

/** The built-in `scan-clean` check: ECR's scan of the image is complete and found nothing CRITICAL or HIGH. */
async function checkScanClean(ecr: Ecr, digest: string): Promise<CheckResult> {
  const name = 'scan-clean';
  let out;
  try {
    out = await ecr.send(
      'DescribeImageScanFindings',
      { registryId: ecr.registryId, repositoryName: ecr.repository, imageId: { imageDigest: digest }, maxResults: 1 },
      ['ScanNotFoundException'],
    );
  } catch (e) {
    if (errorName(e) !== 'ScanNotFoundException') throw e;
    return {
      name,
      ok: false,
      detail: 'the image has never been scanned (image.scanOnPush was off when it was pushed?): run aws ecr start-image-scan, then promote again',
    };
  }
  const status = out.imageScanStatus?.status ?? 'UNKNOWN';
  if (status !== 'COMPLETE' && status !== 'ACTIVE') {
    const why = out.imageScanStatus?.description ? `: ${out.imageScanStatus.description}` : '';
    return { name, ok: false, detail: `the scan is ${status}${why}; promote again when it is complete` };
  }
  const counts = out.imageScanFindings?.findingSeverityCounts ?? {};
  const severe = SEVERE.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  const all = Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  return severe.length
    ? { name, ok: false, detail: `the scan found ${severe.join(' and ')} (all findings: ${all})` }
    : { name, ok: true, detail: `no CRITICAL or HIGH findings${all ? ` (${all})` : ''}` };
}

/** A configured command check: the user's shell command (src/exec.ts) must exit 0. */
async function runCommandCheck(name: string, command: string, cwd: string, env: Record<string, string>): Promise<CheckResult> {
  const r = await runShell(command, { cwd, env });
  if (r.startError) return { name, ok: false, detail: `could not run sh: ${r.startError.message}`, output: '' };
  return { name, ok: r.code === 0, detail: describeExit(r), output: r.output };
}

/**
 * Promote: resolve the source image, run the target's checks, then copy the manifest under the
 * target tag. An AWS or cluster failure says what was changed: nothing, or (PutImage sent but not
 * answered) maybe the tag.
 */
export async function promote(ecr: Ecr, model: Model, opts: PromoteOptions, log: (line: string) => void = () => {}): Promise<PromoteResult> {
  const [fromEnv, toEnv] = promotionEnvironments(model, opts.from, opts.to);
  try {
    return await promoteChecked(ecr, model, opts, log, fromEnv, toEnv);
  } catch (e) {
    if (e instanceof StoppedError || e instanceof FindingsError || !(e instanceof PipewrightError) || e.exitCode !== 1) throw e;
    throw new StoppedError(e, { done: [], notDone: [`PutImage (the ${toEnv.name} tag)`], rerun: 'pipewright promote' });
  }
}

async function promoteChecked(
  ecr: Ecr,
  model: Model,
  opts: PromoteOptions,
  log: (line: string) => void,
  fromEnv: EnvironmentModel,
  toEnv: EnvironmentModel,
): Promise<PromoteResult> {

  // The repository (its URI names the image for checks and output).
  const repos = await ecr.send('DescribeRepositories', { registryId: ecr.registryId, repositoryNames: [ecr.repository] });
  const uri = repos.repositories?.[0]?.repositoryUri ?? model.image.uri;

  const ref = opts.image ?? (await resolveDeployedDigest({ model, env: fromEnv, kube: opts.kube }));
  const imageId = parseImageRef(ref, [uri, model.image.uri]);
  const source = await describeImage(ecr, imageId);
  if (!source?.imageDigest) {
    throw new FindingsError(`promote: no image ${ref} in ECR repository ${ecr.repository} (${ecr.region}): nothing was changed`);
  }
  const digest = source.imageDigest;
  const tags = [...(source.imageTags ?? [])].sort();
  const tree = 'imageTag' in imageId && GIT_TAG.test(imageId.imageTag) ? GIT_TAG.exec(imageId.imageTag)![1]! : treeOf(tags, fromEnv.imageTag);
  if (tree === null) {
    throw new FindingsError(
      `promote: image ${ref} (${digest}) has no git-<tree hash> tag (its tags: ${tags.join(', ') || 'none'}), so its ${toEnv.name} tag cannot be derived; ` +
        'promote images built by the pipeline',
    );
  }
  if (!tags.some((t) => t.startsWith(`${fromEnv.imageTag}-`))) {
    log(`note: ${ref} carries no ${fromEnv.imageTag}-… tag: it was never tagged for ${fromEnv.name}`);
  }
  const targetTag = environmentTag(toEnv, tree);
  const image = `${uri}@${digest}`;
  const base = {
    app: model.app,
    from: fromEnv.name,
    to: toEnv.name,
    repository: ecr.repository,
    source: { ref, digest, tags, tree },
    image,
    targetTag,
    dryRun: Boolean(opts.dryRun),
  };

  const existing = await describeImage(ecr, { imageTag: targetTag });
  if (existing?.imageDigest === digest) {
    return { ...base, status: 'already-promoted', checks: [], call: null, message: `${targetTag} already names ${digest}` };
  }
  if (existing) {
    return {
      ...base,
      status: 'refused',
      checks: [],
      call: null,
      message: `${targetTag} already names ${existing.imageDigest}, not ${digest}: ECR tags are immutable, so it cannot be moved; nothing was changed`,
    };
  }

  // Every required check of the target environment runs, even after one fails, so the report is complete.
  const env = { PW_APP: model.app, PW_FROM: fromEnv.name, PW_TO: toEnv.name, PW_IMAGE: image, PW_DIGEST: digest };
  const checks: CheckResult[] = [];
  // As in the pipeline: an environment with an upstream takes only an image verified there.
  if (toEnv.upstream !== null) checks.push(await guarded('verified-upstream', () => checkVerifiedUpstream(ecr, toEnv.upstream!, tree, digest)));
  for (const check of toEnv.requiredChecks) {
    let result: CheckResult;
    if (check.command !== null) result = await runCommandCheck(check.name, check.command, opts.root, env);
    else if (check.name === 'scan-clean') result = await guarded(check.name, () => checkScanClean(ecr, digest));
    else if (check.name === 'source-ready') result = await checkSourceReady({ model, env: fromEnv, digest, kube: opts.kube });
    else throw new UsageError(`required check ${check.name} of ${toEnv.name} has no command and is not built in`);
    checks.push(result);
  }
  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    return {
      ...base,
      status: 'checks-failed',
      checks,
      call: null,
      message: `${failed.length} of ${checks.length} required check(s) of ${toEnv.name} failed (${failed.map((c) => c.name).join(', ')}): nothing was changed`,
    };
  }

  const got = await ecr.send('BatchGetImage', {
    registryId: ecr.registryId,
    repositoryName: ecr.repository,
    imageIds: [{ imageDigest: digest }],
    acceptedMediaTypes: MANIFEST_TYPES,
  });
  const manifest = got.images?.[0];
  if (!manifest?.imageManifest) {
    const why = got.failures?.[0] ? `${got.failures[0].failureCode}: ${got.failures[0].failureReason}` : 'no manifest returned';
    throw new FindingsError(`promote: cannot read the manifest of ${image} (${why}): nothing was changed`);
  }
  const params = {
    registryId: ecr.registryId,
    repositoryName: ecr.repository,
    imageTag: targetTag,
    imageDigest: digest,
    ...(manifest.imageManifestMediaType && { imageManifestMediaType: manifest.imageManifestMediaType }),
    imageManifest: manifest.imageManifest,
  };
  const call = { operation: 'PutImage' as const, params };
  if (opts.dryRun) return { ...base, status: 'would-promote', checks, call, message: `would tag ${digest} as ${targetTag}` };

  let put: string | undefined;
  try {
    put = (await ecr.send('PutImage', params, ['ImageAlreadyExistsException', 'ImageTagAlreadyExistsException'])).image?.imageId?.imageDigest;
  } catch (e) {
    // Refused outright (access denied, a bad manifest …): nothing was changed.
    const expected = errorName(e) === 'ImageAlreadyExistsException' || errorName(e) === 'ImageTagAlreadyExistsException';
    const noAnswer = e instanceof AwsError && e.reason === 'no-answer';
    if (!expected && !noAnswer) throw e;
    // A retry whose first attempt got through (the response was lost), a call that timed out after
    // ECR took it, or a concurrent promotion: read the tag back. Same digest: done. Another: refused.
    let now;
    try {
      now = await describeImage(ecr, { imageTag: targetTag });
    } catch (again) {
      if (!(again instanceof PipewrightError)) throw again;
      const failure = noAnswer ? (e as AwsError) : again;
      throw new StoppedError(failure, { done: [], unsure: `PutImage ${targetTag} → ${digest}`, notDone: [], rerun: 'pipewright promote' });
    }
    if (now?.imageDigest === digest) {
      return { ...base, status: 'promoted', checks, call, message: `tagged ${digest} as ${targetTag} (ECR reported ${errorName(e)}: the tag was already in place)` };
    }
    if (now) {
      return {
        ...base,
        status: 'refused',
        checks,
        call: null,
        message: `${targetTag} was just set to ${now.imageDigest}, not ${digest}, by someone else: nothing was changed`,
      };
    }
    if (noAnswer) {
      const failure = new AwsError(`${(e as AwsError).message}\nread back: ECR has no ${targetTag}, so the PutImage did not take effect`, 'no-answer');
      throw new StoppedError(failure, { done: [], notDone: [], rerun: 'pipewright promote' });
    }
    throw new AwsError(`promote: ECR answered ${errorName(e)} to PutImage ${targetTag}, yet the tag is not there: try again`);
  }
  if (put !== undefined && put !== digest) {
    throw new AwsError(`promote: ECR stored the manifest of ${digest} under another digest ${put} as ${targetTag}; check the repository`);
  }
  return { ...base, status: 'promoted', checks, call, message: `tagged ${digest} as ${targetTag}` };
}

/** Run a built-in check; an AWS failure while checking is that check's failure, not the end of the report. */
async function guarded(name: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check();
  } catch (e) {
    // An AWS or cluster failure (worded for the user, exit 1) fails the check; a bug still throws.
    if (e instanceof PipewrightError && e.exitCode === 1) return { name, ok: false, detail: e.message };
    throw e;
  }
}
