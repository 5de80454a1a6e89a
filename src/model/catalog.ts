/** The resolved catalog: defaults merged into every repository, job names and sources derived once. */
import { createHash } from 'node:crypto';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { repositoryProblems } from '../core/catalog-checks.js';
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

/**
 * The model of a structurally valid catalog; a ConfigError (named `shown`, default the file name)
 * when entries clash (catalogProblems).
 */
export function resolveCatalog(c: ParsedCatalog, catalogFile: string, shown = catalogFile): CatalogModel {
  const problems = catalogProblems(c);
  if (problems.length > 0) throw new ConfigError(shown, problems);
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

/** The same checks with the real folders, once the whole catalog is valid. */
export function catalogProblems(c: ParsedCatalog): ConfigProblem[] {
  return repositoryProblems(c.repositories, (r) => folderOf(c, r));
}
