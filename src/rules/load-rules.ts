/**
 * The branch rules for the hot path (the pre-push hook), without loading the config validator:
 * the rules resolved from a config are cached by a hash of the config's bytes and this pipewright
 * version, so a cache entry is never stale. The cache is the user's cache directory
 * ($XDG_CACHE_HOME, else ~/.cache: it outlives a reboot's fresh /tmp), else the temp dir. A miss
 * of a config that leaves the rules to the defaults is resolved from js-yaml alone (quick-rules);
 * any other loads the config the normal way (js-yaml, zod, the model). Both fill the cache, and
 * so do `generate` and `validate`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { CONFIG_NAMES } from '../config/names.js';
import { UsageError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { RulesData } from './types.js';

function cacheDir(): string {
  const home = process.env.XDG_CACHE_HOME || (homedir() && path.join(homedir(), '.cache'));
  return path.join(home || tmpdir(), 'pipewright', 'rules');
}

/** The entry for a config's bytes (not a lenient decoding: files that differ only in invalid UTF-8 must not share one). */
const cacheFile = (file: string, bytes: Uint8Array): string =>
  path.join(cacheDir(), `${createHash('sha256').update(`${VERSION}\0${path.basename(file)}\0`).update(bytes).digest('hex')}.json`);

/** Store the rules resolved from a config file (atomically; a cache that cannot be written only costs speed). */
export function rememberRules(file: string, rules: RulesData, bytes: Uint8Array = readFileSync(file)): void {
  try {
    const cache = cacheFile(file, bytes);
    mkdirSync(path.dirname(cache), { recursive: true });
    const tmp = `${cache}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(rules));
    renameSync(tmp, cache);
  } catch {
    // read-only or missing cache directory
  }
}

export async function loadRules(root: string, config?: string): Promise<{ rules: RulesData; configFile: string }> {
  const file = config ? path.resolve(root, config) : CONFIG_NAMES.map((n) => path.join(root, n)).find((p) => existsSync(p));
  if (!file || !existsSync(file)) throw new UsageError(`no pipewright config in ${root}: the branch rules come from pipewright.yaml`);
  const bytes = readFileSync(file);
  try {
    return { rules: JSON.parse(readFileSync(cacheFile(file, bytes), 'utf8')) as RulesData, configFile: path.basename(file) };
  } catch {
    // a miss (or a damaged entry): resolve the config properly below
  }
  if (!file.endsWith('.ts')) {
    const { quickRules } = await import('./quick-rules.js');
    const quick = await quickRules(bytes);
    if (quick) {
      rememberRules(file, quick, bytes);
      return { rules: quick, configFile: path.basename(file) };
    }
  }
  const [{ loadConfig }, { resolveModel }] = await Promise.all([import('../config/load.js'), import('../model/model.js')]);
  const loaded = await loadConfig({ cwd: path.dirname(file), config: path.basename(file) });
  const model = resolveModel(loaded.config, path.basename(file), loaded.shown);
  rememberRules(file, model.rules, bytes);
  return { rules: model.rules, configFile: model.configFile };
}
