/**
 * `pipewright jobs --catalog catalog.yaml --out jobs/`: the seed job's Job DSL, through the one
 * writer. `--plan` says which jobs a run would add, change or remove, and writes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '../config/load-catalog.js';
import { resolveCatalog } from '../model/catalog.js';
import { diffJobs, INDEX_FILE, jobsCommand, renderJobs, type JobIndex } from '../render/jobs/jobs.js';
import { loadTemplates } from '../config/templates.js';
import { UsageError } from '../core/errors.js';
import { paint, processIo, type Io } from '../core/io.js';
import { TEMPLATES_FLAG, templatesDirFlag, writeFiles, type TemplateFlags, type WriteFlags } from './write-files.js';
import type { CommonOptions } from './common.js';

export interface JobsOptions extends CommonOptions, WriteFlags, TemplateFlags {
  /** The catalog file. Default catalog.yaml. */
  readonly catalog?: string;
  /** Output directory. Default jobs. */
  readonly out?: string;
  /** Print the added, changed and removed jobs against the last run; write nothing. */
  readonly plan?: boolean;
}

/** A progress bar on stderr, only for big catalogs on a terminal: otherwise output stays silent. */
async function progress(total: number, json: boolean): Promise<{ tick: () => void; stop: () => void }> {
  if (json || total <= 300 || !process.stderr.isTTY) return { tick: () => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'rendering jobs [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}

function readIndex(out: string, cwd: string): JobIndex {
  const file = path.join(out, INDEX_FILE);
  if (!existsSync(file)) return {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { jobs?: unknown };
    if (!data.jobs || typeof data.jobs !== 'object') throw new Error('no "jobs" object');
    return data.jobs as JobIndex;
  } catch (e) {
    throw new UsageError(`${path.relative(cwd, file)}: cannot read the last run's job index (${(e as Error).message}); restore it from git, or delete it to plan every job as new`);
  }
}

export async function run(opts: JobsOptions, io: Io = processIo): Promise<number> {
  const loaded = await loadCatalog({ cwd: opts.cwd, catalog: opts.catalog });
  const { path: catalogPath, shown } = loaded;
  const catalog = resolveCatalog(loaded.catalog, path.basename(catalogPath), shown);
  const out = path.resolve(opts.cwd, opts.out ?? 'jobs');
  const templates = loadTemplates({ groups: ['jobs'], templatesDir: templatesDirFlag(opts), configFile: TEMPLATES_FLAG });

  const bar = await progress(catalog.jobs.length, opts.json ?? false);
  const catalogArg = path.relative(opts.cwd, catalogPath) || '.';
  const outArg = path.relative(opts.cwd, out) || '.';
  let rendered;
  try {
    rendered = renderJobs(catalog, templates, { catalogArg, outArg, onJob: bar.tick });
  } finally {
    bar.stop();
  }

  if (opts.plan) {
    const diff = diffJobs(readIndex(out, opts.cwd), rendered.index);
    if (opts.json) {
      io.out(`${JSON.stringify({ catalog: shown, removedJobAction: catalog.seed.removedJobAction, ...diff, unchanged: catalog.jobs.length - diff.added.length - diff.changed.length }, null, 2)}\n`);
      return 0;
    }
    for (const name of diff.added) io.out(`${paint(io, 'green', '+')} ${name}\n`);
    for (const name of diff.changed) io.out(`${paint(io, 'yellow', '~')} ${name}\n`);
    for (const name of diff.removed) io.out(`${paint(io, 'red', '-')} ${name}\n`);
    const total = diff.added.length + diff.changed.length + diff.removed.length;
    const action = catalog.seed.removedJobAction;
    // Job DSL's DISABLE only disables jobs that can be disabled: never a multibranch job (or a folder).
    const removal =
      diff.removed.length === 0
        ? ''
        : action === 'DISABLE'
          ? '; the seed job leaves removed jobs as they are: Job DSL cannot disable multibranch jobs (seed.removedJobAction DISABLE; DELETE deletes them)'
          : `; the seed job will ${action} removed jobs (seed.removedJobAction)`;
    io.out(`${total === 0 ? 'no job changes' : `${diff.added.length} to add, ${diff.changed.length} to change, ${diff.removed.length} to remove`}${removal}\n`);
    return 0;
  }
  return writeFiles(rendered.files, out, shown, opts, io, jobsCommand(catalogArg, outArg));
}
