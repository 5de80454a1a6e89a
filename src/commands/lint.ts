/**
 * `pipewright lint`: the branch rules themselves (a chain, mapped, valid patterns), the
 * environment branches against the repository's branches, then the history against the rules.
 * Exit 1 when anything is an error.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { ParsedConfig } from '../config/schema.js';
import { Git } from '../git/git.js';
import { defaultBranch, mainRemote } from '../git/default-branch.js';
import type { Model } from '../model/model.js';
import { configRules } from '../rules/config-rules.js';
import { repositoryRules, type RepositoryContext } from '../rules/repository-rules.js';
import { historyRules, type HistoryContext } from '../rules/history-rules.js';
import { formatFinding, runRules } from '../rules/types.js';
import { paint, processIo, type Io } from '../io.js';
import type { CommonOptions } from './common.js';

export interface LintOptions extends CommonOptions {
  /** Audit the remote-tracking branches of this remote (e.g. origin) instead of local ones. */
  readonly remote?: string;
}

export async function run(opts: LintOptions, io: Io = processIo): Promise<number> {
  const git = new Git(opts.cwd);
  const root = git.topLevel();
  const { model, config, path: configPath } = await loadConfig({ cwd: opts.config ? opts.cwd : root, config: opts.config });
  const rules = model.rules;
  const prefix = opts.remote ? `refs/remotes/${opts.remote}/` : 'refs/heads/';
  const refs = git.refs(prefix.slice(0, -1));
  const repository = repositoryContext(git, model, config, path.basename(configPath), opts.remote ?? null, refs, prefix);
  const ruled = new Set(rules.branches.map((r) => r.branch));
  const logs = new Map<string, { sha: string; parents: string[] }[]>();
  const sets = new Map<string, Set<string>>();
  const ref = (branch: string) => (refs.has(prefix + branch) ? prefix + branch : null);
  const firstParent = (branch: string) => {
    let log = logs.get(branch);
    if (!log) logs.set(branch, (log = ref(branch) ? git.firstParentLog([ref(branch)!]) : []));
    return log;
  };
  const ctx: HistoryContext = {
    rules: rules,
    git,
    ref,
    firstParent,
    firstParentSet: (branch) => {
      let set = sets.get(branch);
      if (!set) sets.set(branch, (set = new Set(firstParent(branch).map((c) => c.sha))));
      return set;
    },
    tags: git.tagsByCommit(),
    otherBranches: opts.remote ? [] : [...refs.keys()].map((r) => r.slice(prefix.length)).filter((b) => !ruled.has(b)),
  };
  const findings = [...runRules(configRules, rules), ...runRules(repositoryRules, repository), ...runRules(historyRules, ctx)];
  const errors = findings.filter((f) => f.severity === 'error').length;
  if (opts.json) {
    io.out(`${JSON.stringify({ errors, warnings: findings.length - errors, findings }, null, 2)}\n`);
  } else {
    for (const f of findings) io.out(`${formatFinding(f)}\n`);
    const audited = rules.branches.filter((r) => ref(r.branch)).map((r) => `${r.branch} (${firstParent(r.branch).length})`);
    const summary = `${errors} error(s), ${findings.length - errors} warning(s); audited ${audited.join(', ') || 'no rule branch (none exists yet)'}`;
    io.out(`${errors > 0 ? paint(io, 'red', summary) : summary}\n`);
  }
  return errors > 0 ? 1 : 0;
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
