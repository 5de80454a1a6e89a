import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTsConfig } from '../src/config/ts-config.js';
import { defineConfig } from '../src/config/define.js';
import { ConfigError, type ConfigProblem } from '../src/core/errors.js';
import { tempDir } from './helpers.js';

const FILE = 'pipewright.config.ts';
const STATIC = 'would need execution; pipewright reads pipewright.config.ts statically — write the value as a literal';

/** The problems of the ConfigError that reading `src` throws (fails if it does not throw one). */
function problemsOf(src: string): readonly ConfigProblem[] {
  try {
    readTsConfig(src, FILE);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    assert.is(e.file, FILE);
    return e.problems;
  }
  assert.unreachable(`expected a ConfigError for:\n${src}`);
  return [];
}

/** 1-based line and column of the first occurrence of `needle` in `src`. */
function at(src: string, needle: string, from = 0): { line: number; column: number } {
  const i = src.indexOf(needle, from);
  if (i < 0) throw new Error(`test bug: ${needle} not in source`);
  const before = src.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const strip = (ps: readonly ConfigProblem[]) => ps.map((p) => ({ path: p.path, line: p.line, column: p.column }));

test('the example config gives exactly the expected object', () => {
  const src = [
    "import { defineConfig } from 'pipewright';",
    'export default defineConfig({',
    "  app: 'hello-flask',",
    "  aws: { accountId: '123456789012', region: 'eu-west-1' },",
    "  environments: [ { name: 'develop', branch: 'develop', replicas: 1, env: { LOG_LEVEL: 'debug' } } ],",
    '});',
    '',
  ].join('\n');
  const got = readTsConfig(src, FILE);
  assert.equal(got, {
    app: 'hello-flask',
    aws: { accountId: '123456789012', region: 'eu-west-1' },
    environments: [{ name: 'develop', branch: 'develop', replicas: 1, env: { LOG_LEVEL: 'debug' } }],
  });
  // plain data: ordinary objects and arrays
  assert.is(Object.getPrototypeOf(got), Object.prototype);
  assert.ok(Array.isArray((got as { environments: unknown }).environments));
});

test('`const config = defineConfig({...}); export default config;` is accepted', () => {
  const src = [
    "import { defineConfig } from 'pipewright';",
    "const config = defineConfig({ app: 'a', aws: { region: 'eu-west-1' } });",
    'export default config;',
  ].join('\n');
  assert.equal(readTsConfig(src, FILE), { app: 'a', aws: { region: 'eu-west-1' } });
});

test('namespace import `pw.defineConfig({...})` and type arguments are accepted', () => {
  const src = "import * as pw from 'pipewright';\nexport default pw.defineConfig<Cfg>({ app: 'a' });";
  assert.equal(readTsConfig(src, FILE), { app: 'a' });
});

test('as const, satisfies, type assertions, parentheses, literal spreads, negative numbers, string keys, separators', () => {
  const src = [
    "import { defineConfig, type Config } from 'pipewright';",
    'const shared = { ignored: true }; // never read',
    'export default defineConfig(({',
    "  'quoted-key': 1,",
    '  ["computed"]: 2,',
    '  [`tpl`]: 3,',
    "  42: 'numeric key',",
    "  0x10: 'hex key',",
    '  big: 1_000_000,',
    '  hex: 0xff, bin: 0b1010, oct: 0o17, exp: 1.5e3, frac: .5,',
    '  neg: -3, negFloat: -0.25, negParen: -(7), negSep: -1_024,',
    "  str: 'a\\tb\\u00e9', dq: \"x\\\"y\", tpl: `no subs\\n`,",
    '  t: true, f: false, n: null,',
    "  tuple: ['a', 'b'] as const,",
    "  sat: { level: 'debug' } satisfies Record<string, string>,",
    "  cast: <string>'cast', nn: ('bang')!, asType: 5 as number,",
    "  ...{ spreadA: 1, dup: 'first' },",
    "  dup: 'second',",
    '  ...({ late: true, dup: \'third\' } as const),',
    '  arr: [0, ...[1, 2], ...([3] as const), 4],',
    '  nested: { deep: [{ x: [[]] }, {}] },',
    '} as const) satisfies Config);',
  ].join('\n');
  assert.equal(readTsConfig(src, FILE), {
    '16': 'hex key',
    '42': 'numeric key',
    'quoted-key': 1,
    computed: 2,
    tpl: 'no subs\n',
    big: 1000000,
    hex: 255,
    bin: 10,
    oct: 15,
    exp: 1500,
    frac: 0.5,
    neg: -3,
    negFloat: -0.25,
    negParen: -7,
    negSep: -1024,
    str: 'a\tbé',
    dq: 'x"y',
    t: true,
    f: false,
    n: null,
    tuple: ['a', 'b'],
    sat: { level: 'debug' },
    cast: 'cast',
    nn: 'bang',
    asType: 5,
    spreadA: 1,
    dup: 'third',
    late: true,
    arr: [0, 1, 2, 3, 4],
    nested: { deep: [{ x: [[]] }, {}] },
  });
});

test('duplicate keys: the later one wins, keeping the first position (like JS)', () => {
  const got = readTsConfig("export default defineConfig({ a: 1, b: 2, a: 3, ...{ b: 4 } });", FILE);
  assert.equal(got, { a: 3, b: 4 });
  assert.equal(Object.keys(got as object), ['a', 'b']);
});

test('a `__proto__` key is plain data and does not touch any prototype', () => {
  const got = readTsConfig('export default defineConfig({ "__proto__": { polluted: true }, a: { ["__proto__"]: 1 } });', FILE) as Record<
    string,
    unknown
  >;
  assert.ok(Object.prototype.hasOwnProperty.call(got, '__proto__'));
  assert.is(Object.getPrototypeOf(got), Object.prototype);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.keys(got), ['__proto__', 'a']);
});

// Each refused construct, placed at a known line/column and key path.
const valueCases: [string, string][] = [
  ['a function call', 'foo()'],
  ['a method call on an import', 'os.hostname()'],
  ['process.env access', 'process.env.TOKEN'],
  ['a variable', 'someVar'],
  ['a property access', 'os.hostname'],
  ['an element access', "secrets['token']"],
  ['a template literal with substitutions', '`tok-${suffix}`'],
  ['a tagged template', 'String.raw`x`'],
  ['a function expression', 'function () { return 1; }'],
  ['an arrow function', '() => "x"'],
  ['a new expression', 'new Date()'],
  ['undefined', 'undefined'],
  ['a regex literal', '/^x+$/'],
  ['a binary expression', "'a' + 'b'"],
  ['a conditional', "prod ? 'a' : 'b'"],
  ['a unary other than minus', '!0'],
  ['a minus on a non-number', '-someVar'],
  ['an await', 'await load()'],
  ['a class expression', 'class {}'],
  ['a bigint', '10n'],
  ['an infinite number', '1e400'],
  ['this', 'this'],
];

for (const [name, expr] of valueCases) {
  test(`refused value: ${name} (${expr})`, () => {
    const src = [
      "import { defineConfig } from 'pipewright';",
      "import os from 'node:os';",
      'export default defineConfig({',
      "  app: 'x',",
      '  environments: [',
      `    { name: 'a', env: { TOKEN: ${expr} } },`,
      '  ],',
      '});',
    ].join('\n');
    const problems = problemsOf(src);
    assert.equal(strip(problems), [{ path: 'environments.0.env.TOKEN', line: 6, column: '    { name: \'a\', env: { TOKEN: '.length + 1 }]);
    const msg = problems[0]!.message;
    if (name === 'a bigint') assert.match(msg, 'bigint literal `10n` is not a JSON number');
    else if (name === 'an infinite number') assert.match(msg, 'finite');
    else if (name === 'undefined') assert.match(msg, '`undefined`');
    else assert.ok(msg.endsWith(STATIC), msg);
    assert.ok(msg.includes(expr.split('\n')[0]!.slice(0, 10)) || name === 'undefined', `message names the construct: ${msg}`);
  });
}

test('messages say what the construct is', () => {
  const src = [
    'export default defineConfig({',
    '  a: foo(),',
    '  b: someVar,',
    '  c: os.hostname,',
    '  d: `x${y}`,',
    '  e: () => 1,',
    '  f: new Map(),',
    '  g: /re/g,',
    '  h,',
    '  i() { return 1; },',
    '  get j() { return 1; },',
    '  set k(v) {},',
    '  ...base,',
    '  l: [...list],',
    '});',
  ].join('\n');
  const messages = problemsOf(src).map((p) => p.message.replace(` ${STATIC}`, ''));
  assert.equal(messages, [
    'the function call `foo()`',
    'the variable reference `someVar`',
    'the property access `os.hostname`',
    'the template literal `x${y}` with ${} substitutions',
    'the function `() => 1`',
    'the `new` expression `new Map()`',
    'the regular expression literal `/re/g`',
    'the shorthand property `{ h }` (a reference to the variable `h`)',
    'the method `i() { … }`',
    'the getter `get j() { … }`',
    'the setter `set k(…) { … }`',
    'the spread `...base` of something that is not an object literal',
    'the spread `...list` of something that is not an array literal',
  ]);
});

test('refused property forms: shorthand, method, getter, setter, non-literal computed key, non-literal spreads', () => {
  const lines = [
    "import { defineConfig } from 'pipewright';",
    "const app = 'x', KEY = 'k', base = {}, list = [];",
    'export default defineConfig({',
    '  app,',
    '  env: {',
    '    build() { return 1; },',
    "    get TOKEN() { return 'x'; },",
    '    set OTHER(v: string) {},',
    '    [KEY]: 1,',
    '    ...base,',
    '    ...[1, 2],',
    '  },',
    "  tags: ['a', ...list, 'b', ...('c' as any)],",
    '});',
  ];
  const src = lines.join('\n');
  const problems = problemsOf(src);
  assert.equal(strip(problems), [
    { path: 'app', line: 4, column: 3 },
    { path: 'env.build', line: 6, column: 5 },
    { path: 'env.TOKEN', line: 7, column: 5 },
    { path: 'env.OTHER', line: 8, column: 5 },
    { path: 'env', line: 9, column: 5 },
    { path: 'env', line: 10, column: 5 },
    { path: 'env', line: 11, column: 5 },
    // indices count the elements already read, spread slots included
    { path: 'tags.1', ...at(src, '...list') },
    { path: 'tags.3', ...at(src, "...('c'") },
  ]);
  assert.match(problems[0]!.message, 'shorthand property `{ app }`');
  assert.match(problems[4]!.message, 'computed property name `[KEY]`');
  assert.match(problems[6]!.message, 'spreading an array literal into an object');
});

test('several bad constructs across lines give several problems in one ConfigError, in source order', () => {
  const src = [
    "import { defineConfig } from 'pipewright';",
    "import { hostname } from 'node:os';",
    'export default defineConfig({',
    '  app: process.env.APP_NAME,',
    "  aws: { accountId: '123456789012', region: region() },",
    '  environments: [',
    "    { name: 'develop', replicas: 1 },",
    "    { name: 'prod', replicas: count, env: { HOST: hostname(), TAG: `v${1}` } },",
    '  ],',
    '});',
  ].join('\n');
  let err: unknown;
  try {
    readTsConfig(src, FILE);
  } catch (e) {
    err = e;
  }
  assert.instance(err, ConfigError);
  const ce = err as ConfigError;
  assert.equal(strip(ce.problems), [
    { path: 'app', line: 4, column: 8 },
    { path: 'aws.region', line: 5, column: 45 },
    { path: 'environments.1.replicas', line: 8, column: 31 },
    { path: 'environments.1.env.HOST', line: 8, column: 51 },
    { path: 'environments.1.env.TAG', line: 8, column: 68 },
  ]);
  const lines = ce.message.split('\n');
  assert.is(lines.length, 5);
  assert.is(lines[0], `${FILE}:4:8: app: the property access \`process.env.APP_NAME\` ${STATIC}`);
  assert.is(lines[3], `${FILE}:8:51: environments.1.env.HOST: the function call \`hostname()\` ${STATIC}`);
});

test('array holes are refused at their index', () => {
  const src = 'export default defineConfig({ xs: [1, , 3] });';
  assert.equal(strip(problemsOf(src)), [{ path: 'xs.1', line: 1, column: 39 }]);
});

test('no defineConfig call → error at 1:1', () => {
  for (const src of ['', "export default { app: 'x' };", "import { defineConfig } from 'pipewright';\nexport default { app: 'x' } satisfies Config;"]) {
    const problems = problemsOf(src);
    assert.equal(strip(problems), [{ path: '', line: 1, column: 1 }]);
    assert.is(problems[0]!.message, 'no defineConfig({...}) call found');
  }
});

test('more than one defineConfig call → error at the second', () => {
  const src = [
    "import { defineConfig } from 'pipewright';",
    "export const a = defineConfig({ app: 'a' });",
    "export default   defineConfig({ app: 'b' });",
  ].join('\n');
  const problems = problemsOf(src);
  assert.equal(strip(problems), [{ path: '', line: 3, column: 18 }]);
  assert.match(problems[0]!.message, 'more than one defineConfig');
  assert.match(problems[0]!.message, '2:18');
});

test('defineConfig must get exactly one object literal', () => {
  assert.equal(strip(problemsOf('export default defineConfig();')), [{ path: '', line: 1, column: 16 }]);
  assert.equal(strip(problemsOf('export default defineConfig({}, {});')), [{ path: '', line: 1, column: 33 }]);
  const arr = problemsOf('export default defineConfig([1, 2]);');
  assert.equal(strip(arr), [{ path: '', line: 1, column: 29 }]);
  assert.match(arr[0]!.message, 'object literal');
  const ref = problemsOf("const c = { app: 'x' };\nexport default defineConfig(c);");
  assert.equal(strip(ref), [{ path: '', line: 2, column: 29 }]);
  assert.match(ref[0]!.message, STATIC);
  assert.equal(strip(problemsOf("export default defineConfig('x');")), [{ path: '', line: 1, column: 29 }]);
});

test('a syntax error gives the parser position', () => {
  const src = [
    "import { defineConfig } from 'pipewright';",
    'export default defineConfig({',
    "  app: 'x'",
    "  aws: { region: 'eu-west-1' },",
    '});',
  ].join('\n');
  const problems = problemsOf(src);
  assert.ok(problems.length >= 1);
  assert.equal(strip(problems).slice(0, 1), [{ path: '', line: 4, column: 3 }]);
  assert.match(problems[0]!.message, /^syntax error: /);
  assert.match(problems[0]!.message, "',' expected");

  const unterminated = problemsOf("export default defineConfig({ app: 'x });");
  assert.is(unterminated[0]!.line, 1);
  assert.match(unterminated[0]!.message, 'Unterminated string literal');
});

test('the file is never executed: top-level throw, process.exit and imports with side effects do nothing', () => {
  const { dir, cleanup } = tempDir();
  try {
    const marker = path.join(dir, 'executed.txt');
    const sideEffect = path.join(dir, 'side-effect.mjs');
    writeFileSync(sideEffect, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const src = [
      `import ${JSON.stringify(pathToFileURL(sideEffect).href)};`,
      "import { defineConfig } from 'pipewright';",
      "(globalThis as any).__pipewrightExecuted = true;",
      "require('node:child_process').execSync('touch " + marker + "');",
      'process.exit(1);',
      "throw new Error('executed!');",
      "export default defineConfig({ app: 'safe' });",
    ].join('\n');
    assert.equal(readTsConfig(src, FILE), { app: 'safe' });
    assert.is((globalThis as Record<string, unknown>).__pipewrightExecuted, undefined);
    assert.not.ok(existsSync(marker), 'the config (or its import) ran');
  } finally {
    cleanup();
  }
});

test('defineConfig (the runtime helper) is the identity', () => {
  const cfg = { app: 'x', environments: [{ name: 'develop' }] };
  assert.is(defineConfig(cfg), cfg);
});

test('property: any JSON value written as a literal reads back equal', () => {
  const noNegZeroOrProto = (v: unknown): boolean => {
    if (Object.is(v, -0)) return false;
    if (Array.isArray(v)) return v.every(noNegZeroOrProto);
    if (v !== null && typeof v === 'object') {
      return Object.keys(v).every((k) => k !== '__proto__' && noNegZeroOrProto((v as Record<string, unknown>)[k]));
    }
    return true;
  };
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }).filter(noNegZeroOrProto), (v) => {
      const src = 'export default defineConfig(' + JSON.stringify({ x: v }) + ')';
      assert.equal(readTsConfig(src, FILE), { x: v });
    }),
    { numRuns: 200 },
  );
});

test.run();
