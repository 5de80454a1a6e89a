/** What the renderers receive from the template loader (config/templates.ts): pure data, no I/O. */

/** Template name (POSIX path under the package root, e.g. kustomize/base/deployment.yaml.mustache) → text. */
export type TemplateSet = ReadonlyMap<string, string>;

/** The template folders, each used by some command. */
export const TEMPLATE_GROUPS = ['kustomize', 'scaffold', 'vars-templates', 'jobs'] as const;
export type TemplateGroup = (typeof TEMPLATE_GROUPS)[number];
