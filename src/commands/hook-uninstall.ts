/** `pipewright hook uninstall`: remove exactly the block `hook install` added; idempotent. */
import { applyHookChange, lefthookRunsPipewright, locateHook, planUninstall } from '../git/hook-install.js';
import { processIo, type Io } from '../core/io.js';
import { hookJson, shownPath } from './hook-install.js';
import type { CommonOptions } from './common.js';

export interface HookUninstallOptions extends CommonOptions {
  /** Accepted for symmetry with install; uninstall never needs it. */
  readonly force?: boolean;
  /** Print what would be removed; write nothing. */
  readonly dryRun?: boolean;
}

export async function run(opts: HookUninstallOptions, io: Io = processIo): Promise<number> {
  const loc = locateHook(opts.cwd);
  const change = planUninstall(loc);
  const dryRun = opts.dryRun ?? false;
  const deleted = change.action === 'removed' && change.contents === null;
  const f = shownPath(loc, loc.file);
  const lefthook = loc.manager === 'lefthook' && lefthookRunsPipewright(loc.root, loc.lefthookConfig);

  if (opts.json) {
    io.out(hookJson(loc, change, dryRun, { deleted }));
  } else if (change.action === 'absent') {
    io.out(`${f} has no pipewright block: nothing to remove\n`);
  } else {
    const verb = dryRun ? 'would remove' : 'removed';
    const rest = deleted
      ? `; ${dryRun ? 'would delete' : 'deleted'} the file, which pipewright had created`
      : '; the rest of the hook is as it was before `pipewright hook install`';
    io.out(`${verb} the pipewright block from ${f}${rest}\n`);
    if (dryRun && change.contents) io.out(`--- ${f}\n${change.contents}`);
  }
  if (lefthook) io.err(`note: ${loc.lefthookConfig} still runs \`pipewright hook pre-push\`: remove that entry by hand\n`);
  if (!dryRun) await applyHookChange(change);
  return 0;
}
