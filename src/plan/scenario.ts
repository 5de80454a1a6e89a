/**
 * What the outside world answers when a generated pipeline runs in the harness: git, ECR and
 * kubectl replies as `sh` stubs. One builder serves `pipewright plan` (a plausible happy path)
 * and the tests (which flip one fact at a time).
 */
import type { Model } from '../model/model.js';
import type { Scenario } from '../harness.js';

export interface PipelineCase {
  /** BRANCH_NAME: a branch, or PR-<n> for a pull request build. */
  readonly branch: string;
  /** For a pull request: its source (CHANGE_BRANCH) and target (CHANGE_TARGET). */
  readonly pr?: { readonly id: string; readonly from: string; readonly to: string };
  /** The git tree hash of HEAD. Default a fixed sample. */
  readonly tree?: string;
  /** Whether ECR already has git-<tree>. Default false. */
  readonly imageInEcr?: boolean;
  /** HEAD: a merge whose second parent is on the allowed source (default), a merge from elsewhere, or a direct commit. */
  readonly head?: 'merge' | 'foreign-merge' | 'direct';
  /** Tags on HEAD. Default: a stable and a beta sample tag. */
  readonly tagsOnHead?: readonly string[];
  /** All tags in the repository (for auto-tag). Default: tagsOnHead. */
  readonly allTags?: readonly string[];
  readonly rolloutFails?: boolean;
  readonly approver?: string;
  readonly abortApproval?: boolean;
  readonly author?: { readonly email: string; readonly name: string };
  /** Workspace files that exist, e.g. script/cibuild. */
  readonly files?: readonly string[];
}

export const SAMPLE_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
export const SAMPLE_DIGEST = `sha256:${'5e1f'.repeat(16)}`;

/** A Java regex matching `s` literally. */
const lit = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

export function scenarioFor(m: Model, paths: { jenkinsfile: string; vars: string }, c: PipelineCase): Scenario {
  const tags = c.tagsOnHead ?? ['v1.0.0', 'v1.0.0-beta.1'];
  const author = c.author ?? { email: 'dev@example.com', name: 'Dev Eloper' };
  const head = c.head ?? 'merge';
  const env: Record<string, string> = { BRANCH_NAME: c.branch, BUILD_NUMBER: '1', JOB_NAME: `${m.app}/${c.branch}` };
  if (c.pr) Object.assign(env, { CHANGE_ID: c.pr.id, CHANGE_BRANCH: c.pr.from, CHANGE_TARGET: c.pr.to });
  return {
    name: c.pr ? `${c.branch} (${c.pr.from} → ${c.pr.to})` : c.branch,
    jenkinsfile: paths.jenkinsfile,
    vars: paths.vars,
    env,
    files: c.files ?? [],
    input: { approver: c.approver ?? 'approver', abort: c.abortApproval ?? false },
    credentials: { [m.jenkins.gitCredentialsId]: { username: 'x-access-token', password: 'not-a-real-token' } },
    sh: [
      { match: lit('git rev-parse "HEAD^{tree}"'), stdout: `${c.tree ?? SAMPLE_TREE}\n` },
      { match: lit('git rev-list --parents -n 1 HEAD'), stdout: head === 'direct' ? 'c0ffee1 bead001\n' : 'c0ffee1 bead001 feed002\n' },
      { match: lit('git merge-base --is-ancestor'), status: head === 'merge' ? 0 : 1 },
      { match: lit('--image-ids "imageTag=$PW_TAG" > /dev/null'), status: c.imageInEcr ? 0 : 254 },
      { match: lit('--image-ids "imageTag=$PW_TAG" --query'), stdout: `${SAMPLE_DIGEST}\n` },
      { match: lit('--image-ids "imageTag=$PW_ENV_TAG" --query'), stdout: 'None\n' },
      { match: lit('git tag --points-at HEAD'), stdout: tags.join('\n') },
      { match: lit('git tag --list'), stdout: (c.allTags ?? tags).join('\n') },
      { match: lit('git log -1 --format=%ae%n%an'), stdout: `${author.email}\n${author.name}\n` },
      { match: lit('kubectl rollout status'), status: c.rolloutFails ? 1 : 0 },
    ],
  };
}
