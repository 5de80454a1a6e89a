// The Groovy harness: a declarative Jenkinsfile and its library vars executed on the real Groovy 2.4
// against stub steps, plus the Groovy 2.4 parse check. One JVM for all pipeline scenarios.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findGroovy, harnessWorker, parseGroovy, runPipelines, type RunResult, type Scenario, type StepCall } from '../src/plan/harness.js';
import { UsageError } from '../src/core/errors.js';
import { engineAvailable, fromRoot, tempDir, withoutGroovy } from './helpers.js';

const hasGroovy = engineAvailable('groovy');

const dir = fromRoot('test', 'fixtures', 'harness');
const SECRET_USER = 'ci-pusher';
const SECRET_PASS = 's3cret-pass';
const DIGEST = 'sha256:0123abcd';
const okSh = [
  { match: 'git rev-list --count', stdout: '0\n' },
  { match: 'docker inspect', stdout: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${DIGEST}\n` },
];

function scenario(name: string, env: Record<string, string>, extra: Partial<Scenario> = {}): Scenario {
  return {
    name,
    jenkinsfile: path.join(dir, 'Jenkinsfile'),
    vars: path.join(dir, 'vars'),
    env,
    sh: okSh,
    credentials: { 'ecr-push': { username: SECRET_USER, password: SECRET_PASS } },
    ...extra,
  };
}

const scenarios: Scenario[] = [
  scenario('develop', { BRANCH_NAME: 'develop', BUILD_NUMBER: '12' }, { files: ['script/cibuild'] }),
  scenario('master', { BRANCH_NAME: 'master' }, { input: { approver: 'alice' } }),
  scenario('pr', { BRANCH_NAME: 'PR-7', CHANGE_ID: '7', CHANGE_TARGET: 'master', CHANGE_BRANCH: 'staging' }),
  scenario('pr-from-feature', { BRANCH_NAME: 'PR-8', CHANGE_ID: '8', CHANGE_TARGET: 'master', CHANGE_BRANCH: 'feature/x' }),
  scenario('rejected', { BRANCH_NAME: 'master' }, { input: { approver: 'bob', abort: true } }),
  scenario('rollout-fails', { BRANCH_NAME: 'master' }, { sh: [{ match: 'rollout status', status: 1 }, ...okSh] }),
  scenario('guard-fails', { BRANCH_NAME: 'master' }, { sh: [{ match: 'git rev-list', stdout: '3\n' }] }),
  scenario('cibuild-fails', { BRANCH_NAME: 'develop' }, { files: ['script/cibuild'], sh: [{ match: '^script/cibuild$', status: 2 }, ...okSh] }),
  ...['feature/a/b', 'feature/a'].map((b) => ({ name: b, jenkinsfile: path.join(dir, 'conditions.Jenkinsfile'), vars: path.join(dir, 'vars'), env: { BRANCH_NAME: b } })),
  { name: 'no-agent', jenkinsfile: path.join(dir, 'noagent.Jenkinsfile'), vars: path.join(dir, 'vars'), env: { BRANCH_NAME: 'main' } },
];

let batch: Promise<Map<string, RunResult>> | undefined;
/** All scenarios in one runPipelines call (one JVM), shared by every test. */
function results(): Promise<Map<string, RunResult>> {
  batch ??= runPipelines(scenarios).then((rs) => new Map(rs.map((r) => [r.name, r])));
  return batch;
}

async function run(name: string): Promise<RunResult> {
  const r = (await results()).get(name);
  assert.ok(r, `no result for ${name}`);
  return r;
}

const statuses = (r: RunResult) => Object.fromEntries(r.stages.map((s) => [s.path, s.status]));
const stepsOf = (r: RunResult, stage: string) => r.steps.filter((s) => s.stage === stage);
const named = (r: RunResult, step: string) => r.steps.filter((s) => s.step === step);
const summary = (steps: readonly StepCall[]) => steps.map((s) => s.step);

test('develop builds the image and deploys develop; approval and blue are skipped', async () => {
  if (!hasGroovy) return;
  const r = await run('develop');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.is(r.error, null);
  assert.equal(r.stages.map((s) => s.path), ['Build', 'Build/Guard', 'Build/Test', 'Build/Image', 'Deploy develop', 'Approve blue', 'Deploy blue', 'PR checks']);
  assert.equal(statuses(r), {
    Build: 'ran', 'Build/Guard': 'ran', 'Build/Test': 'ran', 'Build/Image': 'ran',
    'Deploy develop': 'ran', 'Approve blue': 'skipped', 'Deploy blue': 'skipped', 'PR checks': 'skipped',
  });
  assert.equal(named(r, 'input'), [], 'beforeInput: no approval is asked on develop');
  assert.equal(stepsOf(r, ''), [
    { stage: '', step: 'disableConcurrentBuilds', args: {} },
    { stage: '', step: 'buildDiscarder', args: { value: { logRotator: { numToKeepStr: '30' } } } },
    { stage: '', step: 'timestamps', args: {} },
    { stage: '', step: 'timeout', args: { time: 2, unit: 'HOURS' } },
    { stage: '', step: 'environment', args: { PIPEWRIGHT_APP: 'shop' } },
    { stage: '', step: 'agent', args: { none: true } },
  ]);
  const k8s = stepsOf(r, 'Deploy develop')[0]!;
  assert.is(k8s.step, 'agent');
  assert.is((k8s.args.kubernetes as Record<string, unknown>).defaultContainer, 'kubectl');
  assert.match(String((k8s.args.kubernetes as Record<string, unknown>).yaml), /kind: Pod/);
  // The script existed, so it ran; the image tag uses BUILD_NUMBER from the scenario env.
  assert.ok(stepsOf(r, 'Build/Test').some((s) => s.step === 'sh' && s.args.script === 'script/cibuild'));
  assert.ok(JSON.stringify(stepsOf(r, 'Build/Image')).includes('shop:develop-12'));
});

test('master: guard checks merges, input directive with approver, blue deploys in parallel', async () => {
  if (!hasGroovy) return;
  const r = await run('master');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(statuses(r), {
    Build: 'ran', 'Build/Guard': 'ran', 'Build/Test': 'ran', 'Build/Image': 'ran',
    'Deploy develop': 'skipped', 'Approve blue': 'ran', 'Deploy blue': 'ran', 'PR checks': 'skipped',
  });
  assert.equal(summary(stepsOf(r, 'Build/Guard')), ['pipewrightGuard', 'withEnv', 'sh']);
  assert.equal(summary(stepsOf(r, 'Build/Test')), ['fileExists'], 'no script/cibuild in this checkout');
  const approve = stepsOf(r, 'Approve blue');
  assert.equal(approve, [
    { stage: 'Approve blue', step: 'timeout', args: { time: 24, unit: 'HOURS' } },
    {
      stage: 'Approve blue', step: 'input',
      args: { message: 'Deploy to blue?', ok: 'Deploy', submitter: 'release-managers', submitterParameter: 'PIPEWRIGHT_APPROVER', executorHeld: false },
    },
    { stage: 'Approve blue', step: 'agent', args: { none: true } },
    { stage: 'Approve blue', step: 'pipewrightAudit', args: { event: 'approved', approver: 'alice' } },
    { stage: 'Approve blue', step: 'echo', args: { message: 'pipewright audit: event=approved approver=alice' } },
  ]);
});

test('parallel: a parallel step with branch names, each branch recorded in order', async () => {
  if (!hasGroovy) return;
  const r = await run('master');
  const blue = stepsOf(r, 'Deploy blue');
  assert.equal(summary(blue.slice(0, 3)), ['agent', 'checkout', 'parallel']);
  assert.equal(blue[2]!.args, { branches: ['eu', 'us'] });
  const deploys = blue.filter((s) => s.step === 'pipewrightDeploy');
  assert.equal(deploys.map((s) => [s.branch, s.args.cluster]), [['eu', 'blue-eu'], ['us', 'blue-us']]);
  assert.equal(
    blue.filter((s) => s.branch === 'eu').map((s) => s.step),
    ['pipewrightDeploy', 'withEnv', 'sh', 'sh', 'pipewrightAudit', 'echo'],
  );
});

test('env set in a script block persists across stages (the digest reaches Deploy blue)', async () => {
  if (!hasGroovy) return;
  const r = await run('master');
  const image = stepsOf(r, 'Build/Image');
  assert.equal(image.find((s) => s.step === 'writeFile')!.args, { file: '.pipewright/digest', text: DIGEST });
  for (const d of named(r, 'pipewrightDeploy')) assert.is(d.args.digest, DIGEST);
  assert.equal(named(r, 'withEnv').at(-1)!.args, { overrides: ['PW_CLUSTER=blue-us', `PW_DIGEST=${DIGEST}`] });
});

test('a PR build (PR-7 → master) runs the guard and the PR checks only', async () => {
  if (!hasGroovy) return;
  const r = await run('pr');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(statuses(r), {
    Build: 'ran', 'Build/Guard': 'ran', 'Build/Test': 'ran', 'Build/Image': 'skipped',
    'Deploy develop': 'skipped', 'Approve blue': 'skipped', 'Deploy blue': 'skipped', 'PR checks': 'ran',
  });
  assert.equal(stepsOf(r, 'PR checks'), [{ stage: 'PR checks', step: 'echo', args: { message: 'PR 7 from staging' } }]);
  assert.equal(named(r, 'sh'), [], 'a PR is checked from CHANGE_BRANCH, without git');
});

test('error() surfaces its message and stops every later stage', async () => {
  if (!hasGroovy) return;
  const r = await run('guard-fails');
  assert.is(r.result, 'FAILURE');
  assert.is(r.error, 'pipewright: master has 3 commit(s) that are not on staging');
  assert.is(r.errorAt, 'vars/pipewrightGuard.groovy:19');
  assert.equal(statuses(r), {
    Build: 'failed', 'Build/Guard': 'failed', 'Build/Test': 'not-reached', 'Build/Image': 'not-reached',
    'Deploy develop': 'not-reached', 'Approve blue': 'not-reached', 'Deploy blue': 'not-reached', 'PR checks': 'not-reached',
  });
  const pr = await run('pr-from-feature');
  assert.is(pr.error, 'pipewright: master only accepts merges from staging, not feature/x');
});

test('sh: a non-zero status fails the build like Jenkins; returnStatus hands it to the script', async () => {
  if (!hasGroovy) return;
  const failed = await run('cibuild-fails');
  assert.is(failed.result, 'FAILURE');
  assert.is(failed.error, 'script returned exit code 2');
  assert.is(statuses(failed)['Build/Test'], 'failed');
  assert.is(statuses(failed)['Build/Image'], 'not-reached');

  const r = await run('rollout-fails');
  assert.is(r.result, 'FAILURE');
  assert.is(r.error, 'pipewright: rollout on blue-eu failed', 'the first failing branch');
  const eu = r.steps.filter((s) => s.branch === 'eu').map((s) => [s.step, s.args.script ?? s.args.message ?? '']);
  assert.equal(eu.slice(3), [
    ['sh', 'kubectl --context "$PW_CLUSTER" rollout status deployment/shop --timeout=300s'],
    ['sh', 'kubectl --context "$PW_CLUSTER" rollout undo deployment/shop'],
    ['error', 'pipewright: rollout on blue-eu failed'],
  ]);
  assert.ok(r.steps.some((s) => s.branch === 'us' && s.step === 'error'), 'the other branch still ran');
  assert.is(statuses(r)['Deploy blue'], 'failed');
  assert.is(statuses(r)['PR checks'], 'not-reached');
});

test('post blocks: stage and pipeline conditions, in Jenkins order', async () => {
  if (!hasGroovy) return;
  const posts = (r: RunResult, stage: string) =>
    r.steps.filter((s) => s.stage === stage && s.step === 'post').map((s) => s.args.condition);
  const ok = await run('master');
  assert.equal(posts(ok, 'Declarative: Post Actions'), ['always', 'success', 'cleanup']);
  assert.equal(stepsOf(ok, 'Declarative: Post Actions').find((s) => s.step === 'echo')!.args, { message: 'result: SUCCESS' });
  assert.equal(posts(ok, 'Build'), ['cleanup']);
  assert.equal(posts(ok, 'Deploy blue'), []);

  const bad = await run('rollout-fails');
  assert.equal(posts(bad, 'Deploy blue'), ['failure']);
  assert.equal(posts(bad, 'Declarative: Post Actions'), ['always', 'failure', 'cleanup']);
  assert.ok(stepsOf(bad, 'Declarative: Post Actions').some((s) => s.args.message === 'result: FAILURE'));
  assert.equal(posts(await run('guard-fails'), 'Build'), ['cleanup'], 'stage post runs when a nested stage fails');
});

test('input rejected: ABORTED, aborted post, later stages not reached', async () => {
  if (!hasGroovy) return;
  const r = await run('rejected');
  assert.is(r.result, 'ABORTED');
  assert.is(r.error, 'Rejected by bob');
  assert.is(statuses(r)['Approve blue'], 'aborted');
  assert.is(statuses(r)['Deploy blue'], 'not-reached');
  assert.equal(summary(stepsOf(r, 'Approve blue')), ['timeout', 'input'], 'nothing runs after a rejected input');
  assert.equal(
    r.steps.filter((s) => s.step === 'post').map((s) => s.args.condition),
    ['cleanup', 'always', 'aborted', 'cleanup'],
  );
});

test('withCredentials records ids and variable names, never the secret values', async () => {
  if (!hasGroovy) return;
  const r = await run('develop');
  assert.equal(named(r, 'withCredentials')[0]!.args, {
    bindings: [{ type: 'usernamePassword', credentialsId: 'ecr-push', usernameVariable: 'PW_ECR_USER', passwordVariable: 'PW_ECR_PASSWORD' }],
  });
  // The fixture interpolates the username into an echo: masked, as Jenkins masks its log.
  assert.ok(named(r, 'echo').some((s) => s.args.message === 'logged in as ****'));
  for (const res of await results()) {
    const json = JSON.stringify(res[1]);
    assert.not.ok(json.includes(SECRET_PASS) || json.includes(SECRET_USER), `${res[0]} leaks a secret`);
  }
});

test('a library step calling another library step is recorded, nested after it', async () => {
  if (!hasGroovy) return;
  const r = await run('develop');
  assert.equal(summary(stepsOf(r, 'Deploy develop')), ['agent', 'checkout', 'pipewrightDeploy', 'withEnv', 'sh', 'sh', 'pipewrightAudit', 'echo']);
  assert.equal(named(r, 'pipewrightAudit')[0]!.args, { event: 'deployed', cluster: 'develop', digest: DIGEST });
});

test('a workspace step outside any agent fails as in Jenkins (agent none + post cleanWs)', async () => {
  if (!hasGroovy) return;
  const r = await run('no-agent');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /^Required context class hudson\.FilePath is missing: step 'cleanWs'/);
  assert.equal(statuses(r), { Hello: 'ran' });
});

test('when: Ant globs, expression, environment, not/changeRequest, beforeAgent; catchError and unknown steps', async () => {
  if (!hasGroovy) return;
  const deep = await run('feature/a/b');
  assert.equal(statuses(deep), {
    'One level': 'skipped', 'Any depth': 'ran', Expression: 'ran', Env: 'skipped',
    'Not PR': 'ran', 'Skipped early': 'skipped', 'Soft failure': 'failed', Typo: 'failed',
  });
  assert.is(statuses(await run('feature/a'))['One level'], 'ran');
  assert.equal(stepsOf(deep, 'Not PR'), [
    { stage: 'Not PR', step: 'agent', args: { label: 'docker' } },
    { stage: 'Not PR', step: 'checkout', args: { scm: 'scm', implicit: true } },
    { stage: 'Not PR', step: 'dir', args: { path: 'out' } },
    { stage: 'Not PR', step: 'sleep', args: { time: 5 } },
  ]);
  assert.equal(stepsOf(deep, 'Skipped early'), [], 'beforeAgent: skipped without taking an agent');
  // catchError kept the build going; the unknown step then failed it.
  assert.is(deep.result, 'FAILURE');
  assert.is(deep.error, "No such DSL method 'pipewrightTypo' found among steps (harness stubs) or library vars");
  assert.is(deep.errorAt, 'Jenkinsfile:43');
});

test('ParseCheck: good files pass; syntax errors and Groovy 3 syntax fail with line and column', async () => {
  if (!hasGroovy) return;
  const t = tempDir();
  try {
    const bad = path.join(t.dir, 'bad.groovy');
    writeFileSync(bad, "def x = 1\ndef y = [\n  'a',\n");
    const lambda = path.join(t.dir, 'lambda.groovy');
    writeFileSync(lambda, 'def ok = { x -> x }\ndef f = (x) -> x\n');
    const notIn = path.join(t.dir, 'notin.groovy');
    writeFileSync(notIn, "if ('a' !in ['b']) { echo 'x' }\n");
    const varDecl = path.join(t.dir, 'var.groovy');
    writeFileSync(varDecl, 'def call() {\n  var n = 1\n}\n');
    const good = [path.join(dir, 'Jenkinsfile'), ...['Guard', 'Image', 'Deploy', 'Audit'].map((n) => path.join(dir, 'vars', `pipewright${n}.groovy`))];
    const res = await parseGroovy([...good, bad, lambda, notIn, varDecl]);
    assert.equal(res.slice(0, good.length), good.map((file) => ({ file, errors: [] })));
    const [b, l, n, v] = res.slice(good.length);
    assert.is(b!.file, bad);
    assert.is(b!.errors.length, 1);
    assert.is(b!.errors[0]!.line, 4);
    assert.ok(b!.errors[0]!.column >= 1);
    assert.equal(l!.errors, [{ line: 2, column: 13, message: "expecting EOF, found '->'" }]);
    assert.is(n!.errors[0]!.line, 1);
    assert.match(n!.errors[0]!.message, /!/);
    assert.equal(v!.errors.map((e) => [e.line, e.column]), [[2, 3]]);
    assert.match(v!.errors[0]!.message, /Groovy 3/);
  } finally {
    t.cleanup();
  }
});

test('findGroovy finds the engine; without it the error says how to install it', async () => {
  if (!hasGroovy) return;
  assert.ok(findGroovy());
  await withoutGroovy(async () => {
    assert.is(findGroovy(), null);
    try {
      await runPipelines(scenarios);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, UsageError);
      assert.is((e as Error).message, 'Groovy 2.4 is needed: apt-get install -y --no-install-recommends groovy default-jre-headless');
    }
  });
});

test('a real workspace: run: true scripts and the checkout run in it with only the given environment; cleanWs empties it, writeFile writes it', async () => {
  if (!hasGroovy) return;
  const t = tempDir();
  try {
    const ws = path.join(t.dir, 'ws');
    mkdirSync(ws);
    const jf = path.join(t.dir, 'Jenkinsfile');
    writeFileSync(
      jf,
      [
        'pipeline {',
        '    agent any',
        '    stages {',
        "        stage('S') {",
        '            steps {',
        "                writeFile(file: 'out/note.txt', text: 'hi')",
        String.raw`                script { env.SEEN = sh(script: 'cat out/note.txt checked-out; echo "$HOME|$PW_X|$BRANCH_NAME"', returnStdout: true).trim() }`,
        String.raw`                withEnv(['PW_X=x y']) { sh(script: 'test "$PW_X" = "x y" && pwd > where.txt') }`,
        "                script { env.STATUS = String.valueOf(sh(script: 'ls missing-file', returnStatus: true)) }",
        "                sh(script: 'echo stubbed-and-never-run > stub.txt')",
        "                echo(env.SEEN + ' ' + env.STATUS)",
        '            }',
        '            post { cleanup { cleanWs() } }',
        '        }',
        "        stage('T') { steps { sh(script: 'ls nothing-here') } }",
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    const base: Scenario = {
      name: 'real',
      jenkinsfile: jf,
      vars: path.join(dir, 'vars'),
      env: { BRANCH_NAME: 'develop' },
      shell: { workspace: ws, env: { PATH: process.env.PATH!, HOME: '/nonexistent-home' }, checkout: 'echo checkout > checked-out' },
      sh: [
        { match: '^echo stubbed', stdout: '' },
        { match: '.', run: true },
      ],
    };
    const [r] = await runPipelines([base]);
    assert.is(r!.result, 'FAILURE');
    const echo = r!.steps.find((s) => s.step === 'echo' && String(s.args.message).startsWith('hi'))!;
    // the file writeFile wrote and the checkout made are on disk; only the given environment (plus the pipeline's) reaches the shell
    assert.is(echo.args.message, 'hicheckout\n/nonexistent-home||develop 2');
    const failed = r!.steps.filter((s) => s.step === 'sh' && s.args.stderr).map((s) => s.args.stderr);
    assert.is(failed.length, 2);
    assert.match(String(failed[1]), 'nothing-here');
    assert.is(r!.error, 'script returned exit code 2');
    // cleanWs emptied the real workspace; stage T's script then ran in the empty workspace (no new checkout: no agent)
    assert.equal(readdirSync(ws), []);
  } finally {
    t.cleanup();
  }
});

test('a harness crash (not a pipeline failure) surfaces as an Error with the stack trace', async () => {
  if (!hasGroovy) return;
  try {
    await runPipelines([42 as unknown as Scenario]);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.not.instance(e, UsageError);
    assert.match((e as Error).message, /GroovyCastException: Cannot cast object '42'/);
  }
});

test('one JVM per process: calls, concurrent ones too, are served by the same worker; a hang is killed at the time limit, a crash is reported, and the next call gets a fresh worker', async () => {
  if (!hasGroovy) return;
  const t = tempDir();
  const limit = harnessWorker.timeoutMs;
  try {
    const develop = scenarios[0]!;
    const [first] = await runPipelines([develop]);
    const pid = harnessWorker.pid();
    assert.ok(pid, 'a worker runs');
    // Concurrent calls are queued: each gets its own answer, from the same JVM.
    const [[again], parsed, [master]] = await Promise.all([runPipelines([develop]), parseGroovy([develop.jenkinsfile]), runPipelines([scenarios[1]!])]);
    assert.equal(again, first);
    assert.equal(parsed, [{ file: develop.jenkinsfile, errors: [] }]);
    assert.is(master!.name, 'master');
    assert.is(master!.result, 'SUCCESS', master!.error ?? '');
    assert.is(harnessWorker.pid(), pid, 'the same JVM served every call');

    const pipeline = (name: string, body: string): Scenario => {
      const jf = path.join(t.dir, `${name}.Jenkinsfile`);
      writeFileSync(jf, `pipeline {\n    agent any\n    stages {\n        stage('S') { steps { script { ${body} } } }\n    }\n}\n`);
      return { name, jenkinsfile: jf, vars: path.join(dir, 'vars'), env: { BRANCH_NAME: 'develop' } };
    };
    // A pipeline that never ends: the worker is killed at the limit and the call says so.
    harnessWorker.timeoutMs = 4000;
    const started = Date.now();
    try {
      await runPipelines([pipeline('hang', "echo 'spinning'; while (true) { }")]);
      assert.unreachable('a hang must fail');
    } catch (e) {
      assert.match((e as Error).message, /^groovy PipelineHarness\.groovy did not finish within 4 s/);
    } finally {
      harnessWorker.timeoutMs = limit;
    }
    assert.ok(Date.now() - started < 60_000);
    assert.is(harnessWorker.pid(), undefined, 'the hung worker is gone');
    const [afterHang] = await runPipelines([develop]);
    assert.equal(afterHang, first);
    const second = harnessWorker.pid();
    assert.ok(second && second !== pid, 'a fresh JVM');

    // A pipeline that takes the JVM down: the call reports the worker's death and its exit code.
    try {
      await runPipelines([pipeline('crash', "System.err.println('going down'); System.exit(3)")]);
      assert.unreachable('a crash must fail');
    } catch (e) {
      assert.not.instance(e, UsageError);
      assert.match((e as Error).message, `groovy PipelineHarness.groovy failed: the harness worker (pid ${second}) died (exit 3):`);
      assert.match((e as Error).message, 'going down');
    }
    const [afterCrash] = await parseGroovy([develop.jenkinsfile]);
    assert.equal(afterCrash, { file: develop.jenkinsfile, errors: [] });
    assert.ok(harnessWorker.pid() !== second);
  } finally {
    harnessWorker.timeoutMs = limit;
    t.cleanup();
  }
});

test('an idle worker does not keep the process alive', () => {
  if (!hasGroovy) return;
  const harness = fromRoot('dist', 'src', 'plan', 'harness.js');
  const code = `const h = await import(${JSON.stringify(harness)}); const [r] = await h.parseGroovy([${JSON.stringify(path.join(dir, 'Jenkinsfile'))}]); console.log(JSON.stringify(r.errors) + " " + String(h.harnessWorker.pid() > 0));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 150_000 });
  assert.is(res.signal, null, 'the process ended by itself');
  assert.is(res.status, 0, res.stderr);
  assert.is(res.stdout, '[] true\n');
});

test.run();
