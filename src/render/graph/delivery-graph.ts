/**
 * The delivery flow as a small graph, built from the model only: one lane per environment
 * (branch → the pipeline's gates in stage order → the environment → its namespace in each
 * cluster), merge edges where the branch rules allow a merge, and promote edges from each
 * environment to the next (the same image, re-tagged). Both renderers draw this; neither looks
 * at the model.
 */
import type { BranchRuleModel, EnvironmentModel, Model } from '../../model/model.js';
import { DEFAULT_TAG_PATTERNS } from '../../model/defaults.js';

export type NodeKind = 'branch' | 'gate' | 'environment' | 'target';
/** The Jenkinsfile stages that can stop a change, in the order they run. */
export type GateKind = 'guard' | 'release-tag' | 'image' | 'approval' | 'audit';
/** flow: the next stage of one build; merge: a merge the rules allow; deploy: environment → namespace; promote: same image, next environment. */
export type EdgeKind = 'flow' | 'merge' | 'deploy' | 'promote';

export interface GraphNode {
  /** Made of indices only, never of user text: safe as a Mermaid id and an SVG id. */
  readonly id: string;
  readonly kind: NodeKind;
  /** Set on gates. */
  readonly gate: GateKind | null;
  /** Index of the environment lane it belongs to; null for a branch that deploys nowhere. */
  readonly lane: number | null;
  readonly title: string;
  readonly lines: readonly string[];
  /** Marks the production environment and its lane's gates for emphasis. */
  readonly production: boolean;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label: string | null;
}

export interface Lane {
  readonly id: string;
  readonly environment: string;
  readonly production: boolean;
  /** Node ids in flow order: the branch, the gates, the environment, then one target per cluster. */
  readonly nodes: readonly string[];
}

export interface DeliveryGraph {
  readonly app: string;
  /** The ECR repository every lane's image lives in. */
  readonly image: string;
  readonly configFile: string;
  readonly lanes: readonly Lane[];
  /** Branch nodes outside every lane (branches with rules but no environment), in rule order. */
  readonly sources: readonly string[];
  readonly nodes: readonly GraphNode[];
  /** Lane edges (flow, deploy) lane by lane, then merges in rule order, then promotions. */
  readonly edges: readonly GraphEdge[];
}

// A Map, not an object: a user's pattern may well be "constructor".
const TAG_SHAPES: ReadonlyMap<string, string> = new Map([
  [DEFAULT_TAG_PATTERNS.stable!, 'vX.Y.Z'],
  [DEFAULT_TAG_PATTERNS.beta!, 'vX.Y.Z-beta.N'],
]);

/** A release-tag pattern as people write tags: the built-in ones by example, others as the regex. */
export function describeTagPattern(pattern: string): string {
  return TAG_SHAPES.get(pattern) ?? pattern;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function branchLines(rule: BranchRuleModel | undefined, inLane: boolean): string[] {
  if (!rule) return ['no rules: any merge, any commit'];
  const lines = [rule.directCommits ? 'direct commits allowed' : 'no direct commits', rule.branchFrom ? 'new branches may start here' : 'no new branches from it'];
  // A lane shows its release tag as a gate; a branch with no lane has no pipeline stage for it.
  if (!inLane && rule.releaseTag) lines.push(`release tag ${rule.releaseTag.name}: ${describeTagPattern(rule.releaseTag.pattern)}`);
  return lines;
}

const sources = (rule: BranchRuleModel | undefined): string =>
  rule?.mergeFrom ? (rule.mergeFrom.length === 0 ? 'no merges at all' : `only from ${rule.mergeFrom.join(' or ')}`) : 'from any branch';

export function buildGraph(m: Model): DeliveryGraph {
  const ruleOf = new Map(m.rules.branches.map((r) => [r.branch, r]));
  const envBranches = new Set(m.environments.map((e) => e.branch));
  // Branch nodes: every environment's, then branches with rules and no environment, then any
  // merge source named nowhere else (a valid config has none; the graph still draws one).
  const outside = m.rules.branches.map((r) => r.branch).filter((b) => !envBranches.has(b));
  const named = new Set([...envBranches, ...outside]);
  const unknown = [...new Set(m.rules.branches.flatMap((r) => r.mergeFrom ?? []).filter((b) => !named.has(b)))].sort();
  const branchIds = new Map<string, string>();
  [...m.environments.map((e) => e.branch), ...outside, ...unknown].forEach((b, i) => branchIds.set(b, `b${i}`));
  const idOf = (b: string): string => branchIds.get(b)!;

  const nodes: GraphNode[] = [];
  const laneEdges: GraphEdge[] = [];
  const node = (n: Omit<GraphNode, 'gate' | 'production'> & Partial<Pick<GraphNode, 'gate' | 'production'>>): string => {
    nodes.push({ gate: null, production: false, ...n });
    return n.id;
  };

  const lanes = m.environments.map((e: EnvironmentModel, i): Lane => {
    const rule = ruleOf.get(e.branch);
    const production = e.production;
    const chain: string[] = [];
    chain.push(node({ id: idOf(e.branch), kind: 'branch', lane: i, title: e.branch, lines: branchLines(rule, true) }));
    const gate = (id: string, g: GateKind, title: string, lines: string[]) =>
      chain.push(node({ id: `${id}${i}`, kind: 'gate', gate: g, lane: i, title, lines, production }));
    gate('guard', 'guard', 'Guard', ['checks pull-request sources:', `merges ${sources(rule)}`]);
    if (rule?.releaseTag) {
      gate('tag', 'release-tag', 'Release tag', [
        `${rule.releaseTag.name}: ${describeTagPattern(rule.releaseTag.pattern)}`,
        m.jenkins.autoTag ? 'created when HEAD has none' : 'required on every commit',
      ]);
    }
    gate('image', 'image', 'Image', ['git-<tree>: built only once', `tagged ${e.imageTag}-<tree>`]);
    if (e.approval) {
      gate('approve', 'approval', `Approve ${e.name}`, [`manual, by ${m.jenkins.approvers}`, `times out after ${m.jenkins.approvalTimeoutHours} h`]);
      gate('audit', 'audit', 'Audit', ['the approver must not be', 'the author of the change']);
    }
    const envLines = [
      ...(production ? ['production'] : []),
      e.clusters.length > 1 ? `rollout on ${plural(e.clusters.length, 'cluster')} in parallel` : 'rollout, then smoke test',
      ...(e.clusters.length > 1 ? ['then smoke test'] : []),
      ...(e.url ? [e.url] : []),
    ];
    const env = node({ id: `env${i}`, kind: 'environment', lane: i, title: e.name, lines: envLines, production });
    chain.push(env);
    for (const [a, b] of chain.slice(1).map((to, k) => [chain[k]!, to] as const)) laneEdges.push({ from: a, to: b, kind: 'flow', label: null });
    const targets = e.clusters.map((c, j) =>
      node({ id: `ns${i}_${j}`, kind: 'target', lane: i, title: e.namespace, lines: [`${c.name} · ${c.region}`], production }),
    );
    for (const t of targets) laneEdges.push({ from: env, to: t, kind: 'deploy', label: null });
    return { id: `lane${i}`, environment: e.name, production, nodes: [...chain, ...targets] };
  });

  for (const b of [...outside, ...unknown]) {
    node({ id: idOf(b), kind: 'branch', lane: null, title: b, lines: branchLines(ruleOf.get(b), false) });
  }

  const merges: GraphEdge[] = m.rules.branches.flatMap((r) =>
    [...new Set(r.mergeFrom ?? [])].map((src): GraphEdge => ({ from: idOf(src), to: idOf(r.branch), kind: 'merge', label: 'merge' })),
  );
  const promotions = m.environments
    .slice(1)
    .map((_, i): GraphEdge => ({ from: `env${i}`, to: `env${i + 1}`, kind: 'promote', label: 'promote: same image, re-tagged' }));

  return {
    app: m.app,
    image: m.image.uri,
    configFile: m.configFile,
    lanes,
    sources: [...outside, ...unknown].map(idOf),
    nodes,
    edges: [...laneEdges, ...merges, ...promotions],
  };
}
