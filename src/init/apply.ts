/** Carry out an init plan (src/init/plan.ts): the config, the generated files, the branches, the hook, in that order. */
import { applyHookChange } from '../git/hook-install.js';
import type { Git } from '../git/git.js';
import { writeFileAtomic } from '../write/atomic.js';
import { applyPlan } from '../write/writer.js';
import type { InitPlan } from './plan.js';
import { createBranches } from './repository.js';

export interface ApplyTarget {
  readonly git: Git;
  /** The config file (absolute) and the text to write when the plan creates or updates it. */
  readonly configPath: string;
  readonly configText: string | null;
  readonly force: boolean;
}

export async function applyInit(plan: InitPlan, t: ApplyTarget): Promise<void> {
  if (plan.configAction === 'create' || plan.configAction === 'update') await writeFileAtomic(t.configPath, t.configText!);
  await applyPlan(plan.files, { force: t.force });
  createBranches(t.git, plan.branches);
  if (plan.hook) await applyHookChange(plan.hook);
}
