// Every string pipewright writes into YAML (yamlScalar in templates, dumpYaml for whole documents)
// must read back as the same string under YAML 1.2 (js-yaml), YAML 1.1 (PyYAML) and through
// `kubectl kustomize` (kyaml reads it, and its output is read back with js-yaml).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import yaml from 'js-yaml';
import path from 'node:path';
import { dumpYaml, isPlainSafe, yamlScalar } from '../src/escape/yaml.js';
import { YAML_TRAPS, kustomizeBuild, pyyamlLoadAll, readKustomized, type ReadBack } from './yaml-traps.js';
import { engineAvailable, tempDir } from './helpers.js';
import { KUSTOMIZE_UNWRITABLE } from '../src/config/schema.js';

const hasPyYaml = engineAvailable('python3', ['-c', 'import yaml']);
const hasKubectl = engineAvailable('kubectl', ['version', '--client']);

/** Random strings per run of the batch property test, and its seed (FC_SEED=… replays a run). */
const NUM_RUNS = 2000;
const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Pieces YAML resolvers look at, so random strings often come close to a trap. */
const PIECES = [
  ...'0123456789xXoObBeE_:.-+ #\n\t\r~=<>*&!%@`?|\'"{}[],\\/aZyYnNT'.split(''),
  'on', 'off', 'yes', 'no', 'true', 'null', 'inf', 'nan', 'Mi', 'm', '2024-01-01', '12:30', '\u0085', '\u2028', '\ufeff', '\u00e9', '\u{1F600}', '\u0000',
];

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 8 }),
  fc.tuple(fc.constantFrom(...PIECES, ''), fc.constantFrom(...YAML_TRAPS), fc.constantFrom(...PIECES, '')).map(([a, t, b]) => a + t + b),
);

/** Reads one document with js-yaml's default schema (YAML 1.2 core plus timestamps and merge keys). */
const jsYamlLoad = (text: string): ReadBack => {
  try {
    return { value: yaml.load(text) };
  } catch (e) {
    return { error: String(e) };
  }
};

/** The documents one string goes into: a template line through yamlScalar, and a dumpYaml document with it as a value and a key. */
const scalarDoc = (s: string): string => `v: ${yamlScalar(s)}\n`;
const dumpDoc = (s: string): string => dumpYaml({ v: s, list: [s], keys: { [s]: 1 } });

/** What is wrong with `read` for `s`, if anything. */
function problem(s: string, kind: 'scalar' | 'dump', read: ReadBack): string | null {
  if ('error' in read) return read.error.split('\n')[0]!;
  const doc = read.value as { v?: unknown; list?: unknown[]; keys?: Record<string, unknown> } | null;
  const got = [doc?.v, ...(kind === 'dump' ? [doc?.list?.[0], Object.keys(doc?.keys ?? {})[0]] : [])];
  const bad = got.find((g) => g !== s);
  return got.every((g) => g === s) ? null : `read ${JSON.stringify(bad)}`;
}

/** Every reader's failures, asserted together at the end so one run shows what each reader caught. */
const failed: string[] = [];
function report(reader: string, cases: readonly string[], failures: string[]): void {
  if (failures.length > 0) failed.push(`${reader}: ${failures.length} of ${cases.length} strings did not read back (seed ${SEED}):\n${failures.slice(0, 12).join('\n')}`);
}

test('plain only for a name or a Kubernetes quantity that is no YAML 1.1 word', () => {
  for (const s of ['hello-flask', '250m', '512Mi', '1.5Gi', '/healthz', 'eu-west-1', 'pipewright.dev/agent']) assert.is(yamlScalar(s), s);
  // Of the traps, only these are plain: names and quantities that every reader takes as strings.
  const plain = new Set(['250m', '768Mi', '1.5Gi', '1E', 'inf', 'nan', 'NaN']);
  for (const s of YAML_TRAPS) {
    assert.is(isPlainSafe(s), plain.has(s), JSON.stringify(s));
    assert.is(yamlScalar(s).startsWith('"'), !plain.has(s), JSON.stringify(s));
  }
  // The bug in issue 15: 0xAB went out plain and kubectl read the integer 171.
  assert.is(yamlScalar('0xAB'), '"0xAB"');
  // js-yaml alone would write these plain (its YAML 1.2 schema reads them as strings; YAML 1.1 does not).
  for (const s of ['1_000', '0x_1F', '+.5', '1_2.5']) assert.is(dumpYaml(s), `'${s}'\n`, s);
  assert.is(dumpYaml({ image: 'python:3.12', cpu: '250m', port: 8080, tty: true }), "image: 'python:3.12'\ncpu: 250m\nport: 8080\ntty: true\n");
});

test('property: js-yaml reads back every string (shrinks a failure to the smallest one; 5000 runs)', () => {
  fc.assert(
    fc.property(anyString, (s) => {
      for (const [kind, text] of [['scalar', scalarDoc(s)], ['dump', dumpDoc(s)]] as const) {
        const p = problem(s, kind, jsYamlLoad(text));
        if (p) throw new Error(`${kind}: ${JSON.stringify(s)} → ${text.trimEnd()} → ${p}`);
      }
    }),
    { numRuns: 5000 },
  );
});

test(`property: ${YAML_TRAPS.length} traps and ${NUM_RUNS} random strings read back the same through js-yaml, PyYAML and kubectl kustomize`, () => {
  const started = Date.now();
  const cases = [...YAML_TRAPS, ...fc.sample(anyString, { numRuns: NUM_RUNS, seed: SEED })];
  const docs = cases.flatMap((s) => [scalarDoc(s), dumpDoc(s)]);
  const check = (reader: string, reads: ReadBack[]) => {
    const failures: string[] = [];
    cases.forEach((s, i) => {
      for (const [j, kind] of (['scalar', 'dump'] as const).entries()) {
        const p = problem(s, kind, reads[2 * i + j]!);
        if (p) failures.push(`  ${kind} ${JSON.stringify(s)} as ${JSON.stringify(docs[2 * i + j])}: ${p}`);
      }
    });
    report(reader, cases, failures);
  };
  let lapStart = Date.now();
  const lap = (): string => {
    const s = `${((Date.now() - lapStart) / 1000).toFixed(1)} s`;
    lapStart = Date.now();
    return s;
  };
  check('js-yaml (YAML 1.2)', docs.map(jsYamlLoad));
  const readers = [`js-yaml ${lap()}`];

  // PyYAML: one python3 process reads every document.
  if (hasPyYaml) {
    check('PyYAML (YAML 1.1)', pyyamlLoadAll(docs));
    readers.push(`PyYAML ${lap()}`);
  }

  // kubectl kustomize: one run over a Deployment whose env values are written as the overlay
  // template writes them (yamlScalar) and a ConfigMap written by dumpYaml; its output read as
  // kubectl reads it (readKustomized). Strings with a character kustomize cannot carry (the
  // config refuses them in env values) are left out; kustomize.test.ts shows kustomize failing on them.
  if (hasKubectl) {
    const t = tempDir();
    const writable = cases.filter((s) => !KUSTOMIZE_UNWRITABLE.test(s));
    try {
      const env = writable.map((s, i) => `            - name: V${i}\n              value: ${yamlScalar(s)}\n`).join('');
      const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: traps\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n${env}`;
      const configMap = dumpYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'traps' }, data: Object.fromEntries(writable.map((s, i) => [`k${i}`, s])) });
      const out = kustomizeBuild(path.join(t.dir, 'k'), {
        'kustomization.yaml': 'resources:\n  - deployment.yaml\n  - configmap.yaml\n',
        'deployment.yaml': deployment,
        'configmap.yaml': configMap,
      });
      const objs = readKustomized(out) as { kind: string; data?: Record<string, string>; spec?: any }[];
      const built = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as { name: string; value?: string }[];
      const data = objs.find((o) => o.kind === 'ConfigMap')!.data ?? {};
      const failures: string[] = [];
      writable.forEach((s, i) => {
        const e = built.find((x) => x.name === `V${i}`);
        // kustomize leaves out an empty value: the API reads a missing value as "".
        if ((e?.value ?? '') !== s) failures.push(`  env ${JSON.stringify(s)}: read ${JSON.stringify(e?.value)}`);
        if ((data[`k${i}`] ?? '') !== s) failures.push(`  configmap ${JSON.stringify(s)}: read ${JSON.stringify(data[`k${i}`])}`);
      });
      report('kubectl kustomize', writable, failures);
      readers.push(`kubectl kustomize (${writable.length} of the ${cases.length} strings) ${lap()}`);
    } finally {
      t.cleanup();
    }
  }
  assert.ok(failed.length === 0, failed.join('\n'));
  console.log(`  yaml round trip: ${cases.length} strings (${YAML_TRAPS.length} traps + numRuns ${NUM_RUNS}, seed ${SEED}) × 2 writers through ${readers.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
});

test.run();
