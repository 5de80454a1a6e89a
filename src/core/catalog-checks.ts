/**
 * The checks of a seed-job catalog that need several repository entries at once. A leaf: the
 * config schema runs them with a stand-in for the default folder (so they are reported in the
 * same pass as every other problem), the model with the real folders.
 */
import type { ConfigProblem } from './errors.js';

/** What the checks read of an entry (config/catalog-schema.ts's RepositoryEntry has these). */
export interface CatalogEntryShape {
  readonly name: string;
  readonly github?: string | undefined;
  readonly git?: string | undefined;
  readonly folder?: string | undefined;
  readonly team?: string | undefined;
}

/** Stands for "the default folder" while `defaults` may still be invalid. */
export const DEFAULT_FOLDER = '\0default/';

/**
 * Problems that need several entries at once: each entry's single source, duplicate job names and
 * job/folder clashes. `folderOf` resolves an entry's folder: the catalog's real one once the whole
 * file is valid, or a stand-in for "the default folder" while other sections still have errors,
 * so these problems are reported in the same pass as the rest.
 */
export function repositoryProblems<R extends CatalogEntryShape>(repos: readonly R[], folderOf: (r: R) => string | null): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const nameOf = (r: R) => {
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
