/**
 * `pipewright ecr ensure`: create the app's ECR repository, or bring it into line (immutable
 * tags, scan on push, lifecycle policy). Encryption drift cannot be fixed in place: it is
 * reported (exit 1) after everything else has been fixed.
 */
import { ecrTargetOf, openEcr, type EcrOptions } from '../aws/ecr.js';
import { ensureRepository, type EnsureResult } from '../aws/ensure.js';
import { FindingsError } from '../core/errors.js';
import { paint, processIo, type Io } from '../core/io.js';
import { parseTimeout } from '../core/deadline.js';
import { type CommonOptions, type NetworkOptions, loadProject } from './common.js';

export interface EcrEnsureOptions extends CommonOptions, NetworkOptions, EcrOptions {
  /** Change nothing; print the calls that would be made. */
  readonly dryRun?: boolean;
}

export async function run(opts: EcrEnsureOptions, io: Io = processIo): Promise<number> {
  const timeoutSeconds = parseTimeout(opts.timeout);
  const { model } = await loadProject(opts);
  const ecr = openEcr({ ...opts, timeoutSeconds }, ecrTargetOf(model));
  const result = await ensureRepository(ecr, model, { dryRun: opts.dryRun ?? false });
  if (opts.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else io.out(describe(result, io));
  if (result.drift.length) {
    throw new FindingsError(result.drift.map((d) => `ecr ensure: ${d}`).join('\n'));
  }
  return 0;
}

function describe(r: EnsureResult, io: Io): string {
  const head = `ECR repository ${r.repository} (account ${r.registryId}, ${r.region})`;
  if (r.calls.length === 0) return `${head}: nothing to change\n`;
  if (r.dryRun) {
    const lines = r.calls.map((c) => `  ${c.operation} ${JSON.stringify(c.params)}\n    # ${c.reason}\n`);
    return `${head}: would make ${r.calls.length} call(s), changing nothing now:\n${lines.join('')}`;
  }
  const lines = r.calls.map((c) => `  ${paint(io, 'green', c.operation)}: ${c.reason}\n`);
  return `${head}: ${r.status}${r.uri ? ` (${r.uri})` : ''}\n${lines.join('')}`;
}
