/**
 * The repository's default branch, which is usually its production branch (`main` or `master`),
 * and how it was found. `init` writes it into the config; `lint` checks the config against it.
 */
import type { Git } from './git.js';

/** The usual names of a repository's default branch, in the order init prefers them. */
export const USUAL_DEFAULT_BRANCHES = ['main', 'master'] as const;

export interface DefaultBranch {
  readonly branch: string;
  /**
   * remote-head: the remote's HEAD (refs/remotes/<remote>/HEAD, set by clone or `git remote set-head`);
   * current: HEAD's branch, main or master; only-local: the only one of main and master that exists locally.
   */
  readonly source: 'remote-head' | 'current' | 'only-local';
  /** Where it came from, in words, for config comments and messages. */
  readonly from: string;
}

/** The remote branches come from: origin, else the only (or first) one; null without remotes. */
export function mainRemote(git: Git): string | null {
  const remotes = git.run(['remote']).split('\n').filter(Boolean);
  return remotes.includes('origin') ? 'origin' : (remotes.sort()[0] ?? null);
}

/**
 * The default branch: the remote's HEAD first, else HEAD's branch when it is main or master,
 * else whichever of main and master exists locally; null when none of these says (or both
 * main and master exist and nothing else decides). `skip` names branches that cannot be the
 * production branch (develop, staging): a remote HEAD pointing at one of them is passed over.
 */
export function defaultBranch(git: Git, remote: string | null, skip: readonly string[] = []): DefaultBranch | null {
  if (remote) {
    const prefix = `refs/remotes/${remote}/`;
    const target = git.run(['for-each-ref', '--format=%(symref)', `${prefix}HEAD`]);
    if (target.startsWith(prefix)) {
      const branch = target.slice(prefix.length);
      if (branch && branch !== 'HEAD' && !skip.includes(branch)) {
        return { branch, source: 'remote-head', from: `${remote}/HEAD, which points at ${remote}/${branch}` };
      }
    }
  }
  const current = git.test(['symbolic-ref', '--quiet', 'HEAD']) ? git.run(['symbolic-ref', 'HEAD']) : '';
  const head = current.startsWith('refs/heads/') ? current.slice('refs/heads/'.length) : null;
  if (head !== null && (USUAL_DEFAULT_BRANCHES as readonly string[]).includes(head)) {
    return { branch: head, source: 'current', from: `the current branch, ${head}` };
  }
  const local = USUAL_DEFAULT_BRANCHES.filter((b) => git.test(['show-ref', '--verify', '--quiet', `refs/heads/${b}`]));
  if (local.length === 1) {
    const other = USUAL_DEFAULT_BRANCHES.find((b) => b !== local[0])!;
    return { branch: local[0]!, source: 'only-local', from: `the local branch ${local[0]} (there is no ${other})` };
  }
  return null;
}
