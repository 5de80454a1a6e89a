/** The library API: the same steps the CLI composes. */
export { defineConfig } from './config/define.js';
export type { PipewrightConfig, ParsedConfig } from './config/schema.js';
export { ConfigSchema, toJsonSchema } from './config/schema.js';
export { validateConfig } from './config/validate.js';
export { loadConfig, parseConfigText } from './config/load.js';
/** loadConfig (config/: validated data) then resolveModel (model/): what every command starts with. */
export { loadProject } from './commands/common.js';
export { resolveModel, type Model, type EnvironmentModel, type BranchRuleModel } from './model/model.js';
export { toDnsLabel, toDockerTag } from './core/names.js';
export { renderApp } from './render/app/files.js';
export { deployKustomization } from './render/kubernetes/kustomize.js';
export type { GeneratedFile } from './render/types.js';
export { ConfigError, UsageError, FindingsError, PipewrightError } from './core/errors.js';
export { buildGraph, type DeliveryGraph } from './render/graph/delivery-graph.js';
export { renderMermaid } from './render/graph/mermaid.js';
export { renderSvg } from './render/graph/svg.js';
export { renderConfigReference } from './render/docs/config-reference.js';
export { lifecyclePolicy } from './aws/ecr-plan.js';
export { bootstrapObjects } from './render/kubernetes/bootstrap-objects.js';
export { fargateProfiles } from './render/aws/eks.js';
export { loggingData } from './render/kubernetes/aws-logging.js';
