/**
 * Fargate profiles against EKS, idempotently, like `ecr ensure`: read each wanted profile by name;
 * one with the same selectors is unchanged; a missing one is created and waited for until ACTIVE.
 * A profile cannot be edited in EKS, so one with the same name and other selectors (or one left
 * failed) is a conflict: reported with what to do, never deleted here (deleting a profile stops
 * the pods it placed).
 *
 * EKS creates a profile asynchronously (CREATING, then ACTIVE) and lets a cluster have only one
 * profile CREATING or DELETING at a time: profiles are created one after the other, each waited
 * for within a deadline, and a create refused because another profile is busy is retried.
 */
import type { FargateProfilePlan, FargateSelector } from '../render/aws/eks.js';
import type { Eks } from './eks.js';
import { ChangeLog } from '../core/errors.js';
import { AwsError, errorName, safeMessage } from './errors.js';

export interface LiveProfile {
  readonly status: string;
  readonly selectors: readonly FargateSelector[];
}

export interface ProfileState {
  readonly plan: FargateProfilePlan;
  /** What EKS has under the plan's name; null: nothing. */
  readonly live: LiveProfile | null;
  /** create: missing; wait: being created with the wanted selectors; conflict: see `problem`. */
  readonly verdict: 'create' | 'unchanged' | 'wait' | 'conflict';
  readonly problem?: string;
}

export interface ProfileOutcome {
  readonly plan: FargateProfilePlan;
  readonly action: 'created' | 'unchanged' | 'conflict' | 'would create' | 'would wait';
  readonly live: LiveProfile | null;
  readonly problem?: string;
}

export interface WaitOptions {
  /** How long one profile may take to become ACTIVE. */
  readonly timeoutMs: number;
  /** How often its status is read. */
  readonly pollMs: number;
  /** A line of progress (stderr). */
  readonly progress: (line: string) => void;
  /** Where creations are recorded, for a report if a call fails part-way (its plan: profileItem of each). */
  readonly log?: ChangeLog;
}

/** The item a progress log plans for a profile that must be created or waited for. */
export const profileItem = (s: ProfileState): string =>
  `${s.verdict === 'wait' ? 'wait for' : 'create'} Fargate profile ${s.plan.input.fargateProfileName} of cluster ${s.plan.cluster}`;

/** Selectors in one spelling: sorted, no empty label maps. */
function selectorKey(selectors: readonly FargateSelector[]): string {
  return JSON.stringify(
    selectors
      .map((s) => ({ namespace: s.namespace, labels: Object.fromEntries(Object.entries(s.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) }))
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  );
}

/** `shop-develop, jenkins (pipewright.dev/agent=true)` */
export function describeSelectors(selectors: readonly FargateSelector[]): string {
  return selectors
    .map((s) => {
      const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}=${v}`);
      return labels.length ? `${s.namespace} (${labels.join(', ')})` : s.namespace;
    })
    .join(', ');
}

const deleteCommand = (p: FargateProfilePlan): string =>
  `aws eks delete-fargate-profile --region ${p.region} --cluster-name ${p.cluster} --fargate-profile-name ${p.input.fargateProfileName}`;

/** What to do about an existing profile. */
export function judge(plan: FargateProfilePlan, live: LiveProfile | null): ProfileState {
  if (!live) return { plan, live, verdict: 'create' };
  const name = `Fargate profile ${plan.input.fargateProfileName} of cluster ${plan.cluster} (${plan.region})`;
  const recreate =
    `delete it (${deleteCommand(plan)}; the pods it placed are stopped, and are scheduled again once a profile selects them) ` +
    'and run pipewright cluster bootstrap again';
  if (selectorKey(live.selectors) !== selectorKey(plan.input.selectors)) {
    return {
      plan,
      live,
      verdict: 'conflict',
      problem: `${name} selects ${describeSelectors(live.selectors) || 'nothing'}, not ${describeSelectors(plan.input.selectors)}; EKS cannot change a profile's selectors: ${recreate}`,
    };
  }
  if (live.status === 'ACTIVE') return { plan, live, verdict: 'unchanged' };
  if (live.status === 'CREATING') return { plan, live, verdict: 'wait' };
  if (live.status === 'DELETING') {
    return { plan, live, verdict: 'conflict', problem: `${name} is being deleted: run pipewright cluster bootstrap again once it is gone, to create it anew` };
  }
  return { plan, live, verdict: 'conflict', problem: `${name} is ${live.status}: ${recreate}` };
}

async function describe(eks: Eks, plan: FargateProfilePlan): Promise<LiveProfile | null> {
  const name = plan.input.fargateProfileName;
  try {
    const out = await eks.send('DescribeFargateProfile', { clusterName: eks.cluster, fargateProfileName: name }, ['ResourceNotFoundException'], name);
    const p = out.fargateProfile;
    if (!p) return null;
    return {
      status: p.status ?? 'UNKNOWN',
      selectors: (p.selectors ?? []).map((s) => ({ namespace: s.namespace ?? '', ...(s.labels && Object.keys(s.labels).length && { labels: s.labels }) })),
    };
  } catch (e) {
    if (errorName(e) !== 'ResourceNotFoundException') throw e;
    // The same error names a missing cluster: tell them apart by asking for the cluster.
    await eks.send('DescribeCluster', { name: eks.cluster });
    return null;
  }
}

/** Read the wanted profiles of one cluster (checking first that the cluster exists). */
export async function readProfiles(eks: Eks, plans: readonly FargateProfilePlan[]): Promise<ProfileState[]> {
  if (plans.length === 0) return [];
  await eks.send('DescribeCluster', { name: eks.cluster });
  const states: ProfileState[] = [];
  for (const plan of plans) states.push(judge(plan, await describe(eks, plan)));
  return states;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/** Wait until the profile is ACTIVE; a profile that fails, vanishes or takes too long is an error. */
async function waitActive(eks: Eks, plan: FargateProfilePlan, opts: WaitOptions, started: number): Promise<LiveProfile> {
  const name = plan.input.fargateProfileName;
  let last = '';
  let lastSaid = 0;
  for (;;) {
    const live = await describe(eks, plan);
    const waited = Date.now() - started;
    if (!live) throw new AwsError(`Fargate profile ${name} of cluster ${eks.cluster} (${eks.region}) disappeared while it was being created: run pipewright cluster bootstrap again`);
    if (live.status === 'ACTIVE') {
      if (last) opts.progress(`Fargate profile ${name} of cluster ${eks.cluster}: ACTIVE after ${seconds(waited)}\n`);
      return live;
    }
    if (live.status !== 'CREATING') {
      throw new AwsError(`Fargate profile ${name} of cluster ${eks.cluster} (${eks.region}) is ${live.status}, not ACTIVE: see its health in the EKS console, then ${deleteCommand(plan)} and run pipewright cluster bootstrap again`);
    }
    if (waited >= opts.timeoutMs) {
      throw new AwsError(
        `Fargate profile ${name} of cluster ${eks.cluster} (${eks.region}) is still CREATING after ${seconds(waited)}: EKS usually takes a few minutes; ` +
          'run pipewright cluster bootstrap again later (it waits for the profile), or give it longer with --fargate-timeout',
      );
    }
    // Say something when the status changes, then every 30 seconds: enough to see it is alive.
    if (live.status !== last || Date.now() - lastSaid >= 30_000) {
      opts.progress(`waiting for Fargate profile ${name} of cluster ${eks.cluster}: ${live.status} (${seconds(waited)} of at most ${seconds(opts.timeoutMs)})\n`);
      last = live.status;
      lastSaid = Date.now();
    }
    await sleep(Math.min(opts.pollMs, Math.max(0, opts.timeoutMs - waited)));
  }
}

/**
 * Create what is missing, one profile at a time, and wait for each (and for those already being
 * created) to become ACTIVE. `roleArn` is the pod execution role; callers check it is set when
 * something must be created.
 */
export async function applyProfiles(eks: Eks, states: readonly ProfileState[], roleArn: string | null, opts: WaitOptions): Promise<ProfileOutcome[]> {
  const out: ProfileOutcome[] = [];
  for (const s of states) {
    if (s.verdict === 'unchanged' || s.verdict === 'conflict') {
      out.push({ plan: s.plan, action: s.verdict, live: s.live, ...(s.problem && { problem: s.problem }) });
      continue;
    }
    const started = Date.now();
    if (s.verdict === 'wait') {
      out.push({ plan: s.plan, action: 'unchanged', live: await waitActive(eks, s.plan, opts, started) });
      opts.log?.reach(profileItem(s));
      continue;
    }
    const result = await create(eks, s, roleArn, opts, started);
    out.push(result);
  }
  return out;
}

async function create(eks: Eks, state: ProfileState, roleArn: string | null, opts: WaitOptions, started: number): Promise<ProfileOutcome> {
  const plan = state.plan;
  const name = plan.input.fargateProfileName;
  const log = opts.log ?? new ChangeLog();
  if (!roleArn) throw new Error('applyProfiles: no pod execution role'); // the command checks this first
  for (;;) {
    try {
      opts.progress(`creating Fargate profile ${name} of cluster ${eks.cluster} (${describeSelectors(plan.input.selectors)})\n`);
      const send = () =>
        eks.send(
          'CreateFargateProfile',
          {
            clusterName: plan.input.clusterName,
            fargateProfileName: name,
            podExecutionRoleArn: roleArn,
            selectors: plan.input.selectors.map((sel) => ({ namespace: sel.namespace, ...(sel.labels && { labels: { ...sel.labels } }) })),
            ...(plan.input.subnets && { subnets: [...plan.input.subnets] }),
            tags: { ...plan.input.tags },
          },
          ['ResourceInUseException'],
          name,
        );
      await log.change(`created Fargate profile ${name} of cluster ${eks.cluster}`, send, profileItem(state));
      log.reach(profileItem(state));
      return { plan, action: 'created', live: await waitActive(eks, plan, opts, started) };
    } catch (e) {
      if (errorName(e) !== 'ResourceInUseException') throw e;
      // Either the profile exists after all (someone else made it, or a lost response), or another
      // profile of the cluster is being created or deleted: EKS allows one at a time.
      const now = judge(plan, await describe(eks, plan));
      if (now.verdict === 'conflict') return { plan, action: 'conflict', live: now.live, ...(now.problem && { problem: now.problem }) };
      if (now.verdict !== 'create') return { plan, action: 'created', live: await waitActive(eks, plan, opts, started) };
      const waited = Date.now() - started;
      if (waited >= opts.timeoutMs) {
        throw new AwsError(
          `cannot create Fargate profile ${name} of cluster ${eks.cluster} (${eks.region}) within ${seconds(opts.timeoutMs)}: ` +
            `another profile of the cluster is being created or deleted (${safeMessage((e as Error).message)}); run pipewright cluster bootstrap again later`,
        );
      }
      opts.progress(`cluster ${eks.cluster} is busy with another Fargate profile (EKS creates or deletes one at a time): waiting to create ${name}\n`);
      await sleep(Math.min(opts.pollMs, opts.timeoutMs - waited));
    }
  }
}
