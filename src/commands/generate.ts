/** `pipewright generate`: config → model → render → write, for one app repo. */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { renderApp, APP_TEMPLATE_GROUPS } from '../render/app.js';
import { loadTemplates } from '../templates.js';
import { planWrite, applyPlan, unifiedDiff, summarize, pendingChanges } from '../write/writer.js';
import { processIo, type Io } from '../io.js';
import type { CommonOptions } from './common.js';

export interface GenerateOptions extends CommonOptions {
  /** Render in memory, diff against disk, exit 1 on drift. Writes nothing. */
  readonly check?: boolean;
  /** Print what would change. Writes nothing. */
  readonly dryRun?: boolean;
  /** Overwrite generated files that were edited by hand. */
  readonly force?: boolean;
}

export async function run(opts: GenerateOptions, io: Io = processIo): Promise<number> {
  const { model, root } = await loadConfig(opts);
  const templates = loadTemplates({
    groups: APP_TEMPLATE_GROUPS,
    templatesDir: model.templatesDir && path.resolve(root, model.templatesDir),
    configFile: model.configFile,
  });
  const files = renderApp(model, templates);
  const plan = await planWrite(files, { root, force: opts.force ?? false });
  const pending = pendingChanges(plan);
  for (const w of plan.warnings) io.err(`warning: ${w}\n`);

  if (opts.json) {
    io.out(
      `${JSON.stringify(
        {
          root,
          mode: opts.check ? 'check' : opts.dryRun ? 'dry-run' : 'write',
          changes: plan.changes.map((c) => ({ path: c.path, kind: c.kind, ...(c.conflict && { conflict: c.conflict }) })),
        },
        null,
        2,
      )}\n`,
    );
  }

  if (opts.check) {
    if (pending.length === 0 && plan.conflicts.length === 0) {
      if (!opts.json) io.err(`up to date: ${plan.changes.length} files match ${model.configFile}\n`);
      return 0;
    }
    if (!opts.json) {
      io.out(await unifiedDiff(plan));
      io.err(`drift: ${pending.length} file(s) differ from what ${model.configFile} generates; run \`pipewright generate\`\n`);
    }
    return 1;
  }

  if (opts.dryRun) {
    if (!opts.json) io.out(summarize(plan));
    return 0;
  }

  const summary = await applyPlan(plan, { force: opts.force ?? false });
  if (!opts.json) {
    io.out(summarize(plan));
    const counts = Object.entries(summary.counts)
      .filter(([kind, n]) => n > 0 && kind !== 'user-owned')
      .map(([kind, n]) => `${n} ${kind}`);
    io.err(`${model.configFile}: ${counts.join(', ') || 'nothing to do'}\n`);
  }
  return 0;
}
