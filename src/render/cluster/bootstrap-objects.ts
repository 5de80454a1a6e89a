/**
 * What `pipewright cluster bootstrap` wants in a cluster, as data. Pure: model in, objects out.
 *
 * Per environment: its Namespace, a Role `pipewright-deployer` that allows only what the
 * pipeline's `kubectl apply -k` + `kubectl rollout status` + `kubectl rollout undo` need for the
 * kinds the environment's overlay applies, and a RoleBinding of that Role to the deployer
 * ServiceAccount and group. Once: the deployer ServiceAccount (and its namespace when missing).
 * Plus the EKS side that cannot be done through the Kubernetes API: Fargate profile selectors
 * and the access entry that puts Jenkins' IAM role in the deployer group.
 */
import type { EnvironmentModel, Model } from '../model/model.js';
import { shellQuote } from '../groovy.js';

export const DEPLOYER_ROLE = 'pipewright-deployer';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

export interface Subject {
  readonly kind: 'ServiceAccount' | 'Group' | 'User';
  readonly name: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
}

export interface RoleRef {
  readonly apiGroup: string;
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
}

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: 'Namespace' | 'ServiceAccount' | 'Role' | 'RoleBinding';
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly rules?: readonly PolicyRule[];
  readonly subjects?: readonly Subject[];
  readonly roleRef?: RoleRef;
}

export interface DesiredObject {
  readonly object: K8sObject;
  /**
   * The labels pipewright keeps on an existing object: a value to hold, or null for a label that
   * must be absent. Any other label is left alone.
   */
  readonly labels: Readonly<Record<string, string | null>>;
  /**
   * manage: converge an existing object's labels, rules, subjects and roleRef.
   * create-only: create it when missing, never touch an existing one (the deployer's namespace,
   * which Jenkins and other apps share).
   */
  readonly mode: 'manage' | 'create-only';
}

/** The kinds an environment's overlay applies (see src/render/kustomize.ts and kustomize/). */
export function overlayKinds(e: Pick<EnvironmentModel, 'ingress'>): string[] {
  return ['Service', 'Deployment', ...(e.ingress.enabled ? ['Ingress'] : [])];
}

/**
 * The rights the pipeline needs on each kind. `kubectl apply` (client-side) reads the live object
 * and creates it when missing, else sends a patch carrying the last-applied annotation: get,
 * create, patch; never update, delete (no --prune, no --force) or list. Namespaces are not in the
 * overlays: bootstrap creates them with their labels (Pod Security among them), so the deployer
 * has no right at all on Namespace objects and cannot relabel its own. `kubectl rollout status` lists and watches the Deployment; `kubectl rollout undo`
 * lists the Deployment's ReplicaSets to find the previous revision, then patches the Deployment.
 */
export function deployerRules(e: Pick<EnvironmentModel, 'namespace' | 'ingress'>): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const kind of overlayKinds(e)) {
    switch (kind) {
      case 'Service':
        rules.push({ apiGroups: [''], resources: ['services'], verbs: ['get', 'create', 'patch'] });
        break;
      case 'Deployment':
        rules.push(
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
          { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
        );
        break;
      case 'Ingress':
        rules.push({ apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'create', 'patch'] });
        break;
      default:
        throw new Error(`no deployer rule for kind ${kind}`);
    }
  }
  return rules;
}

/** Labels every environment object carries (the overlay's labels agree). */
function environmentLabels(m: Model, e: EnvironmentModel): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': m.app,
    'app.kubernetes.io/managed-by': 'pipewright',
    'app.kubernetes.io/instance': e.namespace,
    'pipewright.dev/environment': e.name,
  };
}

/**
 * Pod Security Admission at "restricted": the generated Deployment already meets it (non-root,
 * no privilege escalation, all capabilities dropped, RuntimeDefault seccomp), so a pod that does
 * not was not made by pipewright and is refused.
 */
const POD_SECURITY = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

export function deployerSubjects(m: Model): Subject[] {
  const d = m.cluster.deployer;
  return [
    { kind: 'ServiceAccount', name: d.serviceAccount, namespace: d.namespace },
    { kind: 'Group', apiGroup: RBAC_GROUP, name: d.group },
  ];
}

/** Everything bootstrap wants, in the order it is created: the deployer first, then each environment. */
export function bootstrapObjects(m: Model, environments: readonly EnvironmentModel[] = m.environments): DesiredObject[] {
  const d = m.cluster.deployer;
  const managedBy = { 'app.kubernetes.io/managed-by': 'pipewright' };
  const out: DesiredObject[] = [
    { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: d.namespace, labels: managedBy } }, labels: {}, mode: 'create-only' },
    // Shared by every app's pipeline: labelled as pipewright's, not as one app's.
    { object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: d.serviceAccount, namespace: d.namespace, labels: managedBy } }, labels: managedBy, mode: 'manage' },
  ];
  for (const e of environments) {
    const labels = environmentLabels(m, e);
    const nsLabels = { ...labels, ...POD_SECURITY, ...(e.production && { 'pipewright.dev/production': 'true' }) };
    out.push(
      {
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: e.namespace, labels: nsLabels } },
        labels: { ...nsLabels, 'pipewright.dev/production': e.production ? 'true' : null },
        mode: 'manage',
      },
      {
        object: { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: { name: DEPLOYER_ROLE, namespace: e.namespace, labels }, rules: deployerRules(e) },
        labels,
        mode: 'manage',
      },
      {
        object: {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'RoleBinding',
          metadata: { name: DEPLOYER_ROLE, namespace: e.namespace, labels },
          roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: DEPLOYER_ROLE },
          subjects: deployerSubjects(m),
        },
        labels,
        mode: 'manage',
      },
    );
  }
  return out;
}

/** A Fargate profile takes at most this many selectors. */
export const FARGATE_MAX_SELECTORS = 5;

export interface FargateProfilePlan {
  readonly cluster: string;
  readonly region: string;
  readonly namespaces: readonly string[];
  /** The `aws eks create-fargate-profile --cli-input-json` document (the pod execution role comes as a flag). */
  readonly input: {
    readonly clusterName: string;
    readonly fargateProfileName: string;
    readonly selectors: readonly { readonly namespace: string }[];
    readonly tags: Readonly<Record<string, string>>;
  };
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

/** The Fargate profiles the namespaces need: one per cluster, split every 5 namespaces. */
export function fargateProfiles(m: Model): FargateProfilePlan[] {
  const out: FargateProfilePlan[] = [];
  for (const p of clusterPlans(m)) {
    const chunks: string[][] = [];
    for (let i = 0; i < p.namespaces.length; i += FARGATE_MAX_SELECTORS) chunks.push(p.namespaces.slice(i, i + FARGATE_MAX_SELECTORS));
    chunks.forEach((namespaces, i) => {
      const input = {
        clusterName: p.cluster,
        fargateProfileName: chunks.length === 1 ? m.app : `${m.app}-${i + 1}`,
        selectors: namespaces.map((namespace) => ({ namespace })),
        tags: { 'app.kubernetes.io/part-of': m.app, 'app.kubernetes.io/managed-by': 'pipewright' },
      };
      const command = [
        'aws eks create-fargate-profile',
        `--region ${shellQuote(p.region)}`,
        '--pod-execution-role-arn "$POD_EXECUTION_ROLE_ARN"',
        `--cli-input-json ${shellQuote(JSON.stringify(input))}`,
      ].join(' ');
      out.push({ cluster: p.cluster, region: p.region, namespaces, input, command });
    });
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
export function accessEntries(m: Model): AccessEntryPlan[] {
  const group = m.cluster.deployer.group;
  return clusterPlans(m).map((p) => ({
    cluster: p.cluster,
    region: p.region,
    group,
    command: [
      'aws eks create-access-entry',
      `--region ${shellQuote(p.region)}`,
      `--cluster-name ${shellQuote(p.cluster)}`,
      '--principal-arn "$JENKINS_ROLE_ARN"',
      `--kubernetes-groups ${shellQuote(group)}`,
    ].join(' '),
  }));
}
