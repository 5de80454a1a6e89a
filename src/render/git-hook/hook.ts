/**
 * The pre-push hook's text: our block (between two delimiter lines, so it can live in a file of our
 * own or be chained into someone else's hook and removed again byte for byte), the edits that put it
 * in and take it out, and lefthook's entry. Pure: git/hook-install.ts finds the file and writes it.
 * Text comes from the mustache templates below; every value in them is a shell word made by
 * escape/shell.ts.
 */
import Mustache from 'mustache';
import { UsageError } from '../../core/errors.js';
import { shellQuote } from '../../escape/shell.js';

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

export interface BlockOptions {
  /** Whether the block makes up a file we created (uninstall then deletes the file). */
  readonly created: boolean;
  /** Project directory relative to the work tree root, '' for the root (monorepos: the app's folder). */
  readonly projectDir: string;
  /** `--config` to pass on, relative to the project directory. */
  readonly config?: string;
}

/** The shell block. POSIX sh, safe under `sh -e` (husky v9 runs hooks that way). */
const BLOCK = `{{begin}}
{{marker}}: {{note}}.
# It checks the pushed refs against the branch rules. To push without the check (the Jenkins
# Guard stage still checks): PIPEWRIGHT_SKIP_HOOK=1 git push
if [ "\${PIPEWRIGHT_SKIP_HOOK:-}" = 1 ]; then
  echo {{skipWarning}} >&2
else
  pw_root=$(git rev-parse --show-toplevel 2>/dev/null) || pw_root=$PWD
  pw_dir={{dir}}
  if [ -x "$pw_dir/node_modules/.bin/pipewright" ]; then
    pw_bin=$pw_dir/node_modules/.bin/pipewright
{{#inProject}}
  elif [ -x "$pw_root/node_modules/.bin/pipewright" ]; then
    pw_bin=$pw_root/node_modules/.bin/pipewright
{{/inProject}}
  elif command -v pipewright >/dev/null 2>&1; then
    pw_bin=pipewright
  else
    echo {{notFound}} >&2
    exit 1
  fi
  # git writes the pushed refs on stdin, which can be read once: keep a copy for the rest of this hook.
  pw_in=$(mktemp "\${TMPDIR:-/tmp}/pipewright-pre-push.XXXXXX") || exit 1
  trap 'rm -f "$pw_in"' EXIT
  trap 'rm -f "$pw_in"; exit 129' HUP
  trap 'rm -f "$pw_in"; exit 130' INT
  trap 'rm -f "$pw_in"; exit 143' TERM
  cat > "$pw_in"
  pw_status=0
  "$pw_bin" -C "$pw_dir"{{configFlag}} hook pre-push "$@" < "$pw_in" || pw_status=$?
  # The rest of the hook reads the same lines. The open descriptor keeps them after the rm, even
  # if that rest ends in \`exec\`.
  exec < "$pw_in"
  rm -f "$pw_in"
  trap - EXIT HUP INT TERM
  # A refused push stops here: the rest of the hook would run for nothing.
  if [ "$pw_status" -ne 0 ]; then exit "$pw_status"; fi
  unset pw_root pw_dir pw_bin pw_in pw_status
fi
{{end}}
`;

/** Mustache with HTML escaping off: every value is already a shell word or a fixed line of ours. */
const render = (template: string, view: object): string => Mustache.render(template, view, {}, { escape: (s: string) => s });

export function renderBlock(opts: BlockOptions): string {
  return render(BLOCK, {
    begin: BLOCK_BEGIN,
    end: BLOCK_END,
    marker: HOOK_MARKER,
    note: opts.created ? CREATED_NOTE : CHAINED_NOTE,
    skipWarning: shellQuote(SKIP_WARNING),
    notFound: shellQuote(NOT_FOUND_MESSAGE),
    dir: opts.projectDir ? `"$pw_root"/${shellQuote(opts.projectDir)}` : '$pw_root',
    inProject: Boolean(opts.projectDir),
    configFlag: opts.config ? ` -c ${shellQuote(opts.config)}` : '',
  });
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

/** The lefthook.yml entry that runs pipewright, for repositories whose pre-push hook lefthook owns. */
const LEFTHOOK = `pre-push:
  commands:
    pipewright:
      # git passes the pushed refs on stdin: without use_stdin lefthook keeps them from pipewright.
      use_stdin: true
      run: >-
        if [ "\${PIPEWRIGHT_SKIP_HOOK:-}" = 1 ]; then echo {{skipWarning}} >&2;
        else npx --no-install pipewright{{flags}} hook pre-push {1} {2}; fi
`;

export function lefthookSnippet(opts: Omit<BlockOptions, 'created'>): string {
  const flags = `${opts.projectDir ? ` -C ${shellQuote(opts.projectDir)}` : ''}${opts.config ? ` -c ${shellQuote(opts.config)}` : ''}`;
  return render(LEFTHOOK, { skipWarning: shellQuote(SKIP_WARNING), flags });
}
