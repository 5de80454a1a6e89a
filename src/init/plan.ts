/**
 * What `init` will do, decided from what it read (src/init/facts.ts): the config, the generated
 * files, the environment branches and the hook. Pure: nothing is read or written here.
 */
import type { HookChange, InstallAction } from '../git/hook-install.js';
import type { Model } from '../model/model.js';
import { describeConflict, type PlannedChange, type WritePlan } from '../write/writer.js';

/** The flags that change what init does. */
export interface InitFlags {
  readonly dryRun: boolean;
  /** Run in a dirty tree; rewrite a YAML config; overwrite generated files edited by hand. */
  readonly force: boolean;
  /** Create the environment branches (false with --no-branches). */
  readonly branches: boolean;
  /** Install the pre-push hook (false with --no-hook). */
  readonly hook: boolean;
}

/** For each environment branch: its local commit, and the remote-tracking one when it has no local one. */
export type BranchRefs = ReadonlyMap<string, { readonly local: string | null; readonly tracking: string | null }>;

export interface BranchResult {
  readonly name: string;
  readonly action: 'created' | 'exists';
  readonly commit: string;
  /** Where a created branch starts: HEAD, or a remote-tracking branch of the same name. */
  readonly from?: string;
}

/** A file generate would write that init leaves as it is, and how to resolve that. */
export interface KeptFile {
  readonly path: string;
  readonly reason: string;
  readonly fix: string;
}

export type ConfigAction = 'create' | 'update' | 'unchanged' | 'kept';

export interface PlanInput {
  readonly flags: InitFlags;
  readonly model: Model;
  readonly head: string | null;
  readonly remote: string | null;
  readonly refs: BranchRefs;
  readonly config: { readonly exists: boolean; readonly rewrite: boolean; readonly text: string | null; readonly onDisk: string | null };
  /** What generate would write, and the same without the files pipewright may not touch. */
  readonly files: WritePlan;
  readonly unforced: WritePlan;
  readonly hook: HookChange<InstallAction> | null;
}

export interface InitPlan {
  readonly configAction: ConfigAction;
  /** The file changes init makes: without conflicts, unless forced. */
  readonly files: WritePlan;
  readonly kept: readonly KeptFile[];
  /** The environment branches before production, whether or not they are created. */
  readonly branchNames: readonly string[];
  /** Empty with --no-branches. */
  readonly branches: readonly BranchResult[];
  readonly hook: HookChange<InstallAction> | null;
  /** Whether anything changes (or, in a dry run, would). */
  readonly changed: boolean;
}

/** The branches of every environment before production (develop and staging by default). */
export function environmentBranches(model: Model): string[] {
  return [...new Set(model.environments.filter((e) => !e.production).map((e) => e.branch))];
}

/** Create a missing branch at HEAD, or from the remote's branch of that name when there is one (never diverge from it). */
export function planBranch(name: string, refs: BranchRefs, head: string, remote: string | null): BranchResult {
  const { local = null, tracking = null } = refs.get(name) ?? {};
  if (local) return { name, action: 'exists', commit: local };
  if (tracking) return { name, action: 'created', commit: tracking, from: `${remote}/${name}` };
  return { name, action: 'created', commit: head, from: 'HEAD' };
}

export function keptFile(c: PlannedChange): KeptFile {
  const reason = describeConflict(c.conflict);
  switch (c.conflict) {
    case 'not-ours':
      return { path: c.path, reason, fix: `to use the generated one, move yours away (git mv ${c.path} ${c.path}.orig) and run \`pipewright generate\`, or overwrite it: \`pipewright generate --force\`` };
    case 'edited':
      return { path: c.path, reason, fix: `move the change into the config and run \`pipewright generate --force\`, or keep it and see the drift with \`pipewright generate --check\`` };
    default:
      return { path: c.path, reason, fix: `delete it yourself, or run \`pipewright generate --force\`` };
  }
}

export function planInit(p: PlanInput): InitPlan {
  const { flags, config } = p;
  // What generate would write: everything except files pipewright may not touch, which are kept.
  const kept = flags.force ? [] : p.files.conflicts.map((c) => keptFile(c));
  const files = flags.force ? p.files : p.unforced;
  const branchNames = environmentBranches(p.model);
  const branches = flags.branches ? branchNames.map((b) => planBranch(b, p.refs, p.head!, p.remote)) : [];
  const configAction: ConfigAction = !config.rewrite ? 'kept' : !config.exists ? 'create' : config.onDisk === config.text ? 'unchanged' : 'update';
  const changed =
    configAction === 'create' ||
    configAction === 'update' ||
    files.changes.some((c) => c.kind !== 'unchanged' && c.kind !== 'user-owned') ||
    files.manifestChanged ||
    branches.some((b) => b.action === 'created') ||
    (p.hook !== null && p.hook.action !== 'unchanged' && p.hook.action !== 'lefthook-snippet');
  return { configAction, files, kept, branchNames, branches, hook: p.hook, changed };
}
