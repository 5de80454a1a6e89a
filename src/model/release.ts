/**
 * What a deploy leaves behind, so that the next environment, `rollback` and `history` can answer
 * from ECR and the cluster alone, with no Jenkins and no database:
 *
 * - a **verified tag** in ECR, `verified-<environment>-<tree>`, added (BatchGetImage → PutImage,
 *   the same manifest) once the environment passed its smoke check and stayed clear of its alarms
 *   for the soak time. ECR tags are immutable, so the record can never be moved to another image;
 *   the next environment checks it with one DescribeImages call (a permission the pipeline
 *   already has), and it lives as long as the image itself.
 * - **release annotations** on the Deployment's pod template. The Deployment controller copies
 *   the template into each ReplicaSet, so the last revisionHistoryLimit revisions each keep who
 *   deployed what, when and why.
 */
import { IMAGE_DIGEST } from '../core/names.js';

export const VERIFIED_TAG_PREFIX = 'verified-';
const TREE = /^[0-9a-f]{40}$/;

/** `verified-<environment>-<tree>`: at most 9 + 20 + 1 + 40 = 70 characters, a valid Docker tag. */
export function verifiedTag(environment: string, tree: string): string {
  if (!TREE.test(tree)) throw new Error(`not a git tree hash: ${tree}`);
  return `${VERIFIED_TAG_PREFIX}${environment}-${tree}`;
}

/** The environment and tree a verified tag records, or null when `tag` is not one. */
export function parseVerifiedTag(tag: string): { environment: string; tree: string } | null {
  const m = /^verified-([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)-([0-9a-f]{40})$/.exec(tag);
  return m ? { environment: m[1]!, tree: m[2]! } : null;
}

/** Pod-template annotations the pipeline (and `rollback`) set on every deploy. */
export const RELEASE_ANNOTATIONS = {
  /** sha256:… of the image deployed. */
  digest: 'pipewright.dev/digest',
  /** The git tree hash the image was built from (its content tag is git-<tree>). */
  tree: 'pipewright.dev/tree',
  /** The commit the build ran on; empty for a rollback. */
  commit: 'pipewright.dev/commit',
  /** The release tag of that commit (v1.2.3), or empty. */
  release: 'pipewright.dev/release',
  /** ISO-8601 UTC time of the deploy. */
  deployedAt: 'pipewright.dev/deployed-at',
  /** Who approved the deploy (the approval's submitter), or empty where no approval is asked. */
  approver: 'pipewright.dev/approver',
  /** The Jenkins build URL, or `pipewright rollback by <user>`. */
  build: 'pipewright.dev/build',
  /** Why: `pipeline` for a build, `rollback: <reason>` for a rollback. */
  reason: 'pipewright.dev/reason',
} as const;

export type ReleaseRecord = { readonly [K in keyof typeof RELEASE_ANNOTATIONS]: string };

/** The record carried by a pod template's annotations, or null when it has no digest annotation. */
export function releaseRecordOf(annotations: Readonly<Record<string, string>> | undefined): ReleaseRecord | null {
  const digest = annotations?.[RELEASE_ANNOTATIONS.digest];
  if (!annotations || digest === undefined || !IMAGE_DIGEST.test(digest)) return null;
  const entries = Object.entries(RELEASE_ANNOTATIONS).map(([k, a]) => [k, annotations[a] ?? '']);
  return Object.fromEntries(entries) as ReleaseRecord;
}
