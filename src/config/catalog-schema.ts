/**
 * The schema of `catalog.yaml`: the platform team's list of services, from which the seed job's
 * Job DSL is generated. Validated by the same machinery as pipewright.yaml (src/config/validate.ts).
 */
import { z } from 'zod';
import { allow } from './schema.js';
import { DEFAULT_FOLDER, repositoryProblems } from '../core/catalog-checks.js';

const itemName = allow(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/),
  'letters, digits, . _ and -, starting with a letter or digit, at most 100 characters',
);
const folderPath = allow(
  z.string().max(300).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/),
  'Jenkins folder names separated by /, e.g. payments or platform/payments',
);
const github = allow(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/), 'owner/repository, e.g. acme/shop');
const gitUrl = allow(z.string().max(500).regex(/^(https:\/\/|ssh:\/\/|git@)[^\s'"\\]+$/), 'an https://, ssh:// or git@host: URL');
const credentialsId = allow(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/), 'a Jenkins credentials id: letters, digits, . _ @ -');

/** Settings `defaults` gives every repository and each repository may override. */
const entrySettings = {
  credentialsId: credentialsId.optional().describe('Jenkins credentials to scan the repository.'),
  team: itemName.optional().describe('Owning team. Default folder: the team.'),
  folder: folderPath.optional().describe('Jenkins folder of the job. Default: the team; none when there is no team.'),
  jenkinsfile: allow(z.string().max(300).regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/), 'a path inside the repository')
    .optional()
    .describe('Path of the Jenkinsfile. Default "Jenkinsfile".'),
  includes: allow(z.string().max(500).regex(/^[A-Za-z0-9*._/-]+( [A-Za-z0-9*._/-]+)*$/), 'space-separated branch wildcards, e.g. main master staging develop PR-*')
    .optional()
    .describe('Branches and pull requests to build. Default: "main master staging develop PR-*".'),
  scanInterval: allow(z.string().regex(/^[1-9][0-9]*[mhd]$/), 'a Jenkins interval such as 30m, 2h or 1d').optional().describe('Periodic scan. Default 1d.'),
};

const Repository = z
  .strictObject({
    name: itemName.describe('The job name (the repository name, usually).'),
    github: github.optional().describe('GitHub owner/repository: a GitHub branch source, with pull requests.'),
    git: gitUrl.optional().describe('A plain git URL: a git branch source (no pull requests).'),
    description: z.string().max(1000).optional(),
    ...entrySettings,
  })
  .describe('One service repository: one multibranch pipeline job.');

export const CatalogSchema = z
  .strictObject({
    $schema: z.string().optional(),
    seed: z
      .strictObject({
        repository: gitUrl.describe('The jobs repository the seed job checks out: it holds catalog.yaml and the Job DSL `pipewright jobs` writes from it.'),
        branch: allow(z.string().regex(/^[A-Za-z0-9._/-]+$/), 'a branch name').optional().describe('Default "main".'),
        credentialsId: credentialsId.optional(),
        name: itemName.optional().describe('The seed job name. Default "pipewright-seed".'),
        schedule: z.string().min(1).max(100).optional().describe('Cron schedule to poll the jobs repository. Default "H/15 * * * *".'),
        removedJobAction: z
          .enum(['DISABLE', 'DELETE', 'IGNORE'])
          .optional()
          .describe(
            'What Job DSL does with jobs no longer generated. Default DISABLE. Job DSL disables only jobs that can be disabled: a removed multibranch job or folder is left as it is (DELETE removes it, with its builds).',
          ),
      })
      .describe('The seed job: it checks out the jobs repository and applies the committed Job DSL (no pipewright, no npm on the controller).'),
    defaults: z.strictObject(entrySettings).optional(),
    repositories: z
      .array(Repository)
      .min(1)
      .superRefine((repos, ctx) => {
        // Checked here too (with a stand-in for the default folder) so they are reported even
        // while other sections of the catalog have errors.
        for (const p of repositoryProblems(repos, (r) => r.folder ?? r.team ?? DEFAULT_FOLDER.slice(0, -1))) {
          ctx.addIssue({ code: 'custom', message: p.message, path: p.path.split('.').slice(1).map((k) => (/^[0-9]+$/.test(k) ? Number(k) : k)), params: { allowed: p.allowed }, input: repos });
        }
      }),
  })
  .describe('pipewright catalog: the repositories the seed job turns into multibranch pipeline jobs.');

export type ParsedCatalog = z.output<typeof CatalogSchema>;
export type RepositoryEntry = ParsedCatalog['repositories'][number];

/** The published JSON Schema of catalog.yaml (draft-07, for yaml-language-server). */
export function toCatalogJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(CatalogSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as object),
    $id: 'https://pipewright.dev/schema/catalog.schema.json',
    title: 'pipewright catalog',
  };
}
