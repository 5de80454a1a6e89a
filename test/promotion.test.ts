// Promotion you can trust, executed: the generated Jenkinsfile and library run in Groovy 2.4 (the
// harness) with real git, for a config with verification gates, required checks, a canary and a
// promotion window. ECR, kubectl and CloudWatch answer through the harness's sh stubs, except in
// the last test, where the alarm gate's `aws cloudwatch` shell runs for real against moto.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';
import { windowOpen, WEEK_MINUTES } from '../src/model/windows.js';
import { releaseRecordOf } from '../src/model/release.js';
import { writePipeline } from '../src/plan/workspace.js';
import { loadTemplates } from '../src/config/templates.js';
import { runPipelines, type RunResult } from '../src/plan/harness.js';
import { scenarioFor, varsAt, SAMPLE_DIGEST, type PipelineCase, type PipelineScenario } from '../src/plan/scenario.js';
import { plannedCommands } from '../src/plan/commands.js';
import { CANARY_ACTION_ANNOTATION, canaryWeightsAnnotation } from '../src/render/kubernetes/canary.js';
import { engineAvailable, tempDir, EngineSuite } from './helpers.js';
import { AWS_SHIM, agentAwsEnv, startMoto, writeShims, type Moto } from './moto.js';

const hasGroovy = engineAvailable('groovy');
engineAvailable('git');
const work = tempDir('pipewright-promotion-');

const model = (extra: Record<string, unknown>, environments: unknown[]): Model =>
  resolveModel(
    validateConfig({ app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' }, defaults: { ingress: { domain: 'example.com' } }, environments, ...extra }, 'pipewright.yaml'),
    'pipewright.yaml',
  );

const BLUE = {
  name: 'blue',
  branch: 'master',
  production: true,
  verify: { alarms: ['shop-blue-5xx', { prefix: 'shop-blue-latency-' }], soak: '2m' },
  canary: { steps: [10, 50], pause: '1m' },
};
const ENVIRONMENTS = [
  { name: 'develop', branch: 'develop', verify: { alarms: ['shop-develop-5xx'], soak: '1m' } },
  { name: 'green', branch: 'staging', requiredChecks: [{ name: 'scan-clean' }, { name: 'load-test', command: './script/load-test "$PW_IMAGE"' }] },
  BLUE,
];
const main = model({}, ENVIRONMENTS);
const windowFail = model({}, [...ENVIRONMENTS.slice(0, 2), { ...BLUE, windows: { timeZone: 'Europe/Berlin', deny: ['Fri 16:00-Mon 08:00'] } }]);
const windowWait = model({}, [
  ...ENVIRONMENTS.slice(0, 2),
  { ...BLUE, canary: undefined, windows: { timeZone: 'Europe/Berlin', allow: ['Mon-Thu 08:00-17:00'], outside: 'wait', maxWait: '96h' } },
]);
const replicas = model({}, [...ENVIRONMENTS.slice(0, 2), { ...BLUE, canary: { ...BLUE.canary, traffic: 'replicas' } }]);

function renderTo(m: Model, name: string) {
  return writePipeline(m, loadTemplates({ groups: ['vars-templates'], configFile: m.configFile }), path.join(work.dir, name));
}
const allowOnly = model({}, [...ENVIRONMENTS.slice(0, 2), { ...BLUE, canary: undefined, verify: undefined, windows: { timeZone: 'Europe/Berlin', allow: ['Mon-Thu 08:00-17:00'] } }]);
const paths = new Map<Model, ReturnType<typeof renderTo>>([main, windowFail, windowWait, replicas, allowOnly].map((m, i) => [m, renderTo(m, `pipeline-${i}`)]));
// Through a week, every 3 hours 31 minutes from Monday 00:00 in Berlin (UTC+1 in December).
const MONDAY = Date.parse('2026-11-30T00:00:00+01:00');
const PARITY_TIMES = Array.from({ length: 48 }, (_, i) => MONDAY + i * (3 * 60 + 31) * 60_000);

const files = ['script/cibuild', 'script/smoke'];
let runs = 0;
type Case = PipelineCase & { m?: Model };
const CASES: Record<string, Case> = {
  master: { branch: 'master', files, approver: 'alice' },
  alarm: { branch: 'master', files, approver: 'alice', alarmState: 'ALARM' },
  canaryNotReady: { branch: 'master', files, approver: 'alice', canaryFails: true },
  replicas: { branch: 'master', files, approver: 'alice', m: replicas },
  missingAlarm: { branch: 'master', files, approver: 'alice', missingAlarms: ['shop-blue-5xx'] },
  unverified: { branch: 'staging', files, imageInEcr: true, verifiedUpstream: false },
  neverBuilt: { branch: 'staging', files, imageInEcr: false },
  staging: { branch: 'staging', files: [...files, 'script/load-test'], imageInEcr: true },
  developSoakAlarm: { branch: 'develop', files, alarmState: 'ALARM' },
  // Friday 17:00 in Berlin (16:00 UTC): inside "deny Fri 16:00-Mon 08:00".
  windowClosed: { branch: 'master', files, approver: 'alice', m: windowFail, now: '2026-12-04T16:00:00Z' },
  windowOpen: { branch: 'master', files, approver: 'alice', m: windowFail, now: '2026-12-03T10:00:00Z' },
  // Thursday 18:30 in Berlin: after "allow Mon-Thu 08:00-17:00"; the next opening is Monday 08:00.
  windowWait: { branch: 'master', files, approver: 'alice', m: windowWait, now: '2026-12-03T17:30:00Z' },
};
type Result = RunResult & { scenario: PipelineScenario };
let results: Record<string, Result> = {};

test.before(async () => {
  if (!hasGroovy) return;
  const scenarios = Object.values(CASES).map(({ m = main, ...c }) => scenarioFor(m, paths.get(m)!, c, path.join(work.dir, `run-${++runs}`)));
  const out = await runPipelines(scenarios);
  results = Object.fromEntries(Object.keys(CASES).map((k, i) => [k, { ...out[i]!, scenario: scenarios[i]! }]));
});

test.after(() => work.cleanup());

const ran = (r: RunResult) => r.stages.filter((s) => s.status === 'ran' || s.status === 'failed').map((s) => s.path);
const sh = (r: RunResult, stage?: string) => plannedCommands(r).filter((c) => c.step === 'sh' && (stage === undefined || c.stage === stage)).map((c) => c.text);
const echoes = (r: RunResult) => r.steps.filter((s) => s.step === 'echo').map((s) => String(s.args.message));
const tagsAt = (repo: { url: string }, commit: string) => execFileSync('git', ['tag', '--points-at', commit], { cwd: repo.url, encoding: 'utf8' }).split('\n').filter(Boolean);
const ECR = '--region eu-west-1 --repository-name shop';
const putImage = (tag: string) => `aws ecr put-image ${ECR} --image-tag ${tag} `;
const weights = (canary: number) => canaryWeightsAnnotation(main, main.environments[2]!, canary);
const annotate = (canary: number) => `kubectl annotate ingress shop --namespace shop-blue --overwrite "${CANARY_ACTION_ANNOTATION}='${weights(canary)}'"`;
const sleeps = (r: RunResult, stage: string) => r.steps.filter((s) => s.step === 'sleep' && s.stage === stage).reduce((n, s) => n + Number(s.args.time), 0);

test('master with a canary: verified on green → approval → canary 10% and 50%, each held for its pause under the alarm gate → full rollout → smoke → soak → verified tag', () => {
  if (!hasGroovy) return;
  const r = results.master!;
  const tree = r.scenario.repo.tree;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(ran(r), [
    'Build', 'Build/Guard', 'Build/Test', 'Build/Image', 'Build/Release tag blue',
    'Approve blue', 'Deploy blue', 'Deploy blue/Canary blue', 'Deploy blue/Rollout blue', 'Deploy blue/Post-install blue', 'Deploy blue/Smoke blue', 'Deploy blue/Verify blue',
  ]);
  // Verified upstream, before anything is tagged.
  const image = sh(r, 'Build/Image');
  const verifiedCheck = image.findIndex((c) => c.includes(`"imageTag=verified-green-${tree}"`));
  assert.ok(verifiedCheck > 0 && verifiedCheck < image.findIndex((c) => c.includes(putImage(`master-${tree.slice(0, 12)}`))), image.join('\n'));
  assert.not.ok(image.some((c) => c.startsWith('docker build')), 'production never builds');
  // The canary: its own wrapper, then per step scale, wait, weights, and the alarms for the pause.
  const canary = sh(r, 'Deploy blue/Canary blue');
  assert.equal(canary.slice(0, 4), [
    'aws eks update-kubeconfig --region eu-west-1 --name main --kubeconfig .pipewright/deploy/blue-main/canary/kubeconfig > /dev/null',
    'kubectl get "deployment/shop" --namespace shop-blue > /dev/null',
    'kubectl get "service/shop-canary" --namespace shop-blue > /dev/null',
    'kubectl apply -k .pipewright/deploy/blue-main/canary',
  ]);
  const steps = [annotate(10), annotate(50)].map((a) => canary.indexOf(a));
  assert.ok(steps[0]! > 0 && steps[1]! > steps[0]!, canary.join('\n'));
  assert.ok(canary.slice(steps[0]!, steps[1]!).some((c) => c.startsWith('aws cloudwatch describe-alarms') && c.includes('--alarm-names shop-blue-5xx')));
  assert.ok(canary.slice(steps[0]!, steps[1]!).some((c) => c.includes('--alarm-name-prefix shop-blue-latency-')));
  assert.is(sleeps(r, 'Deploy blue/Canary blue'), 2 * 60, 'each of the 2 steps holds for its 1m pause');
  const wrapper = r.steps.find((s) => s.step === 'writeFile' && s.stage === 'Deploy blue/Canary blue')!;
  assert.is(wrapper.args.file, '.pipewright/deploy/blue-main/canary/kustomization.yaml');
  assert.match(String(wrapper.args.text), `    digest: ${SAMPLE_DIGEST}\n`);
  // Then the full rollout, and the canary is removed after it.
  const rollout = sh(r, 'Deploy blue/Rollout blue');
  assert.ok(rollout.indexOf('kubectl apply -k .pipewright/deploy/blue-main') < rollout.indexOf('kubectl delete "deployment/shop-canary" --namespace shop-blue --ignore-not-found'), rollout.join('\n'));
  // Verify: the soak, then the verified tag.
  assert.is(sleeps(r, 'Deploy blue/Verify blue'), 120);
  assert.ok(sh(r, 'Deploy blue/Verify blue').at(-1)!.includes(putImage(`verified-blue-${tree}`)));
  assert.ok(echoes(r).some((e) => e === `Verify blue: ${SAMPLE_DIGEST} is verified on blue`));
});

test('the deploy carries the release record on the pod template: digest, tree, commit, release tag, approver, build', () => {
  if (!hasGroovy) return;
  const r = results.master!;
  const written = r.steps.find((s) => s.step === 'writeFile' && String(s.args.file) === '.pipewright/deploy/blue-main/release.json')!;
  const patch = JSON.parse(String(written.args.text)) as { kind: string; metadata: { name: string }; spec: { template: { metadata: { annotations: Record<string, string> } } } };
  assert.is(patch.kind, 'Deployment');
  assert.is(patch.metadata.name, 'shop');
  const record = releaseRecordOf(patch.spec.template.metadata.annotations)!;
  assert.is(record.digest, SAMPLE_DIGEST);
  assert.is(record.tree, r.scenario.repo.tree);
  assert.is(record.commit, r.scenario.repo.head);
  assert.is(record.release, 'v1.0.1');
  assert.is(record.approver, 'alice');
  assert.is(record.reason, 'pipeline');
  assert.ok(!Number.isNaN(Date.parse(record.deployedAt)), record.deployedAt);
});

test('a failing alarm during the canary: the canary is removed (traffic back first), the build fails, production is untouched and nothing is verified', () => {
  if (!hasGroovy) return;
  const r = results.alarm!;
  assert.is(r.result, 'FAILURE');
  assert.is(r.error, 'Canary blue: alarm shop-blue-5xx (ALARM) at step 10%; the canary was removed and shop-blue still runs the previous version (the full rollout did not start)');
  const canary = sh(r, 'Deploy blue/Canary blue');
  const removal = canary.slice(canary.indexOf(annotate(10)) + 1);
  const reset = removal.findIndex((c) => c.includes(annotate(0)));
  assert.ok(reset >= 0 && reset < removal.indexOf('kubectl delete "deployment/shop-canary" --namespace shop-blue --ignore-not-found'), removal.join('\n'));
  assert.not.ok(canary.includes(annotate(50)), 'no second step');
  assert.not.ok(ran(r).includes('Deploy blue/Rollout blue'));
  // Production unchanged: its wrapper was never applied, and no tag says it ran there.
  assert.not.ok(sh(r).some((c) => c === 'kubectl apply -k .pipewright/deploy/blue-main'));
  assert.not.ok(sh(r).some((c) => c.includes(putImage(`verified-blue-`))));
});

test('a canary that never becomes ready is removed the same way, and production is untouched', () => {
  if (!hasGroovy) return;
  const r = results.canaryNotReady!;
  assert.is(r.result, 'FAILURE');
  assert.match(r.error!, /^Canary blue: the canary was not ready within 5m at step 10% in main; the canary was removed/);
  assert.ok(sh(r).includes('kubectl delete "deployment/shop-canary" --namespace shop-blue --ignore-not-found'));
  assert.not.ok(sh(r).some((c) => c === 'kubectl apply -k .pipewright/deploy/blue-main'));
});

test('traffic: replicas: the canary takes its share as pods behind the one Service, no Ingress weights', () => {
  if (!hasGroovy) return;
  const r = results.replicas!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  const canary = sh(r, 'Deploy blue/Canary blue');
  // blue has 2 replicas: 10% → 1 pod of 3 (rounded up to one), 50% → 2 pods beside 2.
  assert.ok(canary.includes('kubectl scale "deployment/shop-canary" --namespace shop-blue --replicas 1'));
  assert.ok(canary.includes('kubectl scale "deployment/shop-canary" --namespace shop-blue --replicas 2'));
  assert.not.ok(sh(r).some((c) => c.startsWith('kubectl annotate')), 'no weights without an ALB action');
  assert.not.ok(canary.some((c) => c.includes('service/shop-canary')), 'no canary Service to wait for');
});

test('a named alarm that does not exist fails the gate closed, naming it', () => {
  if (!hasGroovy) return;
  const r = results.missingAlarm!;
  assert.is(r.result, 'FAILURE');
  assert.is(r.error, 'Alarms: there is no CloudWatch alarm named "shop-blue-5xx" in eu-west-1; a gate on a missing alarm would always pass. Create it, or fix its name in the config.');
});

test('staging refuses an image never verified on develop, with the reason, before any tag is added', () => {
  if (!hasGroovy) return;
  const r = results.unverified!;
  const tree = r.scenario.repo.tree;
  assert.is(r.result, 'FAILURE');
  assert.is(
    r.error,
    `Image: refused: staging deploys only images verified on develop, and git-${tree} (${SAMPLE_DIGEST}) has no verified-develop-${tree} tag: ` +
      'its develop build has not passed Verify develop (smoke check and alarms), or has not finished. Wait for it, or fix develop first.',
  );
  assert.not.ok(sh(r).some((c) => c.includes('aws ecr put-image')), 'no tag added');
  assert.equal(tagsAt(r.scenario.repo, r.scenario.repo.head), [], 'no release tag pushed');
  assert.equal(ran(r).filter((s) => s.startsWith('Deploy')), []);
  // Never built at all: refused without building.
  const n = results.neverBuilt!;
  assert.is(n.result, 'FAILURE');
  assert.match(n.error!, `Image: refused: staging deploys only images verified on develop, and git-${n.scenario.repo.tree} was never built`);
  assert.not.ok(sh(n).some((c) => c.startsWith('docker build')));
});

test('staging runs its required checks in the pipeline, after the image: built-in scan-clean and the user\'s command with PW_* set', () => {
  if (!hasGroovy) return;
  const r = results.staging!;
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.ok(ran(r).indexOf('Build/Checks green') > ran(r).indexOf('Build/Image'));
  const checks = sh(r, 'Build/Checks green');
  assert.ok(checks[0]!.startsWith(`aws ecr describe-image-scan-findings ${ECR} --image-id "imageDigest=${SAMPLE_DIGEST}"`), checks[0]);
  // The user's command as written ($PW_IMAGE), shown by plan with the value in place.
  assert.is(checks[1], `./script/load-test 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${SAMPLE_DIGEST}`);
  assert.ok(r.steps.some((x) => x.step === 'sh' && x.args.script === './script/load-test "$PW_IMAGE"'));
  const env = r.steps.filter((s) => s.step === 'withEnv' && s.stage === 'Build/Checks green').flatMap((s) => s.args.overrides as string[]);
  assert.ok(env.includes(`PW_IMAGE=123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@${SAMPLE_DIGEST}`) && env.includes('PW_FROM=develop') && env.includes('PW_TO=green'), env.join('\n'));
});

test('an alarm during the soak undoes the rollout and leaves the image unverified', () => {
  if (!hasGroovy) return;
  const r = results.developSoakAlarm!;
  assert.is(r.result, 'FAILURE');
  assert.match(r.error!, /^Verify develop: alarm shop-develop-5xx \(ALARM\) during the soak; rolled back to the previous version\./);
  assert.ok(sh(r, 'Deploy develop/Verify develop').includes('kubectl rollout undo "deployment/shop" --namespace shop-develop'));
  assert.not.ok(sh(r).some((c) => c.includes(putImage('verified-develop-'))));
});

test('promotion windows: closed on Friday evening (fail: no approval is asked), open on Thursday morning; wait sleeps until the next window', () => {
  if (!hasGroovy) return;
  const closed = results.windowClosed!;
  assert.is(closed.result, 'FAILURE');
  assert.is(
    closed.error,
    'Window blue: deploys are not allowed at Fri 17:00 Europe/Berlin (deny Fri 16:00-Mon 08:00); the next window opens Mon 08:00, in 63h00m. Run the build again then.',
  );
  assert.equal(closed.steps.filter((s) => s.step === 'input'), [], 'nobody is asked to approve a deploy that may not run');
  const open = results.windowOpen!;
  assert.is(open.result, 'SUCCESS', open.error ?? '');
  assert.ok(echoes(open).includes('Window blue: open (Thu 11:00 Europe/Berlin; deny Fri 16:00-Mon 08:00)'));
  const wait = results.windowWait!;
  assert.is(wait.result, 'SUCCESS', wait.error ?? '');
  // Thu 18:30 → Mon 08:00: 3 days 13.5 hours, slept with no agent held; then approval and deploy.
  assert.is(sleeps(wait, 'Window blue'), (3 * 24 + 13.5) * 3600);
  assert.ok(wait.steps.some((s) => s.step === 'agent' && s.stage === 'Window blue' && s.args.none === true));
  assert.ok(echoes(wait).includes('Window blue: open (Mon 08:00 Europe/Berlin)'));
  assert.ok(ran(wait).includes('Deploy blue/Rollout blue'));
});

test('the pipeline\'s window arithmetic agrees with the model\'s (windowOpen) around the week', async () => {
  if (!hasGroovy) return;
  const w = allowOnly.environments[2]!.windows!;
  // The generated call, alone in a pipeline: no checkout, no git, one JVM for every time.
  const call = /^\s*(pipewrightWindow\(.*\))$/m.exec(readFileSync(paths.get(allowOnly)!.jenkinsfile, 'utf8'))![1]!;
  const jenkinsfile = path.join(work.dir, 'window.Jenkinsfile');
  writeFileSync(jenkinsfile, `pipeline {\n    agent none\n    stages {\n        stage('Window blue') {\n            steps {\n                ${call}\n            }\n        }\n    }\n}\n`);
  const out = await runPipelines(
    PARITY_TIMES.map((t, i) => ({ name: `at ${i}`, jenkinsfile, vars: varsAt(paths.get(allowOnly)!.vars, new Date(t).toISOString(), path.join(work.dir, `parity-${i}`)), env: {} })),
  );
  out.forEach((r, i) => {
    const t = PARITY_TIMES[i]!;
    const minute = Math.floor((t - MONDAY) / 60_000) % WEEK_MINUTES;
    assert.is(r.result === 'SUCCESS', windowOpen(w, minute), `${new Date(t).toISOString()}: ${r.error ?? 'open'}`);
  });
  assert.ok(out.some((r) => r.result === 'SUCCESS') && out.some((r) => r.result === 'FAILURE'), 'both sides of the window were tried');
});

// --- the alarm gate's shell, for real: Debian's aws CLI against moto's CloudWatch ---------------

const suite = EngineSuite.of([['/usr/bin/aws', ['--version']], ['python3', ['-c', 'import moto']], ['groovy', ['--version']]]);
let moto: Moto | undefined;
test.before(() => suite.setUp(async () => void (moto = await startMoto())));
test.after(async () => moto?.stop());

test('the alarm gate against moto: aws cloudwatch describe-alarms as the library runs it; OK passes, ALARM fails the canary, a missing alarm fails closed', async () => {
  if (!suite.ready()) return;
  const awsEnv = agentAwsEnv(writeShims(path.join(work.dir, 'shims'), { aws: AWS_SHIM }), moto!.endpoint, work.dir);
  const aws = (...args: string[]) => execFileSync('/usr/bin/aws', ['--endpoint-url', moto!.endpoint, '--region', 'eu-west-1', ...args], { env: { ...process.env, ...awsEnv } });
  const alarm = (name: string) =>
    aws('cloudwatch', 'put-metric-alarm', '--alarm-name', name, '--metric-name', 'HTTPCode_Target_5XX_Count', '--namespace', 'AWS/ApplicationELB', '--statistic', 'Sum', '--period', '60', '--evaluation-periods', '1', '--threshold', '1', '--comparison-operator', 'GreaterThanThreshold');
  alarm('shop-blue-5xx');
  alarm('shop-blue-latency-p99');
  aws('cloudwatch', 'set-alarm-state', '--alarm-name', 'shop-blue-latency-p99', '--state-value', 'ALARM', '--state-reason', 'test');
  // One JVM: blue watching an alarm that is OK, one in ALARM, and one that does not exist.
  const watching = (alarms: unknown[]) => model({}, [...ENVIRONMENTS.slice(0, 2), { ...BLUE, verify: { alarms, soak: '1m' } }]);
  const configs = [watching(['shop-blue-5xx']), watching([{ prefix: 'shop-blue-latency-' }]), watching(['shop-blue-5xxx'])];
  const scenarios = configs.map((m, i) => {
    const sc = scenarioFor(m, renderTo(m, `moto-${i}`), { branch: 'master', files, approver: 'alice' }, path.join(work.dir, `moto-run-${i}`));
    return { ...sc, shell: { ...sc.shell!, env: { ...sc.shell!.env, ...awsEnv } }, sh: [{ match: String.raw`^aws cloudwatch `, run: true }, ...sc.sh!] };
  });
  const [ok, firing, missing] = await runPipelines(scenarios);
  assert.is(ok!.result, 'SUCCESS', ok!.error ?? '');
  assert.ok(ok!.steps.some((s) => s.step === 'sh' && String(s.args.script).startsWith('aws cloudwatch describe-alarms')));
  assert.is(firing!.result, 'FAILURE');
  assert.is(firing!.error, 'Canary blue: alarm shop-blue-latency-p99 (ALARM) at step 10%; the canary was removed and shop-blue still runs the previous version (the full rollout did not start)');
  assert.is(missing!.result, 'FAILURE');
  assert.match(missing!.error!, 'there is no CloudWatch alarm named "shop-blue-5xxx" in eu-west-1');
});

test.run();
