import { fileURLToPath } from 'node:url';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { requireGroovy } from '../src/plan/harness.js';

/** The repository root (tests run from dist/test/…). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const fromRoot = (...p: string[]): string => path.join(repoRoot, ...p);

/** A fresh temp dir; call the returned cleanup in `after`. */
export function tempDir(prefix = 'pipewright-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const engines = new Map<string, boolean>();
/** The engines test/run.mjs --fast replaces on PATH with failing stand-ins (its ENGINES list). */
const FAST_TIER_STUBBED = (process.env.PIPEWRIGHT_TEST_STUBBED ?? '').split(',');

function groovyInstalled(): boolean {
  try {
    requireGroovy();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a real engine (kubectl, groovy, git, python3 -m moto …) is on this machine (asked once per process).
 * Under CI=true a missing engine is a failure, never a skip: integration tests must run there.
 */
export function engineAvailable(cmd: string, args: string[] = ['--version']): boolean {
  const key = [cmd, ...args].join('\u0000');
  let ok = engines.get(key);
  if (ok === undefined) {
    // Groovy is looked for as the harness looks for it (groovy and java installed): `groovy --version` would start a JVM.
    ok = cmd === 'groovy' ? groovyInstalled() : spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
    engines.set(key, ok);
  }
  // test/run.mjs --fast puts failing stand-ins for these on PATH: the tier runs without them.
  if (process.env.PIPEWRIGHT_TEST_TIER === 'fast' && (!ok || FAST_TIER_STUBBED.includes(cmd))) {
    console.warn(`  ! skipping in the fast tier: ${cmd}`);
    return false;
  }
  if (!ok && process.env.CI === 'true') {
    throw new Error(`${cmd} is required under CI=true but is not installed (see .ci/run)`);
  }
  if (!ok) console.warn(`  ! skipping: ${cmd} is not installed`);
  return ok;
}

/** Run the built CLI as a whole process. */
export function runCli(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const res = spawnSync(process.execPath, [fromRoot('dist', 'bin', 'cli.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** What `generate` writes into the example (git-ignored there): never copied into a test's fresh app. */
const GENERATED = new Set(['kustomize', '.pipewright', 'Dockerfile', '.dockerignore', 'script', 'Jenkinsfile']);

/** Copy the bundled example's own files (not its generated output) into `dir`. */
export function copyExample(dir: string): void {
  const src = fromRoot('examples', 'hello-flask');
  cpSync(src, dir, { recursive: true, filter: (p) => !GENERATED.has(path.relative(src, p).split(path.sep)[0]!) });
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the built CLI bundle as a whole process without blocking this one. `env` is laid over
 * process.env; a key set to undefined is removed. `killAfterMs`: kill it if it runs that long.
 */
export function runCliAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fromRoot('dist', 'bin', 'cli.js'), ...args], { cwd: opts.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => void (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => void (stderr += b.toString('utf8')));
    // A guard against a hang (not a timing assertion): the process is killed, and its status is null.
    const guard = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(guard);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Run `fn` as on a machine without Groovy (empty PATH, no GROOVY_HOME), then restore both. */
export async function withoutGroovy<T>(fn: () => Promise<T> | T): Promise<T> {
  const saved = { PATH: process.env.PATH, GROOVY_HOME: process.env.GROOVY_HOME };
  process.env.PATH = '';
  delete process.env.GROOVY_HOME;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.GROOVY_HOME !== undefined) process.env.GROOVY_HOME = saved.GROOVY_HOME;
  }
}

/** UPDATE_GOLDEN=1 rewrites golden files instead of comparing; review the diff like code. */
export const updateGolden = process.env.UPDATE_GOLDEN === '1';

/** Compare `actual` with the golden file (or write it under UPDATE_GOLDEN=1). */
export function expectGolden(golden: string, actual: string): void {
  if (updateGolden) {
    mkdirSync(path.dirname(golden), { recursive: true });
    writeFileSync(golden, actual);
  }
  assert.ok(existsSync(golden), `missing golden file ${golden}: run UPDATE_GOLDEN=1 npm test`);
  assert.fixture(actual, readFileSync(golden, 'utf8'));
}

/**
 * What a test file with a real engine needs: the engine's set-up runs once in `before`, and a failure there is
 * thrown by every test that asks `ready()` (a failing `before` would be silent in uvu); and the
 * timings of their steps, for the CI log.
 */
export class EngineSuite {
  readonly timings: string[] = [];
  private failed: unknown;

  constructor(private readonly engines: boolean) {}

  /** A suite for engines given as `[command, version args]`: each checked with engineAvailable. */
  static of(engines: readonly (readonly [string, string[]])[]): EngineSuite {
    return new EngineSuite(engines.map(([c, a]) => engineAvailable(c, a)).every(Boolean));
  }

  /** Run `fn`, adding its time to `timings` under `label` (an arrow: pass it around unbound). */
  readonly timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      this.timings.push(`${label} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  };

  /** Run the set-up (timed as "set-up") when the engines are there; keep its failure for ready(). */
  async setUp(fn: () => Promise<void>): Promise<void> {
    if (!this.engines) return;
    try {
      await this.timed('set-up', fn);
    } catch (e) {
      this.failed = e;
    }
  }

  /** Whether the tests can run: false without the engines; throws what the set-up threw. */
  readonly ready = (): boolean => {
    if (this.failed) throw this.failed;
    return this.engines;
  };
}

/** Every file under `dir` whose name ends with `ext`, depth first. */
export function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(path.join(dir, d.name), ext) : d.name.endsWith(ext) ? [path.join(dir, d.name)] : [],
  );
}
