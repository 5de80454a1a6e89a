/**
 * Error classes the CLI maps to exit codes. Anything that is not a PipewrightError is a bug
 * and is shown with its stack; these are user-facing and shown as their message only.
 */
export abstract class PipewrightError extends Error {
  abstract readonly exitCode: number;
}

/** Bad flags or arguments. Exit 2. */
export class UsageError extends PipewrightError {
  readonly exitCode = 2;
}

/** Findings, drift or refused writes: the command worked, the answer is "no". Exit 1. */
export class FindingsError extends PipewrightError {
  readonly exitCode = 1;
}

/** One problem in a config file. `path` is the key path ("environments.1.replicas"), empty for the whole file. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
  /** What would have been accepted, when that can be said briefly. */
  readonly allowed?: string;
  /** 1-based position in the file, when known (YAML syntax errors, pipewright.config.ts). */
  readonly line?: number;
  readonly column?: number;
}

/** Every problem found in a config file, reported in one pass. Exit 2. */
export class ConfigError extends PipewrightError {
  readonly exitCode = 2;
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ConfigError';
  }
}

/** `file[:line:col]: key.path: message (allowed: …)` */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
  const key = p.path ? `${p.path}: ` : '';
  const allowed = p.allowed ? ` (allowed: ${p.allowed})` : '';
  return `${where}: ${key}${p.message}${allowed}`;
}
