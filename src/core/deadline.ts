/**
 * Deadlines of network calls, the one meaning of --timeout for every command that calls AWS or
 * Kubernetes: the seconds ONE call may take, from the start of connecting to the last byte of the
 * answer, retries and backoff included. A command stops at its first failed call, so a silent
 * endpoint costs one --timeout. (How long a Fargate profile may take to become ACTIVE is another
 * matter: --fargate-timeout.)
 */
import { UsageError } from './errors.js';

/**
 * The default --timeout. Every call pipewright makes is a small control-plane request (ECR, EKS,
 * the Kubernetes API) that answers in well under a second; 30 s leaves room for the AWS SDK's
 * retries and backoff on a slow or throttled day, and bounds a silent endpoint at 30 s.
 */
export const CALL_DEADLINE_SECONDS = 30;

/** Seconds a connection (TCP, and TLS for Kubernetes) may take to open; never more than the call's time. */
export const CONNECT_TIMEOUT_SECONDS = 10;

/** The largest --timeout accepted: an hour. */
const MAX_SECONDS = 3600;

/** --timeout <seconds> → seconds; undefined when not given. A UsageError (exit 2) for anything else. */
export function parseTimeout(text: unknown): number | undefined {
  if (text === undefined) return undefined;
  const s = String(text).trim();
  const n = /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  if (!(n > 0 && n <= MAX_SECONDS)) {
    throw new UsageError(`--timeout ${s}: expected the seconds one AWS or Kubernetes call may take, e.g. 30 or 2.5 (allowed: more than 0, up to ${MAX_SECONDS})`);
  }
  return n;
}

/**
 * Run `work` with an AbortSignal that fires after `seconds`, and give up on it then even if it
 * ignores the signal (a credential plugin, a DNS lookup): the promise rejects with `expired()`.
 */
export async function withDeadline<T>(seconds: number, work: (signal: AbortSignal) => Promise<T>, expired: () => Error): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = expired();
      controller.abort(e);
      reject(e);
    }, seconds * 1000);
  });
  try {
    const running = work(controller.signal);
    running.catch(() => {}); // settles after the deadline: already reported
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A duration flag that is not a call's deadline (`--rollout-timeout 5m`): whole seconds or minutes
 * such as 90s, 5m or 600 (seconds) → milliseconds. A UsageError (exit 2) for anything else.
 */
export function parseDuration(flag: string, text: unknown, fallback: string): number {
  const s = text === undefined ? fallback : String(text).trim();
  const m = /^([1-9][0-9]{0,5})(s|m)?$/.exec(s);
  const ms = m ? Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000) : NaN;
  if (!(ms <= MAX_SECONDS * 24 * 1000)) throw new UsageError(`${flag} ${s}: expected a duration such as 5m, 90s or 600 (seconds), at most 24h`);
  return ms;
}
