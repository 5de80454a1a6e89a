/**
 * What `pipewright cluster bootstrap` prints: the Kubernetes changes and Fargate profiles of each
 * cluster it worked on, as text or JSON (the --manifests output is rendered by
 * render/kubernetes/manifests.ts). Formatting only: the command gathers the results.
 */
import type { ClusterTarget, Model } from '../model/model.js';
import { paint, type Io } from '../core/io.js';
import type { Change } from '../k8s/bootstrap.js';
import type { AccessEntryPlan, FargateProfilePlan } from '../render/aws/eks.js';
import { describeSelectors, type ProfileOutcome } from '../aws/fargate.js';

/** One cluster's results. */
export interface ClusterReport {
  /** The EKS cluster, when known (null: a context that names no EKS cluster). */
  readonly eks: ClusterTarget | null;
  readonly environments: readonly string[];
  readonly changes: readonly Change[];
  /** The Fargate profiles, converged (or read, in a dry run); null when EKS was not contacted. */
  readonly profiles: readonly ProfileOutcome[] | null;
  /** The plans behind them (printed as commands when EKS was not contacted). */
  readonly plans: readonly FargateProfilePlan[];
  readonly accessEntries: readonly AccessEntryPlan[];
}

const VERB: Record<Change['action'], [string, string]> = {
  create: ['created', 'would create'],
  update: ['updated', 'would update'],
  replace: ['replaced', 'would replace'],
  unchanged: ['unchanged', 'unchanged'],
};

const objectName = (c: Change): string => `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;

function describeChange(io: Io, c: Change, dryRun: boolean): string {
  const verb = VERB[c.action][dryRun ? 1 : 0];
  const colour = c.action === 'unchanged' ? 'dim' : c.action === 'create' ? 'green' : 'yellow';
  const why =
    c.action === 'replace'
      ? ` (${c.differences.join(', ')} differs and cannot change: ${dryRun ? 'would delete and create' : 'deleted and created'})`
      : c.differences.length
        ? ` (${c.differences.join(', ')})`
        : '';
  return `${paint(io, colour, verb.padEnd(dryRun ? 13 : 9))} ${objectName(c)}${why}\n`;
}

function describeProfile(io: Io, p: ProfileOutcome, dryRun: boolean): string {
  const colour = p.action === 'unchanged' ? 'dim' : p.action === 'conflict' ? 'red' : p.action === 'created' || p.action === 'would create' ? 'green' : 'yellow';
  const what = `Fargate profile ${p.plan.input.fargateProfileName} (${describeSelectors(p.plan.input.selectors)})`;
  return `${paint(io, colour, p.action.padEnd(dryRun ? 13 : 9))} ${what}${p.action === 'would wait' ? ' (being created: a real run waits for it)' : ''}\n`;
}

function summary(changes: readonly Change[], dryRun: boolean): string {
  const count = (a: Change['action']) => changes.filter((c) => c.action === a).length;
  const n = changes.length;
  if (count('unchanged') === n) return `nothing ${dryRun ? 'to change' : 'changed'}: all ${n} objects are as wanted\n`;
  const parts = (['create', 'update', 'replace', 'unchanged'] as const)
    .filter((a) => count(a) > 0)
    .map((a) => `${count(a)} ${a === 'unchanged' ? 'unchanged' : VERB[a][0]}`);
  return `${dryRun ? 'dry run, nothing changed: would have ' : ''}${parts.join(', ')}\n`;
}

const PROFILE_COUNT: Record<ProfileOutcome['action'], string> = {
  created: 'created',
  unchanged: 'unchanged',
  conflict: 'in conflict',
  'would create': 'to create',
  'would wait': 'being created',
};

function profileSummary(profiles: readonly ProfileOutcome[]): string {
  const counts = new Map<ProfileOutcome['action'], number>();
  for (const p of profiles) counts.set(p.action, (counts.get(p.action) ?? 0) + 1);
  if (counts.get('unchanged') === profiles.length) return `Fargate profiles: all ${profiles.length} are as wanted\n`;
  return `Fargate profiles: ${[...counts].map(([a, n]) => `${n} ${PROFILE_COUNT[a]}`).join(', ')}\n`;
}

const clusterName = (c: ClusterTarget) => `EKS cluster ${c.name} (${c.region})`;

/** The profiles as `aws eks` commands, when this context is not an EKS cluster pipewright can name. */
function profileCommands(plans: readonly FargateProfilePlan[]): string[] {
  const lines = [
    '',
    'Fargate profiles: this context names no EKS cluster, so none was created. EKS runs a pod on Fargate only when a',
    'profile selects its namespace (at most 5 selectors a profile; profiles cannot be edited). Run bootstrap with the',
    "cluster's context (`aws eks update-kubeconfig` names it by ARN) to create them, or create them yourself:",
  ];
  for (const p of plans) lines.push(`  ${p.cluster} (${p.region}), profile ${p.input.fargateProfileName}: ${describeSelectors(p.input.selectors)}`, `    ${p.command}`);
  return lines;
}

function accessHints(m: Model, entries: readonly AccessEntryPlan[]): string[] {
  const role = m.cluster.deployer.roleArn ? `Jenkins' IAM role (${m.cluster.deployer.roleArn})` : "Jenkins' IAM role (JENKINS_ROLE_ARN)";
  const lines = [
    '',
    `${role} deploys as a member of group ${m.cluster.deployer.group}: give it an EKS access entry with that group.`,
    'Associate no access policy with it: the RoleBindings above grant exactly what the pipeline needs.',
    '(If the role already has an entry, add the group with `aws eks update-access-entry … --kubernetes-groups`, keeping its other groups.)',
  ];
  for (const a of entries) lines.push(`  ${a.command}`);
  return lines;
}

/** The text report: per cluster its changes and profiles, then what is left to do by hand. */
export function textReport(io: Io, m: Model, reports: readonly ClusterReport[], dryRun: boolean): string {
  let out = '';
  for (const r of reports) {
    if (reports.length > 1 && r.eks) out += `${clusterName(r.eks)}: ${r.environments.join(', ')}\n`;
    out += r.changes.map((c) => describeChange(io, c, dryRun)).join('');
    out += summary(r.changes, dryRun);
    if (r.profiles) {
      out += r.profiles.map((p) => describeProfile(io, p, dryRun)).join('');
      if (r.profiles.length) out += profileSummary(r.profiles);
      for (const p of r.profiles) if (p.problem) out += `  ${p.problem}\n`;
    }
  }
  const lines: string[] = [];
  const uncontacted = reports.filter((r) => !r.profiles).flatMap((r) => r.plans);
  if (uncontacted.length) lines.push(...profileCommands(uncontacted));
  lines.push(...accessHints(m, reports.flatMap((r) => r.accessEntries)));
  return `${out}${lines.join('\n')}\n`;
}

const profileJson = (p: FargateProfilePlan, o: ProfileOutcome | undefined) => ({
  cluster: p.cluster,
  region: p.region,
  name: p.input.fargateProfileName,
  purpose: p.purpose,
  selectors: p.input.selectors,
  // not contacted: the context names no EKS cluster.
  action: o?.action ?? 'not contacted',
  ...(o?.live && { live: o.live }),
  ...(o?.problem && { problem: o.problem }),
  input: p.input,
  command: p.command,
});

/** The JSON report: the text report's content, every change with its cluster. */
export function jsonReport(base: Record<string, unknown>, reports: readonly ClusterReport[], dryRun: boolean): string {
  const payload = {
    ...base,
    dryRun,
    environments: [...new Set(reports.flatMap((r) => r.environments))],
    changes: reports.flatMap((r) =>
      r.changes.map((c) => ({
        cluster: r.eks?.name ?? null,
        action: c.action,
        kind: c.kind,
        namespace: c.namespace,
        name: c.name,
        differences: c.differences,
        ...(c.body !== undefined && { [c.action === 'update' ? 'patch' : 'object']: c.body }),
      })),
    ),
    fargateProfiles: reports.flatMap((r) => r.plans.map((p) => profileJson(p, r.profiles?.find((o) => o.plan === p)))),
    accessEntries: reports.flatMap((r) => r.accessEntries),
  };
  return `${JSON.stringify(payload, null, 2)}\n`;
}
