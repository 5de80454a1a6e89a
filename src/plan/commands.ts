/**
 * Turns a harness run into what a person reads: the stages in order and, in each, the commands
 * with the `withEnv` values put in place (quoted for the shell), so `plan` shows exactly what would
 * run. The values are tracked as the library sets them: every step sets its PW_* variables
 * before it uses them.
 */
import type { RunResult, StepCall } from './harness.js';
import { shellQuote } from '../escape/shell.js';

export interface PlannedCommand {
  readonly stage: string;
  /** sh | input | library step name | writeFile | error … */
  readonly step: string;
  /** The command as it would run, or a one-line description. */
  readonly text: string;
  readonly branch?: string;
  /** The same command, run this many times in a row (a poll). */
  readonly times: number;
}

/** Steps shown in a plan; the rest (echo, withEnv, pseudo-steps…) are bookkeeping. */
const SHOWN = new Set(['sh', 'input', 'writeFile', 'withCredentials', 'container', 'parallel', 'lock', 'milestone', 'agent', 'sleep', 'echo']);

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
    out.push({ stage: s.stage, step: s.step, text: describe(s, env), ...(s.branch && { branch: s.branch }), times: 1 });
  }
  return collapseRepeats(out);
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
    case 'echo':
      return `» ${String(a.message)}`;
    case 'sleep':
      return `sleep ${String(a.time ?? a.value)}${a.unit === 'SECONDS' || a.unit === undefined ? 's' : ` ${String(a.unit).toLowerCase()}`}`;
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

const MAX_CYCLE = 4;

/**
 * A poll (the alarms read every 30 s, a sleep between) reads as one block with its count: a block
 * of up to MAX_CYCLE commands repeated in a row is kept once, each command counting its runs (the
 * last round may stop part-way, e.g. the final reading without a sleep after it).
 */
export function collapseRepeats(commands: readonly PlannedCommand[]): PlannedCommand[] {
  const key = (c: PlannedCommand) => `${c.stage}\0${c.step}\0${c.branch ?? ''}\0${c.text}`;
  const out: PlannedCommand[] = [];
  let i = 0;
  while (i < commands.length) {
    let taken = false;
    for (let len = 1; len <= MAX_CYCLE && !taken; len++) {
      const block = commands.slice(i, i + len);
      if (block.length < len) break;
      const repeats = (at: number) => block.every((c, k) => commands[at + k] !== undefined && key(commands[at + k]!) === key(c));
      if (!repeats(i + len)) continue;
      const counts = block.map(() => 1);
      let j = i + len;
      while (repeats(j)) {
        counts.forEach((_, k) => counts[k]!++);
        j += len;
      }
      // A last, partial round.
      for (let k = 0; k < len && commands[j] !== undefined && key(commands[j]!) === key(block[k]!); k++, j++) counts[k]!++;
      block.forEach((c, k) => out.push({ ...c, times: counts[k]! }));
      i = j;
      taken = true;
    }
    if (!taken) out.push(commands[i++]!);
  }
  return out;
}
