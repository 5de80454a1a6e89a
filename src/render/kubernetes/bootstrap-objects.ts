/**
 * The Kubernetes objects `pipewright cluster bootstrap` wants in a cluster, as data. Pure: model
 * in, objects out. (The EKS side, Fargate profiles and access entries, is in ./eks.ts.)
 *
 * Per environment: its Namespace, a Role `pipewright-deployer` that allows only what the
 * pipeline's `kubectl apply -k` + `kubectl rollout status` + `kubectl rollout undo` need for the
 * kinds the environment's overlay applies, plus the post-install Job and the smoke check
 * (postDeployRules), and a RoleBinding of that Role to the deployer
 * ServiceAccount and group. Once: the deployer ServiceAccount (and its namespace when missing),
 * with its IRSA role; on an EKS cluster, Fargate's logging namespace and ConfigMap.
 */
import type { ClusterTarget, EnvironmentModel, Model } from '../../model/model.js';
import { LOGGING_CONFIGMAP, OBSERVABILITY_NAMESPACE, loggingData } from './aws-logging.js';
import { canaryDeploymentName } from './canary.js';

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
  readonly kind: 'Namespace' | 'ServiceAccount' | 'Role' | 'RoleBinding' | 'ConfigMap';
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly rules?: readonly PolicyRule[];
  readonly subjects?: readonly Subject[];
  readonly roleRef?: RoleRef;
  readonly data?: Readonly<Record<string, string>>;
}

export interface DesiredObject {
  readonly object: K8sObject;
  /**
   * The labels pipewright keeps on an existing object: a value to hold, or null for a label that
   * must be absent. Any other label is left alone.
   */
  readonly labels: Readonly<Record<string, string | null>>;
  /** The annotations pipewright keeps, as `labels` (the deployer's IRSA role). Default: none. */
  readonly annotations?: Readonly<Record<string, string | null>>;
  /**
   * manage: converge an existing object's labels, annotations, rules, subjects, roleRef and the
   * ConfigMap data keys it names (other keys are left alone).
   * create-only: create it when missing, never touch an existing one (the deployer's namespace,
   * which Jenkins and other apps share).
   */
  readonly mode: 'manage' | 'create-only';
}

/** Which parts of an environment decide its overlay's kinds (and, with a canary, the extra rights). */
export type OverlayShape = Pick<EnvironmentModel, 'ingress' | 'scaling' | 'disruptionBudget'> & Partial<Pick<EnvironmentModel, 'canary'>>;

/** The kinds an environment's overlay applies (see src/render/kubernetes/kustomize.ts and kustomize/). */
export function overlayKinds(e: OverlayShape): string[] {
  return [
    'ServiceAccount',
    'Service',
    'Deployment',
    ...(e.ingress.enabled ? ['Ingress'] : []),
    ...(e.scaling ? ['HorizontalPodAutoscaler'] : []),
    ...(e.disruptionBudget ? ['PodDisruptionBudget'] : []),
  ];
}

/**
 * The rights the pipeline needs on each kind. `kubectl apply` (client-side) reads the live object
 * and creates it when missing, else sends a patch carrying the last-applied annotation: get,
 * create, patch; never update, delete (no --prune, no --force) or list. Namespaces are not in the
 * overlays: bootstrap creates them with their labels (Pod Security among them), so the deployer
 * has no right at all on Namespace objects and cannot relabel its own. `kubectl rollout status` lists and watches the Deployment; `kubectl rollout undo`
 * lists the Deployment's ReplicaSets to find the previous revision, then patches the Deployment.
 * The app's ServiceAccount is applied like the rest (its IRSA annotation comes from the config; an
 * IAM role is only assumed by the ServiceAccounts its trust policy names), but no right to its
 * tokens (serviceaccounts/token) is given.
 *
 * A canary (kustomize/canary/<env>) is one more Deployment, applied like the rest; its traffic
 * weights are an annotation on the Ingress (get, patch: already there). Besides, the pipeline
 * scales it at each step (`kubectl scale` without preconditions: a patch of deployments/scale) and
 * deletes it at the end: both only on the Deployment `<app>-canary`, by name, so the deployer
 * still can neither delete nor resize anything else.
 */
export function deployerRules(e: OverlayShape, app?: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const apply = (apiGroup: string, resource: string): PolicyRule => ({ apiGroups: [apiGroup], resources: [resource], verbs: ['get', 'create', 'patch'] });
  for (const kind of overlayKinds(e)) {
    switch (kind) {
      case 'ServiceAccount':
        rules.push(apply('', 'serviceaccounts'));
        break;
      case 'HorizontalPodAutoscaler':
        rules.push(apply('autoscaling', 'horizontalpodautoscalers'));
        break;
      case 'PodDisruptionBudget':
        rules.push(apply('policy', 'poddisruptionbudgets'));
        break;
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
  if (e.canary) {
    if (!app) throw new Error('deployerRules: an environment with a canary needs the app name');
    const canary = [canaryDeploymentName({ app })];
    rules.push(
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: canary, verbs: ['get', 'patch'] },
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: canary, verbs: ['delete'] },
    );
  }
  return rules;
}

/**
 * The rights of the steps after the rollout, in every environment: pipewrightPostInst deletes the
 * previous post-install Job (only that one, by name), applies the new one and waits for it, and on
 * failure reads its logs (`kubectl logs job/…` lists and may watch the Job's pods); script/smoke,
 * without a URL, lists the Deployment's pods and execs into one. Exec is `create` on pods/exec
 * (SPDY) and `get` (the WebSocket upgrade kubectl tries first). It adds nothing the deployer cannot
 * already do: whoever may create the Deployment and the Job runs code as the app.
 */
export function postDeployRules(app: string): PolicyRule[] {
  return [
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create'] },
    { apiGroups: ['batch'], resources: ['jobs'], resourceNames: [`${app}-post-inst`], verbs: ['delete'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
  ];
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
 * The AWS Load Balancer Controller injects a readiness gate into the pods of namespaces with this
 * label: a new pod counts as ready only once the ALB's target group finds it healthy, so a rollout
 * never removes the old pods before the ALB can send traffic to the new ones.
 */
export const READINESS_GATE_LABEL = { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } as const;

/** The annotation that gives a ServiceAccount's pods an IAM role (IRSA; EKS Pod Identity does not work on Fargate). */
export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

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

export interface BootstrapObjectsOptions {
  /** The environments whose objects are wanted. Default: all. */
  readonly environments?: readonly EnvironmentModel[];
  /**
   * The EKS cluster the objects go to: it gets Fargate's logging namespace and ConfigMap (when
   * cluster.logging.enabled), which name its region and log group. Default null: not an EKS
   * cluster we know, no logging objects.
   */
  readonly eks?: ClusterTarget | null;
}

/**
 * Everything bootstrap wants, in the order it is created: the deployer first, then each
 * environment, then (on EKS) the logging namespace and ConfigMap.
 */
export function bootstrapObjects(m: Model, opts: BootstrapObjectsOptions = {}): DesiredObject[] {
  const d = m.cluster.deployer;
  const managedBy = { 'app.kubernetes.io/managed-by': 'pipewright' };
  // The Jenkins agents run as this ServiceAccount: IRSA gives them the role (ECR push, the EKS API).
  // Unset: the annotation is left as it is (the ServiceAccount is shared by every app's pipeline).
  const irsa: Record<string, string> = d.roleArn ? { [IRSA_ANNOTATION]: d.roleArn } : {};
  const out: DesiredObject[] = [
    { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: d.namespace, labels: managedBy } }, labels: {}, mode: 'create-only' },
    // Shared by every app's pipeline: labelled as pipewright's, not as one app's.
    {
      object: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: d.serviceAccount, namespace: d.namespace, labels: managedBy, ...(d.roleArn && { annotations: irsa }) },
      },
      labels: managedBy,
      annotations: irsa,
      mode: 'manage',
    },
  ];
  for (const e of opts.environments ?? m.environments) {
    const labels = environmentLabels(m, e);
    const nsLabels = { ...labels, ...POD_SECURITY, ...READINESS_GATE_LABEL, ...(e.production && { 'pipewright.dev/production': 'true' }) };
    out.push(
      {
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: e.namespace, labels: nsLabels } },
        labels: { ...nsLabels, 'pipewright.dev/production': e.production ? 'true' : null },
        mode: 'manage',
      },
      {
        object: {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'Role',
          metadata: { name: DEPLOYER_ROLE, namespace: e.namespace, labels },
          rules: [...deployerRules(e, m.app), ...postDeployRules(m.app)],
        },
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
  if (opts.eks && m.cluster.logging.enabled) out.push(...loggingObjects(m, opts.eks));
  return out;
}

/**
 * Fargate's log router configuration: the namespace (EKS looks for its label) and the ConfigMap.
 * Both are the cluster's, not one app's: only the label and the ConfigMap's own keys are kept.
 */
export function loggingObjects(m: Model, eks: ClusterTarget): DesiredObject[] {
  const managedBy = { 'app.kubernetes.io/managed-by': 'pipewright' };
  const enabled = { 'aws-observability': 'enabled' };
  return [
    {
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OBSERVABILITY_NAMESPACE, labels: { ...enabled, ...managedBy } } },
      labels: enabled,
      mode: 'manage',
    },
    {
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: LOGGING_CONFIGMAP, namespace: OBSERVABILITY_NAMESPACE, labels: managedBy }, data: loggingData(m, eks) },
      labels: managedBy,
      mode: 'manage',
    },
  ];
}
