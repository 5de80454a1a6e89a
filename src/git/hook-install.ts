/**
 * Installing and removing the git `pre-push` hook that runs `pipewright hook pre-push`.
 *
 * Our part of a hook file is one block between two delimiter lines, so it can live in a file of
 * our own, be chained into someone else's hook (husky's `.husky/pre-push`, a hand-written one),
 * and be removed again leaving the rest byte for byte as it was. Rendering and editing the text is
 * pure; `locateHook` asks git (through src/git/git.ts) where hooks live, and `applyHookChange` is
 * the only writer.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { shellQuote } from '../escape/shell.js';
import { writeFileAtomic } from '../write/atomic.js';
import { Git } from './git.js';

export const BLOCK_BEGIN = '# >>> pipewright >>>';
export const BLOCK_END = '# <<< pipewright <<<';
/** The first line inside the block: what `grep` finds in any hook we touched. */
export const HOOK_MARKER = '# pipewright pre-push hook';
/** Printed by the hook when PIPEWRIGHT_SKIP_HOOK=1. */
export const SKIP_WARNING =
  'pipewright: PIPEWRIGHT_SKIP_HOOK=1: branch rules NOT checked for this push; the Jenkins Guard stage will still check it';
/** Printed by the hook when neither node_modules/.bin/pipewright nor pipewright on PATH exists. */
export const NOT_FOUND_MESSAGE =
  'pipewright: pre-push hook: pipewright is not installed (not in node_modules/.bin, not on PATH): run `npm i -D pipewright`, or push with PIPEWRIGHT_SKIP_HOOK=1';

const CREATED_NOTE = 'created by `pipewright hook install`; `pipewright hook uninstall` deletes this file';
const CHAINED_NOTE = 'runs before the rest of this hook; `pipewright hook uninstall` removes this block only';

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

export interface BlockOptions {
  /** Whether the block makes up a file we created (uninstall then deletes the file). */
  readonly created: boolean;
  /** Project directory relative to the work tree root, '' for the root (monorepos: the app's folder). */
  readonly projectDir: string;
  /** `--config` to pass on, relative to the project directory. */
  readonly config?: string;
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
// the block (pure)

/** The shell block. POSIX sh, safe under `sh -e` (husky v9 runs hooks that way). */
export function renderBlock(opts: BlockOptions): string {
  const dir = opts.projectDir ? `"$pw_root"/${shellQuote(opts.projectDir)}` : '$pw_root';
  const config = opts.config ? ` -c ${shellQuote(opts.config)}` : '';
  const lookIn = opts.projectDir
    ? [
        `  if [ -x "$pw_dir/node_modules/.bin/pipewright" ]; then`,
        `    pw_bin=$pw_dir/node_modules/.bin/pipewright`,
        `  elif [ -x "$pw_root/node_modules/.bin/pipewright" ]; then`,
        `    pw_bin=$pw_root/node_modules/.bin/pipewright`,
      ]
    : [`  if [ -x "$pw_dir/node_modules/.bin/pipewright" ]; then`, `    pw_bin=$pw_dir/node_modules/.bin/pipewright`];
  return [
    BLOCK_BEGIN,
    `${HOOK_MARKER}: ${opts.created ? CREATED_NOTE : CHAINED_NOTE}.`,
    '# It checks the pushed refs against the branch rules. To push without the check (the Jenkins',
    '# Guard stage still checks): PIPEWRIGHT_SKIP_HOOK=1 git push',
    'if [ "${PIPEWRIGHT_SKIP_HOOK:-}" = 1 ]; then',
    `  echo ${shellQuote(SKIP_WARNING)} >&2`,
    'else',
    '  pw_root=$(git rev-parse --show-toplevel 2>/dev/null) || pw_root=$PWD',
    `  pw_dir=${dir}`,
    ...lookIn,
    '  elif command -v pipewright >/dev/null 2>&1; then',
    '    pw_bin=pipewright',
    '  else',
    `    echo ${shellQuote(NOT_FOUND_MESSAGE)} >&2`,
    '    exit 1',
    '  fi',
    '  # git writes the pushed refs on stdin, which can be read once: keep a copy for the rest of this hook.',
    '  pw_in=$(mktemp "${TMPDIR:-/tmp}/pipewright-pre-push.XXXXXX") || exit 1',
    `  trap 'rm -f "$pw_in"' EXIT`,
    `  trap 'rm -f "$pw_in"; exit 129' HUP`,
    `  trap 'rm -f "$pw_in"; exit 130' INT`,
    `  trap 'rm -f "$pw_in"; exit 143' TERM`,
    '  cat > "$pw_in"',
    '  pw_status=0',
    `  "$pw_bin" -C "$pw_dir"${config} hook pre-push "$@" < "$pw_in" || pw_status=$?`,
    '  # The rest of the hook reads the same lines. The open descriptor keeps them after the rm, even',
    '  # if that rest ends in `exec`.',
    '  exec < "$pw_in"',
    '  rm -f "$pw_in"',
    '  trap - EXIT HUP INT TERM',
    '  # A refused push stops here: the rest of the hook would run for nothing.',
    '  if [ "$pw_status" -ne 0 ]; then exit "$pw_status"; fi',
    '  unset pw_root pw_dir pw_bin pw_in pw_status',
    'fi',
    BLOCK_END,
    '',
  ].join('\n');
}

/** The whole file we write when there is no hook yet. */
export function renderHookFile(opts: Omit<BlockOptions, 'created'>, shebang = '#!/bin/sh'): string {
  return `${shebang}\n${renderBlock({ ...opts, created: true })}`;
}

export function hasBlock(text: string): boolean {
  return text.split('\n').some((l) => l === BLOCK_BEGIN);
}

interface BlockSpan {
  /** Offsets of the text to cut to remove the block exactly as it was inserted. */
  readonly start: number;
  readonly end: number;
  readonly created: boolean;
}

/** Where our block sits in `text`, or null. A begin line without an end line is an error. */
export function findBlock(text: string, file = 'the hook'): BlockSpan | null {
  let begin = 0;
  if (!text.startsWith(`${BLOCK_BEGIN}\n`)) {
    const i = text.indexOf(`\n${BLOCK_BEGIN}\n`);
    if (i === -1) {
      if (text === BLOCK_BEGIN || text.endsWith(`\n${BLOCK_BEGIN}`)) throw damaged(file);
      return null;
    }
    begin = i + 1;
  }
  const endLine = text.indexOf(`\n${BLOCK_END}`, begin);
  if (endLine === -1) throw damaged(file);
  const afterEnd = endLine + 1 + BLOCK_END.length;
  const created = text.slice(begin, endLine).includes(`${HOOK_MARKER}: ${CREATED_NOTE}`);
  if (text[afterEnd] === '\n') return { start: begin, end: afterEnd + 1, created };
  if (afterEnd === text.length) {
    // Inserted after a shebang that had no newline: the newline we added goes too.
    return { start: Math.max(0, begin - 1), end: afterEnd, created };
  }
  throw damaged(file);
}

const damaged = (file: string) =>
  new UsageError(`${file}: has a \`${BLOCK_BEGIN}\` line without a matching \`${BLOCK_END}\` line: fix or delete that part by hand, then run this again`);

/**
 * Insert our block into someone else's hook: right after its shebang (kept as it is), so ours runs
 * first and the rest of the file runs after it with the same stdin. Reversible byte for byte.
 */
export function chainBlock(existing: string, block: string): string {
  if (!existing.startsWith('#!')) return block + existing;
  const nl = existing.indexOf('\n');
  if (nl === -1) return `${existing}\n${block.replace(/\n$/, '')}`;
  return existing.slice(0, nl + 1) + block + existing.slice(nl + 1);
}

/** `text` with our block replaced by `block` (same place, so a re-install only refreshes it). */
export function replaceBlock(text: string, block: string, file?: string): string {
  const span = findBlock(text, file);
  if (!span) return text;
  const atEof = span.end === text.length && !text.endsWith('\n');
  const replacement = atEof ? `\n${block.replace(/\n$/, '')}` : block;
  return text.slice(0, span.start) + replacement + text.slice(span.end);
}

/** `text` without our block, and whether the file is then ours to delete. */
export function removeBlock(text: string, file?: string): { text: string; found: boolean; deleteFile: boolean } {
  const span = findBlock(text, file);
  if (!span) return { text, found: false, deleteFile: false };
  const rest = text.slice(0, span.start) + text.slice(span.end);
  const onlyShebang = rest.split('\n').every((l, i) => l.trim() === '' || (i === 0 && l.startsWith('#!')));
  return { text: rest, found: true, deleteFile: span.created && onlyShebang };
}

// ---------------------------------------------------------------------------------------------
// lefthook

/** The lefthook.yml entry that runs pipewright, for repositories whose pre-push hook lefthook owns. */
export function lefthookSnippet(opts: Omit<BlockOptions, 'created'>): string {
  const flags = `${opts.projectDir ? ` -C ${shellQuote(opts.projectDir)}` : ''}${opts.config ? ` -c ${shellQuote(opts.config)}` : ''}`;
  return [
    'pre-push:',
    '  commands:',
    '    pipewright:',
    '      # git passes the pushed refs on stdin: without use_stdin lefthook keeps them from pipewright.',
    '      use_stdin: true',
    '      run: >-',
    `        if [ "\${PIPEWRIGHT_SKIP_HOOK:-}" = 1 ]; then echo ${shellQuote(SKIP_WARNING)} >&2;`,
    `        else npx --no-install pipewright${flags} hook pre-push {1} {2}; fi`,
    '',
  ].join('\n');
}

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
