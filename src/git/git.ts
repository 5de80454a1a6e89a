/**
 * The one way pipewright runs git: `git` itself through execFile, no library. simple-git (the
 * design card's choice) costs 30-45 ms just to load, a fifth of the pre-push hook's budget.
 */
import { execFileSync, spawn } from 'node:child_process';
import { UsageError } from '../core/errors.js';

export const ZERO_SHA = /^0+$/;

/** GIT_FLUSH=0: on a pipe, rev-list and log otherwise flush after every commit, one write each. */
const gitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GIT_FLUSH: '0' });

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

/** stderr kept for an error message: the last so many bytes, so a chatty git cannot grow it. */
const STDERR_KEPT = 64 * 1024;

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

  constructor(readonly cwd: string) {}

  /** Run git; its stdout without the final newline. Throws with git's message on failure. */
  run(args: readonly string[], input?: string): string {
    try {
      return execFileSync('git', args, { cwd: this.cwd, env: gitEnv(), encoding: 'utf8', maxBuffer: 1 << 30, ...(input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input, stdio: ['pipe', 'pipe', 'pipe'] }) }).replace(/\n$/, '');
    } catch (e) {
      const err = e as { code?: string; stderr?: string; status?: number };
      if (err.code === 'ENOENT') throw new UsageError('git is not installed or not on PATH');
      throw new Error(`git ${args.join(' ')} failed (${err.status}): ${(err.stderr ?? '').trim()}`);
    }
  }

  /** true when git exits 0, false when it exits 1 (remembered); anything else throws. */
  test(args: readonly string[]): boolean {
    const key = args.join('\0');
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const answer = this.testUncached(args);
    this.answers.set(key, answer);
    return answer;
  }

  private testUncached(args: readonly string[]): boolean {
    try {
      execFileSync('git', args, { cwd: this.cwd, stdio: 'ignore' });
      return true;
    } catch (e) {
      const err = e as { code?: string; status?: number };
      if (err.code === 'ENOENT') throw new UsageError('git is not installed or not on PATH');
      if (err.status === 1) return false;
      throw new Error(`git ${args.join(' ')} failed (${err.status})`);
    }
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
   * git's message otherwise, and with a UsageError when git is not installed.
   */
  streamLines(args: readonly string[], onLine: (line: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      // gitEnv's GIT_FLUSH=0: a write (and a 'data' event here) per line would double the cost of a long history.
      const child = spawn('git', args, { cwd: this.cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      // Lines are cut from the bytes and each decoded on its own (a newline byte never sits inside
      // a UTF-8 sequence): a fresh string per line. A slice of a decoded chunk would keep the whole
      // 64 KB chunk alive as long as the consumer keeps that line.
      let rest: Buffer[] = []; // a line's start, while its newline has not come yet
      let stderr = '';
      let failed: unknown = null;
      child.stdout.on('data', (chunk: Buffer) => {
        if (failed) return;
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
          failed = e;
          child.kill();
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_KEPT);
      });
      // A spawn failure may or may not be followed by 'close': settle here (a later reject is a no-op).
      child.on('error', (e: NodeJS.ErrnoException) => {
        failed ??= e.code === 'ENOENT' ? new UsageError('git is not installed or not on PATH') : e;
        reject(failed);
      });
      child.on('close', (code, signal) => {
        if (failed) return reject(failed);
        if (code !== 0) return reject(new Error(`git ${args.join(' ')} failed (${code ?? signal}): ${stderr.trim()}`));
        try {
          if (rest.length) onLine(Buffer.concat(rest).toString('utf8'));
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  }
}
