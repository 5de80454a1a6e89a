// Strings that some YAML reader takes for something other than that string when written plain,
// and the three real readers the YAML tests read our output back with. Shared by
// yaml-scalar.test.ts (the property test) and kustomize.test.ts (`pipewright generate` end to end).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Every case spelling of a word: `on`, `On`, `oN`, `ON`. */
function allCases(word: string): string[] {
  let out = [''];
  for (const ch of word) out = out.flatMap((p) => (ch.toLowerCase() === ch.toUpperCase() ? [p + ch] : [p + ch.toLowerCase(), p + ch.toUpperCase()]));
  return out;
}

const INDICATORS = ['*', '&', '!', '%', '@', '`', '-', '?', ':', '#', '|', '>', "'", '"', '{', '[', '}', ']', ',', '<', '='];

export const YAML_TRAPS: readonly string[] = [
  // YAML 1.1 booleans and nulls, in every case; 1.2 nulls; inf and nan.
  ...['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null'].flatMap(allCases),
  '~', '', '.inf', '-.inf', '+.inf', '.Inf', '.INF', '.nan', '.NaN', '.NAN', 'inf', 'nan', 'NaN',
  // integers: hex, octal (1.1 and 1.2), binary, underscores, signs.
  '0xAB', '0XAB', '0x_1F', '-0x1F', '+0xAB', '0755', '0o17', '0O17', '-0o17', '0b101', '-0b1_0', '1_000', '1__0', '+12', '-12', '012', '0', '-0',
  // floats: exponents, leading or trailing dots, underscores, Go-style hex floats.
  '1e3', '1E3', '1e+3', '1.5e-3', '.5', '+.5', '-.5', '1.', '1_2.5', '6.8523015e+5', '685.230_15e+03', '0x1p-2',
  // dates, times and sexagesimal numbers (YAML 1.1 base 60).
  '2024-01-01', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2002-12-14', '12:30:00', '12:30', '1:20', '-1:20', '190:20:30.15', '1:20.5',
  // YAML 1.1 merge and value keys, document markers, and a leading indicator.
  '=', '<<', '---', '...', '--- x', ...INDICATORS, ...INDICATORS.map((c) => `${c}x`),
  // shapes the plain writer might accept but must not: quantities and names at their edges.
  '250m', '768Mi', '1.5Gi', '1E', '1e', '0x', '0o', '0b', 'a:', 'a: b', 'a :b', 'a #b', 'a#b', 'arn:aws:iam::1:role/x', 'python:3.12', 'http://x:80/y',
  // spaces, line breaks, control characters, unicode.
  ' a', 'a ', ' ', '\t', 'a\tb', '\n', 'a\nb', 'a\n', '\na', ' \n ', 'a\r\nb', '\r', '\u0000', '\u0007', '\u001b[31m', '\u007f',
  '\u0085x', 'x\u0085', '\u00a0', '\u2028', 'a\u2029b', '\ufeffx', '\ufffd', '\uffff', 'é', 'ünïcødé ☃', '\u{1F600}', 'e\u0301', '\\', '\\n', '"\\"',
];

/** What a reader read for one text: its documents, or what stopped it. */
export type ReadBack = { value: unknown } | { error: string };

/**
 * PyYAML (YAML 1.1) over many texts in ONE python process: a JSON list of YAML texts in, a JSON
 * list out. `yaml.safe_load`; or, with `kubectl`, the SafeLoader without the YAML 1.1 types that
 * kubectl's go-yaml v2 leaves as strings in an untyped value (`=`, `<<` and timestamps, which
 * kustomize writes plain), on libyaml (go-yaml is a port of it) when PyYAML has it, for reading what kustomize writes: kyaml writes raw U+2028 and U+2029 the
 * YAML 1.1 way, which YAML 1.1 readers read back right and js-yaml does not. A value JSON cannot
 * hold (a date, bytes) comes back as its type and repr.
 */
export function pyyamlLoadAll(texts: readonly string[], opts: { kubectl?: boolean } = {}): ReadBack[] {
  const script = [
    'import sys, json, yaml',
    'class Kubectl(getattr(yaml, "CSafeLoader", yaml.SafeLoader)): pass',
    'Kubectl.yaml_implicit_resolvers = {k: [(t, r) for t, r in v if t not in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:timestamp")] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}',
    `load = ${opts.kubectl ? 'lambda t: list(yaml.load_all(t, Loader=Kubectl))' : 'yaml.safe_load'}`,
    'out = []',
    'for t in json.loads(sys.stdin.buffer.read().decode("utf-8")):',
    '    try: out.append({"value": load(t)})',
    '    except Exception as e: out.append({"error": type(e).__name__ + ": " + str(e)})',
    'sys.stdout.write(json.dumps(out, default=lambda o: {"python": type(o).__name__, "repr": repr(o)}))',
  ].join('\n');
  const res = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`python3 failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as ReadBack[];
}

/** The YAML `kubectl kustomize <dir>` writes (one run). */
export function kustomize(dir: string): string {
  const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`kubectl kustomize failed: ${res.stderr}`);
  return res.stdout;
}

/** kustomize() over a fresh directory holding `files`. */
export function kustomizeBuild(dir: string, files: Readonly<Record<string, string>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return kustomize(dir);
}

/**
 * kustomize's output as kubectl reads it (PyYAML, see pyyamlLoadAll). Not with js-yaml: kyaml
 * writes U+2028 and U+2029 raw, the YAML 1.1 way, and js-yaml then misreads or refuses the stream.
 */
export function readKustomized(text: string): unknown[] {
  const py = pyyamlLoadAll([text], { kubectl: true })[0]!;
  if ('error' in py) throw new Error(`PyYAML cannot read kustomize's output: ${py.error}`);
  return py.value as unknown[];
}
