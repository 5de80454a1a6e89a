// The canary's Kustomize output, built with the real `kubectl kustomize` and validated strictly
// (test/k8s-schema.ts): the overlay of an environment with a canary, its canary kustomization
// (kustomize/canary/<env>) and the digest-pinned wrapper; the selectors that decide which pods
// each Service sends traffic to; the ALB forward action's weights; the deployer's extra rights.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { run as generate } from '../src/commands/generate.js';
import { loadProject } from '../src/commands/common.js';
import type { EnvironmentModel, Model } from '../src/model/model.js';
import {
  canaryDeployDir,
  canaryDir,
  canaryKustomization,
  canaryKustomizationHead,
  RELEASE_PATCH,
  deployDir,
  releasePatch,
  deployKustomization,
  overlayDir,
} from '../src/render/kubernetes/kustomize.js';
import { APP_TEMPLATE_GROUPS, renderApp } from '../src/render/app/files.js';
import {
  CANARY_ACTION,
  CANARY_ACTION_ANNOTATION,
  TRACK_LABEL,
  canaryDeploymentName,
  canaryLabels,
  canaryServiceName,
  canaryWeightsAnnotation,
  ingressName,
  stableDeploymentName,
  stableServiceName,
} from '../src/render/kubernetes/canary.js';
import { deployerRules } from '../src/render/kubernetes/bootstrap-objects.js';
import { dumpYaml, yamlScalar } from '../src/escape/yaml.js';
import { loadTemplates } from '../src/config/templates.js';
import type { Io } from '../src/core/io.js';
import { copyExample, engineAvailable, fromRoot, tempDir } from './helpers.js';
import { validateStrict } from './k8s-schema.js';

const quiet: Io = { out: () => {}, err: () => {}, color: false };
const hasKubectl = engineAvailable('kubectl', ['version', '--client']);

type Labels = Record<string, string>;
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels }; spec?: any };

/**
 * The canary fixture (also test/golden/canary): develop without a canary, green by pod count
 * (replicas, no autoscaler), blue by ALB weights (alb, with an autoscaler and a disruption budget).
 */
const FIXTURE = readFileSync(fromRoot('test/fixtures/canary/pipewright.yaml'), 'utf8');

/** The other way round: develop without an ingress (replicas by default), green alb, blue replicas with an autoscaler and a budget. */
function variant(): string {
  const c = yaml.load(FIXTURE) as { environments: Record<string, unknown>[] };
  const [develop, green, blue] = c.environments as [Record<string, any>, Record<string, any>, Record<string, any>];
  develop.ingress = { enabled: false };
  develop.canary = { steps: [20], pause: '2m', alarms: ['hello-flask-develop-5xx'] };
  delete green.canary.traffic;
  blue.canary = { ...blue.canary, traffic: 'replicas' };
  return dumpYaml(c);
}

function kustomize(dir: string): K8sObject[] {
  const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  assert.is(res.status, 0, res.stderr);
  return yaml.loadAll(res.stdout) as K8sObject[];
}

async function project(configText: string): Promise<{ dir: string; model: Model; cleanup: () => void }> {
  const t = tempDir();
  copyExample(t.dir);
  writeFileSync(path.join(t.dir, 'pipewright.yaml'), configText);
  await generate({ cwd: t.dir }, quiet);
  const { model } = await loadProject({ cwd: t.dir });
  return { ...t, model };
}

/** Whether a Service's (or a Deployment's matchLabels) selector selects pods with these labels. */
const selects = (selector: Labels, labels: Labels): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

const one = (objs: K8sObject[], kind: string, name: string): K8sObject | undefined => objs.find((o) => o.kind === kind && o.metadata.name === name);

interface ForwardAction {
  type: string;
  forwardConfig: { targetGroups: { serviceName: string; servicePort: string | number; weight: number }[] };
}

/** The action's target groups name Services of the overlay, by a port they have, with weights that sum to 100. */
function checkAction(json: string, overlay: K8sObject[]): ForwardAction {
  const action = JSON.parse(json) as ForwardAction;
  assert.is(action.type, 'forward');
  const groups = action.forwardConfig.targetGroups;
  assert.is(groups.length, 2);
  assert.is(groups.reduce((sum, g) => sum + g.weight, 0), 100);
  for (const g of groups) {
    assert.ok(Number.isInteger(g.weight) && g.weight >= 0, JSON.stringify(g));
    const svc = one(overlay, 'Service', g.serviceName);
    assert.ok(svc, `the action names Service ${g.serviceName}, which the overlay does not hold`);
    assert.ok(svc!.spec.ports.some((p: { name: string; port: number }) => p.name === g.servicePort || p.port === g.servicePort), `port ${g.servicePort} of ${g.serviceName}`);
  }
  return action;
}

/** Builds an environment's overlay and, with a canary, its canary kustomization; checks them all. */
function checkEnvironment(dir: string, m: Model, env: EnvironmentModel): void {
  const overlay = kustomize(path.join(dir, overlayDir(env)));
  validateStrict(overlay);
  const stable = one(overlay, 'Deployment', stableDeploymentName(m))!;
  const stableSvc = one(overlay, 'Service', stableServiceName(m))!;
  const ingress = one(overlay, 'Ingress', ingressName(m));
  const stablePods: Labels = stable.spec.template.metadata.labels;
  assert.ok(selects(stableSvc.spec.selector, stablePods), 'the stable Service selects the stable pods');
  assert.equal(
    overlay.map((o) => o.kind).sort(),
    [
      'Deployment',
      'Service',
      'ServiceAccount',
      ...(env.canary?.traffic === 'alb' ? ['Service'] : []),
      ...(env.ingress.enabled ? ['Ingress'] : []),
      ...(env.scaling ? ['HorizontalPodAutoscaler'] : []),
      ...(env.disruptionBudget ? ['PodDisruptionBudget'] : []),
    ].sort(),
    env.name,
  );
  if (!env.canary) {
    assert.not.ok(existsSync(path.join(dir, canaryDir(env))), `${env.name} has no canary kustomization`);
    assert.not.ok(one(overlay, 'Service', canaryServiceName(m)));
    return;
  }

  const canary = kustomize(path.join(dir, canaryDir(env)));
  validateStrict(canary);
  // Exactly one object: no HPA (it would scale the canary), no PDB, Ingress, Service or ServiceAccount.
  assert.equal(canary.map((o) => `${o.kind}/${o.metadata.name}`), [`Deployment/${canaryDeploymentName(m)}`], env.name);
  const c = canary[0]!;
  assert.is(c.metadata.namespace, env.namespace);
  assert.is(c.spec.replicas, 1);
  // The same pod spec: the ServiceAccount by name (IRSA trusts it by name), env, resources, probes, security.
  assert.equal(c.spec.template.spec, stable.spec.template.spec);
  assert.is(c.spec.template.spec.serviceAccountName, m.app);
  assert.equal(c.spec.strategy, stable.spec.strategy);
  const canaryPods: Labels = c.spec.template.metadata.labels;
  assert.equal(canaryPods, { ...stablePods, ...canaryLabels(env.canary.traffic) });
  assert.is(canaryPods[TRACK_LABEL], 'canary');
  assert.equal(c.metadata.labels, { ...stable.metadata.labels, ...canaryLabels(env.canary.traffic) });
  // The API server requires a Deployment's selector to match its template; the strict schema does not check it.
  assert.ok(selects(c.spec.selector.matchLabels, canaryPods), 'the canary selects its own pods');
  // Selectors apart: neither Deployment's ReplicaSets ever count the other's pods as their own.
  assert.not.equal(c.spec.selector.matchLabels, stable.spec.selector.matchLabels);
  assert.not.ok(selects(c.spec.selector.matchLabels, stablePods), 'the canary selector must not match stable pods');

  if (env.canary.traffic === 'alb') {
    assert.not.ok(selects(stableSvc.spec.selector, canaryPods), 'alb: the stable Service must not select canary pods');
    assert.not.ok(selects(stable.spec.selector.matchLabels, canaryPods), 'alb: nor the stable Deployment (its autoscaler and budget)');
    const canarySvc = one(overlay, 'Service', canaryServiceName(m))!;
    assert.ok(selects(canarySvc.spec.selector, canaryPods), 'alb: the canary Service selects canary pods');
    assert.not.ok(selects(canarySvc.spec.selector, stablePods), 'alb: and no stable pod');
    assert.equal(canarySvc.spec.ports, stableSvc.spec.ports);
    // The rule forwards through the action; the action is all stable until a canary step changes it.
    assert.ok(ingress);
    const backend = ingress!.spec.rules[0].http.paths[0].backend.service;
    assert.equal(backend, { name: CANARY_ACTION, port: { name: 'use-annotation' } });
    const annotations = ingress!.metadata.annotations!;
    assert.is(annotations['alb.ingress.kubernetes.io/target-type'], 'ip');
    assert.is(annotations[CANARY_ACTION_ANNOTATION], canaryWeightsAnnotation(m, env, 0));
    const action = checkAction(annotations[CANARY_ACTION_ANNOTATION]!, overlay);
    assert.equal(
      action.forwardConfig.targetGroups.map((g) => [g.serviceName, g.weight]),
      [
        [m.app, 100],
        [`${m.app}-canary`, 0],
      ],
    );
  } else {
    assert.ok(selects(stableSvc.spec.selector, canaryPods), 'replicas: the stable Service selects canary pods');
    assert.not.ok(one(overlay, 'Service', canaryServiceName(m)), 'replicas: no canary Service');
    if (ingress) {
      assert.equal(ingress.spec.rules[0].http.paths[0].backend.service, { name: stableServiceName(m), port: { name: 'http' } });
      assert.not.ok(CANARY_ACTION_ANNOTATION in ingress.metadata.annotations!);
    }
  }
}

const CASES = [
  {
    name: 'the fixture (green replicas, blue alb with HPA and PDB)',
    config: () => FIXTURE,
    // name, traffic, autoscaler, budget, ingress
    modes: [
      ['develop', null, false, false, true],
      ['green', 'replicas', false, false, true],
      ['blue', 'alb', true, true, true],
    ],
  },
  {
    name: 'the variant (develop replicas without ingress, green alb, blue replicas with HPA and PDB)',
    config: variant,
    modes: [
      ['develop', 'replicas', false, false, false],
      ['green', 'alb', false, false, true],
      ['blue', 'replicas', true, true, true],
    ],
  },
];

for (const c of CASES) {
  test(`${c.name}: every overlay and canary kustomization builds, validates and keeps the selectors apart`, async () => {
    if (!hasKubectl) return;
    const p = await project(c.config());
    try {
      assert.equal(
        p.model.environments.map((e) => [e.name, e.canary?.traffic ?? null, !!e.scaling, !!e.disruptionBudget, e.ingress.enabled]),
        c.modes,
      );
      for (const env of p.model.environments) checkEnvironment(p.dir, p.model, env);
    } finally {
      p.cleanup();
    }
  });
}

test('the canary wrapper pins the image by digest and sits inside the environment wrapper, both building', async () => {
  if (!hasKubectl) return;
  const p = await project(FIXTURE);
  try {
    const { model } = p;
    const digest = `sha256:${'cd34'.repeat(16)}`;
    for (const env of model.environments.filter((e) => e.canary)) {
      const stableDir = path.join(p.dir, deployDir(env, 'delivery'));
      const wrapper = path.join(p.dir, canaryDeployDir(env, 'delivery'));
      assert.is(path.dirname(wrapper), stableDir);
      mkdirSync(wrapper, { recursive: true });
      writeFileSync(path.join(stableDir, 'kustomization.yaml'), deployKustomization(model, env, digest));
      const record = { digest, tree: 'd'.repeat(40), commit: '', release: '', deployedAt: '2026-12-03T10:00:00.000Z', approver: '', build: '', reason: 'pipeline' };
      writeFileSync(path.join(stableDir, RELEASE_PATCH), releasePatch(model, record));
      writeFileSync(path.join(wrapper, 'kustomization.yaml'), canaryKustomization(model, env, digest));
      const objs = kustomize(wrapper);
      validateStrict(objs);
      assert.equal(objs.map((o) => `${o.kind}/${o.metadata.name}`), [`Deployment/${canaryDeploymentName(model)}`]);
      assert.is(objs[0]!.spec.template.spec.containers[0].image, `${model.image.uri}@${digest}`);
      assert.is(objs[0]!.metadata.namespace, env.namespace);
      // The environment's own wrapper still builds the whole overlay, stable Deployment included.
      const stable = kustomize(stableDir);
      assert.is(one(stable, 'Deployment', model.app)!.spec.template.spec.containers[0].image, `${model.image.uri}@${digest}`);
      assert.not.ok(one(stable, 'Deployment', canaryDeploymentName(model)));
    }
    const blue = model.environments[2]!;
    assert.ok(canaryKustomizationHead(model, blue).endsWith(`images:\n  - name: ${yamlScalar(model.image.uri)}\n`), 'the pipeline appends the digest line');
    assert.is(canaryKustomization(model, blue, digest), `${canaryKustomizationHead(model, blue)}    digest: ${digest}\n`);
    assert.throws(() => canaryKustomization(model, blue, 'latest'), /not an image digest/);
    assert.is(canaryDeployDir(blue, 'delivery-us'), '.pipewright/deploy/blue-delivery-us/canary');
  } finally {
    p.cleanup();
  }
});

test('the forward action for every share: valid JSON, weights summing to 100, the two Services of the overlay', async () => {
  if (!hasKubectl) return;
  const p = await project(FIXTURE);
  try {
    const { model } = p;
    const [, green, blue] = model.environments as [EnvironmentModel, EnvironmentModel, EnvironmentModel];
    const overlay = kustomize(path.join(p.dir, overlayDir(blue)));
    for (const percent of [0, 1, ...blue.canary!.steps, 99, 100]) {
      const json = canaryWeightsAnnotation(model, blue, percent);
      const action = checkAction(json, overlay);
      assert.equal(action, {
        type: 'forward',
        forwardConfig: {
          targetGroups: [
            { serviceName: 'hello-flask', servicePort: 'http', weight: 100 - percent },
            { serviceName: 'hello-flask-canary', servicePort: 'http', weight: percent },
          ],
        },
      });
      // Exactly JSON.stringify's output: the pipeline passes it as is to the annotation.
      assert.is(json, JSON.stringify(action));
    }
    for (const bad of [-1, 101, 2.5, Number.NaN]) assert.throws(() => canaryWeightsAnnotation(model, blue, bad), /not a canary share/);
    assert.throws(() => canaryWeightsAnnotation(model, green, 10), /no canary with traffic alb/);
    assert.throws(() => canaryWeightsAnnotation(model, model.environments[0]!, 0), /no canary with traffic alb/);
  } finally {
    p.cleanup();
  }
});

test('the ServiceAccount is dropped before the rename: kept, nameSuffix would rename the pods’ serviceAccountName (IRSA lost)', async () => {
  if (!hasKubectl) return;
  const p = await project(FIXTURE);
  try {
    const blue = p.model.environments[2]!;
    const file = path.join(p.dir, canaryDir(blue), 'kustomization.yaml');
    const text = readFileSync(file, 'utf8');
    const saPatch = /  - patch: \|-\n      \$patch: delete\n      apiVersion: v1\n      kind: ServiceAccount\n      metadata:\n        name: hello-flask\n/;
    assert.match(text, saPatch);
    writeFileSync(file, text.replace(saPatch, ''));
    const objs = kustomize(path.join(p.dir, canaryDir(blue)));
    assert.is(one(objs, 'Deployment', 'hello-flask-canary')!.spec.template.spec.serviceAccountName, 'hello-flask-canary');
  } finally {
    p.cleanup();
  }
});

test('without a canary nothing changes: the example renders its goldens, and the fixture’s develop and base are the example’s', async () => {
  const { model: example } = await loadProject({ cwd: fromRoot('examples/hello-flask') });
  const { model: fixture } = await loadProject({ cwd: fromRoot('test/fixtures/canary') });
  // As generate writes them (marked), the Kustomize part only: the Jenkinsfile is another matter.
  const kustomizeFiles = (m: Model) =>
    renderApp(m, loadTemplates({ groups: APP_TEMPLATE_GROUPS, configFile: m.configFile })).filter((f) => f.path.startsWith('kustomize/'));
  const exampleFiles = kustomizeFiles(example);
  assert.ok(example.environments.every((e) => e.canary === null));
  for (const f of exampleFiles) assert.fixture(f.contents, readFileSync(fromRoot('test/golden/hello-flask', f.path), 'utf8'), f.path);
  assert.not.ok(exampleFiles.some((f) => f.path.startsWith('kustomize/canary/')));

  const byPath = new Map(kustomizeFiles(fixture).map((f) => [f.path, f.contents]));
  const unchanged = exampleFiles.filter((f) => f.path.startsWith('kustomize/base/') || f.path.startsWith('kustomize/overlays/develop/'));
  assert.ok(unchanged.length >= 6);
  for (const f of unchanged) assert.fixture(byPath.get(f.path) ?? '(missing)', f.contents, f.path);
  // Only the environments with a canary change, and only where they must.
  const changed = [...byPath.keys()].filter((p) => byPath.get(p) !== exampleFiles.find((f) => f.path === p)?.contents).sort();
  assert.equal(changed, [
    'kustomize/canary/blue/kustomization.yaml',
    'kustomize/canary/green/kustomization.yaml',
    'kustomize/overlays/blue/canary-service.yaml',
    'kustomize/overlays/blue/ingress.yaml',
    'kustomize/overlays/blue/kustomization.yaml',
  ]);
});

test('the deployer Role: scale and delete only the canary Deployment, by name; patch the Ingress for alb', async () => {
  const { model } = await loadProject({ cwd: fromRoot('test/fixtures/canary') });
  const [develop, green, blue] = model.environments as [EnvironmentModel, EnvironmentModel, EnvironmentModel];
  const canaryRules = [
    { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['hello-flask-canary'], verbs: ['get', 'patch'] },
    { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['hello-flask-canary'], verbs: ['delete'] },
  ];
  // Without a canary, the Role is what it was: no delete, no scale.
  assert.equal(deployerRules(develop, model.app), deployerRules({ ...develop, canary: null }));
  assert.not.ok(deployerRules(develop, model.app).some((r) => r.verbs.includes('delete') || r.resources.includes('deployments/scale')));
  for (const env of [green, blue]) {
    const rules = deployerRules(env, model.app);
    assert.equal(rules.slice(-2), canaryRules, env.name);
    assert.equal(rules.slice(0, -2), deployerRules({ ...env, canary: null }), env.name);
    // Nothing else can be deleted or resized: every delete or scale right names the canary.
    for (const r of rules) {
      if (r.verbs.some((v) => ['delete', 'deletecollection', 'update', '*'].includes(v)) || r.resources.some((x) => x.endsWith('/scale'))) {
        assert.equal(r.resourceNames, ['hello-flask-canary'], JSON.stringify(r));
        assert.not.ok(r.verbs.includes('deletecollection') || r.verbs.includes('*'));
      }
    }
  }
  // alb: the pipeline sets the weights with a patch of the Ingress annotation (get + patch).
  assert.ok(deployerRules(blue, model.app).some((r) => r.resources.includes('ingresses') && r.verbs.includes('get') && r.verbs.includes('patch')));
  assert.throws(() => deployerRules(blue), /needs the app name/);
});

test.run();
