/**
 * The @aws-sdk/client-ecr adapter: one lazily created client with the settings every AWS client
 * shares (src/aws/client.ts), and every call's errors turned into one-line messages
 * (src/aws/errors.ts). The SDK is imported only when a call is made, so nothing that merely
 * imports this module pays for it.
 */
import type * as Sdk from '@aws-sdk/client-ecr';
import { clientConfig, endpointOf, lazySender, profileOf, type AwsOptions, type SdkClient, type SdkCommands } from './client.js';
import { errorName } from './errors.js';
import type { Model } from '../model/model.js';

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

/** --region (default: the config's aws.region), --profile, --endpoint-url (or AWS_ENDPOINT_URL_ECR), --timeout. */
export type EcrOptions = AwsOptions;

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

/** The app's repository, as its config names it: what every command that calls ECR opens. */
export const ecrTargetOf = (m: Pick<Model, 'aws' | 'image'>): EcrTarget => ({ defaultRegion: m.aws.region, accountId: m.aws.accountId, repository: m.image.repository });

/** Open an ECR adapter for the app's repository. No network access and no SDK load happen here. */
export function openEcr(opts: EcrOptions, target: EcrTarget): Ecr {
  const region = opts.region ?? target.defaultRegion;
  const profile = profileOf(opts);
  const endpoint = endpointOf('ecr', region, opts);
  const send = lazySender(
    async () => {
      const sdk = await import('@aws-sdk/client-ecr');
      return { commands: sdk as unknown as SdkCommands, client: new sdk.ECRClient(clientConfig(region, opts)) as unknown as SdkClient };
    },
    (operation) => ({ service: 'ecr', operation, region, endpoint, profile, accountId: target.accountId, repository: target.repository }),
    opts.timeoutSeconds,
  );
  return {
    region,
    endpoint,
    registryId: target.accountId,
    repository: target.repository,
    send: (operation, input, expected) => send(operation, input, expected) as never,
  };
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
