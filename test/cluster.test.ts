// `pipewright cluster bootstrap` and `pipewright status`, run as the real CLI against the
// Kubernetes TEST STAND-IN (test/kube-standin.ts: no API server can run here), plus the pure
// renderer of the bootstrap objects, validated strictly against the Kubernetes schemas (test/k8s-schema.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import https from 'node:https';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { run as generate } from '../src/commands/generate.js';
import { run as status } from '../src/commands/status.js';
import { loadProject } from '../src/commands/common.js';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';
import { overlayDir } from '../src/render/kubernetes/kustomize.js';
import { bootstrapObjects, deployerRules, overlayKinds, postDeployRules } from '../src/render/kubernetes/bootstrap-objects.js';
import { accessEntries, environmentsOf, fargateProfiles } from '../src/render/aws/eks.js';
import { formatAge, pickTag } from '../src/k8s/status.js';
import { KubeError, openKube } from '../src/k8s/client.js';
import { readDeployment } from '../src/k8s/deployments.js';
import type { Io } from '../src/core/io.js';
import { KubeStandin, mergedKubeconfig, type DeployFixture } from './kube-standin.js';
import { engineAvailable, runCliAsync, tempDir } from './helpers.js';
import { validateStrict } from './k8s-schema.js';

const hasOpenssl = engineAvailable('openssl', ['version']);
const hasKubectl = engineAvailable('kubectl', ['version', '--client']);

const CONFIG = `app: shop
aws:
  accountId: "123456789012"
  region: eu-west-1
  cluster: delivery
environments:
  - name: develop
    branch: develop
    ingress: { enabled: false }
  - name: green
    branch: staging
  - name: blue
    branch: master
    production: true
    clusters:
      - name: delivery
      - name: delivery-us
        region: us-east-1
`;

const work = tempDir('pipewright-cluster-');
const app = path.join(work.dir, 'app');
const home = path.join(work.dir, 'home');
mkdirSync(app);
mkdirSync(home);
writeFileSync(path.join(app, 'pipewright.yaml'), CONFIG);
const standin = new KubeStandin();
let kubeconfig = '';

test.before(async () => {
  if (!hasOpenssl) return;
  await standin.start(work.dir);
  kubeconfig = standin.kubeconfig(path.join(work.dir, 'kubeconfig'));
});

test.after(async () => {
  await standin.close();
  work.cleanup();
});

function modelOf(text: string): Model {
  const parsed = validateConfig(yaml.load(text), 'pipewright.yaml');
  return resolveModel(parsed, 'pipewright.yaml');
}

/** The built CLI, without blocking (the stand-in answers from this process); HOME is empty and KUBECONFIG unset, so a real kubeconfig is never read. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCliAsync(['-C', app, ...args], { env: { HOME: home, KUBECONFIG: undefined, ...env } });

const bootstrap = (...extra: string[]) => cli(['cluster', 'bootstrap', '--kubeconfig', kubeconfig, ...extra]);

/** A one-line, user-facing failure: exit 1 or 2, one line, no stack, no token. */
function assertOneLineFailure(r: { status: number | null; stdout: string; stderr: string }, ...expect: string[]): void {
  assert.ok(r.status === 1 || r.status === 2, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.not.match(r.stderr, /internal error|\n\s+at /);
  assert.not.ok(r.stderr.includes(standin.token), 'the token is printed');
  for (const e of expect) assert.ok(r.stderr.includes(e), `expected "${e}" in: ${r.stderr}`);
}

// ---------------------------------------------------------------- the objects, as data

test('bootstrap objects validate against the Kubernetes schemas', () => {
  const m = modelOf(CONFIG);
  assert.throws(() => validateStrict({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'x' }, rules: [{ verbs: 'get' }] }), /\.rules\[0\]\.verbs: must be array/);
  assert.throws(() => validateStrict({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'x' }, rules: [{ verbs: ['get'], resource: ['pods'] }] }), /\.rules\[0\]\.resource: unknown field/);
  const objects = bootstrapObjects(m);
  validateStrict(objects.map((o) => o.object));
  assert.equal(
    objects.map((o) => `${o.object.kind} ${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`),
    [
      'Namespace /jenkins',
      'ServiceAccount jenkins/pipewright-deployer',
      ...['develop', 'green', 'blue'].flatMap((e) => [`Namespace /shop-${e}`, `Role shop-${e}/pipewright-deployer`, `RoleBinding shop-${e}/pipewright-deployer`]),
    ],
  );
});

test('bootstrap --manifests prints each cluster\'s objects as YAML, with its Fargate profiles as comments, contacting nothing', async () => {
  const r = await cli(['cluster', 'bootstrap', '--manifests'], { KUBECONFIG: undefined });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const docs = yaml.loadAll(r.stdout) as { kind: string }[];
  const m = modelOf(CONFIG);
  const delivery = { name: 'delivery', region: 'eu-west-1' };
  const us = { name: 'delivery-us', region: 'us-east-1' };
  const sections = [delivery, us].map((eks) => bootstrapObjects(m, { environments: environmentsOf(m, eks), eks }).map((d) => d.object));
  assert.equal(docs, JSON.parse(JSON.stringify(sections.flat())));
  validateStrict(docs);
  // Each cluster's part: its environments, then Fargate logging with its own region and log group.
  const logging = docs.filter((d) => d.kind === 'ConfigMap') as unknown as { data: Record<string, string> }[];
  assert.equal(logging.map((c) => /region (\S+)/.exec(c.data['output.conf']!)![1]), ['eu-west-1', 'us-east-1']);
  assert.match(logging[1]!.data['output.conf']!, /log_group_name \/aws\/eks\/delivery-us\/fargate\n/);
  assert.match(r.stdout, /^# EKS cluster delivery-us \(us-east-1\): apply this part with its context$/m);
  assert.match(r.stdout, /^#   aws eks create-fargate-profile --region us-east-1 --pod-execution-role-arn "\$POD_EXECUTION_ROLE_ARN" --cli-input-json '\{"clusterName":"delivery-us","fargateProfileName":"shop","selectors":\[\{"namespace":"shop-blue"\}\]/m);
  const json = await cli(['cluster', 'bootstrap', '--manifests', '--json']);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.clusters.map((c: { cluster: string; objects: unknown[] }) => [c.cluster, c.objects.length]), [['delivery', 13], ['delivery-us', 7]]);
  assert.equal(parsed.clusters.flatMap((c: { objects: unknown[] }) => c.objects), docs);
  assert.equal(parsed.clusters[0].fargateProfiles.map((p: { name: string }) => p.name), ['shop']);
  const both = await cli(['cluster', 'bootstrap', '--manifests', '--dry-run']);
  assert.is(both.status, 2, both.stderr);
});

test('the deployer Role\'s rules for the overlay: only its kinds, without delete, secrets, pods or wildcards', () => {
  const m = modelOf(CONFIG);
  const [develop, green] = m.environments;
  const rules = deployerRules(green!);
  assert.equal(rules, [
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'create', 'patch'] },
    { apiGroups: [''], resources: ['services'], verbs: ['get', 'create', 'patch'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'create', 'patch'] },
  ]);
  // develop has no ingress, so its Role has no ingress rule
  assert.not.ok(deployerRules(develop!).some((r) => r.resources.includes('ingresses')));
  // An autoscaler and a disruption budget only where the environment has them (blue: 2 replicas, so a budget).
  const scaled = modelOf(CONFIG.replace('    production: true\n', '    production: true\n    scaling: { minReplicas: 2, maxReplicas: 6 }\n')).environments[2]!;
  assert.equal(overlayKinds(scaled), ['ServiceAccount', 'Service', 'Deployment', 'Ingress', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']);
  assert.equal(deployerRules(scaled).slice(-2), [
    { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'create', 'patch'] },
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'create', 'patch'] },
  ]);
  assert.not.ok(overlayKinds(green!).includes('HorizontalPodAutoscaler') || overlayKinds(green!).includes('PodDisruptionBudget'));
  for (const r of [...rules, ...deployerRules(scaled)]) {
    assert.not.ok(r.verbs.some((v) => ['delete', 'deletecollection', 'update', 'escalate', 'bind', 'impersonate', '*'].includes(v)), JSON.stringify(r));
    assert.not.ok(r.resources.some((x) => ['secrets', 'pods', 'pods/exec', 'configmaps', '*'].includes(x)), JSON.stringify(r));
  }
});

test('after the rollout: the post-install Job (delete only that one) and the smoke check (pods, logs, exec), nothing else', () => {
  const rules = postDeployRules('shop');
  assert.equal(rules, [
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create'] },
    { apiGroups: ['batch'], resources: ['jobs'], resourceNames: ['shop-post-inst'], verbs: ['delete'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
  ]);
  // delete is only ever on the Job pipewrightPostInst replaces
  assert.equal(rules.filter((r) => r.verbs.includes('delete')).map((r) => [r.resources, r.resourceNames]), [[['jobs'], ['shop-post-inst']]]);
  for (const r of rules) {
    assert.not.ok(r.verbs.some((v) => ['deletecollection', 'update', 'patch', 'escalate', 'bind', 'impersonate', '*'].includes(v)), JSON.stringify(r));
    assert.not.ok(r.resources.some((x) => ['secrets', 'configmaps', 'pods/attach', 'pods/portforward', '*'].includes(x)), JSON.stringify(r));
  }
  // every environment's Role has them, after the overlay's
  const m = modelOf(CONFIG);
  for (const o of bootstrapObjects(m).filter((d) => d.object.kind === 'Role')) {
    const env = m.environments.find((e) => e.namespace === o.object.metadata.namespace)!;
    assert.equal(o.object.rules, [...deployerRules(env), ...postDeployRules(m.app)]);
  }
});

test('the Role covers exactly the kinds the generated overlays apply (kubectl kustomize)', async () => {
  if (!hasKubectl) return;
  const t = tempDir();
  try {
    // green autoscaled (an HPA, and a disruption budget from 2 pods up), blue with a budget, develop with neither and no Ingress.
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), CONFIG.replace('    branch: staging\n', '    branch: staging\n    scaling: { minReplicas: 2, maxReplicas: 4 }\n'));
    await generate({ cwd: t.dir }, { out: () => {}, err: () => {}, color: false });
    const { model } = await loadProject({ cwd: t.dir });
    assert.ok(model.environments[1]!.scaling && model.environments[1]!.disruptionBudget && !model.environments[0]!.disruptionBudget);
    const resourceOf: Record<string, string> = {
      ServiceAccount: 'serviceaccounts',
      Service: 'services',
      Deployment: 'deployments',
      Ingress: 'ingresses',
      HorizontalPodAutoscaler: 'horizontalpodautoscalers',
      PodDisruptionBudget: 'poddisruptionbudgets',
    };
    for (const env of model.environments) {
      const res = spawnSync('kubectl', ['kustomize', path.join(t.dir, overlayDir(env))], { encoding: 'utf8' });
      assert.is(res.status, 0, res.stderr);
      const kinds = [...new Set((yaml.loadAll(res.stdout) as { kind: string }[]).map((o) => o.kind))].sort();
      assert.equal(kinds, overlayKinds(env).sort(), env.name);
      const allowed = deployerRules(env).filter((r) => r.verbs.includes('create') || r.verbs.includes('patch')).flatMap((r) => r.resources);
      assert.equal(allowed.sort(), kinds.map((k) => resourceOf[k]!).sort(), env.name);
    }
  } finally {
    t.cleanup();
  }
});

test('Fargate profiles: one per cluster, split every 5 namespaces; access entries name the group', () => {
  const envs = Array.from({ length: 7 }, (_, i) => `  - { name: e${i}, branch: b${i} }`).join('\n');
  const m = modelOf(`app: shop\naws: { accountId: "123456789012", region: eu-west-1 }\nenvironments:\n${envs}\n`);
  const profiles = fargateProfiles(m);
  assert.equal(profiles.map((p) => [p.cluster, p.input.fargateProfileName, p.namespaces.length]), [
    ['main', 'shop-1', 5],
    ['main', 'shop-2', 2],
  ]);
  assert.equal(profiles[1]!.input.selectors, [{ namespace: 'shop-e5' }, { namespace: 'shop-e6' }]);
  assert.match(profiles[0]!.command, /^aws eks create-fargate-profile --region eu-west-1 --pod-execution-role-arn "\$POD_EXECUTION_ROLE_ARN" --cli-input-json '\{"clusterName":"main"/);
  // The quoted JSON reads back as the input
  const json = /--cli-input-json '(.*)'$/.exec(profiles[0]!.command)![1]!;
  assert.equal(JSON.parse(json), profiles[0]!.input);

  const two = modelOf(CONFIG);
  assert.equal(fargateProfiles(two).map((p) => [p.cluster, p.region, p.namespaces]), [
    ['delivery', 'eu-west-1', ['shop-develop', 'shop-green', 'shop-blue']],
    ['delivery-us', 'us-east-1', ['shop-blue']],
  ]);
  assert.equal(accessEntries(two).map((a) => a.command), [
    'aws eks create-access-entry --region eu-west-1 --cluster-name delivery --principal-arn "$JENKINS_ROLE_ARN" --kubernetes-groups pipewright-deployers',
    'aws eks create-access-entry --region us-east-1 --cluster-name delivery-us --principal-arn "$JENKINS_ROLE_ARN" --kubernetes-groups pipewright-deployers',
  ]);
});

test('status helpers: the environment tag first, then a git- tag; kubectl-style ages', () => {
  assert.is(pickTag(['latest', 'git-abc', 'develop-abc'], 'develop'), 'develop-abc');
  assert.is(pickTag(['latest', 'git-abc', 'staging-abc'], 'develop'), 'git-abc');
  assert.is(pickTag([], 'develop'), null);
  assert.equal([45e3, 3 * 60e3 + 5e3, 2 * 3600e3, 5 * 86400e3].map(formatAge), ['45s', '3m', '2h', '5d']);
});

// ---------------------------------------------------------------- bootstrap against the stand-in

test('kube stand-in: bootstrap creates the namespaces, the deployer ServiceAccount, Roles and RoleBindings', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  const r = await bootstrap();
  assert.is(r.status, 0, r.stderr);
  // Only reads and creates, in order: the deployer first, each namespace before what lives in it.
  assert.equal(
    standin.writes().map((w) => `${w.method} ${w.path} ${w.status}`),
    [
      'POST /api/v1/namespaces 201',
      'POST /api/v1/namespaces/jenkins/serviceaccounts 201',
      ...['develop', 'green', 'blue'].flatMap((e) => [
        'POST /api/v1/namespaces 201',
        `POST /apis/rbac.authorization.k8s.io/v1/namespaces/shop-${e}/roles 201`,
        `POST /apis/rbac.authorization.k8s.io/v1/namespaces/shop-${e}/rolebindings 201`,
      ]),
    ],
  );
  const blue = standin.get('Namespace', 'shop-blue')!;
  assert.equal(blue.metadata.labels, {
    'app.kubernetes.io/part-of': 'shop',
    'app.kubernetes.io/managed-by': 'pipewright',
    'app.kubernetes.io/instance': 'shop-blue',
    'pipewright.dev/environment': 'blue',
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
    'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled',
    'pipewright.dev/production': 'true',
    'kubernetes.io/metadata.name': 'shop-blue',
  });
  assert.not.ok('pipewright.dev/production' in standin.get('Namespace', 'shop-green')!.metadata.labels!);
  assert.ok(standin.get('ServiceAccount', 'pipewright-deployer', 'jenkins'));

  const role = standin.get('Role', 'pipewright-deployer', 'shop-develop')! as unknown as { rules: { resources: string[]; verbs: string[] }[] };
  assert.equal(role.rules.slice(0, 4).map((x) => [x.resources.join(','), x.verbs]), [
    ['serviceaccounts', ['get', 'create', 'patch']],
    ['services', ['get', 'create', 'patch']],
    ['deployments', ['get', 'list', 'watch', 'create', 'patch']],
    ['replicasets', ['list']],
  ]);
  assert.equal(role.rules.slice(4), postDeployRules('shop'));
  assert.ok((standin.get('Role', 'pipewright-deployer', 'shop-green') as any).rules.some((x: { resources: string[] }) => x.resources.includes('ingresses')));

  const binding = standin.get('RoleBinding', 'pipewright-deployer', 'shop-green') as any;
  assert.equal(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pipewright-deployer' });
  assert.equal(binding.subjects, [
    { kind: 'ServiceAccount', name: 'pipewright-deployer', namespace: 'jenkins' },
    { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'pipewright-deployers' },
  ]);
  assert.match(r.stdout, /created\s+Role shop-develop\/pipewright-deployer/);
  assert.match(r.stdout, /11 created/);
  assert.match(r.stdout, /aws eks create-fargate-profile --region us-east-1 .*"clusterName":"delivery-us".*"selectors":\[\{"namespace":"shop-blue"\}\]/);
  assert.match(r.stdout, /aws eks create-access-entry --region eu-west-1 --cluster-name delivery .*--kubernetes-groups pipewright-deployers/);
  assert.match(r.stderr, /names no EKS cluster/);
  // No EKS cluster named: no AWS call, no logging ConfigMap (its region and log group are the cluster's); the profiles are printed.
  assert.equal(standin.all('ConfigMap'), []);
  assert.match(r.stdout, /this context names no EKS cluster, so none was created/);
  // The deployer ServiceAccount has no IRSA annotation unless cluster.deployer.roleArn is set.
  assert.is(standin.get('ServiceAccount', 'pipewright-deployer', 'jenkins')!.metadata.annotations, undefined);
});

test('kube stand-in: a second bootstrap changes nothing and writes nothing', async () => {
  if (!hasOpenssl) return;
  standin.log.length = 0;
  const r = await bootstrap();
  assert.is(r.status, 0, r.stderr);
  assert.equal(standin.writes(), []);
  assert.is(standin.log.length, 11);
  assert.match(r.stdout, /nothing changed: all 11 objects are as wanted/);
  assert.not.match(r.stdout, /^(created|updated|replaced)/m);
});

test('kube stand-in: drifted objects are converged; foreign labels are kept', async () => {
  if (!hasOpenssl) return;
  const ns = standin.get('Namespace', 'shop-green')!;
  standin.put({ ...ns, kind: 'Namespace', metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, 'pipewright.dev/environment': 'blue', 'pipewright.dev/production': 'true', team: 'payments' } } });
  const role = standin.get('Role', 'pipewright-deployer', 'shop-develop')! as any;
  standin.put({ ...role, rules: [...role.rules, { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] });
  const binding = standin.get('RoleBinding', 'pipewright-deployer', 'shop-blue')! as any;
  standin.put({ ...binding, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' } });
  const greenBinding = standin.get('RoleBinding', 'pipewright-deployer', 'shop-green')! as any;
  standin.put({ ...greenBinding, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'mallory' }] });
  standin.log.length = 0;

  const r = await bootstrap();
  assert.is(r.status, 0, r.stderr);
  assert.equal(
    standin.writes().map((w) => `${w.method} ${w.path}`),
    [
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/shop-develop/roles/pipewright-deployer',
      'PATCH /api/v1/namespaces/shop-green',
      'PATCH /apis/rbac.authorization.k8s.io/v1/namespaces/shop-green/rolebindings/pipewright-deployer',
      'DELETE /apis/rbac.authorization.k8s.io/v1/namespaces/shop-blue/rolebindings/pipewright-deployer',
      'POST /apis/rbac.authorization.k8s.io/v1/namespaces/shop-blue/rolebindings',
    ],
  );
  const nsPatch = standin.writes()[1]!;
  assert.is(nsPatch.contentType, 'application/merge-patch+json');
  assert.equal(nsPatch.body, { metadata: { labels: { 'pipewright.dev/environment': 'green', 'pipewright.dev/production': null } } });
  const labels = standin.get('Namespace', 'shop-green')!.metadata.labels!;
  assert.is(labels['pipewright.dev/environment'], 'green');
  assert.not.ok('pipewright.dev/production' in labels);
  assert.is(labels.team, 'payments');
  assert.not.ok(JSON.stringify(standin.get('Role', 'pipewright-deployer', 'shop-develop')).includes('secrets'));
  assert.equal((standin.get('RoleBinding', 'pipewright-deployer', 'shop-blue') as any).roleRef.kind, 'Role');
  assert.equal((standin.get('RoleBinding', 'pipewright-deployer', 'shop-green') as any).subjects.map((s: { name: string }) => s.name), ['pipewright-deployer', 'pipewright-deployers']);
  assert.match(r.stdout, /updated\s+Role shop-develop\/pipewright-deployer \(rules\)/);
  assert.match(r.stdout, /replaced\s+RoleBinding shop-blue\/pipewright-deployer \(roleRef differs/);

  standin.log.length = 0;
  assert.is((await bootstrap()).status, 0);
  assert.equal(standin.writes(), [], 'converged: the next run writes nothing');
});

test('kube stand-in: --dry-run reads, writes nothing, and says what it would do', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  standin.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'jenkins' } });
  const r = await bootstrap('--dry-run');
  assert.is(r.status, 0, r.stderr);
  assert.equal(standin.writes(), []);
  assert.equal(standin.all('Role'), []);
  assert.match(r.stdout, /^unchanged\s+Namespace jenkins$/m);
  assert.match(r.stdout, /^would create\s+RoleBinding shop-blue\/pipewright-deployer$/m);
  assert.match(r.stdout, /dry run, nothing changed: would have 10 created, 1 unchanged/);

  const j = await bootstrap('--dry-run', '--json');
  assert.is(j.status, 0, j.stderr);
  assert.equal(standin.writes(), []);
  const out = JSON.parse(j.stdout);
  assert.is(out.dryRun, true);
  assert.is(out.context, 'standin');
  assert.equal(out.environments, ['develop', 'green', 'blue']);
  assert.equal(out.changes.map((c: { action: string }) => c.action), ['unchanged', ...Array(10).fill('create')]);
  assert.is(out.changes[3].object.kind, 'Role');
  assert.equal(out.fargateProfiles.map((p: { cluster: string; action: string }) => [p.cluster, p.action]), [['delivery', 'not contacted'], ['delivery-us', 'not contacted']]);
  assert.ok(out.fargateProfiles.every((p: { input: { selectors: unknown[] } }) => p.input.selectors.length <= 5));
  assert.is(out.accessEntries.length, 2);
});

test('kube stand-in: a 409 race on create is re-read and converged', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  // Another client creates the Role between our GET (404) and our POST, with no rules.
  standin.raceOnCreate({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pipewright-deployer', namespace: 'shop-green' }, rules: [] });
  const r = await bootstrap();
  assert.is(r.status, 0, r.stderr);
  const roleCalls = standin.log.filter((l) => l.path.startsWith('/apis/rbac.authorization.k8s.io/v1/namespaces/shop-green/roles'));
  assert.equal(roleCalls.map((l) => `${l.method} ${l.status}`), ['GET 404', 'POST 409', 'GET 200', 'PATCH 200']);
  assert.equal((standin.get('Role', 'pipewright-deployer', 'shop-green') as any).rules, [...deployerRules(modelOf(CONFIG).environments[1]!), ...postDeployRules('shop')]);
  assert.match(r.stdout, /updated\s+Role shop-green\/pipewright-deployer \(label .*rules\)/);
});

test('kube stand-in: 403 Forbidden names the verb, resource and namespace, then what was done before it and what was not', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  standin.forbid({ verb: 'create', resource: 'roles', namespace: 'shop-develop' });
  const r = await bootstrap();
  assert.is(r.status, 1, r.stderr);
  const [first, ...progress] = r.stderr.trim().split('\n');
  assertOneLineFailure({ ...r, stderr: `${first}\n` }, 'forbidden', `"${standin.user}" may not create roles.rbac.authorization.k8s.io in namespace "shop-develop"`, 'cluster admin', 'context standin');
  assert.equal(progress, [
    'done before it stopped: created Namespace jenkins, created ServiceAccount jenkins/pipewright-deployer, created Namespace shop-develop',
    'not done: check Role shop-develop/pipewright-deployer, check RoleBinding shop-develop/pipewright-deployer, check Namespace shop-green, check Role shop-green/pipewright-deployer, ' +
      'check RoleBinding shop-green/pipewright-deployer, check Namespace shop-blue, check Role shop-blue/pipewright-deployer, check RoleBinding shop-blue/pipewright-deployer',
    'run pipewright cluster bootstrap again to finish: it starts from what is there',
  ]);
  // As reported: the namespace was created, the forbidden Role was not.
  assert.ok(standin.get('Namespace', 'shop-develop'));
  assert.is(standin.get('Role', 'pipewright-deployer', 'shop-develop'), undefined);
});

test('kube stand-in: bad credentials (401) say to refresh them, without printing the token', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  const bad = standin.kubeconfig(path.join(work.dir, 'kubeconfig-401'), { token: 'expired-token-0123456789' });
  const r = await cli(['cluster', 'bootstrap', '--kubeconfig', bad]);
  assertOneLineFailure(r, '401 Unauthorized', 'aws eks update-kubeconfig', 'standin-user');
  assert.not.ok(r.stderr.includes('expired-token-0123456789'));
});

test('an unreachable API server is one line naming the server', async () => {
  if (!hasOpenssl) return;
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dead = standin.kubeconfig(path.join(work.dir, 'kubeconfig-dead'), { server: `https://127.0.0.1:${port}` });
  const r = await cli(['cluster', 'bootstrap', '--kubeconfig', dead]);
  assertOneLineFailure(r, 'connection refused', `https://127.0.0.1:${port}`);
  const s = await cli(['status', '--kubeconfig', dead]);
  assertOneLineFailure(s, 'connection refused');
});

test('kube stand-in: a failing credential plugin (aws eks get-token) is one line about the credentials', async () => {
  if (!hasOpenssl) return;
  const file = standin.kubeconfig(path.join(work.dir, 'kubeconfig-exec'));
  const text = readFileSync(file, 'utf8').replace(
    /^ {6}token: .*$/m,
    [
      '      exec:',
      '        apiVersion: client.authentication.k8s.io/v1beta1',
      '        command: sh',
      '        args: ["-c", "echo \'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation\' >&2; exit 254"]',
    ].join('\n'),
  );
  writeFileSync(file, text);
  const r = await cli(['cluster', 'bootstrap', '--kubeconfig', file]);
  assertOneLineFailure(r, 'could not get credentials', 'ExpiredToken', 'aws eks update-kubeconfig');
  writeFileSync(file, text.replace('command: sh', 'command: pipewright-no-such-plugin'));
  const missing = await cli(['status', '--kubeconfig', file]);
  assertOneLineFailure(missing, 'credential plugin "pipewright-no-such-plugin"', 'not installed');
});

test('kube stand-in: a server that never answers fails after the time limit, in one line', async () => {
  if (!hasOpenssl) return;
  const silent = https.createServer({ key: readFileSync(path.join(work.dir, 'standin-key.pem')), cert: readFileSync(path.join(work.dir, 'standin-cert.pem')) }, () => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const server = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const file = standin.kubeconfig(path.join(work.dir, 'kubeconfig-silent'), { server });
    const kube = await openKube({ cwd: work.dir, kubeconfig: file, timeoutSeconds: 1 });
    const err = await readDeployment(kube, 'shop-develop', 'shop').then(
      () => null,
      (e: unknown) => e,
    );
    assert.instance(err, KubeError);
    assert.is((err as KubeError).status, null);
    assert.match((err as KubeError).message, new RegExp(`^context standin \\(${server}\\): get deployments.apps "shop" in namespace "shop-develop": no answer from ${server} within 1s \\(--timeout\\); [^\\n]+$`));
    assert.ok((err as KubeError).noAnswer);
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

test('kube stand-in: readDeployment gives the DeployedState, and null for a missing Deployment or namespace', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  deploy('shop-green', { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST_B}`, replicas: 3, ready: 2, revision: 4, rolledOutAgo: 90e3 });
  const kube = await openKube({ cwd: work.dir, kubeconfig });
  const state = await readDeployment(kube, 'shop-green', 'shop');
  const rs = standin.all('ReplicaSet').find((x) => x.metadata.annotations!['deployment.kubernetes.io/revision'] === '4')!;
  assert.equal(state, {
    image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST_B}`,
    digest: DIGEST_B,
    ready: 2,
    desired: 3,
    updated: 2,
    rolloutAt: new Date(rs.metadata.creationTimestamp as string).toISOString(),
  });
  assert.is(await readDeployment(kube, 'shop-green', 'other'), null);
  assert.is(await readDeployment(kube, 'shop-nowhere', 'shop'), null);
});

test('no kubeconfig, or an unknown context: a usage error that says what to do', async () => {
  if (!hasOpenssl) return;
  const none = await cli(['cluster', 'bootstrap']);
  assertOneLineFailure(none, 'no kubeconfig', 'aws eks update-kubeconfig', '--kubeconfig');
  assert.is(none.status, 2);
  const missing = await cli(['status', '--kubeconfig', path.join(work.dir, 'nope')]);
  assertOneLineFailure(missing, 'no such file');
  const ctx = await cli(['cluster', 'bootstrap', '--kubeconfig', kubeconfig, '--context', 'prod']);
  assertOneLineFailure(ctx, '--context prod: no such context', '(contexts: standin)');
  assert.is(ctx.status, 2);
  const env = await cli(['cluster', 'bootstrap'], { KUBECONFIG: kubeconfig });
  assert.is(env.status, 0, env.stderr);
});

test('kube stand-in: a context named by an EKS ARN of a cluster no environment deploys to is refused before anything is read', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  // (A context of a cluster the environments do deploy to: test/cluster-eks.test.ts, against moto's EKS.)
  const eks = standin.kubeconfig(path.join(work.dir, 'kubeconfig-eks'), { context: 'arn:aws:eks:ap-south-1:123456789012:cluster/other' });
  const other = await cli(['cluster', 'bootstrap', '--kubeconfig', eks]);
  assertOneLineFailure(other, 'is EKS cluster other in ap-south-1', 'no environment');
  assert.is(other.status, 2);
  assert.equal(standin.log, []);
});

// ---------------------------------------------------------------- status against the stand-in

const DIGEST_A = `sha256:${'ab12'.repeat(16)}`;
const DIGEST_B = `sha256:${'cd34'.repeat(16)}`;
/** A Deployment `shop` with its ReplicaSets, as the controller leaves them. */
const deploy = (ns: string, opts: DeployFixture) => standin.deployApp('shop', ns, opts);

test('kube stand-in: status shows each environment: tag, digest, ready/desired, age; "not deployed" when missing', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  deploy('shop-develop', { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST_A}`, replicas: 2, ready: 2, revision: 3, rolledOutAgo: 3 * 3600e3 + 5e3 });
  deploy('shop-green', { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:staging-0123abc', replicas: 2, ready: 1, revision: 1, rolledOutAgo: 4 * 60e3 });
  standin.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop-blue' } }); // namespace, no Deployment

  const r = await cli(['status', '--kubeconfig', kubeconfig]);
  assert.is(r.status, 0, r.stderr);
  assert.equal(standin.writes(), []);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ENVIRONMENT\s+CLUSTER\s+NAMESPACE\s+TAG\s+DIGEST\s+READY\s+AGE$/);
  assert.match(lines[1]!, /^develop\s+delivery \(eu-west-1\)\s+shop-develop\s+-\s+sha256:ab12ab12ab12\s+2\/2\s+3h$/);
  assert.match(lines[2]!, /^green\s+delivery \(eu-west-1\)\s+shop-green\s+staging-0123abc\s+-\s+1\/2\s+4m$/);
  assert.match(lines[3]!, /^blue\s+delivery \(eu-west-1\)\s+shop-blue\s+-\s+-\s+not deployed\s+-$/);
  assert.match(lines[4]!, /^blue\s+delivery-us \(us-east-1\)\s+shop-blue\s+-\s+-\s+not deployed\s+-$/);
  assert.is(lines.length, 5);
  // No EKS contexts in this kubeconfig: every cluster was read through the current one, and it says so.
  assert.match(r.stderr, /has no context for EKS clusters delivery \(eu-west-1\), delivery-us \(us-east-1\): read through the current context standin/);

  const j = await cli(['status', '--kubeconfig', kubeconfig, '--json']);
  assert.is(j.status, 0, j.stderr);
  const rows = JSON.parse(j.stdout);
  assert.is(rows.length, 4);
  const develop = rows[0];
  assert.is(develop.digest, DIGEST_A);
  assert.equal([develop.ready, develop.desired, develop.deployed, develop.tag], [2, 2, true, null]);
  const rs = standin.all('ReplicaSet').find((x) => x.metadata.namespace === 'shop-develop' && x.metadata.annotations!['deployment.kubernetes.io/revision'] === '3')!;
  assert.is(develop.rolloutAt, new Date(rs.metadata.creationTimestamp as string).toISOString());
  assert.equal([rows[2].deployed, rows[2].digest, rows[2].ready], [false, null, null]);
  // Reads only: the Deployment, then its ReplicaSets by the Deployment's selector.
  const rsList = standin.log.find((l) => l.path === '/apis/apps/v1/namespaces/shop-develop/replicasets')!;
  assert.is(rsList.query.labelSelector, 'app.kubernetes.io/component=web,app.kubernetes.io/name=shop');
});

test('kube stand-in: status takes the tag from a tagsOf(digest) lookup (ECR), preferring the environment\'s own tag', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  deploy('shop-develop', { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST_A}`, replicas: 1, ready: 1, revision: 1, rolledOutAgo: 5 * 86400e3 + 1e3 });
  deploy('shop-green', { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST_B}`, replicas: 1, ready: 1, revision: 2, rolledOutAgo: 2 * 3600e3 });
  const asked: string[] = [];
  const tagsOf = async (digest: string) => {
    asked.push(digest);
    return digest === DIGEST_A ? ['git-4b825dc', 'develop-4b825dc', 'staging-4b825dc'] : ['git-99aa00', 'develop-99aa00'];
  };
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), color: false };
  const code = await status({ cwd: app, kubeconfig }, io, { tagsOf });
  assert.is(code, 0, err);
  assert.match(out, /^develop\s+.*\s+develop-4b825dc\s+sha256:ab12ab12ab12\s+1\/1\s+5d$/m);
  assert.match(out, /^green\s+.*\s+git-99aa00\s+sha256:cd34cd34cd34\s+1\/1\s+2h$/m);
  assert.equal(asked.sort(), [DIGEST_A, DIGEST_B]);
});

test('kube stand-in: status marks a forbidden environment and exits 1; the others still show', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  deploy('shop-develop', { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST_A}`, replicas: 1, ready: 1, revision: 1, rolledOutAgo: 60e3 });
  standin.forbid({ verb: 'get', resource: 'deployments', namespace: 'shop-blue' });
  const r = await cli(['status', '--kubeconfig', kubeconfig, '--context', 'standin']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, /^develop\s+.*1\/1\s+1m$/m);
  assert.match(r.stdout, /^blue\s+.*\berror\b/m);
  assert.match(r.stderr, /blue: context standin .*forbidden: "jane@example.com" may not get deployments.apps in namespace "shop-blue"/);
  assert.match(r.stderr, /every cluster is read through context standin/);
  assert.not.ok(r.stderr.includes(standin.token));
});

test('kube stand-in: status reads each cluster through its own EKS context', async () => {
  if (!hasOpenssl) return;
  const us = new KubeStandin();
  const t = tempDir();
  try {
    await us.start(t.dir);
    standin.reset();
    deploy('shop-develop', { image: `x/shop@${DIGEST_A}`, replicas: 1, ready: 1, revision: 1, rolledOutAgo: 60e3 });
    deploy('shop-blue', { image: `x/shop@${DIGEST_A}`, replicas: 3, ready: 3, revision: 1, rolledOutAgo: 60e3 });
    us.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop-blue' } });
    // Two clusters, two stand-ins: one kubeconfig with a context per EKS cluster, as update-kubeconfig writes it.
    const euFile = standin.kubeconfig(path.join(t.dir, 'eu'), { context: 'arn:aws:eks:eu-west-1:123456789012:cluster/delivery' });
    const both = mergedKubeconfig(path.join(t.dir, 'both'), [
      { standin, context: 'arn:aws:eks:eu-west-1:123456789012:cluster/delivery' },
      { standin: us, context: 'arn:aws:eks:us-east-1:123456789012:cluster/delivery-us' },
    ]);
    const r = await cli(['status', '--kubeconfig', both, '--json']);
    assert.is(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { environment: string; cluster: string; context: string; deployed: boolean; ready: number | null }[];
    assert.equal(rows.map((x) => [x.environment, x.cluster, x.context.split('/')[1], x.deployed, x.ready]), [
      ['develop', 'delivery', 'delivery', true, 1],
      ['green', 'delivery', 'delivery', false, null],
      ['blue', 'delivery', 'delivery', true, 3],
      ['blue', 'delivery-us', 'delivery-us', false, null],
    ]);
    assert.ok(us.log.some((l) => l.path === '/apis/apps/v1/namespaces/shop-blue/deployments/shop'));
    assert.not.ok(us.log.some((l) => l.path.includes('shop-develop')));
    // No ECR here (test/status-promote.test.ts has one): the TAG lookup warns, once per digest, and nothing else is said.
    assert.equal(r.stderr.trim().split('\n').map((l) => l.replace(/:.*/s, '')), ['warning']);
    assert.match(r.stderr, /could not look up the tags of sha256:[0-9a-f]{64}: no AWS credentials found/);

    // Only the eu cluster's context: the us row says what to run rather than showing the eu cluster's state.
    const only = await cli(['status', '--kubeconfig', euFile, '--json']);
    assert.is(only.status, 1, only.stderr);
    const onlyRows = JSON.parse(only.stdout) as { cluster: string; context: string | null; error?: string; deployed: boolean }[];
    assert.equal(onlyRows.map((x) => [x.cluster, x.deployed, x.context === null]), [
      ['delivery', true, false],
      ['delivery', false, false],
      ['delivery', true, false],
      ['delivery-us', false, true],
    ]);
    assert.match(onlyRows[3]!.error!, /no context for EKS cluster delivery-us \(us-east-1\); add one with `aws eks update-kubeconfig --name delivery-us --region us-east-1`/);
    assert.match(only.stderr, /^blue: .*update-kubeconfig/m);
  } finally {
    await us.close();
    t.cleanup();
  }
});

test.run();
