import { createHash } from 'node:crypto';

/** `sha256:<hex>` of a string's UTF-8 bytes (or of raw bytes read from disk). */
export function hashContents(contents: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(contents).digest('hex')}`;
}
