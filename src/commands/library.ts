/** `pipewright library --out DIR`: the org's Jenkins shared library (vars/), through the one writer. */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { renderLibrary } from '../render/jenkins.js';
import { mark } from '../render/marker.js';
import { loadTemplates } from '../templates.js';
import { UsageError } from '../errors.js';
import { processIo, type Io } from '../io.js';
import { writeFiles, type WriteFlags } from './write-files.js';
import type { CommonOptions } from './common.js';

export interface LibraryOptions extends CommonOptions, WriteFlags {
  /** The library repository's root (vars/ is written inside it). */
  readonly out?: string;
}

export async function run(opts: LibraryOptions, io: Io = processIo): Promise<number> {
  if (!opts.out) throw new UsageError('library: --out <dir> is required: the root of the shared library repository');
  const { model, root } = await loadConfig(opts);
  const out = path.resolve(opts.cwd, opts.out);
  const templates = loadTemplates({
    groups: ['vars-templates'],
    templatesDir: model.templatesDir && path.resolve(root, model.templatesDir),
    configFile: model.configFile,
  });
  const command = `pipewright library --out ${path.relative(root, out) || '.'}`;
  const files = renderLibrary(model, templates).map((f) => mark(f, model.configFile, command));
  return writeFiles(files, out, model.configFile, opts, io, command);
}
