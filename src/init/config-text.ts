/**
 * The pipewright.yaml that `init` writes: only what it inferred or was told, each value with a
 * comment saying where it came from, and the editor's schema line. Pure.
 */
import { ConfigError } from '../core/errors.js';
import { validateConfig } from '../config/validate.js';
import { resolveModel } from '../model/model.js';
import { DEFAULTS, defaultEnvironments } from '../core/defaults.js';
import { yamlScalar } from '../escape/yaml.js';
import type { Inferred } from './detect.js';

export type AnswerKey = 'app' | 'accountId' | 'region' | 'wsgi' | 'healthPath' | 'python' | 'productionBranch';

/** Every value init writes, and why. */
export type InitAnswers = Readonly<Record<AnswerKey, Inferred>>;

/** Where each answer sits in the config: also the key path of its validation problems. */
export const ANSWER_PATHS: Readonly<Record<AnswerKey, string>> = {
  app: 'app',
  accountId: 'aws.accountId',
  region: 'aws.region',
  wsgi: 'runtime.wsgi',
  healthPath: 'runtime.healthPath',
  python: 'runtime.python',
  productionBranch: 'productionBranch',
};

/**
 * A comment stays one line, whatever a file name or a pyproject name held: also without U+0085,
 * U+2028 or U+2029, which end a line under YAML 1.1.
 */
// eslint-disable-next-line no-control-regex
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');

/** `text` as `# ` comment lines of at most `width` characters. */
function wrap(text: string, width = 96): string {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return `${[...lines, line].join('\n')}\n`;
}

export function renderInitConfig(a: InitAnswers, schemaRef: string): string {
  const envs = defaultEnvironments(a.productionBranch.value).map((e) => `${e.name} (branch ${e.branch}${e.production ? ', production' : ''})`);
  const intro = wrap(
    'Written by `pipewright init`: the comment above each value says where it came from. ' +
      `Everything else is a default, such as the environments ${envs.slice(0, -1).join(', ')} and ${envs[envs.length - 1]}. ` +
      '`pipewright validate` prints the whole resolved config; after an edit, run `pipewright generate`.',
  );
  const line = (indent: string, key: AnswerKey, name: string) =>
    `${indent}# ${oneLine(a[key].from)}\n${indent}${name}: ${yamlScalar(a[key].value)}\n`;
  return (
    `# yaml-language-server: $schema=${schemaRef}\n` +
    intro +
    line('', 'app', 'app') +
    'aws:\n' +
    line('  ', 'accountId', 'accountId') +
    line('  ', 'region', 'region') +
    'runtime:\n' +
    line('  ', 'wsgi', 'wsgi') +
    line('  ', 'healthPath', 'healthPath') +
    line('  ', 'python', 'python') +
    // Only when it is not the default, so a master repository's config stays as it always was.
    (a.productionBranch.value === DEFAULTS.productionBranch ? '' : line('', 'productionBranch', 'productionBranch'))
  );
}

/** A stand-in for every other answer, so one answer can be checked on its own. */
const VALID: Readonly<Record<AnswerKey, string>> = {
  app: 'app',
  accountId: '123456789012',
  region: 'eu-west-1',
  wsgi: 'app:app',
  healthPath: '/healthz',
  python: '3.12',
  productionBranch: DEFAULTS.productionBranch,
};

/**
 * Why `value` is not acceptable for `key`, in the schema's own words (`must match … (allowed: …)`),
 * or null. The config schema is the one judge, so a prompt, a flag and the written file agree.
 */
export function answerProblem(key: AnswerKey, value: string): string | null {
  const v = { ...VALID, [key]: value };
  try {
    const config = validateConfig(
      {
        app: v.app,
        aws: { accountId: v.accountId, region: v.region },
        runtime: { wsgi: v.wsgi, healthPath: v.healthPath, python: v.python },
        productionBranch: v.productionBranch,
      },
      'answer',
    );
    resolveModel(config, 'answer');
    return null;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // The schema's words for the account id are about YAML quoting, which an answer never needs.
    if (key === 'accountId') return 'must be exactly 12 digits, e.g. 123456789012';
    const p = e.problems.find((q) => q.path === ANSWER_PATHS[key]) ?? e.problems[0]!;
    return `${p.message}${p.allowed ? ` (allowed: ${p.allowed})` : ''}`;
  }
}
