/**
 * The branch rules for the hot path (the pre-push hook), without loading the config validator:
 * the rules resolved from a config are cached under the OS temp dir by a hash of the config's
 * text and this pipewright version, so a cache entry is never stale. A miss loads the config the
 * normal way (js-yaml, zod, the model) and fills the cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONFIG_NAMES } from '../config/names.js';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import type { RulesData } from './types.js';

export async function loadRules(root: string, config?: string): Promise<{ rules: RulesData; configFile: string }> {
  const file = config ? path.resolve(root, config) : CONFIG_NAMES.map((n) => path.join(root, n)).find((p) => existsSync(p));
  if (!file || !existsSync(file)) throw new UsageError(`no pipewright config in ${root}: the branch rules come from pipewright.yaml`);
  // The bytes, not a lenient decoding: two files that differ only in invalid UTF-8 must not share an entry.
  const key = createHash('sha256').update(`${VERSION}\0${path.basename(file)}\0`).update(readFileSync(file)).digest('hex');
  const cache = path.join(tmpdir(), 'pipewright-rules', `${key}.json`);
  try {
    return { rules: JSON.parse(readFileSync(cache, 'utf8')) as RulesData, configFile: path.basename(file) };
  } catch {
    // a miss (or a damaged entry): resolve the config properly below
  }
  const { loadConfig } = await import('../config/load.js');
  const { model } = await loadConfig({ cwd: path.dirname(file), config: path.basename(file) });
  try {
    mkdirSync(path.dirname(cache), { recursive: true });
    const tmp = `${cache}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(model.rules));
    renameSync(tmp, cache);
  } catch {
    // a read-only temp dir only costs speed
  }
  return { rules: model.rules, configFile: model.configFile };
}
