// The scaffolded script/smoke, run for real with /bin/sh (dash here) and curl against local HTTP
// servers: one that fails before it answers 200, one that never answers 2xx, one that never
// answers at all. Without a URL the script execs into a pod; `kubectl` is then a stand-in (no API
// server can run here) that lists fixed pods and runs the exec'd command locally, so the probe the
// image's python3 would run really GETs the local server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadProject } from '../src/commands/common.js';
import { renderScaffold } from '../src/render/app/scaffold.js';
import { run as generate } from '../src/commands/generate.js';
import { loadTemplates } from '../src/config/templates.js';
import { copyExample, engineAvailable, fromRoot, tempDir } from './helpers.js';

const hasCurl = engineAvailable('curl');
const hasPython = engineAvailable('python3');
const work = tempDir('pipewright-smoke-');
const { model } = await loadProject({ cwd: fromRoot('examples/hello-flask') });
const scaffolded = renderScaffold(model, loadTemplates({ groups: ['scaffold'], configFile: model.configFile })).find((f) => f.path === 'script/smoke')!;
const script = path.join(work.dir, 'smoke');
writeFileSync(script, scaffolded.contents);

/** A server whose first `failures` GETs answer 503 (or never, with hang), then 200; it records the paths. */
async function server(opts: { failures?: number; status?: number; hang?: boolean }) {
  const paths: string[] = [];
  const s = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    if (opts.hang) return; // accepted, never answered
    const failing = opts.status !== undefined || paths.length <= (opts.failures ?? 0);
    res.writeHead(failing ? (opts.status ?? 503) : 200).end('ok');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}`, paths, close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

/** Runs the script with sh, asynchronously (the servers live in this process). */
function runSmoke(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [script, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => void (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => void (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
}

test.after(() => work.cleanup());

test('scaffolded executable, as script/cibuild; generate writes it only when absent', async () => {
  assert.is(scaffolded.owner, 'user');
  assert.is(scaffolded.mode, 0o755);
  assert.ok(scaffolded.contents.startsWith('#!/bin/sh\n'));
  const t = tempDir();
  try {
    copyExample(t.dir);
    const quiet = { out: () => {}, err: () => {}, color: false };
    await generate({ cwd: t.dir }, quiet);
    const file = path.join(t.dir, 'script/smoke');
    assert.is(statSync(file).mode & 0o777, 0o755);
    writeFileSync(file, '#!/bin/sh\necho mine\n');
    await generate({ cwd: t.dir }, quiet);
    assert.is(readFileSync(file, 'utf8'), '#!/bin/sh\necho mine\n', 'the user\'s own script is kept');
  } finally {
    t.cleanup();
  }
});

test('with a URL: retries until <url><healthPath> answers 2xx (10 tries, 3 s apart)', async () => {
  if (!hasCurl) return;
  const s = await server({ failures: 2 });
  try {
    const r = await runSmoke([s.url]);
    assert.is(r.status, 0, r.stderr);
    assert.equal(s.paths, ['/healthz', '/healthz', '/healthz']);
    assert.is(r.stdout, `smoke: ${s.url}/healthz answered HTTP 200 (try 3 of 10)\n`);
    assert.is(r.stderr, 'smoke: try 1 of 10: HTTP 503\nsmoke: try 2 of 10: HTTP 503\n');
    assert.ok(r.ms >= 6000, `two pauses of 3 s, took ${r.ms} ms`);
  } finally {
    await s.close();
  }
});

test('a server that never answers 2xx fails the check after the last try, with the message', async () => {
  if (!hasCurl) return;
  const s = await server({ status: 500 });
  try {
    const r = await runSmoke([s.url], { SMOKE_TRIES: '4', SMOKE_DELAY: '0', PW_HEALTH_PATH: '/ready' });
    assert.is(r.status, 1);
    assert.equal(s.paths, ['/ready', '/ready', '/ready', '/ready']);
    assert.match(r.stderr, `smoke: FAILED: ${s.url}/ready did not answer 2xx in 4 tries, 0 s apart (last: HTTP 500)\n`);
    assert.is(r.stdout, '');
  } finally {
    await s.close();
  }
});

test('a server that never answers, and a closed port: each try times out or is refused; the check fails', async () => {
  if (!hasCurl) return;
  const s = await server({ hang: true });
  try {
    const hung = await runSmoke([s.url], { SMOKE_TRIES: '2', SMOKE_DELAY: '0', SMOKE_TIMEOUT: '1' });
    assert.is(hung.status, 1);
    assert.is(s.paths.length, 2);
    assert.match(hung.stderr, /smoke: FAILED: .* did not answer 2xx in 2 tries, 0 s apart \(last: curl: \(28\) .*\)\n$/);
    assert.ok(hung.ms < 10_000, `the per-try timeout bounds each try: ${hung.ms} ms`);
  } finally {
    await s.close();
  }
  const closed = await runSmoke([s.url], { SMOKE_TRIES: '1', SMOKE_DELAY: '0' });
  assert.is(closed.status, 1);
  assert.match(closed.stderr, /\(last: curl: \(7\) /);
});

/** A `kubectl` stand-in on PATH: `get pods` prints $STANDIN_PODS, `exec … -- cmd…` runs cmd here; every call is logged. */
function kubectlStandin(): { bin: string; log: string } {
  const bin = path.join(work.dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = path.join(work.dir, 'kubectl.log');
  writeFileSync(
    path.join(bin, 'kubectl'),
    [
      '#!/bin/sh',
      // one line a call: the exec'd probe's newlines become |
      'printf "%s" "$*" | tr "\\n" "|" >> "$STANDIN_LOG"; echo >> "$STANDIN_LOG"',
      'case $1 in',
      '  get) printf "%b" "$STANDIN_PODS" ;;',
      '  exec) while [ "$1" != -- ]; do shift; done; shift; exec "$@" ;;',
      '  *) echo "kubectl stand-in: unexpected $1" >&2; exit 99 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'kubectl'), 0o755);
  return { bin, log };
}

test('without a URL: the image\'s python3 GETs the health path inside the newest running pod, with the same retries', async () => {
  if (!hasPython) return;
  const s = await server({ failures: 1 });
  const k = kubectlStandin();
  try {
    const env = {
      PATH: `${k.bin}:${process.env.PATH}`,
      STANDIN_LOG: k.log,
      // sorted by creation: a terminating old pod (it has a deletionTimestamp) is skipped
      STANDIN_PODS: 'shop-7c9-aaaaa \\nshop-8d1-bbbbb \\nshop-7c9-ccccc 2025-01-01T00:00:00Z\\n',
      PW_NAMESPACE: 'shop-develop',
      PW_DEPLOYMENT: 'shop',
      PW_PORT: String(s.port),
      PW_HEALTH_PATH: '/healthz',
      SMOKE_DELAY: '0',
    };
    const r = await runSmoke([''], env);
    assert.is(r.status, 0, r.stderr);
    assert.equal(s.paths, ['/healthz', '/healthz']);
    assert.is(r.stdout, `smoke: http://127.0.0.1:${s.port}/healthz in deployment shop (namespace shop-develop) answered HTTP 200 from pod shop-8d1-bbbbb (try 2 of 10)\n`);
    assert.match(r.stderr, 'smoke: try 1 of 10: pod shop-8d1-bbbbb: HTTP Error 503: Service Unavailable\n');
    const calls = readFileSync(k.log, 'utf8').trim().split('\n');
    assert.is(calls.length, 4);
    assert.match(calls[0]!, /^get pods --namespace shop-develop --selector app\.kubernetes\.io\/name=shop,app\.kubernetes\.io\/component=web --field-selector status\.phase=Running --sort-by \.metadata\.creationTimestamp --output /);
    assert.match(calls[1]!, new RegExp(`^exec --namespace shop-develop pod/shop-8d1-bbbbb --container app -- python3 -c import sys, urllib\\.request\\|.* ${s.port} /healthz 5$`));

    // no running pod: a clear message, and the check fails
    writeFileSync(k.log, '');
    const none = await runSmoke([''], { ...env, STANDIN_PODS: 'shop-7c9-ccccc 2025-01-01T00:00:00Z\\n', SMOKE_TRIES: '2' });
    assert.is(none.status, 1);
    assert.match(none.stderr, 'did not answer 2xx in 2 tries, 0 s apart (last: no running pod of deployment shop in namespace shop-develop)');
  } finally {
    await s.close();
  }
});

test('without a URL and without the Deployment it says how to call it', async () => {
  const r = await runSmoke([]);
  assert.is(r.status, 2);
  assert.match(r.stderr, 'smoke: no URL, and PW_NAMESPACE and PW_DEPLOYMENT are not set: give the URL (script/smoke https://…) or set both');
});

test.run();
