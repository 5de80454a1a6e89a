/** Options every command takes. */
export interface CommonOptions {
  /** Directory to run in. Default: process.cwd(). */
  readonly cwd: string;
  /** Config file, relative to cwd. Default: pipewright.yaml / pipewright.yml / pipewright.config.ts in cwd. */
  readonly config?: string;
  /** Machine-readable output on stdout. */
  readonly json?: boolean;
}
