/** Placeholder: implemented in its own change. */
import { UsageError } from '../errors.js';

export async function run(_opts: Record<string, unknown>): Promise<number> {
  throw new UsageError('pipewright promote: not implemented yet');
}
