/**
 * `defineConfig` for `pipewright.config.ts`: an identity function that only gives editors
 * type help. pipewright never runs the config file; it reads the object literal passed to
 * this function statically (see src/config/ts-config.ts).
 */
export function defineConfig<T>(config: T): T {
  return config;
}
