/**
 * `pipewright lint`: the config's environment branches against the branches the repository has.
 * A branch that does not exist is never audited, so lint says so instead of passing in silence;
 * a production branch that does not exist while the repository's default branch (say `main`)
 * deploys nowhere is a config that would never deploy production, and an error.
 */
import type { Rule } from './types.js';

export interface RepositoryContext {
  /** The environments in order, with their branches. */
  readonly environments: readonly { readonly name: string; readonly branch: string; readonly production: boolean }[];
  /** The config key that sets the production branch: `productionBranch`, or `environments.<i>.branch`. */
  readonly productionKey: string;
  readonly configFile: string;
  /** lint --remote: the remote whose branches are audited; null: local branches. */
  readonly auditedRemote: string | null;
  /** Whether a branch exists where lint reads it (local, or remote-tracking with --remote). */
  readonly exists: (branch: string) => boolean;
  /** For local audits: the remote that has the branch (remote-tracking) when the local one is missing. */
  readonly onRemote: (branch: string) => string | null;
  /** The repository's default branch, when it tells (src/git/default-branch.ts). */
  readonly defaultBranch: { readonly branch: string; readonly from: string; readonly source: string } | null;
  /** The remote to name in fixes (origin). */
  readonly remote: string;
}

/** "this repository" or "origin" (for --remote), in a sentence. */
const where = (ctx: RepositoryContext): string => (ctx.auditedRemote ? `${ctx.auditedRemote} (lint --remote)` : 'this repository');

/** The production environment, when its branch is missing but the default branch exists and deploys nowhere. */
function productionMismatch(ctx: RepositoryContext) {
  const production = ctx.environments.find((e) => e.production);
  const d = ctx.defaultBranch;
  if (!production || !d || d.branch === production.branch || ctx.exists(production.branch)) return null;
  if (!ctx.exists(d.branch) || ctx.environments.some((e) => e.branch === d.branch)) return null;
  return { production, d };
}

const setKey = (ctx: RepositoryContext, branch: string): string => `set ${ctx.productionKey}: ${branch} in ${ctx.configFile}`;

export const repositoryRules: readonly Rule<RepositoryContext>[] = [
  {
    id: 'production-branch-exists',
    description: 'The production environment deploys from a branch the repository has, not past its default branch.',
    check: (ctx, push) => {
      const m = productionMismatch(ctx);
      if (!m) return;
      const { production, d } = m;
      push({
        severity: 'error',
        branch: production.branch,
        message:
          `the production environment ${production.name} deploys from ${production.branch}, which ${where(ctx)} does not have; ` +
          `the repository's default branch is ${d.branch} (${d.from}), and no environment deploys from it, so production would never deploy`,
        fix: `${setKey(ctx, d.branch)} (the rules, release tags, Guard and protection follow it), then run pipewright generate`,
      });
    },
  },
  {
    id: 'environment-branches-exist',
    description: 'At least one environment branch exists, so lint has something to audit.',
    check: (ctx, push) => {
      if (ctx.environments.length === 0 || ctx.environments.some((e) => ctx.exists(e.branch))) return;
      const branches = ctx.environments.map((e) => e.branch);
      const remoteHas = ctx.auditedRemote ? [] : branches.filter((b) => ctx.onRemote(b));
      push({
        severity: 'error',
        message: `none of the environment branches (${branches.join(', ')}) exists in ${where(ctx)}, so lint audited nothing`,
        fix:
          remoteHas.length > 0
            ? `they are on ${ctx.onRemote(remoteHas[0]!)}: audit those with pipewright lint --remote ${ctx.onRemote(remoteHas[0]!)}, or create the local branches (git branch --track ${remoteHas[0]} ${ctx.onRemote(remoteHas[0]!)}/${remoteHas[0]})`
            : ctx.auditedRemote
              ? `push them first (git push ${ctx.auditedRemote} ${branches.join(' ')}), or fetch (git fetch ${ctx.auditedRemote})`
              : `create them (pipewright init creates ${branches.slice(0, -1).join(' and ') || branches[0]}), or correct the branch names in ${ctx.configFile}`,
      });
    },
  },
  {
    id: 'environment-branch-exists',
    description: 'Every environment branch exists; a missing one is never audited and never deploys.',
    check: (ctx, push) => {
      if (!ctx.environments.some((e) => ctx.exists(e.branch))) return; // environment-branches-exist says it once
      const mismatch = productionMismatch(ctx);
      ctx.environments.forEach((e, i) => {
        if (ctx.exists(e.branch) || mismatch?.production === e) return;
        const prev = ctx.environments[i - 1];
        const remote = ctx.auditedRemote ? null : ctx.onRemote(e.branch);
        const create = prev ? `git branch ${e.branch} ${prev.branch}` : `git branch ${e.branch}`;
        push({
          severity: 'warning',
          branch: e.branch,
          message: remote
            ? `${e.branch} (environment ${e.name}) is on ${remote} but not a local branch, so lint audited neither it nor the merges from it`
            : `${e.branch} (environment ${e.name}) does not exist in ${where(ctx)}: nothing deploys to ${e.name}, and lint audited neither it nor the merges from it`,
          fix: remote
            ? `git branch --track ${e.branch} ${remote}/${e.branch}, or audit the remote: pipewright lint --remote ${remote}`
            : ctx.auditedRemote
              ? `push it: git push ${ctx.auditedRemote} ${e.branch}`
              : e.production
                ? `it is created by the first release (${create}, a merge, and git push ${ctx.remote} ${e.branch}); if production deploys from another branch, ${setKey(ctx, '<branch>')}`
                : `${create} && git push ${ctx.remote} ${e.branch}`,
        });
      });
    },
  },
  {
    id: 'default-branch-deploys',
    description: "The remote's default branch deploys to an environment.",
    check: (ctx, push) => {
      const d = ctx.defaultBranch;
      // Only the remote's HEAD is a statement about the repository; a checked-out branch is not.
      if (!d || d.source !== 'remote-head' || !ctx.exists(d.branch) || productionMismatch(ctx)) return;
      if (ctx.environments.some((e) => e.branch === d.branch)) return;
      const production = ctx.environments.find((e) => e.production);
      push({
        severity: 'warning',
        branch: d.branch,
        message: `the repository's default branch is ${d.branch} (${d.from}), but no environment deploys from it${production ? `; production (${production.name}) deploys from ${production.branch}` : ''}`,
        fix: `if ${d.branch} is the production branch, ${setKey(ctx, d.branch)}; otherwise make ${production?.branch ?? 'the production branch'} the default branch on the server (then git remote set-head ${ctx.remote} --auto)`,
      });
    },
  },
];
