/**
 * Runs generated Groovy on the real Groovy 2.4 (what Jenkins runs):
 * - `runPipelines` executes a declarative Jenkinsfile plus the shared library's `vars/*.groovy`
 *   against recorded stub steps (harness/PipelineHarness.groovy), all scenarios in one JVM;
 * - `parseGroovy` parses files up to Phases.CONVERSION (harness/ParseCheck.groovy).
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
import { spawn } from 'node:child_process';
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

/** Runs `groovy args…` with `input` on stdin; a hang past the timeout is killed and rejected. */
export function runGroovy(groovy: string, args: readonly string[], input: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(groovy, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' || e.code === 'EACCES' ? new UsageError(INSTALL_HINT) : e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) reject(new Error(`groovy ${path.basename(args[0] ?? '')} did not finish within ${TIMEOUT_MS / 1000} s\n${tail(stderr)}`));
      else resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    // EPIPE when groovy dies before reading its input: the exit code tells the story.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
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

/** Runs every scenario in one JVM: `groovy <packageRoot>/harness/PipelineHarness.groovy -`. */
export async function runPipelines(scenarios: readonly Scenario[]): Promise<RunResult[]> {
  if (scenarios.length === 0) return [];
  const groovy = requireGroovy();
  const script = path.join(packageRoot, 'harness', 'PipelineHarness.groovy');
  const exit = await runGroovy(groovy, [script, '-'], JSON.stringify(scenarios));
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

/** Splits file paths, in order, into command lines of at most ~64 KB each (one JVM each). */
export function pathBatches(files: readonly string[]): string[][] {
  const batches: string[][] = [];
  let size = Infinity;
  for (const f of files) {
    if (size + f.length > 64_000) {
      batches.push([]);
      size = 0;
    }
    batches[batches.length - 1]!.push(f);
    size += f.length + 1;
  }
  return batches;
}

/**
 * Runs a harness script of harness/ over `files`, one JVM per ~64 KB of paths, and returns one
 * result per file, in order. `results` picks the per-file array out of the script's JSON output.
 * Missing groovy/java → UsageError; a crashed or garbled run → an Error with its output.
 */
export async function runHarnessBatches<T>(harness: string, what: string, files: readonly string[], results: (output: unknown) => unknown): Promise<T[]> {
  if (files.length === 0) return [];
  const groovy = requireGroovy();
  const script = path.join(packageRoot, 'harness', harness);
  const out: T[] = [];
  for (const batch of pathBatches(files)) {
    const exit = await runGroovy(groovy, [script, ...batch], '');
    if ((exit.code !== 0 && exit.code !== 1) || hasStackTrace(exit.stderr)) throw harnessError(what, exit);
    let parsed: unknown;
    try {
      parsed = JSON.parse(exit.stdout);
    } catch {
      throw harnessError(`${what} (unreadable output)`, exit);
    }
    const list = results(parsed);
    if (!Array.isArray(list) || list.length !== batch.length) throw harnessError(`${what} (expected ${batch.length} results)`, exit);
    out.push(...(list as T[]));
  }
  return out;
}

/** Parses files as Groovy 2.4 up to Phases.CONVERSION. */
export function parseGroovy(files: readonly string[]): Promise<ParseResult[]> {
  return runHarnessBatches<ParseResult>('ParseCheck.groovy', 'the Groovy parse check', files, (output) => output);
}
