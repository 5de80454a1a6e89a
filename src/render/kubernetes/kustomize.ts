/**
 * model → Kustomize base and one overlay per environment. Pure.
 *
 * The image is pinned by digest at deploy time, not here: the pipeline applies a two-line
 * wrapper kustomization (deployKustomization below) whose `images:` entry sets the digest on top
 * of the overlay, so plain `kubectl apply -k` deploys exactly the promoted image.
 *
 * An environment with a canary also gets `kustomize/canary/<env>/`: the overlay's Deployment
 * alone, as `<app>-canary` (see ./canary.ts for its labels and, with traffic alb, the Ingress's
 * forward action and the Service `<app>-canary` that the overlay then holds).
 * script/post-inst runs as a Job rendered as its own kustomization under the overlay
 * (`<overlay>/post-inst/`, which the overlay does not list, so applying the overlay never creates
 * it); the pipeline applies it through a wrapper of the same kind (postInstKustomizationHead).
 */
import type { EnvVarModel, EnvironmentModel, Model } from '../../model/model.js';
import type { TemplateSet } from '../../core/template-set.js';
import { IMAGE_DIGEST } from '../../core/names.js';
import { RELEASE_ANNOTATIONS, type ReleaseRecord } from '../../model/release.js';
import { DEFAULTS } from '../../core/defaults.js';
import { FARGATE_OVERHEAD_MIB, describeFargateSize } from '../../model/fargate.js';
import type { GeneratedFile } from '../types.js';
import { renderTemplate } from '../mustache.js';
import { yamlScalar as y } from '../../escape/yaml.js';
import { CANARY_ACTION, CANARY_SUFFIX, canaryDeploymentName, canaryLabels, canaryServiceName, canaryServiceSelector, canaryWeightsAnnotation } from './canary.js';

export const KUSTOMIZE_DIR = 'kustomize';

const file = (path: string, contents: string): GeneratedFile => ({ path, contents, owner: 'pipewright' });

function baseView(m: Model) {
  return {
    app: y(m.app),
    image: y(m.image.uri),
    port: m.image.port,
    healthPath: y(m.runtime.healthPath),
    cpu: y(DEFAULTS.requests.cpu),
    memory: y(DEFAULTS.requests.memory),
    shutdownDelaySeconds: m.runtime.shutdownDelaySeconds,
    terminationGracePeriodSeconds: m.runtime.terminationGracePeriodSeconds,
  };
}

/** One container env entry: a plain value, or a reference to a Secret's or ConfigMap's key. */
function envView(v: EnvVarModel) {
  if ('value' in v) return { name: y(v.name), value: y(v.value), ref: null };
  const [kind, ref] = 'secretKeyRef' in v.valueFrom ? ['secretKeyRef', v.valueFrom.secretKeyRef] : ['configMapKeyRef', v.valueFrom.configMapKeyRef];
  return { name: y(v.name), value: null, ref: { kind, name: y(ref.name), key: y(ref.key), optional: ref.optional ?? null } };
}

function envFromView(e: EnvironmentModel['envFrom'][number]) {
  const [kind, ref] = 'secretRef' in e ? ['secretRef', e.secretRef] : ['configMapRef', e.configMapRef];
  return { kind, name: y(ref.name), optional: ref.optional ?? null };
}

function overlayView(m: Model, e: EnvironmentModel) {
  const { requests, limits } = e.resources;
  const ingress = e.ingress;
  const fargate = e.fargate;
  return {
    app: y(m.app),
    namespace: y(e.namespace),
    environment: y(e.name),
    production: e.production,
    replicas: e.replicas,
    cpu: y(requests.cpu),
    memory: y(requests.memory),
    fargateSize: fargate ? describeFargateSize(fargate) : 'no size (requests too large)',
    fargateMemory: fargate ? `${fargate.memoryGiB * 1024 - FARGATE_OVERHEAD_MIB}Mi` : '-',
    hasLimits: limits.cpu !== undefined || limits.memory !== undefined,
    limitCpu: limits.cpu && y(limits.cpu),
    limitMemory: limits.memory && y(limits.memory),
    env: e.env.map(envView),
    hasEnvFrom: e.envFrom.length > 0,
    envFrom: e.envFrom.map(envFromView),
    ingress: ingress.enabled,
    scheme: y(ingress.scheme),
    host: ingress.host && y(ingress.host),
    path: y(ingress.path),
    certificateArn: ingress.certificateArn && y(ingress.certificateArn),
    group: y(ingress.group),
    groupNote: ingress.host ? 'the host tells their apps apart.' : 'without a host this app has its ALB to itself.',
    targetGroupAttributes: y(`deregistration_delay.timeout_seconds=${m.runtime.terminationGracePeriodSeconds}`),
    healthPath: y(m.runtime.healthPath),
    scaling: e.scaling,
    minReplicas: e.scaling?.minReplicas,
    maxReplicas: e.scaling?.maxReplicas,
    cpuUtilization: e.scaling?.cpuUtilization,
    disruptionBudget: e.disruptionBudget !== null,
    maxUnavailable: e.disruptionBudget?.maxUnavailable,
    roleArn: e.serviceAccount.roleArn && y(e.serviceAccount.roleArn),
    ...canaryOverlayView(m, e),
  };
}

const pairs = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key: y(key), value: y(value) }));

/** With a canary on traffic alb: the forward action on the Ingress and the Service `<app>-canary`. */
function canaryOverlayView(m: Model, e: EnvironmentModel) {
  if (e.canary?.traffic !== 'alb') return { canaryAction: null, canaryService: null };
  return {
    canaryAction: CANARY_ACTION,
    canaryService: y(canaryServiceName(m)),
    canaryWeights: y(canaryWeightsAnnotation(m, e, 0)),
    canarySelector: pairs(canaryServiceSelector(m)),
  };
}

/** The overlay's objects other than its Deployment: what the canary kustomization drops. */
function overlayOthers(m: Model, e: EnvironmentModel): { apiVersion: string; kind: string; name: string }[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', name: m.app },
    { apiVersion: 'v1', kind: 'Service', name: m.app },
    ...(e.canary?.traffic === 'alb' ? [{ apiVersion: 'v1', kind: 'Service', name: canaryServiceName(m) }] : []),
    ...(e.ingress.enabled ? [{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: m.app }] : []),
    ...(e.scaling ? [{ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: m.app }] : []),
    ...(e.disruptionBudget ? [{ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', name: m.app }] : []),
  ];
}

function canaryView(m: Model, e: EnvironmentModel, canary: NonNullable<EnvironmentModel['canary']>) {
  return {
    app: y(m.app),
    environment: y(e.name),
    overlay: y(`../../overlays/${e.name}`),
    canaryDeployment: y(canaryDeploymentName(m)),
    canaryService: y(canaryServiceName(m)),
    suffix: y(CANARY_SUFFIX),
    deletes: overlayOthers(m, e).map((o) => ({ apiVersion: y(o.apiVersion), kind: y(o.kind), name: y(o.name) })),
    alb: canary.traffic === 'alb',
    labels: pairs(canaryLabels(canary.traffic)),
  };
}

/** The post-install Job: the overlay's env, envFrom, requests and limits, as the Deployment's container has them. */
function postInstView(m: Model, e: EnvironmentModel) {
  return {
    ...overlayView(m, e),
    jobName: y(postInstJobName(m)),
    image: y(m.image.uri),
    activeDeadlineSeconds: DEFAULTS.postInstDeadlineSeconds,
    ttlSecondsAfterFinished: DEFAULTS.postInstTtlSeconds,
  };
}

export function renderKustomize(m: Model, t: TemplateSet): GeneratedFile[] {
  const base = baseView(m);
  const files: GeneratedFile[] = ['kustomization', 'serviceaccount', 'deployment', 'service'].map((name) =>
    file(`${KUSTOMIZE_DIR}/base/${name}.yaml`, renderTemplate(t, `kustomize/base/${name}.yaml.mustache`, base)),
  );
  for (const e of m.environments) {
    const dir = overlayDir(e);
    const view = overlayView(m, e);
    const parts = [
      'kustomization',
      'deployment-patch',
      ...(e.serviceAccount.roleArn ? ['serviceaccount-patch'] : []),
      ...(e.ingress.enabled ? ['ingress'] : []),
      ...(e.canary?.traffic === 'alb' ? ['canary-service'] : []),
      ...(e.scaling ? ['hpa'] : []),
      ...(e.disruptionBudget ? ['pdb'] : []),
    ];
    for (const name of parts) files.push(file(`${dir}/${name}.yaml`, renderTemplate(t, `kustomize/overlay/${name}.yaml.mustache`, view)));
    if (e.canary) files.push(file(`${canaryDir(e)}/kustomization.yaml`, renderTemplate(t, 'kustomize/canary/kustomization.yaml.mustache', canaryView(m, e, e.canary))));
    const postInst = postInstView(m, e);
    for (const name of ['kustomization', 'job']) {
      files.push(file(`${postInstDir(e)}/${name}.yaml`, renderTemplate(t, `kustomize/post-inst/${name}.yaml.mustache`, postInst)));
    }
  }
  return files;
}

/** Where an environment's overlay lives, relative to the project root. */
export const overlayDir = (e: Pick<EnvironmentModel, 'name'>): string => `${KUSTOMIZE_DIR}/overlays/${e.name}`;

/**
 * Where an environment's canary kustomization lives (only environments with a canary have one).
 * Not inside the overlay: kustomize refuses a resource directory that contains the kustomization.
 */
export const canaryDir = (e: Pick<EnvironmentModel, 'name'>): string => `${KUSTOMIZE_DIR}/canary/${e.name}`;

/** Where an environment's post-install Job kustomization lives, relative to the project root. */
export const postInstDir = (e: Pick<EnvironmentModel, 'name'>): string => `${overlayDir(e)}/post-inst`;

/** The post-install Job's name: one per environment namespace, deleted before each run. */
export const postInstJobName = (m: Pick<Model, 'app'>): string => `${m.app}-post-inst`;

/** Where the pipeline writes an environment's deploy wrapper, relative to the project root. */
export const deployDir = (e: Pick<EnvironmentModel, 'name'>, cluster: string): string => `.pipewright/deploy/${e.name}-${cluster}`;

/** The file beside the wrapper that carries the release record onto the pod template. */
export const RELEASE_PATCH = 'release.json';

/**
 * The deploy-time wrapper that pins the image by digest, without its last line: the pipeline
 * (pipewrightDeploy) appends `    digest: <sha256:…>` once it knows the digest, writes it to
 * `<deployDir>/kustomization.yaml` with the release record beside it (RELEASE_PATCH, see
 * releasePatch) and runs `kubectl apply -k <deployDir>`.
 */
export function deployKustomizationHead(m: Model, e: Pick<EnvironmentModel, 'name'>): string {
  return wrapperHead(m, overlayDir(e), [RELEASE_PATCH]);
}

/**
 * The post-install wrapper, as deployKustomizationHead: pipewrightPostInst appends the digest and
 * writes it to `.pipewright/post-inst/<env>-<cluster>/kustomization.yaml` (as deep as deployDir).
 */
export function postInstKustomizationHead(m: Model, e: Pick<EnvironmentModel, 'name'>): string {
  return wrapperHead(m, postInstDir(e));
}

/** A wrapper `up` below the project root: `resources:` the kustomization at `dir`, its `patches:`, `images:` the app's image. */
function wrapperHead(m: Model, dir: string, patches: readonly string[] = [], up = '../../../'): string {
  return [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${y(`${up}${dir}`)}`,
    ...(patches.length ? ['patches:', ...patches.map((p) => `  - path: ${p}`)] : []),
    'images:',
    `  - name: ${y(m.image.uri)}`,
    '',
  ].join('\n');
}

/** A wrapper head with its last line: what the library appends once it knows the digest. */
function withDigest(head: string, digest: string): string {
  if (!IMAGE_DIGEST.test(digest)) throw new Error(`not an image digest: ${digest}`);
  return `${head}    digest: ${digest}\n`;
}

/** The whole wrapper for a digest: what pipewrightDeploy writes. */
export function deployKustomization(m: Model, e: Pick<EnvironmentModel, 'name'>, digest: string): string {
  return withDigest(deployKustomizationHead(m, e), digest);
}

/** The release patch pipewrightDeploy writes beside the wrapper (the same object; its JSON is the library's). */
export function releasePatch(m: Model, record: ReleaseRecord): string {
  const annotations = Object.fromEntries(Object.entries(RELEASE_ANNOTATIONS).map(([k, a]) => [a, record[k as keyof ReleaseRecord]]));
  return `${JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: m.app }, spec: { template: { metadata: { annotations } } } })}\n`;
}

/** Where the pipeline writes the canary's deploy wrapper: inside the environment's, so no two collide. */
export const canaryDeployDir = (e: Pick<EnvironmentModel, 'name'>, cluster: string): string => `${deployDir(e, cluster)}/canary`;

/**
 * The canary's deploy-time wrapper, like deployKustomizationHead: the pipeline appends
 * `    digest: <sha256:…>`, writes it to `<canaryDeployDir>/kustomization.yaml` and runs
 * `kubectl apply -k <canaryDeployDir>`, which creates or updates the one Deployment `<app>-canary`.
 */
export function canaryKustomizationHead(m: Model, e: Pick<EnvironmentModel, 'name'>): string {
  return wrapperHead(m, canaryDir(e), [], '../../../../');
}

/** The whole canary wrapper for a digest. */
export function canaryKustomization(m: Model, e: Pick<EnvironmentModel, 'name'>, digest: string): string {
  return withDigest(canaryKustomizationHead(m, e), digest);
}

/** The whole post-install wrapper for a digest: what pipewrightPostInst writes. */
export function postInstKustomization(m: Model, e: Pick<EnvironmentModel, 'name'>, digest: string): string {
  return withDigest(postInstKustomizationHead(m, e), digest);
}
