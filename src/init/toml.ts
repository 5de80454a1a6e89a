/**
 * pyproject.toml, read with smol-toml, and typed getters for the few values `init` wants. A file
 * that is not valid TOML gives an empty document: `init` only takes hints from it, and a hint it
 * misses is asked for or defaulted.
 */
import { parse } from 'smol-toml';

export type TomlValue = unknown;
export interface TomlTable {
  [key: string]: TomlValue;
}

const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** The document, or an empty one when the text is not valid TOML. */
export function parseToml(text: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch {
    return {};
  }
}

/** The table or value at a path of keys, if present. */
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
