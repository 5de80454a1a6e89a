// The generated Jenkinsfile and shared library, *executed* in Groovy 2.4.21 by the harness, for
// every kind of build. Each case asserts the stage order and the exact command sequence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';
import { writePipeline } from '../src/plan/workspace.js';
import { loadTemplates } from '../src/templates.js';
import { runPipelines, type RunResult } from '../src/harness.js';
import { scenarioFor, SAMPLE_DIGEST, SAMPLE_TREE, type PipelineCase } from '../src/plan/scenario.js';
import { plannedCommands } from '../src/plan/commands.js';
import { engineAvailable, fromRoot, tempDir } from './helpers.js';

const hasGroovy = engineAvailable('groovy');
const { model } = await loadConfig({ cwd: fromRoot('examples/hello-flask') });
const work = tempDir('pipewright-pipeline-');

/** Render a model's Jenkinsfile and library into a fresh folder; returns the harness paths. */
function renderTo(m: Model, name: string) {
  return writePipeline(m, loadTemplates({ groups: ['vars-templates'], configFile: m.configFile }), path.join(work.dir, name));
}

const paths = renderTo(model, 'example');
const run = (cases: PipelineCase[], p = paths, m = model) => runPipelines(cases.map((c) => scenarioFor(m, p, c)));

const ran = (r: RunResult) => r.stages.filter((s) => s.status === 'ran' || s.status === 'failed').map((s) => s.path);
const sh = (r: RunResult) => plannedCommands(r).filter((c) => c.step === 'sh').map((c) => c.text);
const steps = (r: RunResult, name: string) => r.steps.filter((s) => s.step === name);

const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-flask';
const ECR = '--region eu-west-1 --repository-name hello-flask';
const imageCommands = (prefix: string, build: boolean) => [
  'git rev-parse "HEAD^{tree}"',
  `aws ecr describe-images ${ECR} --image-ids "imageTag=git-${SAMPLE_TREE}" > /dev/null 2>&1`,
  ...(build
    ? [
        'aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        `docker build --pull --tag ${REPO}:git-${SAMPLE_TREE} .`,
        `docker push ${REPO}:git-${SAMPLE_TREE}`,
      ]
    : []),
  `aws ecr describe-images ${ECR} --image-ids "imageTag=git-${SAMPLE_TREE}" --query "imageDetails[0].imageDigest" --output text 2> /dev/null || true`,
  `aws ecr describe-images ${ECR} --image-ids "imageTag=${prefix}-${SAMPLE_TREE.slice(0, 12)}" --query "imageDetails[0].imageDigest" --output text 2> /dev/null || true`,
  `manifest=$(aws ecr batch-get-image ${ECR} --image-ids "imageTag=git-${SAMPLE_TREE}" --query "images[0].imageManifest" --output text)` +
    ` && media=$(aws ecr batch-get-image ${ECR} --image-ids "imageTag=git-${SAMPLE_TREE}" --query "images[0].imageManifestMediaType" --output text)` +
    ` && aws ecr put-image ${ECR} --image-tag ${prefix}-${SAMPLE_TREE.slice(0, 12)} --image-manifest "$manifest" --image-manifest-media-type "$media" > /dev/null`,
  'git log -1 --format=%ae%n%an',
];
const deployCommands = (env: string, cluster: string, region: string) => [
  `aws eks update-kubeconfig --region ${region} --name ${cluster} --kubeconfig .pipewright/deploy/${env}-${cluster}/kubeconfig > /dev/null`,
  `kubectl apply -k .pipewright/deploy/${env}-${cluster}`,
  `kubectl rollout status "deployment/hello-flask" --namespace hello-flask-${env} --timeout 5m`,
];
const guardMerge = (source: string) => [
  'git rev-list --parents -n 1 HEAD',
  `git fetch --no-tags origin "+refs/heads/${source}:refs/remotes/origin/${source}"`,
  `git merge-base --is-ancestor feed002 "refs/remotes/origin/${source}"`,
];

const files = ['script/cibuild'];
let results: Record<string, RunResult> = {};

test.before(async () => {
  if (!hasGroovy) return;
  const cases: Record<string, PipelineCase> = {
    develop: { branch: 'develop', files },
    staging: { branch: 'staging', files, imageInEcr: true },
    master: { branch: 'master', files, imageInEcr: true, approver: 'alice' },
    pr7: { branch: 'PR-7', pr: { id: '7', from: 'staging', to: 'master' }, files },
    pr8: { branch: 'PR-8', pr: { id: '8', from: 'develop', to: 'master' }, files },
    feature: { branch: 'feature/x', files },
    noCibuild: { branch: 'feature/x' },
    directToMaster: { branch: 'master', head: 'direct', files },
    foreignMerge: { branch: 'staging', head: 'foreign-merge', files },
    untagged: { branch: 'master', tagsOnHead: ['v1.0.0-beta.3'], files },
    selfApproved: { branch: 'master', files, imageInEcr: true, approver: 'dev', author: { email: 'dev@example.com', name: 'Dev' } },
    rejected: { branch: 'master', files, imageInEcr: true, abortApproval: true },
    rolloutFails: { branch: 'develop', files, rolloutFails: true },
  };
  const out = await run(Object.values(cases));
  results = Object.fromEntries(Object.keys(cases).map((k, i) => [k, out[i]!]));
});

test.after(() => work.cleanup());

test('develop: guard, test, build the image (not in ECR yet), tag it, deploy develop', () => {
  if (!hasGroovy) return;
  const r = results.develop!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), ['Build', 'Build/Guard', 'Build/Test', 'Build/Image', 'Deploy develop', 'Deploy develop/Rollout develop', 'Deploy develop/Smoke develop']);
  assert.equal(sh(r), ['./script/cibuild', ...imageCommands('develop', true), ...deployCommands('develop', 'delivery', 'eu-west-1')]);
  const written = steps(r, 'writeFile')[0]!.args;
  assert.is(written.file, '.pipewright/deploy/develop-delivery/kustomization.yaml');
  assert.match(String(written.text), `  - name: ${JSON.stringify(REPO)}\n    digest: ${SAMPLE_DIGEST}\n`);
  assert.match(String(written.text), '"../../../kustomize/overlays/develop"');
});

test('staging with the image already in ECR: nothing is built, the same digest is promoted to green', () => {
  if (!hasGroovy) return;
  const r = results.staging!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), [
    'Build', 'Build/Guard', 'Build/Test', 'Build/Release tag green', 'Build/Image',
    'Deploy green', 'Deploy green/Rollout green', 'Deploy green/Smoke green',
  ]);
  assert.equal(sh(r), [
    ...guardMerge('develop'), './script/cibuild', 'git tag --points-at HEAD',
    ...imageCommands('staging', false), ...deployCommands('green', 'delivery', 'eu-west-1'),
  ]);
  assert.equal(steps(r, 'pipewrightSmoke')[0]!.args, { environment: 'green', url: 'http://green.hello.example.com/' });
});

test('master: release tag, approval outside any agent, audit, then both clusters in parallel', () => {
  if (!hasGroovy) return;
  const r = results.master!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), [
    'Build', 'Build/Guard', 'Build/Test', 'Build/Release tag blue', 'Build/Image',
    'Approve blue', 'Deploy blue', 'Deploy blue/Rollout blue', 'Deploy blue/Smoke blue',
  ]);
  assert.equal(sh(r), [
    ...guardMerge('staging'), './script/cibuild', 'git tag --points-at HEAD', ...imageCommands('master', false),
    ...deployCommands('blue', 'delivery', 'eu-west-1'), ...deployCommands('blue', 'delivery-us', 'us-east-1'),
  ]);
  const input = steps(r, 'input')[0]!;
  assert.is(input.stage, 'Approve blue');
  assert.is(input.args.executorHeld, false);
  assert.is(input.args.submitter, 'release-managers');
  assert.is(input.args.submitterParameter, 'PIPEWRIGHT_APPROVER');
  assert.equal(steps(r, 'agent').find((s) => s.stage === 'Approve blue')!.args, { none: true });
  assert.ok(steps(r, 'timeout').some((s) => s.stage === 'Approve blue' && s.args.unit === 'HOURS'));
  assert.equal(steps(r, 'pipewrightAudit')[0]!.args, { approver: 'alice', authorEmail: 'dev@example.com', authorName: 'Dev Eloper' });
  assert.equal(steps(r, 'parallel')[0]!.args.branches, ['delivery (eu-west-1)', 'delivery-us (us-east-1)']);
  assert.equal([...new Set(steps(r, 'pipewrightDeploy').map((s) => s.branch))], ['delivery (eu-west-1)', 'delivery-us (us-east-1)']);
});

test('PR-7 from staging into master is allowed: guard and test run, nothing is built or deployed', () => {
  if (!hasGroovy) return;
  const r = results.pr7!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), ['Build', 'Build/Guard', 'Build/Test']);
  assert.equal(sh(r), ['./script/cibuild']);
});

test('PR-8 from develop into master is refused at Guard, with the rule and the fix', () => {
  if (!hasGroovy) return;
  const r = results.pr8!;
  assert.is(r.result, 'FAILURE');
  assert.is(
    r.error,
    'Guard: rule "master accepts merges only from staging" is broken: this pull request is from develop. Merge develop into staging first, then open the pull request from there.',
  );
  assert.equal(ran(r), ['Build', 'Build/Guard']);
  assert.equal(r.stages.filter((s) => s.status === 'not-reached').map((s) => s.path).slice(0, 2), ['Build/Test', 'Build/Release tag green']);
  assert.equal(sh(r), []);
});

test('feature/x: guard and test only; without script/cibuild the tests run with pytest', () => {
  if (!hasGroovy) return;
  assert.equal(ran(results.feature!), ['Build', 'Build/Guard', 'Build/Test']);
  assert.equal(sh(results.feature!), ['./script/cibuild']);
  assert.equal(sh(results.noCibuild!), ['python3 -m pip install -r requirements.txt pytest && python3 -m pytest -q']);
});

test('a direct commit on master, or a merge from elsewhere into staging, fails the guard', () => {
  if (!hasGroovy) return;
  assert.is(results.directToMaster!.result, 'FAILURE');
  assert.match(results.directToMaster!.error!, 'Guard: rule "master accepts no direct commits" is broken: HEAD c0ffee1 is not a merge. Merge staging into master through a pull request instead.');
  assert.is(results.foreignMerge!.result, 'FAILURE');
  assert.match(results.foreignMerge!.error!, 'Guard: rule "staging accepts merges only from develop" is broken: HEAD c0ffee1 merges feed002, which is not on develop.');
});

test('master without a stable tag fails at Release tag, before any approval', () => {
  if (!hasGroovy) return;
  const r = results.untagged!;
  assert.is(r.result, 'FAILURE');
  assert.match(r.error!, 'Release tag: every master commit needs a stable release tag');
  assert.match(r.error!, 'HEAD has v1.0.0-beta.3');
  assert.equal(steps(r, 'input'), []);
});

test('the audit fails when the approver wrote the change; a rejected approval aborts', () => {
  if (!hasGroovy) return;
  assert.is(results.selfApproved!.result, 'FAILURE');
  assert.match(results.selfApproved!.error!, 'Audit: dev approved their own change');
  assert.equal(steps(results.selfApproved!, 'pipewrightDeploy'), []);
  assert.is(results.rejected!.result, 'ABORTED');
  assert.equal(steps(results.rejected!, 'pipewrightDeploy'), []);
});

test('a rollout that does not finish is undone and fails the build', () => {
  if (!hasGroovy) return;
  const r = results.rolloutFails!;
  assert.is(r.result, 'FAILURE');
  assert.equal(sh(r).slice(-2), [
    'kubectl rollout status "deployment/hello-flask" --namespace hello-flask-develop --timeout 5m',
    'kubectl rollout undo "deployment/hello-flask" --namespace hello-flask-develop',
  ]);
  assert.match(r.error!, 'Deploy develop (delivery): the rollout did not finish within 5m; rolled back to the previous version');
});

test('one change flowing develop → staging → master builds exactly one image (ECR simulated from the pushes)', async () => {
  if (!hasGroovy) return;
  const ecr = new Set<string>();
  let builds = 0;
  for (const branch of ['develop', 'staging', 'master']) {
    const [r] = await run([{ branch, files, imageInEcr: ecr.has(`git-${SAMPLE_TREE}`), approver: 'alice' }]);
    assert.is(r!.result, 'SUCCESS', `${branch}: ${r!.error}`);
    for (const c of sh(r!)) {
      if (c.startsWith('docker build')) builds++;
      const pushed = /^docker push \S+:(git-[0-9a-f]{40})$/.exec(c);
      if (pushed) ecr.add(pushed[1]!);
    }
  }
  assert.is(builds, 1);
  assert.ok(ecr.has(`git-${SAMPLE_TREE}`));
});

test('kaniko: the build runs in a pod agent, in the kaniko container, with no docker daemon', async () => {
  if (!hasGroovy) return;
  const m = resolveModel(validateConfig({ app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' }, build: { engine: 'kaniko' } }, 'k.yaml'), 'k.yaml');
  const [r] = await run([{ branch: 'develop', files }], renderTo(m, 'kaniko'), m);
  assert.is(r!.result, 'SUCCESS', r!.error ?? '');
  const agent = steps(r!, 'agent').find((s) => s.stage === 'Build')!.args as { kubernetes: { yaml: string; defaultContainer: string } };
  assert.match(agent.kubernetes.yaml, 'name: kaniko');
  assert.is(agent.kubernetes.defaultContainer, 'tools');
  assert.ok(steps(r!, 'container').some((s) => (s.args.name ?? s.args.value) === 'kaniko'));
  assert.ok(sh(r!).includes('/kaniko/executor --context "dir://$WORKSPACE" --dockerfile Dockerfile --destination 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:git-' + SAMPLE_TREE));
  assert.not.ok(sh(r!).some((c) => c.startsWith('docker ')));
});

test('script/smoke gets the environment URL; with autoTag the next release tag is pushed with credentials', async () => {
  if (!hasGroovy) return;
  const m = resolveModel(
    validateConfig(
      {
        app: 'hello-flask',
        aws: { accountId: '123456789012', region: 'eu-west-1' },
        defaults: { ingress: { host: 'hello.example.com' } },
        jenkins: { autoTag: true, gitCredentialsId: 'github-app' },
      },
      'a.yaml',
    ),
    'a.yaml',
  );
  const p = renderTo(m, 'autotag');
  const allTags = ['v1.2.3', 'v1.2.4-beta.1', 'v0.9.0'];
  const [staging, master] = await run(
    [
      { branch: 'staging', files: ['script/cibuild', 'script/smoke'], tagsOnHead: [], allTags, imageInEcr: true },
      { branch: 'master', files: ['script/cibuild'], tagsOnHead: [], allTags, imageInEcr: true, approver: 'alice' },
    ],
    p,
    m,
  );
  assert.is(staging!.result, 'SUCCESS', staging!.error ?? '');
  assert.ok(sh(staging!).includes('git tag --annotate v1.2.4-beta.2 --message "Release v1.2.4-beta.2" && git push origin "refs/tags/v1.2.4-beta.2"'));
  assert.is(sh(staging!).at(-1), './script/smoke http://hello.example.com/');
  assert.is(master!.result, 'SUCCESS', master!.error ?? '');
  assert.ok(sh(master!).includes('git tag --annotate v1.2.4 --message "Release v1.2.4" && git push origin "refs/tags/v1.2.4"'));
  const push = master!.steps.findIndex((s) => s.step === 'sh' && String(s.args.script).includes('git push'));
  const creds = master!.steps.slice(0, push).filter((s) => s.step === 'withCredentials').at(-1)!;
  assert.equal(creds.args.bindings, [{ type: 'gitUsernamePassword', credentialsId: 'github-app' }]);
  // the secret the stub credentials hold never reaches a recorded step
  assert.not.match(JSON.stringify([staging, master]), 'not-a-real-token');
});

test('options: no concurrent builds, a build discarder and timestamps; cleanup in every agent stage', () => {
  if (!hasGroovy) return;
  const r = results.develop!;
  const setup = r.steps.filter((s) => s.stage === '').map((s) => s.step);
  for (const o of ['disableConcurrentBuilds', 'buildDiscarder', 'timestamps']) assert.ok(setup.includes(o), o);
  assert.equal(steps(r, 'cleanWs').map((s) => s.stage), ['Build', 'Deploy develop']);
  // `when` is decided before the agent: other environments' stages take no executor, no checkout
  assert.equal(steps(r, 'checkout').map((s) => s.stage), ['Build', 'Deploy develop']);
  assert.equal(steps(r, 'agent').filter((s) => s.stage.startsWith('Deploy')).map((s) => s.stage), ['Deploy develop']);
});

test.run();
