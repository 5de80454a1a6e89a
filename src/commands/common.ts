import path from 'node:path';
import type { KubeOptions } from '../k8s/client.js';
import { loadConfig, type LoadedConfig, type LoadOptions } from '../config/load.js';
import { resolveModel, type Model } from '../model/model.js';

/** Options every command takes. */
export interface CommonOptions {
  /** Directory to run in. Default: process.cwd(). */
  readonly cwd: string;
  /** Config file, relative to cwd. Default: pipewright.yaml / pipewright.yml / pipewright.config.ts in cwd. */
  readonly config?: string;
  /** Machine-readable output on stdout. */
  readonly json?: boolean;
}

/** Options of the commands that call AWS or Kubernetes. */
export interface NetworkOptions {
  /** --timeout: seconds each call may take (src/core/deadline.ts). Default 30. */
  readonly timeout?: string | number;
}

/** The --kubeconfig and --context flags of the commands that reach a cluster. */
export interface KubeFlags {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** The Kubernetes client options of a command: its flags, its deadline, and the rights to name on a 403. */
export function kubeOptions(opts: CommonOptions & KubeFlags, timeoutSeconds: number | undefined, forbiddenHint: string): KubeOptions {
  return {
    cwd: opts.cwd,
    timeoutSeconds,
    ...(opts.kubeconfig !== undefined && { kubeconfig: opts.kubeconfig }),
    ...(opts.context !== undefined && { context: opts.context }),
    forbiddenHint,
  };
}

export interface Project extends LoadedConfig {
  readonly model: Model;
}

/** The composition every command starts with: find and validate the config (config/), then derive the model (model/). */
export async function loadProject(opts: LoadOptions): Promise<Project> {
  const loaded = await loadConfig(opts);
  return { ...loaded, model: resolveModel(loaded.config, path.basename(loaded.path), loaded.shown) };
}
