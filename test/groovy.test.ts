// Clean, injection-proof Groovy: every generated file parses in Groovy 2.4.21 and passes
// npm-groovy-lint@16 with no error; hostile user data reaches each step literally.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../src/commands/common.js';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';
import { writePipeline } from '../src/plan/workspace.js';
import { loadTemplates } from '../src/config/templates.js';
import { parseGroovy, runPipelines } from '../src/plan/harness.js';
import { scenarioFor } from '../src/plan/scenario.js';
import { plannedCommands } from '../src/plan/commands.js';
import { groovyString } from '../src/escape/groovy.js';
import { shellQuote } from '../src/escape/shell.js';
import { branchNameProblem } from '../src/core/names.js';
import { engineAvailable, fromRoot, tempDir } from './helpers.js';

const hasGroovy = engineAvailable('groovy');
const hasJava = engineAvailable('java', ['-version']);
const work = tempDir('pipewright-groovy-');
test.after(() => work.cleanup());

function renderTo(m: Model, name: string) {
  return writePipeline(m, loadTemplates({ groups: ['vars-templates'], configFile: m.configFile }), path.join(work.dir, name));
}

const { model } = await loadProject({ cwd: fromRoot('examples/hello-flask') });
const kaniko = resolveModel(
  validateConfig({ app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' }, build: { engine: 'kaniko' }, jenkins: { autoTag: true } }, 'k.yaml'),
  'k.yaml',
);
const rendered = [renderTo(model, 'example'), renderTo(kaniko, 'kaniko')];
/** Runs a command without blocking the event loop (the tests that use the Groovy worker go on meanwhile). */
function run(cmd: string, args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => void (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => void (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const groovyFiles = rendered.flatMap((r) => [r.jenkinsfile, ...readdirSync(r.vars).filter((f) => f.endsWith('.groovy')).map((f) => path.join(r.vars, f))]);

test('every generated Groovy file parses in Groovy 2.4.21', async () => {
  if (!hasGroovy) return;
  const results = await parseGroovy(groovyFiles);
  assert.is(results.length, groovyFiles.length);
  assert.equal(results.filter((r) => r.errors.length > 0), []);
});

test('the parse check can fail: Groovy 3 syntax is refused', async () => {
  if (!hasGroovy) return;
  const bad = path.join(work.dir, 'bad.groovy');
  writeFileSync(bad, 'def f = (x) -> x + 1\nassert 1 !in [2]\n');
  const [r] = await parseGroovy([bad]);
  assert.ok(r!.errors.length > 0);
});

// The library is the same for every app, byte for byte: each distinct file is linted once (a
// Jenkinsfile always: names matter). CodeNarc's JVM runs C1-only with the serial collector: half the
// CPU and a third of the memory of its defaults, for the same findings. It starts at once and runs
// while the tests before it use the Groovy worker.
const lintFiles = [...new Map(groovyFiles.map((f) => [path.basename(f) === 'Jenkinsfile' ? f : `${path.basename(f)}\u0000${readFileSync(f, 'utf8')}`, f])).values()];
const lint = hasJava
  ? run(process.execPath, [
      fromRoot('node_modules/npm-groovy-lint/lib/index.js'),
      '--noserver',
      '--javaoptions=-Xms64m,-Xmx1024m,-XX:+UseSerialGC,-XX:TieredStopAtLevel=1',
      '--output',
      'json',
      '--failon',
      'none',
      ...lintFiles,
    ])
  : undefined;

test('npm-groovy-lint@16 reports no error-level finding', async () => {
  if (!lint) return;
  // Lint the real files in place (names matter: a Jenkinsfile is linted as one).
  const res = await lint;
  assert.is(res.status, 0, res.stderr);
  const report = JSON.parse(res.stdout.slice(res.stdout.indexOf('{')));
  assert.is(report.summary.totalFilesLinted, lintFiles.length);
  assert.is(lintFiles.length, 2 + groovyFiles.length / 2 - 1, 'two Jenkinsfiles and one library');
  const errors = Object.entries(report.files as Record<string, { errors: { severity: string; rule: string; line: number; msg: string }[] }>).flatMap(([file, f]) =>
    f.errors.filter((e) => e.severity === 'error').map((e) => `${file}:${e.line} ${e.rule} ${e.msg}`),
  );
  assert.equal(errors, []);
});

test('property: groovyString is read back by Groovy 2.4 as exactly the same string', async () => {
  if (!hasGroovy) return;
  const samples = fc.sample(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom(...`'"$\\{}\`\n\r\t()u0\u2028`.split('')) })), {
    numRuns: 300,
    seed: 11,
  });
  // Each literal is echoed by a pipeline the Groovy worker runs: the recorded messages are what Groovy read.
  const jenkinsfile = path.join(work.dir, 'Echo.Jenkinsfile');
  writeFileSync(jenkinsfile, `pipeline {\n  agent none\n  stages {\n    stage('Echo') {\n      steps {\n        script {\n${samples.map((s) => `          echo(${groovyString(s)})`).join('\n')}\n        }\n      }\n    }\n  }\n}\n`);
  const [r] = await runPipelines([{ name: 'echo', jenkinsfile, vars: '', env: {} }]);
  assert.is(r!.result, 'SUCCESS', r!.error ?? '');
  assert.equal(r!.steps.filter((s) => s.step === 'echo').map((s) => s.args.message), samples);
});

test('shellQuote: the shell reads every quoted word back unchanged', () => {
  const samples = fc.sample(fc.string({ unit: fc.constantFrom(...`a'"$\\ \`;|&()\n*?!#~`.split('')), minLength: 1 }), { numRuns: 200, seed: 3 });
  const res = spawnSync('sh', ['-c', `printf '%s\\0' ${samples.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
  assert.equal(res.stdout.split('\0').slice(0, -1), samples);
});

// --- injection: hostile values in every free-text field reach their step literally ---------

const HOSTILE = `'"$\`\\{}();|&<>!#%,=@ab-/`;
const hostileText = (min = 1) => fc.string({ unit: fc.constantFrom(...HOSTILE.split(''), '${x}', '$(id)', '\n', "\\'", 'é'), minLength: min, maxLength: 24 });
const hostileBranch = fc
  .string({ unit: fc.constantFrom(...`'"$\`{}();|&<>!#%,=ab-`.split(''), '${x}', '$(id)'), minLength: 1, maxLength: 20 })
  .map((s) => `rel/${s}`)
  .filter((b) => branchNameProblem(b) === undefined);
const escapeRegex = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

test('property: hostile branch names, credential ids, labels, approvers, commands and tag patterns reach Jenkins literally', async () => {
  if (!hasGroovy) return;
  const samples = fc.sample(
    fc.record({ branch: hostileBranch, label: hostileText(), approvers: hostileText(), credentials: hostileText(), command: hostileText(), tag: hostileBranch }),
    { numRuns: 12, seed: 5 },
  );
  const cases = samples.map((h, i) => {
    const m = resolveModel(
      validateConfig(
        {
          app: 'shop',
          aws: { accountId: '123456789012', region: 'eu-west-1' },
          environments: [
            { name: 'develop', branch: 'develop' },
            { name: 'prod', branch: h.branch, production: true, ingress: { host: 'shop.example.com' } },
          ],
          rules: { tagPatterns: { stable: `^${escapeRegex(h.tag)}$` } },
          jenkins: { agentLabel: h.label, approvers: h.approvers, gitCredentialsId: h.credentials },
          smoke: { command: h.command },
        },
        'pipewright.yaml',
      ),
      'pipewright.yaml',
    );
    return { h, m, paths: renderTo(m, `hostile-${i}`) };
  });

  const parsed = await parseGroovy(cases.map((c) => c.paths.jenkinsfile));
  assert.equal(parsed.filter((p) => p.errors.length > 0), [], 'every hostile Jenkinsfile parses');

  const runs = await runPipelines(
    cases.map((c, i) => scenarioFor(c.m, c.paths, { branch: c.h.branch, tagsOnHead: [c.h.tag], approver: 'approver', imageInEcr: true }, path.join(work.dir, `run-${i}`))),
  );
  runs.forEach((r, i) => {
    const { h } = cases[i]!;
    const at = `sample ${i}: ${JSON.stringify(h)}`;
    assert.is(r.result, 'SUCCESS', `${at}: ${r.error}`);
    assert.ok(r.stages.some((s) => s.path === 'Deploy prod' && s.status === 'ran'), `${at}: the branch literal matched`);
    const guard = r.steps.find((s) => s.step === 'pipewrightGuard')!.args as { rules: { branch: string }[]; gitCredentialsId: string };
    assert.equal(guard.rules.map((x) => x.branch), ['develop', h.branch], at);
    assert.is(guard.gitCredentialsId, h.credentials, at);
    const creds = r.steps.filter((s) => s.step === 'withCredentials').map((s) => (s.args.bindings as { credentialsId: string }[])[0]!.credentialsId);
    assert.ok(creds.length > 0 && creds.every((c) => c === h.credentials), at);
    assert.equal(r.steps.find((s) => s.step === 'agent' && s.stage === 'Build')!.args, { label: h.label }, at);
    assert.is(r.steps.find((s) => s.step === 'input')!.args.submitter, h.approvers, at);
    const smoke = r.steps.filter((s) => s.step === 'sh' && s.stage === 'Deploy prod/Smoke prod');
    assert.equal(smoke.map((s) => s.args.script), [h.command], at);
    assert.ok(r.steps.some((s) => s.step === 'withEnv' && (s.args.overrides as string[]).includes('PW_URL=https://shop.example.com')), at);
    // the guard's fetch names the source branch only through the environment
    const fetch = plannedCommands(r).find((c) => c.text.startsWith('git fetch'))!;
    assert.is(fetch.text, 'git fetch --no-tags origin "+refs/heads/develop:refs/remotes/origin/develop"', at);
  });
});

test.run();
