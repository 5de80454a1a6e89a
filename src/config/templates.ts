/**
 * Loading templates (I/O, at the edge): the built-in ones shipped with the package, overridden
 * file by file from the config's `templatesDir` (Foremast's external templates, with fallback).
 * Renderers receive the loaded set and stay pure.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { readText } from './text.js';
import { TEMPLATE_GROUPS, type TemplateGroup, type TemplateSet } from '../core/template-set.js';


function walk(dir: string, rel = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name), `${rel}${d.name}/`) : [`${rel}${d.name}`]))
    .sort();
}

export interface LoadTemplatesOptions {
  readonly groups: readonly TemplateGroup[];
  /** Absolute path of the override dir, if any. */
  readonly templatesDir?: string | null;
  /** Config file name, for error messages. */
  readonly configFile: string;
}

/** How many of the files that override nothing the one-line message names. */
const NAMED = 3;

export function loadTemplates(opts: LoadTemplatesOptions): TemplateSet {
  const set = new Map<string, string>();
  for (const g of opts.groups) {
    for (const f of walk(path.join(packageRoot, g)).filter((n) => n.endsWith('.mustache'))) set.set(`${g}/${f}`, readText(path.join(packageRoot, g, f), `${g}/${f}`));
  }
  if (!opts.templatesDir) return set;
  const dir = opts.templatesDir;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(opts.configFile, [{ path: 'templatesDir', message: `${dir} is not a directory` }]);
  }
  // Only the template folders are walked: anything else at the top (say all of /etc) is one entry.
  const unknown: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const group = entry.name as TemplateGroup;
    if (!entry.isDirectory() || !TEMPLATE_GROUPS.includes(group)) {
      unknown.push(entry.isDirectory() ? `${entry.name}/` : entry.name);
      continue;
    }
    if (!opts.groups.includes(group)) continue; // another command's templates, checked when it runs
    for (const name of walk(path.join(dir, group), `${group}/`)) {
      if (!set.has(name)) unknown.push(name);
      else set.set(name, readText(path.join(dir, name), path.join(dir, name)));
    }
  }
  if (unknown.length > 0) {
    const named = unknown.slice(0, NAMED).join(', ') + (unknown.length > NAMED ? ` and ${unknown.length - NAMED} more` : '');
    throw new ConfigError(opts.configFile, [
      {
        path: 'templatesDir',
        message: `${dir} holds ${unknown.length === 1 ? 'an entry' : `${unknown.length} entries`} that override${unknown.length === 1 ? 's' : ''} no built-in template: ${named}`,
        allowed: `files named as built-in templates, under ${TEMPLATE_GROUPS.map((g) => `${g}/`).join(', ')}: ${[...set.keys()].join(', ')}`,
      },
    ]);
  }
  return set;
}
