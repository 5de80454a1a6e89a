/** `pipewright generate`: config → model → render → write, for one app repo. */
import path from 'node:path';
import { rememberRules } from '../rules/load-rules.js';
import type { Model } from '../model/model.js';
import { renderApp, APP_TEMPLATE_GROUPS } from '../render/app/files.js';
import type { GeneratedFile } from '../render/types.js';
import { loadTemplates } from '../config/templates.js';
import { processIo, type Io } from '../core/io.js';
import { TEMPLATES_FLAG, templatesDirFlag, writeFiles, type TemplateFlags, type WriteFlags } from './write-files.js';
import { type CommonOptions, loadProject } from './common.js';

export interface GenerateOptions extends CommonOptions, WriteFlags, TemplateFlags {}

/**
 * What `generate` writes for `model`, whose config lives in `root` (its templatesDir is relative to
 * it). `templatesDir` (absolute, from --templates-dir) overrides the config's.
 */
export function renderGenerated(model: Model, root: string, templatesDir?: string): GeneratedFile[] {
  const templates = loadTemplates({
    groups: APP_TEMPLATE_GROUPS,
    templatesDir: templatesDir ?? (model.templatesDir && path.resolve(root, model.templatesDir)),
    configFile: templatesDir ? TEMPLATES_FLAG : model.configFile,
  });
  return renderApp(model, templates);
}

export async function run(opts: GenerateOptions, io: Io = processIo): Promise<number> {
  const { model, root, path: configPath } = await loadProject(opts);
  rememberRules(configPath, model.rules);
  return writeFiles(renderGenerated(model, root, templatesDirFlag(opts)), root, model.configFile, opts, io);
}
