import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The installed package's root (this file is dist/src/paths.js). Templates live under it. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
