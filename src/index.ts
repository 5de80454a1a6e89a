/** The library API: the same steps the CLI composes. */
export { defineConfig } from './config/define.js';
export type { PipewrightConfig, ParsedConfig } from './config/schema.js';
export { ConfigSchema, toJsonSchema } from './config/schema.js';
export { validateConfig } from './config/validate.js';
export { loadConfig, parseConfigText } from './config/load.js';
export { resolveModel, type Model, type EnvironmentModel, type BranchRuleModel } from './model/model.js';
export { toDnsLabel, toDockerTag } from './model/names.js';
export { renderApp } from './render/app.js';
export { deployKustomization } from './render/kustomize.js';
export type { GeneratedFile } from './render/types.js';
export { ConfigError, UsageError, FindingsError, PipewrightError } from './errors.js';
export { buildGraph, type DeliveryGraph } from './render/graph/delivery-graph.js';
export { renderMermaid } from './render/graph/mermaid.js';
export { renderSvg } from './render/graph/svg.js';
export { renderConfigReference } from './render/config-reference.js';
export { lifecyclePolicy } from './aws/ecr-plan.js';
export { bootstrapObjects, fargateProfiles } from './k8s/bootstrap-objects.js';
