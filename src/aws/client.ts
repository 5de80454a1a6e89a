/**
 * What every AWS SDK client of pipewright shares (ECR, EKS): AWS CLI-like settings (--region,
 * --profile, --endpoint-url and the AWS_ENDPOINT_URL_<SERVICE> variables), standard retries, a
 * time limit per attempt and a deadline per call, XML error bodies made readable, and every error
 * turned into one line (src/aws/errors.ts). Each adapter imports its SDK lazily and hands it here.
 */
import { CALL_DEADLINE_SECONDS, CONNECT_TIMEOUT_SECONDS, withDeadline } from '../core/deadline.js';
import { explainAwsError, errorName, NOT_AWS, type AwsCallContext, type AwsServiceId } from './errors.js';

/** AWS CLI-style flags. */
export interface AwsOptions {
  /** --region; default: the adapter's (the config's aws.region, or the cluster's). */
  readonly region?: string | undefined;
  /** --profile; default: AWS_PROFILE, then the SDK's standard credential chain. */
  readonly profile?: string | undefined;
  /** --endpoint-url; default: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (read by the SDK), then AWS. */
  readonly endpointUrl?: string | undefined;
  /** --timeout: seconds one call may take, connecting, every attempt and backoff included. Default CALL_DEADLINE_SECONDS. */
  readonly timeoutSeconds?: number | undefined;
}

/** Milliseconds one attempt of a call may take: the deadline shared by the attempts (at least 1 s each). */
export const attemptMs = (deadlineSeconds: number, maxAttempts: number): number =>
  Math.max(1000, Math.floor((deadlineSeconds * 1000) / Math.max(1, maxAttempts)));

/** The endpoint calls go to, as shown in messages. */
export function endpointOf(service: AwsServiceId, region: string, opts: AwsOptions): string {
  const env = process.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? process.env.AWS_ENDPOINT_URL;
  const host = service === 'ecr' ? `api.ecr.${region}.amazonaws.com` : `${service}.${region}.amazonaws.com`;
  return opts.endpointUrl ?? env ?? `https://${host}`;
}

/** The profile in use, for messages: --profile, else AWS_PROFILE. */
export const profileOf = (opts: AwsOptions): string | undefined => opts.profile ?? process.env.AWS_PROFILE ?? undefined;

/** The settings every SDK client is constructed with. */
export function clientConfig(region: string, opts: AwsOptions) {
  const deadline = opts.timeoutSeconds ?? CALL_DEADLINE_SECONDS;
  // The SDK warns on stderr about Node versions it will drop in future releases; that is
  // noise for a CLI's users, who cannot act on it (the CLI's own engines field decides).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    region,
    // --profile beats AWS_PROFILE; without either the SDK's chain applies (env keys, default profile, SSO, IMDS…).
    ...(opts.profile !== undefined && { profile: opts.profile }),
    // --endpoint-url beats AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL, which the SDK reads itself.
    ...(opts.endpointUrl !== undefined && { endpoint: opts.endpointUrl }),
    // Standard mode retries throttling, 5xx, connection errors and timed-out attempts with backoff
    // (3 attempts by default: AWS_MAX_ATTEMPTS or max_attempts in the profile); every attempt and
    // backoff fits inside the call's deadline (lazySender).
    retryMode: process.env.AWS_RETRY_MODE || 'standard',
    requestHandler: {
      connectionTimeout: Math.min(CONNECT_TIMEOUT_SECONDS * 1000, deadline * 1000),
      // An attempt that passes its time is an error (and retried), not the SDK's warning on stderr.
      throwOnRequestTimeout: true,
    },
  };
}

type MiddlewareStack = { add(middleware: never, options: { step: 'deserialize'; priority: 'low'; name: string }): void };

/** The part of an SDK client pipewright uses. */
export interface SdkClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal; requestTimeout?: number }): Promise<unknown>;
  readonly middlewareStack: MiddlewareStack;
  readonly config: { maxAttempts(): Promise<number> };
}

/** An SDK module's command classes, by name ("CreateRepositoryCommand"). */
export type SdkCommands = Record<string, unknown>;

/**
 * One call: errors named in `expected` are thrown as the SDK raised them; any other becomes one
 * line. `about` names what the call is about, for the adapter's `context` (e.g. a Fargate profile).
 */
export type AwsSend = (operation: string, input: unknown, expected?: readonly string[], about?: string) => Promise<unknown>;

/**
 * A sender that creates its client on the first call (`load` imports the SDK) and gives every call
 * the deadline (`deadlineSeconds`, --timeout): its attempts share it (each gets an equal part, so a
 * silent endpoint is retried, not waited on once for the whole deadline), and when it passes the
 * call is given up, whatever it was doing (connecting, signing, waiting, backing off). Failures are
 * explained with `context(operation)`.
 */
export function lazySender(
  load: () => Promise<{ commands: SdkCommands; client: SdkClient }>,
  context: (operation: string, about?: string) => AwsCallContext,
  deadlineSeconds = CALL_DEADLINE_SECONDS,
): AwsSend {
  let loaded: Promise<{ commands: SdkCommands; client: SdkClient; maxAttempts: number }> | undefined;
  return async (operation, input, expected = [], about) => {
    let attempts = 0;
    let maxAttempts = 0;
    try {
      loaded ??= load().then(async (l) => {
        l.client.middlewareStack.add(xmlErrorsAsJson as never, { step: 'deserialize', priority: 'low', name: 'pipewrightXmlErrorsAsJson' });
        return { ...l, maxAttempts: await l.client.config.maxAttempts() };
      });
      const { commands, client, ...l } = await loaded;
      maxAttempts = l.maxAttempts;
      const Command = commands[`${operation}Command`] as new (i: unknown) => { middlewareStack: MiddlewareStack };
      const command = new Command(input);
      // The deserialize step runs once per attempt, inside the retries.
      const count: DeserializeMiddleware = (next) => (args) => {
        attempts++;
        return next(args);
      };
      command.middlewareStack.add(count as never, { step: 'deserialize', priority: 'low', name: 'pipewrightAttempts' });
      return await withDeadline(
        deadlineSeconds,
        (abortSignal) => client.send(command, { abortSignal, requestTimeout: attemptMs(deadlineSeconds, maxAttempts) }),
        () => Object.assign(new Error(`no answer within ${deadlineSeconds}s`), { name: 'AbortError' }),
      );
    } catch (e) {
      if (expected.includes(errorName(e))) throw e;
      throw explainAwsError(e, { deadlineSeconds, attempts, maxAttempts, ...context(operation, about) });
    }
  };
}

type DeserializeMiddleware = (next: (args: unknown) => Promise<{ response: unknown }>) => (args: unknown) => Promise<{ response: unknown }>;

/**
 * ECR and EKS speak JSON, but an error can come back as an XML `<ErrorResponse>` from the
 * authentication layer in front of a service (moto's IAM checks answer this way, as do some
 * AWS-compatible gateways). The SDK cannot parse that and reports a SyntaxError; this rewrites
 * such a body into the JSON error shape so the error keeps its real name (AccessDenied,
 * InvalidClientTokenId …). An error answer with no AWS error name at all (an HTML 404 page, an
 * empty 404, a proxy's 502) is not from AWS: it becomes NOT_AWS with the status, type and gist of
 * the body, instead of the SDK's "UnknownError" or a JSON SyntaxError. The status is kept, so 5xx
 * answers are still retried. Responses from the service itself pass through untouched.
 */
const xmlErrorsAsJson: DeserializeMiddleware = (next) => async (args) => {
  const result = await next(args);
  const response = result.response as { statusCode?: number; headers?: Record<string, string>; body?: unknown };
  const status = response?.statusCode ?? 0;
  if (!response || status < 300) return result;
  const headers = response.headers ?? {};
  const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const contentType = header('content-type') ?? '';
  const body = await readBody(response.body);
  const asError = (code: string, message: string) => {
    response.headers = { ...headers, 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code };
    response.body = Buffer.from(JSON.stringify({ __type: code, message }));
    return result;
  };
  const code = /xml|html/i.test(contentType) ? /<Code>([^<]{1,200})<\/Code>/.exec(body)?.[1] : undefined;
  if (code) return asError(code, unescapeXml(/<Message>([^<]{0,2000})<\/Message>/.exec(body)?.[1] ?? ''));
  if (header('x-amzn-errortype') || jsonErrorName(body)) {
    response.body = Buffer.from(body);
    return result;
  }
  const gist = gistOf(body);
  const what = [contentType.split(';')[0]!.trim(), gist ? `"${gist}"` : body ? '' : 'empty body'].filter(Boolean).join(': ');
  return asError(NOT_AWS, `HTTP ${status}${what ? ` (${what})` : ''}`);
};

/** The error name in a JSON error body as AWS services send it, else null. */
function jsonErrorName(body: string): string | null {
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    const name = v && typeof v === 'object' ? (v.__type ?? v.code ?? v.Code) : undefined;
    return typeof name === 'string' && name !== '' ? name : null;
  } catch {
    return null;
  }
}

/** A few words of a body for a message: an HTML page's title or first heading, else its first line of text. */
function gistOf(body: string): string {
  const html = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(body)?.[1] ?? /<h1[^>]*>([^<]{1,200})<\/h1>/i.exec(body)?.[1];
  const text = (html ?? body.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

async function readBody(body: unknown): Promise<string> {
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (typeof body === 'string') return body;
  if (body && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }
  return '';
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
