/**
 * The delivery graph as a standalone SVG picture. The layout is our own, because the graph is
 * small and regular: one column per environment lane, left to right in promotion order (branches
 * with no environment in columns before them); rows are the pipeline's stages in order, shared
 * by every lane so the same gate lines up across lanes; the verify gate, which follows the deploy,
 * comes after the namespaces (several namespaces fan out on the left and join on the right). Merges between neighbouring columns are
 * straight arrows; any other merge runs on its own track above the branch row. Every user value
 * goes through xmlText; every number is rounded, so the same graph gives the same bytes.
 */
import type { DeliveryGraph, EdgeKind, GraphEdge, GraphNode } from './delivery-graph.js';
import { fitText, textWidth } from './text.js';
import { xmlText } from '../../escape/xml.js';

const MARGIN = 24;
const COL_GAP = 112;
const LANE_PAD = 14;
const ROW_GAP = 30;
const TRACK_GAP = 16;
const PAD_X = 12;
const PAD_Y = 9;
const TITLE_SIZE = 13;
const LINE_SIZE = 12;
const LINE_H = 16;
const LABEL_SIZE = 11;
const MIN_W = 210;
const MAX_W = 300;
/** Indent of the namespace boxes on each side when a lane deploys to several clusters: room for the trunks. */
const FAN_INDENT = 28;
const GATE_CUT = 10;

const COLOURS = {
  text: '#202124',
  muted: '#5f6368',
  branch: { fill: '#e8f0fe', stroke: '#1a73e8', text: '#0b3d91' },
  gate: { fill: '#fef7e0', stroke: '#e37400', text: '#5f3700' },
  approval: { fill: '#fce8e6', stroke: '#c5221f', text: '#7a1411' },
  environment: { fill: '#e6f4ea', stroke: '#188038', text: '#0d4f22' },
  target: { fill: '#f1f3f4', stroke: '#80868b', text: '#202124' },
  lane: { fill: '#f8f9fa', stroke: '#dadce0' },
  productionLane: { fill: '#fff7f6', stroke: '#f4c7c3' },
} as const;

const EDGE_STYLE: Readonly<Record<EdgeKind, { colour: string; width: number; dash: string | null }>> = {
  flow: { colour: '#5f6368', width: 1.5, dash: null },
  deploy: { colour: '#5f6368', width: 1.5, dash: null },
  merge: { colour: '#1a73e8', width: 2.5, dash: null },
  promote: { colour: '#188038', width: 2.5, dash: '7 5' },
};

const num = (v: number): string => {
  const r = Math.round(v * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
};

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const nodeHeight = (n: GraphNode): number => PAD_Y * 2 + 17 + n.lines.length * LINE_H;

/** The row of a node: its stage kind; the n-th namespace of a lane goes in row `target<n>`, the verify gate after the last. */
function rowKey(n: GraphNode, targets: readonly string[]): string {
  if (n.kind === 'gate') return n.gate!;
  if (n.kind === 'target') return `target${targets.indexOf(n.id)}`;
  return n.kind;
}

const ROW_ORDER = ['branch', 'guard', 'image', 'verified-upstream', 'checks', 'release-tag', 'window', 'approval', 'audit', 'canary', 'environment'];
/** Rows after the environment's: one per namespace, then verify (after any number of namespaces). */
const rowRank = (key: string): number =>
  key.startsWith('target') ? ROW_ORDER.length + Number(key.slice(6)) : key === 'verify' ? Number.MAX_SAFE_INTEGER : ROW_ORDER.indexOf(key);

function style(n: GraphNode): { fill: string; stroke: string; text: string } {
  if (n.kind === 'gate') return n.gate === 'approval' || n.gate === 'audit' ? COLOURS.approval : COLOURS.gate;
  return COLOURS[n.kind];
}

/** One text line, cut to `max` px; the full text goes into the node's <title> when cut. */
function textLine(x: number, y: number, text: string, size: number, max: number, attrs: string, cut: string[]): string {
  const fit = fitText(text, size, max, attrs.includes('bold'));
  if (fit.cut) cut.push(text);
  return `<text x="${num(x)}" y="${num(y)}" font-size="${size}"${attrs}>${xmlText(fit.text)}</text>`;
}

/** The outline of a node: a pill for a branch, a hexagon for a gate, a box for the rest. */
function shape(n: GraphNode, b: Box, cut: number): string {
  const s = style(n);
  if (n.kind === 'gate') {
    const pts = [
      [b.x + cut, b.y],
      [b.x + b.w - cut, b.y],
      [b.x + b.w, b.y + b.h / 2],
      [b.x + b.w - cut, b.y + b.h],
      [b.x + cut, b.y + b.h],
      [b.x, b.y + b.h / 2],
    ];
    return `<polygon points="${pts.map(([x, y]) => `${num(x!)},${num(y!)}`).join(' ')}" fill="${s.fill}" stroke="${s.stroke}" stroke-width="1.5"/>`;
  }
  const rx = n.kind === 'branch' ? Math.min(16, b.h / 2) : Math.min(5, b.h / 4);
  const production = n.kind === 'environment' && n.production;
  return `<rect x="${num(b.x)}" y="${num(b.y)}" width="${num(b.w)}" height="${num(b.h)}" rx="${num(rx)}" fill="${s.fill}" stroke="${production ? COLOURS.approval.stroke : s.stroke}" stroke-width="${production ? 3 : 1.5}"/>`;
}

function drawNode(n: GraphNode, b: Box): string {
  const s = style(n);
  const cx = b.x + b.w / 2;
  const parts: string[] = [];
  parts.push(shape(n, b, GATE_CUT));
  const max = b.w - 2 * PAD_X - (n.kind === 'gate' ? 2 * GATE_CUT : 0);
  const cut: string[] = [];
  let y = b.y + PAD_Y + 13;
  parts.push(textLine(cx, y, n.title, TITLE_SIZE, max, ` font-weight="bold" text-anchor="middle" fill="${s.text}"`, cut));
  for (const line of n.lines) {
    y += LINE_H;
    parts.push(textLine(cx, y, line, LINE_SIZE, max, ` text-anchor="middle" fill="${COLOURS.text}"`, cut));
  }
  const title = cut.length > 0 ? `<title>${xmlText([n.title, ...n.lines].join(' · '))}</title>` : '';
  return `<g id="pw-${n.id}" class="${n.kind}">${title}${parts.join('')}</g>`;
}

/** Ids carry a prefix so the SVG can be inlined into a page next to other SVGs. */
const markerId = (kind: EdgeKind): string => `pw-arrow-${kind}`;

function path(d: string, kind: EdgeKind): string {
  const s = EDGE_STYLE[kind];
  const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
  return `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.width}"${dash} marker-end="url(#${markerId(kind)})"/>`;
}

/** A label centred on (x, y) over a white patch, so a line behind it stays readable. */
function label(x: number, y: number, text: string, colour: string): string {
  const w = textWidth(text, LABEL_SIZE) + 8;
  return (
    `<rect x="${num(x - w / 2)}" y="${num(y - 8)}" width="${num(w)}" height="15" rx="3" fill="#ffffff" fill-opacity="0.92"/>` +
    `<text x="${num(x)}" y="${num(y + 4)}" font-size="${LABEL_SIZE}" text-anchor="middle" fill="${colour}">${xmlText(text)}</text>`
  );
}

/** Words of `text` in lines no wider than `max` px. */
function wrap(text: string, size: number, max: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && textWidth(`${last} ${word}`, size) <= max) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

interface Column {
  readonly nodes: readonly string[];
  readonly heading: string;
  readonly production: boolean;
  readonly lane: boolean;
}

export function renderSvg(g: DeliveryGraph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const columns: Column[] = [
    ...g.sources.map((id) => ({ nodes: [id], heading: 'no environment', production: false, lane: false })),
    ...g.lanes.map((l) => ({ nodes: l.nodes, heading: l.environment, production: l.production, lane: true })),
  ];
  const colOf = new Map<string, number>();
  columns.forEach((c, i) => c.nodes.forEach((id) => colOf.set(id, i)));

  // Column width: the widest text, within bounds (longer text is cut, with the full text in a tooltip).
  const widest = Math.max(
    0,
    ...g.nodes.map((n) => Math.max(textWidth(n.title, TITLE_SIZE, true), ...n.lines.map((l) => textWidth(l, LINE_SIZE))) + (n.kind === 'gate' ? 2 * GATE_CUT : 0)),
  );
  const W = Math.min(MAX_W, Math.max(MIN_W, Math.ceil(widest + 2 * PAD_X)));
  const colX = (c: number): number => MARGIN + LANE_PAD + c * (W + COL_GAP);

  // Rows: the stage kinds present anywhere, in pipeline order; each as tall as its tallest node.
  const keyOf = new Map<string, string>();
  for (const c of columns) {
    const targets = c.nodes.filter((id) => byId.get(id)!.kind === 'target');
    for (const id of c.nodes) keyOf.set(id, rowKey(byId.get(id)!, targets));
  }
  const rowKeys = [...new Set(keyOf.values())].sort((a, b) => rowRank(a) - rowRank(b));
  const rowH = new Map(rowKeys.map((k) => [k, Math.max(...[...keyOf].filter(([, v]) => v === k).map(([id]) => nodeHeight(byId.get(id)!)))]));

  // Merges that are not a step to the right-hand neighbour run on tracks above the branch row.
  const merges = g.edges.filter((e) => e.kind === 'merge');
  const straight = (e: GraphEdge): boolean => colOf.get(e.to)! - colOf.get(e.from)! === 1;
  const tracked = merges.filter((e) => !straight(e));
  const ports = new Map<GraphEdge, { from: number; to: number }>();
  {
    const ends = new Map<string, { edge: GraphEdge; end: 'from' | 'to'; other: number }[]>();
    for (const e of tracked) {
      ends.set(e.from, [...(ends.get(e.from) ?? []), { edge: e, end: 'from', other: colOf.get(e.to)! }]);
      ends.set(e.to, [...(ends.get(e.to) ?? []), { edge: e, end: 'to', other: colOf.get(e.from)! }]);
    }
    for (const [id, list] of ends) {
      const cx = colX(colOf.get(id)!) + W / 2;
      const step = Math.min(16, (W - 40) / Math.max(1, list.length));
      // Ends that lead left sit left: tracks to neighbours cross nothing.
      list
        .map((p, i) => ({ ...p, i }))
        .sort((a, b) => a.other - b.other || (a.end === b.end ? a.i - b.i : a.end === 'to' ? -1 : 1))
        .forEach((p, k) => {
          const x = cx + (k - (list.length - 1) / 2) * step;
          ports.set(p.edge, { ...(ports.get(p.edge) ?? { from: cx, to: cx }), [p.end]: x });
        });
    }
  }
  const level = new Map<GraphEdge, number>();
  {
    const spans: { lo: number; hi: number; level: number }[] = [];
    const order = tracked.map((e, i) => ({ e, i, p: ports.get(e)! })).sort((a, b) => Math.abs(a.p.to - a.p.from) - Math.abs(b.p.to - b.p.from) || a.i - b.i);
    for (const { e, p } of order) {
      const lo = Math.min(p.from, p.to) - 8;
      const hi = Math.max(p.from, p.to) + 8;
      let l = 0;
      while (spans.some((s) => s.level === l && s.lo < hi && lo < s.hi)) l++;
      spans.push({ lo, hi, level: l });
      level.set(e, l);
    }
  }
  const tracks = Math.max(0, ...[...level.values()].map((l) => l + 1));

  // Vertical layout.
  const headerH = 52;
  const lanesTop = MARGIN + headerH;
  const headingH = 34;
  const trackSpace = tracks > 0 ? 22 + (tracks - 1) * TRACK_GAP : 0;
  const rowTop = new Map<string, number>();
  let y = lanesTop + headingH + trackSpace + 6;
  for (const k of rowKeys) {
    rowTop.set(k, y);
    y += rowH.get(k)! + ROW_GAP;
  }
  const lanesBottom = y - ROW_GAP + LANE_PAD;

  const box = new Map<string, Box>();
  for (const [ci, c] of columns.entries()) {
    const fan = c.nodes.filter((id) => byId.get(id)!.kind === 'target').length > 1;
    for (const id of c.nodes) {
      const n = byId.get(id)!;
      const k = keyOf.get(id)!;
      const h = nodeHeight(n);
      const indent = fan && n.kind === 'target' ? FAN_INDENT : 0;
      box.set(id, { x: colX(ci) + indent, y: rowTop.get(k)! + (rowH.get(k)! - h) / 2, w: W - 2 * indent, h });
    }
  }

  // Edges.
  const edgeSvg: string[] = [];
  const labels: string[] = [];
  const b = (id: string): Box => box.get(id)!;
  for (const e of g.edges) {
    const from = b(e.from);
    const to = b(e.to);
    const style = EDGE_STYLE[e.kind];
    if (e.kind === 'flow' && to.x !== from.x) {
      // From one of several namespaces to the verify gate: the trunk on the right.
      const x = to.x + to.w - FAN_INDENT / 2;
      edgeSvg.push(path(`M${num(from.x + from.w)} ${num(from.y + from.h / 2)}H${num(x)}V${num(to.y)}`, e.kind));
    } else if (e.kind === 'flow' || (e.kind === 'deploy' && to.x === from.x)) {
      const x = from.x + from.w / 2;
      edgeSvg.push(path(`M${num(x)} ${num(from.y + from.h)}V${num(to.y)}`, e.kind));
    } else if (e.kind === 'deploy') {
      const x = from.x + FAN_INDENT / 2;
      edgeSvg.push(path(`M${num(x)} ${num(from.y + from.h)}V${num(to.y + to.h / 2)}H${num(to.x)}`, e.kind));
    } else if (e.kind === 'promote' || straight(e)) {
      const yMid = from.y + from.h / 2;
      const x1 = from.x + from.w;
      const x2 = to.x;
      edgeSvg.push(path(`M${num(x1)} ${num(yMid)}H${num(x2)}`, e.kind));
      if (e.label !== null) {
        const lines = wrap(e.label, LABEL_SIZE, COL_GAP - 10);
        lines.forEach((line, i) => {
          const ly = yMid - 8 - (lines.length - 1 - i) * 13;
          labels.push(`<text x="${num((x1 + x2) / 2)}" y="${num(ly)}" font-size="${LABEL_SIZE}" text-anchor="middle" fill="${style.colour}">${xmlText(line)}</text>`);
        });
      }
    } else {
      const p = ports.get(e)!;
      const ty = rowTop.get('branch')! - 16 - level.get(e)! * TRACK_GAP;
      edgeSvg.push(path(`M${num(p.from)} ${num(from.y)}V${num(ty)}H${num(p.to)}V${num(to.y)}`, e.kind));
      if (e.label !== null) labels.push(label((p.from + p.to) / 2, ty, e.label, style.colour));
    }
  }

  // Lanes, with their headings.
  const laneSvg = columns.map((c, ci) => {
    const x = colX(ci) - LANE_PAD;
    const w = W + 2 * LANE_PAD;
    const s = c.production ? COLOURS.productionLane : c.lane ? COLOURS.lane : { fill: '#ffffff', stroke: COLOURS.lane.stroke };
    const dash = c.lane ? '' : ' stroke-dasharray="5 4"';
    const badge = c.production
      ? `<rect x="${num(x + w - 94)}" y="${num(lanesTop + 9)}" width="82" height="17" rx="8.5" fill="${COLOURS.approval.stroke}"/>` +
        `<text x="${num(x + w - 53)}" y="${num(lanesTop + 21.5)}" font-size="10" font-weight="bold" text-anchor="middle" fill="#ffffff">PRODUCTION</text>`
      : '';
    const headingMax = w - 24 - (c.production ? 90 : 0);
    const heading = c.lane
      ? textLine(x + 12, lanesTop + 22, c.heading, 14, headingMax, ` font-weight="bold" fill="${COLOURS.text}"`, [])
      : textLine(x + 12, lanesTop + 22, c.heading, 12, headingMax, ` font-style="italic" fill="${COLOURS.muted}"`, []);
    // A branch with no environment has nothing below its branch row.
    const bottom = c.lane ? lanesBottom : rowTop.get('branch')! + rowH.get('branch')! + LANE_PAD;
    return (
      `<rect x="${num(x)}" y="${num(lanesTop)}" width="${num(w)}" height="${num(bottom - lanesTop)}" rx="10" fill="${s.fill}" stroke="${s.stroke}"${dash}/>` +
      heading +
      badge
    );
  });

  // Header and legend.
  const contentW = columns.length * (W + COL_GAP) - COL_GAP + 2 * LANE_PAD;
  const title = `${g.app} · delivery flow`;
  const subtitle = `branches → environments → namespaces · image ${g.image}`;
  const width = Math.ceil(Math.max(contentW, Math.min(900, textWidth(subtitle, 12))) + 2 * MARGIN);
  const inner = width - 2 * MARGIN;
  const header =
    textLine(MARGIN, MARGIN + 18, title, 18, inner, ` font-weight="bold" fill="${COLOURS.text}"`, []) +
    textLine(MARGIN, MARGIN + 38, subtitle, 12, inner, ` fill="${COLOURS.muted}"`, []);

  const legendItems: { w: number; draw: (x: number, y: number) => string }[] = [
    ...(
      [
        ['merge', 'merge the rules allow (the Guard checks each pull request)'],
        ['promote', 'promote: the same image (digest), re-tagged in ECR'],
        ['flow', 'next stage of the build'],
      ] as const
    )
      .filter(([kind]) => g.edges.some((e) => e.kind === kind))
      .map(([kind, text]) => ({
      w: 40 + textWidth(text, LINE_SIZE),
      draw: (x: number, y: number) => path(`M${num(x)} ${num(y)}H${num(x + 30)}`, kind) + `<text x="${num(x + 38)}" y="${num(y + 4)}" font-size="${LINE_SIZE}" fill="${COLOURS.text}">${xmlText(text)}</text>`,
    })),
    ...(
      [
        ['branch', 'branch'],
        ['gate', 'gate'],
        ['approval', 'approval gate'],
        ['environment', 'environment (deploy)'],
        ['target', 'namespace in a cluster'],
      ] as const
    )
      .filter(([kind]) => g.nodes.some((n) => (kind === 'approval' ? n.gate === 'approval' : n.kind === kind)))
      .map(([kind, text]) => ({
      w: 32 + textWidth(text, LINE_SIZE),
      draw: (x: number, y: number) => {
        const sample: GraphNode =
          kind === 'gate' || kind === 'approval'
            ? { id: '', kind: 'gate', gate: kind === 'gate' ? 'guard' : 'approval', lane: null, title: '', lines: [], production: false }
            : { id: '', kind, gate: null, lane: null, title: '', lines: [], production: false };
        return shape(sample, { x, y: y - 7, w: 24, h: 14 }, 4) + `<text x="${num(x + 30)}" y="${num(y + 4)}" font-size="${LINE_SIZE}" fill="${COLOURS.text}">${xmlText(text)}</text>`;
      },
    })),
  ];
  const legend: string[] = [];
  let lx = MARGIN;
  let ly = lanesBottom + 26;
  for (const item of legendItems) {
    if (lx > MARGIN && lx + item.w > width - MARGIN) {
      lx = MARGIN;
      ly += 22;
    }
    legend.push(item.draw(lx, ly));
    lx += item.w + 22;
  }
  const height = Math.ceil(ly + 12 + MARGIN);

  const markers = (Object.keys(EDGE_STYLE) as EdgeKind[]).map(
    (k) =>
      `<marker id="${markerId(k)}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto">` +
      `<path d="M0 0L10 5L0 10z" fill="${EDGE_STYLE[k].colour}"/></marker>`,
  );
  const nodes = g.nodes.map((n) => drawNode(n, box.get(n.id)!));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">`,
    `<title>${xmlText(`${title}: ${subtitle}`)}</title>`,
    `<defs>${markers.join('')}</defs>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    header,
    `<g class="lanes">${laneSvg.join('')}</g>`,
    `<g class="edges">${edgeSvg.join('')}</g>`,
    `<g class="nodes">${nodes.join('\n')}</g>`,
    `<g class="labels">${labels.join('')}</g>`,
    `<g class="legend">${legend.join('')}</g>`,
    '</svg>',
    '',
  ].join('\n');
}
