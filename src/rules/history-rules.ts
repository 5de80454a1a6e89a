/**
 * `pipewright lint`: the repository's history against the rules. Protected branches are read as
 * their first-parent history (the commits the branch itself received): each must be a merge whose
 * second parent came from an allowed source, carrying its release tag.
 *
 * What the rules read, so lint can stream it: the first-parent lines of the kept branches (see
 * `keptLine`), whole; and of every other rule branch (develop) only whether the kept lines' merged
 * commits (second parents) lie on it. A merge source's line is the long one (develop receives
 * every commit), so lint streams it and keeps only those few answers.
 */
import type { Git, LineCommit } from '../git/git.js';
import { describeSources, isProtected, workBranch, type BranchRule, type Rule, type RulesData } from './types.js';

/**
 * A line the rules below walk commit by commit: a protected branch's (no-direct-commits,
 * no-branch-from-protected), one with merge sources (merge-only-from-source) or with a release tag
 * (release-tag). These receive only merges, so they are short; lint holds them in memory.
 */
export const keptLine = (r: BranchRule): boolean => isProtected(r) || r.mergeFrom !== null || r.releaseTag !== null;

/** The commits the rules ask a source line about: the second parent of each kept commit (a merge's source). */
export const mergedCommit = (c: LineCommit): string | undefined => c.parents[1];

export interface HistoryContext {
  readonly rules: RulesData;
  readonly git: Git;
  /** The ref a branch is read from (local, or remote-tracking with --remote), null when absent. */
  readonly ref: (branch: string) => string | null;
  /** First-parent history of a kept branch (`keptLine`), newest first. */
  readonly firstParent: (branch: string) => readonly LineCommit[];
  /**
   * Whether `sha` is on a branch's first-parent line: for a kept branch any sha; for another rule
   * branch only a kept commit's `mergedCommit` (anything else throws: lint did not read it).
   */
  readonly onFirstParent: (branch: string, sha: string) => boolean;
  readonly tags: ReadonlyMap<string, readonly string[]>;
  /** Local branches without rules, for the branch-cut check. */
  readonly otherBranches: readonly string[];
}

const short = (sha: string) => sha.slice(0, 12);

export const historyRules: readonly Rule<HistoryContext>[] = [
  {
    id: 'no-direct-commits',
    description: 'A protected branch only receives merges.',
    check: (ctx, push) => {
      for (const r of ctx.rules.branches.filter(isProtected)) {
        if (!ctx.ref(r.branch)) continue;
        for (const c of ctx.firstParent(r.branch)) {
          if (c.parents.length === 1) {
            push({
              severity: 'error', branch: r.branch, commit: c.sha,
              message: `${r.branch} accepts no direct commits, but ${short(c.sha)} is not a merge`,
              fix: `make changes on ${workBranch(ctx.rules)} and merge them up through pull requests (${describeSources(r)} → ${r.branch}); revert ${short(c.sha)} on ${r.branch} if it must go`,
            });
          }
        }
      }
    },
  },
  {
    id: 'merge-only-from-source',
    description: 'A protected branch only merges its allowed source branches.',
    check: (ctx, push) => {
      for (const r of ctx.rules.branches.filter((b) => b.mergeFrom)) {
        if (!ctx.ref(r.branch)) continue;
        const sources = r.mergeFrom!.filter((s) => ctx.ref(s));
        // No source to compare with: environment-branch-exists reports the missing branch instead.
        if (sources.length === 0) continue;
        for (const c of ctx.firstParent(r.branch)) {
          const merged = mergedCommit(c);
          if (!merged || sources.some((s) => ctx.onFirstParent(s, merged))) continue;
          push({
            severity: 'error', branch: r.branch, commit: c.sha,
            message: `${r.branch} accepts merges only from ${describeSources(r)}, but ${short(c.sha)} merges ${short(merged)}, which ${describeSources(r)} never pointed at`,
            fix: `merge that work into ${describeSources(r)} first, then ${describeSources(r)} into ${r.branch}`,
          });
        }
      }
    },
  },
  {
    id: 'release-tag',
    description: 'Every commit of a tagged branch carries its release tag.',
    check: (ctx, push) => {
      for (const r of ctx.rules.branches.filter((b) => b.releaseTag)) {
        if (!ctx.ref(r.branch)) continue;
        const pattern = new RegExp(r.releaseTag!.pattern);
        for (const c of ctx.firstParent(r.branch)) {
          if (c.parents.length === 0) continue; // the root commit predates any release
          if ((ctx.tags.get(c.sha) ?? []).some((t) => pattern.test(t))) continue;
          push({
            severity: 'error', branch: r.branch, commit: c.sha,
            message: `every ${r.branch} commit needs a ${r.releaseTag!.name} release tag (${r.releaseTag!.pattern}); ${short(c.sha)} has none`,
            fix: `git tag <version> ${short(c.sha)} && git push origin <version>`,
          });
        }
      }
    },
  },
  {
    id: 'no-branch-from-protected',
    description: 'No branch is cut from a protected branch.',
    check: (ctx, push) => {
      const guarded = ctx.rules.branches.filter((b) => isProtected(b) && !b.branchFrom && ctx.ref(b.branch));
      if (guarded.length === 0) return;
      // A branch's own commits (those no unprotected rule branch has) are few; one of them on a
      // protected branch's own line means the branch was cut from it. The newest such commit,
      // first in rev-list order, is the fork point (a branch cut from production also holds staging's merges).
      const flow = ctx.rules.branches.filter((b) => !isProtected(b) && ctx.ref(b.branch)).map((b) => ctx.ref(b.branch)!);
      for (const b of ctx.otherBranches) {
        const own = ctx.git.run(['rev-list', `refs/heads/${b}`, '--not', ...flow]).split('\n').filter(Boolean);
        for (const sha of own) {
          const from = guarded.find((r) => ctx.onFirstParent(r.branch, sha) && sha !== ctx.firstParent(r.branch).at(-1)?.sha);
          if (!from) continue;
          push({
            severity: 'error', branch: b, commit: sha,
            message: `${b} was cut from ${from.branch} (at ${short(sha)}); no branch may be cut from ${from.branch}`,
            fix: `cut it from ${workBranch(ctx.rules)} instead: git rebase --onto ${workBranch(ctx.rules)} ${short(sha)} ${b}`,
          });
          break;
        }
      }
    },
  },
];
