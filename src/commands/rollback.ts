/**
 * `pipewright rollback --env <name> --reason <text>`: put back the newest earlier release verified
 * in that environment (or --image <tag|digest>) in every cluster of it, and wait for the rollout.
 * Exit 0: rolled back (or already there); 1: refused (never ran there, never verified: --force),
 * or the rollout did not finish; 2: bad flags.
 */
import { ecrTargetOf, openEcr, type EcrOptions } from '../aws/ecr.js';
import { parseDuration, parseTimeout } from '../core/deadline.js';
import { FindingsError, UsageError } from '../core/errors.js';
import { whoRuns } from '../git/user.js';
import { paint, processIo, type Io } from '../core/io.js';
import { rollback, type RollbackResult } from '../release/rollback.js';
import { kubeOptions, type CommonOptions, type NetworkOptions, loadProject } from './common.js';

export interface RollbackCommandOptions extends CommonOptions, NetworkOptions, EcrOptions {
  readonly env: string;
  readonly reason: string;
  /** --image: a tag or sha256: digest; default: the newest earlier revision verified in --env. */
  readonly image?: string;
  /** The old name of --image, refused: --to names an environment (promote). */
  readonly to?: string;
  readonly force?: boolean;
  readonly dryRun?: boolean;
  /** How long each cluster's rollout may take, e.g. 5m (default) or 90s. */
  readonly rolloutTimeout?: string;
  readonly context?: string;
  readonly kubeconfig?: string;
}

export const DEFAULT_ROLLOUT_TIMEOUT = '5m';

const FORBIDDEN_HINT =
  'rollback needs get, list and patch on deployments and list on replicasets in the environment namespace (the deployer Role of cluster bootstrap has them)';

export async function run(opts: RollbackCommandOptions, io: Io = processIo): Promise<number> {
  if (typeof opts.env !== 'string') throw new UsageError('rollback: --env <environment> is required');
  if (typeof opts.reason !== 'string' || opts.reason.trim() === '') {
    throw new UsageError('rollback: --reason <text> is required: say why; it is recorded on the Deployment as "rollback: <text>"');
  }
  if (opts.to !== undefined) {
    throw new UsageError(`rollback: --to is now --image <tag|sha256:digest> (--to names an environment, as in promote): --image ${opts.to}`);
  }
  const timeoutSeconds = parseTimeout(opts.timeout);
  const rolloutTimeoutMs = parseDuration('--rollout-timeout', opts.rolloutTimeout, DEFAULT_ROLLOUT_TIMEOUT);
  const { model, root } = await loadProject(opts);
  const ecr = openEcr({ ...opts, timeoutSeconds }, ecrTargetOf(model));
  const result = await rollback(
    ecr,
    model,
    {
      env: opts.env,
      to: opts.image,
      reason: opts.reason,
      force: opts.force ?? false,
      dryRun: opts.dryRun ?? false,
      rolloutTimeoutMs,
      user: await whoRuns(root),
      kube: kubeOptions(opts, timeoutSeconds, FORBIDDEN_HINT),
    },
    (line) => io.err(`${line}\n`),
  );
  if (opts.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else io.out(describe(result, io));
  if (result.status === 'refused') throw new FindingsError(`rollback of ${result.environment} refused: ${result.message}`);
  return 0;
}

function describe(r: RollbackResult, io: Io): string {
  const t = r.target;
  const what = [t.release && `release ${t.release}`, t.tree && `tree ${t.tree.slice(0, 12)}`].filter(Boolean).join(', ');
  const lines = [`rollback ${r.app} in ${r.environment} (${r.namespace}) to ${t.image}${what ? ` (${what})` : ''}`];
  for (const c of r.checks) {
    const mark = c.ok ? paint(io, 'green', 'pass') : paint(io, r.forced ? 'yellow' : 'red', r.forced ? 'FORCED' : 'FAIL');
    lines.push(`  ${mark} ${c.name}: ${c.detail}`);
  }
  for (const c of r.clusters) {
    const from = `revision ${c.from.revision ?? '?'} (${c.from.digest ?? (c.from.image || 'no image')})`;
    const to =
      c.action === 'already-running' ? 'already runs it' : c.action === 'rolled-back' ? `rolled back: revision ${c.revision ?? '?'}` : r.status === 'refused' ? 'not changed' : 'would be patched';
    lines.push(`  ${c.cluster} (${c.region}), context ${c.context}: was ${from}; ${to}`);
  }
  switch (r.status) {
    case 'rolled-back':
      lines.push(`rolled back: ${r.message}`);
      break;
    case 'already-running':
      lines.push(r.message);
      break;
    case 'would-roll-back':
      lines.push(
        'dry run: nothing was changed; would send, as application/strategic-merge-patch+json with the resourceVersion read:',
        ...r.clusters.filter((c) => c.action !== 'already-running').map((c) => `  PATCH deployment/${r.app} in ${r.namespace} on ${c.cluster} (${c.region}), resourceVersion ${c.resourceVersion}`),
        JSON.stringify(r.patch, null, 2),
      );
      break;
    default:
      lines.push(`${paint(io, 'red', 'not rolled back')}: ${r.message}`);
  }
  return `${lines.join('\n')}\n`;
}
