/**
 * Loading templates (I/O, at the edge): the built-in ones shipped with the package, overridden
 * file by file from the config's `templatesDir` (Foremast's external templates, with fallback).
 * Renderers receive the loaded set and stay pure.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';
import { packageRoot } from './paths.js';

/** Template name (POSIX path under the package root, e.g. kustomize/base/deployment.yaml.mustache) → text. */
export type TemplateSet = ReadonlyMap<string, string>;

/** The template folders, each used by some command. */
export const TEMPLATE_GROUPS = ['kustomize', 'scaffold', 'vars-templates', 'jobs'] as const;
export type TemplateGroup = (typeof TEMPLATE_GROUPS)[number];

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

export function loadTemplates(opts: LoadTemplatesOptions): TemplateSet {
  const set = new Map<string, string>();
  for (const g of opts.groups) {
    for (const f of walk(path.join(packageRoot, g)).filter((n) => n.endsWith('.mustache'))) set.set(`${g}/${f}`, readFileSync(path.join(packageRoot, g, f), 'utf8'));
  }
  if (!opts.templatesDir) return set;
  const dir = opts.templatesDir;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError(opts.configFile, [{ path: 'templatesDir', message: `${dir} is not a directory` }]);
  }
  const unknown: string[] = [];
  for (const name of walk(dir)) {
    const group = name.split('/')[0] as TemplateGroup;
    if (!TEMPLATE_GROUPS.includes(group)) unknown.push(name);
    else if (!opts.groups.includes(group)) continue; // another command's templates, checked when it runs
    else if (!set.has(name)) unknown.push(name);
    else set.set(name, readFileSync(path.join(dir, name), 'utf8'));
  }
  if (unknown.length > 0) {
    const known = [...set.keys()].join(', ');
    throw new ConfigError(
      opts.configFile,
      unknown.map((n) => ({ path: 'templatesDir', message: `${n} does not override any built-in template`, allowed: known })),
    );
  }
  return set;
}
