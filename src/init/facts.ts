/**
 * Everything `init` decides from, read before anything is written: the repository, the config
 * (kept, or made from what was inferred, told or answered), what generate would write, the
 * branches' refs and the hook. A working tree with changes that are not init's own is refused here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfigText } from '../config/load.js';
import type { ParsedConfig } from '../config/schema.js';
import { validateConfig } from '../config/validate.js';
import { FindingsError } from '../core/errors.js';
import { Git } from '../git/git.js';
import { locateHook, planInstall, type HookChange, type HookLocation, type InstallAction } from '../git/hook-install.js';
import { resolveModel, type Model } from '../model/model.js';
import type { GeneratedFile } from '../render/types.js';
import { DEFAULT_MANIFEST_PATH } from '../write/manifest.js';
import { planWrite, withoutConflicts, type WritePlan } from '../write/writer.js';
import { configFile, flagName, previousAnswers, resolveAnswers, schemaRef, standInConfig, type AnswerFlags } from './answers.js';
import { renderInitConfig, type InitAnswers } from './config-text.js';
import { detectApp } from './detect.js';
import { environmentBranches, type BranchRefs, type InitFlags } from './plan.js';
import { terminalAsk, type Ask } from './questions.js';
import { branchRefs, posix, readRepository, statusLines, type RepositoryFacts } from './repository.js';

export interface FactsOptions extends AnswerFlags {
  readonly cwd: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly yes?: boolean;
}

export interface FactsDeps {
  /** How questions are asked; null: never. Default: @inquirer/prompts when stdin and stdout are terminals. */
  readonly ask?: Ask | null;
  /** Where AWS_REGION / AWS_DEFAULT_REGION are read. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The command's composition: how a config is loaded, and what generate writes for a model whose config lives in `root`. */
export interface InitSteps {
  readonly load: (opts: { readonly cwd: string; readonly config: string }) => Promise<{ readonly model: Model; readonly config: ParsedConfig }>;
  readonly render: (model: Model, root: string) => GeneratedFile[];
}

/** The config init keeps, or writes. */
export interface ConfigFacts {
  /** Absolute. */
  readonly path: string;
  /** As the user names it: relative to where init ran. */
  readonly shown: string;
  /** The config's folder: the project root. */
  readonly root: string;
  readonly exists: boolean;
  /** init writes it: it does not exist, or --force with a YAML config. */
  readonly rewrite: boolean;
  /** The text init would write (when it rewrites) and the text on disk it would replace. */
  readonly text: string | null;
  readonly onDisk: string | null;
  readonly answers: InitAnswers | null;
  readonly config: ParsedConfig;
  readonly model: Model;
}

export interface InitFacts {
  readonly repo: RepositoryFacts;
  readonly config: ConfigFacts;
  /** init's own paths, relative to the work tree's root: the config, the generated files, the manifest, the hook. */
  readonly owned: ReadonlySet<string>;
  /** What generate would write, as planned with --force or without it. */
  readonly files: WritePlan;
  /** The same without the files pipewright may not touch (equal to `files` with --force). */
  readonly unforced: WritePlan;
  readonly refs: BranchRefs;
  readonly hook: HookChange<InstallAction> | null;
  /** Warnings so far, in the order they arose. */
  readonly warnings: string[];
}

const isInside = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

export async function readFacts(opts: FactsOptions, flags: InitFlags, deps: FactsDeps, steps: InitSteps): Promise<InitFacts> {
  const { load, render } = steps;
  const warnings: string[] = [];
  const repo = readRepository(opts.cwd, flags.branches);
  const top = repo.top;

  // The config: kept when it exists, else written from what was inferred, told or answered.
  const configPath = configFile(opts.cwd, opts.config);
  const configName = path.basename(configPath);
  const root = path.dirname(configPath);
  const shown = posix(path.relative(opts.cwd, configPath));
  const exists = existsSync(configPath);
  const rewrite = !exists || (flags.force && /\.ya?ml$/.test(configPath));
  const hookLoc: HookLocation | null = flags.hook ? locateHook(root) : null;

  const ownedPaths = (files: readonly GeneratedFile[]): Set<string> => {
    const owned = new Set([configPath, ...[DEFAULT_MANIFEST_PATH, ...files.map((f) => f.path)].map((p) => path.join(root, p))].map((p) => posix(path.relative(top, p))));
    if (hookLoc && isInside(top, hookLoc.file)) owned.add(posix(path.relative(top, hookLoc.file)));
    return owned;
  };
  // A dirty tree: init's own files (a previous run's output) are fine, anything else is refused.
  // Checked before any question (a fresh config generates the same paths whatever the answers),
  // and again with the real answers.
  const refuseDirty = (owned: ReadonlySet<string>): void => {
    const dirty = statusLines(new Git(root)).filter((s) => !s.paths.every((p) => owned.has(p)));
    if (dirty.length === 0 || flags.force) return;
    const list = dirty.map((s) => `  ${s.line}`).join('\n');
    if (!flags.dryRun) {
      throw new FindingsError(
        `pipewright init: the working tree has changes that are not init's own:\n${list}\n` +
          'Commit or stash them first (git stash -u), so what init writes can be reviewed on its own; or pass --force.',
      );
    }
    if (!warnings.some((w) => w.startsWith('the working tree'))) {
      warnings.push(`the working tree has changes that are not init's own (${dirty.length}); without --dry-run, init refuses them unless --force`);
    }
  };

  let model: Model;
  let config: ParsedConfig;
  let text: string | null = null;
  let answers: InitAnswers | null = null;
  if (!rewrite) {
    ({ model, config } = await load({ cwd: opts.cwd, config: shown }));
    const current = {
      app: model.app,
      accountId: model.aws.accountId,
      region: model.aws.region,
      wsgi: model.runtime.wsgi,
      python: model.runtime.python,
      productionBranch: model.environments.find((e) => e.production)?.branch,
    };
    const ignored = (['app', 'accountId', 'region', 'wsgi', 'python', 'productionBranch'] as const).filter((k) => opts[k] !== undefined && opts[k] !== current[k]);
    if (ignored.length > 0) {
      warnings.push(`${shown} exists, so ${ignored.map(flagName).join(', ')} ${ignored.length === 1 ? 'was' : 'were'} not used: edit ${shown}, or pass --force to rewrite it`);
    }
  } else {
    if (!exists) refuseDirty(ownedPaths(render(resolveModel(validateConfig(standInConfig(), configName), configName), root)));
    const detection = detectApp(root);
    warnings.push(...detection.warnings);
    const previous = exists ? previousAnswers(configPath) : {};
    const ask = opts.yes || opts.json ? null : deps.ask !== undefined ? deps.ask : process.stdin.isTTY && process.stdout.isTTY ? terminalAsk() : null;
    answers = await resolveAnswers(opts, detection, repo, previous, deps.env ?? process.env, ask, root, warnings);
    text = renderInitConfig(answers, schemaRef(root, top));
    config = validateConfig(await parseConfigText(text, configName), configName);
    model = resolveModel(config, configName);
  }
  const generated = render(model, root);
  const owned = ownedPaths(generated);
  refuseDirty(owned);

  const files = await planWrite(generated, { root, force: flags.force });
  const unforced = flags.force ? files : await withoutConflicts(files);
  const refs = flags.branches ? branchRefs(repo.git, environmentBranches(model), repo.remote) : new Map();
  // The hook runs in the config's folder, so it names the config relative to that.
  const hook = hookLoc ? planInstall(hookLoc, { ...(opts.config && { config: configName }) }) : null;
  const onDisk = rewrite && exists ? readFileSync(configPath, 'utf8') : null;
  return {
    repo,
    config: { path: configPath, shown, root, exists, rewrite, text, onDisk, answers, config, model },
    owned,
    files,
    unforced,
    refs,
    hook,
    warnings,
  };
}
