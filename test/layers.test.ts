/**
 * The import graph of src/, read with the TypeScript parser: data flows config → model → render →
 * write, and no import may point back. The rules are the LAYERS table below (the README's design
 * section draws the same table); a new folder must be added to it, or this test fails.
 *
 * Checked: every relative import (static, `export … from`, dynamic `import()`), each tagged
 * type-only or not; an import of a folder not in the table's list for the importer fails, as does
 * a type-only import where only types are allowed, and any cycle between files.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { filesUnder, fromRoot } from './helpers.js';

type Layer = string;
/** What each room of src/ may import at run time (`code`) and for types only (`types`). Rooms not listed: nothing. */
export const LAYERS: Readonly<Record<Layer, { code: readonly Layer[]; types?: readonly Layer[]; says: string }>> = {
  core: { code: [], says: 'leaf: errors, deadlines, names, defaults, paths, hashing; imports nothing of ours' },
  escape: { code: [], says: 'leaf: THE places that turn a value into Groovy, shell, YAML, XML or Mermaid text' },
  config: { code: ['core'], says: 'reads and validates input (config, catalog, templates); returns data only' },
  model: { code: ['core'], types: ['config'], says: 'derives the plan from validated config; its cross-field checks' },
  render: { code: ['core', 'escape', 'model', 'config'], says: 'pure: model → files and objects, grouped by target' },
  rules: { code: ['core', 'escape', 'config', 'model', 'git'], says: 'branch rules as data and small functions → findings' },
  write: { code: ['core'], types: ['render'], says: 'the one writer: atomic files, marker, manifest, drift check' },
  git: { code: ['core', 'escape', 'render', 'write'], says: 'adapter: git (simple-git) and the hook file' },
  aws: { code: ['core', 'model', 'render'], says: 'adapter: ECR, EKS (AWS SDK)' },
  k8s: { code: ['core', 'model', 'render'], says: 'adapter: Kubernetes (@kubernetes/client-node)' },
  release: { code: ['core', 'model', 'aws', 'k8s'], says: 'promote, rollback, history: operations over the adapters' },
  plan: { code: ['core', 'escape', 'model', 'render', 'git'], says: 'the pipeline dry run: scenarios for the Groovy harness' },
  init: { code: ['core', 'escape', 'config', 'model', 'render', 'write', 'git', 'rules'], says: 'what init detects, asks, plans and applies' },
  commands: { code: ['core', 'escape', 'config', 'model', 'render', 'rules', 'write', 'git', 'aws', 'k8s', 'release', 'plan', 'init', 'commands'], says: 'composition root: load → resolve → render → write, one file per command' },
  entry: { code: ['core', 'config', 'model', 'render', 'rules', 'write', 'aws', 'commands'], says: 'cli.ts, hook-main.ts, bin-hook.ts, index.ts' },
};

const SRC = fromRoot('src');
const layerOf = (file: string): Layer => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? 'entry' : rel[0]!;
};

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
  readonly line: number;
}

/** Every relative import of a file, resolved to a .ts path under src/. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean, node: ts.Node) => {
    if (!spec.startsWith('.')) return;
    const to = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
    edges.push({ from: file, to, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly, node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly, node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, false, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

const files = filesUnder(SRC, '.ts').filter((f) => !f.endsWith('.d.ts'));
const edges = files.flatMap(importsOf);
const show = (f: string) => path.relative(fromRoot(), f);

/** The problems of one edge against the table, or null. */
export function layerProblem(e: Edge): string | null {
  const from = layerOf(e.from);
  const to = layerOf(e.to);
  const rule = LAYERS[from];
  if (!rule) return `${show(e.from)}: src/${from}/ is not in the layer table (test/layers.test.ts): add it, with what it may import`;
  if (from === to || rule.code.includes(to)) return null;
  if (e.typeOnly && rule.types?.includes(to)) return null;
  const allowed = [...rule.code, ...(rule.types ?? []).map((t) => `${t} (types only)`)];
  return `${show(e.from)}:${e.line} imports ${show(e.to)}${e.typeOnly ? ' (types)' : ''}: ${from}/ may import ${allowed.join(', ') || 'nothing of ours'}`;
}

test('the table covers every folder of src/, and every import resolves to a file', () => {
  const missing = [...new Set(files.map(layerOf))].filter((l) => !LAYERS[l]);
  assert.equal(missing, [], 'folders with no rules');
  const dangling = edges.filter((e) => !files.includes(e.to)).map((e) => `${show(e.from)}:${e.line} → ${show(e.to)}`);
  assert.equal(dangling, []);
  assert.ok(edges.length > 300, `read ${edges.length} imports`);
});

test('no import points back: each room imports only the rooms the table allows it', () => {
  assert.equal(edges.map(layerProblem).filter((p): p is string => p !== null), []);
});

test('config/ never imports model/, and model/ takes only types from config/', () => {
  assert.equal(edges.filter((e) => layerOf(e.from) === 'config' && layerOf(e.to) === 'model').map((e) => `${show(e.from)}:${e.line}`), []);
  const modelToConfig = edges.filter((e) => layerOf(e.from) === 'model' && layerOf(e.to) === 'config');
  assert.ok(modelToConfig.length > 0 && modelToConfig.every((e) => e.typeOnly), modelToConfig.map((e) => `${show(e.from)}:${e.line}`).join(', '));
});

test('no cycle between files (type-only imports included)', () => {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  // Tarjan's strongly connected components: any component of two or more files is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        scc.push(show(w));
        if (w === v) break;
      }
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) connect(f);
  assert.equal(cycles, []);
});

test('the checker fails on a backward import, a type-only import of code, and an unknown room', () => {
  const at = (p: string) => path.join(SRC, p);
  assert.match(layerProblem({ from: at('config/schema.ts'), to: at('model/model.ts'), typeOnly: true, line: 3 }) ?? '', /config\/ may import core$/);
  assert.match(layerProblem({ from: at('model/model.ts'), to: at('config/load.ts'), typeOnly: false, line: 9 }) ?? '', /model\/ may import core, config \(types only\)/);
  assert.equal(layerProblem({ from: at('model/model.ts'), to: at('config/schema.ts'), typeOnly: true, line: 6 }), null);
  assert.match(layerProblem({ from: at('render/jobs/jobs.ts'), to: at('write/manifest.ts'), typeOnly: false, line: 18 }) ?? '', /render\/ may import/);
  assert.match(layerProblem({ from: at('core/errors.ts'), to: at('escape/shell.ts'), typeOnly: false, line: 1 }) ?? '', /nothing of ours/);
  assert.match(layerProblem({ from: at('newroom/x.ts'), to: at('core/errors.ts'), typeOnly: false, line: 1 }) ?? '', /not in the layer table/);
});

test.run();
