#!/usr/bin/env node
// Runs the compiled uvu suites (dist/test/**/*.test.js) and ends with the plain
// "N passed, N failed" line that CI reads. Extra args are a filter on file names.
//
// Each file runs in its own uvu process, as many at once as the machine has cores (most suites
// wait on a JVM, git, kubectl or moto, not on Node), the slowest-known first so the run ends
// evenly. A file's output is printed whole when it ends, so outputs never interleave.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'dist', 'test');
// tsc also writes .d.ts files next to the tests: only ever pick the .test.js ones. The filter is
// a regular expression over the file name (`node test/run.mjs 'lint|jobs'`).
//
// --fast (`npm run test:fast`): only the FAST files, with no JVM, moto, kubectl or container engine.
// To prove it, those commands are replaced on PATH by stubs that fail loudly, and the tests' engine
// check (helpers.ts engineAvailable) reports them missing as a skip, even under CI=true.
const fast = process.argv.includes('--fast');
// In-process tests only: no JVM, moto, kubectl or container, and (apart from startup's few) no
// CLI processes, git repositories or image rendering; those run in the full suite.
const FAST = ['config', 'github-schema', 'golden', 'iam', 'init-detect', 'k8s-schema', 'layers', 'mermaid', 'names', 'protect', 'quick-rules', 'schema', 'startup', 'ts-config', 'git-stream', 'yaml-scalar'];
const ENGINES = ['groovy', 'java', 'kubectl', 'python3', 'podman', 'buildah', 'skopeo', 'docker-registry', 'aws', 'moto_server'];
const filter = new RegExp(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '');
const files = readdirSync(dir).filter((f) => f.endsWith('.test.js') && filter.test(f) && (!fast || FAST.includes(f.replace(/\.test\.js$/, ''))));
// Suites known to take longest start first (seconds on a 2-core machine; a missing one counts 1).
const SLOW = { 'image-pipeline': 117, image: 77, promotion: 60, groovy: 58, ecr: 57, 'cluster-eks': 55, deadlines: 50, init: 46, library: 40, jobs: 38, pipeline: 37, 'release-flow': 36, cluster: 36, 'history-rollback': 30, 'pre-push': 25, harness: 20, 'production-branch': 19, lint: 17, 'smoke-script': 10, 'status-promote': 10, generate: 9, config: 8, kustomize: 8, 'jobdsl-harness': 8, 'eks-fargate': 8, 'pre-push-input': 8, 'canary-kustomize': 8 };
const weight = (f) => SLOW[f.replace(/\.test\.js$/, '')] ?? 1;
files.sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : 1));

const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
// NO_COLOR turns colour off in uvu and in the CLI; FORCE_COLOR beside it would make Node warn.
const env = Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1' }).filter(([k]) => k !== 'FORCE_COLOR'));
if (fast) {
  const stubs = mkdtempSync(path.join(tmpdir(), 'pipewright-fast-'));
  for (const cmd of ENGINES) {
    writeFileSync(path.join(stubs, cmd), `#!/bin/sh\necho "${cmd} is not available in the fast tier (npm run test:fast): gate the test on engineAvailable('${cmd}'), or leave its file out of FAST in test/run.mjs" >&2\nexit 127\n`, { mode: 0o755 });
  }
  env.PATH = `${stubs}${path.delimiter}${env.PATH ?? ''}`;
  env.PIPEWRIGHT_TEST_TIER = 'fast';
  env.PIPEWRIGHT_TEST_STUBBED = ENGINES.join(',');
  process.on('exit', () => rmSync(stubs, { recursive: true, force: true }));
}
// Twice the cores: most files spend their time waiting on a JVM, git, a container, moto or a
// deadline, not on Node (the whole suite uses about 40% of two cores with one file per core).
const jobs = Math.max(1, Math.min(Number(process.env.PIPEWRIGHT_TEST_JOBS) || availableParallelism() * 2, files.length));

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [uvu, 'dist/test', `^${file.replace(/[.]/g, '\\.')}$`], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => void (out += b));
    child.stderr.on('data', (b) => void (err += b));
    child.on('close', (status) => resolve({ file, status, out, err, ms: Date.now() - started }));
  });
}

const num = (text, label) => Number(text.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? NaN);
let passed = 0;
let failed = 0;
let skipped = 0;
const times = [];
const suiteStarted = Date.now();
const queue = [...files];
async function worker() {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await runFile(file);
    times.push([file, r.ms]);
    process.stdout.write(r.out);
    process.stderr.write(r.err);
    const total = num(r.out, 'Total');
    const ok = num(r.out, 'Passed');
    const skip = num(r.out, 'Skipped') || 0;
    if (Number.isNaN(total) || Number.isNaN(ok)) {
      console.log(`\n${file}: the test runner printed no summary (crashed? exit ${r.status})`);
      failed += 1;
      continue;
    }
    passed += ok;
    skipped += skip;
    // A non-zero exit with every test passed is still a failure (an error outside any test).
    failed += Math.max(total - ok - skip, r.status === 0 ? 0 : 1);
  }
}
if (files.length === 0) {
  console.log(`no test file matches ${filter}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
await Promise.all(Array.from({ length: jobs }, worker));
// The slowest files, so a slow suite shows where its time goes (PIPEWRIGHT_TEST_TIMES=all lists every file).
times.sort((a, b) => b[1] - a[1]);
const shown = process.env.PIPEWRIGHT_TEST_TIMES === 'all' ? times : times.slice(0, 8);
console.log(`\n${files.length} files in ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s with ${jobs} at once; slowest: ${shown.map(([f, ms]) => `${f.replace(/\.test\.js$/, '')} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed === 0 ? 0 : 1);
