// The generated Jenkinsfile and shared library, *executed* in Groovy 2.4.21 by the harness, for
// every kind of build. git is real: each build checks out a repository made as GitHub leaves it
// (merge commits by GitHub, untagged; a checkout without tags, as github-branch-source does), and
// the pipeline's own fetches, tags and pushes run against it. ECR and kubectl are stubs.
import { test } from 'uvu';
import yaml from 'js-yaml';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../src/commands/common.js';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';
import { writePipeline } from '../src/plan/workspace.js';
import { loadTemplates } from '../src/config/templates.js';
import { runPipelines, type RunResult } from '../src/plan/harness.js';
import { scenarioFor, SAMPLE_DIGEST, type PipelineCase, type PipelineScenario } from '../src/plan/scenario.js';
import { DEVELOPER, type Person } from '../src/plan/git-fixture.js';
import { plannedCommands } from '../src/plan/commands.js';
import { engineAvailable, fromRoot, tempDir } from './helpers.js';

const hasGroovy = engineAvailable('groovy');
engineAvailable('git');
const { model } = await loadProject({ cwd: fromRoot('examples/hello-flask') });
const work = tempDir('pipewright-pipeline-');
let runs = 0;

/** Render a model's Jenkinsfile and library into a fresh folder; returns the harness paths. */
function renderTo(m: Model, name: string) {
  return writePipeline(m, loadTemplates({ groups: ['vars-templates'], configFile: m.configFile }), path.join(work.dir, name));
}

const paths = renderTo(model, 'example');
const config = (extra: Record<string, unknown>, name = 'a.yaml') =>
  resolveModel(validateConfig({ app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' }, ...extra }, name), name);
/** Other configs, rendered once; their builds run in the same JVM as the example's. */
const others = (() => {
  const noAutoTag = config({ jenkins: { autoTag: false } });
  const kaniko = config({ build: { engine: 'kaniko' } });
  const smoke = resolveModel(
    validateConfig({ app: 'hello-flask', aws: { accountId: '123456789012', region: 'eu-west-1' }, defaults: { ingress: { domain: 'example.com' } } }, 'a.yaml'),
    'a.yaml',
  );
  const smokeCommand: Model = { ...model, smoke: { command: 'curl -fsS "$PW_URL/healthz"' } };
  // No ingress host, so no URL: the smoke check reaches the pods through each cluster.
  const noUrl = resolveModel(
    validateConfig(
      {
        app: 'worker',
        aws: { accountId: '123456789012', region: 'eu-west-1' },
        defaults: { ingress: { enabled: false }, clusters: [{ name: 'main' }, { name: 'main-us', region: 'us-east-1' }] },
      },
      'a.yaml',
    ),
    'a.yaml',
  );
  const noFetch = renderTo(noAutoTag, 'nofetch');
  // A library whose Release tag step skips the tag fetch: what the checkout alone gives.
  const step = path.join(noFetch.vars, 'pipewrightReleaseTag.groovy');
  const text = readFileSync(step, 'utf8');
  const fetch = `sh(script: 'git fetch --no-tags --force origin "+refs/tags/*:refs/tags/*"')`;
  if (!text.includes(fetch)) throw new Error('the Release tag step no longer fetches tags this way: update this test');
  writeFileSync(step, text.replace(fetch, "echo('no fetch')"));
  return {
    noAutoTag: { m: noAutoTag, p: renderTo(noAutoTag, 'no-autotag') },
    noFetch: { m: noAutoTag, p: noFetch },
    kaniko: { m: kaniko, p: renderTo(kaniko, 'kaniko') },
    smoke: { m: smoke, p: renderTo(smoke, 'smoke') },
    noUrl: { m: noUrl, p: renderTo(noUrl, 'no-url') },
    smokeCommand: { m: smokeCommand, p: renderTo(smokeCommand, 'smoke-command') },
  };
})();
const scenario = (c: PipelineCase, p = paths, m = model) => scenarioFor(m, p, c, path.join(work.dir, `run-${++runs}`));

const ran = (r: RunResult) => r.stages.filter((s) => s.status === 'ran' || s.status === 'failed').map((s) => s.path);
const sh = (r: RunResult) => plannedCommands(r).filter((c) => c.step === 'sh').map((c) => c.text);
const steps = (r: RunResult, name: string) => r.steps.filter((s) => s.step === name);
/** Tags in the "GitHub" repository pointing at a commit, after the build. */
const tagsAt = (repo: { url: string }, commit: string) => execFileSync('git', ['tag', '--points-at', commit], { cwd: repo.url, encoding: 'utf8' }).split('\n').filter(Boolean);

const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-flask';
const ECR = '--region eu-west-1 --repository-name hello-flask';
/** The Image step's shell: build (or not), the verified-upstream check where there is one, then the environment's tag. */
const imageCommands = (prefix: string, build: boolean, tree: string, verifiedIn: string | null = null) => [
  'git rev-parse "HEAD^{tree}"',
  `aws ecr describe-images ${ECR} --image-ids "imageTag=git-${tree}" > /dev/null 2>&1`,
  ...(build
    ? [
        'aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        `docker build --pull --tag ${REPO}:git-${tree} .`,
        `docker push ${REPO}:git-${tree}`,
      ]
    : []),
  `aws ecr describe-images ${ECR} --image-ids "imageTag=git-${tree}" --query "imageDetails[0].imageDigest" --output text 2> /dev/null || true`,
  ...(verifiedIn ? [`aws ecr describe-images ${ECR} --image-ids "imageTag=verified-${verifiedIn}-${tree}" --query "imageDetails[0].imageDigest" --output text 2> /dev/null || true`] : []),
  'git rev-parse HEAD',
  ...retag(`${prefix}-${tree.slice(0, 12)}`),
];
/** Adding a tag to the sample image in ECR: look it up, then copy the manifest under it. */
const retag = (tag: string) => [
  `aws ecr describe-images ${ECR} --image-ids "imageTag=${tag}" --query "imageDetails[0].imageDigest" --output text 2> /dev/null || true`,
  `manifest=$(aws ecr batch-get-image ${ECR} --image-ids "imageDigest=${SAMPLE_DIGEST}" --query "images[0].imageManifest" --output text)` +
    ` && media=$(aws ecr batch-get-image ${ECR} --image-ids "imageDigest=${SAMPLE_DIGEST}" --query "images[0].imageManifestMediaType" --output text)` +
    ` && aws ecr put-image ${ECR} --image-tag ${tag} --image-manifest "$manifest" --image-manifest-media-type "$media" > /dev/null`,
];
/** Verify with no alarms: only the verified tag is added. */
const verifyCommands = (env: string, tree: string) => retag(`verified-${env}-${tree}`);
const LOG_FORMAT = '%h%x09%ae%x09%an%x09%ce%x09%cn%x09%(trailers:key=Co-authored-by,valueonly,unfold,separator=%x1f)%x09%s';
const AUTHORS = `if git rev-parse --quiet --verify "HEAD^1" > /dev/null; then git log --format="${LOG_FORMAT}" HEAD --not "HEAD^1"; else git log -1 --format="${LOG_FORMAT}" HEAD; fi`;
const POST_INST_WAIT =
  'end=$(( $(date +%s) + 1860 )); until kubectl wait --for=condition=complete "job/hello-flask-post-inst" --namespace hello-flask-develop --timeout 10s > /dev/null 2>&1; do ' +
  'if kubectl wait --for=condition=failed "job/hello-flask-post-inst" --namespace hello-flask-develop --timeout 0s > /dev/null 2>&1; then exit 1; fi; ' +
  'if [ "$(date +%s)" -ge "$end" ]; then exit 2; fi; done';
const deployCommands = (env: string, cluster: string, region: string) => [
  `aws eks update-kubeconfig --region ${region} --name ${cluster} --kubeconfig .pipewright/deploy/${env}-${cluster}/kubeconfig > /dev/null`,
  `kubectl apply -k .pipewright/deploy/${env}-${cluster}`,
  `kubectl rollout status "deployment/hello-flask" --namespace hello-flask-${env} --timeout 5m`,
];
const guardMerge = (source: string, merged: string) => [
  'git rev-list --parents -n 1 HEAD',
  `git fetch --no-tags origin "+refs/heads/${source}:refs/remotes/origin/${source}"`,
  `git merge-base --is-ancestor ${merged} "refs/remotes/origin/${source}"`,
];
const releaseTag = (tag: string | null) => [
  'git fetch --no-tags --force origin "+refs/tags/*:refs/tags/*"',
  'git tag --points-at HEAD',
  ...(tag
    ? [
        'git tag --list',
        'if git rev-parse --quiet --verify "HEAD^2" > /dev/null; then git tag --points-at "HEAD^2"; fi',
        `git tag --annotate ${tag} --message "Release ${tag} (built by $BUILD_URL)" && git push origin "refs/tags/${tag}"`,
      ]
    : []),
];

// What `pipewright generate` scaffolds.
const files = ['script/cibuild', 'script/smoke'];

/**
 * A `kubectl` stand-in (no API server can run here) for the post-install wait loop: `wait
 * --for=condition=<state>` succeeds from the `at`-th poll on; every call is logged to `calls`.
 */
function kubectlStandin(dir: string, answer: string): string {
  const [state, at] = answer.split(' ');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'kubectl'),
    [
      '#!/bin/sh',
      `echo "$*" >> "${dir}/calls"`,
      `n=$(grep -c -- "--for=condition=${state} " "${dir}/calls")`,
      `case "$*" in *"--for=condition=${state} "*) [ "$n" -ge ${at} ] && exit 0 ;; esac`,
      'exit 1',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return dir;
}
const ALICE: Person = { name: 'Alice Liddell', email: 'alice@example.com' };
const BOB: Person = { name: 'Bob', email: 'bob@example.com' };
/** The short sha and subject of the commit(s) in the build's repository that `git log` selects. */
const commitsOf = (repo: { url: string }, ...args: string[]) =>
  execFileSync('git', ['log', '--format=%h %s', ...args], { cwd: repo.url, encoding: 'utf8' }).trim().split('\n').map((l) => {
    const [sha, ...subject] = l.split(' ');
    return { sha: sha!, subject: subject.join(' ') };
  });
type Result = RunResult & { repo: PipelineScenario['repo'] };
let results: Record<string, Result> = {};

test.before(async () => {
  if (!hasGroovy) return;
  const cases: Record<string, PipelineCase & { with?: { m: Model; p: typeof paths }; realWait?: string }> = {
    develop: { branch: 'develop', files },
    staging: { branch: 'staging', files, imageInEcr: true },
    master: { branch: 'master', files, imageInEcr: true, approver: 'alice' },
    pr7: { branch: 'PR-7', pr: { id: '7', from: 'staging', to: 'master' }, files },
    pr8: { branch: 'PR-8', pr: { id: '8', from: 'develop', to: 'master' }, files },
    forkPr: { branch: 'PR-9', pr: { id: '9', from: 'staging', to: 'master', fork: 'mallory' }, files },
    forkIntoDevelop: { branch: 'PR-10', pr: { id: '10', from: 'fix-typo', to: 'develop', fork: 'contributor' }, files },
    feature: { branch: 'feature/x', files },
    noCibuild: { branch: 'feature/x' },
    directToMaster: { branch: 'master', head: 'direct', files },
    foreignMerge: { branch: 'staging', head: 'foreign-merge', files },
    humanTagged: { branch: 'master', files, imageInEcr: true, tagsOnHead: ['v2.0.0'] },
    bumped: { branch: 'master', files, imageInEcr: true, tagsOnMerged: ['v1.0.1-beta.1', 'v1.1.0-beta.1'] },
    selfApproved: { branch: 'master', files, imageInEcr: true, approver: 'dev' },
    mergerApproved: { branch: 'master', files, imageInEcr: true, approver: 'merger@example.com' },
    // The approver's commit sits in the middle of the promoted range: neither HEAD (the merge) nor the merged head.
    wroteMiddle: { branch: 'master', files, imageInEcr: true, approver: 'alice', work: [{ author: ALICE, subject: 'Tune the cache' }, { author: DEVELOPER, subject: 'Log misses' }] },
    coAuthored: { branch: 'master', files, imageInEcr: true, approver: 'ALICE', work: [{ author: DEVELOPER, coAuthors: [BOB, ALICE], subject: 'Pair on the cache' }] },
    committed: { branch: 'master', files, imageInEcr: true, approver: 'alice@example.com', work: [{ author: DEVELOPER, committer: ALICE, subject: 'Rebased by alice' }] },
    // Her commit is the first release: on master's first parent, so outside the range (though an ancestor of the merged work too).
    releasedEarlier: { branch: 'master', files, imageInEcr: true, approver: 'alice', releasedBy: ALICE, work: [{ author: DEVELOPER, coAuthors: [BOB], subject: 'Tune the cache' }] },
    rejected: { branch: 'master', files, imageInEcr: true, abortApproval: true },
    rolloutFails: { branch: 'develop', files, rolloutFails: true },
    noAutoTag: { branch: 'master', files, imageInEcr: true, with: others.noAutoTag },
    withoutFetch: { branch: 'master', files, imageInEcr: true, tagsOnHead: ['v2.0.0'], with: others.noFetch },
    tagsInCheckout: { branch: 'master', files, imageInEcr: true, tagsOnHead: ['v2.0.0'], checkoutTags: true, with: others.noFetch },
    kaniko: { branch: 'develop', files, with: others.kaniko },
    smoke: { branch: 'staging', files, imageInEcr: true, with: others.smoke },
    noSmoke: { branch: 'develop', files: ['script/cibuild'] },
    smokeCommand: { branch: 'develop', files: ['script/cibuild'], with: others.smokeCommand },
    noUrl: { branch: 'develop', files, with: others.noUrl },
    postInst: { branch: 'develop', files: [...files, 'script/post-inst'] },
    postInstFails: { branch: 'develop', files: [...files, 'script/post-inst'], postInstFails: true },
    // The wait loop run for real by /bin/sh against a kubectl stand-in: the Job completes on the 3rd poll, or fails on the 2nd.
    realWaitCompletes: { branch: 'develop', files: [...files, 'script/post-inst'], realWait: 'complete 3' },
    realWaitFails: { branch: 'develop', files: [...files, 'script/post-inst'], realWait: 'failed 2' },
  };
  // One JVM for every build.
  const scenarios = Object.entries(cases).map(([name, { with: w, realWait, ...c }]) => {
    const sc = scenario(c, w?.p ?? paths, w?.m ?? model);
    if (!realWait) return sc;
    const bin = kubectlStandin(path.join(work.dir, `kubectl-${name}`), realWait);
    return {
      ...sc,
      sh: [{ match: 'until kubectl wait', run: true }, ...sc.sh!],
      shell: { ...sc.shell!, env: { ...sc.shell!.env, PATH: `${bin}:${process.env.PATH}` } },
    };
  });
  const out = await runPipelines(scenarios);
  results = Object.fromEntries(Object.keys(cases).map((k, i) => [k, { ...out[i]!, repo: scenarios[i]!.repo }]));
});

test.after(() => work.cleanup());

test('develop: guard, test, build the image (not in ECR yet), tag it, deploy develop', () => {
  if (!hasGroovy) return;
  const r = results.develop!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), ['Build', 'Build/Guard', 'Build/Test', 'Build/Image', 'Deploy develop', 'Deploy develop/Rollout develop', 'Deploy develop/Post-install develop', 'Deploy develop/Smoke develop', 'Deploy develop/Verify develop']);
  assert.equal(sh(r), [
    './script/cibuild', ...imageCommands('develop', true, r.repo.tree), AUTHORS, ...deployCommands('develop', 'delivery', 'eu-west-1'),
    './script/smoke https://hello-flask-develop.example.com', ...verifyCommands('develop', r.repo.tree),
  ]);
  const written = steps(r, 'writeFile')[0]!.args;
  assert.is(written.file, '.pipewright/deploy/develop-delivery/kustomization.yaml');
  assert.match(String(written.text), `  - name: ${JSON.stringify(REPO)}\n    digest: ${SAMPLE_DIGEST}\n`);
  assert.match(String(written.text), '"../../../kustomize/overlays/develop"');
});

test('staging: HEAD is GitHub\'s untagged merge commit and the checkout has no tags; the build tags it v1.0.1-beta.1 and pushes the tag', () => {
  if (!hasGroovy) return;
  const r = results.staging!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), [
    'Build', 'Build/Guard', 'Build/Test', 'Build/Image', 'Build/Release tag green',
    'Deploy green', 'Deploy green/Rollout green', 'Deploy green/Post-install green', 'Deploy green/Smoke green', 'Deploy green/Verify green',
  ]);
  assert.equal(sh(r), [
    ...guardMerge('develop', r.repo.merged!), './script/cibuild', ...imageCommands('staging', false, r.repo.tree, 'develop'), AUTHORS,
    ...releaseTag('v1.0.1-beta.1'), ...deployCommands('green', 'delivery', 'eu-west-1'),
    './script/smoke https://hello-flask-green.example.com', ...verifyCommands('green', r.repo.tree),
  ]);
  assert.equal(tagsAt(r.repo, r.repo.head), ['v1.0.1-beta.1'], 'the tag is on GitHub, on the merge commit');
  // pushed with the git credentials, tagged by a named committer (an agent has no git identity)
  const push = r.steps.findIndex((s) => s.step === 'sh' && String(s.args.script).includes('git push'));
  assert.equal(r.steps.slice(0, push).filter((s) => s.step === 'withCredentials').at(-1)!.args.bindings, [{ type: 'gitUsernamePassword', credentialsId: 'git' }]);
  assert.ok(r.steps.slice(0, push).some((s) => s.step === 'withEnv' && (s.args.overrides as string[]).includes('GIT_COMMITTER_NAME=Jenkins')));
  assert.equal(steps(r, 'pipewrightSmoke')[0]!.args, {
    environment: 'green', url: 'https://hello-flask-green.example.com', namespace: 'hello-flask-green', deployment: 'hello-flask',
    port: 8000, healthPath: '/healthz', clusters: [{ name: 'delivery', region: 'eu-west-1' }],
  });
  // no script/post-inst in this app: the stage says so and touches no cluster
  assert.equal(steps(r, 'echo').filter((s) => s.stage === 'Deploy green/Post-install green').map((s) => s.args.message), [
    'Post-install green (delivery): no script/post-inst, nothing to run',
  ]);
});

test('master: the merged staging beta becomes v1.0.1; approval outside any agent, audit, then both clusters in parallel', () => {
  if (!hasGroovy) return;
  const r = results.master!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), [
    'Build', 'Build/Guard', 'Build/Test', 'Build/Image', 'Build/Release tag blue',
    'Approve blue', 'Deploy blue', 'Deploy blue/Rollout blue', 'Deploy blue/Post-install blue', 'Deploy blue/Smoke blue', 'Deploy blue/Verify blue',
  ]);
  assert.equal(sh(r), [
    ...guardMerge('staging', r.repo.merged!), './script/cibuild', ...imageCommands('master', false, r.repo.tree, 'green'), AUTHORS, ...releaseTag('v1.0.1'),
    ...deployCommands('blue', 'delivery', 'eu-west-1'), ...deployCommands('blue', 'delivery-us', 'us-east-1'),
    './script/smoke https://hello-flask.example.com', ...verifyCommands('blue', r.repo.tree),
  ]);
  assert.equal(tagsAt(r.repo, r.repo.head), ['v1.0.1']);
  const input = steps(r, 'input')[0]!;
  assert.is(input.stage, 'Approve blue');
  assert.is(input.args.executorHeld, false);
  assert.is(input.args.submitter, 'release-managers');
  assert.is(input.args.submitterParameter, 'PIPEWRIGHT_APPROVER');
  assert.equal(steps(r, 'agent').find((s) => s.stage === 'Approve blue')!.args, { none: true });
  assert.ok(steps(r, 'timeout').some((s) => s.stage === 'Approve blue' && s.args.unit === 'HOURS'));
  // the audit sees every commit HEAD brings: GitHub's two merges (by whoever merged, committed by GitHub) and the merged work
  const [master, staging, change] = commitsOf(r.repo, r.repo.head, '--not', `${r.repo.head}^1`);
  assert.equal(steps(r, 'pipewrightAudit')[0]!.args, {
    approver: 'alice',
    authors: [
      `${master!.sha}\tmerger@example.com\tMer Ger\tnoreply@github.com\tGitHub\t\tMerge pull request #2 from acme/staging`,
      `${staging!.sha}\tmerger@example.com\tMer Ger\tnoreply@github.com\tGitHub\t\tMerge pull request #1 from acme/develop`,
      `${change!.sha}\tdev@example.com\tDev Eloper\tdev@example.com\tDev Eloper\t\tAdd a change`,
      '',
    ].join('\n'),
  });
  assert.ok(steps(r, 'echo').some((s) => s.args.message === 'Audit: approved by alice, who wrote none of the 3 commits it brings'));
  assert.equal(steps(r, 'parallel')[0]!.args.branches, ['delivery (eu-west-1)', 'delivery-us (us-east-1)']);
  assert.equal([...new Set(steps(r, 'pipewrightDeploy').map((s) => s.branch))], ['delivery (eu-west-1)', 'delivery-us (us-east-1)']);
});

test('a release tag already on GitHub is found although the checkout fetched no tags; nothing new is tagged', () => {
  if (!hasGroovy) return;
  const r = results.humanTagged!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(sh(r).filter((c) => c.startsWith('git fetch --no-tags --force') || c.startsWith('git tag')), releaseTag(null));
  assert.equal(tagsAt(r.repo, r.repo.head), ['v2.0.0']);
});

test('a minor release: a newer beta tagged on the staging commit decides the stable version', () => {
  if (!hasGroovy) return;
  const r = results.bumped!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(tagsAt(r.repo, r.repo.head), ['v1.1.0']);
});

test('without the tag fetch the release tag stage would not see GitHub\'s tags: the harness checkout really has none', () => {
  if (!hasGroovy) return;
  const withoutFetch = results.withoutFetch!;
  assert.is(withoutFetch.result, 'FAILURE');
  assert.match(withoutFetch.error!, 'Release tag: every master commit needs a stable release tag');
  assert.match(withoutFetch.error!, 'HEAD has none');
  // a job whose clone option fetches tags (the generated Job DSL's) has them at checkout
  assert.is(results.tagsInCheckout!.result, 'SUCCESS', results.tagsInCheckout!.error ?? '');
});

test('autoTag false: an untagged GitHub merge commit fails at Release tag, before any approval, with the fix', () => {
  if (!hasGroovy) return;
  const r = results.noAutoTag;
  assert.is(r!.result, 'FAILURE');
  assert.match(r!.error!, 'Release tag: every master commit needs a stable release tag');
  assert.match(r!.error!, 'HEAD has none');
  assert.match(r!.error!, 'or set jenkins.autoTag: true');
  assert.equal(steps(r!, 'input'), []);
  assert.equal(tagsAt(r!.repo, r!.repo.head), []);
});

test('PR-7 from staging into master is allowed: guard and test run, nothing is built, tagged or deployed', () => {
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
  assert.equal(r.stages.filter((s) => s.status === 'not-reached').map((s) => s.path).slice(0, 2), ['Build/Test', 'Build/Image']);
  assert.equal(sh(r), []);
});

test('a fork\'s branch named staging is no promotion source: refused at Guard before its code runs; a fork PR into develop is allowed', () => {
  if (!hasGroovy) return;
  const r = results.forkPr!;
  assert.is(r.result, 'FAILURE');
  assert.is(
    r.error,
    'Guard: rule "master accepts merges only from staging" is broken: this pull request comes from staging of the fork mallory, not from this repository. Promotions into master are pull requests from this repository\'s own staging.',
  );
  assert.equal(sh(r), [], 'nothing of the fork ran');
  assert.is(results.forkIntoDevelop!.result, 'SUCCESS', results.forkIntoDevelop!.error ?? '');
});

test('feature/x: guard and test only; without script/cibuild the tests run with pytest in a fresh virtualenv', () => {
  if (!hasGroovy) return;
  assert.equal(ran(results.feature!), ['Build', 'Build/Guard', 'Build/Test']);
  assert.equal(sh(results.feature!), ['./script/cibuild']);
  assert.equal(sh(results.noCibuild!), [
    'venv="$(mktemp -d)/venv" && python3 -m venv "$venv" && "$venv/bin/python" -m pip install --no-cache-dir -r requirements.txt pytest && "$venv/bin/python" -m pytest -q',
  ]);
});

test('the Test stage runs in a python:<runtime.python> container in the build\'s workspace, not on the agent\'s Python', () => {
  if (!hasGroovy) return;
  const r = results.feature!;
  assert.equal(steps(r, 'agent').find((s) => s.stage === 'Build/Test')!.args, { docker: { image: 'python:3.12', reuseNode: true } });
  assert.equal(steps(r, 'checkout').map((s) => s.stage), ['Build']);
});

test('a direct commit on master, or a merge from elsewhere into staging, fails the guard', () => {
  if (!hasGroovy) return;
  const direct = results.directToMaster!;
  assert.is(direct.result, 'FAILURE');
  assert.match(direct.error!, `Guard: rule "master accepts no direct commits" is broken: HEAD ${direct.repo.head} is not a merge. Merge staging into master through a pull request instead.`);
  const foreign = results.foreignMerge!;
  assert.is(foreign.result, 'FAILURE');
  assert.match(foreign.error!, `Guard: rule "staging accepts merges only from develop" is broken: HEAD ${foreign.repo.head} merges ${foreign.repo.merged}, which is not on develop.`);
});

test('the audit fails when the approver wrote the merged work, or pressed Merge on GitHub; a rejected approval aborts', () => {
  if (!hasGroovy) return;
  assert.is(results.selfApproved!.result, 'FAILURE');
  const range = (r: Result) => commitsOf(r.repo, r.repo.head, '--not', `${r.repo.head}^1`);
  const [, , change] = range(results.selfApproved!);
  assert.is(
    results.selfApproved!.error,
    `Audit: dev approved their own change: they wrote or committed 1 of the 3 commits it brings: ${change!.sha} "Add a change" (author Dev Eloper <dev@example.com>); someone else must approve`,
  );
  assert.equal(steps(results.selfApproved!, 'pipewrightDeploy'), []);
  assert.is(results.mergerApproved!.result, 'FAILURE');
  const [master, staging] = range(results.mergerApproved!);
  assert.is(
    results.mergerApproved!.error,
    `Audit: merger@example.com approved their own change: they wrote or committed 2 of the 3 commits it brings: ` +
      `${master!.sha} "Merge pull request #2 from acme/staging" (author Mer Ger <merger@example.com>); ` +
      `${staging!.sha} "Merge pull request #1 from acme/develop" (author Mer Ger <merger@example.com>); someone else must approve`,
  );
  assert.is(results.rejected!.result, 'ABORTED');
});

test('the audit covers every commit of the promoted range, its co-authors and committers, and names the approver\'s commits', () => {
  if (!hasGroovy) return;
  const refused = (r: Result, approver: string, total: number, own: string) => {
    assert.is(r.result, 'FAILURE', `${approver} must not approve`);
    assert.is(r.error, `Audit: ${approver} approved their own change: they wrote or committed 1 of the ${total} commits it brings: ${own}; someone else must approve`);
    assert.equal(steps(r, 'pipewrightDeploy'), []);
  };
  const one = (r: Result, subject: string) => {
    const c = commitsOf(r.repo, r.repo.head).find((x) => x.subject === subject)!;
    // neither HEAD nor the merged head: the middle of the range
    assert.not.ok([r.repo.head, r.repo.merged].some((h) => h!.startsWith(c.sha)));
    return `${c.sha} "${subject}"`;
  };
  const middle = results.wroteMiddle!;
  refused(middle, 'alice', 5, `${one(middle, 'Tune the cache')} (author Alice Liddell <alice@example.com>)`);
  const co = results.coAuthored!;
  refused(co, 'ALICE', 4, `${one(co, 'Pair on the cache')} (co-author Alice Liddell <alice@example.com>)`);
  const committed = results.committed!;
  refused(committed, 'alice@example.com', 4, `${one(committed, 'Rebased by alice')} (committer Alice Liddell <alice@example.com>)`);
  // Alice wrote the first release, which the merged work also descends from; it is on master's first parent, so not in the range.
  const earlier = results.releasedEarlier!;
  assert.is(earlier.result, 'SUCCESS', earlier.error ?? '');
  assert.equal(execFileSync('git', ['log', '-1', '--format=%ae', earlier.repo.root], { cwd: earlier.repo.url, encoding: 'utf8' }).trim(), 'alice@example.com');
  execFileSync('git', ['merge-base', '--is-ancestor', earlier.repo.root, earlier.repo.merged!], { cwd: earlier.repo.url });
  assert.ok(steps(earlier, 'echo').some((s) => s.args.message === 'Audit: approved by alice, who wrote none of the 4 commits it brings'));
  assert.ok(String(steps(earlier, 'pipewrightAudit')[0]!.args.authors).includes('\tBob <bob@example.com>\tTune the cache\n'));
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

test('one change flowing develop → staging → master builds exactly one image (the same git tree; ECR simulated from the pushes)', async () => {
  if (!hasGroovy) return;
  const ecr = new Set<string>();
  const pushed = (r: RunResult) => sh(r).flatMap((c) => /^docker push \S+:(git-[0-9a-f]{40})$/.exec(c)?.[1] ?? []);
  const builds = (r: RunResult) => sh(r).filter((c) => c.startsWith('docker build')).length;
  const develop = results.develop!; // built: ECR had nothing
  for (const tag of pushed(develop)) ecr.add(tag);
  const later = ['staging', 'master'].map((branch) => {
    const tree = scenario({ branch, files }).repo.tree; // what HEAD's tree will be
    return scenario({ branch, files, approver: 'alice', imageInEcr: ecr.has(`git-${tree}`) });
  });
  const promoted = await runPipelines(later);
  promoted.forEach((r) => assert.is(r.result, 'SUCCESS', r.error ?? ''));
  assert.equal(new Set([develop.repo.tree, ...later.map((s) => s.repo.tree)]).size, 1, 'GitHub\'s merge commits carry the merged tree');
  assert.equal([develop, ...promoted].map(builds), [1, 0, 0]);
});

test('kaniko: the build runs in a pod agent (maintained kaniko, IRSA ServiceAccount, ephemeral storage), the tests in its python container, deploys in a tools-only pod', () => {
  if (!hasGroovy) return;
  const r = results.kaniko;
  assert.is(r!.result, 'SUCCESS', r!.error ?? '');
  type Kube = { kubernetes: { yaml: string; defaultContainer: string; namespace: string } };
  const agentOf = (stage: string) => (steps(r!, 'agent').find((s) => s.stage === stage)!.args as Kube).kubernetes;
  const build = agentOf('Build');
  const pod = yaml.load(build.yaml) as {
    metadata: { labels: Record<string, string> };
    spec: { serviceAccountName: string; securityContext: Record<string, number>; containers: { name: string; image: string; command: string[]; resources: { requests: Record<string, string> }; securityContext?: Record<string, number> }[] };
  };
  const byName = Object.fromEntries(pod.spec.containers.map((c) => [c.name, c]));
  assert.equal(Object.keys(byName), ['tools', 'python', 'kaniko']);
  assert.is(build.defaultContainer, 'tools');
  assert.is(build.namespace, 'jenkins');
  assert.is(pod.spec.serviceAccountName, 'pipewright-deployer', 'IRSA credentials come through the ServiceAccount');
  assert.is(pod.metadata.labels['pipewright.dev/agent'], 'true', 'the agents\' Fargate profile selects this label');
  // No archived image: upstream gcr.io/kaniko-project was archived on 2025-06-03.
  assert.not.ok(pod.spec.containers.some((c) => c.image.startsWith('gcr.io/kaniko-project/')));
  assert.match(byName.kaniko!.image, /^ghcr\.io\/osscontainertools\/kaniko:v[0-9.]+-debug$/);
  assert.is(byName.kaniko!.resources.requests['ephemeral-storage'], '40Gi');
  assert.is(byName.kaniko!.securityContext!.runAsUser, 0, 'kaniko unpacks images as root');
  assert.is(byName.tools!.image, 'alpine/k8s:1.35.0');
  assert.is(byName.python!.image, 'python:3.12');
  // The jnlp container (jenkins/inbound-agent) checks out as uid 1000: the others run as it, so git trusts the workspace.
  assert.equal(pod.spec.securityContext, { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
  assert.not.ok(byName.tools!.securityContext ?? byName.python!.securityContext);

  const containers = steps(r!, 'container').map((s) => s.args);
  assert.ok(containers.some((a) => a.name === 'kaniko' && a.shell === '/busybox/sh'), JSON.stringify(containers));
  assert.ok(containers.some((a) => (a.name ?? a.value) === 'python'), 'the tests run in the app\'s Python');
  assert.ok(r!.steps.some((s) => s.step === 'pipewrightTest' && s.stage === 'Build/Test'));
  assert.ok(sh(r!).includes(`/kaniko/executor --context "dir://$WORKSPACE" --dockerfile Dockerfile --destination 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:git-${r!.repo.tree}`));
  assert.not.ok(sh(r!).some((c) => c.startsWith('docker ') || c.includes('get-login-password')), 'no docker daemon, no password');

  const deploy = yaml.load(agentOf('Deploy develop').yaml) as { spec: { serviceAccountName: string; containers: { name: string }[] } };
  assert.equal(deploy.spec.containers.map((c) => c.name), ['tools']);
  assert.is(deploy.spec.serviceAccountName, 'pipewright-deployer');
});

test('script/smoke gets the environment URL', () => {
  if (!hasGroovy) return;
  const staging = results.smoke;
  assert.is(staging!.result, 'SUCCESS', staging!.error ?? '');
  // staging deploys to green: its own host, HTTPS, no trailing slash for the script to double
  assert.is(sh(staging!).at(-1 - verifyCommands('green', staging!.repo.tree).length), './script/smoke https://hello-flask-green.example.com');
  // the secret the stub credentials hold never reaches a recorded step
  assert.not.match(JSON.stringify(staging), 'not-a-real-token');
});

test('smoke is never a silent no-op: without script/smoke or smoke.command the build fails at Smoke, with the fix', () => {
  if (!hasGroovy) return;
  const r = results.noSmoke!;
  assert.is(r.result, 'FAILURE');
  assert.is(r.error, 'Smoke develop: nothing checks this deploy: add script/smoke (`pipewright generate` scaffolds one) or set smoke.command');
  assert.equal(r.stages.find((s) => s.path === 'Deploy develop/Smoke develop')!.status, 'failed');
  // smoke.command instead: the user's shell, with the environment in PW_* variables
  const c = results.smokeCommand!;
  assert.is(c.result, 'SUCCESS', c.error ?? '');
  assert.ok(steps(c, 'sh').some((x) => x.stage === 'Deploy develop/Smoke develop' && x.args.script === 'curl -fsS "$PW_URL/healthz"'));
  const vars = steps(c, 'withEnv').filter((s) => s.stage === 'Deploy develop/Smoke develop').flatMap((s) => s.args.overrides as string[]);
  assert.equal(vars, [
    'PW_URL=https://hello-flask-develop.example.com', 'PW_NAMESPACE=hello-flask-develop', 'PW_DEPLOYMENT=hello-flask', 'PW_PORT=8000', 'PW_HEALTH_PATH=/healthz',
  ]);
});

test('without a URL (no ingress host) script/smoke runs once per cluster, with a kubeconfig for it and the Deployment in PW_*', () => {
  if (!hasGroovy) return;
  const r = results.noUrl!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  const smoke = plannedCommands(r).filter((c) => c.stage === 'Deploy develop/Smoke develop' && c.step === 'sh').map((c) => c.text);
  assert.equal(smoke, [
    'aws eks update-kubeconfig --region eu-west-1 --name main --kubeconfig .pipewright/smoke/develop-main/kubeconfig > /dev/null',
    "./script/smoke ''",
    'aws eks update-kubeconfig --region us-east-1 --name main-us --kubeconfig .pipewright/smoke/develop-main-us/kubeconfig > /dev/null',
    "./script/smoke ''",
  ]);
  const vars = steps(r, 'withEnv').filter((s) => s.stage === 'Deploy develop/Smoke develop').map((s) => s.args.overrides as string[]);
  assert.equal(vars[0], [
    'PW_URL=', 'PW_NAMESPACE=worker-develop', 'PW_DEPLOYMENT=worker', 'PW_PORT=8000', 'PW_HEALTH_PATH=/healthz',
    'PW_REGION=eu-west-1', 'PW_CLUSTER=main', 'KUBECONFIG=.pipewright/smoke/develop-main/kubeconfig',
  ]);
});

test('script/post-inst: after the rollout, the Job is replaced, applied pinned by digest and waited for; then smoke', () => {
  if (!hasGroovy) return;
  const r = results.postInst!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r).slice(-4), ['Deploy develop/Rollout develop', 'Deploy develop/Post-install develop', 'Deploy develop/Smoke develop', 'Deploy develop/Verify develop']);
  const post = plannedCommands(r).filter((c) => c.stage === 'Deploy develop/Post-install develop');
  assert.equal(post.filter((c) => c.step === 'sh').map((c) => c.text), [
    'aws eks update-kubeconfig --region eu-west-1 --name delivery --kubeconfig .pipewright/post-inst/develop-delivery/kubeconfig > /dev/null',
    'kubectl delete job hello-flask-post-inst --namespace hello-flask-develop --ignore-not-found',
    'kubectl apply -k .pipewright/post-inst/develop-delivery',
    POST_INST_WAIT,
  ]);
  const written = steps(r, 'writeFile').find((s) => s.stage === 'Deploy develop/Post-install develop')!.args;
  assert.is(written.file, '.pipewright/post-inst/develop-delivery/kustomization.yaml');
  assert.match(String(written.text), '"../../../kustomize/overlays/develop/post-inst"');
  // the same digest the rollout deployed
  const deployed = steps(r, 'writeFile').find((s) => s.stage === 'Deploy develop/Rollout develop')!.args;
  assert.match(String(written.text), `  - name: ${JSON.stringify(REPO)}\n    digest: ${SAMPLE_DIGEST}\n`);
  assert.match(String(deployed.text), `    digest: ${SAMPLE_DIGEST}\n`);
  assert.equal(steps(r, 'echo').filter((s) => s.stage === 'Deploy develop/Post-install develop').map((s) => s.args.message), [
    'Post-install develop (delivery): script/post-inst completed (job hello-flask-post-inst)',
  ]);
});

test('a failed post-install Job prints its logs and fails the build before Smoke', () => {
  if (!hasGroovy) return;
  const r = results.postInstFails!;
  assert.is(r.result, 'FAILURE');
  assert.equal(sh(r).slice(-2), [POST_INST_WAIT, 'kubectl logs "job/hello-flask-post-inst" --namespace hello-flask-develop --all-containers --tail 200 || true']);
  assert.is(
    r.error,
    'Post-install develop (delivery): script/post-inst failed (job hello-flask-post-inst in hello-flask-develop; its logs are above). The new version is deployed: fix script/post-inst and build again, or roll back',
  );
  assert.is(r.stages.find((s) => s.path === 'Deploy develop/Post-install develop')!.status, 'failed');
  assert.not.ok(ran(r).includes('Deploy develop/Smoke develop'));
});

test('the post-install wait loop, run by /bin/sh: it ends when the Job completes (0), or at once when it failed (1)', () => {
  if (!hasGroovy) return;
  const done = results.realWaitCompletes!;
  assert.is(done.result, 'SUCCESS', done.error ?? '');
  assert.equal(steps(done, 'sh').filter((s) => /kubectl (logs|wait)/.test(String(s.args.script))).length, 1, 'one loop, no logs');
  const failed = results.realWaitFails!;
  assert.is(failed.result, 'FAILURE');
  assert.match(failed.error!, 'Post-install develop (delivery): script/post-inst failed (job hello-flask-post-inst');
  assert.equal(sh(failed).at(-1), 'kubectl logs "job/hello-flask-post-inst" --namespace hello-flask-develop --all-containers --tail 200 || true');
  const calls = (name: string) => readFileSync(path.join(work.dir, name, 'calls'), 'utf8').trim().split('\n');
  const [c, f] = ['realWaitCompletes', 'realWaitFails'].map((k) => calls(`kubectl-${k}`));
  const complete = 'wait --for=condition=complete job/hello-flask-post-inst --namespace hello-flask-develop --timeout 10s';
  const failedNow = 'wait --for=condition=failed job/hello-flask-post-inst --namespace hello-flask-develop --timeout 0s';
  assert.equal(c, [complete, failedNow, complete, failedNow, complete]);
  assert.equal(f, [complete, failedNow, complete, failedNow]);
});

test('options: builds of a branch abort older ones except where an approval waits; discarder, timestamps, a timeout; lock and milestone around each deploy', () => {
  if (!hasGroovy) return;
  const develop = results.develop!;
  const master = results.master!;
  const setup = (r: RunResult, name: string) => r.steps.find((s) => s.stage === '' && s.step === name)?.args;
  assert.equal(setup(develop, 'disableConcurrentBuilds'), { abortPrevious: true });
  assert.equal(setup(master, 'disableConcurrentBuilds'), { abortPrevious: false });
  assert.ok(setup(develop, 'buildDiscarder') && setup(develop, 'timestamps'));
  assert.equal(setup(develop, 'timeout'), { time: 26, unit: 'HOURS' });
  assert.equal(steps(develop, 'cleanWs').map((s) => s.stage), ['Build', 'Deploy develop']);
  // `when` is decided before the agent: other environments' stages take no executor, no checkout
  assert.equal(steps(develop, 'checkout').map((s) => s.stage), ['Build', 'Deploy develop']);
  assert.equal(steps(develop, 'agent').filter((s) => s.stage.startsWith('Deploy')).map((s) => s.stage), ['Deploy develop']);
  // the lock is taken before the agent; the milestone is the first step inside it
  const deploy = master.steps.filter((s) => s.stage.startsWith('Deploy blue'));
  assert.equal(deploy[0], { stage: 'Deploy blue', step: 'lock', args: { resource: 'pipewright/hello-flask/blue' } });
  assert.equal(deploy.find((s) => s.step === 'milestone')!.args, { ordinal: 6, label: 'Deploy blue' });
  assert.ok(deploy.findIndex((s) => s.step === 'milestone') < deploy.findIndex((s) => s.step === 'pipewrightDeploy'));
  assert.equal(steps(master, 'milestone').map((s) => s.args.ordinal), [5, 6]);
});

test.run();
