/**
 * git's pre-push protocol: one `<local ref> SP <local sha> SP <remote ref> SP <remote sha> LF`
 * line per ref on stdin. Anything else is refused (exit 2) with every bad line named: the hook
 * fails closed, so input it cannot read never lets a push through.
 */
import { UsageError } from '../core/errors.js';
import { ZERO_SHA } from './git.js';

export interface PushUpdate {
  /** 1-based line of stdin, for messages. */
  readonly line: number;
  readonly localRef: string;
  readonly localSha: string;
  readonly remoteRef: string;
  readonly remoteSha: string;
  readonly kind: 'create' | 'update' | 'delete';
}

/** Input the hook cannot read: exit 2, the push refused. */
export class PrePushInputError extends UsageError {
  constructor(problems: readonly string[], hint = FORMAT_HINT) {
    const shown = problems.slice(0, MAX_SHOWN).map((p) => `  ${p}`);
    if (problems.length > MAX_SHOWN) shown.push(`  … and ${problems.length - MAX_SHOWN} more`);
    super(`pipewright hook pre-push: the push is refused: cannot use what git sent on stdin:\n${shown.join('\n')}\n${hint}`);
  }
}

const FORMAT_HINT = 'git sends one line per ref: "<local ref> <local sha> <remote ref> <remote sha>", with full object names (40 or 64 hex digits); if you ran the hook by hand, give it lines of that form';
const MAX_SHOWN = 10;
/** Longer than any line git writes (ref names are file paths: 4,096 bytes at most, twice, plus two object names). */
export const MAX_LINE_BYTES = 8192;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A line as it can be shown in a message: JSON-quoted, cut at 60 characters. */
export function excerpt(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** git check-ref-format's rules for a full ref name (refs/…), which is what a remote ref always is. */
function refProblem(ref: string): string | null {
  if (!ref.startsWith('refs/')) return 'does not start with refs/';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return 'holds a character git never allows in a ref name';
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//') || /(?:^|\/)\./.test(ref) || /(?:\.lock|\/|\.)$/.test(ref)) return 'is not a valid ref name';
  return null;
}

function lineProblem(text: string): string | null {
  const fields = text.split(' ');
  if (fields.length !== 4 || fields.some((f) => f === '')) {
    return `expected 4 fields separated by single spaces, found ${text.split(/\s+/).filter(Boolean).length}`;
  }
  const [localRef, localSha, remoteRef, remoteSha] = fields as [string, string, string, string];
  for (const [what, sha] of [['local sha', localSha], ['remote sha', remoteSha]] as const) {
    if (!SHA.test(sha)) return `the ${what} ${excerpt(sha)} is not a full object name (40 or 64 lowercase hex digits; git never sends short ones)`;
  }
  if (localSha.length !== remoteSha.length) return 'the local and remote shas differ in length (one repository uses one hash)';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(localRef)) return 'the local ref holds a control character';
  if (localRef === '(delete)' && !ZERO_SHA.test(localSha)) return 'a "(delete)" line must have the all-zero local sha';
  const bad = refProblem(remoteRef);
  return bad ? `the remote ref ${excerpt(remoteRef)} ${bad}` : null;
}

/** git's pre-push lines; blank lines are skipped. Throws PrePushInputError naming every bad line. */
export function parsePrePush(input: Uint8Array | string): PushUpdate[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const updates: PushUpdate[] = [];
  const problems: string[] = [];
  let start = 0;
  for (let n = 1; start < bytes.length; n++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const raw = bytes.subarray(start, end);
    start = end + 1;
    if (raw.length > MAX_LINE_BYTES) {
      problems.push(`line ${n}: ${raw.length.toLocaleString('en')} bytes long; a ref update line is at most ${MAX_LINE_BYTES.toLocaleString('en')}`);
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      problems.push(`line ${n}: not UTF-8 text (${excerpt(raw.toString('latin1'))})`);
      continue;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') continue;
    const problem = lineProblem(text);
    if (problem) {
      problems.push(`line ${n}: ${excerpt(text)}: ${problem}`);
      continue;
    }
    const [localRef, localSha, remoteRef, remoteSha] = text.split(' ') as [string, string, string, string];
    const kind = ZERO_SHA.test(localSha) ? 'delete' : ZERO_SHA.test(remoteSha) ? 'create' : 'update';
    updates.push({ line: n, localRef, localSha, remoteRef, remoteSha, kind });
  }
  if (problems.length > 0) throw new PrePushInputError(problems);
  return updates;
}
