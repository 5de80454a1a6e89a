/** THE only place that turns a value into a POSIX shell word (generated scripts, hook text, commands shown to users). */

/** A POSIX shell word that the shell reads back as exactly `s`. Plain when it is safe to be. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
