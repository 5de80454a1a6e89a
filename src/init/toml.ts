/**
 * Just enough TOML to read a pyproject.toml's `[project]` and `[tool.poetry]` tables: tables,
 * dotted and quoted keys, strings (basic, literal, multi-line), arrays, and inline tables. Numbers,
 * booleans and dates are kept as their raw text. It never throws: what it cannot read it skips,
 * because `init` only wants hints from the file, and a hint it misses is asked for or defaulted.
 */

/** A number, boolean or date, as written. */
export class TomlRaw {
  constructor(readonly raw: string) {}
}

export type TomlValue = string | TomlValue[] | TomlTable | TomlRaw;
export interface TomlTable {
  [key: string]: TomlValue;
}

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  peek(n = 0): string {
    return this.s[this.i + n] ?? '';
  }

  /** Skip spaces and tabs; with `lines`, also newlines and comments. */
  skip(lines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || (lines && c === '\n')) this.i++;
      else if (c === '#' && lines) this.toEol();
      else return;
    }
  }

  toEol(): void {
    const nl = this.s.indexOf('\n', this.i);
    this.i = nl === -1 ? this.s.length : nl;
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skip(false);
      const c = this.peek();
      if (c === '"' || c === "'") parts.push(this.string());
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(this.s.slice(this.i, this.i + 200));
        if (!m) return parts;
        parts.push(m[0]);
        this.i += m[0].length;
      }
      this.skip(false);
      if (this.peek() !== '.') return parts;
      this.i++;
    }
  }

  string(): string {
    const q = this.peek();
    const triple = this.s.startsWith(q.repeat(3), this.i);
    if (triple) {
      this.i += 3;
      if (this.peek() === '\n') this.i++;
      const end = this.s.indexOf(q.repeat(3), this.i);
      const body = this.s.slice(this.i, end === -1 ? this.s.length : end);
      this.i = end === -1 ? this.s.length : end + 3;
      return q === '"' ? unescape(body) : body;
    }
    this.i++;
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === q) return q === '"' ? unescape(out) : out;
      if (c === '\n') break;
      if (c === '\\' && q === '"') {
        out += c + (this.s[this.i++] ?? '');
        continue;
      }
      out += c;
    }
    return q === '"' ? unescape(out) : out;
  }

  value(): TomlValue {
    this.skip(false);
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    if (c === '[') {
      this.i++;
      const items: TomlValue[] = [];
      for (;;) {
        this.skip(true);
        if (this.peek() === ']' || this.i >= this.s.length) {
          this.i++;
          return items;
        }
        items.push(this.value());
        this.skip(true);
        if (this.peek() === ',') this.i++;
        else if (this.peek() !== ']') {
          // Not TOML we understand: drop the rest of the array.
          this.toEol();
          return items;
        }
      }
    }
    if (c === '{') {
      this.i++;
      const table: TomlTable = {};
      for (;;) {
        this.skip(false);
        if (this.peek() === '}' || this.peek() === '\n' || this.i >= this.s.length) {
          this.i++;
          return table;
        }
        const k = this.key();
        this.skip(false);
        if (this.peek() !== '=' || k.length === 0) {
          this.toEol();
          return table;
        }
        this.i++;
        setPath(table, k, this.value());
        this.skip(false);
        if (this.peek() === ',') this.i++;
      }
    }
    const m = /^[^\s,\]}#]+/.exec(this.s.slice(this.i, this.i + 200));
    const raw = m ? m[0] : '';
    this.i += raw.length;
    return new TomlRaw(raw);
  }
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' } as Record<string, string>)[e] ?? e;
  });
}

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TomlRaw);
}

function setPath(root: TomlTable, keys: readonly string[], value: TomlValue): void {
  let t = root;
  for (const k of keys.slice(0, -1)) {
    const next = Object.hasOwn(t, k) ? t[k] : undefined;
    if (isTable(next)) t = next;
    else {
      const created: TomlTable = {};
      Object.defineProperty(t, k, { value: created, enumerable: true, writable: true, configurable: true });
      t = created;
    }
  }
  const last = keys[keys.length - 1];
  if (last !== undefined) Object.defineProperty(t, last, { value, enumerable: true, writable: true, configurable: true });
}

/** The document as nested tables (arrays of tables `[[x]]` are skipped). */
export function parseToml(text: string): TomlTable {
  const r = new Reader(text.replace(/^\uFEFF/, ''));
  const doc: TomlTable = {};
  let current: string[] | null = [];
  while (r.i < r.s.length) {
    r.skip(true);
    if (r.i >= r.s.length) break;
    if (r.peek() === '[') {
      const array = r.peek(1) === '[';
      r.i += array ? 2 : 1;
      const k = r.key();
      r.toEol();
      current = array || k.length === 0 ? null : k;
      if (current) setPath(doc, current, getPath(doc, current) ?? {});
      continue;
    }
    const k = r.key();
    r.skip(false);
    if (k.length === 0 || r.peek() !== '=') {
      r.toEol();
      continue;
    }
    r.i++;
    const v = r.value();
    if (current) setPath(doc, [...current, ...k], v);
    r.skip(false);
    if (r.peek() === '#') r.toEol();
  }
  return doc;
}

/** The table or value at a dotted path, if present. */
export function getPath(doc: TomlTable, keys: readonly string[]): TomlValue | undefined {
  let v: TomlValue | undefined = doc;
  for (const k of keys) {
    if (!isTable(v) || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

export function getString(doc: TomlTable, keys: readonly string[]): string | undefined {
  const v = getPath(doc, keys);
  return typeof v === 'string' ? v : undefined;
}

export function getTable(doc: TomlTable, keys: readonly string[]): TomlTable | undefined {
  const v = getPath(doc, keys);
  return isTable(v) ? v : undefined;
}

export function getStrings(doc: TomlTable, keys: readonly string[]): string[] {
  const v = getPath(doc, keys);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
