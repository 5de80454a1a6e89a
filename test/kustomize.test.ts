// Builds every generated overlay with the real `kubectl kustomize` and validates each object
// strictly against the Kubernetes schemas (test/k8s-schema.ts: unknown fields fail too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { run as generate } from '../src/commands/generate.js';
import { loadProject } from '../src/commands/common.js';
import { RELEASE_PATCH, deployDir, deployKustomization, overlayDir, postInstDir, postInstKustomization, releasePatch } from '../src/render/kubernetes/kustomize.js';
import { releaseRecordOf } from '../src/model/release.js';
import type { Io } from '../src/core/io.js';
import { engineAvailable, tempDir, copyExample, runCli } from './helpers.js';
import { YAML_TRAPS, kustomize as kustomizeText, kustomizeBuild, readKustomized } from './yaml-traps.js';
import { KUSTOMIZE_UNWRITABLE } from '../src/config/schema.js';
import { dumpYaml, yamlScalar } from '../src/escape/yaml.js';
import { validateStrict } from './k8s-schema.js';

const quiet: Io = { out: () => {}, err: () => {}, color: false };
const hasKubectl = engineAvailable('kubectl', ['version', '--client']);
/** PyYAML reads kustomize's output as kubectl would (test/yaml-traps.ts). */
const hasPyYaml = engineAvailable('python3', ['-c', 'import yaml']);

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any };

function kustomize(dir: string): K8sObject[] {
  const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  assert.is(res.status, 0, res.stderr);
  return yaml.loadAll(res.stdout) as K8sObject[];
}

async function generated(configText?: string): Promise<{ dir: string; cleanup: () => void }> {
  const t = tempDir();
  copyExample(t.dir);
  if (configText) writeFileSync(path.join(t.dir, 'pipewright.yaml'), configText);
  await generate({ cwd: t.dir }, quiet);
  return t;
}

test('the schema validator can fail (guards the tests below)', () => {
  assert.throws(() => validateStrict({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'three' } }), /\.spec\.replicas: must be integer/);
  assert.throws(() => validateStrict({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { prots: [] } }), /\.spec\.prots: unknown field/);
});

test('every overlay of the example builds with kubectl kustomize and validates', async () => {
  if (!hasKubectl) return;
  const t = await generated();
  try {
    const { model } = await loadProject({ cwd: t.dir });
    for (const env of model.environments) {
      const objs = kustomize(path.join(t.dir, overlayDir(env)));
      validateStrict(objs);
      const byKind = Object.fromEntries(objs.map((o) => [o.kind, o]));
      // No Namespace: `pipewright cluster bootstrap` owns it, so the deployer needs no right on it.
      assert.equal(
        Object.keys(byKind).sort(),
        ['Deployment', 'Ingress', 'Service', 'ServiceAccount', ...(env.scaling ? ['HorizontalPodAutoscaler'] : []), ...(env.disruptionBudget ? ['PodDisruptionBudget'] : [])].sort(),
      );
      for (const o of objs) assert.is(o.metadata.namespace, env.namespace, o.kind);

      const d = byKind.Deployment!;
      // An autoscaler owns the pod count: the Deployment then leaves replicas out.
      assert.is(d.spec.replicas, env.scaling ? undefined : env.replicas);
      const c = d.spec.template.spec.containers[0];
      assert.equal(c.resources.requests, { cpu: env.resources.requests.cpu, memory: env.resources.requests.memory });
      assert.ok(c.readinessProbe.httpGet.path === '/healthz' && c.livenessProbe.httpGet.path === '/healthz');
      assert.is(c.image, model.image.uri);
      assert.ok(d.spec.template.spec.securityContext.runAsNonRoot);
      for (const l of ['name', 'component', 'part-of', 'managed-by', 'instance']) {
        assert.ok(d.metadata.labels![`app.kubernetes.io/${l}`], `label ${l}`);
        assert.ok(d.spec.template.metadata.labels[`app.kubernetes.io/${l}`], `pod label ${l}`);
      }
      // selectors stay the immutable pair, untouched by environment labels
      assert.equal(Object.keys(d.spec.selector.matchLabels).sort(), ['app.kubernetes.io/component', 'app.kubernetes.io/name']);
      assert.equal(
        c.env.map((v: { name: string }) => v.name),
        ['PIPEWRIGHT_ENVIRONMENT', 'GREETING', ...env.env.filter((v) => v.name !== 'GREETING').map((v) => v.name)],
      );

      const ing = byKind.Ingress!;
      assert.is(ing.spec.ingressClassName, 'alb');
      assert.is(ing.metadata.annotations!['alb.ingress.kubernetes.io/target-type'], 'ip');
      assert.is(ing.metadata.annotations!['alb.ingress.kubernetes.io/scheme'], env.ingress.scheme);
      assert.is(ing.spec.rules[0].host, env.ingress.host);
      assert.is(ing.spec.rules[0].http.paths[0].backend.service.name, byKind.Service!.metadata.name);
    }
    const blue = kustomize(path.join(t.dir, 'kustomize/overlays/blue'));
    const blueIng = blue.find((o) => o.kind === 'Ingress')!;
    assert.match(blueIng.metadata.annotations!['alb.ingress.kubernetes.io/certificate-arn']!, /^arn:aws:acm:/);
    assert.equal(blue.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].resources.limits, { memory: '1Gi' });
  } finally {
    t.cleanup();
  }
});

test('overlays use resources:, never the deprecated bases:', async () => {
  const t = await generated();
  try {
    for (const env of ['develop', 'green', 'blue']) {
      const k = yaml.load(readFileSync(path.join(t.dir, 'kustomize/overlays', env, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
      assert.ok(Array.isArray(k.resources) && (k.resources as string[]).includes('../../base'));
      assert.not.ok('bases' in k);
    }
  } finally {
    t.cleanup();
  }
});

test('the deploy-time wrapper pins the image by digest with plain kubectl', async () => {
  if (!hasKubectl) return;
  const t = await generated();
  try {
    const { model } = await loadProject({ cwd: t.dir });
    const digest = `sha256:${'ab12'.repeat(16)}`;
    const green = model.environments[1]!;
    const wrapper = path.join(t.dir, deployDir(green, 'delivery'));
    mkdirSync(wrapper, { recursive: true });
    writeFileSync(path.join(wrapper, 'kustomization.yaml'), deployKustomization(model, green, digest));
    const record = { digest, tree: 'a'.repeat(40), commit: 'b'.repeat(40), release: 'v1.2.3-beta.1', deployedAt: '2026-12-03T10:00:00.000Z', approver: '', build: 'https://ci/job/1/', reason: 'pipeline "quoted" \\ ünïcode' };
    writeFileSync(path.join(wrapper, RELEASE_PATCH), releasePatch(model, record));
    const objs = kustomize(wrapper);
    const d = objs.find((o) => o.kind === 'Deployment')!;
    assert.is(d.spec.template.spec.containers[0].image, `${model.image.uri}@${digest}`);
    // The release record lands on the pod template (each ReplicaSet keeps its own), byte for byte.
    assert.equal(releaseRecordOf(d.spec.template.metadata.annotations), record);
    assert.is(d.spec.template.metadata.labels['app.kubernetes.io/name'], model.app);
    assert.is(d.metadata.namespace, 'hello-flask-green');
    assert.throws(() => deployKustomization(model, green, 'latest'), /not an image digest/);
  } finally {
    t.cleanup();
  }
});

test('the post-install Job: its own kustomization per environment, built and validated; the Deployment\'s pod, pinned by the same digest', async () => {
  if (!hasKubectl) return;
  const cfg = yaml.dump({
    app: 'shop',
    aws: { accountId: '123456789012', region: 'eu-west-1' },
    defaults: {
      env: { GREETING: 'hello', DB_PASSWORD: { secretKeyRef: { name: 'db', key: 'password' } } },
      envFrom: [{ configMapRef: { name: 'shop-config' } }, { secretRef: { name: 'shop-secrets', optional: true } }],
    },
    environments: [
      { name: 'develop', branch: 'develop' },
      {
        name: 'blue',
        branch: 'master',
        production: true,
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
        serviceAccount: { roleArn: 'arn:aws:iam::123456789012:role/shop-blue' },
      },
    ],
  });
  const t = await generated(cfg);
  try {
    const { model } = await loadProject({ cwd: t.dir });
    const digest = `sha256:${'cd34'.repeat(16)}`;
    for (const env of model.environments) {
      // applying the overlay never creates the Job
      const overlay = kustomize(path.join(t.dir, overlayDir(env)));
      assert.not.ok(overlay.some((o) => o.kind === 'Job'), env.name);
      const objs = kustomize(path.join(t.dir, postInstDir(env)));
      validateStrict(objs);
      assert.equal(objs.map((o) => o.kind), ['Job'], env.name);
      const job = objs[0]!;
      assert.is(job.metadata.name, 'shop-post-inst');
      assert.is(job.metadata.namespace, env.namespace);
      assert.equal(job.metadata.labels, {
        'app.kubernetes.io/name': 'shop',
        'app.kubernetes.io/component': 'post-inst',
        'app.kubernetes.io/part-of': 'shop',
        'app.kubernetes.io/managed-by': 'pipewright',
        'app.kubernetes.io/instance': env.namespace,
        'pipewright.dev/environment': env.name,
      });
      assert.is(job.spec.backoffLimit, 0);
      assert.is(job.spec.activeDeadlineSeconds, 1800);
      assert.is(job.spec.ttlSecondsAfterFinished, 86400);
      const pod = job.spec.template.spec;
      const c = pod.containers[0];
      assert.is(pod.restartPolicy, 'Never');
      assert.equal(c.command, ['./script/post-inst']);
      assert.is(c.workingDir, '/app', 'the Dockerfile\'s WORKDIR');
      // not selected by the Service (component web)
      assert.is(job.spec.template.metadata.labels['app.kubernetes.io/component'], 'post-inst');

      // The same pod as the Deployment's: ServiceAccount (IRSA), security, env, envFrom, requests and limits.
      const d = overlay.find((o) => o.kind === 'Deployment')!;
      const dpod = d.spec.template.spec;
      const dc = dpod.containers[0];
      for (const k of ['serviceAccountName', 'automountServiceAccountToken', 'securityContext', 'volumes']) assert.equal(pod[k], dpod[k], k);
      for (const k of ['image', 'env', 'envFrom', 'resources', 'securityContext', 'volumeMounts']) assert.equal(c[k], dc[k], `${env.name}: ${k}`);
      assert.is(c.envFrom.length, 2);
      assert.ok(c.env.some((v: { name: string; valueFrom?: unknown }) => v.name === 'DB_PASSWORD' && v.valueFrom));

      // The wrapper the pipeline writes pins the deployed digest.
      const wrapper = path.join(t.dir, '.pipewright/post-inst', `${env.name}-main`);
      mkdirSync(wrapper, { recursive: true });
      writeFileSync(path.join(wrapper, 'kustomization.yaml'), postInstKustomization(model, env, digest));
      const pinned = kustomize(wrapper);
      validateStrict(pinned);
      assert.is(pinned[0]!.spec.template.spec.containers[0].image, `${model.image.uri}@${digest}`);
    }
    assert.equal(kustomize(path.join(t.dir, postInstDir(model.environments[1]!)))[0]!.spec.template.spec.containers[0].resources, {
      requests: { cpu: '1', memory: '2Gi' },
      limits: { cpu: '2', memory: '2Gi' },
    });
    assert.throws(() => postInstKustomization(model, model.environments[0]!, 'latest'), /not an image digest/);
  } finally {
    t.cleanup();
  }
});

test('hostile env values and hosts reach the built objects byte for byte', async () => {
  if (!hasKubectl) return;
  const values = {
    QUOTES: `it's "quoted"`,
    SHELL: '$(rm -rf /) `id` ${HOME} $HOME',
    NEWLINES: 'line1\nline2\n',
    YAMLISH: 'key: value # not a comment',
    BOOLISH: 'yes',
    NUMBERISH: '0755',
    UNICODE: 'ünïcødé ☃ \u2028 end',
    BACKSLASH: 'C:\\path\\to',
    EMPTY: '',
  };
  const cfg = yaml.dump({
    app: 'hostile',
    aws: { accountId: '123456789012', region: 'eu-west-1' },
    defaults: { env: values },
  });
  const t = await generated(cfg);
  try {
    const objs = kustomize(path.join(t.dir, 'kustomize/overlays/develop'));
    validateStrict(objs);
    const env = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as { name: string; value: string }[];
    for (const [k, v] of Object.entries(values)) {
      assert.is(env.find((e) => e.name === k)?.value ?? '', v, k);
    }
    const job = kustomize(path.join(t.dir, 'kustomize/overlays/develop/post-inst'));
    validateStrict(job);
    assert.equal(job[0]!.spec.template.spec.containers[0].env, env, 'the post-install Job gets the same values');
  } finally {
    t.cleanup();
  }
});

test(`pipewright generate: ${YAML_TRAPS.length} YAML trap strings as env values reach the built Deployment unchanged`, () => {
  if (!hasKubectl || !hasPyYaml) return;
  const values = YAML_TRAPS.filter((s) => !KUSTOMIZE_UNWRITABLE.test(s));
  const env = Object.fromEntries(values.map((v, i) => [`V${i}`, v]));
  const t = tempDir();
  try {
    spawnSync('git', ['init', '-q', t.dir]);
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), dumpYaml({ app: 'traps', aws: { accountId: '123456789012', region: 'eu-west-1' }, defaults: { env } }));
    const res = runCli(['generate'], { cwd: t.dir });
    assert.is(res.status, 0, res.stderr);
    const objs = readKustomized(kustomizeText(path.join(t.dir, 'kustomize/overlays/green'))) as K8sObject[];
    validateStrict(objs);
    const built = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    const wrong = values.flatMap((v, i) => {
      const got = built.find((e) => e.name === `V${i}`)?.value ?? '';
      return got === v ? [] : [`${JSON.stringify(v)} became ${JSON.stringify(got)}`];
    });
    assert.equal(wrong, [], `of ${values.length} values`);
  } finally {
    t.cleanup();
  }
});

test('kubectl kustomize cannot carry DEL, the C1 controls, U+FFFE or U+FFFF (why the config refuses them in env values)', () => {
  if (!hasKubectl || !hasPyYaml) return;
  const t = tempDir();
  try {
    const env = ['\u007f', '\u0080', '\ufffe'].map((v, i) => `            - name: V${i}\n              value: ${yamlScalar(v)}\n`).join('');
    const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n${env}`;
    assert.throws(() => kustomizeBuild(path.join(t.dir, 'k'), { 'kustomization.yaml': 'resources:\n  - d.yaml\n', 'd.yaml': deployment }), /control characters are not allowed/);
    // U+0085 goes through, as a space: kustomize writes it raw, and YAML 1.1 reads a line break.
    const nel = dumpYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'x\u0085y' } });
    assert.equal(readKustomized(kustomizeBuild(path.join(t.dir, 'n'), { 'kustomization.yaml': 'resources:\n  - c.yaml\n', 'c.yaml': nel })), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'x y' } }]);
    // The same file read by js-yaml: what pipewright wrote is right; kustomize's own writer is not.
    assert.equal((yaml.load(deployment) as any).spec.template.spec.containers[0].env.map((e: { value: string }) => e.value), ['\u007f', '\u0080', '\ufffe']);
  } finally {
    t.cleanup();
  }
});

test('an environment without ingress has no Ingress object', async () => {
  if (!hasKubectl) return;
  const cfg = yaml.dump({
    app: 'worker',
    aws: { accountId: '123456789012', region: 'eu-west-1' },
    environments: [{ name: 'develop', branch: 'develop', ingress: { enabled: false } }],
  });
  const t = await generated(cfg);
  try {
    const objs = kustomize(path.join(t.dir, 'kustomize/overlays/develop'));
    assert.equal(objs.map((o) => o.kind).sort(), ['Deployment', 'Service', 'ServiceAccount']);
  } finally {
    t.cleanup();
  }
});

test.run();
