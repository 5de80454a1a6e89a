/** Writes a model's Jenkinsfile and shared library into a scratch folder the harness can run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Model } from '../model/model.js';
import type { TemplateSet } from '../core/template-set.js';
import { renderJenkinsfile, renderLibrary } from '../render/jenkins/pipeline.js';

export interface PipelinePaths {
  readonly jenkinsfile: string;
  readonly vars: string;
}

export function writePipeline(m: Model, templates: TemplateSet, dir: string): PipelinePaths {
  mkdirSync(path.join(dir, 'vars'), { recursive: true });
  const jenkinsfile = path.join(dir, 'Jenkinsfile');
  writeFileSync(jenkinsfile, renderJenkinsfile(m, templates).contents);
  for (const f of renderLibrary(templates)) writeFileSync(path.join(dir, f.path), f.contents);
  return { jenkinsfile, vars: path.join(dir, 'vars') };
}
