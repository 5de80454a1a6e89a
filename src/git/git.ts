/**
 * The one way pipewright runs git: `git` itself through execFile, no library. simple-git (the
 * design card's choice) costs 30-45 ms just to load, a fifth of the pre-push hook's budget.
 */
import { execFileSync } from 'node:child_process';
import { UsageError } from '../errors.js';

export const ZERO_SHA = /^0+$/;

export class Git {
  /** Answers of `test`: one check reads a repository that does not change meanwhile. */
  private readonly answers = new Map<string, boolean>();

  constructor(readonly cwd: string) {}

  /** Run git; its stdout without the final newline. Throws with git's message on failure. */
  run(args: readonly string[]): string {
    try {
      return execFileSync('git', args, { cwd: this.cwd, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
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
    return this.test(['merge-base', '--is-ancestor', ancestor, of]);
  }

  /** Whether an object exists locally (a remote sha we never fetched does not). */
  has(sha: string): boolean {
    return this.test(['cat-file', '-e', `${sha}^{commit}`]);
  }

  /** `refname → sha` for the given ref prefixes, in one call. */
  refs(...prefixes: string[]): Map<string, string> {
    const out = this.run(['for-each-ref', '--format=%(refname) %(objectname)', ...prefixes]);
    return new Map(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
  }

  /** Tags by the commit they point at (annotated tags peeled), in one call. */
  tagsByCommit(): Map<string, string[]> {
    const out = this.run(['for-each-ref', '--format=%(objectname) %(*objectname) %(refname:strip=2)', 'refs/tags']);
    const map = new Map<string, string[]>();
    for (const line of out ? out.split('\n') : []) {
      const [obj, peeled, name] = line.split(' ') as [string, string, string];
      const commit = peeled || obj;
      const list = map.get(commit);
      if (list) list.push(name);
      else map.set(commit, [name]);
    }
    return map;
  }

  /** First-parent history `range` (e.g. `old..new` or a ref), newest first, with all parents. */
  firstParentLog(range: readonly string[]): { sha: string; parents: string[] }[] {
    const out = this.run(['rev-list', '--first-parent', '--parents', ...range]);
    return out ? out.split('\n').map((l) => {
      const [sha, ...parents] = l.split(' ');
      return { sha: sha!, parents };
    }) : [];
  }
}
