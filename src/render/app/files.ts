/** Everything `pipewright generate` writes into an app repo (Kustomize, Jenkinsfile, scaffolds), marked and in a stable order. Pure. */
import type { Model } from '../../model/model.js';
import type { TemplateSet, TemplateGroup } from '../../core/template-set.js';
import type { GeneratedFile } from '../types.js';
import { renderKustomize } from '../kubernetes/kustomize.js';
import { renderScaffold } from './scaffold.js';
import { renderJenkinsfile } from '../jenkins/pipeline.js';
import { mark } from '../marker.js';

export const APP_TEMPLATE_GROUPS: readonly TemplateGroup[] = ['kustomize', 'scaffold', 'vars-templates'];

export function renderApp(m: Model, t: TemplateSet): GeneratedFile[] {
  return [...renderKustomize(m, t), renderJenkinsfile(m, t), ...renderScaffold(m, t)]
    .map((f) => mark(f, m.configFile))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
