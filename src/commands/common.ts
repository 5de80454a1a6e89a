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
  /** --timeout: seconds each call may take (src/deadline.ts). Default 30. */
  readonly timeout?: string | number;
}
