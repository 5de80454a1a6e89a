/**
 * The asynchronous engine of the git layer (./git.ts): simple-git, imported on the first call, so
 * a command that never asks git asynchronously (the pre-push hook) never loads it. The build
 * bundles it into one file of its own, dist/bin/simple-git.js, which the CLI's chunks import by
 * path: loading it resolves nothing in node_modules.
 *
 * simple-git runs each call as `git.raw(args)`, configured to keep what pipewright's git always did:
 * - the environment is passed on whole (simple-git strips GIT_* and a few others unless told);
 *   a hook's GIT_DIR, or GIT_CONFIG_PARAMETERS from `git -c … push`, must reach git;
 * - every exit status is answered, not only a failure that printed something;
 * - an output handler takes stdout and stderr over: lines are handed on as they arrive and only the
 *   last STDERR_KEPT bytes of stderr are kept, so a history of any length streams in flat memory
 *   (simple-git would otherwise buffer all of it);
 * - that handler also hands simple-git one empty chunk: simple-git waits 50 ms after a command that
 *   printed nothing before it trusts the exit (`merge-base --is-ancestor` prints nothing), though
 *   it completes on 'close', which Node emits only once both pipes have ended.
 */
import type { SimpleGitOptions } from 'simple-git';

type SimpleGitModule = typeof import('simple-git');
let loading: Promise<SimpleGitModule> | undefined;
const load = (): Promise<SimpleGitModule> => (loading ??= import('simple-git'));

/** stderr kept for an error message: the last so many bytes, so a chatty git cannot grow it. */
const STDERR_KEPT = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** How a git process ended, from either engine. */
export interface Outcome {
  /** The exit status; null when a signal ended git. */
  readonly code: number | null;
  readonly signal: string | null;
  /** stdout whole ('' when streamed to `onLine`). */
  readonly stdout: string;
  readonly stderr: string;
  /** git could not be started: not installed, not on PATH (or no such working directory). */
  readonly notFound: boolean;
}

export interface AsyncCall {
  readonly cwd: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** stdin; closed empty without it. */
  readonly input?: string;
  /** Each line of stdout (without its newline) as it arrives, instead of stdout whole. */
  readonly onLine?: (line: string) => void;
  /** Only the exit status matters: output is dropped. */
  readonly quiet?: boolean;
  /** A deadline for the whole call, in milliseconds. */
  readonly timeoutMs?: number;
}

/**
 * One git process through simple-git. Resolves with how it ended, whatever its exit status;
 * rejects with the consumer's error when `onLine` throws (git is stopped first), and when the
 * deadline passes.
 */
export async function runAsync(call: AsyncCall): Promise<Outcome> {
  const { simpleGit, GitConstructError, GitPluginError } = await load();
  const stop = new AbortController();
  const deadline = call.timeoutMs === undefined ? null : AbortSignal.timeout(call.timeoutMs);
  const ended = { code: null as number | null, spawnError: '' };
  const failed: { error?: unknown } = {};
  const stdout: Buffer[] = [];
  let stderr = '';
  let rest: Buffer[] = []; // a streamed line's start, while its newline has not come yet

  const options: Partial<SimpleGitOptions> = {
    baseDir: call.cwd,
    abort: deadline ? AbortSignal.any([stop.signal, deadline]) : stop.signal,
    // Always an input, even empty: simple-git leaves stdin open without one.
    input: () => Buffer.from(call.input ?? ''),
    allowEnvironment: Object.keys(call.env),
    // What the environment sets (GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT…) is the user's own config.
    allowConfig: ['*'],
    unsafe: { allowUnsafeConfigEnvCount: true },
    // Done on 'close' alone: by then both pipes have ended. (simple-git's default also takes
    // 'exit' + 50 ms, which a busy machine can reach before the last of stdout is read.)
    completion: { onClose: true, onExit: false },
    // Every exit answered: recorded here, the task resolving unless simple-git itself stopped git.
    errors: (error, result) => {
      ended.code = result.exitCode;
      ended.spawnError = Buffer.concat(result.stdErr).toString('utf8');
      return error instanceof GitPluginError ? error : undefined;
    },
  };
  let git;
  try {
    git = simpleGit(options);
  } catch (e) {
    // simpleGit() refuses a directory that does not exist, where spawning git fails with ENOENT.
    if (e instanceof GitConstructError) return { code: null, signal: null, stdout: '', stderr: '', notFound: true };
    throw e;
  }
  const onLine = call.onLine;
  git.env({ ...call.env }).outputHandler((_command, out, err) => {
    out.removeAllListeners('data');
    err.removeAllListeners('data');
    queueMicrotask(() => out.emit('data', EMPTY));
    err.setEncoding('utf8');
    err.on('data', (chunk: string) => {
      if (!call.quiet) stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    if (call.quiet) return;
    if (!onLine) {
      out.on('data', (chunk: Buffer) => stdout.push(chunk));
      return;
    }
    // Lines are cut from the bytes and each decoded on its own (a newline byte never sits inside a
    // UTF-8 sequence): a fresh string per line. A slice of a decoded chunk would keep the whole
    // 64 KB chunk alive as long as the consumer keeps that line.
    out.on('data', (chunk: Buffer) => {
      if ('error' in failed) return;
      let start = 0;
      try {
        for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
          const line = rest.length ? Buffer.concat([...rest, chunk.subarray(0, nl)]).toString('utf8') : chunk.toString('utf8', start, nl);
          rest = [];
          start = nl + 1;
          onLine(line);
        }
        if (start < chunk.length) rest.push(Buffer.from(chunk.subarray(start)));
      } catch (e) {
        // The consumer's error wins; git is stopped, its exit no longer matters.
        failed.error = e;
        stop.abort();
      }
    });
  });

  try {
    await git.raw([...call.args]);
  } catch (e) {
    if ('error' in failed) throw failed.error;
    if (deadline?.aborted) throw new Error(`git ${call.args.join(' ')} did not finish within ${call.timeoutMs} ms`);
    throw e;
  }
  if ('error' in failed) throw failed.error;
  const { code, spawnError } = ended;
  // The last line, when git printed no newline after it (and succeeded).
  if (onLine && code === 0 && rest.length) onLine(Buffer.concat(rest).toString('utf8'));
  // A git that could not start: Node reports the spawn error, which simple-git keeps as stderr.
  const notFound = code !== null && code < 0 && /\bspawn \S+ ENOENT\b/.test(spawnError);
  return { code, signal: code === null ? 'killed by a signal' : null, stdout: Buffer.concat(stdout).toString('utf8'), stderr, notFound };
}
