#!/usr/bin/env node
// `pipewright generate` on the bundled example, cold, as a whole process, against `node -e 0`
// measured in the same run (interleaved, so machine noise hits both alike). Aim: median < 4×.
// Each generate run gets a fresh copy of the example, so every run really renders and writes.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 30);
const cli = path.join(root, 'dist', 'bin', 'cli.js');
const example = path.join(root, 'examples', 'hello-flask');
// The example's own files only: `npm run demo` leaves its (git-ignored) output there.
const GENERATED = new Set(['kustomize', '.pipewright', 'Dockerfile', '.dockerignore', 'script', 'Jenkinsfile']);
const work = mkdtempSync(path.join(tmpdir(), 'pipewright-bench-'));

function time(args) {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`${args.join(' ')} failed: ${res.stderr}`);
  return ms;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), min: s[0], p90: q(0.9) };
};

const node = [];
const gen = [];
try {
  for (let i = -3; i < runs; i++) {
    const dir = path.join(work, `app-${i + 3}`);
    cpSync(example, dir, { recursive: true, filter: (p) => !GENERATED.has(path.relative(example, p).split(path.sep)[0]) });
    const a = time(['-e', '0']);
    const b = time([cli, 'generate', '--cwd', dir]);
    if (i >= 0) node.push(a), gen.push(b); // the first three warm the disk cache
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const n = stats(node);
const g = stats(gen);
const fmt = (s) => `median ${s.median.toFixed(1)} ms  (min ${s.min.toFixed(1)}, p90 ${s.p90.toFixed(1)})`;
console.log(`runs: ${runs} each, node ${process.version}`);
console.log(`node -e 0                        ${fmt(n)}`);
console.log(`pipewright generate (example)    ${fmt(g)}`);
console.log(`ratio of medians: ${(g.median / n.median).toFixed(2)}× node's bare start-up (aim: < 4×)`);
if (process.argv.includes('--json')) console.log(JSON.stringify({ node: n, generate: g, ratio: g.median / n.median }));
