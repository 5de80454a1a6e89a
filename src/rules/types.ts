/** Findings and the data every rule reads. */
import type { Model } from '../model/model.js';

export interface Finding {
  /** The rule's id, e.g. `merge-only-from-source`. */
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  /** What is wrong, naming the rule in words. */
  readonly message: string;
  /** What to do instead. */
  readonly fix: string;
  readonly branch?: string;
  readonly commit?: string;
}

/** The branch rules as the model resolves them (all that the hook needs: cacheable as JSON). */
export type RulesData = Model['rules'];
export type BranchRule = RulesData['branches'][number];

/** A rule: an id, what it enforces, and a function pushing findings. */
export interface Rule<C> {
  readonly id: string;
  readonly description: string;
  readonly check: (ctx: C, push: (f: Omit<Finding, 'rule'>) => void) => void;
}

/** Run a rule list over a context. */
export function runRules<C>(rules: readonly Rule<C>[], ctx: C): Finding[] {
  const findings: Finding[] = [];
  for (const r of rules) r.check(ctx, (f) => findings.push({ rule: r.id, ...f }));
  return findings;
}

/** A branch whose rule forbids direct commits: merges only. */
export const isProtected = (r: BranchRule): boolean => !r.directCommits;

export function describeSources(r: BranchRule): string {
  return r.mergeFrom ? r.mergeFrom.join(' or ') : 'any branch';
}

/**
 * Where work starts: the first environment branch that takes direct commits (develop by default),
 * else any branch that does; what fixes tell a user to cut new branches from.
 */
export function workBranch(rules: RulesData): string {
  const open = rules.branches.filter((r) => !isProtected(r));
  return (open.find((r) => r.environment !== null) ?? open[0])?.branch ?? 'a branch that accepts direct commits';
}

/** The environment branches in flow order, e.g. `develop → staging → master`. */
export function flowText(rules: RulesData): string {
  const envs = rules.branches.filter((r) => r.environment !== null).map((r) => r.branch);
  return envs.length > 1 ? envs.join(' → ') : 'develop → staging → production';
}

export function formatFinding(f: Finding): string {
  const where = [f.branch, f.commit?.slice(0, 12)].filter(Boolean).join(' @ ');
  return `${f.severity === 'error' ? 'error' : 'warning'}: ${f.message}${where ? ` [${where}]` : ''} (${f.rule})\n  fix: ${f.fix}`;
}

/**
 * A branch cut from production (master) also contains staging's merges, so it looks cut from both: keep only
 * the newest fork point (the candidate no other candidate descends from).
 */
export function newestForks<T extends { readonly base: string }>(candidates: readonly T[], isAncestor: (a: string, b: string) => boolean): T[] {
  return candidates.filter((c) => !candidates.some((o) => o.base !== c.base && isAncestor(c.base, o.base)));
}
