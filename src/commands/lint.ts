/**
 * `pipewright lint`: the branch rules themselves (a chain, mapped, valid patterns), the
 * environment branches against the repository's branches, then the history against the rules.
 * Exit 1 when anything is an error.
 */
import path from 'node:path';
import type { ParsedConfig } from '../config/schema.js';
import { Git, type LineCommit } from '../git/git.js';
import { defaultBranch, mainRemote } from '../git/default-branch.js';
import type { Model } from '../model/model.js';
import { configRules } from '../rules/config-rules.js';
import { repositoryRules, type RepositoryContext } from '../rules/repository-rules.js';
import { historyRules, keptLine, mergedCommit, type HistoryContext } from '../rules/history-rules.js';
import { formatFinding, runRules, type RulesData } from '../rules/types.js';
import { paint, processIo, type Io } from '../core/io.js';
import { type CommonOptions, loadProject } from './common.js';

export interface LintOptions extends CommonOptions {
  /** Audit the remote-tracking branches of this remote (e.g. origin) instead of local ones. */
  readonly remote?: string;
}

export async function run(opts: LintOptions, io: Io = processIo): Promise<number> {
  const git = new Git(opts.cwd);
  const root = git.topLevel();
  const { model, config, path: configPath } = await loadProject({ cwd: opts.config ? opts.cwd : root, config: opts.config });
  const rules = model.rules;
  const prefix = opts.remote ? `refs/remotes/${opts.remote}/` : 'refs/heads/';
  const refs = git.refs(prefix.slice(0, -1));
  const repository = repositoryContext(git, model, config, path.basename(configPath), opts.remote ?? null, refs, prefix);
  const ruled = new Set(rules.branches.map((r) => r.branch));
  const ref = (branch: string) => (refs.has(prefix + branch) ? prefix + branch : null);
  const [tags, { lengths, ...lines }] = await Promise.all([git.streamTagsByCommit(), readLines(git, rules, ref)]);
  const ctx: HistoryContext = {
    rules: rules,
    git,
    ref,
    ...lines,
    tags,
    otherBranches: opts.remote ? [] : [...refs.keys()].map((r) => r.slice(prefix.length)).filter((b) => !ruled.has(b)),
  };
  const findings = [...runRules(configRules, rules), ...runRules(repositoryRules, repository), ...runRules(historyRules, ctx)];
  const errors = findings.filter((f) => f.severity === 'error').length;
  if (opts.json) {
    io.out(`${JSON.stringify({ errors, warnings: findings.length - errors, findings }, null, 2)}\n`);
  } else {
    for (const f of findings) io.out(`${formatFinding(f)}\n`);
    const audited = rules.branches.filter((r) => ref(r.branch)).map((r) => `${r.branch} (${lengths.get(r.branch)})`);
    const summary = `${errors} error(s), ${findings.length - errors} warning(s); audited ${audited.join(', ') || 'no rule branch (none exists yet)'}`;
    io.out(`${errors > 0 ? paint(io, 'red', summary) : summary}\n`);
  }
  return errors > 0 ? 1 : 0;
}

/**
 * The first-parent lines the history rules read, streamed from git: each kept line (`keptLine`:
 * the short ones, receiving only merges) held whole; every other rule branch's line (develop's,
 * as long as the history) only searched for the commits the kept lines merge, and counted. So
 * memory grows with the merges, not with the history. The lengths are for the summary.
 */
async function readLines(git: Git, rules: RulesData, ref: (branch: string) => string | null): Promise<Pick<HistoryContext, 'firstParent' | 'onFirstParent'> & { lengths: Map<string, number> }> {
  const present = rules.branches.filter((r) => ref(r.branch));
  // Searched: the other rule branches, and any merge source without rules of its own (an
  // environment branch that custom rules leave out).
  const searchedBranches = new Set([...rules.branches.map((r) => r.branch), ...rules.branches.flatMap((r) => r.mergeFrom ?? [])]);
  for (const r of present.filter(keptLine)) searchedBranches.delete(r.branch);
  const kept = new Map<string, LineCommit[]>();
  const lengths = new Map<string, number>();
  await Promise.all(
    present.filter(keptLine).map(async (r) => {
      const line: LineCommit[] = [];
      kept.set(r.branch, line);
      lengths.set(r.branch, await git.streamFirstParent([ref(r.branch)!], (c) => line.push(c)));
    }),
  );
  // Then the searched lines, once every merged commit is known (read beside the kept lines, they
  // would have to hold their shas until then: measured no faster on two cores).
  const merged = new Set<string>();
  for (const line of kept.values()) for (const c of line) if (mergedCommit(c)) merged.add(mergedCommit(c)!);
  const found = new Map<string, Set<string>>();
  await Promise.all(
    [...searchedBranches].filter((b) => ref(b)).map(async (branch) => {
      const hits = new Set<string>();
      found.set(branch, hits);
      lengths.set(branch, await git.streamFirstParentShas([ref(branch)!], (sha) => {
        if (merged.has(sha)) hits.add(sha);
      }));
    }),
  );
  const sets = new Map<string, Set<string>>();
  return {
    lengths,
    firstParent: (branch) => {
      if (!ref(branch)) return [];
      const line = kept.get(branch);
      if (!line) throw new Error(`lint did not keep ${branch}'s first-parent line (a rule walks a line keptLine leaves out)`);
      return line;
    },
    onFirstParent: (branch, sha) => {
      if (!ref(branch)) return false;
      const line = kept.get(branch);
      if (line) {
        let set = sets.get(branch);
        if (!set) sets.set(branch, (set = new Set(line.map((c) => c.sha))));
        return set.has(sha);
      }
      const hits = found.get(branch);
      if (!hits || !merged.has(sha)) throw new Error(`lint searched ${branch}'s first-parent line ${hits ? `for merged commits only, not for ${sha}` : 'not at all'}`);
      return hits.has(sha);
    },
  };
}

/**
 * What the repository rules read: the environments, the config key of the production branch, and
 * which branches exist. `refs` are the audited refs under `prefix` (local, or one remote's).
 */
export function repositoryContext(
  git: Git,
  model: Model,
  config: ParsedConfig,
  configFile: string,
  auditedRemote: string | null,
  refs: ReadonlyMap<string, string> = git.refs(auditedRemote ? `refs/remotes/${auditedRemote}` : 'refs/heads'),
  prefix = auditedRemote ? `refs/remotes/${auditedRemote}/` : 'refs/heads/',
): RepositoryContext {
  const remote = auditedRemote ?? mainRemote(git);
  const tracking = auditedRemote || !remote ? new Map<string, string>() : git.refs(`refs/remotes/${remote}`);
  const production = model.environments.findIndex((e) => e.production);
  return {
    environments: model.environments.map((e) => ({ name: e.name, branch: e.branch, production: e.production })),
    productionKey: !config.environments ? 'productionBranch' : production >= 0 ? `environments.${production}.branch` : 'environments[].branch',
    configFile,
    auditedRemote,
    exists: (branch) => refs.has(prefix + branch),
    onRemote: (branch) => (remote && tracking.has(`refs/remotes/${remote}/${branch}`) ? remote : null),
    defaultBranch: defaultBranch(git, remote),
    remote: remote ?? 'origin',
  };
}
