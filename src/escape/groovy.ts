/**
 * THE only place that turns a value into Groovy source (shell words: ./shell.ts). Generated Groovy runs inside
 * users' CI with their credentials, so:
 * - every string becomes a single-quoted Groovy literal: no `$`, `${}` or GString interpolation
 *   can happen, whatever the value holds;
 * - control characters, quotes and backslashes are escaped, so a value can never end a literal
 *   or a line early;
 * - values never enter shell text: library steps hand them to `sh` through `withEnv` and quote
 *   the variable ("$PW_X"), so the shell sees data, never code.
 */

/** A single-quoted Groovy string literal that evaluates to exactly `s`. */
export function groovyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "'") out += "\\'";
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // Everything else outside printable ASCII as \uXXXX (UTF-16 units): the source stays ASCII,
    // so no encoding setting on the Jenkins controller can change its meaning.
    else if (cp < 0x20 || cp > 0x7e) {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}'`;
}

/** A Groovy expression written by pipewright itself (never user data), emitted verbatim, e.g. `env.BRANCH_NAME`. */
export class GroovyCode {
  constructor(readonly code: string) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(code)) throw new Error(`internal: not a plain Groovy reference: ${code}`);
  }
}

/** `[literal map][reference]`: a lookup of a pipewright reference in a literal map, e.g. the building branch's tag prefix. */
export class GroovyIndex {
  constructor(
    readonly map: { readonly [key: string]: GroovyValue },
    readonly key: GroovyCode,
  ) {}
}

export type GroovyValue = string | number | boolean | null | GroovyCode | GroovyIndex | readonly GroovyValue[] | { readonly [key: string]: GroovyValue };

/** A Groovy literal for JSON-like data: lists `[a, b]`, maps `[key: v]` (`[:]` when empty). */
export function groovyValue(v: GroovyValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return groovyString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof GroovyCode) return v.code;
  if (v instanceof GroovyIndex) return `${groovyValue(v.map)}[${v.key.code}]`;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as Groovy`);
    return Number.isInteger(v) ? String(v) : JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => groovyValue(x as GroovyValue)).join(', ')}]`;
  const entries = Object.entries(v as Record<string, GroovyValue>);
  if (entries.length === 0) return '[:]';
  return `[${entries.map(([k, x]) => `${groovyKey(k)}: ${groovyValue(x)}`).join(', ')}]`;
}

/** A map key: bare when it is a plain identifier, else a quoted string. */
export function groovyKey(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : groovyString(k);
}

/** Named arguments for a step call: `name: value, …` (no brackets). */
export function groovyArgs(args: Readonly<Record<string, GroovyValue | undefined>>): string {
  return Object.entries(args)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${groovyKey(k)}: ${groovyValue(v as GroovyValue)}`)
    .join(', ');
}


/** Text for a `//` comment: one line, printable ASCII only, so no value can end the comment early. */
export function groovyComment(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
