/**
 * The one way pipewright runs a program other than git (git has its adapter, src/git/): output
 * collected, stdout and stderr interleaved as they came and cut to their end, and an optional
 * deadline (src/deadline.ts). A program that fails is a result, never a rejection.
 */
import { spawn } from 'node:child_process';
import { withDeadline } from './deadline.js';

export interface RunOptions {
  readonly cwd: string;
  /** Added to process.env. */
  readonly env?: Readonly<Record<string, string>>;
  /** Seconds the program may run; then it is killed (SIGTERM). Default: no limit. */
  readonly timeoutSeconds?: number;
  /** Characters of output kept: the last ones. Default 64 KiB. */
  readonly outputLimit?: number;
}

export interface RunResult {
  /** The exit code; null when the program was killed, ran out of time or could not start. */
  readonly code: number | null;
  /** The signal that killed it. */
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr as they came: the last `outputLimit` characters ('…' first when cut), trailing white space trimmed. */
  readonly output: string;
  /** It ran longer than `timeoutSeconds` and was killed. */
  readonly timedOut: boolean;
  /** Why it could not start (not installed, not executable, no such cwd). */
  readonly startError: Error | null;
}

const OUTPUT_LIMIT = 64 * 1024;

class Expired extends Error {}

/** Run `file` with `args` (no shell) and collect what it prints. */
export async function runProgram(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const limit = opts.outputLimit ?? OUTPUT_LIMIT;
  let output = '';
  let truncated = false;
  const take = (text: string) => {
    output += text;
    if (output.length > limit * 2) {
      output = output.slice(-limit);
      truncated = true;
    }
  };
  const collected = (): string => {
    const cut = truncated || output.length > limit;
    return `${cut ? '…' : ''}${output.slice(-limit)}`.replace(/\s+$/, '');
  };
  const result = (r: Partial<RunResult>): RunResult => ({ code: null, signal: null, output: collected(), timedOut: false, startError: null, ...r });
  const deadline = opts.timeoutSeconds;
  // With a deadline the program gets its own process group, so that running out of time stops
  // what it started too (sh -c 'a; b' leaves b holding the pipes otherwise).
  const child = spawn(file, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: deadline !== undefined });
  child.stdout.setEncoding('utf8').on('data', take);
  child.stderr.setEncoding('utf8').on('data', take);
  const finished = new Promise<RunResult>((resolve) => {
    child.on('error', (e) => resolve(result({ startError: e })));
    child.on('close', (code, sig) => resolve(result({ code, signal: sig })));
  });
  if (deadline === undefined) return finished;
  try {
    return await withDeadline(deadline, () => finished, () => new Expired());
  } catch (e) {
    if (!(e instanceof Expired)) throw e;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    child.stdout.destroy();
    child.stderr.destroy();
    return result({ signal: 'SIGTERM', timedOut: true });
  }
}

/**
 * Run a command line the user wrote (a config's check or smoke command) with `sh -c`: it is shell
 * by design (pipes, `&&`, $PW_* variables), so it goes to sh whole, never pieced together here.
 */
export function runShell(command: string, opts: RunOptions): Promise<RunResult> {
  return runProgram('sh', ['-c', command], opts);
}

/** One line for a finished program: exit 0, exit N, killed by SIG…, or out of time. */
export function describeExit(r: RunResult, timeoutSeconds?: number): string {
  if (r.timedOut) return `still running after ${timeoutSeconds ?? '?'} s: stopped`;
  return r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
}
