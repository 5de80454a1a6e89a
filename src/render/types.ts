/**
 * What every renderer returns. Renderers are pure: no fs, no clock, no env.
 * `owner: 'pipewright'` files carry a marker, are recorded in the manifest and kept in sync;
 * `owner: 'user'` files are scaffolded once, only when absent, and never touched again.
 */
export interface GeneratedFile {
  /** POSIX path relative to the output root. */
  readonly path: string;
  readonly contents: string;
  /** File mode, e.g. 0o755 for scripts. Default 0o644. */
  readonly mode?: number;
  readonly owner: 'pipewright' | 'user';
}
