/** `pipewright validate`: config → model, printed. Exit 2 with every problem on bad config. */
import { rememberRules } from '../rules/load-rules.js';
import { processIo, type Io } from '../core/io.js';
import { describeFargateSize } from '../model/fargate.js';
import { type CommonOptions, loadProject } from './common.js';

export async function run(opts: CommonOptions, io: Io = processIo): Promise<number> {
  const { model, path: configPath } = await loadProject(opts);
  rememberRules(configPath, model.rules);
  if (opts.json) {
    io.out(`${JSON.stringify(model, null, 2)}\n`);
    return 0;
  }
  io.out(`${model.configFile}: ok — app ${model.app}, image ${model.image.uri}\n`);
  for (const e of model.environments) {
    const gate = e.approval ? ', manual approval' : '';
    const clusters = e.clusters.map((c) => `${c.name}@${c.region}`).join(', ');
    const pods = e.scaling ? `${e.scaling.minReplicas}–${e.scaling.maxReplicas} pods, autoscaled` : `${e.replicas} replica(s)`;
    const size = e.fargate ? `, Fargate ${describeFargateSize(e.fargate)} each` : '';
    const at = e.url ? `; ${e.url}` : '';
    io.out(`  ${e.branch} → ${e.name} → ${e.namespace} (${pods}${size}${gate}; ${clusters}${at})\n`);
  }
  for (const r of model.rules.branches) {
    const from = r.mergeFrom ? `only from ${r.mergeFrom.join(', ')}` : 'from any branch';
    const direct = r.directCommits ? 'direct commits allowed' : 'no direct commits';
    const tag = r.releaseTag ? `, every commit tagged ${r.releaseTag.name}` : '';
    io.out(`  rule ${r.branch}: merges ${from}, ${direct}${tag}\n`);
  }
  return 0;
}
