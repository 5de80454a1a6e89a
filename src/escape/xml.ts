/**
 * The one escaping function for XML and HTML text: the SVG of `pipewright graph` and the HTML
 * help (vars/*.txt) of the shared library.
 */

/**
 * A value as XML character data or a double-quoted attribute value. Characters XML 1.0 does not
 * allow at all (control characters, lone surrogates, U+FFFE/U+FFFF) become a space, so the SVG
 * always parses.
 */
export function xmlText(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, ' ')
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
