import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';

/** Where the manifest lives, relative to the output root. */
export const DEFAULT_MANIFEST_PATH = '.pipewright/manifest.json';

const GENERATOR = 'pipewright';
const VERSION = 1;
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The files pipewright generated last time, with the hash of what it wrote. */
export interface Manifest {
  /** POSIX path relative to the root → `sha256:<hex>`. Iteration order is sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** Whether a manifest file existed on disk. */
  readonly exists: boolean;
}

/** Code-unit order: the same everywhere, unlike localeCompare. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic manifest text: sorted paths, 2-space JSON, trailing newline. */
export function serializeManifest(files: ReadonlyMap<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of [...files.keys()].sort(comparePaths)) {
    // defineProperty so a path like "__proto__" stays an ordinary key.
    Object.defineProperty(sorted, key, { value: files.get(key), enumerable: true, writable: true, configurable: true });
  }
  return `${JSON.stringify({ generator: GENERATOR, version: VERSION, files: sorted }, null, 2)}\n`;
}

/**
 * Reads `<root>/<manifestPath>`. A missing manifest is an empty one (first run).
 * A manifest that cannot be read or parsed is a UsageError: guessing would risk deleting or
 * overwriting the user's files.
 * @param manifestPath relative to root. Default '.pipewright/manifest.json'.
 */
export async function readManifest(root: string, manifestPath = DEFAULT_MANIFEST_PATH): Promise<Manifest> {
  const abs = path.join(root, manifestPath);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: new Map(), exists: false };
    throw corrupt(manifestPath, `cannot be read (${(err as Error).message})`);
  }
  return { files: parseManifest(text, manifestPath), exists: true };
}

/** Validates the manifest text; the entries' paths are checked later by the writer. */
export function parseManifest(text: string, manifestPath = DEFAULT_MANIFEST_PATH): Map<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw corrupt(manifestPath, `is not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(data) || data.generator !== GENERATOR || data.version !== VERSION || !isRecord(data.files)) {
    throw corrupt(manifestPath, `is not a pipewright manifest (expected {"generator": "pipewright", "version": 1, "files": {…}})`);
  }
  const files = new Map<string, string>();
  for (const [file, hash] of Object.entries(data.files).sort(([a], [b]) => comparePaths(a, b))) {
    if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) {
      throw corrupt(manifestPath, `has an invalid hash for "${file}" (expected "sha256:<64 hex digits>")`);
    }
    files.set(file, hash);
  }
  return files;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function corrupt(manifestPath: string, problem: string): UsageError {
  return new UsageError(
    `${manifestPath} ${problem}.\n` +
      `The manifest records which files pipewright generated. Restore it from git (git checkout -- ${manifestPath}), ` +
      `or delete it and re-run with --force to regenerate every file (hand edits to generated files will be overwritten).`,
  );
}
