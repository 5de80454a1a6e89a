// Opt-in end-to-end test of `cluster bootstrap` and `status` against a REAL cluster (e.g. kind).
// A kind context names no EKS cluster: no Fargate profile or logging object is made, only printed.
// Runs only when PIPEWRIGHT_E2E_KUBECONFIG names a kubeconfig (PIPEWRIGHT_E2E_CONTEXT optionally
// picks its context): `npm test` never touches a developer's KUBECONFIG. It works in namespaces
// named after a random app (pwe2e-<hex>-…) and deletes them afterwards.
//
// Besides bootstrapping twice, it proves the Role is enough for the pipeline and no more: as the
// deployer ServiceAccount (kubectl --as) it runs what pipewrightDeploy runs — kubectl apply -k of
// the generated overlay pinned by digest, rollout status, rollout undo, and what pipewrightPostInst
// runs for the post-install Job — and checks with `kubectl auth can-i` that the deployer group may
// not delete (but the post-install Job), read secrets or create namespaces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run as generate } from '../src/commands/generate.js';
import { loadProject } from '../src/commands/common.js';
import { openKube, type Kube } from '../src/k8s/client.js';
import { readDeployment } from '../src/k8s/deployments.js';
import { RELEASE_PATCH, deployDir, deployKustomization, postInstKustomization, releasePatch } from '../src/render/kubernetes/kustomize.js';
import { engineAvailable, runCli, tempDir } from './helpers.js';

const KUBECONFIG = process.env.PIPEWRIGHT_E2E_KUBECONFIG ?? '';
const CONTEXT = process.env.PIPEWRIGHT_E2E_CONTEXT;

if (!KUBECONFIG) {
  // Not a test (it would assert nothing): a note, and no test is counted.
  console.log(
    '  ! not running the cluster e2e test: set PIPEWRIGHT_E2E_KUBECONFIG=<kubeconfig of a disposable cluster, e.g. kind> to run it ' +
      '(PIPEWRIGHT_E2E_CONTEXT picks a context); it never reads KUBECONFIG',
  );
} else {
  const hasKubectl = engineAvailable('kubectl', ['version', '--client']);
  const id = randomBytes(3).toString('hex');
  const app = `pwe2e-${id}`;
  const deployerNs = `${app}-ci`;
  const sa = 'pipewright-deployer';
  const group = `${app}-deployers`;
  const asSa = `system:serviceaccount:${deployerNs}:${sa}`;
  const work = tempDir('pipewright-e2e-');
  const dir = path.join(work.dir, 'app');
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, 'pipewright.yaml'),
    [
      `app: ${app}`,
      'aws: { accountId: "123456789012", region: eu-west-1 }',
      `cluster: { deployer: { namespace: ${deployerNs}, serviceAccount: ${sa}, group: ${group} } }`,
      'environments:',
      '  - { name: develop, branch: develop, ingress: { enabled: false } }',
      '  - { name: blue, branch: master, production: true, replicas: 1 }',
      '',
    ].join('\n'),
  );
  const namespaces = [`${app}-develop`, `${app}-blue`, deployerNs];
  const kubeArgs = ['--kubeconfig', KUBECONFIG, ...(CONTEXT ? ['--context', CONTEXT] : [])];
  let kube: Kube;

  const pw = (...args: string[]) => runCli(['-C', dir, ...args, ...kubeArgs]);
  const kubectl = (...args: string[]) => spawnSync('kubectl', [...kubeArgs, ...args], { encoding: 'utf8', cwd: dir });

  test.before(async () => {
    kube = await openKube({ cwd: dir, kubeconfig: KUBECONFIG, ...(CONTEXT && { context: CONTEXT }) });
  });

  test.after(async () => {
    for (const name of namespaces) {
      await kube?.core.deleteNamespace({ name }).catch(() => undefined);
    }
    work.cleanup();
  });

  test('e2e: bootstrap creates the namespaces and the deployer RBAC', async () => {
    const r = pw('cluster', 'bootstrap');
    assert.is(r.status, 0, r.stderr);
    for (const name of namespaces) {
      const ns = await kube.core.readNamespace({ name });
      assert.is(ns.metadata?.name, name);
    }
    const blue = await kube.core.readNamespace({ name: `${app}-blue` });
    assert.is(blue.metadata?.labels?.['pipewright.dev/environment'], 'blue');
    assert.is(blue.metadata?.labels?.['pipewright.dev/production'], 'true');
    assert.is(blue.metadata?.labels?.['elbv2.k8s.aws/pod-readiness-gate-inject'], 'enabled');
    const role = await kube.rbac.readNamespacedRole({ name: 'pipewright-deployer', namespace: `${app}-develop` });
    assert.not.ok(JSON.stringify(role.rules).includes('ingresses'), 'develop has no ingress');
    const binding = await kube.rbac.readNamespacedRoleBinding({ name: 'pipewright-deployer', namespace: `${app}-blue` });
    assert.equal(
      binding.subjects?.map((s) => `${s.kind}:${s.namespace ?? ''}:${s.name}`),
      [`ServiceAccount:${deployerNs}:${sa}`, `Group::${group}`],
    );
    await kube.core.readNamespacedServiceAccount({ name: sa, namespace: deployerNs });
  });

  test('e2e: a second bootstrap changes nothing', () => {
    const r = pw('cluster', 'bootstrap');
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /nothing changed: all 8 objects are as wanted/);
  });

  test('e2e: the deployer can apply, wait for and undo a rollout, and nothing more', async () => {
    if (!hasKubectl) return;
    await generate({ cwd: dir }, { out: () => {}, err: () => {}, color: false });
    const { model } = await loadProject({ cwd: dir });
    const env = model.environments[0]!;
    const wrapper = path.join(dir, deployDir(env, 'e2e'));
    mkdirSync(wrapper, { recursive: true });
    const digests = [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`];
    for (const digest of digests) {
      writeFileSync(path.join(wrapper, 'kustomization.yaml'), deployKustomization(model, env, digest));
      const record = { digest, tree: 'c'.repeat(40), commit: '', release: '', deployedAt: new Date().toISOString(), approver: '', build: 'e2e', reason: 'pipeline' };
      writeFileSync(path.join(wrapper, RELEASE_PATCH), releasePatch(model, record));
      const apply = kubectl('apply', '-k', wrapper, `--as=${asSa}`);
      assert.is(apply.status, 0, `apply as the deployer: ${apply.stderr}`);
    }
    // The image cannot be pulled here, so the rollout does not finish: the pipeline's failure path.
    const wait = kubectl('rollout', 'status', `deployment/${app}`, '-n', env.namespace, '--timeout=5s', `--as=${asSa}`);
    assert.is.not(wait.status, 0);
    assert.not.match(wait.stderr, /forbidden/i, wait.stderr);
    // The namespace enforces Pod Security "restricted": the generated pods must still be admitted.
    let pods = 0;
    for (let i = 0; i < 30 && pods === 0; i++) {
      pods = (await kube.core.listNamespacedPod({ namespace: env.namespace })).items.length;
      if (pods === 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.ok(pods > 0, 'no pod was admitted in the restricted namespace');
    const undo = kubectl('rollout', 'undo', `deployment/${app}`, '-n', env.namespace, `--as=${asSa}`);
    assert.is(undo.status, 0, `undo as the deployer: ${undo.stderr}`);
    const state = await readDeployment(kube, env.namespace, app);
    assert.is(state?.digest, digests[0], 'rolled back to the first digest');

    const can = (...a: string[]) => kubectl('auth', 'can-i', ...a, '-n', env.namespace, '--as=e2e-jenkins', `--as-group=${group}`).stdout.trim();
    assert.is(can('patch', 'deployments'), 'yes');
    assert.is(can('patch', 'serviceaccounts'), 'yes'); // the overlay's app ServiceAccount (IRSA)
    assert.is(can('create', 'serviceaccounts', '--subresource=token'), 'no');
    assert.is(can('delete', 'deployments'), 'no');
    assert.is(can('get', 'secrets'), 'no');
    // the smoke check without a URL, and the post-install Job's logs
    assert.is(can('create', 'pods', '--subresource=exec'), 'yes');
    assert.is(can('get', 'pods', '--subresource=log'), 'yes');
    assert.is(can('delete', `jobs.batch/${app}-post-inst`), 'yes');
    assert.is(can('delete', 'jobs.batch/other'), 'no');
    assert.is(can('delete', 'pods'), 'no');
    assert.is(can('create', 'namespaces'), 'no');
    assert.is(can('patch', `namespaces/${env.namespace}`), 'no'); // bootstrap owns the namespace and its Pod Security labels
    assert.is(can('update', 'roles.rbac.authorization.k8s.io'), 'no');

    // pipewrightPostInst, as the deployer: replace the Job, apply it pinned by digest, wait, read its logs.
    const post = path.join(dir, '.pipewright/post-inst', `${env.name}-e2e`);
    mkdirSync(post, { recursive: true });
    writeFileSync(path.join(post, 'kustomization.yaml'), postInstKustomization(model, env, digests[0]!));
    for (let i = 0; i < 2; i++) {
      const del = kubectl('delete', 'job', `${app}-post-inst`, '-n', env.namespace, '--ignore-not-found', `--as=${asSa}`);
      assert.is(del.status, 0, `delete as the deployer: ${del.stderr}`);
      const apply = kubectl('apply', '-k', post, `--as=${asSa}`);
      assert.is(apply.status, 0, `apply the Job as the deployer: ${apply.stderr}`);
    }
    // The image cannot be pulled here: the wait times out, but is allowed.
    const waited = kubectl('wait', '--for=condition=complete', `job/${app}-post-inst`, '-n', env.namespace, '--timeout=2s', `--as=${asSa}`);
    assert.not.match(waited.stderr, /forbidden/i, waited.stderr);
    const logs = kubectl('logs', `job/${app}-post-inst`, '-n', env.namespace, '--all-containers', '--pod-running-timeout=2s', `--as=${asSa}`);
    assert.not.match(logs.stderr, /forbidden/i, logs.stderr);
  });

  test('e2e: status shows the deployed environment and "not deployed" for the other', () => {
    const r = pw('status', '--json');
    assert.is(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { environment: string; deployed: boolean; digest: string | null; desired: number | null }[];
    assert.equal(rows.map((x) => [x.environment, x.deployed]), [['develop', hasKubectl], ['blue', false]]);
    if (hasKubectl) assert.is(rows[0]!.digest, `sha256:${'a'.repeat(64)}`);
    const text = pw('status');
    assert.is(text.status, 0, text.stderr);
    assert.match(text.stdout, /^blue\s+\S+\s+-\s+-\s+not deployed/m);
  });
}

test.run();
