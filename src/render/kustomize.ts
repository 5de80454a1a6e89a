/**
 * model → Kustomize base and one overlay per environment. Pure.
 *
 * The image is pinned by digest at deploy time, not here: the pipeline applies a two-line
 * wrapper kustomization (deployKustomization below) whose `images:` entry sets the digest on top
 * of the overlay, so plain `kubectl apply -k` deploys exactly the promoted image.
 *
 * script/post-inst runs as a Job rendered as its own kustomization under the overlay
 * (`<overlay>/post-inst/`, which the overlay does not list, so applying the overlay never creates
 * it); the pipeline applies it through a wrapper of the same kind (postInstKustomizationHead).
 */
import type { EnvVarModel, EnvironmentModel, Model } from '../model/model.js';
import type { TemplateSet } from '../templates.js';
import { IMAGE_DIGEST } from '../model/names.js';
import { DEFAULTS } from '../model/defaults.js';
import { FARGATE_OVERHEAD_MIB, describeFargateSize } from '../model/fargate.js';
import type { GeneratedFile } from './types.js';
import { renderTemplate } from './mustache.js';
import { yamlScalar as y } from './yaml-scalar.js';

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
      ...(e.scaling ? ['hpa'] : []),
      ...(e.disruptionBudget ? ['pdb'] : []),
    ];
    for (const name of parts) files.push(file(`${dir}/${name}.yaml`, renderTemplate(t, `kustomize/overlay/${name}.yaml.mustache`, view)));
    const postInst = postInstView(m, e);
    for (const name of ['kustomization', 'job']) {
      files.push(file(`${postInstDir(e)}/${name}.yaml`, renderTemplate(t, `kustomize/post-inst/${name}.yaml.mustache`, postInst)));
    }
  }
  return files;
}

/** Where an environment's overlay lives, relative to the project root. */
export const overlayDir = (e: Pick<EnvironmentModel, 'name'>): string => `${KUSTOMIZE_DIR}/overlays/${e.name}`;

/** Where an environment's post-install Job kustomization lives, relative to the project root. */
export const postInstDir = (e: Pick<EnvironmentModel, 'name'>): string => `${overlayDir(e)}/post-inst`;

/** The post-install Job's name: one per environment namespace, deleted before each run. */
export const postInstJobName = (m: Pick<Model, 'app'>): string => `${m.app}-post-inst`;

/** Where the pipeline writes an environment's deploy wrapper, relative to the project root. */
export const deployDir = (e: Pick<EnvironmentModel, 'name'>, cluster: string): string => `.pipewright/deploy/${e.name}-${cluster}`;

/**
 * The deploy-time wrapper that pins the image by digest, without its last line: the pipeline
 * (pipewrightDeploy) appends `    digest: <sha256:…>` once it knows the digest, writes it to
 * `<deployDir>/kustomization.yaml` and runs `kubectl apply -k <deployDir>`.
 */
export function deployKustomizationHead(m: Model, e: Pick<EnvironmentModel, 'name'>): string {
  return wrapperHead(m, overlayDir(e));
}

/**
 * The post-install wrapper, as deployKustomizationHead: pipewrightPostInst appends the digest and
 * writes it to `.pipewright/post-inst/<env>-<cluster>/kustomization.yaml` (as deep as deployDir).
 */
export function postInstKustomizationHead(m: Model, e: Pick<EnvironmentModel, 'name'>): string {
  return wrapperHead(m, postInstDir(e));
}

/** A wrapper two folders below the project root: `resources:` the kustomization at `dir`, `images:` the app's image. */
function wrapperHead(m: Model, dir: string): string {
  return [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${y(`../../../${dir}`)}`,
    'images:',
    `  - name: ${y(m.image.uri)}`,
    '',
  ].join('\n');
}

/** The whole wrapper for a digest: what pipewrightDeploy writes. */
export function deployKustomization(m: Model, e: Pick<EnvironmentModel, 'name'>, digest: string): string {
  if (!IMAGE_DIGEST.test(digest)) throw new Error(`not an image digest: ${digest}`);
  return `${deployKustomizationHead(m, e)}    digest: ${digest}\n`;
}

/** The whole post-install wrapper for a digest: what pipewrightPostInst writes. */
export function postInstKustomization(m: Model, e: Pick<EnvironmentModel, 'name'>, digest: string): string {
  if (!IMAGE_DIGEST.test(digest)) throw new Error(`not an image digest: ${digest}`);
  return `${postInstKustomizationHead(m, e)}    digest: ${digest}\n`;
}
