/**
 * The pre-push hook's own entry (dist/bin/hook.js, one bundled file): git runs the hook on every
 * push, and the launcher loads this instead of the CLI when it is called as the installed hook
 * calls it, so a push pays for no commander, no module graph, only the hook's code. Any other
 * form of the command goes on to the full CLI.
 */
import { prePushCall, reportFailure } from './commands/argv.js';

/** Run as the entry: the hook's fast form here, anything else through the full CLI. */
export async function main(argv: string[]): Promise<void> {
  let call;
  try {
    call = prePushCall(argv.slice(2));
    if (call) {
      const { run } = await import('./commands/hook-pre-push.js');
      process.exitCode = await run(call);
      return;
    }
  } catch (e) {
    process.exitCode = reportFailure(e);
    return;
  }
  await import('./cli.js');
}
