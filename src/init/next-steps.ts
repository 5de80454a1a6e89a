/** What to do after `init`: the catalog entry for the seed job and the commands to run next. Pure. */
import { shellQuote } from '../escape/shell.js';
import { CATALOG_DEFAULTS } from '../model/catalog.js';
import { yamlScalar } from '../escape/yaml.js';

export interface CatalogEntry {
  readonly name: string;
  readonly github?: string;
  readonly git?: string;
  readonly jenkinsfile?: string;
  /** Only when the catalog's default includes would miss an environment branch (say main). */
  readonly includes?: string;
}

export interface Step {
  readonly title: string;
  /** Shell commands, or for the catalog step the YAML to paste. */
  readonly lines: readonly string[];
}

const GITHUB = [/^(?:git@|ssh:\/\/git@)github\.com[:/]([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/, /^https:\/\/(?:[^@/]+@)?github\.com\/([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/];
/** The catalog's accepted git URLs (src/config/catalog-schema.ts). */
const GIT_URL = /^(https:\/\/|ssh:\/\/|git@)[^\s'"\\]+$/;

/** A remote URL without any user:password part (never print a token). */
export function withoutCredentials(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]*@/, '$1');
}

const escapeRegExp = (s: string): string => s.replace(/[.+?^$(){}|[\]\\/]/g, '\\$&');
/** A catalog `includes` word (a branch name with * wildcards) as a test. */
const includesWord = (word: string): RegExp => new RegExp(`^${word.split('*').map(escapeRegExp).join('.*')}$`);
/** The catalog's includes syntax (src/config/catalog-schema.ts). */
const INCLUDES = /^[A-Za-z0-9*._/-]+( [A-Za-z0-9*._/-]+)*$/;

/**
 * The `includes` a catalog entry needs so the seed job's job builds every environment branch:
 * none when the catalog's default covers them all (develop, staging, master), else the branches
 * (production first, as in the default) and pull requests.
 */
export function includesFor(branches: readonly string[]): string | undefined {
  const words = CATALOG_DEFAULTS.includes.split(' ').map(includesWord);
  if (branches.every((b) => words.some((w) => w.test(b)))) return undefined;
  const includes = [...branches].reverse().concat('PR-*').join(' ');
  return INCLUDES.test(includes) ? includes : undefined;
}

/**
 * The catalog.yaml entry for this repository: `github: owner/repo` for a GitHub remote, `git: <url>`
 * for another, a placeholder without one. `projectDir` is the app's folder inside the repository;
 * `branches` are the environment branches, for `includes` when the catalog's default misses one.
 */
export function catalogEntry(app: string, remoteUrl: string | null, projectDir: string, branches: readonly string[] = []): { entry: CatalogEntry; placeholder: boolean } {
  const includes = includesFor(branches);
  const extra = { ...(projectDir && { jenkinsfile: `${projectDir}/Jenkinsfile` }), ...(includes && { includes }) };
  if (remoteUrl) {
    for (const re of GITHUB) {
      const m = re.exec(remoteUrl);
      if (m) return { entry: { name: app, github: `${m[1]}/${m[2]}`, ...extra }, placeholder: false };
    }
    const clean = withoutCredentials(remoteUrl);
    if (GIT_URL.test(clean)) return { entry: { name: app, git: clean, ...extra }, placeholder: false };
  }
  return { entry: { name: app, github: `OWNER/${app}`, ...extra }, placeholder: true };
}

/** The entry as it goes under `repositories:` in catalog.yaml. */
export function catalogEntryYaml(e: CatalogEntry, placeholder: boolean): string[] {
  const lines = [`- name: ${yamlScalar(e.name)}`];
  if (e.github !== undefined) lines.push(`  github: ${yamlScalar(e.github)}${placeholder ? '   # your GitHub owner/repository' : ''}`);
  if (e.git !== undefined) lines.push(`  git: ${yamlScalar(e.git)}`);
  if (e.jenkinsfile !== undefined) lines.push(`  jenkinsfile: ${yamlScalar(e.jenkinsfile)}`);
  if (e.includes !== undefined) lines.push(`  includes: ${yamlScalar(e.includes)}   # the default would not build ${e.includes.split(' ')[0]}`);
  return lines;
}

export interface NextStepsInput {
  readonly entry: CatalogEntry;
  readonly placeholder: boolean;
  /** Paths (relative to where init ran) init wrote that git does not have yet; empty: nothing to commit. */
  readonly toCommit: readonly string[];
  /** The branch HEAD is on, or null when detached. */
  readonly headBranch: string | null;
  /** The first environment's branch (develop), where work starts. */
  readonly firstBranch: string;
  /** Whether that branch points at HEAD (so `git switch` carries the new files over). */
  readonly firstAtHead: boolean;
  /** The environment branches to push (develop, staging). */
  readonly pushBranches: readonly string[];
  /** Every environment branch in flow order (develop, staging, then master or main). */
  readonly flow: readonly string[];
  readonly remote: string;
  /** The app's folder relative to the user's shell (when init ran with -C), else ''. */
  readonly cd: string;
}

export function nextSteps(n: NextStepsInput): Step[] {
  const steps: Step[] = [];
  if (n.cd) steps.push({ title: "Go to the app's folder; the commands below run there:", lines: [`cd ${shellQuote(n.cd)}`] });
  if (n.toCommit.length > 0) {
    const commit = [`git add -- ${n.toCommit.map(shellQuote).join(' ')}`, 'git commit -m "Set up the pipewright delivery pipeline"'];
    if (n.headBranch === n.firstBranch) steps.push({ title: `Commit what init wrote, on ${n.firstBranch}:`, lines: commit });
    else if (n.firstAtHead)
      steps.push({ title: `Commit what init wrote on ${n.firstBranch} (work starts there; your new files come along):`, lines: [`git switch ${shellQuote(n.firstBranch)}`, ...commit] });
    else
      steps.push({
        title: `Commit what init wrote on a branch cut from ${n.firstBranch}, and open a pull request into ${n.firstBranch}:`,
        lines: [`git switch -c pipewright-init ${shellQuote(n.firstBranch)}`, ...commit],
      });
  }
  steps.push({
    title: "List the app under repositories: in the seed job's catalog.yaml (jobs repository), for its Jenkins job:",
    lines: catalogEntryYaml(n.entry, n.placeholder),
  });
  steps.push({ title: 'Create the ECR repository (immutable tags, scan on push, lifecycle policy):', lines: ['pipewright ecr ensure'] });
  steps.push({ title: "Create the environments' namespaces and the deployer's access:", lines: ['pipewright cluster bootstrap'] });
  if (n.pushBranches.length > 0) {
    steps.push({
      title: `Push the branches; from then on, changes flow ${n.flow.join(' → ')} by pull requests:`,
      lines: [`git push ${shellQuote(n.remote)} ${n.pushBranches.map(shellQuote).join(' ')}`],
    });
  }
  return steps;
}

export function formatSteps(steps: readonly Step[]): string {
  return steps.map((s, i) => `  ${i + 1}. ${s.title}\n${s.lines.map((l) => `       ${l}\n`).join('')}`).join('');
}
