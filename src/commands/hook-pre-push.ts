/**
 * `pipewright hook pre-push <remote> <url>`: git's pre-push hook. Rejects (exit 1) a push that
 * breaks the branch rules, naming the rule and what to do instead. Kept light: no commander, no
 * validator on a cache hit, and one batch of git questions for the whole push (one more process
 * per protected branch it moves), however many refs it holds. Input it cannot read refuses the push.
 */
import { fstatSync, readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { UsageError } from '../core/errors.js';
import { CommitGraph, Git, type History } from '../git/git.js';
import { parsePrePush, PrePushInputError, type PushUpdate } from '../git/pre-push.js';
import { loadRules } from '../rules/load-rules.js';
import { pushRules, type PushContext } from '../rules/push-rules.js';
import { formatFinding, runRules, type RulesData } from '../rules/types.js';
import { processIo, type Io } from '../core/io.js';

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
/** More new refs than this in one push, and the hook reads the history once instead of asking git per question. */
export const BULK = 16;

/**
 * The ref lines, read whole before anything else. Stdin that cannot be read (a directory, a closed
 * descriptor) or a terminal refuses the push.
 */
async function readStdin(): Promise<Buffer> {
  const refuse = (why: string) => new UsageError(`pipewright hook pre-push: the push is refused: cannot read the ref updates from stdin (${why}); git runs this hook with them on stdin — to check a push by hand, pipe "<local ref> <local sha> <remote ref> <remote sha>" lines into it`);
  try {
    // git gives the hook a pipe; a file is a copy of one. A terminal, /dev/null or a closed
    // descriptor (which Node reopens as /dev/null) is not what git sent: refuse rather than pass.
    const stat = fstatSync(0);
    if (stat.isCharacterDevice()) throw refuse(isatty(0) ? 'it is a terminal' : 'it is a device such as /dev/null, or closed');
    return readFileSync(0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') {
      // A non-blocking pipe: read it as a stream instead.
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
    if (e instanceof UsageError) throw e;
    throw refuse(code ?? (e as Error).message);
  }
}

/**
 * Everything the rules ask of the push's objects, in one `git cat-file --batch-check`: that each
 * pushed sha exists (a sha git lacks is bad input: exit 2, saying what to fetch), what each pushed
 * tag names, whether the remote shas are here, and where the rule branches are.
 */
function context(rules: RulesData, git: Git, remote: string, updates: readonly PushUpdate[]): PushContext {
  // A remote given as a URL or path has no remote-tracking refs to ask for.
  const tracking = /^[^\s/:]+$/.test(remote) ? (b: string) => `refs/remotes/${remote}/${b}` : null;
  const pushing = updates.filter((u) => u.kind !== 'delete');
  const names = [
    ...pushing.map((u) => u.localSha),
    ...pushing.filter((u) => u.remoteRef.startsWith('refs/tags/')).map((u) => `${u.localSha}^{commit}`),
    ...updates.filter((u) => u.kind !== 'create').map((u) => u.remoteSha),
    ...rules.branches.flatMap((r) => [...(tracking ? [tracking(r.branch)] : []), `refs/heads/${r.branch}`]),
  ];
  const objects = git.objects(names);
  const missing = pushing.filter((u) => !objects.get(u.localSha));
  if (missing.length > 0) {
    const length = [...objects.values()].find((o) => o)?.sha.length ?? (git.run(['rev-parse', '--show-object-format']) === 'sha256' ? 64 : 40);
    throw new PrePushInputError(
      missing.map((u) =>
        u.localSha.length !== length
          ? `line ${u.line}: ${u.localSha} has ${u.localSha.length} hex digits, but this repository's object names have ${length}`
          : `line ${u.line}: git has no object ${u.localSha} (the local sha for ${u.remoteRef}); fetch it first (git fetch ${remote} ${u.localSha}) or name a commit this clone has`,
      ),
      'git only runs the hook with objects it is about to push: these lines did not come from git push',
    );
  }
  const pushedBranches = new Map(pushing.filter((u) => u.remoteRef.startsWith('refs/heads/')).map((u) => [u.remoteRef.slice(11), u.localSha]));
  const pushedTags = new Map<string, string | null>();
  const pushedTagsByCommit = new Map<string, string[]>();
  for (const u of pushing) {
    if (!u.remoteRef.startsWith('refs/tags/')) continue;
    const tag = u.remoteRef.slice(10);
    const commit = objects.get(`${u.localSha}^{commit}`)?.sha ?? null;
    pushedTags.set(tag, commit);
    if (commit) pushedTagsByCommit.set(commit, [...(pushedTagsByCommit.get(commit) ?? []), tag]);
  }
  const branchSha = (branch: string): string | null =>
    pushedBranches.get(branch) ?? (tracking && objects.get(tracking(branch))?.sha) ?? objects.get(`refs/heads/${branch}`)?.sha ?? null;
  // New refs by the hundred (a mirror push, a tag import): the history below the rule branches and
  // the pushed commits is read once, on first need, and every question answered from it.
  let graph: CommitGraph | undefined;
  const loaded = () =>
    (graph ??= CommitGraph.load(git, [
      ...rules.branches.map((r) => branchSha(r.branch)).filter((s): s is string => s !== null),
      ...pushing.filter((u) => objects.get(u.localSha)?.type === 'commit').map((u) => u.localSha),
      ...[...pushedTags.values()].filter((c): c is string => c !== null),
    ]));
  const history: History = pushing.filter((u) => u.kind === 'create').length <= BULK
    ? git
    : { ancestorsOf: (head, commits) => loaded().ancestorsOf(head, commits), own: (tips, excluded) => loaded().own(tips, excluded) };
  let tags: Map<string, string[]> | undefined;
  return {
    rules,
    git,
    history,
    remote,
    updates,
    pushedTags,
    has: (sha) => (objects.has(sha) ? Boolean(objects.get(sha)) : git.has(sha)),
    branchSha,
    tagsAt: (commit) => {
      const pushed = pushedTagsByCommit.get(commit);
      if (pushed) return pushed;
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
