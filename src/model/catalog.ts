/** The resolved catalog: defaults merged into every repository, job names and sources derived once. */
import { createHash } from 'node:crypto';
import type { ConfigProblem } from '../core/errors.js';
import type { ParsedCatalog, RepositoryEntry } from '../config/catalog-schema.js';

export type JobSource =
  | { readonly kind: 'github'; readonly owner: string; readonly repository: string; readonly url: string }
  | { readonly kind: 'git'; readonly remote: string };

export interface JobModel {
  /** Full Jenkins item name: `<folder>/<name>`, or `<name>` at the root. */
  readonly fullName: string;
  readonly name: string;
  readonly folder: string | null;
  readonly description: string | null;
  readonly source: JobSource;
  /** A stable branch-source id, so Jenkins keeps the job's history across regenerations. */
  readonly sourceId: string;
  readonly credentialsId: string | null;
  readonly includes: string;
  readonly scriptPath: string;
  readonly scanInterval: string;
  /** Index of the entry in the catalog, for messages. */
  readonly entry: number;
}

export interface CatalogModel {
  readonly catalogFile: string;
  readonly seed: {
    readonly name: string;
    readonly repository: string;
    readonly branch: string;
    readonly credentialsId: string | null;
    readonly schedule: string;
    readonly removedJobAction: 'DISABLE' | 'DELETE' | 'IGNORE';
  };
  /** Sorted by full name. */
  readonly jobs: readonly JobModel[];
}

export const CATALOG_DEFAULTS = {
  /** Production may be `main` or `master`: both are built, whichever the repository has. */
  includes: 'main master staging develop PR-*',
  scriptPath: 'Jenkinsfile',
  scanInterval: '1d',
  seedName: 'pipewright-seed',
  seedBranch: 'main',
  schedule: 'H/15 * * * *',
  removedJobAction: 'DISABLE',
} as const;

function folderOf(c: ParsedCatalog, r: RepositoryEntry): string | null {
  return r.folder ?? r.team ?? c.defaults?.folder ?? c.defaults?.team ?? null;
}

export function fullNameOf(c: ParsedCatalog, r: RepositoryEntry): string {
  const folder = folderOf(c, r);
  return folder ? `${folder}/${r.name}` : r.name;
}

function sourceOf(r: RepositoryEntry): JobSource {
  if (r.github) {
    const [owner, repository] = r.github.split('/') as [string, string];
    return { kind: 'github', owner, repository, url: `https://github.com/${r.github}` };
  }
  return { kind: 'git', remote: r.git! };
}

export function resolveCatalog(c: ParsedCatalog, catalogFile: string): CatalogModel {
  const d = c.defaults ?? {};
  const jobs = c.repositories.map(
    (r, i): JobModel => ({
      fullName: fullNameOf(c, r),
      name: r.name,
      folder: folderOf(c, r),
      description: r.description ?? null,
      source: sourceOf(r),
      sourceId: createHash('sha256').update(fullNameOf(c, r)).digest('hex').slice(0, 16),
      credentialsId: r.credentialsId ?? d.credentialsId ?? null,
      includes: r.includes ?? d.includes ?? CATALOG_DEFAULTS.includes,
      scriptPath: r.jenkinsfile ?? d.jenkinsfile ?? CATALOG_DEFAULTS.scriptPath,
      scanInterval: r.scanInterval ?? d.scanInterval ?? CATALOG_DEFAULTS.scanInterval,
      entry: i,
    }),
  );
  jobs.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
  return {
    catalogFile,
    seed: {
      name: c.seed.name ?? CATALOG_DEFAULTS.seedName,
      repository: c.seed.repository,
      branch: c.seed.branch ?? CATALOG_DEFAULTS.seedBranch,
      credentialsId: c.seed.credentialsId ?? null,
      schedule: c.seed.schedule ?? CATALOG_DEFAULTS.schedule,
      removedJobAction: c.seed.removedJobAction ?? CATALOG_DEFAULTS.removedJobAction,
    },
    jobs,
  };
}

/** Stands for "the default folder" while `defaults` may still be invalid. */
export const DEFAULT_FOLDER = '\0default/';

/**
 * Problems that need several entries at once: each entry's single source, duplicate job names and
 * job/folder clashes. `folderOf` resolves an entry's folder: the catalog's real one once the whole
 * file is valid, or a stand-in for "the default folder" while other sections still have errors,
 * so these problems are reported in the same pass as the rest.
 */
export function repositoryProblems(repos: readonly RepositoryEntry[], folderOf: (r: RepositoryEntry) => string | null): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const nameOf = (r: RepositoryEntry) => {
    const folder = folderOf(r);
    return folder ? `${folder}/${r.name}` : r.name;
  };
  const seen = new Map<string, number>();
  repos.forEach((r, i) => {
    if ((r.github === undefined) === (r.git === undefined)) {
      problems.push({ path: `repositories.${i}`, message: `"${r.name}" needs exactly one source`, allowed: 'github: owner/repo, or git: <url>' });
    }
    const name = nameOf(r);
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        path: `repositories.${i}.name`,
        message: `job "${name.replace(DEFAULT_FOLDER, '')}"${name.startsWith(DEFAULT_FOLDER) ? ' (in the default folder)' : ''} is defined twice: by repositories.${first} (${repos[first]!.name}) and by repositories.${i} (${r.name})`,
        allowed: 'a name unique within its folder: rename one, or set folder',
      });
    } else seen.set(name, i);
  });
  // A job whose full name is also a folder of other jobs cannot exist in Jenkins.
  const folders = new Set(
    repos.flatMap((r) => {
      const f = folderOf(r);
      return f ? f.split('/').map((_, k, parts) => parts.slice(0, k + 1).join('/')) : [];
    }),
  );
  repos.forEach((r, i) => {
    if (folders.has(nameOf(r))) problems.push({ path: `repositories.${i}.name`, message: `job "${nameOf(r)}" has the same name as a folder`, allowed: 'a name no folder uses' });
  });
  return problems;
}

/** The same checks with the real folders, once the whole catalog is valid. */
export function catalogProblems(c: ParsedCatalog): ConfigProblem[] {
  return repositoryProblems(c.repositories, (r) => folderOf(c, r));
}
