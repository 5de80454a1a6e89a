import Mustache from 'mustache';
import type { TemplateSet } from '../core/template-set.js';

/**
 * Render one template. HTML escaping is off: every value in a view is already encoded for the
 * target language by its one escaping module (src/escape/: yaml.ts for YAML, groovy.ts for Groovy).
 */
export function renderTemplate(templates: TemplateSet, name: string, view: object): string {
  const text = templates.get(name);
  if (text === undefined) throw new Error(`internal: no template named ${name}`);
  return Mustache.render(text, view, {}, { escape: (s: string) => s });
}
