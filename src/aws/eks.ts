/**
 * The @aws-sdk/client-eks adapter, one per cluster: the same lazily created client, settings,
 * deadline and one-line errors as ECR's (src/aws/client.ts). Only the calls `cluster bootstrap`
 * needs for Fargate profiles.
 */
import type * as Sdk from '@aws-sdk/client-eks';
import { clientConfig, endpointOf, lazySender, profileOf, type AwsOptions, type SdkClient, type SdkCommands } from './client.js';
import { partitionOf } from './errors.js';

/** The EKS operations pipewright uses: name → [input, output]. */
export interface EksOperations {
  DescribeCluster: [Sdk.DescribeClusterCommandInput, Sdk.DescribeClusterCommandOutput];
  DescribeFargateProfile: [Sdk.DescribeFargateProfileCommandInput, Sdk.DescribeFargateProfileCommandOutput];
  CreateFargateProfile: [Sdk.CreateFargateProfileCommandInput, Sdk.CreateFargateProfileCommandOutput];
}
export type EksOperation = keyof EksOperations;

/** --profile, --endpoint-url (or AWS_ENDPOINT_URL_EKS) and --timeout; the region is the cluster's. */
export type EksOptions = Omit<AwsOptions, 'region'>;

export interface EksTarget {
  readonly cluster: string;
  readonly region: string;
  /** The config's aws.accountId, for ARNs in messages. */
  readonly accountId: string;
}

export interface Eks extends EksTarget {
  /** The endpoint calls go to, for messages. */
  readonly endpoint: string;
  /**
   * One EKS call about this cluster (or `profile`, one of its Fargate profiles). Errors named in
   * `expected` are thrown as the SDK raised them; any other becomes a one-line AwsError.
   */
  send<K extends EksOperation>(operation: K, input: EksOperations[K][0], expected?: readonly string[], profile?: string): Promise<EksOperations[K][1]>;
}

/** Open an EKS adapter for one cluster. No network access and no SDK load happen here. */
export function openEks(opts: EksOptions, target: EksTarget): Eks {
  const { cluster, region, accountId } = target;
  const aws: AwsOptions = { ...opts, region };
  const profile = profileOf(aws);
  const endpoint = endpointOf('eks', region, aws);
  const clusterArn = `arn:${partitionOf(region)}:eks:${region}:${accountId}:cluster/${cluster}`;
  const send = lazySender(
    async () => {
      const sdk = await import('@aws-sdk/client-eks');
      return { commands: sdk as unknown as SdkCommands, client: new sdk.EKSClient(clientConfig(region, aws)) as unknown as SdkClient };
    },
    (operation, about) => ({
      service: 'eks',
      operation,
      region,
      endpoint,
      profile,
      accountId,
      resource: about
        ? { arn: `arn:${partitionOf(region)}:eks:${region}:${accountId}:fargateprofile/${cluster}/${about}/*`, name: `Fargate profile ${about} of cluster ${cluster}` }
        : { arn: clusterArn, name: `cluster ${cluster}` },
      explain: {
        ResourceNotFoundException: (message) =>
          /fargate profile/i.test(message) && about
            ? `EKS has no Fargate profile ${about} in cluster ${cluster} (${region})`
            : `EKS cluster ${cluster} does not exist in account ${accountId}, region ${region} (${message || 'ResourceNotFoundException'}): check environments[].clusters and aws.cluster, and that the credentials are for account ${accountId}`,
        InvalidParameterException: (message) => `EKS refused eks:${operation} for cluster ${cluster} in ${region}: ${message}`,
        InvalidRequestException: (message) => `EKS refused eks:${operation} for cluster ${cluster} in ${region}: ${message}`,
      },
    }),
    opts.timeoutSeconds,
  );
  return {
    cluster,
    region,
    accountId,
    endpoint,
    send: async (operation, input, expected, fargateProfile) => (await send(operation, input, expected, fargateProfile)) as never,
  };
}
