import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * Why `p` is not a safe relative POSIX path, or undefined when it is. Safe means: non-empty,
 * forward slashes only, not absolute, no empty, `.` or `..` segments — so joining it to the root
 * can only name something under the root (symlinks aside; see `realParentInside`).
 */
export function unsafePathReason(p: string): string | undefined {
  if (typeof p !== 'string' || p === '') return 'is empty';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (p.includes('\\')) return 'contains a backslash (paths must be POSIX)';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'is absolute';
  const segments = p.split('/');
  if (segments.includes('..')) return 'contains a ".." segment';
  if (segments.some((s) => s === '' || s === '.')) return 'is not normalized (empty or "." segment)';
  return undefined;
}

/** The real path of `p`; for a path that does not exist yet, its nearest existing ancestor's real path plus the rest. */
export async function realpathLenient(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const parent = path.dirname(abs);
    if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === abs) throw err;
    return path.join(await realpathLenient(parent), path.basename(abs));
  }
}

/** Whether `child` is `parent` or lies below it (both already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Whether the directory that would hold `<root>/<rel>` really is under the real root, following
 * symlinks. The file itself is not resolved on purpose: rename and unlink act on a symlink, never
 * on its target, so only the parent chain can redirect a write or delete outside the root.
 */
export async function realParentInside(realRoot: string, root: string, rel: string): Promise<boolean> {
  const parent = path.dirname(path.join(root, rel));
  return isInside(realRoot, await realpathLenient(parent));
}
