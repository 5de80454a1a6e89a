/**
 * `pipewright init`: set up pipewright in a Flask repository. Infers what it can from the files,
 * asks (at a terminal) only for the rest, writes pipewright.yaml with a comment on every choice,
 * then runs generate, creates the environment branches and installs the pre-push hook, reusing
 * the code of `generate` and `hook install`. Safe to run twice: the second run changes nothing.
 *
 * A thin shell: read the facts (src/init/facts.ts), plan (src/init/plan.ts, pure), apply
 * (src/init/apply.ts), report (src/init/report.ts).
 */
import path from 'node:path';
import { Git } from '../git/git.js';
import { applyInit } from '../init/apply.js';
import type { AnswerFlags } from '../init/answers.js';
import { readFacts, type FactsDeps } from '../init/facts.js';
import { catalogEntry, nextSteps } from '../init/next-steps.js';
import { planInit, type InitFlags } from '../init/plan.js';
import { isPromptCancel } from '../init/questions.js';
import { jsonReport, textReport } from '../init/report.js';
import { posix, refSha, remoteUrl, toCommit } from '../init/repository.js';
import { processIo, type Io } from '../core/io.js';
import { repositoryRules } from '../rules/repository-rules.js';
import { runRules } from '../rules/types.js';
import { type CommonOptions, loadProject } from './common.js';
import { renderGenerated } from './generate.js';
import { describeInstall } from './hook-install.js';
import { repositoryContext } from './lint.js';

export interface InitOptions extends CommonOptions, AnswerFlags {
  /** App name. Default: inferred from pyproject.toml or the directory name. */
  readonly app?: string;
  /** AWS account id: never inferred; asked at a terminal, else required. */
  readonly accountId?: string;
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, then asked (eu-west-1 pre-filled) or eu-west-1. */
  readonly region?: string;
  /** gunicorn target. Default: inferred from the app's modules. */
  readonly wsgi?: string;
  /** Default: inferred from .python-version or pyproject.toml, else 3.12. */
  readonly python?: string;
  /** The branch that deploys to production. Default: the repository's default branch (origin/HEAD, …), else master. */
  readonly productionBranch?: string;
  /** Ask nothing. */
  readonly yes?: boolean;
  /** Run in a dirty tree; rewrite pipewright.yaml; overwrite generated files edited by hand. */
  readonly force?: boolean;
  /** false with --no-branches. Default true. */
  readonly branches?: boolean;
  /** false with --no-hook. Default true. */
  readonly hook?: boolean;
  readonly dryRun?: boolean;
}

export interface InitDeps extends FactsDeps {
  /** The user's shell directory, for a `cd` in the next steps when init ran with -C. Default process.cwd(). */
  readonly shellCwd?: string;
}

export async function run(opts: InitOptions, io: Io = processIo, deps: InitDeps = {}): Promise<number> {
  try {
    return await init(opts, io, deps);
  } catch (e) {
    if (!isPromptCancel(e)) throw e;
    io.err('pipewright init: cancelled; nothing was written\n');
    return 130;
  }
}

async function init(opts: InitOptions, io: Io, deps: InitDeps): Promise<number> {
  const flags: InitFlags = { dryRun: opts.dryRun ?? false, force: opts.force ?? false, branches: opts.branches !== false, hook: opts.hook !== false };
  const facts = await readFacts(opts, flags, deps, { load: loadProject, render: renderGenerated });
  const { repo, config: cfg, warnings } = facts;
  const { git, top, head, remote } = repo;
  const { model, root } = cfg;
  const plan = planInit({ flags, model, head, remote, refs: facts.refs, config: cfg, files: facts.files, unforced: facts.unforced, hook: facts.hook });
  if (!flags.dryRun) await applyInit(plan, { git, configPath: cfg.path, configText: cfg.text, force: flags.force });

  // What the report says, read after the changes.
  const { entry, placeholder } = catalogEntry(model.app, remoteUrl(git, remote), posix(path.relative(top, root)), model.environments.map((e) => e.branch));
  // Production: its branch (main or master) and whether the repository has it. A config whose
  // production branch is missing while the default branch deploys nowhere is lint's error; here a warning.
  const prodEnv = model.environments.find((e) => e.production) ?? null;
  const production = prodEnv && {
    branch: prodEnv.branch,
    environment: prodEnv.name,
    commit: refSha(git, `refs/heads/${prodEnv.branch}`),
    mergeFrom: model.rules.branches.find((r) => r.branch === prodEnv.branch)?.mergeFrom ?? null,
  };
  const configName = path.basename(cfg.path);
  for (const f of runRules(repositoryRules.filter((r) => r.id === 'production-branch-exists'), repositoryContext(git, model, cfg.config, configName, null))) {
    warnings.push(`${f.message}: ${f.fix}`);
  }
  const first = model.environments[0]!.branch;
  const firstSha = plan.branches.find((b) => b.name === first)?.commit ?? refSha(git, `refs/heads/${first}`);
  const steps = nextSteps({
    entry,
    placeholder,
    toCommit: flags.dryRun ? [] : toCommit(new Git(root), facts.owned, top, opts.cwd),
    headBranch: repo.headBranch,
    firstBranch: first,
    firstAtHead: head !== null && firstSha === head,
    pushBranches: plan.branchNames,
    flow: model.environments.map((e) => e.branch),
    remote: remote ?? 'origin',
    cd: posix(path.relative(deps.shellCwd ?? process.cwd(), opts.cwd)),
  });

  const hook = plan.hook;
  // Without the file preview of `hook install --dry-run`: that command shows it.
  const report = {
    io, flags, root, app: model.app, shownConfig: cfg.shown, configText: cfg.text, answers: cfg.answers, plan,
    headBranch: repo.headBranch, production, entry, steps, warnings,
    hookFile: hook && posix(path.relative(opts.cwd, hook.location.file)),
    hookText: hook && describeInstall({ ...hook, contents: undefined }, flags.dryRun),
  };
  io.out(opts.json ? jsonReport(report) : textReport(report));
  for (const w of warnings) io.err(`warning: ${w}\n`);
  for (const k of plan.kept) io.err(`pipewright init: kept ${k.path} (${k.reason}): ${k.fix}\n`);
  return plan.kept.length > 0 && !flags.dryRun ? 1 : 0;
}
