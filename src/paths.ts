import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The installed package's root: this file runs as dist/src/paths.js or inside a dist/bin/ chunk, both two levels down. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
