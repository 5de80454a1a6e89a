/**
 * The branch rules as GitHub settings: classic branch protection bodies
 * (`PUT /repos/{owner}/{repo}/branches/{branch}/protection`) or one repository ruleset
 * (`POST /repos/{owner}/{repo}/rulesets`). Pure data from the model, in a fixed key order, for
 * `gh api --input -` or Terraform. GitHub cannot say "master only from staging": the payloads make
 * the Jenkins build of the pull request (whose Guard stage checks the source) a required check.
 */
import { shellQuote } from '../../escape/shell.js';
import type { BranchRuleModel, Model } from '../../model/model.js';

/** The status context the Jenkins GitHub Branch Source plugin reports for a pull request's merge build. */
export const DEFAULT_GUARD_CONTEXT = 'continuous-integration/jenkins/pr-merge';

export interface GitHubTarget {
  /** Account or organisation. Default: gh's `{owner}` placeholder (filled from the current repo's remote). */
  readonly owner?: string;
  /** Repository name. Default: gh's `{repo}` placeholder. */
  readonly repo?: string;
  /** The required status check. Default: DEFAULT_GUARD_CONTEXT. */
  readonly context?: string;
}

export interface BranchProtectionBody {
  readonly required_status_checks: { readonly strict: false; readonly contexts: readonly string[] };
  readonly enforce_admins: true;
  readonly required_pull_request_reviews: { readonly required_approving_review_count: 1; readonly dismiss_stale_reviews: true };
  readonly restrictions: null;
  readonly allow_force_pushes: false;
  readonly allow_deletions: false;
  readonly required_linear_history: false;
}

export interface BranchProtection {
  readonly branch: string;
  readonly endpoint: string;
  readonly body: BranchProtectionBody;
}

export interface GitHubProtection {
  readonly branches: readonly BranchProtection[];
  readonly commands: readonly string[];
  readonly notes: readonly string[];
}

export interface GitHubRuleset {
  readonly endpoint: string;
  /** null when no branch is protected. */
  readonly body: RulesetBody | null;
  readonly commands: readonly string[];
  readonly notes: readonly string[];
}

export interface RulesetBody {
  readonly name: string;
  readonly target: 'branch';
  readonly enforcement: 'active';
  readonly bypass_actors: readonly never[];
  readonly conditions: { readonly ref_name: { readonly include: readonly string[]; readonly exclude: readonly string[] } };
  readonly rules: readonly (
    | { readonly type: 'deletion' | 'non_fast_forward' }
    | {
        readonly type: 'pull_request';
        readonly parameters: {
          readonly required_approving_review_count: 1;
          readonly dismiss_stale_reviews_on_push: true;
          readonly require_code_owner_review: false;
          readonly require_last_push_approval: false;
          readonly required_review_thread_resolution: false;
          readonly allowed_merge_methods: readonly ['merge'];
        };
      }
    | {
        readonly type: 'required_status_checks';
        readonly parameters: {
          readonly strict_required_status_checks_policy: false;
          readonly required_status_checks: readonly { readonly context: string }[];
        };
      }
  )[];
}

/** Branches GitHub should protect: those that refuse direct commits or accept merges from named branches only. */
export function protectedBranches(model: Model): BranchRuleModel[] {
  return model.rules.branches.filter((r) => !r.directCommits || r.mergeFrom !== null);
}

/** `repos/<owner>/<repo>`, with gh's placeholders for what was not given. */
function repoPath(t: GitHubTarget): string {
  return `repos/${t.owner ?? '{owner}'}/${t.repo ?? '{repo}'}`;
}

/** A branch name as a URL path: each segment encoded, slashes kept (GitHub reads `release/x` as one name). */
const branchPath = (branch: string): string => branch.split('/').map(encodeURIComponent).join('/');

export function branchProtectionBody(context: string): BranchProtectionBody {
  return {
    // Not strict: "up to date before merging" would have GitHub's "Update branch" merge master
    // into staging after every release, a merge the branch rules (hook and Guard) refuse. Staging
    // never needs master's merge commits: their trees are staging's own.
    required_status_checks: { strict: false, contexts: [context] },
    enforce_admins: true,
    required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true },
    restrictions: null,
    allow_force_pushes: false,
    allow_deletions: false,
    // Our rules require merge commits (staging → master is a merge), so linear history must stay off.
    required_linear_history: false,
  };
}

/**
 * GitHub's "Update branch" merges a pull request's target into its source: master into staging,
 * which staging's own rule refuses. Named only where the source's rules refuse it.
 */
function updateBranchNote(model: Model, branches: readonly BranchRuleModel[]): string[] {
  const refused = branches.flatMap((r) => {
    const source = model.rules.branches.find((b) => b.branch === r.mergeFrom?.[0]);
    return source && source.mergeFrom !== null && !source.mergeFrom.includes(r.branch) ? [`${r.branch} into ${source.branch}`] : [];
  });
  if (refused.length === 0) return [];
  return [
    `Never press "Update branch" on a pull request into ${branches.map((r) => r.branch).join(' or ')}: it merges the target into the source (${refused.join(', ')}), which the branch rules refuse. Nothing needs it: the required check is not strict, and GitHub's merge commits carry the merged branch's tree, so a source never lags behind in content.`,
  ];
}

function commonNotes(model: Model, branches: readonly BranchRuleModel[], context: string, t: GitHubTarget): string[] {
  if (branches.length === 0) {
    return ['No branch in rules.branches refuses direct commits or limits its merge sources: there is nothing to protect.'];
  }
  const sources = branches
    .filter((r) => r.mergeFrom !== null)
    .map((r) => `${r.branch} only from ${r.mergeFrom!.join(' or ')}`);
  const notes = [
    `GitHub cannot express the merge sources (${sources.join('; ') || 'none'}): the required check ${context} is the Jenkins build of the pull request, whose Guard stage fails a pull request from any other branch.`,
    ...updateBranchNote(model, branches),
    `Allow merge commits only (${`gh api --method PATCH ${repoPath(t)} -F allow_merge_commit=true -F allow_squash_merge=false -F allow_rebase_merge=false`}): a squash or rebase merge leaves no merge commit on ${branches.map((r) => r.branch).join(', ')}, and the Guard refuses such a build.`,
  ];
  const noBranching = branches.filter((r) => !r.branchFrom).map((r) => r.branch);
  const tagged = branches.filter((r) => r.releaseTag).map((r) => `${r.branch} (${r.releaseTag!.name})`);
  if (noBranching.length || tagged.length) {
    const parts = [
      ...(noBranching.length ? [`no branches cut from ${noBranching.join(', ')} (checked by pipewright's branch rules: the pre-push hook and lint)`] : []),
      ...(tagged.length ? [`a release tag on every commit of ${tagged.join(', ')} (checked by the pipeline's Release tag stage)`] : []),
    ];
    notes.push(`Not expressible on GitHub either: ${parts.join('; ')}.`);
  }
  if (model.rules.branches.length > branches.length) {
    const open = model.rules.branches.filter((r) => !branches.includes(r)).map((r) => r.branch);
    notes.push(`Left unprotected, since they take direct commits from anyone: ${open.join(', ')}.`);
  }
  return notes;
}

/** Classic branch protection: one body per protected branch. */
export function githubProtection(model: Model, t: GitHubTarget = {}): GitHubProtection {
  const context = t.context ?? DEFAULT_GUARD_CONTEXT;
  const rules = protectedBranches(model);
  const endpointPath = (b: string) => `/repos/${t.owner ?? '{owner}'}/${t.repo ?? '{repo}'}/branches/${branchPath(b)}/protection`;
  return {
    branches: rules.map((r) => ({ branch: r.branch, endpoint: `PUT ${endpointPath(r.branch)}`, body: branchProtectionBody(context) })),
    commands: rules.map((r) => `gh api --method PUT ${shellQuote(`${repoPath(t)}/branches/${branchPath(r.branch)}/protection`)} --input -`),
    notes: [
      ...(rules.length
        ? [
            `Each command reads its branch's body on stdin, e.g. \`pipewright protect --github | jq '.branches[0].body' | ${`gh api --method PUT ${shellQuote(`${repoPath(t)}/branches/${branchPath(rules[0]!.branch)}/protection`)} --input -`}\`${t.owner !== undefined && t.repo !== undefined ? '' : '; gh fills the {owner} and {repo} placeholders from the repository it runs in'}.`,
          ]
        : []),
      ...commonNotes(model, rules, context, t),
    ],
  };
}

/** One repository ruleset covering every protected branch. */
export function githubRuleset(model: Model, t: GitHubTarget = {}): GitHubRuleset {
  const context = t.context ?? DEFAULT_GUARD_CONTEXT;
  const rules = protectedBranches(model);
  const endpoint = `POST /repos/${t.owner ?? '{owner}'}/${t.repo ?? '{repo}'}/rulesets`;
  const body: RulesetBody | null = rules.length
    ? {
        name: `pipewright: ${model.app} environment branches`,
        target: 'branch',
        enforcement: 'active',
        bypass_actors: [],
        conditions: { ref_name: { include: rules.map((r) => `refs/heads/${r.branch}`), exclude: [] } },
        rules: [
          { type: 'deletion' },
          { type: 'non_fast_forward' },
          {
            type: 'pull_request',
            parameters: {
              required_approving_review_count: 1,
              dismiss_stale_reviews_on_push: true,
              require_code_owner_review: false,
              require_last_push_approval: false,
              required_review_thread_resolution: false,
              // Merges only: the Guard wants a merge commit from the source branch.
              allowed_merge_methods: ['merge'],
            },
          },
          {
            type: 'required_status_checks',
            // Not strict, for the same reason as branchProtectionBody's required_status_checks.
            parameters: { strict_required_status_checks_policy: false, required_status_checks: [{ context }] },
          },
        ],
      }
    : null;
  return {
    endpoint,
    body,
    commands: body ? [`gh api --method POST ${shellQuote(`${repoPath(t)}/rulesets`)} --input -`] : [],
    notes: [
      ...(body
        ? [
            `The command reads the body on stdin, e.g. \`pipewright protect --ruleset | jq .body | gh api --method POST ${shellQuote(`${repoPath(t)}/rulesets`)} --input -\`. POST creates a new ruleset each time; to change it later, PUT ${`/repos/${t.owner ?? '{owner}'}/${t.repo ?? '{repo}'}/rulesets/<id>`} with the same body${t.owner !== undefined && t.repo !== undefined ? '' : '; gh fills the {owner} and {repo} placeholders from the repository it runs in'}.`,
          ]
        : []),
      ...commonNotes(model, rules, context, t),
    ],
  };
}
