/** THE one escaping function for Mermaid labels (`pipewright graph --format mermaid`). */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Words that make Mermaid rewrite a whole line before parsing: its entity pre-pass drops the last
 * `;` of any line matching `style.*:\S*#.*;` or `classDef.*:\S*#.*;` (meant for `style x fill:#f00;`),
 * and a label holding such a word, a colon and an entity then shows `#60` where it meant `<`.
 */
const LINE_REWRITE_WORDS = /s(?=tyle)|c(?=lassDef)/g;

/**
 * A value as the text of a double-quoted Mermaid label (`id["…"]`, `-->|"…"|`, a subgraph title).
 * Every character Mermaid or the HTML it renders into could read as syntax becomes an entity code
 * (`#34;`), which Mermaid decodes back to the character for display: `"` would end the label, `#…;`
 * is Mermaid's own entity syntax, `<`, `>` and `&` would be HTML, `` ` `` starts a Markdown string,
 * `|` delimits an edge label. Control characters (a newline would end the statement) become spaces.
 * The first letter of `style` and `classDef` becomes an entity too (LINE_REWRITE_WORDS), so no line
 * of ours matches Mermaid's line rewrite.
 */
export function mermaidText(value: string): string {
  return value
    .replace(CONTROL, ' ')
    .replace(/["#&<>`|]/g, (c) => `#${c.charCodeAt(0)};`)
    .replace(LINE_REWRITE_WORDS, (c) => `#${c.charCodeAt(0)};`);
}
