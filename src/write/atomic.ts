import { randomBytes } from 'node:crypto';
import { mkdir, open, chmod, rename, unlink, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Temp files look like `.<base>.pipewright-tmp-<pid>-<hex>`; this recognises them (and their pid). */
const TEMP_PATTERN = /^\..+\.pipewright-tmp-(\d+)-[0-9a-f]+$/;

/** The temp file name for `absPath`, in the same directory so the final rename never crosses a file system. */
export function tempPathFor(absPath: string): string {
  const dir = path.dirname(absPath);
  const base = path.basename(absPath);
  return path.join(dir, `.${base}.pipewright-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Writes `contents` to `absPath` so that readers (and a crash at any instant) see either the old
 * file or the complete new one, never a partial file: write a sibling temp file, fsync it, then
 * rename it over the target (rename is atomic within one directory on POSIX).
 * @param mode file mode of the result. Default 0o644.
 */
export async function writeFileAtomic(absPath: string, contents: string, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(absPath), { recursive: true });
  const tmp = tempPathFor(absPath);
  try {
    // 'wx': never follow or reuse an existing path under the temp name.
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(contents, 'utf8');
      // Without the fsync a crash after rename could leave an empty file on some file systems.
      await handle.sync();
    } finally {
      await handle.close();
    }
    // open()'s mode is filtered by the umask; chmod makes the result exact.
    await chmod(tmp, mode);
    await rename(tmp, absPath);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(path.dirname(absPath));
}

/** Makes the rename itself durable. Best effort: some platforms (Windows) cannot open a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability of the directory entry is a bonus; atomicity does not depend on it.
  }
}

/**
 * Removes temp files left in `dir` by writers that were killed mid-write. Temps of a still-running
 * process are kept, since that process may be about to rename them.
 * @returns the names removed, sorted.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    const match = TEMP_PATTERN.exec(name);
    if (!match || isRunning(Number(match[1]))) continue;
    await unlink(path.join(dir, name)).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
