/** model → the files a user owns once created: Dockerfile, .dockerignore, script/cibuild, script/smoke. Pure. */
import type { Model } from '../../model/model.js';
import type { TemplateSet } from '../../core/template-set.js';
import type { GeneratedFile } from '../types.js';
import { renderTemplate } from '../mustache.js';
import { shellQuote } from '../../escape/shell.js';

/** Inside a JSON string of the Dockerfile's exec-form CMD. */
const jsonInner = (s: string): string => JSON.stringify(s).slice(1, -1);

export function renderScaffold(m: Model, t: TemplateSet): GeneratedFile[] {
  const view = {
    python: m.runtime.python,
    port: m.image.port,
    workers: m.runtime.workers,
    wsgi: jsonInner(m.runtime.wsgi),
    healthPath: m.runtime.healthPath,
    healthPathWord: shellQuote(m.runtime.healthPath),
  };
  return [
    { path: 'Dockerfile', contents: renderTemplate(t, 'scaffold/Dockerfile.mustache', view), owner: 'user' },
    { path: '.dockerignore', contents: renderTemplate(t, 'scaffold/dockerignore.mustache', view), owner: 'user' },
    { path: 'script/cibuild', contents: renderTemplate(t, 'scaffold/cibuild.mustache', view), owner: 'user', mode: 0o755 },
    // Smoke is never a silent no-op: the Smoke stage fails without script/smoke or smoke.command.
    { path: 'script/smoke', contents: renderTemplate(t, 'scaffold/smoke.mustache', view), owner: 'user', mode: 0o755 },
  ];
}
