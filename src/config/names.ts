/** The config file names pipewright looks for, in order (kept apart so the hook can find the config without loading the validator). */
export const CONFIG_NAMES = ['pipewright.yaml', 'pipewright.yml', 'pipewright.config.ts'] as const;
