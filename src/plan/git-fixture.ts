/**
 * The repository a real Jenkins build sees, made with real git so that `plan` and the tests cannot
 * assume what Jenkins does not give:
 * - `seedOrigin`: a bare repository standing in for GitHub, holding the delivery flow's history.
 *   Promotions are GitHub's merge commits (`--no-ff`, authored by whoever merged, committed by
 *   GitHub, untagged); earlier releases carry the tags their pipelines pushed. Written with one
 *   `git fast-import`, so a scenario costs two git processes here.
 * - `jenkinsCheckout`: the shell github-branch-source's checkout runs on an agent: a fetch of the
 *   one branch (or pull request head) **without tags**, unless the job's clone option asks for
 *   them, then a detached checkout of the scanned revision. The shell environment is a bare
 *   agent's: no HOME config, and git refuses to guess an identity.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { shellQuote } from '../escape/shell.js';
import { UsageError } from '../core/errors.js';
import { Git } from '../git/git.js';

export interface Person {
  readonly name: string;
  readonly email: string;
}

export const GITHUB: Person = { name: 'GitHub', email: 'noreply@github.com' };
export const DEVELOPER: Person = { name: 'Dev Eloper', email: 'dev@example.com' };
export const MERGER: Person = { name: 'Mer Ger', email: 'merger@example.com' };
export const JENKINS: Person = { name: 'Jenkins', email: 'jenkins@example.com' };

/** A commit of the change before its last one: who wrote it, with whom, and its subject. */
export interface WorkCommit {
  readonly author: Person;
  /** Recorded as `Co-authored-by:` trailers, as GitHub's squash merge and co-authored commits do. */
  readonly coAuthors?: readonly Person[];
  /** Who made the commit as it stands (rebased or amended it); default its author. */
  readonly committer?: Person;
  readonly subject: string;
}

/** One branch of the delivery flow: the branch its merges come from (null: direct commits) and the tag its pipeline gives. */
export interface FlowBranch {
  readonly branch: string;
  readonly from: string | null;
  /** The release tag a build of this branch leaves on its head (what earlier releases look like). */
  readonly sampleTag: string | null;
}

export interface OriginSpec {
  /** Environment branches in flow order (develop, staging, master by default). */
  readonly flow: readonly FlowBranch[];
  /** The branch whose new head is made: a flow branch, or another branch cut from the first flow branch. */
  readonly branch: string;
  /** How the built branch's head came about. Default: GitHub's merge of its source (a commit, for the first branch). */
  readonly head?: 'merge' | 'foreign-merge' | 'direct';
  /** Tags already on the new head (a human tagged it). Default none: GitHub's merge commit has none. */
  readonly tagsOnHead?: readonly string[];
  /** Tags on the merged source head. Default: its sample tag. */
  readonly tagsOnMerged?: readonly string[];
  /** Tags on the first commit (the first production release). */
  readonly tagsOnRoot?: readonly string[];
  /** Files of every commit, path → contents (script/* are executable). */
  readonly files: Readonly<Record<string, string>>;
  /** Author of the change; default DEVELOPER. */
  readonly author?: Person;
  /** Earlier commits of the change, oldest first, on the first flow branch before its last commit ("Add a change", by `author`). Default none. */
  readonly work?: readonly WorkCommit[];
  /** Author of the first release (the root commit, on every branch's first parent); default `author`. */
  readonly releasedBy?: Person;
  /** Who pressed "Merge" on GitHub; default MERGER. */
  readonly mergedBy?: Person;
  /** Also publish the new head as refs/pull/<id>/head (a pull request of the built branch). */
  readonly pullRequest?: string;
}

export interface Origin {
  /** The bare repository (GitHub). */
  readonly url: string;
  /** The built branch's new head, the commit it merged (if a merge) and the root commit. */
  readonly head: string;
  readonly merged: string | null;
  readonly root: string;
  /** HEAD's tree: what the pipeline tags the image with. */
  readonly tree: string;
}

const EPOCH = 1_700_000_000;

/** A `git fast-import` stream, built command by command. */
class ImportStream {
  private readonly parts: string[] = [];
  private marks = 0;
  private clock = 0;

  private data(text: string): void {
    this.parts.push(`data ${Buffer.byteLength(text)}\n${text}\n`);
  }

  blob(text: string): number {
    const mark = ++this.marks;
    this.parts.push(`blob\nmark :${mark}\n`);
    this.data(text);
    return mark;
  }

  commit(ref: string, o: { author: Person; committer: Person; message: string; parents: readonly number[]; files: ReadonlyMap<string, number> }): number {
    const mark = ++this.marks;
    const when = `${EPOCH + ++this.clock * 60} +0000`;
    this.parts.push(`commit ${ref}\nmark :${mark}\nauthor ${o.author.name} <${o.author.email}> ${when}\ncommitter ${o.committer.name} <${o.committer.email}> ${when}\n`);
    this.data(o.message);
    const [first, ...rest] = o.parents;
    if (first !== undefined) this.parts.push(`from :${first}\n`);
    for (const p of rest) this.parts.push(`merge :${p}\n`);
    this.parts.push('deleteall\n');
    for (const [file, blob] of [...o.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      this.parts.push(`M ${file.startsWith('script/') ? '100755' : '100644'} :${blob} ${file}\n`);
    }
    this.parts.push('\n');
    return mark;
  }

  /** An annotated tag, as a release pipeline pushes it. */
  tag(name: string, commit: number, tagger: Person): void {
    this.parts.push(`tag ${name}\nfrom :${commit}\ntagger ${tagger.name} <${tagger.email}> ${EPOCH + ++this.clock * 60} +0000\n`);
    this.data(`Release ${name}`);
  }

  reset(ref: string, commit: number): void {
    this.parts.push(`reset ${ref}\nfrom :${commit}\n\n`);
  }

  text(): string {
    return this.parts.join('');
  }
}

function git(cwd: string, args: readonly string[], input?: string): string {
  try {
    return new Git(cwd, { env: bareAgentEnv(cwd) }).run(args, input).trim();
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${e.message}: the plan builds a real repository to check out`);
    throw e;
  }
}

/** The environment of a shell on a freshly provisioned agent: no user config, no guessed identity. */
export function bareAgentEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    // An agent whose hostname has no domain: git cannot make up a committer, so a pipeline that
    // commits or tags must say who it is.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'user.useConfigOnly',
    GIT_CONFIG_VALUE_0: 'true',
  };
}

/** Builds the bare "GitHub" repository in `dir/origin.git`. */
export function seedOrigin(dir: string, spec: OriginSpec): Origin {
  const url = path.join(dir, 'origin.git');
  mkdirSync(url, { recursive: true });
  git(url, ['init', '--quiet', '--bare', '--initial-branch', spec.flow.at(-1)?.branch ?? 'master']);

  const s = new ImportStream();
  const author = spec.author ?? DEVELOPER;
  const merger = spec.mergedBy ?? MERGER;
  const base = new Map(Object.entries(spec.files).map(([f, text]) => [f, s.blob(text)]));
  const tree = (version: string) => new Map([...base, ['app.py', s.blob(`# the app, ${version}\n`)]]);
  const rootFiles = tree('first release');
  const changed = tree('with a change');
  const releasedBy = spec.releasedBy ?? author;
  const root = s.commit('refs/heads/pipewright-fixture', { author: releasedBy, committer: releasedBy, message: 'First release\n', parents: [], files: rootFiles });
  const heads = new Map<string, number>(spec.flow.map((b) => [b.branch, root]));
  for (const t of spec.tagsOnRoot ?? []) s.tag(t, root, JENKINS);

  const index = spec.flow.findIndex((b) => b.branch === spec.branch);
  const first = spec.flow[0]!.branch;
  const commitOn = (branch: string, message: string, parents: number[]) =>
    s.commit(`refs/heads/${branch}`, { author, committer: author, message, parents, files: changed });
  // The change on the first branch: its earlier commits, then "Add a change".
  const change = () => {
    let parent = root;
    (spec.work ?? []).forEach((w, i) => {
      const trailers = (w.coAuthors ?? []).map((p) => `Co-authored-by: ${p.name} <${p.email}>\n`).join('');
      parent = s.commit(`refs/heads/${first}`, {
        author: w.author,
        committer: w.committer ?? w.author,
        message: `${w.subject}\n${trailers && `\n${trailers}`}`,
        parents: [parent],
        files: tree(`work ${i + 1}`),
      });
    });
    return commitOn(first, 'Add a change\n', [parent]);
  };
  const githubMerge = (into: string, from: string, parents: number[], number: number) =>
    s.commit(`refs/heads/${into}`, { author: merger, committer: GITHUB, message: `Merge pull request #${number} from acme/${from}\n`, parents, files: changed });

  let head: number;
  let merged: number | null = null;
  const mode = spec.head ?? 'merge';
  if (index === -1) {
    // A feature branch, cut from the first flow branch after its change.
    heads.set(first, change());
    head = commitOn(spec.branch, 'Work on a feature\n', [heads.get(first)!]);
  } else if (mode === 'direct' && index > 0) {
    head = commitOn(spec.branch, 'A commit made straight on the branch\n', [root]);
  } else if (mode === 'foreign-merge' && index > 0) {
    const feature = commitOn('feature/elsewhere', 'Work that never went through the flow\n', [root]);
    head = githubMerge(spec.branch, 'feature/elsewhere', [root, feature], 90);
    merged = feature;
  } else {
    // The change enters the first branch, then GitHub merges it up the flow to the built branch.
    let at = change();
    heads.set(first, at);
    for (let i = 1; i <= index; i++) {
      const b = spec.flow[i]!;
      const source = at;
      // The source's head carries the tag its own pipeline pushed when it was built.
      const tags = i === index && spec.tagsOnMerged ? spec.tagsOnMerged : sampleTags(spec.flow[i - 1]!);
      for (const t of tags) s.tag(t, source, JENKINS);
      at = githubMerge(b.branch, b.from ?? spec.flow[i - 1]!.branch, [root, source], i);
      heads.set(b.branch, at);
      if (i === index) merged = source;
    }
    head = at;
  }
  heads.set(spec.branch, head);
  for (const t of spec.tagsOnHead ?? []) s.tag(t, head, author);
  for (const [branch, mark] of heads) s.reset(`refs/heads/${branch}`, mark);
  if (spec.pullRequest) s.reset(`refs/pull/${spec.pullRequest}/head`, head);
  s.reset('refs/heads/pipewright-fixture', root);

  const marks = path.join(dir, 'marks');
  git(url, ['fast-import', '--quiet', `--export-marks=${marks}`], s.text());
  git(url, ['update-ref', '-d', 'refs/heads/pipewright-fixture']);
  const sha = new Map(readFileSync(marks, 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]).map(([m, h]) => [Number(m.slice(1)), h]));
  const headSha = sha.get(head)!;
  return { url, head: headSha, merged: merged === null ? null : sha.get(merged)!, root: sha.get(root)!, tree: git(url, ['rev-parse', `${headSha}^{tree}`]) };
}

const sampleTags = (b: FlowBranch): string[] => (b.sampleTag ? [b.sampleTag] : []);

export interface Checkout {
  /** The agent's workspace (empty until the checkout runs). */
  readonly workspace: string;
  /** The shell `checkout scm` runs there. */
  readonly script: string;
  /** The shell environment of the agent. */
  readonly env: Record<string, string>;
}

/**
 * What github-branch-source's checkout does on an agent for a branch or a pull request head:
 * one refspec, `--no-tags` (unless the job's clone option fetches tags), a detached checkout of
 * the revision the scan found.
 */
export function jenkinsCheckout(
  dir: string,
  origin: string,
  what: { branch: string } | { pullRequest: string },
  o: { tags?: boolean; revision?: string } = {},
): Checkout {
  const workspace = path.join(dir, 'workspace');
  const home = path.join(dir, 'agent-home');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(home, { recursive: true });
  const [source, local] =
    'branch' in what ? [`refs/heads/${what.branch}`, `refs/remotes/origin/${what.branch}`] : [`refs/pull/${what.pullRequest}/head`, `refs/remotes/origin/PR-${what.pullRequest}`];
  // The revision the branch scan found: later pushes to the branch do not change what a build checks out.
  const revision = o.revision ?? git(origin, ['rev-parse', `${source}^{commit}`]);
  const refspec = `+${source}:${local}`;
  const script = [
    'git init --quiet .',
    `git config remote.origin.url ${shellQuote(origin)}`,
    `git config remote.origin.fetch ${shellQuote(refspec)}`,
    `git fetch ${o.tags ? '--tags' : '--no-tags'} --force --quiet -- ${shellQuote(origin)} ${shellQuote(refspec)}`,
    `git checkout --quiet --force ${revision}`,
  ].join(' && ');
  return { workspace, script, env: bareAgentEnv(home) };
}
