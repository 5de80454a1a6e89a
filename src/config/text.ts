/**
 * The bytes of a file we read as text (pipewright.yaml, catalog.yaml, templates) → a string.
 * Strict UTF-8: a byte that is not UTF-8 is refused with its byte offset and line:column (a
 * lenient decoder would turn it into U+FFFD and write that into generated files). A UTF-8 byte
 * order mark is dropped; UTF-16 and UTF-32 are refused with a message saying so.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, UsageError } from '../core/errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

/** The offset of the first byte that does not belong to well-formed UTF-8 (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The sequence length, and the range its second byte must fall in (no overlong forms, no
    // surrogates, nothing above U+10FFFF).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k < n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n;
  }
  return -1;
}

/** Where byte `offset` is, as 1-based line and column (in characters). */
function lineColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  // Everything before the offset is valid UTF-8: count its characters on this line.
  const column = [...UTF8.decode(bytes.subarray(start, offset))].length + 1;
  return { line, column };
}

/** Why `bytes` is not UTF-8 text at all (UTF-16/32), if it is not. */
function otherEncoding(bytes: Uint8Array): string | null {
  const [a, b, c, d] = bytes;
  if (a === 0x00 && b === 0x00 && c === 0xfe && d === 0xff) return 'UTF-32 (big-endian byte order mark)';
  if (a === 0xff && b === 0xfe && c === 0x00 && d === 0x00) return 'UTF-32 (little-endian byte order mark)';
  if (a === 0xfe && b === 0xff) return 'UTF-16 (big-endian byte order mark)';
  if (a === 0xff && b === 0xfe) return 'UTF-16 (little-endian byte order mark)';
  // No mark, but ASCII text in UTF-16 or UTF-32 has a zero byte beside each character.
  if (bytes.length >= 2 && (a === 0x00 || b === 0x00)) return 'UTF-16 or UTF-32 (it starts with a zero byte)';
  return null;
}

/** Decode a file's bytes as UTF-8, or throw a ConfigError naming `shown` and the offending byte. */
export function decodeText(bytes: Uint8Array, shown: string): string {
  const other = otherEncoding(bytes);
  if (other) {
    throw new ConfigError(shown, [{ path: '', message: `is ${other}, not UTF-8`, allowed: 'UTF-8 text: save the file as UTF-8' }]);
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return UTF8.decode(body);
  } catch {
    const at = firstInvalidUtf8(body);
    const offset = at + (body === bytes ? 0 : 3);
    throw new ConfigError(shown, [
      {
        path: '',
        message: `not valid UTF-8: byte ${hex(bytes[offset]!)} at byte offset ${offset}`,
        allowed: 'UTF-8 text',
        ...lineColumn(body, at),
      },
    ]);
  }
}

/** Read a file as strict UTF-8 text (see decodeText); a file that cannot be read is a UsageError. */
export function readText(file: string, shown: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`${shown}: cannot read: ${(e as Error).message}`);
  }
  return decodeText(bytes, shown);
}
