/**
 * `pipewright hook pre-push <remote> <url>`: git's pre-push hook. Rejects (exit 1) a push that
 * breaks the branch rules, naming the rule and what to do instead. Kept light: no commander, no
 * validator on a cache hit, and no git call for refs no rule is about.
 */
import { Git } from '../git/git.js';
import { parsePrePush, type PushUpdate } from '../git/pre-push.js';
import { loadRules } from '../rules/load-rules.js';
import { pushRules, type PushContext } from '../rules/push-rules.js';
import { formatFinding, runRules } from '../rules/types.js';
import { processIo, type Io } from '../io.js';

export interface PrePushOptions {
  readonly cwd: string;
  readonly config?: string;
  /** The remote's name and URL, as git passes them. */
  readonly remote?: string;
  readonly url?: string;
  /** The ref lines (default: read from stdin). */
  readonly input?: string;
  readonly json?: boolean;
}

export const SKIP_VARIABLE = 'PIPEWRIGHT_SKIP_HOOK';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function context(rules: PushContext['rules'], git: Git, remote: string, updates: readonly PushUpdate[]): PushContext {
  let refs: Map<string, string> | undefined;
  let tags: Map<string, string[]> | undefined;
  const pushedBranches = new Map(updates.filter((u) => u.kind !== 'delete' && u.remoteRef.startsWith('refs/heads/')).map((u) => [u.remoteRef.slice(11), u.localSha]));
  const pushedTags = new Map<string, string>();
  for (const u of updates) {
    if (u.kind !== 'delete' && u.remoteRef.startsWith('refs/tags/')) pushedTags.set(u.remoteRef.slice(10), git.run(['rev-parse', `${u.localSha}^{commit}`]));
  }
  return {
    rules,
    git,
    remote,
    updates,
    pushedTags,
    branchSha: (branch) => {
      const pushed = pushedBranches.get(branch);
      if (pushed) return pushed;
      refs ??= git.refs(`refs/remotes/${remote}`, 'refs/heads');
      return refs.get(`refs/remotes/${remote}/${branch}`) ?? refs.get(`refs/heads/${branch}`) ?? null;
    },
    tagsAt: (commit) => {
      tags ??= git.tagsByCommit();
      return tags.get(commit) ?? [];
    },
  };
}

export async function run(opts: PrePushOptions, io: Io = processIo): Promise<number> {
  if (process.env[SKIP_VARIABLE] === '1') {
    io.err(`pipewright: ${SKIP_VARIABLE}=1: branch rules NOT checked for this push; the Jenkins Guard stage will still check it\n`);
    return 0;
  }
  const updates = parsePrePush(opts.input ?? (await readStdin()));
  if (updates.length === 0) return 0;
  const { rules, configFile } = await loadRules(opts.cwd, opts.config);
  const findings = runRules(pushRules, context(rules, new Git(opts.cwd), opts.remote ?? 'origin', updates));
  const errors = findings.filter((f) => f.severity === 'error');
  if (opts.json) io.out(`${JSON.stringify({ allowed: errors.length === 0, findings }, null, 2)}\n`);
  if (findings.length > 0 && !opts.json) {
    io.err(errors.length > 0 ? `pipewright: push rejected by the branch rules in ${configFile}:\n` : 'pipewright: push allowed, with warnings:\n');
    for (const f of findings) io.err(`${formatFinding(f)}\n`);
    if (errors.length > 0) io.err(`(to push anyway, ${SKIP_VARIABLE}=1 git push …; the Jenkins Guard stage still checks it)\n`);
  }
  return errors.length > 0 ? 1 : 0;
}
