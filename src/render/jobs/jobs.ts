/**
 * catalog model → Job DSL for the seed job. Pure.
 *
 * The output is committed to the jobs repository; the seed job only checks it out and applies
 * `dsl/**` with Job DSL (no pipewright, no npm on the controller), and the jobs repository's CI runs
 * `pipewright jobs --check`. The seed job itself comes twice, with the same bytes: `seed-job.groovy`
 * and, for Jenkins Configuration as Code, `seed-job.jcasc.yaml` (job-dsl's `jobs:` root element).
 *
 * Jobs are grouped per folder into `dsl/<folder>/_jobs.groovy` files of at most JOBS_PER_FILE
 * jobs: thousands of one-job files would make every run slow, and one huge script would hit
 * the JVM's 64 KB method limit when Job DSL compiles it. `jobs-index.json` records a hash per
 * job, so `pipewright jobs --plan` can say which jobs a run adds, changes or removes.
 */
import type { CatalogModel, JobModel } from '../../model/catalog.js';
import type { TemplateSet } from '../../core/template-set.js';
import type { GeneratedFile } from '../types.js';
import { groovyComment, groovyString as g } from '../../escape/groovy.js';
import { hashContents } from '../../core/hash.js';
import { renderTemplate } from '../mustache.js';
import { mark } from '../marker.js';
import { dumpYaml } from '../../escape/yaml.js';

export const JOBS_PER_FILE = 500;
export const INDEX_FILE = 'jobs-index.json';
export const SEED_FILE = 'seed-job.groovy';
export const SEED_JCASC_FILE = 'seed-job.jcasc.yaml';

/** Job name → hash of its Job DSL: what `--plan` compares between runs. */
export type JobIndex = Readonly<Record<string, string>>;

export interface RenderJobsOptions {
  /** The catalog path and output dir as the jobs repository names them (relative to its root): the seed job's targets and the command to re-run. */
  readonly catalogArg: string;
  readonly outArg: string;
  /** Called after each job is rendered (progress). */
  readonly onJob?: () => void;
}

/** The command that regenerates the jobs: named in every marker and in the drift message. */
export function jobsCommand(catalogArg: string, outArg: string): string {
  return `pipewright jobs --catalog ${catalogArg} --out ${outArg}`;
}

function jobView(j: JobModel) {
  return {
    fullName: g(j.fullName),
    name: g(j.name),
    description: j.description === null ? null : g(j.description),
    sourceId: g(j.sourceId),
    credentialsId: j.credentialsId === null ? null : g(j.credentialsId),
    includes: g(j.includes),
    scanInterval: g(j.scanInterval),
    scriptPath: g(j.scriptPath),
    github: j.source.kind === 'github' ? { owner: g(j.source.owner), repository: g(j.source.repository), url: g(j.source.url) } : null,
    git: j.source.kind === 'git' ? { remote: g(j.source.remote) } : null,
  };
}

/** `a/b` → the folders a Job DSL script must declare first: `a`, `a/b`. */
function folderChain(folder: string | null): string[] {
  if (!folder) return [];
  const parts = folder.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function dslPath(folder: string | null, part: number): string {
  const name = part === 1 ? '_jobs.groovy' : `_jobs-${part}.groovy`;
  return folder ? `dsl/${folder}/${name}` : `dsl/${name}`;
}

export function renderJobs(c: CatalogModel, t: TemplateSet, opts: RenderJobsOptions): { files: GeneratedFile[]; index: JobIndex } {
  const command = jobsCommand(opts.catalogArg, opts.outArg);
  const byFolder = new Map<string | null, JobModel[]>();
  for (const j of c.jobs) {
    const list = byFolder.get(j.folder);
    if (list) list.push(j);
    else byFolder.set(j.folder, [j]);
  }
  const marked = (f: GeneratedFile): GeneratedFile => mark(f, c.catalogFile, command);
  const index: Record<string, string> = {};
  const files: GeneratedFile[] = [];
  for (const [folder, jobs] of byFolder) {
    const folders = folderChain(folder)
      .map((path) => renderTemplate(t, 'jobs/folder.groovy.mustache', { path: g(path), name: g(path.split('/').pop()!) }))
      .join('');
    for (let start = 0, part = 1; start < jobs.length; start += JOBS_PER_FILE, part++) {
      const blocks = jobs.slice(start, start + JOBS_PER_FILE).map((j) => {
        const block = renderTemplate(t, 'jobs/multibranch.groovy.mustache', jobView(j));
        index[j.fullName] = hashContents(block);
        opts.onJob?.();
        return block;
      });
      files.push(marked({ path: dslPath(folder, part), contents: [folders, ...blocks].filter(Boolean).join('\n'), owner: 'pipewright' }));
    }
  }
  const seed = c.seed;
  const seedFile = marked({
    path: SEED_FILE,
    contents: renderTemplate(t, 'jobs/seed-job.groovy.mustache', {
      name: g(seed.name),
      catalogComment: groovyComment(opts.catalogArg),
      targetsComment: groovyComment(`${opts.outArg}/dsl/**/*.groovy`),
      checkComment: groovyComment(`${command} --check`),
      repository: g(seed.repository),
      credentialsId: seed.credentialsId === null ? null : g(seed.credentialsId),
      branch: g(seed.branch),
      schedule: g(seed.schedule),
      targets: g(`${opts.outArg}/dsl/**/*.groovy`),
      removedJobAction: g(seed.removedJobAction),
    }),
    owner: 'pipewright',
  });
  // The JCasC snippet holds the marked seed job, so both say where they come from.
  files.push(seedFile, marked(seedJcasc(seedFile.contents)));
  const sortedIndex = Object.fromEntries(Object.keys(index).sort().map((k) => [k, index[k]!]));
  files.push(
    marked({
      path: INDEX_FILE,
      contents: `${JSON.stringify({ generatedBy: `${command} (from ${c.catalogFile})`, jobs: sortedIndex }, null, 2)}\n`,
      owner: 'pipewright',
    }),
  );
  return {
    files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    index: sortedIndex,
  };
}

/**
 * The seed job as Jenkins Configuration as Code: job-dsl's root element `jobs:`, a list of script
 * sources, here one `script:` holding seed-job.groovy byte for byte. JCasC resolves `${…}` in
 * every value (its variables and secrets) and reads `^${` as a literal `${`, so each `${` is
 * written as `^${`: what Job DSL receives is exactly the Groovy file.
 */
function seedJcasc(seedGroovy: string): GeneratedFile {
  const doc = { jobs: [{ script: seedGroovy.replaceAll('${', '^${') }] };
  return {
    path: SEED_JCASC_FILE,
    contents:
      '# The seed job for Jenkins Configuration as Code (the job-dsl plugin\'s jobs: element): add this\n' +
      '# file to CASC_JENKINS_CONFIG, or its jobs: entry to your JCasC YAML. It is seed-job.groovy.\n' +
      dumpYaml(doc),
    owner: 'pipewright',
  };
}

/** What a run would do to the jobs, compared with the index of the last run. */
export function diffJobs(before: JobIndex, after: JobIndex): { added: string[]; changed: string[]; removed: string[] } {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [name, hash] of Object.entries(after)) {
    if (!Object.hasOwn(before, name)) added.push(name);
    else if (before[name] !== hash) changed.push(name);
  }
  const removed = Object.keys(before).filter((name) => !Object.hasOwn(after, name));
  return { added, changed, removed: removed.sort() };
}
