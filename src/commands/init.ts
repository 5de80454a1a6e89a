/**
 * `pipewright init`: set up pipewright in a Flask repository. Infers what it can from the files,
 * asks (at a terminal) only for the rest, writes pipewright.yaml with a comment on every choice,
 * then runs generate, creates the environment branches and installs the pre-push hook, reusing
 * the code of `generate` and `hook install`. Safe to run twice: the second run changes nothing.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { CONFIG_NAMES, parseConfigText } from '../config/load.js';
import type { ParsedConfig } from '../config/schema.js';
import { validateConfig } from '../config/validate.js';
import { FindingsError, UsageError } from '../core/errors.js';
import { Git } from '../git/git.js';
import { defaultBranch, mainRemote, type DefaultBranch } from '../git/default-branch.js';
import { applyHookChange, locateHook, planInstall, type HookChange, type InstallAction } from '../git/hook-install.js';
import { detectApp, type Detection, type Inferred } from '../init/detect.js';
import { ANSWER_PATHS, answerProblem, renderInitConfig, type AnswerKey, type InitAnswers } from '../init/config-text.js';
import { catalogEntry, formatSteps, nextSteps, type Step } from '../init/next-steps.js';
import { isPromptCancel, terminalAsk, type Ask } from '../init/questions.js';
import { processIo, paint, type Io } from './io.js';
import { DEFAULTS, defaultEnvironments } from '../core/defaults.js';
import { resolveModel, type Model } from '../model/model.js';
import { writeFileAtomic } from '../write/atomic.js';
import { DEFAULT_MANIFEST_PATH } from '../write/manifest.js';
import { applyPlan, describeConflict, planWrite, summarize, withoutConflicts, type PlannedChange } from '../write/writer.js';
import { loadProject, type CommonOptions } from './common.js';
import { renderGenerated } from './generate.js';
import { describeInstall } from './hook-install.js';
import { repositoryContext } from './lint.js';
import { repositoryRules } from '../rules/repository-rules.js';
import { runRules } from '../rules/types.js';

export interface InitOptions extends CommonOptions {
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

export interface InitDeps {
  /** How questions are asked; null: never. Default: @inquirer/prompts when stdin and stdout are terminals. */
  readonly ask?: Ask | null;
  /** Where AWS_REGION / AWS_DEFAULT_REGION are read. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** The user's shell directory, for a `cd` in the next steps when init ran with -C. Default process.cwd(). */
  readonly shellCwd?: string;
}

const SCHEMA_IN_PACKAGE = 'node_modules/pipewright/schema/pipewright.schema.json';
const posix = (p: string): string => p.split(path.sep).join('/');
const short = (sha: string): string => sha.slice(0, 7);

interface BranchResult {
  readonly name: string;
  readonly action: 'created' | 'exists';
  readonly commit: string;
  /** Where a created branch starts: HEAD, or a remote-tracking branch of the same name. */
  readonly from?: string;
}

/** What the repository says about its production branch. */
interface RepositoryFacts {
  readonly detected: DefaultBranch | null;
  readonly remote: string | null;
  /** Both exist locally and nothing else tells them apart. */
  readonly bothMainAndMaster: boolean;
}

interface KeptFile {
  readonly path: string;
  readonly reason: string;
  readonly fix: string;
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
  const dryRun = opts.dryRun ?? false;
  const force = opts.force ?? false;
  const wantBranches = opts.branches !== false;
  const wantHook = opts.hook !== false;
  const warnings: string[] = [];

  // The repository, and a commit to start the branches from.
  const { git, top } = repository(opts.cwd);
  const head = git.test(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']) ? git.run(['rev-parse', 'HEAD']) : null;
  if (head === null && wantBranches) {
    throw new UsageError(
      'pipewright init: this repository has no commits yet, so the branches have nothing to start from: ' +
        'commit your app first (git add -A && git commit -m "Initial commit"), or pass --no-branches',
    );
  }
  const headBranch = git.test(['symbolic-ref', '--quiet', 'HEAD']) ? git.run(['symbolic-ref', '--short', 'HEAD']) : null;
  const remote = mainRemote(git);
  // develop and staging are never the production branch, even where the remote's HEAD is develop.
  const detected = defaultBranch(git, remote, defaultEnvironments().filter((e) => !e.production).map((e) => e.branch));
  const repo: RepositoryFacts = {
    detected,
    remote,
    bothMainAndMaster: detected === null && ['main', 'master'].every((b) => refSha(git, `refs/heads/${b}`) !== null),
  };

  // The config: kept when it exists, else written from what was inferred, told or answered.
  const configPath = configFile(opts);
  const configName = path.basename(configPath);
  const root = path.dirname(configPath);
  const shownConfig = posix(path.relative(opts.cwd, configPath));
  const exists = existsSync(configPath);
  const rewrite = !exists || (force && /\.ya?ml$/.test(configPath));
  const hookLoc = wantHook ? locateHook(root) : null;

  // A dirty tree: init's own files (a previous run's output) are fine, anything else is refused.
  // Checked before any question (a fresh config generates the same paths whatever the answers),
  // and again with the real answers.
  const ownedPaths = (m: Model): Set<string> => {
    const owned = new Set(
      [configPath, ...[DEFAULT_MANIFEST_PATH, ...renderGenerated(m, root).map((f) => f.path)].map((p) => path.join(root, p))].map((p) => posix(path.relative(top, p))),
    );
    if (hookLoc && isInside(top, hookLoc.file)) owned.add(posix(path.relative(top, hookLoc.file)));
    return owned;
  };
  const refuseDirty = (owned: ReadonlySet<string>): void => {
    const dirty = statusLines(new Git(root)).filter((s) => !s.paths.every((p) => owned.has(p)));
    if (dirty.length === 0 || force) return;
    const list = dirty.map((s) => `  ${s.line}`).join('\n');
    if (!dryRun) {
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
  let configText: string | null = null;
  let answers: InitAnswers | null = null;
  if (!rewrite) {
    ({ model, config } = await loadProject({ cwd: opts.cwd, config: shownConfig }));
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
      warnings.push(
        `${shownConfig} exists, so ${ignored.map(flagName).join(', ')} ${ignored.length === 1 ? 'was' : 'were'} not used: edit ${shownConfig}, or pass --force to rewrite it`,
      );
    }
  } else {
    if (!exists) refuseDirty(ownedPaths(resolveModel(validateConfig(standInConfig(), configName), configName)));
    const detection = detectApp(root);
    warnings.push(...detection.warnings);
    const previous = exists ? previousAnswers(configPath) : {};
    const ask = opts.yes || opts.json ? null : deps.ask !== undefined ? deps.ask : process.stdin.isTTY && process.stdout.isTTY ? terminalAsk() : null;
    answers = await resolveAnswers(opts, detection, repo, previous, deps.env ?? process.env, ask, root, warnings);
    configText = renderInitConfig(answers, schemaRef(root, top));
    config = validateConfig(await parseConfigText(configText, configName), configName);
    model = resolveModel(config, configName);
  }
  const files = renderGenerated(model, root);
  const owned = ownedPaths(model);
  refuseDirty(owned);

  // What generate would write: everything except files pipewright may not touch, which are kept.
  const plan = await planWrite(files, { root, force });
  const kept: KeptFile[] = force ? [] : plan.conflicts.map((c) => keptFile(c));
  const effective = force ? plan : await withoutConflicts(plan);

  // The branches of every environment before production (develop and staging by default).
  const branchNames = [...new Set(model.environments.filter((e) => !e.production).map((e) => e.branch))];
  const branches = wantBranches ? branchNames.map((b) => planBranch(git, b, head!, remote)) : [];
  // The hook runs in the config's folder, so it names the config relative to that.
  const hook = hookLoc ? planInstall(hookLoc, { ...(opts.config && { config: path.basename(configPath) }) }) : null;

  const configAction: 'create' | 'update' | 'unchanged' | 'kept' = !rewrite
    ? 'kept'
    : !exists
      ? 'create'
      : readFileSync(configPath, 'utf8') === configText
        ? 'unchanged'
        : 'update';

  if (!dryRun) {
    if (configAction === 'create' || configAction === 'update') await writeFileAtomic(configPath, configText!);
    await applyPlan(effective, { force });
    for (const b of branches) {
      if (b.action !== 'created') continue;
      git.run(b.from === 'HEAD' ? ['branch', '--no-track', '--', b.name, b.commit] : ['branch', '--track', '--', b.name, b.from!]);
    }
    if (hook) await applyHookChange(hook);
  }

  const projectDir = posix(path.relative(top, root));
  const remoteUrl = remote && git.test(['remote', 'get-url', remote]) ? git.run(['remote', 'get-url', remote]) : null;
  const { entry, placeholder } = catalogEntry(model.app, remoteUrl, projectDir, model.environments.map((e) => e.branch));
  // Production: its branch (main or master) and whether the repository has it. A config whose
  // production branch is missing while the default branch deploys nowhere is lint's error; here a warning.
  const prodEnv = model.environments.find((e) => e.production) ?? null;
  const production = prodEnv && {
    branch: prodEnv.branch,
    environment: prodEnv.name,
    commit: refSha(git, `refs/heads/${prodEnv.branch}`),
    mergeFrom: model.rules.branches.find((r) => r.branch === prodEnv.branch)?.mergeFrom ?? null,
  };
  for (const f of runRules(repositoryRules.filter((r) => r.id === 'production-branch-exists'), repositoryContext(git, model, config, configName, null))) {
    warnings.push(`${f.message}: ${f.fix}`);
  }
  const first = model.environments[0]!.branch;
  const firstSha = branches.find((b) => b.name === first)?.commit ?? refSha(git, `refs/heads/${first}`);
  const steps = nextSteps({
    entry,
    placeholder,
    toCommit: dryRun ? [] : toCommit(new Git(root), owned, top, opts.cwd),
    headBranch,
    firstBranch: first,
    firstAtHead: head !== null && firstSha === head,
    pushBranches: branchNames,
    flow: model.environments.map((e) => e.branch),
    remote: remote ?? 'origin',
    cd: posix(path.relative(deps.shellCwd ?? process.cwd(), opts.cwd)),
  });

  const changed =
    configAction === 'create' ||
    configAction === 'update' ||
    effective.changes.some((c) => c.kind !== 'unchanged' && c.kind !== 'user-owned') ||
    effective.manifestChanged ||
    branches.some((b) => b.action === 'created') ||
    (hook !== null && hook.action !== 'unchanged' && hook.action !== 'lefthook-snippet');

  if (opts.json) {
    io.out(
      `${JSON.stringify(
        {
          root,
          dryRun,
          changed,
          app: model.app,
          config: { path: shownConfig, action: configAction, ...(answers && { values: answers }) },
          files: effective.changes.map((c) => ({ path: c.path, kind: c.kind })),
          kept,
          branches: wantBranches ? branches : null,
          production,
          hook: hook && {
            file: posix(path.relative(opts.cwd, hook.location.file)),
            action: hook.action,
            manager: hook.location.manager,
            ...(hook.snippet !== undefined && { snippet: hook.snippet }),
          },
          catalogEntry: entry,
          nextSteps: steps,
          warnings,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.out(
      report({
        io, dryRun, root, shownConfig, configAction, configText, answers, summary: summarize(effective), kept,
        upToDate: effective.changes.filter((c) => c.kind === 'unchanged' || c.kind === 'user-owned').length,
        branches, wantBranches, head, headBranch, production, hook, changed, steps,
      }),
    );
  }
  for (const w of warnings) io.err(`warning: ${w}\n`);
  for (const k of kept) io.err(`pipewright init: kept ${k.path} (${k.reason}): ${k.fix}\n`);
  return kept.length > 0 && !dryRun ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// git

function repository(cwd: string): { git: Git; top: string } {
  const git = new Git(cwd);
  try {
    return { git, top: realpathSync(git.run(['rev-parse', '--show-toplevel'])) };
  } catch (e) {
    if (e instanceof UsageError) throw e; // git itself is missing
    throw new UsageError(
      `pipewright init: ${cwd} is not in a git repository: run \`git init && git add -A && git commit -m "Initial commit"\` there first, or pass -C <repository>`,
    );
  }
}

const isInside = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** `git status` of the directory (untracked files one by one), with every path each line names. */
function statusLines(git: Git): { line: string; paths: string[] }[] {
  const fields = git.run(['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']).split('\0');
  const out: { line: string; paths: string[] }[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    const xy = f.slice(0, 2);
    const paths = [f.slice(3)];
    // A rename or copy names its source in the next field.
    if (xy[0] === 'R' || xy[0] === 'C') paths.push(fields[++i] ?? '');
    out.push({ line: `${xy} ${paths[0]}${paths[1] ? ` (from ${paths[1]})` : ''}`, paths });
  }
  return out;
}

/**
 * init's own paths that git does not have as they are, relative to where init ran. A folder in
 * which every change is init's own is named once (kustomize, not each of its files).
 */
function toCommit(git: Git, owned: ReadonlySet<string>, top: string, cwd: string): string[] {
  const changed = statusLines(git).flatMap((s) => s.paths).map((p) => ({ p, rel: posix(path.relative(cwd, path.join(top, p))) }));
  const foreignFolders = new Set(changed.filter(({ p }) => !owned.has(p)).map(({ rel }) => rel.split('/')[0]));
  const paths = new Set<string>();
  for (const { p, rel } of changed) {
    if (!owned.has(p)) continue;
    const [folder, ...rest] = rel.split('/');
    paths.add(rest.length > 0 && folder !== '..' && !foreignFolders.has(folder) ? folder! : rel);
  }
  return [...paths].sort();
}

function refSha(git: Git, ref: string): string | null {
  return git.test(['show-ref', '--verify', '--quiet', ref]) ? git.run(['rev-parse', ref]) : null;
}

/** Create a missing branch at HEAD, or from the remote's branch of that name when there is one (never diverge from it). */
function planBranch(git: Git, name: string, head: string, remote: string | null): BranchResult {
  const local = refSha(git, `refs/heads/${name}`);
  if (local) return { name, action: 'exists', commit: local };
  const tracking = remote ? refSha(git, `refs/remotes/${remote}/${name}`) : null;
  if (tracking) return { name, action: 'created', commit: tracking, from: `${remote}/${name}` };
  return { name, action: 'created', commit: head, from: 'HEAD' };
}

// ---------------------------------------------------------------------------------------------
// the config

function configFile(opts: InitOptions): string {
  if (opts.config) {
    const p = path.resolve(opts.cwd, opts.config);
    if (!existsSync(p) && !/\.ya?ml$/.test(p)) {
      throw new UsageError(`pipewright init: ${opts.config}: init writes YAML: pass -c <name>.yaml, or leave -c out for pipewright.yaml`);
    }
    return p;
  }
  const found = CONFIG_NAMES.filter((n) => existsSync(path.join(opts.cwd, n)));
  if (found.length > 1) {
    throw new UsageError(`more than one config in ${opts.cwd}: ${found.join(', ')}; keep one, or pass --config`);
  }
  return path.join(opts.cwd, found[0] ?? 'pipewright.yaml');
}

/** A config with every answer a stand-in: what a fresh config generates does not depend on them. */
function standInConfig(): unknown {
  return { app: 'app', aws: { accountId: '123456789012', region: 'eu-west-1' } };
}

const FLAGS: Readonly<Record<AnswerKey, string>> = {
  app: '--app',
  accountId: '--account-id',
  region: '--region',
  wsgi: '--wsgi',
  python: '--python',
  healthPath: 'runtime.healthPath',
  productionBranch: '--production-branch',
};
const flagName = (k: AnswerKey): string => FLAGS[k];

/** The values a config being rewritten (--force) already had: they beat what init would infer. */
function previousAnswers(file: string): Partial<Record<AnswerKey, Inferred>> {
  let data: unknown;
  try {
    data = yaml.load(readFileSync(file, 'utf8'), { schema: yaml.CORE_SCHEMA });
  } catch {
    return {};
  }
  const out: Partial<Record<AnswerKey, Inferred>> = {};
  for (const [key, keyPath] of Object.entries(ANSWER_PATHS) as [AnswerKey, string][]) {
    let v: unknown = data;
    for (const k of keyPath.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v === 'string' && answerProblem(key, v) === null) out[key] = { value: v, from: `kept from the previous ${path.basename(file)}` };
  }
  return out;
}

/** Flags first, then the config being rewritten, then what the files say, then questions, then defaults. */
async function resolveAnswers(
  opts: InitOptions,
  detection: Detection,
  repo: RepositoryFacts,
  previous: Partial<Record<AnswerKey, Inferred>>,
  env: NodeJS.ProcessEnv,
  ask: Ask | null,
  root: string,
  warnings: string[],
): Promise<InitAnswers> {
  const fromFlag = (key: AnswerKey, value: string | undefined): Inferred | undefined => {
    if (value === undefined) return undefined;
    const problem = answerProblem(key, value);
    if (problem) throw new UsageError(`pipewright init: ${flagName(key)} ${JSON.stringify(value)}: ${problem}`);
    return { value, from: `from ${flagName(key)}` };
  };
  /** Asks with the inferred value pre-filled; an answer that differs from it is the user's. */
  const confirm = async (key: AnswerKey, message: string, inferred: Inferred | null): Promise<Inferred | null> => {
    if (!ask) return inferred;
    const value = await ask({ key, message, ...(inferred && { default: inferred.value }) });
    return inferred && value === inferred.value ? inferred : { value, from: 'answered at the prompt' };
  };

  let app = fromFlag('app', opts.app) ?? previous.app;
  if (!app) app = (await confirm('app', 'App name (the image, Deployment and namespaces)', detection.app)) ?? undefined;
  if (!app) throw new UsageError(`pipewright init: cannot make an app name from the directory name "${path.basename(root)}": pass --app <name>`);

  let wsgi = fromFlag('wsgi', opts.wsgi) ?? previous.wsgi;
  if (!wsgi) {
    if (!detection.wsgi) {
      throw new UsageError(
        `pipewright init: no Flask app found in ${root} (looked for \`app = Flask(...)\` and \`def create_app()\` in ${detection.searched}): ` +
          'run init in the app\'s folder (-C <dir>), or name the app with --wsgi module:callable',
      );
    }
    wsgi = (await confirm('wsgi', 'gunicorn WSGI target (module:callable, or module:factory())', detection.wsgi))!;
  }
  if (!detection.flaskDeclaredIn && !previous.wsgi) {
    warnings.push('flask is not listed in requirements.txt or pyproject.toml: add it, or the image will not have it');
  }
  if (!detection.hasRequirementsTxt) {
    warnings.push('there is no requirements.txt, which the scaffolded Dockerfile installs from: create one (pip freeze > requirements.txt), or edit the Dockerfile');
  }

  let accountId = fromFlag('accountId', opts.accountId) ?? previous.accountId;
  if (!accountId && ask) accountId = { value: await ask({ key: 'accountId', message: 'AWS account id (12 digits; it owns ECR and the clusters)' }), from: 'answered at the prompt' };
  if (!accountId) {
    throw new UsageError(
      'pipewright init: the AWS account id cannot be inferred and has no safe default: pass --account-id <12 digits> (the account that owns ECR and the clusters)',
    );
  }

  let region = fromFlag('region', opts.region) ?? previous.region;
  if (!region) {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
      const v = env[name];
      if (!v) continue;
      if (answerProblem('region', v) === null) {
        region = { value: v, from: `from ${name}` };
        break;
      }
      warnings.push(`${name}=${JSON.stringify(v)} is not an AWS region; not used`);
    }
  }
  if (!region) {
    const fallback = { value: 'eu-west-1', from: 'the default: no --region, AWS_REGION or AWS_DEFAULT_REGION' };
    if (ask) {
      const value = await ask({ key: 'region', message: 'AWS region (of ECR and the clusters)', default: fallback.value });
      region = value === fallback.value ? { value, from: 'the default, accepted at the prompt' } : { value, from: 'answered at the prompt' };
    } else region = fallback;
  }

  const python =
    fromFlag('python', opts.python) ??
    previous.python ??
    detection.python ?? { value: DEFAULTS.python, from: 'the default: no .python-version or requires-python found' };
  let healthPath = previous.healthPath ?? detection.healthPath;
  if (!healthPath) {
    healthPath = { value: DEFAULTS.healthPath, from: `the default: the app has no ${DEFAULTS.healthPath}, /health or /healthcheck route yet` };
    warnings.push(`no health route found: add ${DEFAULTS.healthPath} answering 200 (the probes and the ALB check it), or set runtime.healthPath`);
  }
  // Not asked: the repository says which branch is its default, and --production-branch overrides it.
  const productionBranch =
    fromFlag('productionBranch', opts.productionBranch) ??
    previous.productionBranch ??
    (repo.detected && { value: repo.detected.branch, from: `inferred from ${repo.detected.from}` }) ?? {
      value: DEFAULTS.productionBranch,
      from: `the default: the repository does not say whether main or master is its default branch (no ${repo.remote ?? 'origin'}/HEAD)`,
    };
  if (repo.bothMainAndMaster && productionBranch.value === DEFAULTS.productionBranch && !opts.productionBranch && !previous.productionBranch) {
    warnings.push(
      `both main and master exist and nothing says which one is the default branch (no ${repo.remote ?? 'origin'}/HEAD): production deploys from master; ` +
        'if it is main, pass --production-branch main (or set productionBranch: main)',
    );
  }
  return { app, accountId, region, wsgi, healthPath, python, productionBranch };
}

/** The schema shipped in the installed package, relative to the config, for yaml-language-server. */
function schemaRef(root: string, top: string): string {
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, SCHEMA_IN_PACKAGE))) return posix(path.relative(root, path.join(dir, SCHEMA_IN_PACKAGE)));
    if (dir === top || path.dirname(dir) === dir) return SCHEMA_IN_PACKAGE;
  }
}

function keptFile(c: PlannedChange): KeptFile {
  const reason = describeConflict(c.conflict);
  switch (c.conflict) {
    case 'not-ours':
      return { path: c.path, reason, fix: `to use the generated one, move yours away (git mv ${c.path} ${c.path}.orig) and run \`pipewright generate\`, or overwrite it: \`pipewright generate --force\`` };
    case 'edited':
      return { path: c.path, reason, fix: `move the change into the config and run \`pipewright generate --force\`, or keep it and see the drift with \`pipewright generate --check\`` };
    default:
      return { path: c.path, reason, fix: `delete it yourself, or run \`pipewright generate --force\`` };
  }
}

// ---------------------------------------------------------------------------------------------
// the report

interface ReportInput {
  readonly io: Io;
  readonly dryRun: boolean;
  readonly root: string;
  readonly shownConfig: string;
  readonly configAction: 'create' | 'update' | 'unchanged' | 'kept';
  readonly configText: string | null;
  readonly answers: InitAnswers | null;
  readonly summary: string;
  /** Generated files and scaffolds that need nothing. */
  readonly upToDate: number;
  readonly kept: readonly KeptFile[];
  readonly branches: readonly BranchResult[];
  readonly wantBranches: boolean;
  readonly head: string | null;
  readonly headBranch: string | null;
  readonly production: { readonly branch: string; readonly environment: string; readonly commit: string | null; readonly mergeFrom: readonly string[] | null } | null;
  readonly hook: HookChange<InstallAction> | null;
  readonly changed: boolean;
  readonly steps: readonly Step[];
}

const ANSWER_ORDER: readonly AnswerKey[] = ['app', 'wsgi', 'healthPath', 'python', 'accountId', 'region', 'productionBranch'];

function report(r: ReportInput): string {
  const bold = (s: string) => paint(r.io, 'bold', s);
  let out = `${bold(`pipewright init${r.dryRun ? ' --dry-run (nothing is written)' : ''}`)} in ${r.root}\n\n`;
  if (r.answers) {
    // What the config holds: productionBranch only when it is not the default (renderInitConfig).
    const keys = ANSWER_ORDER.filter((k) => k !== 'productionBranch' || r.answers!.productionBranch.value !== DEFAULTS.productionBranch);
    const width = Math.max(...keys.map((k) => r.answers![k].value.length));
    const keyWidth = Math.max(10, ...keys.map((k) => k.length));
    out += `${r.shownConfig}:\n`;
    for (const k of keys) out += `  ${k.padEnd(keyWidth)}  ${r.answers[k].value.padEnd(width)}  ${paint(r.io, 'dim', r.answers[k].from)}\n`;
    out += '\n';
  }
  if (r.dryRun && r.configText !== null && r.configAction !== 'unchanged') out += `--- ${r.shownConfig} (would ${r.configAction})\n${r.configText}---\n\n`;

  const would = r.dryRun ? 'would ' : '';
  out += r.dryRun ? 'Files (would change):\n' : 'Files:\n';
  const configLine = {
    create: `  ${'create'.padEnd(10)}  ${r.shownConfig}\n`,
    update: `  ${'update'.padEnd(10)}  ${r.shownConfig}  (--force)\n`,
    unchanged: '',
    kept: `  ${'exists'.padEnd(10)}  ${r.shownConfig}  (init rewrites it only with --force)\n`,
  }[r.configAction];
  const keptLines = r.kept.map((k) => `  ${paint(r.io, 'red', 'kept'.padEnd(10))}  ${k.path}  (${k.reason})\n`).join('');
  const upToDate = r.upToDate > 0 ? `  (${r.upToDate} more already up to date)\n` : '';
  out += configLine + r.summary + keptLines + upToDate;

  out += '\nBranches:\n';
  if (!r.wantBranches) out += '  (--no-branches: none created)\n';
  for (const b of r.branches) {
    const at = b.from === 'HEAD' ? `${short(b.commit)} (HEAD${r.headBranch ? `, ${r.headBranch}` : ''})` : `${b.from} (${short(b.commit)})`;
    out += b.action === 'exists' ? `  ${b.name.padEnd(10)}  exists, at ${short(b.commit)}\n` : `  ${b.name.padEnd(10)}  ${would}${r.dryRun ? 'create' : 'created'} at ${at}\n`;
  }
  if (r.production) {
    const p = r.production;
    const fed = p.mergeFrom ? `, fed only by merges from ${p.mergeFrom.join(' or ')}` : '';
    out += `  ${p.branch.padEnd(10)}  ${p.commit ? `exists, at ${short(p.commit)}` : 'not in this repository yet'}: production (${p.environment})${fed}\n`;
  }
  if (r.branches.some((b) => b.action === 'created')) out += `  (${r.dryRun ? 'git branch only' : 'with git branch'}: the working tree and the current branch are untouched)\n`;

  out += '\nHook:\n';
  // Without the file preview of `hook install --dry-run`: that command shows it.
  out += r.hook ? describeInstall({ ...r.hook, contents: undefined }, r.dryRun).replace(/^/gm, '  ').replace(/ +$/gm, '') : '  (--no-hook: not installed)\n';

  out += `\n${r.changed ? (r.dryRun ? 'init would make the changes above.' : 'Done.') : 'Nothing changed: everything was already set up.'}`;
  out += r.kept.length > 0 ? ` ${r.kept.length} file(s) ${r.dryRun ? 'would be ' : ''}kept as they were: see below.\n` : '\n';
  out += `\n${bold('Next steps:')}\n${formatSteps(r.steps)}`;
  return out;
}
