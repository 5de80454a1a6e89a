// `pipewright graph`: the delivery graph built from the model, its Mermaid text and its SVG
// picture (parsed here, and rendered once to PNG with resvg to prove it draws).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../src/commands/common.js';
import { buildGraph, type DeliveryGraph, type GraphNode } from '../src/render/graph/delivery-graph.js';
import { renderMermaid } from '../src/render/graph/mermaid.js';
import { renderSvg } from '../src/render/graph/svg.js';
import { mermaidText } from '../src/escape/mermaid.js';
import { xmlText } from '../src/escape/xml.js';
import { AWS, CUSTOM, HOSTILE, HOSTILE_APPROVERS, HOSTILE_BRANCHES, HOSTILE_PATTERN, PROMOTION, modelOf } from './graph-configs.js';
import { expectGolden, fromRoot, runCli, tempDir } from './helpers.js';

const EXAMPLE = fromRoot('examples/hello-flask');
const { model: example } = await loadProject({ cwd: EXAMPLE });

// ---------------------------------------------------------------------------------------------
// A small reader of the Mermaid we write: every line must be one of the statements below, every
// label a double-quoted string holding only escaped text and our own <b>/<br> markup.

interface MermaidNode {
  readonly shape: string;
  readonly title: string;
  readonly lines: string[];
  readonly lane: string | null;
}
interface MermaidGraph {
  readonly nodes: Map<string, MermaidNode>;
  readonly edges: { from: string; arrow: string; label: string | null; to: string }[];
  readonly lanes: Map<string, { title: string; nodes: string[] }>;
}

/** A label's text as Mermaid shows it, after checking nothing in it is raw syntax. */
function decodeLabel(raw: string): string[] {
  const bare = raw.replace(/<br>|<b>|<\/b>/g, '');
  assert.not.match(bare, /["<>&`|]/, `raw syntax in label: ${raw}`);
  assert.not.match(bare.replace(/#\d+;/g, ''), /#/, `a # that is not an entity code: ${raw}`);
  return raw.split('<br>').map((l) => l.replace(/<\/?b>/g, '').replace(/#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))));
}

function parseMermaid(text: string): MermaidGraph {
  const g: MermaidGraph = { nodes: new Map(), edges: [], lanes: new Map() };
  const lines = text.split('\n');
  assert.is(lines.pop(), '', 'ends with a newline');
  assert.is(lines[0], 'flowchart LR');
  let lane: string | null = null;
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    const ID = '([a-z]+[0-9_]*)';
    if (/^ {2}%% [^\n]*$/.test(line)) continue;
    if ((m = new RegExp(`^ {2}subgraph ${ID}\\["([^"]*)"\\]$`).exec(line))) {
      assert.is(lane, null, 'subgraphs do not nest');
      lane = m[1]!;
      g.lanes.set(lane, { title: decodeLabel(m[2]!).join('\n'), nodes: [] });
    } else if (line === '  end') {
      assert.ok(lane, 'end closes a subgraph');
      lane = null;
    } else if ((m = new RegExp(`^ {2,4}${ID}(\\(\\[|\\{\\{|\\[|\\()"([^"]*)"(\\]\\)|\\}\\}|\\]|\\))$`).exec(line))) {
      const close: Record<string, string> = { '([': '])', '{{': '}}', '[': ']', '(': ')' };
      assert.is(m[4], close[m[2]!], `brackets match in ${line}`);
      assert.is(line.startsWith('    '), lane !== null, `indentation of ${line}`);
      assert.not.ok(g.nodes.has(m[1]!), `node ${m[1]} defined once`);
      const [title, ...rest] = decodeLabel(m[3]!);
      assert.ok(m[3]!.startsWith('<b>') && m[3]!.split('<br>')[0]!.endsWith('</b>'), 'a bold title first');
      g.nodes.set(m[1]!, { shape: m[2]!, title: title!, lines: rest, lane });
      if (lane) g.lanes.get(lane)!.nodes.push(m[1]!);
    } else if ((m = new RegExp(`^ {2}${ID} (-->|==>|-\\.->)(?:\\|"([^"]*)"\\|)? ${ID}$`).exec(line))) {
      g.edges.push({ from: m[1]!, arrow: m[2]!, label: m[3] === undefined ? null : decodeLabel(m[3]).join('\n'), to: m[4]! });
    } else if (/^ {2}classDef [a-z]+ [a-z-]+:[#a-z0-9]+(,[a-z-]+:[#a-z0-9]+)*$/.test(line)) {
      continue;
    } else if (/^ {2}class [a-z0-9_]+(,[a-z0-9_]+)* [a-z]+$/.test(line)) {
      continue;
    } else if (/^ {2}linkStyle \d+(,\d+)* [a-z-]+:[#a-z0-9]+(,[a-z-]+:[#a-z0-9]+)*$/.test(line)) {
      continue;
    } else {
      assert.unreachable(`not a statement this graph writes: ${JSON.stringify(line)}`);
    }
  }
  assert.is(lane, null, 'every subgraph is closed');
  for (const e of g.edges) assert.ok(g.nodes.has(e.from) && g.nodes.has(e.to), `edge ${e.from} → ${e.to} joins defined nodes`);
  return g;
}

/** Edges of one arrow kind, as `from-title → to-title`. */
const arrows = (g: MermaidGraph, arrow: string): string[] =>
  g.edges.filter((e) => e.arrow === arrow).map((e) => `${g.nodes.get(e.from)!.title} → ${g.nodes.get(e.to)!.title}`);

// ---------------------------------------------------------------------------------------------
// A tiny XML well-formedness check for the SVG: the whole text is tags, text and entities;
// every tag is closed in order; attribute values are quoted and escaped.

interface Svg {
  readonly root: { name: string; attrs: Map<string, string> };
  readonly elements: string[];
  /** Text of each <text> element, entities decoded. */
  readonly texts: string[];
  /** Text of each <title> element, entities decoded. */
  readonly titles: string[];
}

const decodeXml = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);

function parseSvg(text: string): Svg {
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<>]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: string[] = [];
  const elements: string[] = [];
  const texts: string[] = [];
  const titles: string[] = [];
  let root: Svg['root'] | null = null;
  let pos = 0;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    pos = token.lastIndex;
    const [, close, name, attrText, selfClose, chars] = m;
    if (chars !== undefined) {
      assert.not.match(chars.replace(/&(amp|lt|gt|quot|apos);/g, ''), /[&>]/, `unescaped & or > in text ${chars}`);
      assert.ok(stack.length > 0 || chars.trim() === '', 'no text outside the root element');
      if (stack.at(-1) === 'text') texts.push(decodeXml(chars));
      if (stack.at(-1) === 'title') titles.push(decodeXml(chars));
      continue;
    }
    if (close) {
      assert.is(stack.pop(), name, `</${name}> closes the open element`);
      continue;
    }
    const attrs = new Map<string, string>();
    for (const a of attrText!.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
      assert.not.ok(attrs.has(a[1]!), `attribute ${a[1]} once on <${name}>`);
      assert.not.match(a[2]!.replace(/&(amp|lt|gt|quot|apos);/g, ''), /&/, `unescaped & in ${a[1]}`);
      attrs.set(a[1]!, decodeXml(a[2]!));
    }
    if (root === null) root = { name: name!, attrs };
    else assert.ok(stack.length > 0, 'one root element');
    elements.push(name!);
    if (!selfClose) stack.push(name!);
  }
  assert.is(pos, text.length, `well-formed up to the end (stopped at ${JSON.stringify(text.slice(pos, pos + 40))})`);
  assert.equal(stack, [], 'every element is closed');
  assert.ok(root, 'has a root element');
  return { root: root!, elements, texts, titles };
}

/** Every line of every node, as drawn: the node's text, or its tooltip when a line was cut. */
function assertDrawn(svg: Svg, nodes: readonly GraphNode[]): void {
  for (const n of nodes) {
    for (const line of [n.title, ...n.lines]) {
      const drawn = svg.texts.includes(line) || svg.titles.some((t) => t.includes(line));
      assert.ok(drawn, `"${line}" (${n.id}) is in the SVG`);
    }
  }
}

const titles = (g: DeliveryGraph, pred: (n: GraphNode) => boolean): string[] => g.nodes.filter(pred).map((n) => n.title);
const node = (g: DeliveryGraph, id: string): GraphNode => g.nodes.find((n) => n.id === id)!;
const edgeTitles = (g: DeliveryGraph, kind: string): string[] =>
  g.edges.filter((e) => e.kind === kind).map((e) => `${node(g, e.from).title} → ${node(g, e.to).title}`);

// ---------------------------------------------------------------------------------------------
// The bundled example: the smallcase defaults (develop → develop, staging → green, master → blue).

const exampleGraph = buildGraph(example);
const exampleMermaid = renderMermaid(exampleGraph);
const exampleSvg = renderSvg(exampleGraph);

test('default: every branch, environment and namespace is a node, one lane per environment in order', () => {
  const g = exampleGraph;
  assert.equal(titles(g, (n) => n.kind === 'branch'), ['develop', 'staging', 'master']);
  assert.equal(titles(g, (n) => n.kind === 'environment'), ['develop', 'green', 'blue']);
  assert.equal(g.lanes.map((l) => [l.environment, l.production]), [
    ['develop', false],
    ['green', false],
    ['blue', true],
  ]);
  // blue deploys to two clusters: one namespace node per cluster.
  assert.equal(
    g.nodes.filter((n) => n.kind === 'target').map((n) => [n.lane, n.title, n.lines[0]]),
    [
      [0, 'hello-flask-develop', 'delivery · eu-west-1'],
      [1, 'hello-flask-green', 'delivery · eu-west-1'],
      [2, 'hello-flask-blue', 'delivery · eu-west-1'],
      [2, 'hello-flask-blue', 'delivery-us · us-east-1'],
    ],
  );
  assert.equal(g.sources, [], 'every branch with rules has an environment');
});

test('default: merge edges are exactly develop → staging → master, as the rules allow', () => {
  assert.equal(edgeTitles(exampleGraph, 'merge'), ['develop → staging', 'staging → master']);
  assert.equal(
    example.rules.branches.flatMap((r) => (r.mergeFrom ?? []).map((s) => `${s} → ${r.branch}`)),
    ['develop → staging', 'staging → master'],
  );
});

const kindsOf = (g: DeliveryGraph, lane: number) => g.lanes[lane]!.nodes.map((id) => node(g, id)).map((n) => n.gate ?? n.kind);

test('default: each lane runs its gates in Jenkinsfile stage order; approval and audit only before production', () => {
  const kinds = (lane: number) => kindsOf(exampleGraph, lane);
  // Every environment after the first requires the image verified in the one before; every one verifies its deploy.
  assert.equal(kinds(0), ['branch', 'guard', 'image', 'environment', 'target', 'verify']);
  assert.equal(kinds(1), ['branch', 'guard', 'image', 'verified-upstream', 'release-tag', 'environment', 'target', 'verify']);
  assert.equal(kinds(2), ['branch', 'guard', 'image', 'verified-upstream', 'release-tag', 'approval', 'audit', 'environment', 'target', 'target', 'verify']);
  const approvals = exampleGraph.nodes.filter((n) => n.gate === 'approval');
  assert.equal(approvals.map((n) => [n.title, n.lines]), [['Approve blue', ['manual, by release-managers', 'times out after 24 h']]]);
  // The flow edges chain exactly the lane's nodes up to the environment, then join every namespace into the verification.
  const flows = exampleGraph.edges.filter((e) => e.kind === 'flow' && node(exampleGraph, e.from).lane === 2).map((e) => `${e.from}→${e.to}`);
  assert.equal(flows, ['b2→guard2', 'guard2→image2', 'image2→upstream2', 'upstream2→tag2', 'tag2→approve2', 'approve2→audit2', 'audit2→env2', 'ns2_0→verify2', 'ns2_1→verify2']);
  assert.equal(node(exampleGraph, 'upstream2').lines, ['the image must carry', 'verified-green-<tree>']);
  assert.equal(node(exampleGraph, 'verify2').lines, ['smoke test', 'records verified-blue-<tree>']);
});

test('default: release-tag gates exactly for the branches with a release tag, with the tag kind', () => {
  const tags = exampleGraph.nodes.filter((n) => n.gate === 'release-tag');
  assert.equal(
    tags.map((n) => [exampleGraph.lanes[n.lane!]!.environment, n.lines[0]]),
    [
      ['green', 'beta: vX.Y.Z-beta.N'],
      ['blue', 'stable: vX.Y.Z'],
    ],
  );
  assert.equal(
    example.rules.branches.filter((r) => r.releaseTag).map((r) => r.environment),
    tags.map((n) => exampleGraph.lanes[n.lane!]!.environment),
  );
});

test('default: promote arrows go from each environment to the next; deploy edges to every namespace', () => {
  assert.equal(edgeTitles(exampleGraph, 'promote'), ['develop → green', 'green → blue']);
  assert.equal(edgeTitles(exampleGraph, 'deploy'), [
    'develop → hello-flask-develop',
    'green → hello-flask-green',
    'blue → hello-flask-blue',
    'blue → hello-flask-blue',
  ]);
});

test('default Mermaid: flowchart LR, a subgraph per environment lane, the same nodes and edges as the graph', () => {
  const mg = parseMermaid(exampleMermaid);
  assert.equal([...mg.lanes.values()].map((l) => l.title), ['develop', 'green', 'blue · production']);
  // Every branch, environment and namespace appears, in its lane.
  for (const n of exampleGraph.nodes) {
    const drawn = mg.nodes.get(n.id);
    assert.ok(drawn, `${n.id} is drawn`);
    assert.equal([drawn!.title, ...drawn!.lines], [n.title, ...n.lines]);
    assert.is(drawn!.lane, n.lane === null ? null : `lane${n.lane}`);
  }
  assert.is(mg.nodes.size, exampleGraph.nodes.length);
  assert.equal(arrows(mg, '==>'), ['develop → staging', 'staging → master']);
  assert.equal(arrows(mg, '-.->'), ['develop → green', 'green → blue']);
  assert.ok(mg.edges.filter((e) => e.arrow === '==>').every((e) => e.label === 'merge'));
  // The approval gate is in the production lane only, and leads (through the audit) to blue.
  const approve = [...mg.nodes].filter(([, n]) => n.title.startsWith('Approve'));
  assert.equal(approve.map(([id, n]) => [id, n.lane]), [['approve2', 'lane2']]);
  assert.equal(
    mg.edges.filter((e) => e.from === 'approve2' || e.from === 'audit2').map((e) => `${e.from}→${e.to}`),
    ['approve2→audit2', 'audit2→env2'],
  );
  // Release-tag gates exactly in the lanes whose branch has a release tag.
  assert.equal(
    [...mg.nodes.values()].filter((n) => n.title === 'Release tag').map((n) => [n.lane, n.lines[0]]),
    [
      ['lane1', 'beta: vX.Y.Z-beta.N'],
      ['lane2', 'stable: vX.Y.Z'],
    ],
  );
  assert.equal([...mg.nodes.values()].filter((n) => n.title === 'Guard').length, 3, 'a guard in every lane');
});

test('golden graph: hello-flask.mmd', () => {
  expectGolden(fromRoot('test/golden/graph/hello-flask.mmd'), exampleMermaid);
});

// Regenerate with UPDATE_GOLDEN=1 (or `pipewright -C examples/hello-flask graph --svg > docs/pipeline.svg`).
test('docs/pipeline.svg is the bundled example\'s current picture', () => {
  expectGolden(fromRoot('docs/pipeline.svg'), exampleSvg);
});

test('default SVG: well-formed, sized, with every label and the lanes', () => {
  const svg = parseSvg(exampleSvg);
  assert.is(svg.root.name, 'svg');
  assert.is(svg.root.attrs.get('xmlns'), 'http://www.w3.org/2000/svg');
  assert.is(svg.root.attrs.get('font-family'), 'sans-serif');
  const [w, h] = [Number(svg.root.attrs.get('width')), Number(svg.root.attrs.get('height'))];
  assert.ok(w >= 600 && h >= 600, `${w}×${h}`);
  assert.is(svg.root.attrs.get('viewBox'), `0 0 ${w} ${h}`);
  assertDrawn(svg, exampleGraph.nodes);
  for (const heading of ['develop', 'green', 'blue', 'PRODUCTION', 'merge', 'hello-flask · delivery flow']) {
    assert.ok(svg.texts.includes(heading), `${heading} is drawn`);
  }
  assert.ok(svg.elements.includes('marker'), 'arrows have heads');
  const gates = exampleGraph.nodes.filter((n) => n.kind === 'gate').length;
  assert.is(gates, 15);
  assert.is(svg.elements.filter((e) => e === 'polygon').length, gates + 2, 'one hexagon per gate, two in the legend');
});

test('rendering is deterministic: the same config gives the same bytes', async () => {
  const again = buildGraph((await loadProject({ cwd: EXAMPLE })).model);
  assert.equal(again, exampleGraph);
  assert.is(renderMermaid(again), exampleMermaid);
  assert.is(renderSvg(again), exampleSvg);
  // Rule order in the file does not matter: the model puts branches in flow order.
  const reordered = modelOf({ ...CUSTOM, rules: { branches: Object.fromEntries(Object.entries(CUSTOM.rules.branches).reverse()) } });
  assert.is(renderSvg(buildGraph(reordered)), renderSvg(buildGraph(modelOf(CUSTOM))));
  assert.is(renderMermaid(buildGraph(reordered)), renderMermaid(buildGraph(modelOf(CUSTOM))));
});

// ---------------------------------------------------------------------------------------------
// A custom layout: the graph follows the config, not a fixed picture.

test('custom: four environments, a hotfix branch outside every lane, several clusters', () => {
  const g = buildGraph(modelOf(CUSTOM));
  assert.equal(g.lanes.map((l) => l.environment), ['dev', 'qa', 'pre', 'prod']);
  assert.equal(titles(g, (n) => n.kind === 'branch'), ['develop', 'qa', 'release', 'main', 'hotfix']);
  assert.equal(g.sources.map((id) => node(g, id).title), ['hotfix']);
  assert.is(node(g, g.sources[0]!).lane, null);
  assert.equal(node(g, g.sources[0]!).lines, ['direct commits allowed', 'no new branches from it']);
  assert.equal(edgeTitles(g, 'merge'), ['develop → qa', 'qa → release', 'release → main', 'hotfix → main']);
  assert.equal(edgeTitles(g, 'promote'), ['dev → qa', 'qa → pre', 'pre → prod']);
  // Approval wherever the config asks for it, not only in production.
  assert.equal(
    g.nodes.filter((n) => n.gate === 'approval').map((n) => [n.title, n.lines[0], n.lines[1]]),
    [
      ['Approve pre', 'manual, by ops-leads', 'times out after 4 h'],
      ['Approve prod', 'manual, by ops-leads', 'times out after 4 h'],
    ],
  );
  assert.equal(g.nodes.filter((n) => n.gate === 'audit').map((n) => n.lane), [2, 3]);
  assert.equal(g.nodes.filter((n) => n.gate === 'release-tag').map((n) => [n.lane, n.lines[0]]), [
    [2, 'beta: vX.Y.Z-beta.N'],
    [3, 'stable: vX.Y.Z'],
  ]);
  assert.equal(
    g.nodes.filter((n) => n.kind === 'target').map((n) => `${n.title} ${n.lines[0]}`),
    [
      'shop-dev main · eu-west-1',
      'shop-qa qa-1 · eu-west-1',
      'shop-qa qa-2 · eu-central-1',
      'shop-pre main · eu-west-1',
      'shop-prod prod-eu · eu-west-1',
      'shop-prod prod-us · us-east-1',
      'shop-prod prod-ap · ap-southeast-2',
    ],
  );
  assert.equal(node(g, 'env3').lines, ['production', 'rollout on 3 clusters in parallel']);

  const mg = parseMermaid(renderMermaid(g));
  assert.equal([...mg.lanes.values()].map((l) => l.title), ['dev', 'qa', 'pre', 'prod · production']);
  assert.is(mg.nodes.get(g.sources[0]!)!.lane, null, 'hotfix is outside every lane');
  assert.equal(arrows(mg, '==>'), ['develop → qa', 'qa → release', 'release → main', 'hotfix → main']);
  assert.equal(arrows(mg, '-.->'), ['dev → qa', 'qa → pre', 'pre → prod']);
  assert.is(mg.edges.filter((e) => e.from === 'env3' && e.arrow === '-->').length, 3, 'prod deploys to three namespaces');

  const svg = parseSvg(renderSvg(g));
  assertDrawn(svg, g.nodes);
  assert.ok(svg.texts.includes('no environment'), 'the hotfix column is labelled');
});

// ---------------------------------------------------------------------------------------------
// Promotion: verified upstream, checks, windows, canary and verification, where the config asks.

test('promotion: the gates in stage order, each where the config asks for it, with what it does', () => {
  const g = buildGraph(modelOf(PROMOTION));
  assert.equal(kindsOf(g, 0), ['branch', 'guard', 'image', 'environment', 'target', 'verify']);
  // qa takes images not verified in dev (requireVerified: false), and has a canary by replicas (no ingress).
  assert.equal(kindsOf(g, 1), ['branch', 'guard', 'image', 'release-tag', 'canary', 'environment', 'target', 'verify']);
  assert.equal(kindsOf(g, 2), ['branch', 'guard', 'image', 'verified-upstream', 'checks', 'release-tag', 'environment', 'target', 'verify']);
  assert.equal(kindsOf(g, 3), [
    'branch', 'guard', 'image', 'verified-upstream', 'checks', 'release-tag', 'window', 'approval', 'audit', 'canary',
    'environment', 'target', 'target', 'verify',
  ]);
  const lines = (id: string) => [node(g, id).title, ...node(g, id).lines];
  assert.equal(lines('upstream3'), ['Verified in staging', 'the image must carry', 'verified-staging-<tree>']);
  assert.equal(lines('checks2'), ['Checks staging', 'source-ready (built in)', 'contract-tests']);
  assert.equal(lines('checks3'), ['Checks prod', 'scan-clean (built in)']);
  assert.equal(lines('window3'), ['Window prod', 'deny Fri 16:00-Mon 08:00', 'time zone Europe/Berlin', 'outside: waits up to 72h']);
  assert.equal(lines('canary3'), ['Canary prod', '10% → 50%, 5m each', 'gated by 2 alarms', 'traffic: ALB weights']);
  assert.equal(lines('canary1'), ['Canary qa', '25%, 90s each', 'gated by alarm shop-qa-*', 'traffic: share of replicas']);
  assert.equal(lines('verify0'), ['Verify dev', 'smoke test', 'alarm shop-dev-5xx clear for 5m', 'records verified-dev-<tree>']);
  assert.equal(lines('verify1'), ['Verify qa', 'smoke test', 'records verified-qa-<tree>']);
  assert.equal(lines('verify3'), ['Verify prod', 'smoke test', '2 alarms clear for 1h', 'records verified-prod-<tree>']);
  // Ids are indices only; the verification follows every namespace.
  for (const n of g.nodes) assert.match(n.id, /^[a-z]+[0-9]+(_[0-9]+)?$/);
  assert.equal(g.edges.filter((e) => e.to === 'verify3').map((e) => `${e.from} ${e.kind}`), ['ns3_0 flow', 'ns3_1 flow']);
  assert.equal(g.edges.filter((e) => e.kind === 'flow' && e.from === 'audit3').map((e) => e.to), ['canary3']);

  const mg = parseMermaid(renderMermaid(g));
  for (const n of g.nodes) assert.equal([mg.nodes.get(n.id)!.title, ...mg.nodes.get(n.id)!.lines], [n.title, ...n.lines], n.id);
  assert.equal(
    [...mg.nodes].filter(([, n]) => n.shape === '{{').filter(([id]) => id.endsWith('3')).map(([id]) => id),
    ['guard3', 'image3', 'upstream3', 'checks3', 'tag3', 'window3', 'approve3', 'audit3', 'canary3', 'verify3'],
  );

  const svg = parseSvg(renderSvg(g));
  assertDrawn(svg, g.nodes);
  assert.is(svg.elements.filter((e) => e === 'polygon').length, g.nodes.filter((n) => n.kind === 'gate').length + 2);
});

test('promotion SVG: gates of one kind share a row across lanes; verify comes after every namespace', () => {
  const g = buildGraph(modelOf(PROMOTION));
  const text = renderSvg(g);
  // The vertical centre of a node (nodes in a row are centred on it): a gate's right corner, a box's middle.
  const top = (id: string): number => {
    const m = new RegExp(`<g id="pw-${id}" class="[a-z]+">(?:<title>[^<]*</title>)?<(?:polygon points="\\S+ \\S+ [\\d.]+,([\\d.]+)|rect x="[\\d.]+" y="([\\d.]+)" width="[\\d.]+" height="([\\d.]+)")`).exec(text);
    assert.ok(m, `${id} is drawn`);
    return m![1] !== undefined ? Number(m![1]) : Number(m![2]) + Number(m![3]) / 2;
  };
  assert.is(top('upstream2'), top('upstream3'));
  assert.is(top('checks2'), top('checks3'));
  assert.is(top('canary1'), top('canary3'));
  assert.is(top('verify0'), top('verify3'));
  const order = ['image3', 'upstream3', 'checks3', 'window3', 'approve3', 'audit3', 'canary3', 'env3', 'ns3_0', 'ns3_1', 'verify3'].map(top);
  assert.equal([...order].sort((a, b) => a - b), order, 'prod runs top to bottom in stage order');
  assert.ok(top('verify1') > top('ns3_1'), 'one verify row, after the most namespaces');
});

test('a branch with no rules, and a rule-less config, still draw every lane', () => {
  const g = buildGraph(modelOf({ app: 'shop', aws: AWS, rules: { branches: { master: { mergeFrom: ['develop'] } } } }));
  assert.equal(node(g, 'b1').lines, ['no rules: any merge, any commit']);
  assert.equal(node(g, 'guard1').lines[1], 'merges from any branch');
  assert.equal(edgeTitles(g, 'merge'), ['develop → master']);
  assert.equal(g.nodes.filter((n) => n.gate === 'release-tag'), []);
  parseSvg(renderSvg(g));
  parseMermaid(renderMermaid(g));
});

// ---------------------------------------------------------------------------------------------
// Hostile names: quotes, brackets, <script>, &, #…; and backticks reach both outputs as text.

test('release-tag patterns: the built-in ones by example, any other as written', () => {
  const g = buildGraph(modelOf({ ...CUSTOM, rules: { ...CUSTOM.rules, tagPatterns: { beta: 'constructor', stable: '^v\\d+$' } } }));
  assert.equal(g.nodes.filter((n) => n.gate === 'release-tag').map((n) => n.lines[0]), ['beta: constructor', 'stable: ^v\\d+$']);
});

test('escaping: mermaidText and xmlText', () => {
  assert.is(mermaidText('a"b#c&d<e>f`g|h'), 'a#34;b#35;c#38;d#60;e#62;f#96;g#124;h');
  assert.is(mermaidText('line\nbreak'), 'line break');
  assert.is(mermaidText('[x] {y} (z)'), '[x] {y} (z)', 'brackets are safe inside a quoted label');
  // Mermaid drops the last ';' of a line holding style…:…#…; or classDef…:…#…; before it parses.
  assert.is(mermaidText('lifestyle:a&b'), 'life#115;tyle:a#38;b');
  assert.is(mermaidText('classDef:x<'), '#99;lassDef:x#60;');
  assert.is(mermaidText('Style classdef'), 'Style classdef', 'the rewrite is case-sensitive');
  assert.is(xmlText(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  assert.is(xmlText('a\u0000b\u001bc\ud800d'), 'a b c d', 'characters XML forbids');
});

test('hostile names: every label survives both outputs as text, nothing as syntax', () => {
  const g = buildGraph(modelOf(HOSTILE));
  assert.equal(titles(g, (n) => n.kind === 'branch'), [HOSTILE_BRANCHES[0], HOSTILE_BRANCHES[2], HOSTILE_BRANCHES[3], HOSTILE_BRANCHES[1]]);

  const mermaid = renderMermaid(g);
  assert.not.match(mermaid, /<script|<\/script/);
  const mg = parseMermaid(mermaid);
  for (const n of g.nodes) assert.equal([mg.nodes.get(n.id)!.title, ...mg.nodes.get(n.id)!.lines], [n.title, ...n.lines], n.id);
  assert.ok([...mg.nodes.values()].some((n) => n.lines.includes(`manual, by ${HOSTILE_APPROVERS}`)));
  assert.ok([...mg.nodes.values()].some((n) => n.lines.includes(`odd: ${HOSTILE_PATTERN}`)));
  assert.equal(arrows(mg, '==>'), [
    `${HOSTILE_BRANCHES[1]} → ${HOSTILE_BRANCHES[0]}`,
    `${HOSTILE_BRANCHES[0]} → ${HOSTILE_BRANCHES[2]}`,
    `${HOSTILE_BRANCHES[2]} → ${HOSTILE_BRANCHES[2]}`,
    `${HOSTILE_BRANCHES[2]} → ${HOSTILE_BRANCHES[3]}`,
  ]);

  const text = renderSvg(g);
  const svg = parseSvg(text);
  assert.not.ok(svg.elements.includes('script'), 'no <script> element');
  assert.not.match(text, /<script|"ops"|a&b/);
  assertDrawn(svg, g.nodes);
  for (const b of HOSTILE_BRANCHES) assert.ok(svg.texts.includes(b), `${b} is drawn as text`);
});

test('a newline in a value cannot end a Mermaid statement or an SVG line of text', () => {
  const g = buildGraph(modelOf({ ...HOSTILE, jenkins: { approvers: 'a\nflowchart TB\n  x-->y' } }));
  const mg = parseMermaid(renderMermaid(g));
  assert.ok([...mg.nodes.values()].some((n) => n.lines.includes('manual, by a flowchart TB   x-->y')));
  assertDrawn(parseSvg(renderSvg(g)), g.nodes.filter((n) => n.gate !== 'approval'));
});

// ---------------------------------------------------------------------------------------------
// The SVG, rendered once to a PNG: a real picture, not an empty canvas.

test('the SVG renders to a PNG picture (resvg)', async () => {
  const { Resvg } = await import('@resvg/resvg-js');
  const rendered = new Resvg(exampleSvg, { background: '#ffffff', font: { loadSystemFonts: true } }).render();
  const png = rendered.asPng();
  const tmp = tempDir('pipewright-graph-');
  try {
    const file = path.join(tmp.dir, 'pipeline.png');
    writeFileSync(file, png);
    assert.ok(statSync(file).size > 10_000, 'a PNG with content');
    assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.is(png.readUInt32BE(16), rendered.width, 'IHDR width');
    assert.is(png.readUInt32BE(20), rendered.height, 'IHDR height');
    const svg = parseSvg(exampleSvg);
    assert.is(rendered.width, Number(svg.root.attrs.get('width')));
    assert.is(rendered.height, Number(svg.root.attrs.get('height')));
    assert.ok(rendered.width >= 600 && rendered.height >= 600, `${rendered.width}×${rendered.height}`);

    const px = rendered.pixels;
    assert.is(px.length, rendered.width * rendered.height * 4);
    let ink = 0;
    const near = (r: number, g: number, b: number) => {
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - r) + Math.abs(px[i + 1]! - g) + Math.abs(px[i + 2]! - b) < 24) n++;
      return n;
    };
    for (let i = 0; i < px.length; i += 4) if (px[i]! < 250 || px[i + 1]! < 250 || px[i + 2]! < 250) ink++;
    const total = rendered.width * rendered.height;
    assert.ok(ink > total * 0.2, `${ink} of ${total} pixels are not background`);
    // Each kind of thing was painted in its own colour: lanes, branches, gates, approval, environments, merges.
    for (const [what, rgb] of [
      ['lane background', [0xf8, 0xf9, 0xfa]],
      ['branch fill', [0xe8, 0xf0, 0xfe]],
      ['gate fill', [0xfe, 0xf7, 0xe0]],
      ['approval fill', [0xfc, 0xe8, 0xe6]],
      ['environment fill', [0xe6, 0xf4, 0xea]],
      ['merge arrow', [0x1a, 0x73, 0xe8]],
      ['promote arrow', [0x18, 0x80, 0x38]],
    ] as const) {
      assert.ok(near(rgb[0], rgb[1], rgb[2]) > 200, `${what} is painted`);
    }
  } finally {
    tmp.cleanup();
  }
});

// ---------------------------------------------------------------------------------------------
// The command, through the built CLI.

test('cli: graph prints the Mermaid text; --out <dir> writes pipeline.svg or pipeline.mmd there through the writer, with its manifest', () => {
  const printed = runCli(['-C', EXAMPLE, 'graph']);
  assert.is(printed.status, 0, printed.stderr);
  assert.is(printed.stdout, exampleMermaid);
  assert.is(printed.stderr, '');

  const svgOut = runCli(['-C', EXAMPLE, 'graph', '--svg']);
  assert.is(svgOut.status, 0, svgOut.stderr);
  assert.is(svgOut.stdout, exampleSvg);

  const tmp = tempDir('pipewright-graph-');
  try {
    // A folder that does not exist yet is created, as for library and jobs.
    const docs = path.join(tmp.dir, 'docs');
    const res = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs]);
    assert.is(res.status, 0, res.stderr);
    assert.is(res.stdout, '  create      pipeline.svg\n');
    assert.is(res.stderr, 'pipewright.yaml: 1 create\n');
    assert.is(readFileSync(path.join(docs, 'pipeline.svg'), 'utf8'), exampleSvg);
    const manifest = JSON.parse(readFileSync(path.join(docs, '.pipewright/graph-svg-manifest.json'), 'utf8')) as { files: Record<string, string> };
    assert.equal(Object.keys(manifest.files), ['pipeline.svg']);

    // The Mermaid file beside it keeps its own manifest: neither removes the other.
    const mmd = runCli(['-C', EXAMPLE, 'graph', '--out', docs]);
    assert.is(mmd.status, 0, mmd.stderr);
    assert.is(mmd.stdout, '  create      pipeline.mmd\n');
    assert.is(readFileSync(path.join(docs, 'pipeline.mmd'), 'utf8'), exampleMermaid);
    assert.ok(existsSync(path.join(docs, 'pipeline.svg')));

    const again = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs]);
    assert.is(again.status, 0, again.stderr);
    assert.is(again.stdout, '');
    assert.is(again.stderr, 'pipewright.yaml: 1 unchanged\n');
    assert.ok(existsSync(path.join(docs, 'pipeline.mmd')));

    const json = runCli(['-C', EXAMPLE, 'graph', '--out', docs, '--json']);
    assert.is(json.status, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout), { root: docs, mode: 'write', changes: [{ path: 'pipeline.mmd', kind: 'unchanged' }] });
  } finally {
    tmp.cleanup();
  }
});

test('cli: graph --out --check exits 1 on drift with a diff and writes nothing; --dry-run lists; a hand edit is refused unless --force', () => {
  const tmp = tempDir('pipewright-graph-');
  try {
    const docs = path.join(tmp.dir, 'docs');
    const missing = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs, '--check']);
    assert.is(missing.status, 1, missing.stderr);
    assert.match(missing.stdout, /^diff --git a\/pipeline\.svg b\/pipeline\.svg\nnew file mode 100644\n--- \/dev\/null\n\+\+\+ b\/pipeline\.svg\n/);
    assert.match(missing.stderr, /^drift: 1 file\(s\) differ from what pipewright\.yaml generates; run `pipewright graph --svg --out \S+docs`\n$/);
    assert.not.ok(existsSync(docs), '--check writes nothing');

    const dry = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs, '--dry-run']);
    assert.is(dry.status, 0, dry.stderr);
    assert.is(dry.stdout, '  create      pipeline.svg\n');
    assert.not.ok(existsSync(docs), '--dry-run writes nothing');

    assert.is(runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs]).status, 0);
    const clean = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs, '--check']);
    assert.is(clean.status, 0, clean.stderr);
    assert.is(clean.stdout, '');
    assert.is(clean.stderr, 'up to date: 1 files match pipewright.yaml\n');

    const file = path.join(docs, 'pipeline.svg');
    writeFileSync(file, `${exampleSvg}<!-- mine -->\n`);
    const drift = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs, '--check']);
    assert.is(drift.status, 1);
    assert.match(drift.stdout, /^-<!-- mine -->$/m);
    const refused = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs]);
    assert.is(refused.status, 1);
    assert.match(refused.stderr, /pipeline\.svg/);
    assert.match(readFileSync(file, 'utf8'), /<!-- mine -->/, 'a hand edit is kept');
    const forced = runCli(['-C', EXAMPLE, 'graph', '--svg', '--out', docs, '--force']);
    assert.is(forced.status, 0, forced.stderr);
    assert.is(readFileSync(file, 'utf8'), exampleSvg);
  } finally {
    tmp.cleanup();
  }
});

test('cli: --out names a folder: a file, an empty name, or the writer flags without --out are usage errors', () => {
  const tmp = tempDir('pipewright-graph-');
  try {
    const file = path.join(tmp.dir, 'pipeline.svg');
    writeFileSync(file, 'not a folder');
    const cases: [string[], RegExp][] = [
      [['--svg', '--out', file], /^--out .*pipeline\.svg: is a file; --out names a folder, and graph writes pipeline\.svg in it: e\.g\. --out \S+\n$/],
      [['--out', path.join(tmp.dir, 'no', 'such', 'x.mmd')], /^--out .*x\.mmd: --out names a folder, not a file: graph writes <folder>\/pipeline\.mmd; e\.g\. --out .*no\/such\n$/],
      [['--out', ''], /^--out: needs a folder, e\.g\. --out docs \(graph writes docs\/pipeline\.mmd\)\n$/],
      [['--check'], /^--check needs --out <folder>: without --out, graph prints to standard output\n$/],
      [['--svg', '--dry-run'], /^--dry-run needs --out <folder>/],
      [['--json'], /^--json needs --out <folder>/],
      [['--out', tmp.dir, '--check', '--dry-run'], /--dry-run.*cannot be used with.*--check/],
    ];
    for (const [args, message] of cases) {
      const res = runCli(['-C', EXAMPLE, 'graph', ...args]);
      assert.is(res.status, 2, args.join(' '));
      assert.match(res.stderr, message);
      assert.is(res.stdout, '');
    }
    assert.not.ok(existsSync(path.join(tmp.dir, 'no')), 'no directory was created');
    assert.is(readFileSync(file, 'utf8'), 'not a folder');
  } finally {
    tmp.cleanup();
  }
});

test('svg: every step of a build is drawn downwards, gates in stage order (the example and a config with every gate)', () => {
  for (const svg of [exampleSvg, renderSvg(buildGraph(modelOf(PROMOTION)))]) {
    // Flow edges are markers of kind flow: straight down a lane, or down then across to a verify gate.
    const flows = [...svg.matchAll(/<path d="M([0-9.]+) ([0-9.]+)V([0-9.]+)[^"]*"[^>]*marker-end="url\(#pw-arrow-flow\)"/g)];
    assert.ok(flows.length > 10, `${flows.length} flow edges`);
    for (const [d, , y1, y2] of flows) assert.ok(Number(y2) > Number(y1), `an edge drawn upwards: ${d}`);
  }
});

test.run();
