/**
 * `pipewright plan --branch <name> [--pr-from <branch>]`: runs the generated Jenkinsfile and
 * library in the Groovy 2.4 harness (no Jenkins, no AWS, no cluster) and prints the stages and
 * commands a build of that branch would run, in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { loadTemplates } from '../templates.js';
import { runPipelines } from '../harness.js';
import { scenarioFor } from '../plan/scenario.js';
import { plannedCommands } from '../plan/commands.js';
import { writePipeline } from '../plan/workspace.js';
import { UsageError } from '../errors.js';
import { branchNameProblem } from '../model/names.js';
import { paint, processIo, type Io } from '../io.js';
import type { CommonOptions } from './common.js';

export interface PlanOptions extends CommonOptions {
  readonly branch?: string;
  /** Plan a pull request from this branch into --branch. */
  readonly prFrom?: string;
  /** Assume ECR already has the image (a promotion). Default false: it is built. */
  readonly imageExists?: boolean;
}

export async function run(opts: PlanOptions, io: Io = processIo): Promise<number> {
  if (!opts.branch) throw new UsageError('plan: --branch <name> is required, e.g. pipewright plan --branch master');
  for (const b of [opts.branch, opts.prFrom].filter((x): x is string => x !== undefined)) {
    const problem = branchNameProblem(b);
    if (problem) throw new UsageError(`plan: "${b}" is not a valid branch name: it ${problem}`);
  }
  const { model, root } = await loadConfig(opts);
  const templates = loadTemplates({
    groups: ['vars-templates'],
    templatesDir: model.templatesDir && path.resolve(root, model.templatesDir),
    configFile: model.configFile,
  });
  const work = mkdtempSync(path.join(tmpdir(), 'pipewright-plan-'));
  try {
    const paths = writePipeline(model, templates, work);

    const pr = opts.prFrom ? { id: '1', from: opts.prFrom, to: opts.branch } : undefined;
    const [result] = await runPipelines([
      scenarioFor(model, paths, {
        branch: pr ? 'PR-1' : opts.branch,
        ...(pr && { pr }),
        imageInEcr: opts.imageExists ?? false,
        files: ['script/cibuild'],
      }),
    ]);
    const commands = plannedCommands(result!);
    if (opts.json) {
      io.out(`${JSON.stringify({ branch: opts.branch, pr: pr ?? null, result: result!.result, error: result!.error, stages: result!.stages, commands }, null, 2)}\n`);
      return result!.result === 'SUCCESS' ? 0 : 1;
    }
    const title = pr ? `pull request ${pr.from} → ${pr.to}` : `branch ${opts.branch}`;
    io.out(`${paint(io, 'bold', `Plan for ${title}`)} (${model.configFile}, app ${model.app}; ECR ${opts.imageExists ? 'has' : 'lacks'} the image)\n`);
    for (const stage of result!.stages.filter((s) => s.status === 'ran' || s.status === 'failed')) {
      const mark = stage.status === 'failed' ? paint(io, 'red', '✗') : '•';
      io.out(`${'  '.repeat(stage.path.split('/').length - 1)}${mark} ${stage.name}\n`);
      for (const c of commands.filter((x) => x.stage === stage.path)) {
        const where = c.branch ? `[${c.branch}] ` : '';
        const text = c.step === 'sh' ? `$ ${c.text}` : c.text;
        io.out(`${'  '.repeat(stage.path.split('/').length)}${where}${c.step.startsWith('pipewright') ? paint(io, 'dim', text) : text}\n`);
      }
    }
    const skipped = result!.stages.filter((s) => s.status === 'skipped' && !s.path.includes('/')).map((s) => s.name);
    if (skipped.length > 0) io.out(`skipped: ${skipped.join(', ')}\n`);
    io.out(result!.result === 'SUCCESS' ? 'result: SUCCESS\n' : `result: ${result!.result}: ${result!.error ?? ''}\n`);
    // Like --check: the plan worked, and its answer is that this build would fail.
    return result!.result === 'SUCCESS' ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
