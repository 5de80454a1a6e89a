/**
 * The pre-push hook: each ref a push updates, against the rules. Reads only what the push
 * touches, so a push to develop costs no git call at all.
 */
import type { Git, History } from '../git/git.js';
import type { PushUpdate } from '../git/pre-push.js';
import { describeSources, isProtected, newestForks, workBranch, type BranchRule, type Rule, type RulesData } from './types.js';

export interface PushContext {
  readonly rules: RulesData;
  readonly git: Git;
  /** The bulk questions: git itself for a few refs, or the history read once for many. */
  readonly history: History;
  readonly remote: string;
  readonly updates: readonly PushUpdate[];
  /** Whether this clone has a commit (answered for every sha of the push in one batch). */
  readonly has: (sha: string) => boolean;
  /** The sha a branch will have after this push: pushed now, else the remote-tracking ref, else local. */
  readonly branchSha: (branch: string) => string | null;
  /** Tags pointing at a commit: this push's first, else the local ones (one git call, on first use). */
  readonly tagsAt: (commit: string) => readonly string[];
  /** Tags this push creates or updates, by name → the commit they name (null: not a commit). */
  readonly pushedTags: ReadonlyMap<string, string | null>;
}

const short = (sha: string) => sha.slice(0, 12);
const branchOf = (ref: string): string | null => (ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null);
const tagOf = (ref: string): string | null => (ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : null);
const ruleFor = (ctx: PushContext, branch: string | null): BranchRule | undefined => ctx.rules.branches.find((r) => r.branch === branch);

/**
 * The first-parent commits a protected-branch update adds, newest first (cached per update): those
 * the remote's sha lacks, or for a new branch (or a remote sha this clone lacks) those no ref of the
 * remote has.
 */
const added = new WeakMap<PushUpdate, { sha: string; parents: string[] }[]>();
function newCommits(ctx: PushContext, u: PushUpdate): { sha: string; parents: string[] }[] {
  let list = added.get(u);
  if (!list) {
    const range = u.kind === 'create' || !ctx.has(u.remoteSha) ? [u.localSha, '--not', `--remotes=${ctx.remote}`] : [u.localSha, `^${u.remoteSha}`];
    list = ctx.git.firstParentLog(range);
    added.set(u, list);
  }
  return list;
}

/**
 * Whether an update only moves its branch forward; null when this clone lacks the remote's sha.
 * Read from the commits it adds where it can (the oldest one's first parent is the remote's sha on
 * a branch that receives merges), so the usual push costs no merge-base.
 */
function fastForward(ctx: PushContext, u: PushUpdate): boolean | null {
  if (!ctx.has(u.remoteSha)) return null;
  const list = newCommits(ctx, u);
  if (list.length === 0) return u.localSha === u.remoteSha; // the remote has it all: a rewind
  return list.at(-1)!.parents[0] === u.remoteSha || ctx.git.isAncestor(u.remoteSha, u.localSha);
}

/** Whether a walk from `tip` down the parents inside `graph` meets one of `targets`. */
function reaches(graph: ReadonlyMap<string, readonly string[]>, tip: string, targets: ReadonlySet<string>): boolean {
  const seen = new Set<string>();
  const todo = [tip];
  for (let sha = todo.pop(); sha !== undefined; sha = todo.pop()) {
    if (targets.has(sha)) return true;
    if (seen.has(sha)) continue;
    seen.add(sha);
    for (const p of graph.get(sha) ?? []) if (graph.has(p)) todo.push(p);
  }
  return false;
}

const protectedUpdates = (ctx: PushContext) =>
  ctx.updates.flatMap((u) => {
    const rule = ruleFor(ctx, branchOf(u.remoteRef));
    return rule && isProtected(rule) ? [{ u, rule }] : [];
  });

export const pushRules: readonly Rule<PushContext>[] = [
  {
    id: 'no-delete-protected',
    description: 'A protected branch is never deleted.',
    check: (ctx, push) => {
      for (const { u, rule } of protectedUpdates(ctx)) {
        if (u.kind !== 'delete') continue;
        push({ severity: 'error', branch: rule.branch, message: `${rule.branch} is protected and cannot be deleted`, fix: `do not push :${rule.branch}; delete a feature branch instead` });
      }
    },
  },
  {
    id: 'no-force-push',
    description: 'A protected branch only moves forward.',
    check: (ctx, push) => {
      for (const { u, rule } of protectedUpdates(ctx)) {
        if (u.kind !== 'update') continue;
        const forward = fastForward(ctx, u);
        if (forward === null) {
          push({ severity: 'error', branch: rule.branch, message: `the remote ${rule.branch} is at ${short(u.remoteSha)}, which this clone does not have: this push may overwrite it`, fix: `git fetch ${ctx.remote}, merge ${ctx.remote}/${rule.branch}, then push again` });
        } else if (!forward) {
          push({ severity: 'error', branch: rule.branch, commit: u.localSha, message: `this push rewrites ${rule.branch} (not a fast-forward of ${short(u.remoteSha)}): force pushes to ${rule.branch} are refused`, fix: `git fetch ${ctx.remote} && git merge ${ctx.remote}/${rule.branch}, or revert instead of rewriting` });
        }
      }
    },
  },
  {
    id: 'merge-only-from-source',
    description: 'A protected branch receives only merges, and only from its allowed sources.',
    check: (ctx, push) => {
      for (const { u, rule } of protectedUpdates(ctx)) {
        if (u.kind === 'delete' || (u.kind === 'update' && !fastForward(ctx, u))) continue;
        for (const c of newCommits(ctx, u)) {
          const merged = c.parents[1];
          if (!merged) {
            if (c.parents.length === 0) continue;
            push({
              severity: 'error', branch: rule.branch, commit: c.sha,
              message: `${rule.branch} accepts no direct commits: ${short(c.sha)} is not a merge`,
              fix: `push the change to a branch cut from ${workBranch(ctx.rules)}, then merge it up through pull requests (… → ${describeSources(rule)} → ${rule.branch})`,
            });
            continue;
          }
          if (!rule.mergeFrom) continue;
          const from = rule.mergeFrom.find((s) => {
            const sha = ctx.branchSha(s);
            return sha !== null && ctx.git.isAncestor(merged, sha);
          });
          if (!from) {
            // On the local source branch but not yet pushed: say so, rather than "not on develop".
            const unpushed = rule.mergeFrom.find((s) => ctx.git.test(['merge-base', '--is-ancestor', merged, `refs/heads/${s}`]));
            push({
              severity: 'error', branch: rule.branch, commit: c.sha,
              message: unpushed
                ? `${rule.branch} accepts merges only from ${describeSources(rule)}: ${short(c.sha)} merges ${short(merged)}, which is on your local ${unpushed} but not on ${ctx.remote}/${unpushed}`
                : `${rule.branch} accepts merges only from ${describeSources(rule)}: ${short(c.sha)} merges ${short(merged)}, which is not on ${describeSources(rule)}`,
              fix: unpushed
                ? `push ${unpushed} too, in the same push or first: git push ${ctx.remote} ${unpushed} ${rule.branch}`
                : `merge that work into ${describeSources(rule)} first, then open a pull request from ${describeSources(rule)} into ${rule.branch}`,
            });
          }
        }
      }
    },
  },
  {
    id: 'release-tag',
    description: 'Every commit a tagged branch receives carries its release tag.',
    check: (ctx, push) => {
      for (const { u, rule } of protectedUpdates(ctx)) {
        if (!rule.releaseTag || u.kind === 'delete') continue;
        const pattern = new RegExp(rule.releaseTag.pattern);
        for (const c of newCommits(ctx, u)) {
          if (c.parents.length === 0) continue;
          const tags = ctx.tagsAt(c.sha).filter((t) => pattern.test(t));
          if (tags.length === 0) {
            push({
              severity: 'error', branch: rule.branch, commit: c.sha,
              message: `every ${rule.branch} commit needs a ${rule.releaseTag.name} release tag (${rule.releaseTag.pattern}); ${short(c.sha)} has none`,
              fix: `git tag <version> ${short(c.sha)}, then push the branch and the tag together: git push --follow-tags ${ctx.remote} ${rule.branch}`,
            });
          } else if (!tags.some((t) => ctx.pushedTags.has(t))) {
            push({
              severity: 'warning', branch: rule.branch, commit: c.sha,
              message: `${short(c.sha)} is tagged ${tags.join(', ')} here, but the tag is not part of this push`,
              fix: `git push ${ctx.remote} ${tags[0]}`,
            });
          }
        }
      }
    },
  },
  {
    id: 'no-branch-from-protected',
    description: 'No new branch is cut from a protected branch.',
    check: (ctx, push) => {
      const created = ctx.updates.flatMap((u) => {
        const branch = branchOf(u.remoteRef);
        return u.kind === 'create' && branch && !ruleFor(ctx, branch) ? [{ branch, sha: u.localSha }] : [];
      });
      if (created.length === 0) return;
      const cut = new Map<string, { rule: BranchRule; base: string }[]>();
      for (const r of ctx.rules.branches.filter((b) => isProtected(b) && !b.branchFrom && b.mergeFrom)) {
        const head = ctx.branchSha(r.branch);
        const sources = r.mergeFrom!.map((s) => ctx.branchSha(s)).filter((s): s is string => s !== null);
        if (!head || sources.length === 0) continue; // nothing to tell the protected branch's own commits by
        // Work that came down the flow is on a source branch too; a new branch that holds a commit
        // only the protected branch has (its merges) was cut from it. For every new branch at once:
        // the commits no source has (one walk), the oldest of them (its roots), and which roots the
        // protected branch contains (one walk, or a merge-base each when few).
        const own = ctx.history.own(created.map((c) => c.sha), sources);
        const roots = [...own].filter(([, parents]) => parents.every((p) => !own.has(p))).map(([sha]) => sha);
        if (roots.length === 0) continue;
        const onProtected = ctx.history.ancestorsOf(head, roots);
        if (onProtected.size === 0) continue;
        for (const c of created) {
          if (!reaches(own, c.sha, onProtected)) continue;
          const list = cut.get(c.branch) ?? [];
          list.push({ rule: r, base: ctx.git.run(['merge-base', c.sha, head]) });
          cut.set(c.branch, list);
        }
      }
      for (const [branch, candidates] of cut) {
        for (const { rule, base } of newestForks(candidates, (x, y) => ctx.git.isAncestor(x, y))) {
          push({
            severity: 'error', branch, commit: base,
            message: `${branch} was cut from ${rule.branch} (at ${short(base)}); no branch may be cut from ${rule.branch}`,
            fix: `cut it from ${workBranch(ctx.rules)}: git rebase --onto ${workBranch(ctx.rules)} ${short(base)} ${branch}`,
          });
        }
      }
    },
  },
  {
    id: 'release-tags-follow-the-rules',
    description: 'A release tag names a commit of its branch, and is never moved or deleted.',
    check: (ctx, push) => {
      const pending: { tag: string; owner: BranchRule; commit: string }[] = [];
      for (const u of ctx.updates) {
        const tag = tagOf(u.remoteRef);
        if (!tag) continue;
        const owner = ctx.rules.branches.find((r) => r.releaseTag && new RegExp(r.releaseTag.pattern).test(tag));
        if (!owner) continue;
        if (u.kind !== 'create') {
          push({ severity: 'error', message: `release tag ${tag} already exists on ${ctx.remote}: release tags are never ${u.kind === 'delete' ? 'deleted' : 'moved'}`, fix: 'tag a new version instead' });
          continue;
        }
        const commit = ctx.pushedTags.get(tag);
        if (!commit) {
          push({ severity: 'error', branch: owner.branch, message: `${tag} is a ${owner.releaseTag!.name} tag, but it names no commit`, fix: `tag the ${owner.branch} merge commit instead (git tag -f ${tag} ${owner.branch})` });
          continue;
        }
        pending.push({ tag, owner, commit });
      }
      // All the tags of one branch against its head at once: a tag import is one walk, not a call per tag.
      for (const owner of new Set(pending.map((p) => p.owner))) {
        const head = ctx.branchSha(owner.branch);
        const mine = pending.filter((p) => p.owner === owner);
        const contained = head === null ? new Set<string>() : ctx.history.ancestorsOf(head, mine.map((p) => p.commit));
        for (const { tag, commit } of mine) {
          if (contained.has(commit)) continue;
          push({
            severity: 'error', branch: owner.branch, commit,
            message: `${tag} is a ${owner.releaseTag!.name} tag, which belongs on ${owner.branch}, but ${short(commit)} is not on ${owner.branch}`,
            fix: `tag the ${owner.branch} merge commit instead (git tag ${tag} ${owner.branch})`,
          });
        }
      }
    },
  },
];
