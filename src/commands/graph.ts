/**
 * `pipewright graph [--svg] [--out FILE]`: the delivery flow (branches → gates → environments →
 * namespaces, merges and promotions) as Mermaid text, or as an SVG picture. Standard output by
 * default; --out writes the file atomically.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { processIo, type Io } from './io.js';
import { buildGraph } from '../render/graph/delivery-graph.js';
import { renderMermaid } from '../render/graph/mermaid.js';
import { renderSvg } from '../render/graph/svg.js';
import { writeFileAtomic } from '../write/atomic.js';
import { type CommonOptions, loadProject } from './common.js';

export interface GraphOptions extends CommonOptions {
  /** An SVG picture instead of Mermaid text. Default false. */
  readonly svg?: boolean;
  /** File to write, relative to cwd. Default: standard output. */
  readonly out?: string;
}

const MERMAID_EXTENSIONS = ['.mmd', '.mermaid'];

/** The absolute path --out names, after refusing what cannot or should not be written. */
function outPath(opts: GraphOptions): string {
  const out = opts.out!;
  if (out.trim() === '') throw new UsageError('--out: needs a file name, e.g. --out docs/pipeline.svg');
  const abs = path.resolve(opts.cwd, out);
  const ext = path.extname(abs).toLowerCase();
  if (!opts.svg && ext === '.svg') {
    throw new UsageError(`--out ${out}: an .svg file needs --svg (without it the graph is Mermaid text; name it .mmd for that)`);
  }
  if (opts.svg && MERMAID_EXTENSIONS.includes(ext)) {
    throw new UsageError(`--out ${out}: --svg writes an SVG picture, not Mermaid text; name the file .svg, or drop --svg`);
  }
  const kind = (p: string): 'dir' | 'file' | 'other' | null => {
    try {
      const s = statSync(p);
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
    } catch {
      return null;
    }
  };
  const suggestion = path.join(out, opts.svg ? 'pipeline.svg' : 'pipeline.mmd');
  if (kind(abs) === 'dir') throw new UsageError(`--out ${out}: is a directory; name a file in it, e.g. --out ${suggestion}`);
  if (kind(abs) === 'other') throw new UsageError(`--out ${out}: exists and is not a regular file`);
  const parent = path.dirname(abs);
  const parentKind = kind(parent);
  const shownParent = path.dirname(out) || '.';
  if (parentKind === null) throw new UsageError(`--out ${out}: directory ${shownParent} does not exist; create it first`);
  if (parentKind !== 'dir') throw new UsageError(`--out ${out}: ${shownParent} is not a directory`);
  return abs;
}

export async function run(opts: GraphOptions, io: Io = processIo): Promise<number> {
  const target = opts.out !== undefined ? outPath(opts) : null;
  const { model } = await loadProject(opts);
  const graph = buildGraph(model);
  const text = opts.svg ? renderSvg(graph) : renderMermaid(graph);
  if (target === null) {
    io.out(text);
    return 0;
  }
  try {
    await writeFileAtomic(target, text);
  } catch (e) {
    throw new UsageError(`--out ${opts.out}: cannot write: ${(e as Error).message}`);
  }
  const what = opts.svg ? 'SVG picture' : 'Mermaid flowchart';
  const lanes = `${graph.lanes.length} environment${graph.lanes.length === 1 ? '' : 's'}`;
  io.err(`wrote ${opts.out}: ${what} of ${model.app}'s delivery flow (${lanes}, from ${model.configFile})\n`);
  return 0;
}
