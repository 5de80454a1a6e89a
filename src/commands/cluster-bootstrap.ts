/**
 * `pipewright cluster bootstrap`: bring a cluster in line, idempotently: the environments'
 * namespaces (Pod Security, ALB readiness gates) and the deployer's RBAC (one Role per namespace,
 * allowing only what the pipeline's kubectl calls need), the deployer ServiceAccount with its IRSA
 * role, Fargate logging, and through the EKS API the Fargate profiles. Then print what is left to
 * do by hand (the access entry for Jenkins).
 *
 * Order: EKS is read first, so missing credentials, a missing cluster or a missing pod execution
 * role stop the run before anything changes; then the Kubernetes objects; then the profiles are
 * created, one at a time, each waited for until ACTIVE.
 */
import { ChangeLog, ConfigError, FindingsError, PipewrightError, UsageError } from '../core/errors.js';
import { parseTimeout } from '../core/deadline.js';
import { processIo, type Io } from '../core/io.js';
import type { ClusterTarget, EnvironmentModel, Model } from '../model/model.js';
import { bootstrapObjects } from '../render/kubernetes/bootstrap-objects.js';
import { accessEntries, clusterPlans, environmentsOf, fargateProfiles, type FargateProfilePlan } from '../render/aws/eks.js';
import { applyBootstrap, assumeAbsent, checkItem, type Change } from '../k8s/bootstrap.js';
import { KubeError, NoKubeconfigError, openKube, type Kube } from '../k8s/client.js';
import { openEks, type EksOptions } from '../aws/eks.js';
import { AwsError } from '../aws/errors.js';
import { applyProfiles, judge, profileItem, readProfiles, type ProfileOutcome, type ProfileState } from '../aws/fargate.js';
import { jsonReport, textReport, type ClusterReport } from './cluster-bootstrap-report.js';
import { manifestsJson, manifestsYaml, type ManifestSection } from '../render/kubernetes/manifests.js';
import { kubeOptions, type CommonOptions, type NetworkOptions, loadProject } from './common.js';

export interface ClusterBootstrapOptions extends CommonOptions, NetworkOptions, EksOptions {
  /** kubeconfig context. Default: the current context. */
  readonly context?: string;
  /** kubeconfig file. Default: KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig?: string;
  /** Read only; print what would change. Without kubeconfig or AWS credentials, shows everything as "would create". */
  readonly dryRun?: boolean;
  /** Print the objects as YAML (or JSON with --json) for kubectl or GitOps; nothing is contacted. */
  readonly manifests?: boolean;
  /** How long each new Fargate profile may take to become ACTIVE: "15m", "90s" or seconds. Default 15m. */
  readonly fargateTimeout?: string;
}

const FORBIDDEN_HINT = 'cluster bootstrap creates namespaces and RBAC objects: run it as a cluster admin (e.g. the identity that created the EKS cluster)';

/** One cluster to work on: the EKS cluster when known, and the environments it holds. */
interface Target {
  readonly eks: ClusterTarget | null;
  readonly environments: readonly EnvironmentModel[];
}

/** A target's Fargate profiles: its cluster's, or (unknown cluster) every cluster's, for the printed commands. */
const plansOf = (m: Model, t: Target): FargateProfilePlan[] => fargateProfiles(m, t.eks ? [t.eks] : configClusters(m));

const configClusters = (m: Model): ClusterTarget[] => clusterPlans(m).map((p) => ({ name: p.cluster, region: p.region }));

/** Which cluster this context is: the EKS cluster its ARN names (and its environments), else an unknown one holding all. */
function targetOf(m: Model, kube: Kube): Target & { note: string } {
  const eks = kube.eks;
  if (!eks) return { eks: null, environments: [...m.environments], note: `every environment (context ${kube.context} names no EKS cluster)` };
  const cluster = { name: eks.name, region: eks.region };
  const here = environmentsOf(m, cluster);
  if (here.length === 0) {
    const known = configClusters(m).map((c) => `${c.name} (${c.region})`).join(', ');
    throw new UsageError(
      `context ${kube.context} is EKS cluster ${eks.name} in ${eks.region}, where no environment of ${m.configFile} deploys (environments[].clusters: ${known}); pass --context for one of those`,
    );
  }
  return { eks: cluster, environments: here, note: `EKS cluster ${eks.name} (${eks.region}): ${here.map((e) => e.name).join(', ')}` };
}

function manifestSections(m: Model): ManifestSection[] {
  return configClusters(m).map((eks) => ({ eks, objects: bootstrapObjects(m, { environments: environmentsOf(m, eks), eks }), plans: fargateProfiles(m, [eks]) }));
}

function timeoutMs(text = '15m'): number {
  const t = /^([1-9][0-9]*)(s|m)?$/.exec(text);
  if (!t) throw new UsageError(`--fargate-timeout ${text}: expected a duration such as 15m, 90s or 600`);
  return Number(t[1]) * (t[2] === 'm' ? 60_000 : 1000);
}

/** The kubeconfig's context; in a dry run, null when there is no kubeconfig at all. */
async function openCluster(opts: ClusterBootstrapOptions, notes: string[]): Promise<Kube | null> {
  try {
    return await openKube(kubeOptions(opts, opts.timeoutSeconds, FORBIDDEN_HINT));
  } catch (e) {
    if (!(opts.dryRun && e instanceof NoKubeconfigError)) throw e;
    notes.push(`${e.message.replace(/; for EKS.*$/, '')}: no cluster was read, every object of every cluster of the config is shown as it would be created`);
    return null;
  }
}

/** The profiles of an EKS cluster as they are; in a dry run without AWS credentials, as if none existed. */
async function readEks(m: Model, opts: ClusterBootstrapOptions, eks: ClusterTarget, plans: readonly FargateProfilePlan[], notes: string[]): Promise<ProfileState[]> {
  try {
    return await readProfiles(openEks(opts, { cluster: eks.name, region: eks.region, accountId: m.aws.accountId }), plans);
  } catch (e) {
    if (!(opts.dryRun && e instanceof AwsError && e.reason === 'no-credentials')) throw e;
    const note = 'no AWS credentials: no Fargate profile was read, each is shown as it would be created';
    if (!notes.includes(note)) notes.push(note);
    return plans.map((p) => judge(p, null));
  }
}

/** Kubernetes changes; in a dry run whose credentials do not work, every object as it would be created. */
async function kubeChanges(kube: Kube | null, objects: Parameters<typeof applyBootstrap>[1], dryRun: boolean, notes: string[], log: ChangeLog): Promise<Change[]> {
  if (!kube) return assumeAbsent(objects);
  try {
    return await applyBootstrap(kube, objects, { dryRun, log });
  } catch (e) {
    if (!(dryRun && e instanceof KubeError && e.credentials)) throw e;
    notes.push(`${e.message}: no object was read, each is shown as it would be created`);
    return assumeAbsent(objects);
  }
}

const DRY: Record<ProfileState['verdict'], ProfileOutcome['action']> = { create: 'would create', wait: 'would wait', unchanged: 'unchanged', conflict: 'conflict' };

export async function run(opts: ClusterBootstrapOptions, io: Io = processIo): Promise<number> {
  const timeoutSeconds = parseTimeout(opts.timeout);
  const { model } = await loadProject(opts);
  if (opts.manifests) {
    io.out(opts.json ? manifestsJson(manifestSections(model)) : manifestsYaml(model, manifestSections(model)));
    return 0;
  }
  const dryRun = opts.dryRun ?? false;
  const wait = timeoutMs(opts.fargateTimeout);
  const notes: string[] = [];
  const log = new ChangeLog();
  try {
    return await bootstrap(model, { ...opts, timeoutSeconds }, io, { dryRun, wait, notes, log });
  } catch (e) {
    // A failed call part-way (a deadline, a refusal): say what was changed and what was not.
    if (!(e instanceof PipewrightError) || e.exitCode !== 1 || e instanceof FindingsError) throw e;
    const noAnswer = (e instanceof AwsError && e.reason === 'no-answer') || (e instanceof KubeError && e.noAnswer);
    throw log.stopped(e, noAnswer, 'pipewright cluster bootstrap');
  }
}

async function bootstrap(
  model: Model,
  opts: ClusterBootstrapOptions & { readonly timeoutSeconds: number | undefined },
  io: Io,
  { dryRun, wait, notes, log }: { dryRun: boolean; wait: number; notes: string[]; log: ChangeLog },
): Promise<number> {
  const kube = await openCluster(opts, notes);
  const here = kube && targetOf(model, kube);
  const targets: Target[] = here ? [here] : configClusters(model).map((eks) => ({ eks, environments: environmentsOf(model, eks) }));

  // EKS first, reading only.
  const states = new Map<Target, ProfileState[]>();
  const plans = new Map(targets.map((t) => [t, plansOf(model, t)]));
  for (const t of targets) if (t.eks) states.set(t, await readEks(model, opts, t.eks, plans.get(t)!, notes));
  const role = model.cluster.fargate.podExecutionRoleArn;
  const toCreate = [...states.values()].flat().filter((s) => s.verdict === 'create');
  if (!role && toCreate.length) {
    const which = toCreate.map((s) => `${s.plan.input.fargateProfileName} (cluster ${s.plan.cluster})`).join(', ');
    const problem = {
      path: 'cluster.fargate.podExecutionRoleArn',
      message: `not set, and Fargate profile${toCreate.length > 1 ? 's' : ''} ${which} must be created: name the IAM role Fargate runs the pods with (it pulls images from ECR and writes logs to CloudWatch)`,
      allowed: 'an IAM role ARN such as arn:aws:iam::123456789012:role/eks-fargate-pods',
    };
    if (!dryRun) throw new ConfigError(model.configFile, [problem]);
    notes.push(`${problem.path} is not set: a real run stops before changing anything, as profiles must be created`);
  }

  // What a real run is about to do, so that a failure part-way can say what was not done.
  if (!dryRun) {
    log.plan([
      ...targets.flatMap((t) => bootstrapObjects(model, { environments: t.environments, eks: t.eks }).map((o) => checkItem(o.object))),
      ...[...states.values()].flat().filter((s) => s.verdict === 'create' || s.verdict === 'wait').map(profileItem),
    ]);
  }
  const reports: ClusterReport[] = [];
  for (const t of targets) {
    const eks = t.eks ? [t.eks] : undefined;
    const changes = await kubeChanges(kube, bootstrapObjects(model, { environments: t.environments, eks: t.eks }), dryRun, notes, log);
    const tStates = states.get(t);
    let profiles: ProfileOutcome[] | null = null;
    if (tStates && t.eks) {
      profiles = dryRun
        ? tStates.map((s) => ({ plan: s.plan, action: DRY[s.verdict], live: s.live, ...(s.problem && { problem: s.problem }) }))
        : await applyProfiles(openEks(opts, { cluster: t.eks.name, region: t.eks.region, accountId: model.aws.accountId }), tStates, role, {
            timeoutMs: wait,
            pollMs: Math.min(10_000, Math.max(1000, wait / 10)),
            progress: (line) => io.err(line),
            log,
          });
    }
    reports.push({ eks: t.eks, environments: t.environments.map((e) => e.name), changes, profiles, plans: plans.get(t)!, accessEntries: accessEntries(model, eks) });
  }

  // Like the results, said once everything is done: a failure is then its one line.
  if (kube && here) io.err(`context ${kube.context} (${kube.server}): ${here.note}${dryRun ? '; dry run: nothing is changed' : ''}\n`);
  for (const n of notes) io.err(`note: ${n}\n`);
  if (opts.json) io.out(jsonReport({ context: kube?.context ?? null, server: kube?.server ?? null, notes }, reports, dryRun));
  else io.out(textReport(io, model, reports, dryRun));
  const conflicts = reports.flatMap((r) => r.profiles ?? []).filter((p) => p.problem);
  if (conflicts.length) throw new FindingsError(conflicts.map((p) => `cluster bootstrap: ${p.problem}`).join('\n'));
  return 0;
}
