/**
 * The EKS side of `pipewright cluster bootstrap`, as data: which clusters the environments deploy
 * to, the Fargate profiles they need (the app's namespaces, and the Jenkins agent pods for
 * build.engine kaniko), and the access entry that puts Jenkins' IAM role in the deployer group.
 * Pure: model in, plans out (each with the equivalent `aws eks` command, for people and scripts).
 */
import type { ClusterTarget, EnvironmentModel, Model } from '../../model/model.js';
import { shellQuote } from '../../escape/shell.js';
import { AGENT_LABEL } from '../jenkins/agent.js';

/** A Fargate profile takes at most this many selectors. */
export const FARGATE_MAX_SELECTORS = 5;

/** The profile that puts the kaniko agent pods on Fargate; shared by every app's pipeline in a cluster. */
export const AGENT_PROFILE = 'pipewright-agents';


export interface FargateSelector {
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface FargateProfilePlan {
  readonly cluster: string;
  readonly region: string;
  /** The namespaces it selects (with labels for the agents' profile). */
  readonly namespaces: readonly string[];
  /** Which pods it is for: the app's environments, or the Jenkins agents. */
  readonly purpose: 'environments' | 'agents';
  /**
   * The CreateFargateProfile request without the pod execution role (the `--cli-input-json` of
   * `command`, which takes the role as a flag): it is cluster.fargate.podExecutionRoleArn.
   */
  readonly input: {
    readonly clusterName: string;
    readonly fargateProfileName: string;
    readonly selectors: readonly FargateSelector[];
    readonly subnets?: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
  };
  /** `aws eks create-fargate-profile …`; the role is "$POD_EXECUTION_ROLE_ARN" when the config has none. */
  readonly command: string;
}

export interface ClusterPlan {
  readonly cluster: string;
  readonly region: string;
  readonly namespaces: readonly string[];
}

/** Each cluster the environments deploy to (first-seen order), with its namespaces. */
export function clusterPlans(m: Model): ClusterPlan[] {
  const plans: { cluster: string; region: string; namespaces: string[] }[] = [];
  for (const e of m.environments) {
    for (const c of e.clusters) {
      let p = plans.find((x) => x.cluster === c.name && x.region === c.region);
      if (!p) plans.push((p = { cluster: c.name, region: c.region, namespaces: [] }));
      if (!p.namespaces.includes(e.namespace)) p.namespaces.push(e.namespace);
    }
  }
  return plans;
}

/** The environments that deploy to a cluster. */
export const environmentsOf = (m: Model, c: ClusterTarget): EnvironmentModel[] =>
  m.environments.filter((e) => e.clusters.some((k) => k.name === c.name && k.region === c.region));

/** The cluster plans of the given clusters (all of the config's by default). */
const plansOf = (m: Model, clusters?: readonly ClusterTarget[]): ClusterPlan[] =>
  clusterPlans(m).filter((p) => !clusters || clusters.some((c) => c.name === p.cluster && c.region === p.region));

function profilePlan(m: Model, p: ClusterPlan, name: string, selectors: FargateSelector[], purpose: FargateProfilePlan['purpose']): FargateProfilePlan {
  const subnets = m.cluster.fargate.subnets;
  const input = {
    clusterName: p.cluster,
    fargateProfileName: name,
    selectors,
    ...(subnets && { subnets }),
    // The agents' profile is every app's: it is pipewright's, not one app's.
    tags: { ...(purpose === 'environments' && { 'app.kubernetes.io/part-of': m.app }), 'app.kubernetes.io/managed-by': 'pipewright' },
  };
  const role = m.cluster.fargate.podExecutionRoleArn;
  const command = [
    'aws eks create-fargate-profile',
    `--region ${shellQuote(p.region)}`,
    `--pod-execution-role-arn ${role ? shellQuote(role) : '"$POD_EXECUTION_ROLE_ARN"'}`,
    `--cli-input-json ${shellQuote(JSON.stringify(input))}`,
  ].join(' ');
  return { cluster: p.cluster, region: p.region, namespaces: selectors.map((s) => s.namespace), purpose, input, command };
}

/**
 * The Fargate profiles the clusters need: per cluster, one for the environment namespaces (split
 * every 5 namespaces: shop, or shop-1, shop-2 …), and with build.engine kaniko `pipewright-agents`
 * for the agent pods in cluster.deployer.namespace.
 */
export function fargateProfiles(m: Model, clusters?: readonly ClusterTarget[]): FargateProfilePlan[] {
  const out: FargateProfilePlan[] = [];
  for (const p of plansOf(m, clusters)) {
    const chunks: string[][] = [];
    for (let i = 0; i < p.namespaces.length; i += FARGATE_MAX_SELECTORS) chunks.push(p.namespaces.slice(i, i + FARGATE_MAX_SELECTORS));
    chunks.forEach((namespaces, i) => {
      const name = chunks.length === 1 ? m.app : `${m.app}-${i + 1}`;
      out.push(profilePlan(m, p, name, namespaces.map((namespace) => ({ namespace })), 'environments'));
    });
    if (m.build.engine === 'kaniko') {
      // The agent pods carry this label (src/render/jenkins/agent.ts), so only they land on Fargate, not a Jenkins controller in the same namespace.
      out.push(profilePlan(m, p, AGENT_PROFILE, [{ namespace: m.cluster.deployer.namespace, labels: { ...AGENT_LABEL } }], 'agents'));
    }
  }
  return out;
}

export interface AccessEntryPlan {
  readonly cluster: string;
  readonly region: string;
  readonly group: string;
  readonly command: string;
}

/**
 * The EKS access entry that maps Jenkins' IAM role to the deployer group. No access policy is
 * associated: the RoleBindings grant exactly the rights needed, a policy such as
 * AmazonEKSEditPolicy would grant far more.
 */
export function accessEntries(m: Model, clusters?: readonly ClusterTarget[]): AccessEntryPlan[] {
  const group = m.cluster.deployer.group;
  const role = m.cluster.deployer.roleArn;
  return plansOf(m, clusters).map((p) => ({
    cluster: p.cluster,
    region: p.region,
    group,
    command: [
      'aws eks create-access-entry',
      `--region ${shellQuote(p.region)}`,
      `--cluster-name ${shellQuote(p.cluster)}`,
      `--principal-arn ${role ? shellQuote(role) : '"$JENKINS_ROLE_ARN"'}`,
      `--kubernetes-groups ${shellQuote(group)}`,
    ].join(' '),
  }));
}
