/**
 * `pipewright ecr ensure` against ECR: read the repository, plan (src/aws/ecr-plan.ts), apply.
 * Safe to re-run and to retry: a CreateRepository whose response was lost converges on the
 * repository it did create.
 */
import type { Model } from '../model/model.js';
import type { Ecr } from './ecr.js';
import { ChangeLog, PipewrightError } from '../core/errors.js';
import { AwsError, errorName } from './errors.js';
import { desiredRepository, planRepository, type EcrCall, type RepositoryState } from './ecr-plan.js';

export interface EnsureResult {
  readonly repository: string;
  readonly registryId: string;
  readonly region: string;
  /** The repository URI, when the repository exists (or was created). */
  readonly uri: string | null;
  readonly dryRun: boolean;
  /** created | updated | unchanged, or would-create | would-update in a dry run. */
  readonly status: 'created' | 'updated' | 'unchanged' | 'would-create' | 'would-update';
  /** The calls made (or, in a dry run, that would be made), in order. */
  readonly calls: readonly EcrCall[];
  /** Differences that cannot be fixed in place. Non-empty → exit 1. */
  readonly drift: readonly string[];
}

interface Current {
  readonly state: RepositoryState | null;
  readonly uri: string | null;
}

async function readRepository(ecr: Ecr): Promise<Current> {
  const names = { registryId: ecr.registryId, repositoryName: ecr.repository };
  let repo;
  try {
    const out = await ecr.send('DescribeRepositories', { registryId: names.registryId, repositoryNames: [names.repositoryName] }, [
      'RepositoryNotFoundException',
    ]);
    repo = out.repositories?.find((r) => r.repositoryName === names.repositoryName);
  } catch (e) {
    if (errorName(e) === 'RepositoryNotFoundException') return { state: null, uri: null };
    throw e;
  }
  if (!repo) return { state: null, uri: null };
  let lifecyclePolicyText: string | null = null;
  try {
    const out = await ecr.send('GetLifecyclePolicy', names, ['LifecyclePolicyNotFoundException']);
    lifecyclePolicyText = out.lifecyclePolicyText ?? null;
  } catch (e) {
    if (errorName(e) !== 'LifecyclePolicyNotFoundException') throw e;
  }
  return {
    uri: repo.repositoryUri ?? null,
    state: {
      imageTagMutability: repo.imageTagMutability ?? 'MUTABLE',
      scanOnPush: repo.imageScanningConfiguration?.scanOnPush ?? false,
      encryption: {
        encryptionType: repo.encryptionConfiguration?.encryptionType ?? 'AES256',
        ...(repo.encryptionConfiguration?.kmsKey && { kmsKey: repo.encryptionConfiguration.kmsKey }),
      },
      lifecyclePolicyText,
    },
  };
}

/** Make the call; CreateRepository answers with the new repository's URI (null for the others). */
async function apply(ecr: Ecr, call: EcrCall): Promise<string | null> {
  const expected = call.operation === 'CreateRepository' ? ['RepositoryAlreadyExistsException'] : [];
  const out = await ecr.send(call.operation, call.params as never, expected);
  return (out as { repository?: { repositoryUri?: string } }).repository?.repositoryUri ?? null;
}

/** A call as the progress report names it. */
const named = (call: EcrCall): string => `${call.operation} (${call.reason})`;

export async function ensureRepository(ecr: Ecr, model: Model, opts: { readonly dryRun?: boolean } = {}): Promise<EnsureResult> {
  const desired = desiredRepository(model);
  const names = { registryId: ecr.registryId, repositoryName: ecr.repository };
  const log = new ChangeLog();
  try {
    let current = await readRepository(ecr);
    let plan = planRepository(desired, current.state, names);
    const base = { repository: ecr.repository, registryId: ecr.registryId, region: ecr.region, dryRun: Boolean(opts.dryRun) };
    if (opts.dryRun || plan.calls.length === 0) {
      const status = plan.calls.length === 0 ? 'unchanged' : current.state === null ? 'would-create' : 'would-update';
      return { ...base, uri: current.uri, status, calls: plan.calls, drift: plan.drift };
    }
    const created = current.state === null;
    const made: EcrCall[] = [];
    let uri = current.uri;
    /** Make each call in turn, in the log, for a report if one fails. */
    const applyAll = async (calls: readonly EcrCall[]) => {
      log.plan(calls.map(named));
      for (const call of calls) {
        uri = (await log.change(named(call), () => apply(ecr, call), named(call))) ?? uri;
        log.reach(named(call));
        made.push(call);
      }
    };
    try {
      await applyAll(plan.calls);
    } catch (e) {
      if (made.length > 0 || errorName(e) !== 'RepositoryAlreadyExistsException') throw e;
      // CreateRepository (always the first call): the repository exists after all: a retried call
      // whose first attempt created it (the response was lost), or someone else just created it.
      // Converge on what is there.
      current = await readRepository(ecr);
      const create = plan.calls[0]!;
      plan = planRepository(desired, current.state, names);
      if (current.state === null) {
        throw new AwsError(
          `ECR says repository ${ecr.repository} already exists, yet DescribeRepositories cannot find it in account ${ecr.registryId}, ${ecr.region}: check aws.accountId and --region`,
        );
      }
      uri = current.uri;
      made.push(create);
      await applyAll(plan.calls);
    }
    return { ...base, uri, status: created ? 'created' : 'updated', calls: made, drift: plan.drift };
  } catch (e) {
    if (!(e instanceof PipewrightError) || e.exitCode !== 1) throw e;
    throw log.stopped(e, e instanceof AwsError && e.reason === 'no-answer', 'pipewright ecr ensure');
  }
}
