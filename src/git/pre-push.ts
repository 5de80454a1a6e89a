/** git's pre-push protocol: `<local ref> <local sha> <remote ref> <remote sha>` lines on stdin. */
import { ZERO_SHA } from './git.js';

export interface PushUpdate {
  readonly localRef: string;
  readonly localSha: string;
  readonly remoteRef: string;
  readonly remoteSha: string;
  readonly kind: 'create' | 'update' | 'delete';
}

export function parsePrePush(input: string): PushUpdate[] {
  return input
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const parts = line.split(/\s+/);
      if (parts.length !== 4) throw new Error(`pre-push: cannot read the line "${line}" (expected <local ref> <local sha> <remote ref> <remote sha>)`);
      const [localRef, localSha, remoteRef, remoteSha] = parts as [string, string, string, string];
      const kind = ZERO_SHA.test(localSha) ? 'delete' : ZERO_SHA.test(remoteSha) ? 'create' : 'update';
      return { localRef, localSha, remoteRef, remoteSha, kind };
    });
}
