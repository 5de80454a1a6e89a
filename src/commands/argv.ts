/**
 * What both entries need before any command runs (src/cli.ts, and src/hook-main.ts, which must stay
 * small): the -C directory, the installed hook's exact call, and how a failure is printed.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { PipewrightError, UsageError } from '../core/errors.js';

/** The -C directory, which must exist. */
export function workDir(dir: string): string {
  const cwd = path.resolve(dir);
  let ok = false;
  try {
    ok = statSync(cwd).isDirectory();
  } catch {
    // reported below
  }
  if (!ok) throw new UsageError(`-C ${dir}: no such directory`);
  return cwd;
}

/** `[-C dir] [-c file] hook pre-push [remote] [url]`, as the installed hook calls it; else null. */
export function prePushCall(args: string[]): { cwd: string; config?: string; remote?: string; url?: string } | null {
  let cwd = process.cwd();
  let config: string | undefined;
  let i = 0;
  for (; i + 1 < args.length && ['-C', '--cwd', '-c', '--config'].includes(args[i]!); i += 2) {
    if (args[i] === '-C' || args[i] === '--cwd') cwd = workDir(args[i + 1]!);
    else config = args[i + 1];
  }
  const [group, sub, ...rest] = args.slice(i);
  if (group !== 'hook' || sub !== 'pre-push' || rest.length > 2 || rest.some((a) => a.startsWith('-'))) return null;
  return { cwd, ...(config !== undefined && { config }), remote: rest[0], url: rest[1] };
}

/** Print a failure the way every pipewright command does; its exit code (70 for a bug). */
export function reportFailure(e: unknown): number {
  if (e instanceof PipewrightError) {
    process.stderr.write(`${e.message}\n`);
    return e.exitCode;
  }
  process.stderr.write(`pipewright: internal error, please report it:\n${(e as Error).stack ?? String(e)}\n`);
  return 70;
}
