/**
 * `pipewright cluster bootstrap`: create the environments' namespaces and the deployer's RBAC
 * (one Role per namespace, allowing only what the pipeline's kubectl calls need), idempotently;
 * then print what EKS needs besides: Fargate profile selectors and the access entry for Jenkins.
 */
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { processIo, paint, type Io } from '../io.js';
import type { EnvironmentModel, Model } from '../model/model.js';
import { accessEntries, bootstrapObjects, fargateProfiles, type AccessEntryPlan, type FargateProfilePlan } from '../k8s/bootstrap-objects.js';
import { applyBootstrap, type Change } from '../k8s/bootstrap.js';
import { openKube, type Kube } from '../k8s/client.js';
import type { CommonOptions } from './common.js';

export interface ClusterBootstrapOptions extends CommonOptions {
  /** kubeconfig context. Default: the current context. */
  readonly context?: string;
  /** kubeconfig file. Default: KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig?: string;
  /** Read only; print what would change. */
  readonly dryRun?: boolean;
}

const FORBIDDEN_HINT = 'cluster bootstrap creates namespaces and RBAC objects: run it as a cluster admin (e.g. the identity that created the EKS cluster)';

/** Which environments this context's cluster holds: all, unless the context names an EKS cluster. */
function targetEnvironments(m: Model, kube: Kube): { environments: EnvironmentModel[]; note: string } {
  const eks = kube.eks;
  if (!eks) {
    return { environments: [...m.environments], note: `every environment (context ${kube.context} names no EKS cluster)` };
  }
  const here = m.environments.filter((e) => e.clusters.some((c) => c.name === eks.name && c.region === eks.region));
  if (here.length === 0) {
    const known = [...new Set(m.environments.flatMap((e) => e.clusters.map((c) => `${c.name} (${c.region})`)))].join(', ');
    throw new UsageError(
      `context ${kube.context} is EKS cluster ${eks.name} in ${eks.region}, where no environment of ${m.configFile} deploys (environments[].clusters: ${known}); pass --context for one of those`,
    );
  }
  return { environments: here, note: `EKS cluster ${eks.name} (${eks.region}): ${here.map((e) => e.name).join(', ')}` };
}

const VERB: Record<Change['action'], [string, string]> = {
  create: ['created', 'would create'],
  update: ['updated', 'would update'],
  replace: ['replaced', 'would replace'],
  unchanged: ['unchanged', 'unchanged'],
};

function objectName(c: Change): string {
  return `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
}

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

function summary(changes: readonly Change[], dryRun: boolean): string {
  const count = (a: Change['action']) => changes.filter((c) => c.action === a).length;
  const n = changes.length;
  if (count('unchanged') === n) return `nothing ${dryRun ? 'to change' : 'changed'}: all ${n} objects are as wanted\n`;
  const parts = (['create', 'update', 'replace', 'unchanged'] as const)
    .filter((a) => count(a) > 0)
    .map((a) => `${count(a)} ${a === 'unchanged' ? 'unchanged' : VERB[a][0]}`);
  return `${dryRun ? 'dry run, nothing changed: would have ' : ''}${parts.join(', ')}\n`;
}

function eksHints(m: Model, profiles: readonly FargateProfilePlan[], entries: readonly AccessEntryPlan[]): string {
  const lines = [
    '',
    `Fargate profiles: EKS runs a pod on Fargate only when a profile selects its namespace (at most 5 selectors a profile;`,
    `profiles cannot be edited: to add a namespace, create another profile). POD_EXECUTION_ROLE_ARN: the cluster's pod execution role.`,
  ];
  for (const p of profiles) {
    lines.push(`  ${p.cluster} (${p.region}), profile ${p.input.fargateProfileName}: ${p.namespaces.join(', ')}`, `    ${p.command}`);
  }
  lines.push(
    '',
    `Jenkins' IAM role (JENKINS_ROLE_ARN) deploys as a member of group ${m.cluster.deployer.group}: give it an EKS access entry with that group.`,
    'Associate no access policy with it: the RoleBindings above grant exactly what the pipeline needs.',
    '(If the role already has an entry, add the group with `aws eks update-access-entry … --kubernetes-groups`, keeping its other groups.)',
  );
  for (const a of entries) lines.push(`  ${a.command}`);
  return `${lines.join('\n')}\n`;
}

export async function run(opts: ClusterBootstrapOptions, io: Io = processIo): Promise<number> {
  const { model } = await loadConfig(opts);
  const dryRun = opts.dryRun ?? false;
  const kube = await openKube({
    cwd: opts.cwd,
    ...(opts.kubeconfig !== undefined && { kubeconfig: opts.kubeconfig }),
    ...(opts.context !== undefined && { context: opts.context }),
    forbiddenHint: FORBIDDEN_HINT,
  });
  const { environments, note } = targetEnvironments(model, kube);
  const changes = await applyBootstrap(kube, bootstrapObjects(model, environments), { dryRun });
  const profiles = fargateProfiles(model);
  const entries = accessEntries(model);

  if (opts.json) {
    const payload = {
      context: kube.context,
      server: kube.server,
      dryRun,
      environments: environments.map((e) => e.name),
      changes: changes.map((c) => ({
        action: c.action,
        kind: c.kind,
        namespace: c.namespace,
        name: c.name,
        differences: c.differences,
        ...(c.body !== undefined && { [c.action === 'update' ? 'patch' : 'object']: c.body }),
      })),
      fargateProfiles: profiles,
      accessEntries: entries,
    };
    io.out(`${JSON.stringify(payload, null, 2)}\n`);
    return 0;
  }
  io.err(`context ${kube.context} (${kube.server}): ${note}${dryRun ? '; dry run: nothing is changed' : ''}\n`);
  io.out(changes.map((c) => describeChange(io, c, dryRun)).join(''));
  io.out(summary(changes, dryRun));
  io.out(eksHints(model, profiles, entries));
  return 0;
}
