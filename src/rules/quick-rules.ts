/**
 * The pre-push hook's cache miss, for the common config that leaves the branch rules and the
 * environments to the defaults (at most `productionBranch` set): the rules from js-yaml and the
 * model's defaultRules alone, without the validator (zod and the schema cost more than the rest of
 * a push). Anything else, including a file that is not clean UTF-8 YAML, is null: the caller
 * loads the config the normal way and reports what is wrong with it.
 */
import yaml from 'js-yaml';
import { defaultRules } from '../model/model.js';
import { firstInvalidUtf8 } from '../config/text.js';
import type { RulesData } from './types.js';

export function quickRules(bytes: Uint8Array): RulesData | null {
  if (firstInvalidUtf8(bytes) >= 0 || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) return null;
  let data: unknown;
  try {
    data = yaml.load(Buffer.from(bytes).toString('utf8'), { schema: yaml.CORE_SCHEMA });
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const c = data as Record<string, unknown>;
  if ('rules' in c || 'environments' in c) return null;
  if (c.productionBranch !== undefined && typeof c.productionBranch !== 'string') return null;
  return defaultRules(c.productionBranch as string | undefined);
}
