/** What `init` reads from git, and the branches it creates: the repository side of init, through the Git adapter. */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { Git } from '../git/git.js';
import { defaultBranch, mainRemote, type DefaultBranch } from '../git/default-branch.js';
import { defaultEnvironments } from '../core/defaults.js';
import type { BranchRefs, BranchResult } from './plan.js';

/** The repository init runs in, and what it says about its production branch. */
export interface RepositoryFacts {
  readonly git: Git;
  /** The work tree's root, symlinks resolved. */
  readonly top: string;
  /** HEAD's commit; null in a repository without commits. */
  readonly head: string | null;
  /** The checked-out branch; null on a detached HEAD. */
  readonly headBranch: string | null;
  readonly remote: string | null;
  readonly detected: DefaultBranch | null;
  /** Both exist locally and nothing else tells them apart. */
  readonly bothMainAndMaster: boolean;
}

export const posix = (p: string): string => p.split(path.sep).join('/');

export function refSha(git: Git, ref: string): string | null {
  return git.test(['show-ref', '--verify', '--quiet', ref]) ? git.run(['rev-parse', ref]) : null;
}

/** The repository of `cwd`; a UsageError outside one, or (when branches are wanted) without a commit. */
export function readRepository(cwd: string, wantBranches: boolean): RepositoryFacts {
  const git = new Git(cwd);
  let top: string;
  try {
    top = realpathSync(git.run(['rev-parse', '--show-toplevel']));
  } catch (e) {
    if (e instanceof UsageError) throw e; // git itself is missing
    throw new UsageError(
      `pipewright init: ${cwd} is not in a git repository: run \`git init && git add -A && git commit -m "Initial commit"\` there first, or pass -C <repository>`,
    );
  }
  const head = git.test(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']) ? git.run(['rev-parse', 'HEAD']) : null;
  if (head === null && wantBranches) {
    throw new UsageError(
      'pipewright init: this repository has no commits yet, so the branches have nothing to start from: ' +
        'commit your app first (git add -A && git commit -m "Initial commit"), or pass --no-branches',
    );
  }
  const headBranch = git.test(['symbolic-ref', '--quiet', 'HEAD']) ? git.run(['symbolic-ref', '--short', 'HEAD']) : null;
  const remote = mainRemote(git);
  // develop and staging are never the production branch, even where the remote's HEAD is develop.
  const detected = defaultBranch(git, remote, defaultEnvironments().filter((e) => !e.production).map((e) => e.branch));
  const bothMainAndMaster = detected === null && ['main', 'master'].every((b) => refSha(git, `refs/heads/${b}`) !== null);
  return { git, top, head, headBranch, remote, detected, bothMainAndMaster };
}

/** Each branch's local commit, and its remote-tracking commit when there is a remote. */
export function branchRefs(git: Git, names: readonly string[], remote: string | null): BranchRefs {
  const refs = new Map<string, { local: string | null; tracking: string | null }>();
  for (const name of names) {
    const local = refSha(git, `refs/heads/${name}`);
    refs.set(name, { local, tracking: local === null && remote ? refSha(git, `refs/remotes/${remote}/${name}`) : null });
  }
  return refs;
}

/** `git branch` for each planned branch: the working tree and the current branch are untouched. */
export function createBranches(git: Git, branches: readonly BranchResult[]): void {
  for (const b of branches) {
    if (b.action !== 'created') continue;
    git.run(b.from === 'HEAD' ? ['branch', '--no-track', '--', b.name, b.commit] : ['branch', '--track', '--', b.name, b.from!]);
  }
}

export function remoteUrl(git: Git, remote: string | null): string | null {
  return remote && git.test(['remote', 'get-url', remote]) ? git.run(['remote', 'get-url', remote]) : null;
}

/** `git status` of the directory (untracked files one by one), with every path each line names. */
export function statusLines(git: Git): { line: string; paths: string[] }[] {
  const fields = git.run(['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']).split('\0');
  const out: { line: string; paths: string[] }[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    const xy = f.slice(0, 2);
    const paths = [f.slice(3)];
    // A rename or copy names its source in the next field.
    if (xy[0] === 'R' || xy[0] === 'C') paths.push(fields[++i] ?? '');
    out.push({ line: `${xy} ${paths[0]}${paths[1] ? ` (from ${paths[1]})` : ''}`, paths });
  }
  return out;
}

/**
 * init's own paths that git does not have as they are, relative to where init ran. A folder in
 * which every change is init's own is named once (kustomize, not each of its files).
 */
export function toCommit(git: Git, owned: ReadonlySet<string>, top: string, cwd: string): string[] {
  const changed = statusLines(git).flatMap((s) => s.paths).map((p) => ({ p, rel: posix(path.relative(cwd, path.join(top, p))) }));
  const foreignFolders = new Set(changed.filter(({ p }) => !owned.has(p)).map(({ rel }) => rel.split('/')[0]));
  const paths = new Set<string>();
  for (const { p, rel } of changed) {
    if (!owned.has(p)) continue;
    const [folder, ...rest] = rel.split('/');
    paths.add(rest.length > 0 && folder !== '..' && !foreignFolders.has(folder) ? folder! : rel);
  }
  return [...paths].sort();
}
