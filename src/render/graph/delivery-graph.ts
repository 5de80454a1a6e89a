/**
 * The delivery flow as a small graph, built from the model only: one lane per environment
 * (branch → the pipeline's gates in stage order → the environment → its namespace in each
 * cluster → the verification that records the image as verified there), merge edges where the branch rules allow a merge, and promote edges from each
 * environment to the next (the same image, re-tagged). Both renderers draw this; neither looks
 * at the model.
 */
import type { AlarmModel, BranchRuleModel, CanaryModel, EnvironmentModel, Model, WindowsModel } from '../../model/model.js';
import { DEFAULT_TAG_PATTERNS } from '../../core/defaults.js';
import { VERIFIED_TAG_PREFIX } from '../../model/release.js';

export type NodeKind = 'branch' | 'gate' | 'environment' | 'target';
/**
 * The Jenkinsfile stages that can stop a change, in the order they run: verify runs after the
 * deploy (it follows the namespaces), every other gate before it.
 */
export type GateKind = 'guard' | 'image' | 'verified-upstream' | 'checks' | 'release-tag' | 'window' | 'approval' | 'audit' | 'canary' | 'verify';
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
  /** Node ids in flow order: the branch, the gates, the environment, one target per cluster, then the verify gate. */
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

/** 300 → '5m', 7200 → '2h', 90 → '90s'. */
export function describeSeconds(s: number): string {
  return s > 0 && s % 3600 === 0 ? `${s / 3600}h` : s > 0 && s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** At most `max` lines; the rest summed up in the last one. */
function capped(lines: readonly string[], max: number): string[] {
  return lines.length <= max ? [...lines] : [...lines.slice(0, max - 1), `and ${lines.length - max + 1} more`];
}

const alarmsText = (alarms: readonly AlarmModel[]): string =>
  alarms.length === 1 ? `alarm ${alarms[0]!.kind === 'prefix' ? `${alarms[0]!.value}*` : alarms[0]!.value}` : plural(alarms.length, 'alarm');

function windowLines(w: WindowsModel): string[] {
  const spans = [...w.allow.map((a) => `allow ${a.text}`), ...w.deny.map((d) => `deny ${d.text}`)];
  const outside = w.outside === 'wait' ? `waits up to ${describeSeconds(w.maxWaitSeconds)}` : 'fails';
  return [...capped(spans, 4), `time zone ${w.timeZone}`, `outside: ${outside}`];
}

function canaryLines(k: CanaryModel): string[] {
  return [
    `${k.steps.map((w) => `${w}%`).join(' → ')}, ${describeSeconds(k.pauseSeconds)} each`,
    `gated by ${alarmsText(k.alarms)}`,
    k.traffic === 'alb' ? 'traffic: ALB weights' : 'traffic: share of replicas',
  ];
}

function verifyLines(e: EnvironmentModel): string[] {
  const { alarms, soakSeconds } = e.verify;
  const soak = describeSeconds(soakSeconds);
  return [
    'smoke test',
    ...(alarms.length > 0 ? [`${alarmsText(alarms)} clear for ${soak}`] : soakSeconds > 0 ? [`soak ${soak}`] : []),
    `records ${VERIFIED_TAG_PREFIX}${e.name}-<tree>`,
  ];
}

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
    gate('image', 'image', 'Image', ['git-<tree>: built only once', `tagged ${e.imageTag}-<tree>`]);
    if (e.upstream !== null) {
      gate('upstream', 'verified-upstream', `Verified in ${e.upstream}`, ['the image must carry', `${VERIFIED_TAG_PREFIX}${e.upstream}-<tree>`]);
    }
    if (e.requiredChecks.length > 0) {
      gate('checks', 'checks', `Checks ${e.name}`, capped(e.requiredChecks.map((k) => (k.command === null ? `${k.name} (built in)` : k.name)), 4));
    }
    // After the image and the checks, as in the Jenkinsfile: a refused build leaves no tag.
    if (rule?.releaseTag) {
      gate('tag', 'release-tag', 'Release tag', [
        `${rule.releaseTag.name}: ${describeTagPattern(rule.releaseTag.pattern)}`,
        m.jenkins.autoTag ? 'created when HEAD has none' : 'required on every commit',
      ]);
    }
    if (e.windows) gate('window', 'window', `Window ${e.name}`, windowLines(e.windows));
    if (e.approval) {
      gate('approve', 'approval', `Approve ${e.name}`, [`manual, by ${m.jenkins.approvers}`, `times out after ${m.jenkins.approvalTimeoutHours} h`]);
      gate('audit', 'audit', 'Audit', ['the approver wrote no commit', 'of the change']);
    }
    if (e.canary) gate('canary', 'canary', `Canary ${e.name}`, canaryLines(e.canary));
    const envLines = [
      ...(production ? ['production'] : []),
      e.clusters.length > 1 ? `rollout on ${plural(e.clusters.length, 'cluster')} in parallel` : 'rollout',
      ...(e.url ? [e.url] : []),
    ];
    const env = node({ id: `env${i}`, kind: 'environment', lane: i, title: e.name, lines: envLines, production });
    chain.push(env);
    for (const [a, b] of chain.slice(1).map((to, k) => [chain[k]!, to] as const)) laneEdges.push({ from: a, to: b, kind: 'flow', label: null });
    const targets = e.clusters.map((c, j) =>
      node({ id: `ns${i}_${j}`, kind: 'target', lane: i, title: e.namespace, lines: [`${c.name} · ${c.region}`], production }),
    );
    for (const t of targets) laneEdges.push({ from: env, to: t, kind: 'deploy', label: null });
    // After every cluster's rollout: one verification for the environment.
    const verify = node({ id: `verify${i}`, kind: 'gate', gate: 'verify', lane: i, title: `Verify ${e.name}`, lines: verifyLines(e), production });
    for (const t of targets) laneEdges.push({ from: t, to: verify, kind: 'flow', label: null });
    return { id: `lane${i}`, environment: e.name, production, nodes: [...chain, ...targets, verify] };
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
