/**
 * The delivery graph as Mermaid flowchart text, for READMEs and GitHub (which renders ```mermaid
 * blocks). Ids are the graph's index-made ids; every user value goes through mermaidText.
 */
import type { DeliveryGraph, EdgeKind, GraphNode } from './delivery-graph.js';
import { mermaidText } from '../../escape/mermaid.js';

/** Our own markup around already-escaped text: a bold title, one line per entry. */
const label = (n: GraphNode): string => [`<b>${mermaidText(n.title)}</b>`, ...n.lines.map(mermaidText)].join('<br>');

function shape(n: GraphNode): string {
  const text = `"${label(n)}"`;
  switch (n.kind) {
    case 'branch':
      return `([${text}])`;
    case 'gate':
      return `{{${text}}}`;
    case 'environment':
      return `[${text}]`;
    case 'target':
      return `(${text})`;
  }
}

const ARROWS: Readonly<Record<EdgeKind, string>> = { flow: '-->', deploy: '-->', merge: '==>', promote: '-.->' };

const CLASSES = [
  'classDef branch fill:#e8f0fe,stroke:#1a73e8,color:#0b3d91',
  'classDef gate fill:#fef7e0,stroke:#e37400,color:#5f3700',
  'classDef approval fill:#fce8e6,stroke:#c5221f,color:#7a1411',
  'classDef environment fill:#e6f4ea,stroke:#188038,color:#0d4f22',
  'classDef production fill:#e6f4ea,stroke:#c5221f,stroke-width:3px,color:#0d4f22',
  'classDef target fill:#f1f3f4,stroke:#5f6368,color:#202124',
];

function classOf(n: GraphNode): string {
  if (n.kind === 'gate') return n.gate === 'approval' || n.gate === 'audit' ? 'approval' : 'gate';
  if (n.kind === 'environment' && n.production) return 'production';
  return n.kind;
}

const LINK_STYLES: Readonly<Partial<Record<EdgeKind, string>>> = {
  merge: 'stroke:#1a73e8,stroke-width:2px',
  promote: 'stroke:#188038,stroke-width:2px',
};

export function renderMermaid(g: DeliveryGraph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const out: string[] = [
    'flowchart LR',
    `  %% Delivery flow of ${mermaidText(g.app)}: branches → environments → namespaces. Drawn by \`pipewright graph\` from ${mermaidText(g.configFile)}.`,
  ];
  for (const id of g.sources) out.push(`  ${id}${shape(byId.get(id)!)}`);
  for (const lane of g.lanes) {
    out.push(`  subgraph ${lane.id}["${mermaidText(lane.environment)}${lane.production ? ' · production' : ''}"]`);
    for (const id of lane.nodes) out.push(`    ${id}${shape(byId.get(id)!)}`);
    out.push('  end');
  }
  for (const e of g.edges) out.push(`  ${e.from} ${ARROWS[e.kind]}${e.label === null ? '' : `|"${mermaidText(e.label)}"|`} ${e.to}`);
  out.push(...CLASSES.map((c) => `  ${c}`));
  const classes = new Map<string, string[]>();
  for (const n of g.nodes) classes.set(classOf(n), [...(classes.get(classOf(n)) ?? []), n.id]);
  for (const [name, ids] of [...classes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out.push(`  class ${ids.join(',')} ${name}`);
  for (const [kind, style] of Object.entries(LINK_STYLES)) {
    const indices = g.edges.flatMap((e, i) => (e.kind === kind ? [i] : []));
    if (indices.length > 0) out.push(`  linkStyle ${indices.join(',')} ${style}`);
  }
  return `${out.join('\n')}\n`;
}
