/**
 * `pipewright graph [--svg] [--out DIR]`: the delivery flow (branches → gates → environments →
 * namespaces, merges and promotions) as Mermaid text, or as an SVG picture. Standard output by
 * default; --out writes <DIR>/pipeline.mmd (or pipeline.svg) through the one writer, with
 * --check, --dry-run and --force as in generate.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { processIo, type Io } from '../core/io.js';
import { buildGraph } from '../render/graph/delivery-graph.js';
import { renderMermaid } from '../render/graph/mermaid.js';
import { renderSvg } from '../render/graph/svg.js';
import { type CommonOptions, loadProject } from './common.js';
import { writeFiles, type WriteFlags } from './write-files.js';

export interface GraphOptions extends CommonOptions, WriteFlags {
  /** An SVG picture instead of Mermaid text. Default false. */
  readonly svg?: boolean;
  /** Folder to write the graph file into, relative to cwd. Default: standard output. */
  readonly out?: string;
}

/** The file --out writes, by format. */
export const GRAPH_FILES = { svg: 'pipeline.svg', mermaid: 'pipeline.mmd' } as const;

/**
 * Each format keeps its own manifest: pipeline.svg and pipeline.mmd can share a folder, and a
 * folder that is also the project root keeps generate's manifest to generate.
 */
const manifestOf = (svg: boolean): string => `.pipewright/graph-${svg ? 'svg' : 'mermaid'}-manifest.json`;

/** The absolute folder --out names, after refusing a file (what --out named before it meant a folder). */
function outDir(out: string, cwd: string, file: string): string {
  if (out.trim() === '') throw new UsageError(`--out: needs a folder, e.g. --out docs (graph writes docs/${file})`);
  const abs = path.resolve(cwd, out);
  let isDir: boolean | null = null;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // absent: the writer creates it
  }
  const parent = path.dirname(out);
  const instead = `--out ${parent === '' ? '.' : parent}`;
  if (isDir === false) throw new UsageError(`--out ${out}: is a file; --out names a folder, and graph writes ${file} in it: e.g. ${instead}`);
  if (isDir === null && /\.(svg|mmd|mermaid)$/i.test(out)) {
    throw new UsageError(`--out ${out}: --out names a folder, not a file: graph writes <folder>/${file}; e.g. ${instead}`);
  }
  return abs;
}

export async function run(opts: GraphOptions, io: Io = processIo): Promise<number> {
  const file = opts.svg ? GRAPH_FILES.svg : GRAPH_FILES.mermaid;
  if (opts.out === undefined) {
    const flag = (['check', 'dryRun', 'force', 'json'] as const).find((f) => opts[f]);
    if (flag) {
      const name = { check: '--check', dryRun: '--dry-run', force: '--force', json: '--json' }[flag];
      throw new UsageError(`${name} needs --out <folder>: without --out, graph prints to standard output`);
    }
  }
  const dir = opts.out !== undefined ? outDir(opts.out, opts.cwd, file) : null;
  const { model } = await loadProject(opts);
  const graph = buildGraph(model);
  const text = opts.svg ? renderSvg(graph) : renderMermaid(graph);
  if (dir === null) {
    io.out(text);
    return 0;
  }
  const command = `pipewright graph${opts.svg ? ' --svg' : ''} --out ${path.relative(opts.cwd, dir) || '.'}`;
  return writeFiles([{ path: file, contents: text, owner: 'pipewright' }], dir, model.configFile, opts, io, command, manifestOf(opts.svg ?? false));
}
