// The heavy modules (ts-morph, the AWS SDK, the Kubernetes client) must never load for a YAML
// config: this traces every package a real `pipewright generate` process resolves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, tempDir } from './helpers.js';

function loadedPackages(cwd: string): string[] {
  const trace = path.join(cwd, 'trace.txt');
  const res = spawnSync(process.execPath, ['--import', fromRoot('test/fixtures/trace-loads.mjs'), fromRoot('dist/src/cli.js'), 'generate', '--dry-run'], {
    cwd,
    env: { ...process.env, TRACE_FILE: trace },
    encoding: 'utf8',
  });
  assert.is(res.status, 0, res.stderr);
  const urls = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
  return [...new Set(urls.map((u) => u.split('/node_modules/').pop()!.split('/').slice(0, u.includes('/@') ? 2 : 1).join('/')))];
}

const HEAVY = /^(ts-morph|typescript|@ts-morph|@aws-sdk|@smithy|@kubernetes)/;

test('generate with pipewright.yaml loads no heavy module', () => {
  const t = tempDir();
  try {
    cpSync(fromRoot('examples/hello-flask'), t.dir, { recursive: true });
    const pkgs = loadedPackages(t.dir);
    assert.ok(pkgs.includes('js-yaml') && pkgs.includes('zod'), `the trace must see ordinary loads: ${pkgs.join(', ')}`);
    assert.equal(pkgs.filter((p) => HEAVY.test(p)), []);
  } finally {
    t.cleanup();
  }
});

test('generate with pipewright.config.ts does load ts-morph (the trace can fail)', () => {
  const t = tempDir();
  try {
    cpSync(fromRoot('examples/hello-flask'), t.dir, { recursive: true });
    rmSync(path.join(t.dir, 'pipewright.yaml'));
    cpSync(fromRoot('test/fixtures/hello-flask.config.ts'), path.join(t.dir, 'pipewright.config.ts'));
    assert.ok(loadedPackages(t.dir).includes('ts-morph'));
  } finally {
    t.cleanup();
  }
});

test.run();
