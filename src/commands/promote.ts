/**
 * `pipewright promote --from <env> --to <env>`: re-tag an image for the next environment in ECR
 * after the target's required checks pass. Exit 0: promoted (or already was); 1: a check failed
 * or the target tag names another image (nothing changed); 2: bad flags.
 */
import { ecrTargetOf, openEcr, type EcrOptions } from '../aws/ecr.js';
import { promote, type PromoteResult } from '../release/promote.js';
import { FindingsError, UsageError } from '../core/errors.js';
import { paint, processIo, type Io } from '../core/io.js';
import { parseTimeout } from '../core/deadline.js';
import { kubeOptions, type CommonOptions, type NetworkOptions, loadProject } from './common.js';

export interface PromoteCommandOptions extends CommonOptions, NetworkOptions, EcrOptions {
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly from: string;
  readonly to: string;
  /** A tag or sha256: digest; default: the image running in --from. */
  readonly image?: string;
  /** Run the checks and print the PutImage call; change nothing. */
  readonly dryRun?: boolean;
}

export async function run(opts: PromoteCommandOptions, io: Io = processIo): Promise<number> {
  if (typeof opts.from !== 'string' || typeof opts.to !== 'string') throw new UsageError('promote: --from <env> and --to <env> are required');
  const timeoutSeconds = parseTimeout(opts.timeout);
  const { model, root } = await loadProject(opts);
  const ecr = openEcr({ ...opts, timeoutSeconds }, ecrTargetOf(model));
  const result = await promote(
    ecr,
    model,
    {
      from: opts.from,
      to: opts.to,
      image: opts.image,
      dryRun: opts.dryRun ?? false,
      kube: kubeOptions(opts, timeoutSeconds, 'promote reads the source Deployment: it needs get on deployments and list on replicasets in its namespace'),
      root,
    },
    (line) => io.err(`${line}\n`),
  );
  if (opts.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else io.out(describe(result, io));
  if (result.status === 'checks-failed' || result.status === 'refused') {
    throw new FindingsError(`promote ${result.from} → ${result.to} refused: ${result.message}`);
  }
  return 0;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

function describe(r: PromoteResult, io: Io): string {
  const lines = [`promote ${r.app} ${r.from} → ${r.to}: ${r.image} (git-${r.source.tree}) as ${r.targetTag}`];
  for (const c of r.checks) {
    const mark = c.ok ? paint(io, 'green', 'pass') : paint(io, 'red', 'FAIL');
    lines.push(`  ${mark} ${c.name}: ${c.detail}`);
    if (c.output) lines.push(indent(c.output, '      | '));
  }
  switch (r.status) {
    case 'promoted':
      lines.push(`promoted: ${r.message}`);
      break;
    case 'already-promoted':
      lines.push(`already promoted: ${r.message}; nothing to do`);
      break;
    case 'would-promote':
      lines.push(`dry run: checks passed; would call:`, `  PutImage ${JSON.stringify(r.call?.params)}`);
      break;
    default:
      lines.push(`${paint(io, 'red', 'not promoted')}: ${r.message}`);
  }
  return `${lines.join('\n')}\n`;
}
