/**
 * `pipewright protect --github | --ruleset`: the branch rules as GitHub branch protection bodies
 * or as one repository ruleset, printed as JSON for `gh api --input -` or Terraform. Data only:
 * it never calls GitHub.
 */
import { UsageError } from '../core/errors.js';
import { processIo, type Io } from '../core/io.js';
import { githubProtection, githubRuleset, protectedBranches, type GitHubTarget } from '../render/github/protection.js';
import { type CommonOptions, loadProject } from './common.js';

export interface ProtectOptions extends CommonOptions {
  /** Classic branch protection bodies, one per protected branch. */
  readonly github?: boolean;
  /** One repository ruleset instead (implies --github). */
  readonly ruleset?: boolean;
  /** GitHub account; default: gh's `{owner}` placeholder. */
  readonly owner?: string;
  /** GitHub repository; default: gh's `{repo}` placeholder. */
  readonly repo?: string;
  /** --status-check: the required status check (GitHub's "context"). Default: continuous-integration/jenkins/pr-merge. */
  readonly statusCheck?: string;
  /** The old name of --status-check, refused: --context names a kubeconfig context in every other command. */
  readonly context?: string;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

function target(opts: ProtectOptions): GitHubTarget {
  if (opts.owner !== undefined && !OWNER.test(opts.owner)) {
    throw new UsageError(`--owner: "${opts.owner}" is not a GitHub account name (allowed: letters, digits and -, at most 39, not starting with -)`);
  }
  if (opts.repo !== undefined && (!REPO.test(opts.repo) || opts.repo === '.' || opts.repo === '..')) {
    throw new UsageError(`--repo: "${opts.repo}" is not a GitHub repository name (allowed: letters, digits, ., _ and -)`);
  }
  if (opts.context !== undefined) {
    throw new UsageError('protect: --context is now --status-check <name> (--context names a kubeconfig context in the other commands)');
  }
  const check = opts.statusCheck;
  if (check !== undefined && (check.trim() === '' || /[\r\n]/.test(check))) {
    throw new UsageError('--status-check: must be a non-empty, single-line status check name, e.g. continuous-integration/jenkins/pr-merge');
  }
  return {
    ...(opts.owner !== undefined && { owner: opts.owner }),
    ...(opts.repo !== undefined && { repo: opts.repo }),
    ...(check !== undefined && { context: check }),
  };
}

export async function run(opts: ProtectOptions, io: Io = processIo): Promise<number> {
  if (!opts.github && !opts.ruleset) {
    throw new UsageError('protect needs --github or --ruleset: --github prints branch protection bodies, one per protected branch; --ruleset prints one repository ruleset');
  }
  const t = target(opts);
  const { model } = await loadProject(opts);
  if (protectedBranches(model).length === 0) {
    io.err(`warning: ${model.configFile}: no branch refuses direct commits or limits its merge sources: nothing to protect\n`);
  }
  const payload = opts.ruleset ? githubRuleset(model, t) : githubProtection(model, t);
  io.out(`${JSON.stringify(payload, null, 2)}\n`);
  return 0;
}
