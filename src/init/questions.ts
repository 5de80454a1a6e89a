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

/** Asks through @inquirer/prompts, loaded only when a question is asked at a terminal. */
export async function terminalAsk(): Promise<Ask> {
  const { input } = await import('@inquirer/prompts');
  return async (q) => {
    const answer = await input({
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
