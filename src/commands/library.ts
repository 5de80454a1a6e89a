/**
 * `pipewright library --out DIR`: the org's Jenkins shared library (vars/), through the one writer.
 * The library is shared by every app and holds no app's values, so no pipewright.yaml is read:
 * any two apps' repositories, or none, give the same bytes.
 */
import path from 'node:path';
import { renderLibrary } from '../render/jenkins/pipeline.js';
import { LIBRARY_LINE, markLine } from '../render/marker.js';
import { loadTemplates } from '../config/templates.js';
import { UsageError } from '../core/errors.js';
import { processIo, type Io } from '../core/io.js';
import { TEMPLATES_FLAG, templatesDirFlag, writeFiles, type TemplateFlags, type WriteFlags } from './write-files.js';
import type { CommonOptions } from './common.js';

export interface LibraryOptions extends CommonOptions, WriteFlags, TemplateFlags {
  /** The library repository's root (vars/ is written inside it). */
  readonly out?: string;
}

export async function run(opts: LibraryOptions, io: Io = processIo): Promise<number> {
  if (!opts.out) throw new UsageError('library: --out <dir> is required: the root of the shared library repository');
  const out = path.resolve(opts.cwd, opts.out);
  // The library reads no config, so only --templates-dir overrides its templates.
  const templates = loadTemplates({ groups: ['vars-templates'], templatesDir: templatesDirFlag(opts), configFile: TEMPLATES_FLAG });
  const files = renderLibrary(templates).map((f) => markLine(f, LIBRARY_LINE));
  return writeFiles(files, out, 'pipewright', opts, io, `pipewright library --out ${path.relative(opts.cwd, out) || '.'}`);
}
