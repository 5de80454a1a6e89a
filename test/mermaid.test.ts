// The Mermaid text of every graph shape, read by the real `mermaid` package in Node (jsdom gives it
// the DOM its label sanitizer needs; @mermaid-js/parser alone does not know flowcharts). Mermaid
// must parse it, and what it read must be our graph: the same nodes with the same shapes, labels
// that display as the values (no markup but our <b> and <br>), the same edges, lanes and styles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadProject } from '../src/commands/common.js';
import type { Model } from '../src/model/model.js';
import { buildGraph, type DeliveryGraph, type EdgeKind, type NodeKind } from '../src/render/graph/delivery-graph.js';
import { renderMermaid } from '../src/render/graph/mermaid.js';
import { AWS, CUSTOM, HOSTILE, PROMOTION, modelOf } from './graph-configs.js';
import { fromRoot } from './helpers.js';

/** The parts of mermaid's API used here (imported untyped: its own types pull d3's into tsc, 240 files). */
interface Mermaid {
  initialize(config: { startOnLoad: boolean }): void;
  parse(text: string): Promise<unknown>;
  readonly mermaidAPI: { getDiagramFromText(text: string): Promise<{ readonly db: unknown }> };
}
interface JsdomModule {
  readonly JSDOM: new (html: string) => { readonly window: Window & typeof globalThis };
}
/** An import tsc does not resolve: the module's types stay out of the build. */
const untyped = (name: string): Promise<unknown> => import(name);

/** What mermaid's flowchart database holds after parsing (the parts we check). */
interface FlowVertex {
  readonly id: string;
  readonly type: string;
  readonly text: string;
  readonly classes: readonly string[];
}
interface FlowEdge {
  readonly start: string;
  readonly end: string;
  readonly type: string;
  readonly stroke: string;
  readonly text: string;
  readonly style?: readonly string[];
}
interface FlowSubGraph {
  readonly id: string;
  readonly title: string;
  readonly nodes: readonly string[];
}
interface FlowDb {
  getDirection(): string;
  getVertices(): Map<string, FlowVertex>;
  getEdges(): FlowEdge[];
  getSubGraphs(): FlowSubGraph[];
  getClasses(): Map<string, { readonly styles: readonly string[] }>;
}

const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string => (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;

/** mermaid with a jsdom window, or null (outside CI) when they are not installed. */
async function loadMermaid(): Promise<{ mermaid: Mermaid; document: Document; versions: string } | null> {
  try {
    const { JSDOM } = (await untyped('jsdom')) as JsdomModule;
    const { window } = new JSDOM('<!doctype html><html><body></body></html>');
    // Mermaid's label sanitizer (DOMPurify) binds to the global window when mermaid is imported.
    Object.assign(globalThis, { window, document: window.document });
    const { default: mermaid } = (await untyped('mermaid')) as { default: Mermaid };
    mermaid.initialize({ startOnLoad: false });
    return { mermaid, document: window.document, versions: `mermaid ${versionOf('mermaid')} (DOM: jsdom ${versionOf('jsdom')})` };
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`mermaid and jsdom are required under CI=true (devDependencies; run npm ci): ${String(e)}`);
    console.warn(`  ! skipping: mermaid or jsdom is not installed (${String(e)})`);
    return null;
  }
}

const engine = await loadMermaid();

/** How Mermaid writes each kind of node (the renderer's shapes: ([…]) {{…}} […] (…)). */
const SHAPES: Readonly<Record<NodeKind, string>> = { branch: 'stadium', gate: 'hexagon', environment: 'square', target: 'round' };
const STROKES: Readonly<Record<EdgeKind, string>> = { flow: 'normal', deploy: 'normal', merge: 'thick', promote: 'dotted' };

/** A value as our renderer promises to show it: control characters (a newline) become spaces. */
// eslint-disable-next-line no-control-regex
const visible = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

/**
 * A label as the browser shows it: Mermaid turns `#60;` into a placeholder before parsing and back
 * into `&#60;` in the SVG it writes (its decodeEntities), where the label is HTML. Returns the
 * lines (split at <br>) and every element the HTML holds.
 */
function shown(label: string): { lines: string[]; tags: string[] } {
  const div = engine!.document.createElement('div');
  div.innerHTML = label.replace(/ﬂ°°/g, '&#').replace(/ﬂ°/g, '&').replace(/¶ß/g, ';');
  const tags = [...div.querySelectorAll('*')].map((e) => e.tagName.toLowerCase());
  for (const br of [...div.querySelectorAll('br')]) br.replaceWith('\n');
  return { lines: (div.textContent ?? '').split('\n'), tags };
}

const stats = { graphs: [] as string[], nodes: 0, edges: 0, lanes: 0, refused: [] as string[] };

/** Mermaid parses `text`, and reads back exactly the graph `g`. Throws (an assertion) where not. */
async function assertReads(text: string, g: DeliveryGraph): Promise<void> {
  const { mermaid } = engine!;
  assert.equal(await mermaid.parse(text), { diagramType: 'flowchart-v2', config: {} });
  const db = (await mermaid.mermaidAPI.getDiagramFromText(text)).db as FlowDb;
  assert.is(db.getDirection(), 'LR');

  const vertices = db.getVertices();
  const ids = new Set(g.nodes.map((n) => n.id));
  for (const id of vertices.keys()) assert.ok(ids.has(id), `mermaid read a node ${id} that is not in the graph`);
  const classes = db.getClasses();
  for (const n of g.nodes) {
    const v = vertices.get(n.id);
    assert.ok(v, `node ${n.id} (${n.title}) is drawn`);
    assert.is(v!.type, SHAPES[n.kind], `${n.id} is drawn as a ${SHAPES[n.kind]}`);
    const label = shown(v!.text);
    assert.equal(label.lines, [n.title, ...n.lines].map(visible), `${n.id}'s label shows its values as text`);
    assert.equal(label.tags, ['b', ...n.lines.map(() => 'br')], `${n.id}'s label holds no markup but ours`);
    assert.is(v!.classes.length, 1, `${n.id} has one class`);
    assert.ok(classes.get(v!.classes[0]!)?.styles.some((s) => s.startsWith('fill:')), `${n.id}'s class ${v!.classes[0]} is defined`);
  }

  const edges = db.getEdges();
  assert.is(edges.length, g.edges.length, 'as many edges as the graph');
  g.edges.forEach((e, i) => {
    const m = edges[i]!;
    const what = `edge ${i} ${e.from} → ${e.to}`;
    assert.equal([m.start, m.end, m.type, m.stroke], [e.from, e.to, 'arrow_point', STROKES[e.kind]], what);
    assert.equal(shown(m.text), e.label === null ? { lines: [''], tags: [] } : { lines: [visible(e.label)], tags: [] }, `${what}: its label`);
    const styled = e.kind === 'merge' || e.kind === 'promote';
    assert.is((m.style ?? []).some((s) => s.startsWith('stroke:#')), styled, `${what}: ${styled ? 'coloured' : 'plain'}`);
  });

  const lanes = db.getSubGraphs();
  assert.equal(
    lanes.map((s) => [s.id, shown(s.title).lines, [...s.nodes].sort()]),
    g.lanes.map((l) => [l.id, [`${visible(l.environment)}${l.production ? ' · production' : ''}`], [...l.nodes].sort()]),
    'one subgraph per lane, with its nodes',
  );
}

/** Mermaid refuses `text`, or reads something that is not `g`: the message. */
async function refused(what: string, text: string, g: DeliveryGraph): Promise<string> {
  try {
    await assertReads(text, g);
  } catch (e) {
    stats.refused.push(what);
    return String((e as Error).message);
  }
  assert.unreachable(`${what}: mermaid read it as the graph`);
  return '';
}

const EXAMPLE = fromRoot('examples/hello-flask');
const example = buildGraph((await loadProject({ cwd: EXAMPLE })).model);

/** A graph with a merge source that no rule or environment names (a valid config has none; the renderer still draws it). */
function withUnknownSource(m: Model): Model {
  const [first, ...rest] = m.rules.branches;
  return { ...m, rules: { ...m.rules, branches: [{ ...first!, mergeFrom: [...(first!.mergeFrom ?? []), 'ghost/branch'] }, ...rest] } };
}

const SHAPES_DRAWN: [string, () => DeliveryGraph][] = [
  ['hello-flask', () => example],
  ['4 environments', () => buildGraph(modelOf(CUSTOM))],
  ['promotion: checks, windows, canary, verify', () => buildGraph(modelOf(PROMOTION))],
  ['1 environment', () => buildGraph(modelOf({ app: 'solo', aws: AWS, environments: [{ name: 'prod', branch: 'main', production: true }] }))],
  ['main as production branch', () => buildGraph(modelOf({ app: 'shop', aws: AWS, productionBranch: 'main' }))],
  ['rule-less branch', () => buildGraph(modelOf({ app: 'shop', aws: AWS, rules: { branches: { master: { mergeFrom: ['develop'] } } } }))],
  ['unknown merge source', () => buildGraph(withUnknownSource(modelOf(CUSTOM)))],
  ['hostile names', () => buildGraph(modelOf(HOSTILE))],
  ['style and classDef in values', () => buildGraph(modelOf({ ...HOSTILE, jenkins: { approvers: 'lifestyle:ops&admins' }, rules: { ...HOSTILE.rules, tagPatterns: { odd: 'classDef:x#1;<' } } }))],
  ['newline in a value', () => buildGraph(modelOf({ ...HOSTILE, jenkins: { approvers: 'a\nflowchart TB\n  x-->y' } }))],
];

if (engine) {
  for (const [name, graph] of SHAPES_DRAWN) {
    test(`mermaid parses and reads back the graph: ${name}`, async () => {
      const g = graph();
      await assertReads(renderMermaid(g), g);
      stats.graphs.push(name);
      stats.nodes += g.nodes.length;
      stats.edges += g.edges.length;
      stats.lanes += g.lanes.length;
    });
  }

  test('mermaid refuses a broken graph: an unescaped quote, a corrupted edge, a raw <script>, a wrong node', async () => {
    const text = renderMermaid(example);
    const hostile = buildGraph(modelOf(HOSTILE));
    const hostileText = renderMermaid(hostile);
    assert.match(hostileText, /#34;/);
    // A label character the renderer must escape, left raw: the quote ends the label.
    assert.match(await refused('unescaped quote', hostileText.replace('#34;', '"'), hostile), /Parse error/);
    // A corrupted edge.
    assert.match(await refused('corrupted edge', text.replace('guard0 --> image0', 'guard0 --> > image0'), example), /Parse error/);
    // A link style for an edge that does not exist (mermaid fails setting its style).
    const merges = example.edges.flatMap((e, i) => (e.kind === 'merge' ? [i] : []));
    const mergeStyle = `linkStyle ${merges.join(',')} `;
    assert.ok(text.includes(mergeStyle), mergeStyle);
    assert.match(await refused('linkStyle out of range', text.replace(mergeStyle, `linkStyle ${merges[0]},99 `), example), /style/);
    // Valid Mermaid, but not our graph: markup in a label (the sanitizer removes the script) …
    assert.match(hostileText, /#60;script#62;/);
    assert.match(await refused('raw <script> in a label', hostileText.replace('#60;script#62;', '<script>'), hostile), /label shows its values as text|no markup/);
    // … and an edge to a node the graph does not have.
    assert.match(await refused('edge to a misspelt node', text.replace('guard0 --> image0', 'guard0 --> imageO'), example), /imageO.*not in the graph/);
  });

  test.after(() => {
    console.log(
      `  ${engine.versions} parsed ${stats.graphs.length} graphs (${stats.graphs.join(', ')}): ` +
        `${stats.nodes} nodes, ${stats.edges} edges and ${stats.lanes} lanes read back as drawn; refused ${stats.refused.length} broken ones (${stats.refused.join(', ')})`,
    );
  });
}

test.run();
