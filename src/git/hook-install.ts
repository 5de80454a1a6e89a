/**
 * Installing and removing the git `pre-push` hook that runs `pipewright hook pre-push`.
 *
 * Our part of a hook file is one block between two delimiter lines (rendered and edited by the
 * pure render/git-hook/hook.ts); `locateHook` asks git (through src/git/git.ts) where hooks live,
 * and `applyHookChange` is the only writer.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { writeFileAtomic } from '../write/atomic.js';
import { Git } from './git.js';
import { chainBlock, findBlock, hasBlock, lefthookSnippet, removeBlock, renderBlock, renderHookFile, replaceBlock } from '../render/git-hook/hook.js';


/** Config file names lefthook reads, in its own order of preference. */
export const LEFTHOOK_CONFIGS = [
  'lefthook.yml',
  '.lefthook.yml',
  'lefthook.yaml',
  '.lefthook.yaml',
  '.config/lefthook.yml',
  '.config/lefthook.yaml',
  'lefthook.toml',
  '.lefthook.toml',
  'lefthook.json',
  '.lefthook.json',
] as const;

export type HookManager = 'git' | 'husky' | 'lefthook';

export interface HookLocation {
  /** The work tree root. */
  readonly root: string;
  /** Where git looks for hooks (core.hooksPath, or `git rev-parse --git-path hooks`). Absolute. */
  readonly hooksDir: string;
  /** The file pipewright edits. For husky v9 this is `.husky/pre-push`, not the generated `.husky/_/pre-push`. Absolute. */
  readonly file: string;
  /** Who owns the hook: plain git, husky (we edit its user file), or lefthook (we do not edit its generated hook). */
  readonly manager: HookManager;
  /** The lefthook config file found in the root (relative to it), if any. */
  readonly lefthookConfig: string | null;
  /** The directory pipewright should run in, relative to the root ('' when it is the root). */
  readonly projectDir: string;
}


// ---------------------------------------------------------------------------------------------
// git

/** git's stdout, or null when it fails (an unset config key, not a repository…). */
function git(cwd: string, args: string[]): string | null {
  try {
    return new Git(cwd).run(args);
  } catch (e) {
    if (e instanceof UsageError) throw e; // git itself is missing
    return null;
  }
}

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

const posix = (p: string): string => p.split(path.sep).join('/');

/** Where the pre-push hook of the repository containing `cwd` lives, and who manages it. */
export function locateHook(cwd: string): HookLocation {
  if (!existsSync(cwd)) throw new UsageError(`${cwd}: no such directory`);
  if (git(cwd, ['rev-parse', '--git-dir']) === null) {
    throw new UsageError('not a git repository: run `git init` first, or run pipewright inside the repository');
  }
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top) {
    throw new UsageError(`${cwd} is not inside a work tree (a bare repository, or inside .git): run pipewright in the repository's checkout`);
  }
  const root = real(top);
  const projectDir = posix(path.relative(root, real(cwd)));

  const configured = git(cwd, ['config', '--type=path', '--get', 'core.hooksPath']);
  let hooksDir: string;
  if (configured) {
    // A relative core.hooksPath is relative to where hooks run: the work tree root.
    hooksDir = path.resolve(root, configured);
  } else {
    const gp = git(cwd, ['rev-parse', '--git-path', 'hooks']);
    if (!gp) throw new UsageError('cannot find the git hooks directory: `git rev-parse --git-path hooks` failed');
    hooksDir = path.resolve(cwd, gp);
  }

  const lefthookConfig = LEFTHOOK_CONFIGS.find((n) => existsSync(path.join(root, n))) ?? null;
  const husky = huskyHookFile(root, hooksDir);
  if (husky) return { root, hooksDir, file: husky, manager: 'husky', lefthookConfig, projectDir };

  const file = path.join(hooksDir, 'pre-push');
  const generatedByLefthook = existsSync(file) && /lefthook/i.test(readText(file) ?? '') && !hasBlock(readText(file) ?? '');
  const manager: HookManager = lefthookConfig !== null || generatedByLefthook ? 'lefthook' : 'git';
  return { root, hooksDir, file, manager, lefthookConfig, projectDir };
}

/**
 * husky's user-owned pre-push file when core.hooksPath points at husky: v9 sets it to `.husky/_`
 * (generated wrappers, rewritten by `husky`, that run `.husky/pre-push` with `sh -e`); v4–8 set
 * it to `.husky`, whose `pre-push` git runs directly.
 */
function huskyHookFile(root: string, hooksDir: string): string | null {
  const rel = posix(path.relative(root, hooksDir));
  if (path.basename(hooksDir) === '_' && (existsSync(path.join(hooksDir, 'h')) || rel === '.husky/_')) {
    return path.join(path.dirname(hooksDir), 'pre-push');
  }
  if (rel === '.husky' || existsSync(path.join(hooksDir, '_', 'husky.sh'))) return path.join(hooksDir, 'pre-push');
  return null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// lefthook


/** Whether a lefthook config already runs `pipewright hook pre-push`. */
export function lefthookRunsPipewright(root: string, config: string | null): boolean {
  if (!config) return false;
  return /pipewright\b[^\n]*\bhook pre-push/.test(readText(path.join(root, config)) ?? '');
}

// ---------------------------------------------------------------------------------------------
// plans

export type InstallAction = 'installed' | 'unchanged' | 'chained' | 'lefthook-snippet';
export type UninstallAction = 'removed' | 'absent';

export interface HookChange<A extends string> {
  readonly action: A;
  readonly location: HookLocation;
  /** The file's new contents; null: delete it; undefined: leave it alone. */
  readonly contents?: string | null;
  readonly mode?: number;
  /** For lefthook: the lefthook.yml entry to add. */
  readonly snippet?: string;
  /** Install only: our block was there already, in an older form, and is brought up to date. */
  readonly refreshed?: boolean;
}

export interface InstallOptions {
  readonly force?: boolean;
  readonly config?: string;
}

function refuseSymlink(file: string): void {
  try {
    if (lstatSync(file).isSymbolicLink()) {
      throw new UsageError(
        `${file} is a symbolic link (to ${readlinkSync(file)}), probably a hook shared with other repositories: ` +
          'pipewright will not edit it. Add `pipewright hook pre-push "$@"` to it yourself, or replace the link with a file',
      );
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
}

/** What `hook install` would do, without doing it. */
export function planInstall(loc: HookLocation, opts: InstallOptions = {}): HookChange<InstallAction> {
  const base = { projectDir: loc.projectDir, ...(opts.config && { config: opts.config }) };
  refuseSymlink(loc.file);
  const existing = readText(loc.file);

  if (existing !== null && hasBlock(existing)) {
    const created = findBlock(existing, loc.file)!.created;
    const contents = replaceBlock(existing, renderBlock({ ...base, created }), loc.file);
    const mode = modeOf(loc.file) | 0o111;
    if (contents === existing && mode === modeOf(loc.file)) return { action: 'unchanged', location: loc };
    return { action: created ? 'installed' : 'chained', location: loc, contents, mode, refreshed: true };
  }

  if (loc.manager === 'lefthook' && !opts.force) {
    const action = lefthookRunsPipewright(loc.root, loc.lefthookConfig) ? 'unchanged' : 'lefthook-snippet';
    return { action, location: loc, snippet: lefthookSnippet(base) };
  }

  if (existing === null) {
    const shebang = loc.manager === 'husky' ? '#!/usr/bin/env sh' : '#!/bin/sh';
    return { action: 'installed', location: loc, contents: renderHookFile(base, shebang), mode: 0o755 };
  }
  return {
    action: 'chained',
    location: loc,
    contents: chainBlock(existing, renderBlock({ ...base, created: false })),
    mode: modeOf(loc.file) | 0o111,
  };
}

/** What `hook uninstall` would do, without doing it. */
export function planUninstall(loc: HookLocation): HookChange<UninstallAction> {
  refuseSymlink(loc.file);
  const existing = readText(loc.file);
  if (existing === null) return { action: 'absent', location: loc };
  const removed = removeBlock(existing, loc.file);
  if (!removed.found) return { action: 'absent', location: loc };
  return { action: 'removed', location: loc, contents: removed.deleteFile ? null : removed.text, mode: modeOf(loc.file) };
}

function modeOf(file: string): number {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return 0o755;
  }
}

/** Carry out a planned change. The only function here that writes. */
export async function applyHookChange(change: HookChange<string>): Promise<void> {
  if (change.contents === undefined) return;
  if (change.contents === null) {
    await unlink(change.location.file);
    return;
  }
  await writeFileAtomic(change.location.file, change.contents, change.mode ?? 0o755);
}
