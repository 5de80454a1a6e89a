/** The write/--check/--dry-run/--json flow shared by every command that generates files. */
import path from 'node:path';
import { planWrite, applyPlan, unifiedDiff, summarize, pendingChanges } from '../write/writer.js';
import type { GeneratedFile } from '../render/types.js';
import type { Io } from '../core/io.js';

export interface WriteFlags {
  /** Render in memory, diff against disk, exit 1 on drift. Writes nothing. */
  readonly check?: boolean;
  /** Print what would change. Writes nothing. */
  readonly dryRun?: boolean;
  /** Overwrite generated files that were edited by hand. */
  readonly force?: boolean;
  /** Print the changes as JSON. */
  readonly json?: boolean;
}

/** --templates-dir, which generate, library and jobs take alike. */
export interface TemplateFlags {
  /** A folder of templates overriding the built-in ones by file name (<group>/<name>.mustache), relative to cwd. */
  readonly templatesDir?: string;
}

/** What a templates error names when the folder came from --templates-dir rather than a config. */
export const TEMPLATES_FLAG = '--templates-dir';

/** --templates-dir as an absolute path; undefined without it. */
export function templatesDirFlag(opts: { readonly cwd: string } & TemplateFlags): string | undefined {
  return opts.templatesDir ? path.resolve(opts.cwd, opts.templatesDir) : undefined;
}

/**
 * Plan, then check, preview or write `files` under `root`. Returns the exit code. `command` is
 * what regenerates them, named in the drift message (the marker names the same command).
 * `manifestPath` (relative to root) defaults to the writer's .pipewright/manifest.json.
 */
export async function writeFiles(
  files: readonly GeneratedFile[],
  root: string,
  configFile: string,
  flags: WriteFlags,
  io: Io,
  command = 'pipewright generate',
  manifestPath?: string,
): Promise<number> {
  const force = flags.force ?? false;
  const plan = await planWrite(files, { root, force, ...(manifestPath !== undefined && { manifestPath }) });
  const pending = pendingChanges(plan);
  for (const w of plan.warnings) io.err(`warning: ${w}\n`);

  if (flags.json) {
    const changes = plan.changes.map((c) => ({ path: c.path, kind: c.kind, ...(c.conflict && { conflict: c.conflict }) }));
    io.out(`${JSON.stringify({ root, mode: flags.check ? 'check' : flags.dryRun ? 'dry-run' : 'write', changes }, null, 2)}\n`);
  }

  if (flags.check) {
    if (pending.length === 0 && plan.conflicts.length === 0) {
      if (!flags.json) io.err(`up to date: ${plan.changes.length} files match ${configFile}\n`);
      return 0;
    }
    if (!flags.json) {
      io.out(await unifiedDiff(plan));
      io.err(`drift: ${pending.length} file(s) differ from what ${configFile} generates; run \`${command}\`\n`);
    }
    return 1;
  }

  if (flags.dryRun) {
    if (!flags.json) io.out(summarize(plan));
    return 0;
  }

  const summary = await applyPlan(plan, { force });
  if (!flags.json) {
    io.out(summarize(plan));
    const counts = Object.entries(summary.counts)
      .filter(([kind, n]) => n > 0 && kind !== 'user-owned')
      .map(([kind, n]) => `${n} ${kind}`);
    io.err(`${configFile}: ${counts.join(', ') || 'nothing to do'}\n`);
  }
  return 0;
}
