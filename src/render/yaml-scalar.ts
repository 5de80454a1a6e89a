/**
 * THE place that turns a string into a YAML scalar for generated manifests.
 *
 * kubectl reads YAML 1.1 (where `yes`, `on`, `0755`, `2024-01-01` are not strings) and our own
 * tooling reads YAML 1.2, so a value is left plain only when it means the same string under
 * both; everything else becomes a double-quoted scalar with every non-printable-ASCII character
 * escaped, which both versions read back byte for byte.
 */
const PLAIN = /^(?:[A-Za-z/][A-Za-z0-9._/-]*|[0-9]+(?:\.[0-9]+)?[A-Za-z]+)$/;
const YAML11_WORDS = /^(?:y|n|yes|no|true|false|on|off|null)$/i;

export function yamlScalar(value: string): string {
  if (PLAIN.test(value) && !YAML11_WORDS.test(value)) return value;
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
