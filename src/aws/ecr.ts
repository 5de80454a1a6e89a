/**
 * The @aws-sdk/client-ecr adapter: one lazily created client, AWS CLI-like settings, and every
 * call's errors turned into one-line messages (src/aws/errors.ts). The SDK is imported only
 * when a call is made, so nothing that merely imports this module pays for it.
 */
import type * as Sdk from '@aws-sdk/client-ecr';
import { explainAwsError, errorName, type AwsCallContext } from './errors.js';

/** The ECR operations pipewright uses: name → [input, output]. */
export interface EcrOperations {
  BatchGetImage: [Sdk.BatchGetImageCommandInput, Sdk.BatchGetImageCommandOutput];
  CreateRepository: [Sdk.CreateRepositoryCommandInput, Sdk.CreateRepositoryCommandOutput];
  DescribeImageScanFindings: [Sdk.DescribeImageScanFindingsCommandInput, Sdk.DescribeImageScanFindingsCommandOutput];
  DescribeImages: [Sdk.DescribeImagesCommandInput, Sdk.DescribeImagesCommandOutput];
  DescribeRepositories: [Sdk.DescribeRepositoriesCommandInput, Sdk.DescribeRepositoriesCommandOutput];
  GetLifecyclePolicy: [Sdk.GetLifecyclePolicyCommandInput, Sdk.GetLifecyclePolicyCommandOutput];
  PutImage: [Sdk.PutImageCommandInput, Sdk.PutImageCommandOutput];
  PutImageScanningConfiguration: [Sdk.PutImageScanningConfigurationCommandInput, Sdk.PutImageScanningConfigurationCommandOutput];
  PutImageTagMutability: [Sdk.PutImageTagMutabilityCommandInput, Sdk.PutImageTagMutabilityCommandOutput];
  PutLifecyclePolicy: [Sdk.PutLifecyclePolicyCommandInput, Sdk.PutLifecyclePolicyCommandOutput];
}
export type EcrOperation = keyof EcrOperations;

export interface EcrOptions {
  /** --region; default: the config's aws.region (`defaultRegion`). */
  readonly region?: string | undefined;
  /** --profile; default: AWS_PROFILE, then the SDK's standard credential chain. */
  readonly profile?: string | undefined;
  /** --endpoint-url; default: AWS_ENDPOINT_URL_ECR, then AWS_ENDPOINT_URL (read by the SDK), then AWS. */
  readonly endpointUrl?: string | undefined;
}

export interface Ecr {
  readonly region: string;
  /** The endpoint calls go to, for messages. */
  readonly endpoint: string;
  /** The registry (AWS account) every call names: the config's aws.accountId. */
  readonly registryId: string;
  readonly repository: string;
  /**
   * One ECR call. Errors named in `expected` are thrown as the SDK raised them, for the caller to
   * handle (check with `errorName`); any other error becomes a one-line PipewrightError.
   */
  send<K extends EcrOperation>(operation: K, input: EcrOperations[K][0], expected?: readonly string[]): Promise<EcrOperations[K][1]>;
}

export interface EcrTarget {
  /** The config's aws.region. */
  readonly defaultRegion: string;
  readonly accountId: string;
  readonly repository: string;
}

/** Open an ECR adapter for the app's repository. No network access and no SDK load happen here. */
export function openEcr(opts: EcrOptions, target: EcrTarget): Ecr {
  const region = opts.region ?? target.defaultRegion;
  const profile = opts.profile ?? process.env.AWS_PROFILE ?? undefined;
  const endpoint =
    opts.endpointUrl ?? process.env.AWS_ENDPOINT_URL_ECR ?? process.env.AWS_ENDPOINT_URL ?? `https://api.ecr.${region}.amazonaws.com`;
  let client: Promise<{ sdk: typeof Sdk; client: Sdk.ECRClient }> | undefined;

  const load = async () => {
    // The SDK warns on stderr about Node versions it will drop in future releases; that is
    // noise for a CLI's users, who cannot act on it (the CLI's own engines field decides).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const sdk = await import('@aws-sdk/client-ecr');
    const c = new sdk.ECRClient({
      region,
      // --profile beats AWS_PROFILE; without either the SDK's chain applies (env keys, default profile, SSO, IMDS…).
      ...(opts.profile !== undefined && { profile: opts.profile }),
      // --endpoint-url beats AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL, which the SDK reads itself.
      ...(opts.endpointUrl !== undefined && { endpoint: opts.endpointUrl }),
      // Standard mode retries throttling, 5xx and connection errors with backoff (3 attempts by default).
      retryMode: process.env.AWS_RETRY_MODE || 'standard',
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
    });
    c.middlewareStack.add(xmlErrorsAsJson, { step: 'deserialize', priority: 'low', name: 'pipewrightXmlErrorsAsJson' });
    return { sdk, client: c };
  };

  return {
    region,
    endpoint,
    registryId: target.accountId,
    repository: target.repository,
    async send(operation, input, expected = []) {
      const ctx: AwsCallContext = { operation, region, endpoint, profile, accountId: target.accountId, repository: target.repository };
      try {
        client ??= load();
        const { sdk, client: c } = await client;
        const Command = (sdk as unknown as Record<string, new (i: unknown) => Parameters<Sdk.ECRClient['send']>[0]>)[`${operation}Command`]!;
        return (await c.send(new Command(input))) as never;
      } catch (e) {
        if (expected.includes(errorName(e))) throw e;
        throw explainAwsError(e, ctx);
      }
    },
  };
}

type AddMiddleware = Sdk.ECRClient['middlewareStack']['add'];
type DeserializeMiddleware = Parameters<AddMiddleware>[0];

/**
 * ECR speaks JSON 1.1, but an error can come back as an XML `<ErrorResponse>` from the
 * authentication layer in front of a service (moto's IAM checks answer this way, as do some
 * AWS-compatible gateways). The SDK cannot parse that and reports a SyntaxError; this rewrites
 * such a body into the JSON error shape so the error keeps its real name (AccessDenied,
 * InvalidClientTokenId …). Responses from ECR itself are JSON and pass through untouched.
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

/** An image's details (digest, tags, push time), or null when the repository has no such image. */
export async function describeImage(ecr: Ecr, imageId: { imageTag: string } | { imageDigest: string }): Promise<Sdk.ImageDetail | null> {
  try {
    const out = await ecr.send('DescribeImages', { registryId: ecr.registryId, repositoryName: ecr.repository, imageIds: [imageId] }, ['ImageNotFoundException']);
    return out.imageDetails?.[0] ?? null;
  } catch (e) {
    if (errorName(e) === 'ImageNotFoundException') return null;
    throw e;
  }
}
