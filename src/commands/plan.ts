/**
 * `pipewright plan --branch <name> [--pr-from <branch> [--fork <owner>]]`: runs the generated
 * Jenkinsfile and library in the Groovy 2.4 harness against a real git repository made as GitHub
 * leaves it (no Jenkins, no AWS, no cluster), and prints the stages and commands a build of that
 * branch would run, in order, and the release tag it would push.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Git } from '../git/git.js';
import { loadTemplates } from '../config/templates.js';
import { requireGroovy, runPipelines } from '../plan/harness.js';
import { scenarioFor } from '../plan/scenario.js';
import { plannedCommands } from '../plan/commands.js';
import { writePipeline } from '../plan/workspace.js';
import { UsageError } from '../core/errors.js';
import { branchNameProblem } from '../core/names.js';
import { paint, processIo, type Io } from '../core/io.js';
import { type CommonOptions, loadProject } from './common.js';
import type { Model } from '../model/model.js';

export interface PlanOptions extends CommonOptions {
  readonly branch?: string;
  /** Plan a pull request from this branch into --branch. */
  readonly prFrom?: string;
  /** With prFrom: the pull request comes from a fork owned by this account (CHANGE_FORK). */
  readonly fork?: string;
  /** Assume ECR already has the image (a promotion). Default: only where the branch takes images verified upstream. */
  readonly imageExists?: boolean;
  /** The image was never verified upstream. */
  readonly unverified?: boolean;
  /** What CloudWatch reports for every alarm. Default OK. */
  readonly alarm?: string;
  /** ISO 8601 time the build runs at. */
  readonly at?: string;
}

const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

export async function run(opts: PlanOptions, io: Io = processIo): Promise<number> {
  if (!opts.branch) throw new UsageError('plan: --branch <name> is required, e.g. pipewright plan --branch master');
  for (const b of [opts.branch, opts.prFrom].filter((x): x is string => x !== undefined)) {
    const problem = branchNameProblem(b);
    if (problem) throw new UsageError(`plan: "${b}" is not a valid branch name: it ${problem}`);
  }
  if (opts.fork !== undefined && !opts.prFrom) throw new UsageError('plan: --fork needs --pr-from: a fork is where a pull request comes from');
  if (opts.fork !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(opts.fork)) {
    throw new UsageError(`plan: --fork "${opts.fork}" is not a GitHub account name (allowed: letters, digits and -, at most 39)`);
  }
  if (opts.alarm !== undefined && !(ALARM_STATES as readonly string[]).includes(opts.alarm)) {
    throw new UsageError(`plan: --alarm "${opts.alarm}" is not an alarm state (allowed: ${ALARM_STATES.join(', ')})`);
  }
  // An offset is required: "17:00" alone would silently mean this machine's time zone.
  if (opts.at !== undefined && (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(opts.at) || Number.isNaN(Date.parse(opts.at)))) {
    throw new UsageError(`plan: --at "${opts.at}" is not an ISO 8601 time with an offset (e.g. 2026-12-04T17:00:00+01:00 or 2026-12-04T16:00:00Z)`);
  }
  const { model, root, config } = await loadProject(opts);
  const target = model.environments.find((e) => e.branch === opts.branch);
  // Where the branch takes only images verified upstream, the image is already in ECR (or the build is refused).
  const imageExists = opts.imageExists ?? target?.upstream != null;
  requireGroovy(); // before anything is built: without Groovy the answer is the install hint
  const templates = loadTemplates({
    groups: ['vars-templates'],
    templatesDir: model.templatesDir && path.resolve(root, model.templatesDir),
    configFile: model.configFile,
  });
  const work = mkdtempSync(path.join(tmpdir(), 'pipewright-plan-'));
  try {
    const paths = writePipeline(model, templates, path.join(work, 'pipeline'));
    const pr = opts.prFrom ? { id: '1', from: opts.prFrom, to: opts.branch, ...(opts.fork !== undefined && { fork: opts.fork }) } : undefined;
    const scenario = scenarioFor(
      model,
      paths,
      {
        branch: pr ? 'PR-1' : opts.branch,
        ...(pr && { pr }),
        imageInEcr: imageExists,
        verifiedUpstream: !opts.unverified,
        ...(opts.alarm !== undefined && { alarmState: opts.alarm as (typeof ALARM_STATES)[number] }),
        ...(opts.at !== undefined && { now: opts.at }),
        files: ['script/cibuild', 'script/smoke'],
      },
      path.join(work, 'run'),
    );
    const [result] = await runPipelines([scenario]);
    const r = result!;
    const commands = plannedCommands(r);
    // What the build left in the repository: the release tags it pushed onto HEAD.
    const pushed = (await new Git(scenario.repo.url).raw(['tag', '--points-at', scenario.repo.head])).split('\n').filter(Boolean);
    const notes = pr ? [] : deploysNowhere(model, config.environments === undefined, opts.branch);
    if (opts.json) {
      io.out(`${JSON.stringify({ branch: opts.branch, pr: pr ?? null, result: r.result, error: r.error, releaseTags: pushed, notes, stages: r.stages, commands }, null, 2)}\n`);
      return r.result === 'SUCCESS' ? 0 : 1;
    }
    const title = pr ? `pull request ${pr.fork ? `${pr.fork}:` : ''}${pr.from} → ${pr.to}` : `branch ${opts.branch}`;
    const facts = [
      `ECR ${imageExists ? 'has' : 'lacks'} the image`,
      ...(target?.upstream ? [opts.unverified ? `never verified on ${target.upstream}` : `verified on ${target.upstream}`] : []),
      ...(opts.alarm !== undefined ? [`alarms ${opts.alarm}`] : []),
      ...(opts.at !== undefined ? [`at ${opts.at}`] : []),
    ];
    io.out(`${paint(io, 'bold', `Plan for ${title}`)} (${model.configFile}, app ${model.app}; ${facts.join('; ')})\n`);
    io.out(`${paint(io, 'dim', pr ? 'checkout: the pull request head, without tags' : describeCheckout(model, opts.branch))}\n`);
    for (const stage of r.stages.filter((s) => s.status === 'ran' || s.status === 'failed')) {
      const mark = stage.status === 'failed' ? paint(io, 'red', '✗') : '•';
      io.out(`${'  '.repeat(stage.path.split('/').length - 1)}${mark} ${stage.name}\n`);
      for (const c of commands.filter((x) => x.stage === stage.path)) {
        const where = c.branch ? `[${c.branch}] ` : '';
        const text = `${c.step === 'sh' ? `$ ${c.text}` : c.text}${c.times > 1 ? paint(io, 'dim', `  (× ${c.times})`) : ''}`;
        io.out(`${'  '.repeat(stage.path.split('/').length)}${where}${c.step.startsWith('pipewright') ? paint(io, 'dim', text) : text}\n`);
      }
    }
    const skipped = r.stages.filter((s) => s.status === 'skipped' && !s.path.includes('/')).map((s) => s.name);
    if (skipped.length > 0) io.out(`skipped: ${skipped.join(', ')}\n`);
    if (pushed.length > 0) io.out(`release: ${pushed.join(', ')} pushed onto HEAD (${scenario.repo.head.slice(0, 12)})\n`);
    for (const n of notes) io.out(`${paint(io, 'yellow', 'note')}: ${n}\n`);
    const failedStep = r.steps.filter((s) => s.step === 'sh' && typeof s.args.stderr === 'string').at(-1);
    io.out(r.result === 'SUCCESS' ? 'result: SUCCESS\n' : `result: ${r.result}: ${r.error ?? ''}${failedStep ? `\n  ${String(failedStep.args.stderr).split('\n').join('\n  ')}` : ''}\n`);
    // Like --check: the plan worked, and its answer is that this build would fail.
    return r.result === 'SUCCESS' ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A note when the branch feeds no environment: its build only runs Build, which is easy to miss. */
function deploysNowhere(m: Model, defaultEnvironments: boolean, branch: string): string[] {
  if (m.environments.some((e) => e.branch === branch)) return [];
  const production = m.environments.findIndex((e) => e.production);
  const hint =
    production >= 0 && (branch === 'main' || branch === 'master')
      ? `; if ${branch} is your production branch, set ${defaultEnvironments ? `productionBranch: ${branch}` : `environments.${production}.branch: ${branch}`}`
      : '';
  return [`${branch} deploys to no environment (the environment branches are ${m.environments.map((e) => e.branch).join(', ')}): only Build runs${hint}`];
}

/** The simulated checkout, in words: what the build starts from. */
function describeCheckout(m: Model, branch: string): string {
  const rule = m.rules.branches.find((r) => r.branch === branch);
  const how = rule && !rule.directCommits && rule.mergeFrom ? `GitHub's merge commit of ${rule.mergeFrom[0]} (untagged)` : 'a commit';
  return `checkout: HEAD is ${how}, fetched without tags, as github-branch-source checks out`;
}
