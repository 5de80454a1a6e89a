/**
 * `pipewright hook install`: put a pre-push hook in place that runs `pipewright hook pre-push`.
 * Chains into an existing hook (never clobbers it), edits husky's `.husky/pre-push`, and for
 * lefthook prints the lefthook.yml entry instead of editing a hook lefthook rewrites.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_NAMES } from '../config/load.js';
import { applyHookChange, locateHook, planInstall, type HookChange, type HookLocation, type InstallAction } from '../git/hook-install.js';
import { processIo, type Io } from '../core/io.js';
import type { CommonOptions } from './common.js';

export interface HookInstallOptions extends CommonOptions {
  /** With lefthook: chain into its generated hook anyway instead of printing the lefthook.yml entry. */
  readonly force?: boolean;
  /** Print what would be written; write nothing. */
  readonly dryRun?: boolean;
}

/** The --json report of install and uninstall: where the hook is, what was done, `extra`, and in a dry run the contents. */
export function hookJson(loc: HookLocation, change: HookChange<string>, dryRun: boolean, extra: Record<string, unknown>): string {
  const report = {
    hooksDir: loc.hooksDir,
    file: loc.file,
    action: change.action,
    manager: loc.manager,
    ...extra,
    ...(dryRun && { dryRun: true, ...(change.contents != null && { contents: change.contents }) }),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** A path as the user thinks of it: relative to the work tree root when inside it. */
export function shownPath(loc: HookLocation, p: string): string {
  const rel = path.relative(loc.root, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p;
}

export async function run(opts: HookInstallOptions, io: Io = processIo): Promise<number> {
  const loc = locateHook(opts.cwd);
  const change = planInstall(loc, { ...(opts.force && { force: true }), ...(opts.config && { config: opts.config }) });
  const dryRun = opts.dryRun ?? false;

  const hasConfig = opts.config ? existsSync(path.resolve(opts.cwd, opts.config)) : CONFIG_NAMES.some((n) => existsSync(path.join(opts.cwd, n)));
  if (!hasConfig && change.action !== 'unchanged') {
    io.err(`warning: no pipewright config in ${opts.cwd}${opts.config ? ` (${opts.config})` : ''}: the hook needs one to check a push\n`);
  }

  if (opts.json) {
    io.out(hookJson(loc, change, dryRun, change.snippet !== undefined ? { lefthookConfig: loc.lefthookConfig ?? 'lefthook.yml', snippet: change.snippet } : {}));
  } else {
    io.out(describeInstall(change, dryRun));
  }
  if (!dryRun) await applyHookChange(change);
  return 0;
}

/** What an install did (or, with dryRun, would do), as the lines `hook install` prints. Also used by `init`. */
export function describeInstall(change: HookChange<InstallAction>, dryRun: boolean): string {
  const loc = change.location;
  const f = shownPath(loc, loc.file);
  const would = (done: string, todo: string) => (dryRun ? todo : done);
  const preview = dryRun && change.contents ? `--- ${f} (mode ${(change.mode ?? 0o755).toString(8).padStart(4, '0')})\n${change.contents}` : '';
  const husky = loc.manager === 'husky' ? ` (husky runs ${f}; husky's own ${shownPath(loc, loc.hooksDir)}/ is not touched)` : '';
  const lefthookForced =
    loc.manager === 'lefthook'
      ? `\nnote: lefthook rewrites ${f} on \`lefthook install\`, dropping this; the lefthook.yml entry (printed by \`pipewright hook install\` without --force) survives that\n`
      : '';
  const cfg = loc.lefthookConfig ?? 'lefthook.yml';

  switch (change.action) {
    case 'unchanged':
      // With a snippet, the "already there" is lefthook's config; without, our block in the hook file.
      return change.snippet !== undefined
        ? `${cfg} already runs \`pipewright hook pre-push\`: nothing changed\n`
        : `${f} already runs pipewright: nothing changed\n`;
    case 'installed':
      if (change.refreshed) return `${would('updated', 'would update')} the pipewright block in ${f}${husky}\n${preview}${lefthookForced}`;
      return (
        `${would('installed', 'would install')} ${f}${husky}: git runs \`pipewright hook pre-push\` before every push ` +
        `(\`PIPEWRIGHT_SKIP_HOOK=1 git push\` skips it)\n${preview}${lefthookForced}`
      );
    case 'chained':
      if (change.refreshed) return `${would('updated', 'would update')} the pipewright block in ${f}${husky}\n${preview}${lefthookForced}`;
      return (
        `${would('chained', 'would chain')} pipewright into the existing hook ${f}${husky}: pipewright runs first, then the existing hook, ` +
        `on the same stdin; the push fails if either fails (\`pipewright hook uninstall\` restores the original)\n${preview}${lefthookForced}`
      );
    case 'lefthook-snippet':
      return (
        `lefthook manages the pre-push hook here (${loc.lefthookConfig ?? `${f} is written by lefthook`}), and rewrites ${f} ` +
        `on \`lefthook install\`: pipewright did not edit it.\n` +
        `Add this to ${cfg}${cfg.endsWith('.yml') || cfg.endsWith('.yaml') ? '' : ' (in its own syntax)'}, then run \`npx lefthook install\`:\n\n` +
        `${change.snippet}\n` +
        `(or chain into ${f} anyway with \`pipewright hook install --force\`, until lefthook rewrites it)\n`
      );
  }
}
