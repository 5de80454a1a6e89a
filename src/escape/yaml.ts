/**
 * THE place that turns strings into YAML for generated files: `yamlScalar` for one value in a
 * template, `dumpYaml` for a whole document (js-yaml with the one set of output options).
 *
 * Every string we write must read back as the same string under YAML 1.1 (kubectl's go-yaml,
 * PyYAML: `yes`, `on`, `0755`, `0x_1F`, `1:20`, `2024-01-01`, `=`, `<<` are not strings there)
 * and YAML 1.2 (js-yaml, kustomize's kyaml: `0o17`, `1e3`, `.inf`). Rather than list every
 * trap, a string is written plain only when it has one of two shapes, checked below; everything
 * else is quoted, which both versions read as a string:
 *   - a name: a letter or `/` first, then letters, digits, `.`, `_`, `/` and `-` (hello-flask,
 *     /healthz, eu-west-1, pipewright.dev/agent); but not a YAML 1.1 boolean or null word (y, n,
 *     yes, no, true, false, on, off, null, in any case);
 *   - a Kubernetes quantity: digits, an optional decimal part, one suffix (250m, 1.5Gi, 768Mi).
 */
import yaml from 'js-yaml';
import { isPlainSafe } from './yaml-plain.js';

export { isPlainSafe };

/**
 * One string as a one-line YAML scalar for a template: plain when isPlainSafe, otherwise
 * double-quoted with every character outside printable ASCII escaped (so no line break, BOM or
 * YAML 1.1-only break such as U+0085 or U+2028 is ever written raw).
 */
export function yamlScalar(value: string): string {
  if (isPlainSafe(value)) return value;
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/**
 * js-yaml quotes a string only when its own YAML 1.2 schema (plus a few 1.1 words) would read it
 * as something else, so `1_000`, `0x_1F` or `+.5` would go out plain and come back as numbers
 * under YAML 1.1. This implicit type claims every string that is not isPlainSafe: js-yaml then
 * quotes it (single quotes, double with escapes where needed, or a block scalar for several
 * lines). It is only ever used to dump, never to load.
 */
const NOT_PLAIN = new yaml.Type('tag:pipewright.dev,2025:not-plain', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && !isPlainSafe(data),
});

/** All YAML output options, in one place. */
const DUMP_OPTIONS: yaml.DumpOptions = {
  schema: yaml.DEFAULT_SCHEMA.extend({ implicit: [NOT_PLAIN] }),
  lineWidth: -1,
  noRefs: true,
  sortKeys: false,
};

/** A whole YAML document (ending in a newline), every string in it safe under YAML 1.1 and 1.2. */
export function dumpYaml(doc: unknown): string {
  return yaml.dump(doc, DUMP_OPTIONS);
}
