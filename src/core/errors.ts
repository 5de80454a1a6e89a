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

/** What a command that changes several things had done when a call failed. */
export interface Progress {
  /** Changes made, in order ("created Namespace shop-develop"). */
  readonly done: readonly string[];
  /** The change whose call got no answer: it may or may not have taken effect. */
  readonly unsure?: string | null;
  /** Changes not made. */
  readonly notDone: readonly string[];
  /** The command that finishes the job ("pipewright ecr ensure"). */
  readonly rerun: string;
}

const list = (items: readonly string[], max = 8): string =>
  items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');

/**
 * A command stopped part-way at a failed call (a deadline, a refusal): the failure, then what was
 * done, what may have been, and what was not, so nothing is left half-applied unknowingly. Exit 1.
 */
export class StoppedError extends PipewrightError {
  readonly exitCode = 1;
  constructor(
    readonly failure: PipewrightError,
    readonly progress: Progress,
  ) {
    const { done, unsure, notDone, rerun } = progress;
    // Nothing changed: still the one line every failure is, with that said at its end.
    const lines = [done.length === 0 && !unsure ? `${failure.message}; nothing was changed` : failure.message];
    if (done.length > 0 || unsure) {
      lines.push(`done before it stopped: ${done.length ? list(done) : 'nothing'}`);
      if (unsure) lines.push(`sent but not answered, so it may or may not have taken effect: ${unsure}`);
      if (notDone.length) lines.push(`not done: ${list(notDone)}`);
      lines.push(`run ${rerun} again to finish: it starts from what is there`);
    }
    super(lines.join('\n'));
    this.name = 'StoppedError';
  }
}

/**
 * Keeps count of a command's changes as it makes them, so that when a call fails part-way the error
 * can say what was done, what may have been, and what was not (`stopped`).
 */
export class ChangeLog {
  readonly done: string[] = [];
  private ahead: string[] = [];
  private inFlight: { what: string; item: string | undefined } | null = null;

  /** What is still to do, in order ("create Fargate profile shop"); replaces the previous list. */
  plan(items: readonly string[]): void {
    this.ahead = [...items];
  }

  /** A planned item is being worked on: it is no longer ahead. */
  reach(item: string): void {
    this.ahead = this.ahead.filter((i) => i !== item);
  }

  /**
   * Make one change (`what`: "created Namespace shop-develop"), part of the planned `item`; it
   * counts as done once `write` resolves.
   */
  async change<T>(what: string, write: () => Promise<T>, item?: string): Promise<T> {
    this.inFlight = { what, item };
    const out = await write();
    this.inFlight = null;
    this.done.push(what);
    return out;
  }

  /**
   * The error for `failure`. `noAnswer`: the failed call got no answer, so the change it was
   * making (if any) may have taken effect; otherwise that change was not made.
   */
  stopped(failure: PipewrightError, noAnswer: boolean, rerun: string): StoppedError {
    const f = this.inFlight;
    const unsure = noAnswer && f ? f.what : null;
    // A change that failed outright is not done: its planned item (still ahead) says so, else itself.
    let notDone = this.ahead.filter((i) => i !== unsure);
    if (f && !unsure && !(f.item !== undefined && this.ahead.includes(f.item))) notDone = [f.what, ...notDone];
    return new StoppedError(failure, { done: [...this.done], unsure, notDone, rerun });
  }
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
