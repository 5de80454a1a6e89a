/** The few questions `init` asks at a terminal, for what it cannot infer. */
import { answerProblem, type AnswerKey } from './config-text.js';

export interface Question {
  readonly key: AnswerKey;
  readonly message: string;
  /** Pre-filled: Enter accepts it. */
  readonly default?: string;
}

/** Returns the answer, already valid for `key`. */
export type Ask = (q: Question) => Promise<string>;

/** Asks through @inquirer/prompts, loaded on the first question (a run that asks nothing never loads it). */
export function terminalAsk(): Ask {
  let prompts: typeof import('@inquirer/prompts') | undefined;
  return async (q) => {
    prompts ??= await import('@inquirer/prompts');
    const answer = await prompts.input({
      message: q.message,
      ...(q.default !== undefined && { default: q.default }),
      required: true,
      validate: (v) => answerProblem(q.key, v.trim()) ?? true,
    });
    return answer.trim();
  };
}

/** Whether `e` is the prompt library's "the user pressed Ctrl-C (or closed the terminal)". */
export function isPromptCancel(e: unknown): boolean {
  return e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError');
}
