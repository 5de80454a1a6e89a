/**
 * Finding, reading and validating the seed job's catalog.yaml against its schema
 * (catalog-schema.ts), as loadConfig does for pipewright.yaml. Data only: the jobs are derived
 * from it (and entries that clash are found) in model/catalog.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { CatalogSchema, type ParsedCatalog } from './catalog-schema.js';
import { parseConfigText } from './load.js';
import { readText } from './text.js';
import { validateWith } from './validate.js';

export const DEFAULT_CATALOG = 'catalog.yaml';

export interface LoadCatalogOptions {
  /** Directory the catalog path is relative to. */
  readonly cwd: string;
  /** The catalog file. Default catalog.yaml. */
  readonly catalog?: string;
}

export interface LoadedCatalog {
  /** Absolute path of the catalog. */
  readonly path: string;
  /** The catalog as messages name it: relative to cwd. */
  readonly shown: string;
  readonly catalog: ParsedCatalog;
}

export async function loadCatalog(opts: LoadCatalogOptions): Promise<LoadedCatalog> {
  const file = path.resolve(opts.cwd, opts.catalog ?? DEFAULT_CATALOG);
  const shown = path.relative(opts.cwd, file) || path.basename(file);
  if (!existsSync(file)) throw new UsageError(`${shown}: no such catalog; pass --catalog <file>`);
  const data = await parseConfigText(readText(file, shown), shown);
  const catalog = validateWith(CatalogSchema, data, shown, {
    expected: 'a mapping with seed (repository) and repositories (name, github or git)',
  });
  return { path: file, shown, catalog };
}
