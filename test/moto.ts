/**
 * A real moto server (python moto) for the ECR tests, on a free port of 127.0.0.1, and an
 * asynchronous CLI runner: while a CLI process runs, the test process must keep serving the
 * HTTP proxies that stand in front of moto, which a spawnSync would block.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fromRoot, repoRoot } from './helpers.js';

export interface Moto {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** POST to moto's own API (/moto-api/…). */
  api(path: string, body: string, contentType?: string): Promise<string>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`moto exited before answering (${child.exitCode ?? child.signalCode}):\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Start `python3 -m moto.server -H 127.0.0.1 -p <free port>` and wait until it answers. */
export async function startMoto(env: NodeJS.ProcessEnv = {}): Promise<Moto> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => {
    log = (log + b.toString('utf8')).slice(-20_000);
  });
  // Never leave a server behind, even when the test process dies without running `after`.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilAnswering(`${endpoint}/moto-api/`, child, () => log);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint,
    async api(path, body, contentType = 'application/json') {
      const res = await fetch(`${endpoint}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
      const text = await res.text();
      if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
      return text;
    },
    stop,
  };
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the built CLI bundle as a whole process without blocking this one. `env` is laid over
 * process.env; a key set to undefined is removed.
 */
export function runCliAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fromRoot('dist', 'bin', 'cli.js'), ...args], { cwd: opts.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => void (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => void (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
