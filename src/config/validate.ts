/**
 * Turns raw data (from YAML or a static TS literal) into structurally validated data, or one ConfigError
 * listing every problem as `key.path: message (allowed: …)`. Serves every schema: the app config
 * and the seed job's catalog.
 */
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { ConfigSchema, allowedText, type ParsedConfig } from './schema.js';

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;

export interface ValidateOptions<T> {
  /** Said when the file is empty. */
  readonly expected: string;
  /** Cross-field checks, run once the structure is valid. */
  readonly semantic?: (data: T) => ConfigProblem[];
}

/** Validate `data` from `file` against `schema`: every problem in one ConfigError. */
export function validateWith<S extends z.ZodType>(schema: S, data: unknown, file: string, opts: ValidateOptions<z.output<S>>): z.output<S> {
  if (data === null || data === undefined) throw new ConfigError(file, [{ path: '', message: 'is empty', allowed: opts.expected }]);
  const res = schema.safeParse(data, { reportInput: true });
  if (!res.success) throw new ConfigError(file, res.error.issues.flatMap((i) => toProblems(schema, i)));
  const problems = opts.semantic?.(res.data) ?? [];
  if (problems.length > 0) throw new ConfigError(file, problems);
  return res.data;
}

export function validateConfig(data: unknown, file: string): ParsedConfig {
  return validateWith(ConfigSchema, data, file, { expected: 'a mapping with at least app and aws (accountId, region)' });
}

const keyPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

function describeInput(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function toProblems(root: Schema, issue: Issue): ConfigProblem[] {
  const path = keyPath(issue.path);
  const at = schemaAt(root, issue.path);
  const allowed = at ? allowedFor(at) : undefined;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return [{ path, message: 'is required', allowed }];
      if (issue.message.startsWith('must be')) return [{ path, message: issue.message, allowed }];
      return [{ path, message: `expected ${article(issue.expected)}, got ${describeInput(input)}`, allowed }];
    case 'unrecognized_keys': {
      const known = at ? objectKeys(at) : [];
      return issue.keys.map((k) => {
        const hint = nearest(k, known);
        return {
          path: keyPath([...issue.path, k]),
          message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`,
          allowed: known.join(', '),
        };
      });
    }
    case 'invalid_value':
      return [{ path, message: `${describeInput(input)} is not allowed`, allowed: issue.values.map((v) => String(v)).join(', ') }];
    case 'invalid_format':
      return [{ path, message: `${describeInput(input)} is not valid`, allowed }];
    case 'too_small':
    case 'too_big': {
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return [{ path, message: `must be ${word} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}${unit}`, allowed }];
    }
    case 'invalid_key':
      return issue.issues.flatMap((sub) =>
        toProblems(root, { ...sub, path: [...issue.path, ...sub.path] } as Issue).map((p) => ({ ...p, message: `key: ${p.message}` })),
      );
    case 'invalid_element':
      return issue.issues.flatMap((sub) => toProblems(root, { ...sub, path: [...issue.path, ...sub.path] } as Issue));
    case 'invalid_union':
      return [{ path, message: `${describeInput(input)} does not match any allowed form`, allowed }];
    default: {
      const own = (issue as { params?: { allowed?: string } }).params?.allowed;
      return [{ path, message: issue.message, allowed: own ?? allowed }];
    }
  }
}

const article = (t: string): string => (t === 'int' ? 'an integer' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function def(s: Schema): Record<string, unknown> & { type: string } {
  return (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
}

/** The schema node at a key path, unwrapping optionals; undefined when the path leaves the schema. */
export function schemaAt(root: Schema, path: readonly PropertyKey[]): Schema | undefined {
  let s: Schema | undefined = root;
  for (const key of path) {
    s = s && unwrap(s);
    if (!s) return undefined;
    const d = def(s);
    if (d.type === 'object') s = (d.shape as Record<string, Schema>)[String(key)];
    else if (d.type === 'array') s = d.element as Schema;
    else if (d.type === 'record') s = d.valueType as Schema;
    else return undefined;
  }
  return s && unwrap(s);
}

function unwrap(s: Schema): Schema {
  let cur = s;
  for (;;) {
    const d = def(cur);
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional'].includes(d.type)) cur = d.innerType as Schema;
    else if (d.type === 'pipe') cur = d.in as Schema;
    else return cur;
  }
}

function objectKeys(s: Schema): string[] {
  const d = def(s);
  return d.type === 'object' ? Object.keys(d.shape as object) : [];
}

function allowedFor(s: Schema): string | undefined {
  const text = allowedText.get(s as z.ZodType)?.allowed;
  if (text) return text;
  const d = def(s);
  if (d.type === 'enum') return Object.values(d.entries as object).join(', ');
  if (d.type === 'boolean') return 'true, false';
  if (d.type === 'object') return `a mapping with keys ${objectKeys(s).join(', ')}`;
  return undefined;
}

/** The closest known key within edit distance 2, for "did you mean". */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
