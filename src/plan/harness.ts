/**
 * Runs generated Groovy on the real Groovy 2.4 (what Jenkins runs):
 * - `runPipelines` executes a declarative Jenkinsfile plus the shared library's `vars/*.groovy`
 *   against recorded stub steps (harness/PipelineHarness.groovy);
 * - `parseGroovy` parses files up to Phases.CONVERSION (harness/ParseCheck.groovy).
 * All calls of a process are served by one long-lived JVM (harness/Worker.groovy, see runHarness).
 *
 * The JSON contract, beyond the types below:
 * - `steps` lists every step call in order. A step's single positional argument is recorded under
 *   Jenkins' parameter name for the well-known steps (`sh 'x'` → {script: 'x'}, echo/error →
 *   message, dir → path, fileExists/readFile → file, …) and as {value: …} otherwise; closures are
 *   left out. Library steps (`vars/<name>.groovy`) are recorded as step `<name>` before their inner
 *   steps.
 * - Declarative structure is recorded as pseudo-steps: pipeline options (`timeout`,
 *   `disableConcurrentBuilds`, …) and `environment` and `agent` at stage ""; per stage: its options,
 *   `input` (the directive's message/ok/submitter/submitterParameter plus `executorHeld`: whether an
 *   agent is held while waiting), `agent` ({label: 'docker'}, {none: true}, {any: true},
 *   {kubernetes: {yaml, defaultContainer}}), the implicit `checkout` ({scm: 'scm', implicit: true})
 *   when an agent is entered, and `post` ({condition: 'always'}) before each post block that runs.
 *   Pipeline-level post blocks run under stage "Declarative: Post Actions".
 * - Steps inside a scripted `parallel` branch carry `branch` ("eu", nested "a/b").
 * - Secrets bound by withCredentials never appear: bindings are recorded as
 *   {type, credentialsId, <variable names>}, and any bound value (3+ characters) that shows up in a
 *   recorded argument or error is replaced by "****", as Jenkins masks its log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/paths.js';
import { UsageError } from '../core/errors.js';

export interface Scenario {
  readonly name: string;
  readonly jenkinsfile: string;
  /** The library's vars/ directory. */
  readonly vars: string;
  readonly env: Readonly<Record<string, string>>;
  /**
   * The first entry whose `match` (Java regex, find()) occurs in the script decides; default stdout "" status 0.
   * `run: true` runs the script for real with /bin/sh in `shell.workspace` instead (its stdout and exit
   * status are the answer; on failure its stderr is recorded on the step as `stderr`).
   */
  readonly sh?: readonly { match: string; stdout?: string; status?: number; run?: boolean }[];
  /**
   * A real workspace on disk (WORKSPACE is set to it). Real `sh` runs get `env` plus the pipeline's
   * environment and nothing else (no HOME of the user running the tests, no git identity: a bare
   * agent). `checkout` is the shell that `checkout scm` and every implicit checkout run there;
   * `cleanWs`/`deleteDir` empty it and `writeFile` writes into it, as on an agent.
   */
  readonly shell?: { readonly workspace: string; readonly env?: Readonly<Record<string, string>>; readonly checkout?: string };
  /** Workspace-relative paths that exist (the checkout); files written by writeFile exist too. */
  readonly files?: readonly string[];
  /** The answer to every `input`: approver (default "approver") or abort (build ABORTED, "Rejected by <approver>"). */
  readonly input?: { approver?: string; abort?: boolean };
  /**
   * Credentials by id: usernamePassword/gitUsernamePassword use username+password, string uses
   * secret, aws uses accessKey+secretKey. An id missing here fails the step, as in Jenkins.
   */
  readonly credentials?: Readonly<Record<string, Record<string, string>>>;
}

export interface StepCall {
  /** The stage path ("Build/Guard"); "" for pipeline setup; "Declarative: Post Actions" for pipeline post. */
  readonly stage: string;
  readonly step: string;
  readonly args: Record<string, unknown>;
  /** The scripted parallel branch the step ran in, if any. */
  readonly branch?: string;
}

export interface StageResult {
  readonly name: string;
  readonly path: string;
  /** `aborted`: its input was rejected. */
  readonly status: 'ran' | 'skipped' | 'failed' | 'aborted' | 'not-reached';
}

export interface RunResult {
  readonly name: string;
  readonly result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED';
  /** The first error: error()'s message, "script returned exit code N", "Rejected by …", or the exception. */
  readonly error: string | null;
  /** Where that error was thrown: "Jenkinsfile:12" or "vars/pipewrightImage.groovy:30". */
  readonly errorAt?: string;
  readonly stages: readonly StageResult[];
  readonly steps: readonly StepCall[];
  readonly displayName: string | null;
  readonly description: string | null;
}

export interface ParseResult {
  readonly file: string;
  readonly errors: { line: number; column: number; message: string }[];
}

const INSTALL_HINT = 'Groovy 2.4 is needed: apt-get install -y --no-install-recommends groovy default-jre-headless';
/** A run that takes longer is a hang (a `while (true)` in the pipeline), not a slow machine. */
const TIMEOUT_MS = 180_000;

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return null;
}

/** `groovy` on PATH, else $GROOVY_HOME/bin/groovy; null when neither exists. */
export function findGroovy(): string | null {
  const found = onPath('groovy');
  if (found) return found;
  const home = process.env.GROOVY_HOME;
  return home && isExecutable(path.join(home, 'bin', 'groovy')) ? path.join(home, 'bin', 'groovy') : null;
}

function findJava(): string | null {
  const home = process.env.JAVA_HOME;
  if (home && isExecutable(path.join(home, 'bin', 'java'))) return path.join(home, 'bin', 'java');
  return onPath('java');
}

/** The groovy command, or a UsageError with the install hint when groovy or java is missing. */
export function requireGroovy(): string {
  const groovy = findGroovy();
  if (!groovy || !findJava()) throw new UsageError(INSTALL_HINT);
  return groovy;
}

export interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * One long-lived JVM per process (harness/Worker.groovy) serves every harness call: each call used to
 * pay a JVM start and the compile of a 1,500-line script. Calls are queued and served one at a time;
 * the worker is started on the first call, replaced after MAX_REQUESTS calls (so its class caches
 * stay bounded), after a hang (killed at the time limit) or a crash, and never keeps the process
 * alive while idle: its handles are unref'd between calls and it ends when our end of its stdin closes.
 */
interface Worker {
  readonly child: ChildProcess;
  readonly key: string;
  /** The tail of what the JVM printed on stderr during the current call (and at start). */
  stderr: string;
  served: number;
  lastId: number;
  /** The call being served. */
  current?: { readonly id: number; readonly script: string; readonly resolve: (e: Exit) => void; readonly reject: (e: Error) => void };
  /** Killed on purpose (a hang, already reported): its exit is then not a crash. */
  stopped?: boolean;
}

/**
 * Calls one worker serves before it is replaced by a fresh JVM: each distinct Jenkinsfile it runs
 * adds ~0.6 MB of classes, so it stays under ~250 MB even when every call brings new ones.
 */
const MAX_REQUESTS = 100;
/**
 * The worker's JVM: C1 only (C2 compiles burn more CPU than they save in a run of a few minutes),
 * the serial collector and a small initial heap (a fraction of the memory of G1 sized for the
 * machine). The user's JAVA_OPTS come after, so they win.
 */
const WORKER_JAVA_OPTS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms64m';
let worker: Worker | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** For tests: the running worker's JVM pid (undefined when none runs) and the per-call time limit. */
export const harnessWorker = {
  pid: (): number | undefined => worker?.child.pid,
  timeoutMs: TIMEOUT_MS,
};

/** Holds the process open while a call waits on the worker; lets it exit while the worker is idle. */
function hold(w: Worker, on: boolean): void {
  const handles = [w.child, w.child.stdin, w.child.stdout, w.child.stderr] as ({ ref(): void; unref(): void } | null)[];
  for (const h of handles) {
    if (on) h?.ref();
    else h?.unref();
  }
}

function startWorker(groovy: string, key: string): Worker {
  const script = path.join(packageRoot, 'harness', 'Worker.groovy');
  const env = { ...process.env, JAVA_OPTS: [WORKER_JAVA_OPTS, process.env.JAVA_OPTS].filter(Boolean).join(' ') };
  const child = spawn(groovy, [script, path.join(packageRoot, 'harness')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const w: Worker = { child, key, stderr: '', served: 0, lastId: 0 };
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => {
    for (let at = b.indexOf(10); at >= 0; at = b.indexOf(10)) {
      chunks.push(b.subarray(0, at));
      answer(w, Buffer.concat(chunks).toString('utf8'));
      chunks.length = 0;
      b = b.subarray(at + 1);
    }
    if (b.length > 0) chunks.push(b);
  });
  child.stderr!.on('data', (b: Buffer) => {
    w.stderr += b.toString('utf8');
    if (w.stderr.length > 64_000) w.stderr = w.stderr.slice(-32_000);
  });
  // EPIPE when the worker dies before reading a call: its exit tells the story.
  child.stdin!.on('error', () => {});
  child.on('error', (e: NodeJS.ErrnoException) => {
    if (worker === w) worker = undefined;
    const call = w.current;
    w.current = undefined;
    call?.reject(e.code === 'ENOENT' || e.code === 'EACCES' ? new UsageError(INSTALL_HINT) : e);
  });
  child.on('close', (code, signal) => {
    if (worker === w) worker = undefined;
    const call = w.current;
    w.current = undefined;
    if (call && !w.stopped) {
      const how = signal ? `killed by ${signal}` : `exit ${code}`;
      call.reject(new Error(`groovy ${call.script} failed: the harness worker (pid ${child.pid}) died (${how}):\n${tail(w.stderr)}`));
    }
  });
  hold(w, false);
  return w;
}

function answer(w: Worker, line: string): void {
  let a: { id?: unknown; code?: unknown; stdout?: unknown; stderr?: unknown };
  try {
    a = JSON.parse(line) as typeof a;
  } catch {
    w.stderr += `\n(unreadable answer from the worker: ${line.slice(0, 200)})`;
    return;
  }
  const call = w.current;
  if (!call || a.id !== call.id) return;
  w.current = undefined;
  w.served += 1;
  hold(w, false);
  if (w.served >= MAX_REQUESTS) retire(w);
  call.resolve({ code: typeof a.code === 'number' ? a.code : null, stdout: String(a.stdout ?? ''), stderr: String(a.stderr ?? '') });
}

/** Lets the worker end (end of its stdin) once it has answered; the next call starts a new one. */
function retire(w: Worker): void {
  if (worker === w) worker = undefined;
  w.child.stdin!.end();
}

/**
 * Runs harness/<script> with `args` and `input` (its stdin) in the worker, after the calls before it;
 * a call that takes longer than the time limit is a hang: the worker is killed and the call rejected.
 */
export function runHarness(groovy: string, script: string, args: readonly string[], input: string): Promise<Exit> {
  const call = queue.then(() => serve(groovy, script, args, input));
  queue = call.catch(() => undefined);
  return call;
}

function serve(groovy: string, script: string, args: readonly string[], input: string): Promise<Exit> {
  // Relative paths are the caller's: a worker started elsewhere (or with another groovy) is replaced.
  const key = `${groovy}\u0000${process.cwd()}`;
  if (worker && worker.key !== key) retire(worker);
  const w = (worker ??= startWorker(groovy, key));
  return new Promise((resolve, reject) => {
    const id = ++w.lastId;
    const limit = harnessWorker.timeoutMs;
    const timer = setTimeout(() => {
      if (w.current?.id !== id) return;
      w.current = undefined;
      w.stopped = true;
      if (worker === w) worker = undefined;
      w.child.kill('SIGKILL');
      reject(new Error(`groovy ${script} did not finish within ${limit / 1000} s\n${tail(w.stderr)}`));
    }, limit);
    w.current = {
      id,
      script,
      resolve: (e) => {
        clearTimeout(timer);
        resolve(e);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    };
    w.stderr = '';
    hold(w, true);
    w.child.stdin!.write(`${JSON.stringify({ id, script, args, input })}\n`);
  });
}

function tail(s: string, max = 8000): string {
  const t = s.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}

/** A Java/Groovy stack trace on stderr means a harness bug, never a pipeline outcome. */
export function hasStackTrace(stderr: string): boolean {
  return /^\s+at [\w$.<>]+\(.*\)$/m.test(stderr) || /^(Caught|Exception in thread|startup failed)/m.test(stderr);
}

export function harnessError(what: string, exit: Exit): Error {
  return new Error(`${what} failed (exit ${exit.code}):\n${tail(exit.stderr) || tail(exit.stdout)}`);
}

/** Runs every scenario in one call of the worker: as `groovy <packageRoot>/harness/PipelineHarness.groovy -`. */
export async function runPipelines(scenarios: readonly Scenario[]): Promise<RunResult[]> {
  if (scenarios.length === 0) return [];
  const groovy = requireGroovy();
  const exit = await runHarness(groovy, 'PipelineHarness.groovy', ['-'], JSON.stringify(scenarios));
  if (exit.code !== 0 || hasStackTrace(exit.stderr)) throw harnessError('the pipeline harness', exit);
  let results: unknown;
  try {
    results = JSON.parse(exit.stdout);
  } catch {
    throw harnessError('the pipeline harness (unreadable output)', exit);
  }
  if (!Array.isArray(results) || results.length !== scenarios.length) {
    throw harnessError(`the pipeline harness (expected ${scenarios.length} results)`, exit);
  }
  return results as RunResult[];
}

/**
 * Runs a harness script of harness/ over `files` (one call of the worker, as `groovy <script> files…`)
 * and returns one result per file, in order. `results` picks the per-file array out of the script's
 * JSON output. Missing groovy/java → UsageError; a crashed or garbled run → an Error with its output.
 */
export async function runHarnessBatches<T>(harness: string, what: string, files: readonly string[], results: (output: unknown) => unknown): Promise<T[]> {
  if (files.length === 0) return [];
  const groovy = requireGroovy();
  const exit = await runHarness(groovy, harness, files, '');
  if ((exit.code !== 0 && exit.code !== 1) || hasStackTrace(exit.stderr)) throw harnessError(what, exit);
  let parsed: unknown;
  try {
    parsed = JSON.parse(exit.stdout);
  } catch {
    throw harnessError(`${what} (unreadable output)`, exit);
  }
  const list = results(parsed);
  if (!Array.isArray(list) || list.length !== files.length) throw harnessError(`${what} (expected ${files.length} results)`, exit);
  return list as T[];
}

/** Parses files as Groovy 2.4 up to Phases.CONVERSION. */
export function parseGroovy(files: readonly string[]): Promise<ParseResult[]> {
  return runHarnessBatches<ParseResult>('ParseCheck.groovy', 'the Groovy parse check', files, (output) => output);
}
