/**
 * The pre-push hook's cache miss, for the common config that leaves the branch rules and the
 * environments to the defaults (at most `productionBranch` set): the rules from the model's
 * defaultRules, without the validator (zod and the schema cost more than the rest of a push).
 *
 * First a scan of the top-level lines (no parser at all), which answers only for a plain block
 * mapping of simple keys at column 0, as `init` writes it; for anything it is not sure of, js-yaml.
 * Anything that is not such a config, including a file that is not clean UTF-8 YAML, is null: the
 * caller loads the config the normal way and reports what is wrong with it.
 */
import { defaultRules } from '../model/model.js';
import { firstInvalidUtf8 } from '../config/text.js';
import { isPlainSafe } from '../escape/yaml-plain.js';
import type { RulesData } from './types.js';

/** The keys that move the rules off the defaults. */
const RULE_KEYS = ['rules', 'environments'];
const TOP_KEY = /^([A-Za-z][A-Za-z0-9_-]*):(?:[ \t]+(.*))?$/;

/**
 * The top-level keys and productionBranch's plain value of a block mapping whose keys all sit at
 * column 0 as `key:`; null at the first line it is not sure of (an indented or flow root, quoted
 * or explicit keys, anchors, merges, directives, a second document, tabs, a quote left open,
 * a flow collection or block scalar as a top-level value).
 */
export function scanTopLevel(text: string): { keys: Set<string>; productionBranch?: string } | null {
  const keys = new Set<string>();
  let productionBranch: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (/^[ ]*(#.*)?$/.test(line)) continue;
    if (line.startsWith(' ')) {
      if (keys.size === 0) return null; // an indented root
      continue;
    }
    const m = TOP_KEY.exec(line);
    if (!m || keys.has(m[1]!)) return null;
    const value = (m[2] ?? '').replace(/[ \t]+#.*$/, '').trim();
    // A quoted value left open could run over lines that look like keys; a flow collection, an
    // anchor, alias, tag or block scalar at the top is not what init writes: the parser decides.
    if (/^["']/.test(value) && !(value.length > 1 && value.endsWith(value[0]!))) return null;
    if (/^[[\]{}&*!|>%@`]/.test(value)) return null;
    keys.add(m[1]!);
    if (m[1] === 'productionBranch') {
      if (!isPlainSafe(value)) return null; // a plain scalar that YAML reads as this very string
      productionBranch = value;
    }
  }
  return keys.size > 0 ? { keys, ...(productionBranch !== undefined && { productionBranch }) } : null;
}

export async function quickRules(bytes: Uint8Array): Promise<RulesData | null> {
  if (firstInvalidUtf8(bytes) >= 0 || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) return null;
  const text = Buffer.from(bytes).toString('utf8');
  const scanned = scanTopLevel(text);
  if (scanned) return RULE_KEYS.some((k) => scanned.keys.has(k)) ? null : defaultRules(scanned.productionBranch);
  return quickRulesParsed(text);
}

/** The same question through js-yaml, for a config the scan is not sure of. */
export async function quickRulesParsed(text: string): Promise<RulesData | null> {
  const { default: yaml } = await import('js-yaml');
  let data: unknown;
  try {
    data = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const c = data as Record<string, unknown>;
  if (RULE_KEYS.some((k) => k in c)) return null;
  if (c.productionBranch !== undefined && typeof c.productionBranch !== 'string') return null;
  return defaultRules(c.productionBranch as string | undefined);
}
