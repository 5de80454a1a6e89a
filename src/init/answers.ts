/**
 * The values a fresh pipewright.yaml is written from: flags first, then the config being rewritten,
 * then what the files say, then questions, then defaults. Each value says where it came from.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { CONFIG_NAMES } from '../config/load.js';
import { UsageError } from '../core/errors.js';
import { DEFAULTS } from '../core/defaults.js';
import { ANSWER_PATHS, answerProblem, type AnswerKey, type InitAnswers } from './config-text.js';
import type { Detection, Inferred } from './detect.js';
import type { Ask } from './questions.js';
import { posix, type RepositoryFacts } from './repository.js';

/** The answers init takes as flags. */
export type AnswerFlags = Readonly<Partial<Record<'app' | 'accountId' | 'region' | 'wsgi' | 'python' | 'productionBranch', string>>>;

const SCHEMA_IN_PACKAGE = 'node_modules/pipewright/schema/pipewright.schema.json';

const FLAGS: Readonly<Record<AnswerKey, string>> = {
  app: '--app',
  accountId: '--account-id',
  region: '--region',
  wsgi: '--wsgi',
  python: '--python',
  healthPath: 'runtime.healthPath',
  productionBranch: '--production-branch',
};
export const flagName = (k: AnswerKey): string => FLAGS[k];

/** The config init keeps or writes: -c's file, else the one config in `cwd`, else pipewright.yaml. */
export function configFile(cwd: string, config: string | undefined): string {
  if (config) {
    const p = path.resolve(cwd, config);
    if (!existsSync(p) && !/\.ya?ml$/.test(p)) {
      throw new UsageError(`pipewright init: ${config}: init writes YAML: pass -c <name>.yaml, or leave -c out for pipewright.yaml`);
    }
    return p;
  }
  const found = CONFIG_NAMES.filter((n) => existsSync(path.join(cwd, n)));
  if (found.length > 1) {
    throw new UsageError(`more than one config in ${cwd}: ${found.join(', ')}; keep one, or pass --config`);
  }
  return path.join(cwd, found[0] ?? 'pipewright.yaml');
}

/** A config with every answer a stand-in: what a fresh config generates does not depend on them. */
export function standInConfig(): unknown {
  return { app: 'app', aws: { accountId: '123456789012', region: 'eu-west-1' } };
}

/** The schema shipped in the installed package, relative to the config, for yaml-language-server. */
export function schemaRef(root: string, top: string): string {
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, SCHEMA_IN_PACKAGE))) return posix(path.relative(root, path.join(dir, SCHEMA_IN_PACKAGE)));
    if (dir === top || path.dirname(dir) === dir) return SCHEMA_IN_PACKAGE;
  }
}

/** The values a config being rewritten (--force) already had: they beat what init would infer. */
export function previousAnswers(file: string): Partial<Record<AnswerKey, Inferred>> {
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
export async function resolveAnswers(
  opts: AnswerFlags,
  detection: Detection,
  repo: Pick<RepositoryFacts, 'detected' | 'remote' | 'bothMainAndMaster'>,
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
