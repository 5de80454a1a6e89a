/**
 * `pipewright iam`: the IAM roles the pipeline needs, as JSON policy documents. Data only: it
 * never calls AWS. `--role <name>` prints one raw document for `aws iam put-role-policy` (or,
 * with `--trust`, `aws iam create-role`); `--json` prints every role as one object.
 */
import { UsageError } from '../core/errors.js';
import { paint, processIo, type Io } from '../core/io.js';
import type { ClusterTarget, Model } from '../model/model.js';
import { clusterKey, iamPlan, placeholdersIn, type IamPlan, type IamRole, type PolicyDocument } from '../render/aws/iam.js';
import { type CommonOptions, loadProject } from './common.js';

export interface IamCommandOptions extends CommonOptions {
  /** Print only this role's permission policy (or, with `trust`, its trust policy) as raw JSON. */
  readonly role?: string;
  /** With `role`: the trust policy instead of the permission policy. */
  readonly trust?: boolean;
  /** `[<cluster>[@<region>]=]<issuer URL or id>`, repeatable. Default: placeholders. */
  readonly oidcIssuer?: readonly string[] | string;
  /** `<cluster>[@<region>]` whose pods run the Jenkins agents. Default: aws.cluster in aws.region. */
  readonly agentCluster?: string;
}

const CLUSTER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/;
const ISSUER_URL = /^https:\/\/oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/id\/([A-Za-z0-9]{1,64})\/?$/;
const ISSUER_ID = /^[A-Za-z0-9]{1,64}$/;

/** `name` or `name@region`. */
function parseClusterRef(flag: string, text: string): { name: string; region?: string } {
  const [name = '', region, ...rest] = text.split('@');
  if (!CLUSTER.test(name) || rest.length > 0 || (region !== undefined && !REGION.test(region))) {
    throw new UsageError(`${flag}: "${text}" is not <cluster> or <cluster>@<region> (e.g. main or main@eu-west-1)`);
  }
  return { name, ...(region !== undefined && { region }) };
}

function agentClusterOf(m: Model, text: string | undefined, known: readonly ClusterTarget[]): ClusterTarget {
  if (text === undefined) return { name: m.aws.cluster, region: m.aws.region };
  const ref = parseClusterRef('--agent-cluster', text);
  if (ref.region) return { name: ref.name, region: ref.region };
  const same = known.filter((c) => c.name === ref.name);
  if (same.length > 1) throw new UsageError(`--agent-cluster: ${ref.name} is a cluster in ${same.map((c) => c.region).join(' and ')}: say which, e.g. ${ref.name}@${same[0]!.region}`);
  return same[0] ?? { name: ref.name, region: m.aws.region };
}

/** `--oidc-issuer` values → OIDC id per cluster key. */
function oidcIds(values: readonly string[], clusters: readonly ClusterTarget[]): Map<string, string> {
  const ids = new Map<string, string>();
  const names = clusters.map(clusterKey).join(', ');
  for (const value of values) {
    const eq = value.startsWith('https://') ? -1 : value.indexOf('=');
    const ref = eq >= 0 ? parseClusterRef('--oidc-issuer', value.slice(0, eq)) : null;
    const issuer = eq >= 0 ? value.slice(eq + 1) : value;
    const url = ISSUER_URL.exec(issuer);
    if (!url && !ISSUER_ID.test(issuer)) {
      throw new UsageError(
        `--oidc-issuer: "${issuer}" is neither an EKS OIDC issuer URL (https://oidc.eks.<region>.amazonaws.com/id/<id>) nor an id; ` +
          'get it with: aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text',
      );
    }
    const region = ref?.region ?? url?.[1];
    const candidates = clusters.filter((c) => (!ref || c.name === ref.name) && (region === undefined || c.region === region));
    if (candidates.length !== 1) {
      const why = candidates.length === 0 ? `matches none of the clusters (${names})` : `could be any of ${candidates.map(clusterKey).join(', ')}`;
      throw new UsageError(`--oidc-issuer ${value}: ${why}; name the cluster: --oidc-issuer <cluster>[@<region>]=<issuer URL>`);
    }
    const c = candidates[0]!;
    if (url && url[1] !== c.region) {
      throw new UsageError(`--oidc-issuer ${value}: the issuer is in ${url[1]}, but cluster ${c.name} is in ${c.region}`);
    }
    const id = url ? url[2]! : issuer;
    const before = ids.get(clusterKey(c));
    if (before !== undefined && before !== id) throw new UsageError(`--oidc-issuer: two issuers for cluster ${clusterKey(c)} (${before} and ${id})`);
    ids.set(clusterKey(c), id);
  }
  return ids;
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function oneRole(plan: IamPlan, opts: IamCommandOptions, io: Io): number {
  const role = plan.roles.find((r) => r.name === opts.role);
  if (!role) throw new UsageError(`--role: no role "${opts.role}" (allowed: ${plan.roles.map((r) => r.name).join(', ')})`);
  if (opts.json) {
    io.out(json(role));
    return 0;
  }
  let document: PolicyDocument | null;
  if (opts.trust) {
    document = role.trustPolicy;
    if (!document) throw new UsageError(`--role ${role.name} --trust: ${role.name} is a person's or an automation's own identity: pipewright prints no trust policy for it, only its permission policy (without --trust)`);
  } else {
    document = role.policy;
    if (!document) {
      throw new UsageError(
        `--role ${role.name}: pipewright asks for no permission policy for ${role.name}` +
          (role.managedPolicies.length ? ` (attach ${role.managedPolicies.join(', ')})` : '') +
          `; --role ${role.name} --trust prints its trust policy`,
      );
    }
  }
  for (const p of placeholdersIn(document, plan)) io.err(`warning: fill ${p.text} (${p.what}) before applying: ${p.how}\n`);
  io.out(json(document));
  return 0;
}

function describeRole(r: IamRole, io: Io): string {
  const lines = [paint(io, 'bold', `== ${r.name} ==`), r.purpose];
  if (r.configKey) lines.push(`Role: ${r.roleArn ?? `not in the config (${r.configKey})`}`);
  const block = (title: string, d: PolicyDocument) => lines.push('', title, JSON.stringify(d, null, 2));
  if (r.trustPolicy) block(`Trust policy (pipewright iam --role ${r.name} --trust):`, r.trustPolicy);
  if (r.policy) block(`Permission policy (pipewright iam --role ${r.name}):`, r.policy);
  else lines.push('', 'Permission policy: none from pipewright.');
  if (r.managedPolicies.length) lines.push('', `Managed policies: ${r.managedPolicies.join(', ')}`);
  lines.push('', 'Notes:', ...r.notes.map((n) => `  - ${n}`));
  lines.push('', 'Apply:', ...r.commands.map((c) => `  ${c}`));
  return `${lines.join('\n')}\n`;
}

function describe(plan: IamPlan, io: Io): string {
  const head =
    `IAM for ${plan.app} (account ${plan.accountId}): ${plan.roles.length} roles. Each gets the inline policy ${plan.policyName}, ` +
    'so apps that share a role (the Jenkins agents, the pod execution role) add up rather than overwrite each other.\n' +
    'Print one document with --role <name> [--trust]; all of them as JSON with --json.\n';
  const roles = plan.roles.map((r) => describeRole(r, io)).join('\n');
  const todo = plan.placeholders.length
    ? `\n${paint(io, 'yellow', 'Placeholders to fill before applying:')}\n${plan.placeholders.map((p) => `  ${p.text}: ${p.what}. ${p.how}\n`).join('')}`
    : '';
  return `${head}\n${roles}${todo}`;
}

export async function run(opts: IamCommandOptions, io: Io = processIo): Promise<number> {
  if (opts.trust && opts.role === undefined) throw new UsageError('--trust needs --role <name>: it picks the trust policy of that one role');
  const { model } = await loadProject(opts);
  const deploy = model.environments.flatMap((e) => e.clusters);
  const agentCluster = agentClusterOf(model, opts.agentCluster, deploy);
  const known = [...new Map([...deploy, agentCluster].map((c) => [clusterKey(c), { name: c.name, region: c.region }])).values()];
  const issuers = opts.oidcIssuer === undefined ? [] : typeof opts.oidcIssuer === 'string' ? [opts.oidcIssuer] : opts.oidcIssuer;
  const plan = iamPlan(model, { oidcIds: oidcIds(issuers, known), agentCluster });
  if (opts.role !== undefined) return oneRole(plan, opts, io);
  io.out(opts.json ? json(plan) : describe(plan, io));
  return 0;
}
