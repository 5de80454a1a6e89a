/**
 * AWS SDK errors → one-line PipewrightErrors that say what to check, for every service pipewright
 * calls (ECR, EKS). Credentials are never printed: messages are built from the error's name and
 * our own context, and anything in an SDK message that looks like an access key id is masked.
 */
import { PipewrightError } from '../core/errors.js';

/**
 * An AWS service could not do what was asked: credentials, permissions, network, or an AWS-side
 * refusal. Exit 1. `reason` "no-credentials": the credential chain found nothing at all (a dry run
 * may go on without AWS then).
 */
export class AwsError extends PipewrightError {
  readonly exitCode = 1;
  constructor(
    message: string,
    /** no-answer: the endpoint did not answer in time, so a write may or may not have taken effect. */
    readonly reason: 'no-credentials' | 'no-answer' | 'other' = 'other',
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

/** The services pipewright calls, as the IAM action prefix names them. */
export type AwsServiceId = 'ecr' | 'eks';

/** What the failed call was about, for the message. */
export interface AwsCallContext {
  /** Default "ecr". */
  readonly service?: AwsServiceId;
  /** The operation, e.g. CreateRepository (the IAM action is <service>:<operation>). */
  readonly operation: string;
  readonly region: string;
  /** The endpoint the call went to, as shown to the user. */
  readonly endpoint: string;
  /** The profile chosen with --profile or AWS_PROFILE, if any. */
  readonly profile?: string | undefined;
  /** The account from the config's aws.accountId (ECR's registry id). */
  readonly accountId: string;
  /** The ECR repository the call is about (ECR calls). */
  readonly repository?: string;
  /** The resource the call is about when it is not a repository: its ARN and how messages name it. */
  readonly resource?: { readonly arn: string; readonly name: string };
  /** Sentences for errors this service names itself, by error name (e.g. EKS's ResourceNotFoundException). */
  readonly explain?: Readonly<Record<string, (message: string) => string>>;
  /** The call's deadline, for the message when it passes. */
  readonly deadlineSeconds?: number;
  /** Attempts made, and allowed, when the call failed. */
  readonly attempts?: number;
  readonly maxAttempts?: number;
}

/** The name lazySender's middleware gives an error answer no AWS service would send (an HTML 404 page, an empty 404). */
export const NOT_AWS = 'PipewrightNotAnAwsAnswer';

const SERVICE_NAMES: Record<AwsServiceId, string> = { ecr: 'ECR', eks: 'EKS' };

/** The error's AWS name (ECR exception name, XML error code, or Node system error code). */
export function errorName(e: unknown): string {
  if (typeof e !== 'object' || e === null) return '';
  const err = e as { name?: unknown; Code?: unknown; code?: unknown };
  // Node system errors (also wrapped in an AggregateError by happy eyeballs) carry the code.
  if (typeof err.code === 'string' && /^E[A-Z_]+$/.test(err.code)) return err.code;
  if (typeof err.name === 'string' && err.name !== 'Error') return err.name;
  if (typeof err.Code === 'string') return err.Code;
  if (typeof err.code === 'string') return err.code;
  return typeof err.name === 'string' ? err.name : '';
}

const CREDENTIALS_MISSING = new Set(['CredentialsProviderError', 'TokenProviderError']);
const CREDENTIALS_REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
/** The call's own deadline passed (an AbortSignal.timeout on the send). */
const DEADLINE = new Set(['AbortError']);

/** The partition of a region, for ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function repositoryArn(ctx: Pick<AwsCallContext, 'region' | 'accountId' | 'repository'>): string {
  return `arn:${partitionOf(ctx.region)}:ecr:${ctx.region}:${ctx.accountId}:repository/${ctx.repository ?? ''}`;
}

/** The resource a call is about: its ARN and its name in messages. */
function resourceOf(ctx: AwsCallContext): { arn: string; name: string } {
  return ctx.resource ?? { arn: repositoryArn(ctx), name: ctx.repository ?? '' };
}

/** First line of an SDK message, without anything shaped like an access key id, and not too long. */
export function safeMessage(message: unknown): string {
  const first = String(message ?? '').split('\n')[0]!.trim();
  const masked = first.replace(/\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g, '<access key id>');
  return masked.length > 300 ? `${masked.slice(0, 297)}...` : masked;
}

function whereCredentialsCameFrom(ctx: AwsCallContext): string {
  return ctx.profile ? `profile "${ctx.profile}"` : 'the credentials from the environment or the default profile';
}

/**
 * Turn an error from an AWS call into a user-facing one-line error. Errors that are not from AWS
 * or the network (programming errors) are returned unchanged so the CLI shows them as bugs.
 */
export function explainAwsError(e: unknown, ctx: AwsCallContext): unknown {
  if (e instanceof PipewrightError) return e;
  const name = errorName(e);
  const err = (typeof e === 'object' && e !== null ? e : {}) as {
    message?: unknown;
    $metadata?: { httpStatusCode?: number; attempts?: number };
    $fault?: unknown;
  };
  const service = ctx.service ?? 'ecr';
  const NAME = SERVICE_NAMES[service];
  const action = `${service}:${ctx.operation}`;
  const resource = resourceOf(ctx);

  if (CREDENTIALS_MISSING.has(name)) {
    if (ctx.profile) {
      // The chain's last word ("Could not load credentials from any providers") says nothing more.
      const why = safeMessage(err.message);
      const detail = /any providers/i.test(why) || !why ? '' : ` (${why})`;
      return new AwsError(
        `no usable AWS credentials in profile "${ctx.profile}"${detail}: check ~/.aws/config and ~/.aws/credentials, ` +
          `or for an SSO profile run: aws sso login --profile ${ctx.profile}`,
        'no-credentials',
      );
    }
    return new AwsError(
      'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), ' +
        'or choose a profile with --profile or AWS_PROFILE (for an SSO profile, run aws sso login --profile <name> first)',
      'no-credentials',
    );
  }
  if (CREDENTIALS_REJECTED.has(name)) {
    const expired = /expired/i.test(name);
    return new AwsError(
      `AWS rejected ${whereCredentialsCameFrom(ctx)} (${name}) calling ${action} in ${ctx.region}: ` +
        (expired ? 'they have expired; ' : 'they are invalid or expired; ') +
        'refresh them (aws sso login, new access keys, or a new session token)',
    );
  }
  if (ACCESS_DENIED.has(name)) {
    return new AwsError(
      `access denied: ${whereCredentialsCameFrom(ctx)} may not call ${action} on ${resource.arn}; ` +
        `allow "${action}" on that resource in the caller's IAM policy (and check the credentials are for account ${ctx.accountId})`,
    );
  }
  if (name === 'RepositoryNotFoundException' && service === 'ecr') {
    return new AwsError(
      `ECR repository ${ctx.repository} does not exist in account ${ctx.accountId}, region ${ctx.region}: run pipewright ecr ensure first (or check --region and aws.accountId)`,
    );
  }
  const explain = ctx.explain?.[name];
  if (explain) return new AwsError(explain(safeMessage(err.message)));
  const endpointEnv = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
  const check = `check --endpoint-url, ${endpointEnv} / AWS_ENDPOINT_URL, the network and any proxy`;
  const made = ctx.attempts ?? err.$metadata?.attempts ?? 0;
  const tried = made > 1 ? `, ${made} attempts` : '';
  // The call's deadline passed, or its last attempt timed out (connecting or waiting for the answer).
  if (DEADLINE.has(name) || name === 'TimeoutError' || name === 'RequestTimeout' || name === 'ETIMEDOUT') {
    const connecting = /establish a connection/i.test(String(err.message ?? ''));
    const within = ctx.deadlineSeconds !== undefined ? ` within ${ctx.deadlineSeconds}s` : '';
    return new AwsError(
      `${connecting ? 'could not connect to' : 'no answer from'} the ${NAME} endpoint ${ctx.endpoint}${within} (--timeout${tried}) calling ${action}: ${check}`,
      'no-answer',
    );
  }
  if (NETWORK.has(name)) {
    return new AwsError(`cannot reach the ${NAME} endpoint ${ctx.endpoint} (${name}) calling ${action}${made > 1 ? ` (${made} attempts)` : ''}: ${check}`);
  }
  if (name === NOT_AWS) {
    const answer = safeMessage(err.message);
    return new AwsError(
      `the ${NAME} endpoint ${ctx.endpoint} answered ${action} with ${answer}${tried}, which no ${NAME} API sends: ` +
        `it is probably not an ${NAME} endpoint (check --endpoint-url, ${endpointEnv} and AWS_ENDPOINT_URL), or a proxy in between answered`,
    );
  }
  const status = err.$metadata?.httpStatusCode;
  const attempts = err.$metadata?.attempts;
  const tries = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  if (THROTTLED.has(name)) {
    return new AwsError(`${NAME} throttled ${action} (${name})${tries}: try again later, or raise AWS_MAX_ATTEMPTS`);
  }
  const fromAws = err.$metadata !== undefined || err.$fault !== undefined;
  if (!fromAws) return e;
  if (status !== undefined && status >= 500) {
    return new AwsError(`${NAME} failed ${action} with HTTP ${status} (${name || 'server error'})${tries}: try again later`);
  }
  const detail = safeMessage(err.message);
  return new AwsError(`${NAME} refused ${action} on ${resource.name} in ${ctx.region}: ${name || `HTTP ${status ?? '?'}`}${detail ? `: ${detail}` : ''}`);
}
