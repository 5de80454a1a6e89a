// The heavy modules (ts-morph, the AWS SDK, the Kubernetes client) must never load for a YAML
// config: this traces every package a real `pipewright generate` process resolves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, tempDir, copyExample } from './helpers.js';

/** Every module file a real `generate --dry-run` process loads (the CLI is a bundle with lazy chunks). */
function loadedModules(cwd: string): string[] {
  const trace = path.join(cwd, 'trace.txt');
  const res = spawnSync(process.execPath, ['--import', fromRoot('test/fixtures/trace-loads.mjs'), fromRoot('dist/bin/cli.js'), 'generate', '--dry-run'], {
    cwd,
    env: { ...process.env, TRACE_FILE: trace },
    encoding: 'utf8',
  });
  assert.is(res.status, 0, res.stderr);
  return existsSync(trace) ? [...new Set(readFileSync(trace, 'utf8').split('\n').filter(Boolean))] : [];
}

const HEAVY = /\/node_modules\/(ts-morph|typescript|@ts-morph|@aws-sdk|@smithy|@kubernetes)\/|\/dist\/bin\/ts-config-/;

test('generate with pipewright.yaml loads no heavy module', () => {
  const t = tempDir();
  try {
    copyExample(t.dir);
    const loaded = loadedModules(t.dir);
    assert.ok(loaded.some((u) => /\/dist\/bin\/generate-[A-Z0-9]+\.js$/.test(u)), `the trace must see the generate chunk: ${loaded.join(', ')}`);
    assert.equal(loaded.filter((u) => HEAVY.test(u)), []);
  } finally {
    t.cleanup();
  }
});

test('generate with pipewright.config.ts does load ts-morph (the trace can fail)', () => {
  const t = tempDir();
  try {
    copyExample(t.dir);
    rmSync(path.join(t.dir, 'pipewright.yaml'));
    cpSync(fromRoot('test/fixtures/hello-flask.config.ts'), path.join(t.dir, 'pipewright.config.ts'));
    assert.ok(loadedModules(t.dir).some((u) => HEAVY.test(u)));
  } finally {
    t.cleanup();
  }
});

test.run();
