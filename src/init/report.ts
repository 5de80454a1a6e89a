/** What `init` prints: a report for people, or JSON. Pure. */
import { paint, type Io } from '../core/io.js';
import { DEFAULTS } from '../core/defaults.js';
import { summarize } from '../write/writer.js';
import type { AnswerKey, InitAnswers } from './config-text.js';
import { formatSteps, type CatalogEntry, type Step } from './next-steps.js';
import type { InitFlags, InitPlan } from './plan.js';

/** The production branch: whether the repository has it, and which branches may merge into it. */
export interface ProductionFacts {
  readonly branch: string;
  readonly environment: string;
  readonly commit: string | null;
  readonly mergeFrom: readonly string[] | null;
}

export interface ReportInput {
  readonly io: Io;
  readonly flags: InitFlags;
  readonly root: string;
  readonly app: string;
  readonly shownConfig: string;
  readonly configText: string | null;
  readonly answers: InitAnswers | null;
  readonly plan: InitPlan;
  readonly headBranch: string | null;
  readonly production: ProductionFacts | null;
  /** The hook file relative to where init ran. */
  readonly hookFile: string | null;
  /** What `hook install` would say of the hook change (without the file preview). */
  readonly hookText: string | null;
  readonly entry: CatalogEntry;
  readonly steps: readonly Step[];
  readonly warnings: readonly string[];
}

const short = (sha: string): string => sha.slice(0, 7);
const ANSWER_ORDER: readonly AnswerKey[] = ['app', 'wsgi', 'healthPath', 'python', 'accountId', 'region', 'productionBranch'];

export function jsonReport(r: ReportInput): string {
  const { plan, flags } = r;
  const hook = plan.hook;
  const data = {
    root: r.root,
    dryRun: flags.dryRun,
    changed: plan.changed,
    app: r.app,
    config: { path: r.shownConfig, action: plan.configAction, ...(r.answers && { values: r.answers }) },
    files: plan.files.changes.map((c) => ({ path: c.path, kind: c.kind })),
    kept: plan.kept,
    branches: flags.branches ? plan.branches : null,
    production: r.production,
    hook: hook && {
      file: r.hookFile,
      action: hook.action,
      manager: hook.location.manager,
      ...(hook.snippet !== undefined && { snippet: hook.snippet }),
    },
    catalogEntry: r.entry,
    nextSteps: r.steps,
    warnings: r.warnings,
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}

export function textReport(r: ReportInput): string {
  const { plan, io } = r;
  const dryRun = r.flags.dryRun;
  const bold = (s: string) => paint(io, 'bold', s);
  let out = `${bold(`pipewright init${dryRun ? ' --dry-run (nothing is written)' : ''}`)} in ${r.root}\n\n`;
  if (r.answers) {
    // What the config holds: productionBranch only when it is not the default (renderInitConfig).
    const keys = ANSWER_ORDER.filter((k) => k !== 'productionBranch' || r.answers!.productionBranch.value !== DEFAULTS.productionBranch);
    const width = Math.max(...keys.map((k) => r.answers![k].value.length));
    const keyWidth = Math.max(10, ...keys.map((k) => k.length));
    out += `${r.shownConfig}:\n`;
    for (const k of keys) out += `  ${k.padEnd(keyWidth)}  ${r.answers[k].value.padEnd(width)}  ${paint(io, 'dim', r.answers[k].from)}\n`;
    out += '\n';
  }
  if (dryRun && r.configText !== null && plan.configAction !== 'unchanged') out += `--- ${r.shownConfig} (would ${plan.configAction})\n${r.configText}---\n\n`;

  const would = dryRun ? 'would ' : '';
  out += dryRun ? 'Files (would change):\n' : 'Files:\n';
  const configLine = {
    create: `  ${'create'.padEnd(10)}  ${r.shownConfig}\n`,
    update: `  ${'update'.padEnd(10)}  ${r.shownConfig}  (--force)\n`,
    unchanged: '',
    kept: `  ${'exists'.padEnd(10)}  ${r.shownConfig}  (init rewrites it only with --force)\n`,
  }[plan.configAction];
  const keptLines = plan.kept.map((k) => `  ${paint(io, 'red', 'kept'.padEnd(10))}  ${k.path}  (${k.reason})\n`).join('');
  const upToDateCount = plan.files.changes.filter((c) => c.kind === 'unchanged' || c.kind === 'user-owned').length;
  const upToDate = upToDateCount > 0 ? `  (${upToDateCount} more already up to date)\n` : '';
  out += configLine + summarize(plan.files) + keptLines + upToDate;

  out += '\nBranches:\n';
  if (!r.flags.branches) out += '  (--no-branches: none created)\n';
  for (const b of plan.branches) {
    const at = b.from === 'HEAD' ? `${short(b.commit)} (HEAD${r.headBranch ? `, ${r.headBranch}` : ''})` : `${b.from} (${short(b.commit)})`;
    out += b.action === 'exists' ? `  ${b.name.padEnd(10)}  exists, at ${short(b.commit)}\n` : `  ${b.name.padEnd(10)}  ${would}${dryRun ? 'create' : 'created'} at ${at}\n`;
  }
  if (r.production) {
    const p = r.production;
    const fed = p.mergeFrom ? `, fed only by merges from ${p.mergeFrom.join(' or ')}` : '';
    out += `  ${p.branch.padEnd(10)}  ${p.commit ? `exists, at ${short(p.commit)}` : 'not in this repository yet'}: production (${p.environment})${fed}\n`;
  }
  if (plan.branches.some((b) => b.action === 'created')) out += `  (${dryRun ? 'git branch only' : 'with git branch'}: the working tree and the current branch are untouched)\n`;

  out += '\nHook:\n';
  out += r.hookText !== null ? r.hookText.replace(/^/gm, '  ').replace(/ +$/gm, '') : '  (--no-hook: not installed)\n';

  out += `\n${plan.changed ? (dryRun ? 'init would make the changes above.' : 'Done.') : 'Nothing changed: everything was already set up.'}`;
  out += plan.kept.length > 0 ? ` ${plan.kept.length} file(s) ${dryRun ? 'would be ' : ''}kept as they were: see below.\n` : '\n';
  out += `\n${bold('Next steps:')}\n${formatSteps(r.steps)}`;
  return out;
}
