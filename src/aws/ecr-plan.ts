/**
 * `pipewright ecr ensure`, the pure part: the repository the model asks for, and the ECR calls
 * that bring the current repository (or its absence) into line. No I/O here.
 */
import type { Model } from '../model/model.js';

export type TagMutability = 'IMMUTABLE' | 'MUTABLE' | string;

export interface EncryptionSetting {
  readonly encryptionType: 'AES256' | 'KMS' | string;
  readonly kmsKey?: string | undefined;
}

/** What pipewright manages on the repository. */
export interface RepositoryState {
  readonly imageTagMutability: TagMutability;
  readonly scanOnPush: boolean;
  readonly encryption: EncryptionSetting;
  /** The lifecycle policy text, or null when the repository has none. */
  readonly lifecyclePolicyText: string | null;
}

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description: string;
  readonly selection:
    | { readonly tagStatus: 'untagged'; readonly countType: 'sinceImagePushed'; readonly countUnit: 'days'; readonly countNumber: number }
    | { readonly tagStatus: 'tagged'; readonly tagPrefixList: readonly string[]; readonly countType: 'imageCountMoreThan'; readonly countNumber: number };
  readonly action: { readonly type: 'expire' };
}

export interface LifecyclePolicy {
  readonly rules: readonly LifecycleRule[];
}

/** One ECR call, as it would be made (the registry id and repository name included). */
export interface EcrCall {
  readonly operation: 'CreateRepository' | 'PutImageTagMutability' | 'PutImageScanningConfiguration' | 'PutLifecyclePolicy';
  /** Why, in a few words: what differs. */
  readonly reason: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface RepositoryPlan {
  readonly calls: readonly EcrCall[];
  /** What differs and cannot be changed in place (encryption): the repository must be recreated. */
  readonly drift: readonly string[];
}

/**
 * The lifecycle policy: untagged images expire after `untaggedDays`; for each environment the
 * last `keep` images tagged `<imageTag>-…` are kept.
 *
 * Order matters. ECR evaluates rules from the lowest rulePriority up, and an image belongs to the
 * first rule whose selection matches ANY of its tags: a lower-priority rule can no longer expire
 * it. A promoted image carries every environment's tag it passed through (develop-…, staging-…,
 * master-…), so the production rule must come first, then the environments before it, backwards:
 * otherwise a production image would be counted, and expired, among the develop images.
 */
export function lifecyclePolicy(model: Model): LifecyclePolicy {
  const envs = model.environments.map((e, i) => ({ e, i }));
  envs.sort((a, b) => Number(b.e.production) - Number(a.e.production) || b.i - a.i);
  const days = model.image.untaggedDays;
  return {
    rules: [
      {
        rulePriority: 1,
        description: `untagged images expire ${days} day${days === 1 ? '' : 's'} after their push`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days },
        action: { type: 'expire' },
      },
      ...envs.map(({ e }, j): LifecycleRule => ({
        rulePriority: j + 2,
        description: `${e.name}: keep the last ${model.image.keep} images tagged ${e.imageTag}-*`,
        selection: { tagStatus: 'tagged', tagPrefixList: [`${e.imageTag}-`], countType: 'imageCountMoreThan', countNumber: model.image.keep },
        action: { type: 'expire' },
      })),
    ],
  };
}

/** The repository settings the model asks for. */
export function desiredRepository(model: Model): RepositoryState {
  const { encryption } = model.image;
  return {
    imageTagMutability: 'IMMUTABLE',
    scanOnPush: model.image.scanOnPush,
    encryption: { encryptionType: encryption.type, ...(encryption.type === 'KMS' && encryption.kmsKey !== null && { kmsKey: encryption.kmsKey }) },
    lifecyclePolicyText: JSON.stringify(lifecyclePolicy(model)),
  };
}

/** JSON with object keys sorted and lifecycle rules ordered by priority: equal policies compare equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const out = Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
    if (Array.isArray(out.rules)) {
      out.rules = [...(out.rules as { rulePriority?: number }[])].sort((a, b) => (a.rulePriority ?? 0) - (b.rulePriority ?? 0));
    }
    return out;
  }
  return value;
}

/** Whether two lifecycle policy texts say the same thing (whitespace, key order and rule order aside). */
export function sameLifecyclePolicy(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(JSON.parse(b)));
  } catch {
    return false;
  }
}

/**
 * Whether the repository's KMS key is the one asked for. ECR reports a key ARN; the config may
 * name a key ARN or a key id (comparable), or an alias (not comparable without KMS: accepted).
 */
function sameKmsKey(wanted: string | undefined, actual: string | undefined): boolean {
  if (wanted === undefined || wanted.startsWith('alias/') || actual === undefined) return true;
  if (wanted.startsWith('arn:')) return wanted === actual;
  return actual === wanted || actual.endsWith(`:key/${wanted}`);
}

const describeEncryption = (e: EncryptionSetting) => (e.kmsKey ? `${e.encryptionType} (${e.kmsKey})` : e.encryptionType);

/**
 * The calls that turn `current` (null: no repository) into `desired`. `names` are the registry
 * id and repository name every call carries.
 */
export function planRepository(
  desired: RepositoryState,
  current: RepositoryState | null,
  names: { readonly registryId: string; readonly repositoryName: string },
): RepositoryPlan {
  const base = { registryId: names.registryId, repositoryName: names.repositoryName };
  const putPolicy = (reason: string): EcrCall => ({
    operation: 'PutLifecyclePolicy',
    reason,
    params: { ...base, lifecyclePolicyText: desired.lifecyclePolicyText },
  });
  if (current === null) {
    return {
      calls: [
        {
          operation: 'CreateRepository',
          reason: 'the repository does not exist',
          params: {
            ...base,
            imageTagMutability: desired.imageTagMutability,
            imageScanningConfiguration: { scanOnPush: desired.scanOnPush },
            encryptionConfiguration: desired.encryption,
          },
        },
        putPolicy('a new repository has no lifecycle policy'),
      ],
      drift: [],
    };
  }
  const calls: EcrCall[] = [];
  const drift: string[] = [];
  if (current.imageTagMutability !== desired.imageTagMutability) {
    calls.push({
      operation: 'PutImageTagMutability',
      reason: `tags are ${current.imageTagMutability}, want ${desired.imageTagMutability}`,
      params: { ...base, imageTagMutability: desired.imageTagMutability },
    });
  }
  if (current.scanOnPush !== desired.scanOnPush) {
    calls.push({
      operation: 'PutImageScanningConfiguration',
      reason: `scanOnPush is ${current.scanOnPush}, want ${desired.scanOnPush}`,
      params: { ...base, imageScanningConfiguration: { scanOnPush: desired.scanOnPush } },
    });
  }
  if (!sameLifecyclePolicy(current.lifecyclePolicyText, desired.lifecyclePolicyText)) {
    calls.push(putPolicy(current.lifecyclePolicyText === null ? 'the repository has no lifecycle policy' : 'the lifecycle policy differs'));
  }
  if (
    current.encryption.encryptionType !== desired.encryption.encryptionType ||
    !sameKmsKey(desired.encryption.kmsKey, current.encryption.kmsKey)
  ) {
    drift.push(
      `repository ${names.repositoryName} is encrypted with ${describeEncryption(current.encryption)}, ` +
        `but the config asks for ${describeEncryption(desired.encryption)} (image.encryption/image.kmsKey); ` +
        'ECR fixes encryption when a repository is created, so it must be recreated: ' +
        'delete it (with its images) and run pipewright ecr ensure again, or change the config to match',
    );
  }
  return { calls, drift };
}
