/**
 * The one way pipewright runs git: every git process it starts goes through this file, under one
 * environment (the caller's, with what git gives a hook — GIT_DIR and the rest — passed on, plus
 * GIT_FLUSH=0) and one set of errors (git's own message; a UsageError when git is missing). Two
 * engines run under it:
 * - the asynchronous calls (`raw`, `check`, and the streams lint reads a whole history through)
 *   run on simple-git, imported on first use from a bundle of its own (see ./simple.ts);
 * - the synchronous calls (`run`, `test` and the questions built on them) spawn git directly.
 *   simple-git is asynchronous only, and their callers ask as they decide: the branch rules, init,
 *   the pre-push hook. The hook is also the hot path: asking even its first question through
 *   simple-git adds a quarter to a half of a `node -e 0` to every push, more than its budget has
 *   left (bench/hook.mjs; the figures are in the README's Design section).
 */
import { spawnSync } from 'node:child_process';
import { UsageError } from '../core/errors.js';
import { runAsync, type Outcome } from './simple.js';

export const ZERO_SHA = /^0+$/;

/** GIT_FLUSH=0: on a pipe, rev-list and log otherwise flush after every commit, one write each. */
const gitEnv = (base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({ ...base, GIT_FLUSH: '0' });

export interface GitOptions {
  /** The environment git runs in (default: this process's), GIT_FLUSH=0 added. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RawOptions {
  /** What git reads on stdin (closed empty without it). */
  readonly input?: string;
  /** Stop git after so many milliseconds: a deadline for the whole call. */
  readonly timeoutMs?: number;
}

const NOT_INSTALLED = 'git is not installed or not on PATH';
const described = (args: readonly string[]) => `git ${args.join(' ')}`;

/** stdout without its final newline, or git's error. */
function output(args: readonly string[], o: Outcome): string {
  if (o.notFound) throw new UsageError(NOT_INSTALLED);
  if (o.code !== 0) throw new Error(`${described(args)} failed (${o.code ?? o.signal}): ${o.stderr.trim()}`);
  return o.stdout.replace(/\n$/, '');
}

/** true for exit 0, false for exit 1; anything else throws. */
function answer(args: readonly string[], o: Outcome): boolean {
  if (o.notFound) throw new UsageError(NOT_INSTALLED);
  if (o.code === 0 || o.code === 1) return o.code === 0;
  throw new Error(`${described(args)} failed (${o.code ?? o.signal})`);
}

/** A commit of a first-parent history: its sha and all its parents, first parent first. */
export interface LineCommit {
  readonly sha: string;
  readonly parents: string[];
}

/** One line of `rev-list --parents`: `sha parent…`. */
const lineCommit = (line: string): LineCommit => {
  const [sha, ...parents] = line.split(' ');
  return { sha: sha!, parents };
};

const TAGS_BY_COMMIT = ['for-each-ref', '--format=%(objectname) %(*objectname) %(refname:strip=2)', 'refs/tags'];

/** One line of TAGS_BY_COMMIT into `map`: commit → tag names. */
function addTag(map: Map<string, string[]>, line: string): void {
  const [obj, peeled, name] = line.split(' ') as [string, string, string];
  const commit = peeled || obj;
  const list = map.get(commit);
  if (list) list.push(name);
  else map.set(commit, [name]);
}

/** Questions about history that the pre-push rules ask in bulk: Git answers each with git, CommitGraph from memory. */
export interface History {
  /** Which of `commits` `head` contains (is, or descends from). */
  ancestorsOf(head: string, commits: Iterable<string>): Set<string>;
  /** The commits reachable from `tips` but from none of `excluded`, each with its parents. */
  own(tips: readonly string[], excluded: readonly string[]): Map<string, string[]>;
}

/** `sha parent…` lines (rev-list --parents) → commit → parents. */
function parseParents(out: string): Map<string, string[]> {
  return new Map(out ? out.split('\n').map((l) => {
    const c = lineCommit(l);
    return [c.sha, c.parents];
  }) : []);
}

/**
 * The history below some heads, read once (`git rev-list --parents`) and asked in memory: for a
 * push of thousands of refs, one walk instead of one per question. Commits are numbered and walks
 * mark bytes, so asking costs little beside git's own walk.
 */
export class CommitGraph implements History {
  private readonly ids = new Map<string, number>();
  private readonly shas: string[] = [];
  /** Parents of commit i: parentIds[parentStart[i] … parentStart[i + 1]). */
  private readonly parentStart: number[] = [0];
  private readonly parentIds: number[] = [];
  private readonly below = new Map<string, Uint8Array>();

  constructor(revListParents: string) {
    const lines = revListParents ? revListParents.split('\n') : [];
    for (const line of lines) this.id(line.split(' ', 1)[0]!); // commits first: ids 0…n-1 are the lines
    for (const line of lines) {
      for (const p of line.split(' ').slice(1)) this.parentIds.push(this.id(p));
      this.parentStart.push(this.parentIds.length);
    }
  }

  static load(git: Git, heads: readonly string[]): CommitGraph {
    return new CommitGraph(git.run(['rev-list', '--parents', '--stdin'], `${[...new Set(heads)].join('\n')}\n`));
  }

  private id(sha: string): number {
    let i = this.ids.get(sha);
    if (i === undefined) {
      i = this.shas.push(sha) - 1;
      this.ids.set(sha, i);
    }
    return i;
  }

  /** Marks every commit reachable from `heads` (themselves included), not entering `stop`. */
  private reach(heads: readonly string[], stop?: Uint8Array): Uint8Array {
    const seen = new Uint8Array(this.shas.length);
    const todo: number[] = [];
    for (const h of heads) {
      const i = this.ids.get(h);
      if (i === undefined || i >= this.parentStart.length - 1) throw new Error(`CommitGraph: ${h} is not below the heads it was loaded with`);
      todo.push(i);
    }
    for (let i = todo.pop(); i !== undefined; i = todo.pop()) {
      if (seen[i] || stop?.[i]) continue;
      seen[i] = 1;
      for (let k = this.parentStart[i]!; k < (this.parentStart[i + 1] ?? k); k++) todo.push(this.parentIds[k]!);
    }
    return seen;
  }

  ancestorsOf(head: string, commits: Iterable<string>): Set<string> {
    let below = this.below.get(head);
    if (!below) this.below.set(head, (below = this.reach([head])));
    return new Set([...commits].filter((c) => below![this.ids.get(c) ?? -1]));
  }

  own(tips: readonly string[], excluded: readonly string[]): Map<string, string[]> {
    const mine = this.reach(tips, this.reach(excluded));
    const out = new Map<string, string[]>();
    mine.forEach((m, i) => {
      if (m) out.set(this.shas[i]!, this.parentIds.slice(this.parentStart[i], this.parentStart[i + 1]).map((p) => this.shas[p]!));
    });
    return out;
  }
}

export class Git implements History {
  /** Answers of `test`: one check reads a repository that does not change meanwhile. */
  private readonly answers = new Map<string, boolean>();
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(
    readonly cwd: string,
    options: GitOptions = {},
  ) {
    this.env = options.env;
  }

  /** Run git; its stdout without the final newline. Throws with git's message on failure. */
  run(args: readonly string[], input?: string): string {
    return output(args, this.spawn(args, { input }));
  }

  /** `run`, asynchronously, through simple-git. */
  async raw(args: readonly string[], options: RawOptions = {}): Promise<string> {
    return output(args, await runAsync({ cwd: this.cwd, args, env: gitEnv(this.env), ...options }));
  }

  /** true when git exits 0, false when it exits 1 (remembered); anything else throws. */
  test(args: readonly string[]): boolean {
    const key = args.join('\0');
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const result = answer(args, this.spawn(args, { quiet: true }));
    this.answers.set(key, result);
    return result;
  }

  /** `test`, asynchronously, through simple-git (not remembered). */
  async check(args: readonly string[]): Promise<boolean> {
    return answer(args, await runAsync({ cwd: this.cwd, args, env: gitEnv(this.env), quiet: true }));
  }

  /** The synchronous engine: git to completion, its output whole (none with `quiet`). */
  private spawn(args: readonly string[], { input, quiet = false }: { input?: string; quiet?: boolean }): Outcome {
    const res = spawnSync('git', args, {
      cwd: this.cwd,
      env: gitEnv(this.env),
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      input,
      stdio: [input === undefined ? 'ignore' : 'pipe', quiet ? 'ignore' : 'pipe', quiet ? 'ignore' : 'pipe'],
    });
    const err = res.error as NodeJS.ErrnoException | undefined;
    if (err && err.code !== 'ENOENT') throw new Error(`${described(args)} failed (${err.code ?? err.message})`);
    return { code: res.status, signal: res.signal, stdout: res.stdout ?? '', stderr: res.stderr ?? '', notFound: err?.code === 'ENOENT' };
  }

  /** The work tree's root, or a UsageError outside a repository. */
  topLevel(): string {
    try {
      return this.run(['rev-parse', '--show-toplevel']);
    } catch {
      throw new UsageError(`not a git repository: ${this.cwd}; run pipewright inside the repository`);
    }
  }

  isAncestor(ancestor: string, of: string): boolean {
    return ancestor === of || this.test(['merge-base', '--is-ancestor', ancestor, of]);
  }

  /**
   * Many objects in one `git cat-file --batch-check`: each name (a sha, `sha^{commit}`, a full ref
   * name; no whitespace) → its object name and type, or null when git has no such object.
   */
  objects(names: readonly string[]): Map<string, { sha: string; type: string } | null> {
    const unique = [...new Set(names)];
    const found = new Map<string, { sha: string; type: string } | null>();
    if (unique.length === 0) return found;
    const out = this.run(['cat-file', '--batch-check=%(objectname) %(objecttype)'], `${unique.join('\n')}\n`).split('\n');
    unique.forEach((name, i) => {
      const [sha, type] = (out[i] ?? '').split(' ');
      found.set(name, sha && type && type !== 'missing' && type !== 'ambiguous' ? { sha, type } : null);
    });
    return found;
  }

  /**
   * Which of `commits` `head` contains (is, or descends from): one merge-base per commit when
   * there are few, else one walk of head's history, so a thousand questions cost one process.
   */
  ancestorsOf(head: string, commits: Iterable<string>): Set<string> {
    const unique = [...new Set(commits)];
    const open = unique.filter((c) => c !== head);
    const yes = new Set(unique.filter((c) => c === head));
    if (open.length <= 3) {
      for (const c of open) if (this.isAncestor(c, head)) yes.add(c);
      return yes;
    }
    const wanted = new Set(open);
    for (const sha of this.run(['rev-list', head]).split('\n')) if (wanted.has(sha)) yes.add(sha);
    return yes;
  }

  /** The commits reachable from `tips` but from none of `excluded`, each with its parents (one rev-list). */
  own(tips: readonly string[], excluded: readonly string[]): Map<string, string[]> {
    return parseParents(this.run(['rev-list', '--parents', '--stdin'], `${[...tips, ...excluded.map((e) => `^${e}`)].join('\n')}\n`));
  }

  /** Whether an object exists locally (a remote sha we never fetched does not). */
  has(sha: string): boolean {
    return this.objects([`${sha}^{commit}`]).get(`${sha}^{commit}`) != null;
  }

  /** `refname → sha` for the given ref prefixes, in one call. */
  refs(...prefixes: string[]): Map<string, string> {
    const out = this.run(['for-each-ref', '--format=%(refname) %(objectname)', ...prefixes]);
    return new Map(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
  }

  /** Tags by the commit they point at (annotated tags peeled), in one call. */
  tagsByCommit(): Map<string, string[]> {
    const out = this.run(TAGS_BY_COMMIT);
    const map = new Map<string, string[]>();
    for (const line of out ? out.split('\n') : []) addTag(map, line);
    return map;
  }

  /** The same, without blocking: for reading them while other git processes run. */
  async streamTagsByCommit(): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    await this.streamLines(TAGS_BY_COMMIT, (line) => addTag(map, line));
    return map;
  }

  /** First-parent history `range` (e.g. `old..new` or a ref), newest first, with all parents. */
  firstParentLog(range: readonly string[]): LineCommit[] {
    const out = this.run(['rev-list', '--first-parent', '--parents', ...range]);
    return out ? out.split('\n').map(lineCommit) : [];
  }

  /**
   * The same history streamed: each commit to `onCommit` as git prints it, newest first. Memory
   * stays flat however long the line. Resolves with the number of commits.
   */
  async streamFirstParent(range: readonly string[], onCommit: (c: LineCommit) => void): Promise<number> {
    let count = 0;
    await this.streamLines(['rev-list', '--first-parent', '--parents', ...range], (line) => {
      count++;
      onCommit(lineCommit(line));
    });
    return count;
  }

  /** Only the shas of that history, streamed: half the bytes, for a line that is only searched. */
  async streamFirstParentShas(range: readonly string[], onSha: (sha: string) => void): Promise<number> {
    let count = 0;
    await this.streamLines(['rev-list', '--first-parent', ...range], (sha) => {
      count++;
      onSha(sha);
    });
    return count;
  }

  /**
   * Run git, handing each line of its stdout (without the newline) to `onLine` as it arrives: for
   * output that grows with history, never held whole. Resolves when git exits 0; rejects with
   * git's message otherwise, with a UsageError when git is not installed, and with the consumer's
   * own error when `onLine` throws (git is stopped, and no line is handed on after it).
   */
  async streamLines(args: readonly string[], onLine: (line: string) => void): Promise<void> {
    output(args, await runAsync({ cwd: this.cwd, args, env: gitEnv(this.env), onLine }));
  }
}
