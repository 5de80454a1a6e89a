/**
 * Turns a harness run into what a person reads: the stages in order and, in each, the commands
 * with the `withEnv` values put in place (quoted for the shell), so `plan` shows exactly what would
 * run. The values are tracked as the library sets them: every step sets its PW_* variables
 * before it uses them.
 */
import type { RunResult, StepCall } from '../harness.js';
import { shellQuote } from '../groovy.js';

export interface PlannedCommand {
  readonly stage: string;
  /** sh | input | library step name | writeFile | error … */
  readonly step: string;
  /** The command as it would run, or a one-line description. */
  readonly text: string;
  readonly branch?: string;
}

/** Steps shown in a plan; the rest (echo, withEnv, pseudo-steps…) are bookkeeping. */
const SHOWN = new Set(['sh', 'input', 'writeFile', 'withCredentials', 'container', 'parallel', 'lock', 'milestone', 'agent']);

function envOf(step: StepCall, env: Map<string, string>): void {
  const overrides = step.args.overrides;
  if (step.step !== 'withEnv' || !Array.isArray(overrides)) return;
  for (const o of overrides) {
    const s = String(o);
    const i = s.indexOf('=');
    if (i > 0) env.set(s.slice(0, i), s.slice(i + 1));
  }
}

/** `"$PW_X"` / `$PW_X` → the quoted value, when the value is known. */
export function substitute(script: string, env: ReadonlyMap<string, string>): string {
  return script.replace(/"\$([A-Z_][A-Z0-9_]*)"|\$([A-Z_][A-Z0-9_]*)\b/g, (whole, quoted: string | undefined, bare: string | undefined) => {
    const name = (quoted ?? bare)!;
    const v = env.get(name);
    return v === undefined ? whole : shellQuote(v);
  });
}

export function plannedCommands(run: RunResult): PlannedCommand[] {
  const env = new Map<string, string>();
  const out: PlannedCommand[] = [];
  for (const s of run.steps) {
    envOf(s, env);
    if (!SHOWN.has(s.step) && !s.step.startsWith('pipewright')) continue;
    if (s.step === 'pipewrightArgs') continue;
    // Only the agents that say something: a container the stage runs in.
    if (s.step === 'agent' && !(s.args.docker && typeof s.args.docker === 'object')) continue;
    out.push({ stage: s.stage, step: s.step, text: describe(s, env), ...(s.branch && { branch: s.branch }) });
  }
  return out;
}

function describe(s: StepCall, env: ReadonlyMap<string, string>): string {
  const a = s.args;
  switch (s.step) {
    case 'sh':
      return substitute(String(a.script), env);
    case 'input':
      return `wait for approval: ${String(a.message)} (submitter ${String(a.submitter)}; no executor held: ${a.executorHeld ? 'no' : 'yes'})`;
    case 'writeFile':
      return `write ${String(a.file)}`;
    case 'withCredentials':
      return `with credentials ${JSON.stringify(a.bindings)}`;
    case 'container':
      return `in container ${String(a.name ?? a.value)}`;
    case 'parallel':
      return `in parallel: ${JSON.stringify(a.branches ?? a)}`;
    case 'lock':
      return `lock ${String(a.resource ?? a.value)} (one deploy at a time)`;
    case 'milestone':
      return `milestone ${String(a.ordinal)}: an older build that gets here later is aborted`;
    case 'agent': {
      const d = a.docker as { image?: unknown; reuseNode?: unknown };
      return `in a ${String(d.image)} container${d.reuseNode ? ' (same node and workspace)' : ''}`;
    }
    default:
      return s.step;
  }
}
