/**
 * Text for the two graph renderers: a font-free estimate of how wide a line of sans-serif text is (Mermaid labels are escaped by escape/mermaid.ts, XML/SVG text by escape/xml.ts).
 */


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
