/**
 * Text for the two graph renderers: the one escaping function for Mermaid labels, and a font-free
 * estimate of how wide a line of sans-serif text is (XML/SVG text is escaped by ../xml-text.ts).
 */

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

/**
 * Advance widths (in em) of a wide sans-serif (DejaVu Sans, the widest common default), so the
 * estimate errs on the wide side for the narrower fonts a browser picks for `sans-serif`.
 */
const NARROW = new Set([...'ijl.,:;\'|!`']);
const THIN = new Set([...'frtI()[]{}/\\- ·"']);
const WIDE = new Set([...'mwMW@%→≠…']);

/** Estimated width in px of `text` at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const c of text) {
    if (NARROW.has(c)) em += 0.3;
    else if (THIN.has(c)) em += 0.4;
    else if (WIDE.has(c)) em += 0.92;
    else if (c >= 'A' && c <= 'Z') em += 0.72;
    else em += 0.62;
  }
  return em * size * (bold ? 1.1 : 1);
}

/** `text`, cut with an ellipsis to fit `max` px; `cut` tells whether it was. */
export function fitText(text: string, size: number, max: number, bold = false): { text: string; cut: boolean } {
  if (textWidth(text, size, bold) <= max) return { text, cut: false };
  const chars = [...text];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, size, bold) > max) chars.pop();
  return { text: `${chars.join('')}…`, cut: true };
}
