/**
 * Waiting for a Deployment's rollout, as `kubectl rollout status` judges it: the controller has
 * seen the change (status.observedGeneration ≥ metadata.generation), every wanted pod runs the new
 * template (updatedReplicas = spec.replicas), no old pod is left (status.replicas) and every new
 * pod is available; a Progressing condition with reason ProgressDeadlineExceeded is a failure.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { FindingsError } from '../core/errors.js';
import type { Kube } from './client.js';

export interface RolloutProgress {
  readonly done: boolean;
  /** The controller gave up (progressDeadlineSeconds passed). */
  readonly failed: boolean;
  /** One line: where the rollout stands. */
  readonly detail: string;
}

/** Where the rollout of `d` stands; `generation`: the generation our change made (default: d's own). */
export function rolloutProgress(d: V1Deployment, generation?: number): RolloutProgress {
  const want = Math.max(generation ?? 0, d.metadata?.generation ?? 0);
  const s = d.status ?? {};
  const observed = s.observedGeneration ?? 0;
  if (observed < want) return { done: false, failed: false, detail: `the Deployment controller has not seen the change yet (observed generation ${observed} of ${want})` };
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { done: false, failed: true, detail: `the rollout exceeded its progress deadline${progressing.message ? ` (${progressing.message})` : ''}` };
  }
  const replicas = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  const counts = `${updated} of ${replicas} updated, ${available} available`;
  if (updated < replicas) return { done: false, failed: false, detail: `${counts}` };
  if (total > updated) return { done: false, failed: false, detail: `${counts}, ${total - updated} old pod${total - updated > 1 ? 's' : ''} still running` };
  if (available < updated) return { done: false, failed: false, detail: `${counts}` };
  return { done: true, failed: false, detail: `${updated} of ${replicas} updated and available` };
}

export interface WaitOptions {
  /** The generation the change made (the patch's answer). */
  readonly generation: number;
  /** How long the rollout may take. */
  readonly timeoutMs: number;
  /** Time between reads. Default 2 s. */
  readonly pollMs?: number;
  /** Told where the rollout stands whenever that changes. */
  readonly progress?: (detail: string) => void;
}

/**
 * Read the Deployment until its rollout is done; a FindingsError when the controller gives up or
 * `timeoutMs` passes first (the reads themselves each have the call deadline, --timeout).
 */
export async function waitForRollout(kube: Kube, namespace: string, name: string, opts: WaitOptions): Promise<RolloutProgress> {
  const deadline = Date.now() + opts.timeoutMs;
  const poll = opts.pollMs ?? 2000;
  let last = '';
  for (;;) {
    const d = await kube.call({ verb: 'get', resource: 'deployments.apps', namespace, name }, () => kube.apps.readNamespacedDeployment({ name, namespace }));
    const p = rolloutProgress(d, opts.generation);
    if (p.done) return p;
    if (p.detail !== last) opts.progress?.(p.detail);
    last = p.detail;
    const where = `deployment/${name} in namespace ${namespace} (context ${kube.context})`;
    if (p.failed) throw new FindingsError(`rollout of ${where} failed: ${p.detail}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new FindingsError(`rollout of ${where} did not finish within ${opts.timeoutMs / 1000}s (--rollout-timeout): ${p.detail}`);
    await new Promise((r) => setTimeout(r, Math.min(poll, left)));
  }
}
