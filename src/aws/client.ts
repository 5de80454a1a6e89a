/**
 * What every AWS SDK client of pipewright shares (ECR, EKS): AWS CLI-like settings (--region,
 * --profile, --endpoint-url and the AWS_ENDPOINT_URL_<SERVICE> variables), standard retries, a
 * time limit per attempt and a deadline per call, XML error bodies made readable, and every error
 * turned into one line (src/aws/errors.ts). Each adapter imports its SDK lazily and hands it here.
 */
import { explainAwsError, errorName, type AwsCallContext, type AwsServiceId } from './errors.js';

/** AWS CLI-style flags. */
export interface AwsOptions {
  /** --region; default: the adapter's (the config's aws.region, or the cluster's). */
  readonly region?: string | undefined;
  /** --profile; default: AWS_PROFILE, then the SDK's standard credential chain. */
  readonly profile?: string | undefined;
  /** --endpoint-url; default: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (read by the SDK), then AWS. */
  readonly endpointUrl?: string | undefined;
}

/** Seconds one call (all its attempts and backoff) may take before it is given up. */
export const CALL_DEADLINE_SECONDS = 120;

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
  // The SDK warns on stderr about Node versions it will drop in future releases; that is
  // noise for a CLI's users, who cannot act on it (the CLI's own engines field decides).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    region,
    // --profile beats AWS_PROFILE; without either the SDK's chain applies (env keys, default profile, SSO, IMDS…).
    ...(opts.profile !== undefined && { profile: opts.profile }),
    // --endpoint-url beats AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL, which the SDK reads itself.
    ...(opts.endpointUrl !== undefined && { endpoint: opts.endpointUrl }),
    // Standard mode retries throttling, 5xx and connection errors with backoff (3 attempts by default).
    retryMode: process.env.AWS_RETRY_MODE || 'standard',
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
  };
}

/** The part of an SDK client pipewright uses. */
export interface SdkClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  readonly middlewareStack: { add(middleware: never, options: { step: 'deserialize'; priority: 'low'; name: string }): void };
}

/** An SDK module's command classes, by name ("CreateRepositoryCommand"). */
export type SdkCommands = Record<string, unknown>;

/**
 * One call: errors named in `expected` are thrown as the SDK raised them; any other becomes one
 * line. `about` names what the call is about, for the adapter's `context` (e.g. a Fargate profile).
 */
export type AwsSend = (operation: string, input: unknown, expected?: readonly string[], about?: string) => Promise<unknown>;

/**
 * A sender that creates its client on the first call (`load` imports the SDK), gives every call
 * the deadline (all attempts and backoff included), and explains failures with `context(operation)`.
 */
export function lazySender(
  load: () => Promise<{ commands: SdkCommands; client: SdkClient }>,
  context: (operation: string, about?: string) => AwsCallContext,
  deadlineSeconds = CALL_DEADLINE_SECONDS,
): AwsSend {
  let loaded: Promise<{ commands: SdkCommands; client: SdkClient }> | undefined;
  return async (operation, input, expected = [], about) => {
    try {
      loaded ??= load().then((l) => {
        l.client.middlewareStack.add(xmlErrorsAsJson as never, { step: 'deserialize', priority: 'low', name: 'pipewrightXmlErrorsAsJson' });
        return l;
      });
      const { commands, client } = await loaded;
      const Command = commands[`${operation}Command`] as new (i: unknown) => unknown;
      return await client.send(new Command(input), { abortSignal: AbortSignal.timeout(deadlineSeconds * 1000) });
    } catch (e) {
      if (expected.includes(errorName(e))) throw e;
      throw explainAwsError(e, { deadlineSeconds, ...context(operation, about) });
    }
  };
}

type DeserializeMiddleware = (next: (args: unknown) => Promise<{ response: unknown }>) => (args: unknown) => Promise<{ response: unknown }>;

/**
 * ECR and EKS speak JSON, but an error can come back as an XML `<ErrorResponse>` from the
 * authentication layer in front of a service (moto's IAM checks answer this way, as do some
 * AWS-compatible gateways). The SDK cannot parse that and reports a SyntaxError; this rewrites
 * such a body into the JSON error shape so the error keeps its real name (AccessDenied,
 * InvalidClientTokenId …). Responses from the service itself are JSON and pass through untouched.
 */
const xmlErrorsAsJson: DeserializeMiddleware = (next) => async (args) => {
  const result = await next(args);
  const response = result.response as { statusCode?: number; headers?: Record<string, string>; body?: unknown };
  if (!response || (response.statusCode ?? 0) < 400 || !/xml|html/i.test(response.headers?.['content-type'] ?? '')) return result;
  const body = await readBody(response.body);
  const code = /<Code>([^<]{1,200})<\/Code>/.exec(body)?.[1];
  if (!code) {
    response.body = Buffer.from(body);
    return result;
  }
  const message = /<Message>([^<]{0,2000})<\/Message>/.exec(body)?.[1] ?? '';
  response.headers = { ...response.headers, 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code };
  response.body = Buffer.from(JSON.stringify({ __type: code, message: unescapeXml(message) }));
  return result;
};

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
