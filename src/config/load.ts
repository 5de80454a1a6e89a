/**
 * Finding and reading the config: pipewright.yaml (js-yaml) or pipewright.config.ts (read
 * statically; ts-morph is loaded only then). Returns the validated config as data: deriving the
 * model from it (and its cross-field checks) is model/'s job (resolveModel).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { ConfigError, UsageError } from '../core/errors.js';
import { validateConfig } from './validate.js';
import { readText } from './text.js';
import type { ParsedConfig } from './schema.js';

import { CONFIG_NAMES } from './names.js';

export { CONFIG_NAMES };

export interface LoadOptions {
  /** Directory to look in. */
  readonly cwd: string;
  /** Explicit config path (relative to cwd). Default: the one of CONFIG_NAMES present in cwd. */
  readonly config?: string;
}

export interface LoadedConfig {
  /** Absolute path of the config file. */
  readonly path: string;
  /** Directory the config lives in: the project root that generated paths are relative to. */
  readonly root: string;
  /** The config file as messages name it: relative to cwd. */
  readonly shown: string;
  /** The validated config as written (before defaults). */
  readonly config: ParsedConfig;
}

export function findConfig(opts: LoadOptions): string {
  if (opts.config) {
    const p = path.resolve(opts.cwd, opts.config);
    if (!existsSync(p)) throw new UsageError(`${opts.config}: no such config file`);
    return p;
  }
  const found = CONFIG_NAMES.map((n) => path.join(opts.cwd, n)).filter((p) => existsSync(p));
  if (found.length === 0) {
    throw new UsageError(
      `no pipewright config in ${opts.cwd}: create pipewright.yaml with at least\n` +
        `  app: my-service\n  aws:\n    accountId: "123456789012"\n    region: eu-west-1\n` +
        `or pass --config <file>`,
    );
  }
  if (found.length > 1) {
    throw new UsageError(`more than one config in ${opts.cwd}: ${found.map((p) => path.basename(p)).join(', ')}; keep one, or pass --config`);
  }
  return found[0]!;
}

/** Parse a config file's text into plain data. */
export async function parseConfigText(text: string, file: string): Promise<unknown> {
  if (file.endsWith('.ts')) {
    const { readTsConfig } = await import('./ts-config.js');
    return readTsConfig(text, file);
  }
  try {
    return yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    const err = e as { reason?: string; mark?: { line: number; column: number } };
    const second = err.mark ? null : secondDocumentLine(text);
    if (second !== null) {
      throw new ConfigError(file, [
        { path: '', message: `a second YAML document starts here: ${path.basename(file)} must hold one document (remove this line and what follows, or merge the two)`, line: second, column: 1 },
      ]);
    }
    throw new ConfigError(file, [
      {
        path: '',
        message: `not valid YAML: ${err.reason ?? (e as Error).message}`,
        ...(err.mark && { line: err.mark.line + 1, column: err.mark.column + 1 }),
      },
    ]);
  }
}

/**
 * The 1-based line where a stream's second document starts (its `---`, or its first content after a
 * `...`), or null. js-yaml says only that there is more than one. Document markers sit at column 0,
 * where no scalar's content can (block and quoted scalars of a document are indented or refuse them).
 */
export function secondDocumentLine(text: string): number | null {
  let started = false; // the first document has begun: an explicit `---` or content
  let ended = false; // ... and was closed by `...`
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^---(?:[ \t]|$)/.test(line)) {
      if (started || ended) return i + 1;
      started = true;
    } else if (/^\.\.\.(?:[ \t]|$)/.test(line)) {
      if (started) ended = true;
    } else if (/^[ \t]*(?:#|%|$)/.test(line)) {
      continue; // blank lines, comments and directives belong to no document's content
    } else if (ended) {
      return i + 1;
    } else {
      started = true;
    }
  }
  return null;
}

export async function loadConfig(opts: LoadOptions): Promise<LoadedConfig> {
  const file = findConfig(opts);
  const shown = path.relative(opts.cwd, file) || path.basename(file);
  const text = readText(file, shown);
  const data = await parseConfigText(text, shown);
  const parsed = validateConfig(data, shown);
  return { path: file, root: path.dirname(file), shown, config: parsed };
}
