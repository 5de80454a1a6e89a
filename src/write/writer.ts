import { lstat, readFile, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FindingsError, UsageError } from '../core/errors.js';
import type { GeneratedFile } from '../render/types.js';
import { removeStaleTemps, writeFileAtomic } from './atomic.js';
import { DEFAULT_MANIFEST_PATH, comparePaths, parseManifest, readManifest, serializeManifest } from './manifest.js';
import { hashContents } from '../core/hash.js';
import { realParentInside, realpathLenient, unsafePathReason } from './safe-path.js';

export interface WriteOptions {
  /** Output root; every path is relative to it. */
  readonly root: string;
  /** Overwrite/delete generated files that were edited by hand. Default false. */
  readonly force?: boolean;
  /** Manifest path relative to root. Default '.pipewright/manifest.json'. */
  readonly manifestPath?: string;
}

export type ChangeKind = 'create' | 'update' | 'unchanged' | 'delete' | 'scaffold' | 'user-owned';

/**
 * Why a change would destroy someone's work: a generated file edited by hand, a file pipewright
 * never wrote, or an edited file pipewright no longer generates.
 */
export type ConflictReason = 'edited' | 'not-ours' | 'edited-orphan';

export interface PlannedChange {
  /** POSIX path relative to the root. */
  readonly path: string;
  readonly kind: ChangeKind;
  /** Current disk contents (update, delete). */
  readonly before?: string;
  /** Contents to write (create, update, unchanged, scaffold). */
  readonly after?: string;
  /** Mode to write with. */
  readonly mode?: number;
  /** Set when the change is refused unless forced; `kind` says what force would do. */
  readonly conflict?: ConflictReason;
}

export interface WritePlan {
  /** Absolute output root. */
  readonly root: string;
  /** Every generated path and every orphan, sorted by path. */
  readonly changes: readonly PlannedChange[];
  /** The subset of `changes` that is refused without force. */
  readonly conflicts: readonly PlannedChange[];
  /** Manifest path relative to root. */
  readonly manifestPath: string;
  /** The manifest text to write after the files (the result of applying with force). */
  readonly manifest: string;
  /** Whether the manifest's entries differ from the current one; if not, it is not rewritten. */
  readonly manifestChanged: boolean;
  /** Manifest entries dropped because they point outside the root; nothing is done to them. */
  readonly warnings: readonly string[];
  /** WriteOptions.force, used by applyPlan unless overridden. */
  readonly force: boolean;
}

export interface WriteSummary {
  /** The changes that touched the disk (create, update, scaffold, delete), sorted by path. */
  readonly applied: readonly PlannedChange[];
  /** How many changes of each kind the plan had. */
  readonly counts: Readonly<Record<ChangeKind, number>>;
  readonly manifestWritten: boolean;
  readonly warnings: readonly string[];
}

const DEFAULT_MODE = 0o644;
const WRITE_KINDS: ReadonlySet<ChangeKind> = new Set(['create', 'update', 'scaffold']);
const DISK_KINDS: ReadonlySet<ChangeKind> = new Set(['create', 'update', 'scaffold', 'delete']);
/** Enough parallel writes to hide fsync latency, few enough to stay far from fd limits. */
const WRITE_CONCURRENCY = 8;

/**
 * Compares what the renderers produced with the disk and the manifest, and decides what to do
 * with every path. Reads only; nothing is written until `applyPlan`.
 */
export async function planWrite(files: readonly GeneratedFile[], opts: WriteOptions): Promise<WritePlan> {
  const root = path.resolve(opts.root);
  const manifestPath = opts.manifestPath ?? DEFAULT_MANIFEST_PATH;
  const manifestProblem = unsafePathReason(manifestPath);
  if (manifestProblem) throw new UsageError(`manifest path "${manifestPath}" ${manifestProblem}`);
  const sorted = validateGenerated(files, manifestPath);

  const realRoot = await realpathLenient(root);
  for (const p of [manifestPath, ...sorted.map((f) => f.path)]) {
    if (!(await realParentInside(realRoot, root, p))) {
      throw new UsageError(`refusing to write ${p}: its directory resolves outside ${root} (through a symlink)`);
    }
  }

  const old = await readManifest(root, manifestPath);
  const next = new Map<string, string>();
  const changes: PlannedChange[] = [];
  for (const file of sorted) {
    changes.push(await planFile(root, file, old.files, next));
  }
  const warnings: string[] = [];
  const generated = new Set(sorted.map((f) => f.path));
  for (const [p, recorded] of old.files) {
    if (generated.has(p)) continue;
    const orphan = await planOrphan(realRoot, root, p, recorded, warnings);
    if (orphan) changes.push(orphan);
  }
  changes.sort((a, b) => comparePaths(a.path, b.path));

  return {
    root,
    changes,
    conflicts: changes.filter((c) => c.conflict !== undefined),
    manifestPath,
    manifest: serializeManifest(next),
    manifestChanged: !sameEntries(old.files, next),
    warnings,
    force: opts.force ?? false,
  };
}

/** A renderer bug must never become a write outside the root, so bad paths are a hard error. */
function validateGenerated(files: readonly GeneratedFile[], manifestPath: string): GeneratedFile[] {
  const seen = new Set<string>();
  for (const f of files) {
    const problem = unsafePathReason(f.path);
    if (problem) throw new Error(`generated path "${f.path}" ${problem}`);
    if (seen.has(f.path)) throw new Error(`generated path "${f.path}" is produced twice`);
    if (f.path === manifestPath) throw new Error(`generated path "${f.path}" collides with the manifest`);
    seen.add(f.path);
  }
  return [...files].sort((a, b) => comparePaths(a.path, b.path));
}

async function planFile(
  root: string,
  file: GeneratedFile,
  recorded: ReadonlyMap<string, string>,
  next: Map<string, string>,
): Promise<PlannedChange> {
  const base = { path: file.path, after: file.contents, mode: file.mode ?? DEFAULT_MODE };
  const disk = await readIfFile(root, file.path);
  if (file.owner === 'user') {
    // Scaffolds belong to the user from the moment they exist: never tracked, never overwritten.
    return disk === undefined ? { ...base, kind: 'scaffold' } : { path: file.path, kind: 'user-owned' };
  }
  const newHash = hashContents(file.contents);
  next.set(file.path, newHash);
  if (disk === undefined) return { ...base, kind: 'create' };
  const diskHash = hashContents(disk);
  if (diskHash === newHash) return { ...base, kind: 'unchanged' };
  const before = disk.toString('utf8');
  const lastWritten = recorded.get(file.path);
  if (lastWritten === diskHash) return { ...base, before, kind: 'update' };
  return { ...base, before, kind: 'update', conflict: lastWritten === undefined ? 'not-ours' : 'edited' };
}

/** A path pipewright generated before but not now: delete it, unless that would destroy an edit. */
async function planOrphan(
  realRoot: string,
  root: string,
  p: string,
  recorded: string,
  warnings: string[],
): Promise<PlannedChange | undefined> {
  const problem = unsafePathReason(p);
  if (problem) {
    warnings.push(`ignoring manifest entry "${p}": it ${problem}; nothing outside the output root is ever deleted`);
    return undefined;
  }
  if (!(await realParentInside(realRoot, root, p))) {
    warnings.push(`ignoring manifest entry "${p}": its directory resolves outside the output root; not deleted`);
    return undefined;
  }
  let disk: Buffer | undefined;
  try {
    disk = await readIfFile(root, p);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    warnings.push(`ignoring manifest entry "${p}": it is now a directory; not deleted`);
    return undefined;
  }
  // Already gone: the entry just drops out of the manifest.
  if (disk === undefined) return undefined;
  const before = disk.toString('utf8');
  if (hashContents(disk) === recorded) return { path: p, kind: 'delete', before };
  return { path: p, kind: 'delete', before, conflict: 'edited-orphan' };
}

async function readIfFile(root: string, rel: string): Promise<Buffer | undefined> {
  const abs = path.join(root, rel);
  try {
    return await readFile(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR') throw new UsageError(`${rel} is a directory, but pipewright generates a file there`);
    throw err;
  }
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/**
 * Carries out a plan: every file atomically, then orphan deletions, then the manifest last, so a
 * crash part-way leaves a manifest that still describes what pipewright last finished writing.
 * Refuses everything (FindingsError, exit 1) when the plan has conflicts and force is off.
 * @param opts.force overwrite/delete hand-edited files. Default: the plan's WriteOptions.force.
 */
export async function applyPlan(plan: WritePlan, opts: { readonly force?: boolean } = {}): Promise<WriteSummary> {
  const force = opts.force ?? plan.force;
  if (plan.conflicts.length > 0 && !force) throw conflictError(plan.conflicts);

  const writes = plan.changes.filter((c) => WRITE_KINDS.has(c.kind));
  await forEachLimit(writes, WRITE_CONCURRENCY, (c) =>
    writeFileAtomic(path.join(plan.root, c.path), c.after ?? '', c.mode ?? DEFAULT_MODE),
  );
  // Leftovers of an earlier, killed run would otherwise show up in `git status`.
  for (const dir of new Set(writes.map((c) => path.dirname(path.join(plan.root, c.path))))) {
    await removeStaleTemps(dir);
  }

  const deletes = plan.changes.filter((c) => c.kind === 'delete');
  for (const c of deletes) await deleteInside(plan.root, c.path);

  if (plan.manifestChanged) await writeFileAtomic(path.join(plan.root, plan.manifestPath), plan.manifest);

  return {
    applied: plan.changes.filter((c) => DISK_KINDS.has(c.kind)),
    counts: countKinds(plan.changes),
    manifestWritten: plan.manifestChanged,
    warnings: plan.warnings,
  };
}

/**
 * The plan minus its conflicts, for a caller that writes everything else and reports what it kept
 * (`init` with a Jenkinsfile of the user's own). Each refused path stays as it is on disk and keeps
 * its old manifest entry (none, for a file pipewright never wrote), so later runs refuse it too.
 */
export async function withoutConflicts(plan: WritePlan): Promise<WritePlan> {
  if (plan.conflicts.length === 0) return plan;
  const old = await readManifest(plan.root, plan.manifestPath);
  const next = parseManifest(plan.manifest, plan.manifestPath);
  for (const c of plan.conflicts) {
    const recorded = old.files.get(c.path);
    if (recorded === undefined) next.delete(c.path);
    else next.set(c.path, recorded);
  }
  return {
    ...plan,
    changes: plan.changes.filter((c) => c.conflict === undefined),
    conflicts: [],
    manifest: serializeManifest(next),
    manifestChanged: !sameEntries(old.files, next),
  };
}

function conflictError(conflicts: readonly PlannedChange[]): FindingsError {
  const lines = conflicts.map((c) => `  ${c.path}  (${describeConflict(c.conflict)})`);
  const noun = conflicts.length === 1 ? 'file' : 'files';
  return new FindingsError(
    `refusing to change ${conflicts.length} ${noun} that pipewright did not write or that were edited by hand:\n` +
      `${lines.join('\n')}\n` +
      'Nothing was written. Move your changes into the pipewright config, or use --force to overwrite them.',
  );
}

/** A short human explanation of a conflict. */
export function describeConflict(reason: ConflictReason | undefined): string {
  switch (reason) {
    case 'edited':
      return 'generated file edited by hand';
    case 'not-ours':
      return 'exists and was not generated by pipewright';
    case 'edited-orphan':
      return 'no longer generated, but edited by hand';
    default:
      return 'no conflict';
  }
}

/** Unlinks `rel` and then any parent directories that became empty, stopping at the root. */
async function deleteInside(root: string, rel: string): Promise<void> {
  await unlink(path.join(root, rel)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  let dir = path.dirname(path.join(root, rel));
  while (dir !== root && dir.startsWith(root + path.sep)) {
    // lstat first: never rmdir through a symlink, and stop at the first non-empty directory.
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) return;
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function countKinds(changes: readonly PlannedChange[]): Record<ChangeKind, number> {
  const counts: Record<ChangeKind, number> = {
    create: 0,
    update: 0,
    unchanged: 0,
    delete: 0,
    scaffold: 0,
    'user-owned': 0,
  };
  for (const c of changes) counts[c.kind]++;
  return counts;
}

/** The changes that would touch the disk (everything but unchanged and user-owned). */
export function pendingChanges(plan: WritePlan): PlannedChange[] {
  return plan.changes.filter((c) => DISK_KINDS.has(c.kind));
}

/**
 * A git-style unified diff of every pending change (a/ and b/ prefixes, /dev/null for created
 * and deleted files). Loads `diff` lazily: only --diff and --check need it.
 */
export async function unifiedDiff(plan: WritePlan): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  return pendingChanges(plan)
    .map((c) => {
      const created = c.kind === 'create' || c.kind === 'scaffold';
      const deleted = c.kind === 'delete';
      const oldName = created ? '/dev/null' : `a/${c.path}`;
      const newName = deleted ? '/dev/null' : `b/${c.path}`;
      const patch = createTwoFilesPatch(oldName, newName, c.before ?? '', c.after ?? '');
      // Drop jsdiff's "=====" separator; a "diff --git" header is what git and reviewers expect.
      const body = patch.replace(/^=+\n/, '');
      const mode = `100${((c.mode ?? DEFAULT_MODE) & 0o777).toString(8).padStart(3, '0')}`;
      const header = created ? `new file mode ${mode}\n` : deleted ? `deleted file mode 100644\n` : '';
      return `diff --git a/${c.path} b/${c.path}\n${header}${body}`;
    })
    .join('');
}

/**
 * One human line per path, sorted, e.g. "  create      kustomize/base/deployment.yaml".
 * Refused changes read "conflict" with the reason. Empty string when there is nothing to say.
 * @param opts.unchanged also list unchanged and user-owned files. Default false.
 */
export function summarize(plan: WritePlan, opts: { readonly unchanged?: boolean } = {}): string {
  const lines = plan.changes
    .filter((c) => opts.unchanged || (c.kind !== 'unchanged' && c.kind !== 'user-owned'))
    .map((c) => {
      const label = c.conflict && !plan.force ? 'conflict' : c.kind;
      const note = c.conflict ? `  (${describeConflict(c.conflict)})` : '';
      return `  ${label.padEnd(10)}  ${c.path}${note}`;
    });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
