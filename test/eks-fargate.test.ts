// What EKS Fargate and the AWS Load Balancer Controller need from the app's objects, built with
// the real `kubectl kustomize` and validated strictly against the Kubernetes schemas: IRSA
// ServiceAccounts, preStop + grace period, Fargate-sized requests, autoscaler and disruption
// budget, one shared ALB per environment (IngressGroup) with a host each, and secrets only by reference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { run as generate } from '../src/commands/generate.js';
import { validateConfig } from '../src/config/validate.js';
import { ConfigError } from '../src/core/errors.js';
import { fargateSize } from '../src/model/fargate.js';
import { resolveModel } from '../src/model/model.js';
import type { Io } from '../src/core/io.js';
import { validateStrict } from './k8s-schema.js';
import { copyExample, engineAvailable, runCli, tempDir } from './helpers.js';

const quiet: Io = { out: () => {}, err: () => {}, color: false };
const hasKubectl = engineAvailable('kubectl', ['version', '--client']);
if (!hasKubectl && process.env.CI === 'true') throw new Error('kubectl is required under CI=true (kubectl kustomize builds the overlays)');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any; automountServiceAccountToken?: boolean };
const ACCOUNT = { accountId: '123456789012', region: 'eu-west-1' };

/** Objects validated strictly, by kind: the engine's log line. */
const validated = new Map<string, number>();

function kustomize(dir: string): Obj[] {
  const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  assert.is(res.status, 0, res.stderr);
  const objs = yaml.loadAll(res.stdout) as Obj[];
  objs.forEach((o) => validateStrict(o));
  for (const o of objs) validated.set(o.kind, (validated.get(o.kind) ?? 0) + 1);
  return objs;
}

/** Generate a config (or the example) and build each named overlay. */
async function built(config: object | null, envs: readonly string[]): Promise<Record<string, Obj[]>> {
  const t = tempDir();
  try {
    copyExample(t.dir);
    if (config) writeFileSync(path.join(t.dir, 'pipewright.yaml'), yaml.dump(config));
    await generate({ cwd: t.dir }, quiet);
    return Object.fromEntries(envs.map((e) => [e, kustomize(path.join(t.dir, 'kustomize/overlays', e))]));
  } finally {
    t.cleanup();
  }
}

const one = (objs: Obj[], kind: string) => {
  const found = objs.filter((o) => o.kind === kind);
  assert.is(found.length, 1, `one ${kind}`);
  return found[0]!;
};
const ingressOf = (objs: Obj[]) => one(objs, 'Ingress');
const annotations = (o: Obj) => o.metadata.annotations ?? {};

test('the example: an IRSA ServiceAccount per environment, preStop within the grace period, probes on the health path', async () => {
  if (!hasKubectl) return;
  const out = await built(null, ['develop', 'green', 'blue']);
  for (const [env, objs] of Object.entries(out)) {
    const sa = one(objs, 'ServiceAccount');
    const d = one(objs, 'Deployment');
    const pod = d.spec.template.spec;
    assert.is(pod.serviceAccountName, sa.metadata.name, env);
    assert.is(sa.automountServiceAccountToken, false, 'the app gets no Kubernetes API token');
    const roleArn = annotations(sa)['eks.amazonaws.com/role-arn'];
    assert.is(roleArn, env === 'blue' ? 'arn:aws:iam::123456789012:role/hello-flask-blue' : undefined, env);
    const c = pod.containers[0];
    const delay = c.lifecycle.preStop.sleep.seconds;
    assert.ok(delay >= 10, `${env}: preStop sleeps ${delay}s`);
    // gunicorn gets SIGTERM after the preStop and then up to 30 s to finish its requests.
    assert.ok(pod.terminationGracePeriodSeconds >= delay + 30, `${env}: grace ${pod.terminationGracePeriodSeconds}s`);
    assert.is(c.readinessProbe.httpGet.path, '/healthz');
    assert.is(c.livenessProbe.httpGet.path, '/healthz');
    // The ALB keeps a draining target as long as a stopping pod may still answer.
    assert.is(annotations(ingressOf(objs))['alb.ingress.kubernetes.io/target-group-attributes'], `deregistration_delay.timeout_seconds=${pod.terminationGracePeriodSeconds}`);
  }
});

test('the example: requests sized for Fargate; blue scales with an autoscaler and keeps a disruption budget', async () => {
  if (!hasKubectl) return;
  const out = await built(null, ['develop', 'blue']);
  const develop = one(out.develop!, 'Deployment');
  assert.equal(develop.spec.template.spec.containers[0].resources.requests, { cpu: '250m', memory: '768Mi' }, '768Mi + 256 MiB is exactly 1 GB');
  assert.equal(fargateSize({ cpu: '250m', memory: '768Mi' }), { vcpu: 0.25, memoryGiB: 1 });
  assert.is(develop.spec.replicas, 1);
  assert.equal(out.develop!.filter((o) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind)), [], 'one pod: nothing to budget');

  const blue = out.blue!;
  const hpa = one(blue, 'HorizontalPodAutoscaler');
  assert.equal([hpa.spec.minReplicas, hpa.spec.maxReplicas], [3, 10]);
  assert.equal(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'hello-flask' });
  assert.is(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
  // A deploy that set replicas would undo the autoscaler's work every time.
  assert.not.ok('replicas' in one(blue, 'Deployment').spec, 'the autoscaler owns the pod count');
  const pdb = one(blue, 'PodDisruptionBudget');
  assert.is(pdb.spec.maxUnavailable, 1);
  assert.equal(pdb.spec.selector.matchLabels, one(blue, 'Deployment').spec.selector.matchLabels);
});

test('Fargate sizes: requests plus 256 MiB, rounded up to a size Fargate offers (AWS\'s own example included)', () => {
  assert.equal(fargateSize({ cpu: '250m', memory: '512Mi' }), { vcpu: 0.25, memoryGiB: 1 });
  assert.equal(fargateSize({ cpu: '100m', memory: '128Mi' }), { vcpu: 0.25, memoryGiB: 0.5 });
  assert.equal(fargateSize({ cpu: '1', memory: '8Gi' }), { vcpu: 2, memoryGiB: 9 }, 'AWS: 1 vCPU and 8 GB runs as 2 vCPU, 9 GB');
  assert.equal(fargateSize({ cpu: '500m', memory: '1Gi' }), { vcpu: 0.5, memoryGiB: 2 });
  assert.equal(fargateSize({ cpu: '8', memory: '60Gi' }), { vcpu: 16, memoryGiB: 64 });
  assert.is(fargateSize({ cpu: '17', memory: '1Gi' }), null);
  assert.is(fargateSize({ cpu: '16', memory: '120Gi' }), null, '120 GiB plus 256 MiB is more than the largest pod');
});

test('ingress: one shared ALB per environment across apps, a host each, HTTPS with a redirect; no host means an ALB of its own', async () => {
  if (!hasKubectl) return;
  const app = (name: string, extra: object = {}) => ({ app: name, aws: ACCOUNT, defaults: { ingress: { domain: 'apps.example.com' } }, ...extra });
  const [shop, cart] = await Promise.all([built(app('shop'), ['develop', 'green', 'blue']), built(app('cart'), ['develop', 'green', 'blue'])]);
  for (const env of ['develop', 'green', 'blue']) {
    const a = ingressOf(shop[env]!);
    const b = ingressOf(cart[env]!);
    const group = annotations(a)['alb.ingress.kubernetes.io/group.name'];
    assert.is(group, `pipewright-${env}`);
    assert.is(annotations(b)['alb.ingress.kubernetes.io/group.name'], group, 'both apps share the environment\'s ALB');
    assert.is.not(a.spec.rules[0].host, b.spec.rules[0].host, 'the host tells them apart');
    assert.is(annotations(a)['alb.ingress.kubernetes.io/ssl-redirect'], '443');
    assert.equal(JSON.parse(annotations(a)['alb.ingress.kubernetes.io/listen-ports']!), [{ HTTP: 80 }, { HTTPS: 443 }]);
  }
  assert.equal(
    ['develop', 'green', 'blue'].map((e) => ingressOf(shop[e]!).spec.rules[0].host),
    ['shop-develop.apps.example.com', 'shop-green.apps.example.com', 'shop.apps.example.com'],
    'a host per environment: develop\'s smoke test never reaches production',
  );

  const internal = await built({ ...app('ledger'), defaults: { ingress: { domain: 'corp.example.com', scheme: 'internal' } } }, ['develop']);
  assert.is(annotations(ingressOf(internal.develop!))['alb.ingress.kubernetes.io/group.name'], 'pipewright-develop-internal', 'a group never mixes schemes');

  const bare = await built({ app: 'bare', aws: ACCOUNT }, ['develop']);
  const ing = ingressOf(bare.develop!);
  assert.is(annotations(ing)['alb.ingress.kubernetes.io/group.name'], 'bare-develop');
  assert.not.ok('host' in ing.spec.rules[0]);
  assert.not.ok('alb.ingress.kubernetes.io/ssl-redirect' in annotations(ing));
});

test('env: secretKeyRef, configMapKeyRef and envFrom render as references; nothing secret is written', async () => {
  if (!hasKubectl) return;
  const out = await built(
    {
      app: 'shop',
      aws: ACCOUNT,
      defaults: {
        env: {
          DB_PASSWORD: { secretKeyRef: { name: 'shop-db', key: 'password' } },
          FEATURE_FLAGS: { configMapKeyRef: { name: 'shop-flags', key: 'flags', optional: true } },
          LOG_LEVEL: 'info',
        },
        envFrom: [{ secretRef: { name: 'shop-secrets' } }, { configMapRef: { name: 'shop-config', optional: true } }],
      },
    },
    ['develop'],
  );
  const c = one(out.develop!, 'Deployment').spec.template.spec.containers[0];
  const env = Object.fromEntries(c.env.map((v: { name: string }) => [v.name, v]));
  assert.equal(env.DB_PASSWORD, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } });
  assert.equal(env.FEATURE_FLAGS, { name: 'FEATURE_FLAGS', valueFrom: { configMapKeyRef: { name: 'shop-flags', key: 'flags', optional: true } } });
  assert.equal(env.LOG_LEVEL, { name: 'LOG_LEVEL', value: 'info' });
  assert.equal(c.envFrom, [{ secretRef: { name: 'shop-secrets' } }, { configMapRef: { name: 'shop-config', optional: true } }]);
});

const problemsOf = (config: object): { path: string; message: string; allowed?: string }[] => {
  try {
    resolveModel(validateConfig(config, 'pipewright.yaml'), 'pipewright.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
};

test('a plain value under a secret-looking key, or a URL with a password, is refused with the reference form', () => {
  const refused = (env: Record<string, unknown>, where: 'defaults' | 'env0' = 'defaults') =>
    problemsOf(where === 'defaults' ? { app: 'shop', aws: ACCOUNT, defaults: { env } } : { app: 'shop', aws: ACCOUNT, environments: [{ name: 'develop', branch: 'develop', env }] });
  for (const key of ['DB_PASSWORD', 'SECRET_KEY', 'API_TOKEN', 'STRIPE_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_PAT_TOKEN', 'passwd', 'PRIVATE_KEY_PEM']) {
    const [p, ...rest] = refused({ [key]: 'hunter2' });
    assert.equal(rest, [], key);
    assert.is(p?.path, `defaults.env.${key}`, key);
    assert.match(p!.message, 'looks like a secret');
    assert.match(p!.allowed!, `{ secretKeyRef: { name: <secret>, key: ${key} } }`);
  }
  assert.is(refused({ DB_PASSWORD: 'hunter2' }, 'env0')[0]?.path, 'environments.0.env.DB_PASSWORD');
  const url = refused({ DATABASE_URL: 'postgres://app:hunter2@db.internal:5432/shop' });
  assert.is(url[0]?.path, 'defaults.env.DATABASE_URL');
  assert.match(url[0]!.message, 'URL with a password');
  // Words that only contain a secret word, references, empty values and password-less URLs are fine.
  assert.equal(refused({ KEYCLOAK_URL: 'https://sso', MONKEY: 'x', TOKENIZER: 'bert', DATABASE_URL: 'postgres://db/shop', DB_PASSWORD: '', API_TOKEN: { secretKeyRef: { name: 's', key: 'k' } } }), []);
});

test('the CLI refuses DB_PASSWORD: hunter2 with exit 2, the key path and the reference form, and writes nothing', () => {
  const t = tempDir();
  try {
    copyExample(t.dir);
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), yaml.dump({ app: 'shop', aws: ACCOUNT, environments: [{ name: 'develop', branch: 'develop', env: { DB_PASSWORD: 'hunter2' } }] }));
    for (const args of [['validate'], ['generate']]) {
      const r = runCli([...args, '--cwd', t.dir]);
      assert.is(r.status, 2, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, 'environments.0.env.DB_PASSWORD');
      assert.match(r.stderr, 'secretKeyRef: { name: <secret>, key: DB_PASSWORD }');
      assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    }
    const listing = spawnSync('ls', [t.dir], { encoding: 'utf8' }).stdout;
    assert.not.match(listing, 'kustomize', 'nothing generated');
  } finally {
    t.cleanup();
  }
});

test('cross-field rules: one host for all environments, replicas with an autoscaler, and requests no Fargate pod holds are refused', () => {
  const paths = (c: object) => problemsOf({ app: 'shop', aws: ACCOUNT, ...c }).map((p) => p.path);
  assert.equal(paths({ defaults: { ingress: { host: 'shop.example.com' } } }), ['defaults.ingress.host']);
  assert.equal(
    paths({
      environments: [
        { name: 'develop', branch: 'develop', ingress: { host: 'shop.example.com' } },
        { name: 'prod', branch: 'master', production: true, ingress: { host: 'shop.example.com' } },
      ],
    }),
    ['environments.1.ingress.host'],
  );
  assert.equal(paths({ defaults: { replicas: 2, scaling: { minReplicas: 2, maxReplicas: 4 } } }), ['defaults.replicas']);
  assert.equal(paths({ environments: [{ name: 'develop', branch: 'develop', scaling: { minReplicas: 5, maxReplicas: 2 } }] }), ['environments.0.scaling.minReplicas']);
  assert.equal(paths({ environments: [{ name: 'develop', branch: 'develop', resources: { requests: { cpu: '32' } } }] }), ['environments.0.resources.requests']);
  const m = resolveModel(validateConfig({ app: 'shop', aws: ACCOUNT }, 'p.yaml'), 'p.yaml');
  assert.equal(m.environments.map((e) => e.url), [null, null, null], 'no host, no URL to smoke-test');
});

test.after(() => {
  if (validated.size === 0) return;
  const total = [...validated.values()].reduce((a, b) => a + b, 0);
  const kinds = [...validated].map(([k, n]) => `${n} ${k}`).join(', ');
  console.log(`  kubernetes strict (kubectl kustomize, then kubernetes-models 4.5.1 types + client-node 1.4.0's v1.34 field lists, unknown fields refused): ${total} objects valid: ${kinds}`);
});

test.run();
