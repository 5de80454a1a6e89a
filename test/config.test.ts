import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { validateConfig } from '../src/config/validate.js';
import { parseConfigText } from '../src/config/load.js';
import { loadProject } from '../src/commands/common.js';
import { resolveModel } from '../src/model/model.js';
import { ConfigError } from '../src/core/errors.js';
import { renderJenkinsfile } from '../src/render/jenkins/pipeline.js';
import { renderKustomize } from '../src/render/kubernetes/kustomize.js';
import { loadTemplates } from '../src/config/templates.js';
import { fromRoot, runCli, tempDir } from './helpers.js';

const minimal = { app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' } };

function problemsOf(data: unknown): string[] {
  try {
    resolveModel(validateConfig(data, 'pipewright.yaml'), 'pipewright.yaml');
  } catch (e) {
    assert.instance(e, ConfigError);
    return (e as Error).message.split('\n');
  }
  return [];
}

test('the minimal config gets the smallcase layout', () => {
  const m = resolveModel(validateConfig(minimal, 'pipewright.yaml'), 'pipewright.yaml');
  assert.equal(
    m.environments.map((e) => [e.branch, e.name, e.namespace, e.production, e.approval]),
    [
      ['develop', 'develop', 'shop-develop', false, false],
      ['staging', 'green', 'shop-green', false, false],
      ['master', 'blue', 'shop-blue', true, true],
    ],
  );
  assert.is(m.image.uri, '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop');
  assert.equal(
    m.rules.branches.map((r) => [r.branch, r.mergeFrom, r.directCommits, r.branchFrom, r.releaseTag?.name ?? null]),
    [
      ['develop', null, true, true, null],
      ['staging', ['develop'], false, false, 'beta'],
      ['master', ['staging'], false, false, 'stable'],
    ],
  );
  assert.ok(new RegExp(m.rules.branches[2]!.releaseTag!.pattern).test('v1.2.3'));
  assert.not.ok(new RegExp(m.rules.branches[2]!.releaseTag!.pattern).test('v1.2.3-beta.1'));
  assert.ok(new RegExp(m.rules.branches[1]!.releaseTag!.pattern).test('v1.2.3-beta.4'));
  assert.equal(m.environments[0]!.clusters, [{ name: 'main', region: 'eu-west-1' }]);
  assert.equal(m.environments[0]!.resources.requests, { cpu: '250m', memory: '768Mi' });
});

test('custom environments derive their rules from the order; defaults merge under each environment', () => {
  const m = resolveModel(
    validateConfig(
      {
        ...minimal,
        defaults: { replicas: 2, env: { A: 'a', B: 1 } },
        environments: [
          { name: 'dev', branch: 'main' },
          { name: 'qa', branch: 'release/qa', namespace: 'qa-shop', env: { B: 'two' } },
          { name: 'prod', branch: 'prod', production: true, approval: false, replicas: 5 },
        ],
      },
      'x.yaml',
    ),
    'x.yaml',
  );
  assert.equal(m.rules.branches.map((r) => [r.branch, r.mergeFrom]), [
    ['main', null],
    ['release/qa', ['main']],
    ['prod', ['release/qa']],
  ]);
  assert.equal(m.environments.map((e) => e.replicas), [2, 2, 5]);
  assert.equal(m.environments[1]!.env, [
    { name: 'A', value: 'a' },
    { name: 'B', value: 'two' },
  ]);
  assert.is(m.environments[1]!.namespace, 'qa-shop');
  assert.is(m.environments[1]!.imageTag.startsWith('release-qa--'), true);
  assert.is(m.environments[2]!.approval, false);
});

test('productionBranch: main feeds blue, and the rules, release tags and image tag follow it', () => {
  const m = resolveModel(validateConfig({ ...minimal, productionBranch: 'main' }, 'pipewright.yaml'), 'pipewright.yaml');
  assert.equal(m.environments.map((e) => [e.branch, e.name, e.production]), [
    ['develop', 'develop', false],
    ['staging', 'green', false],
    ['main', 'blue', true],
  ]);
  assert.equal(
    m.rules.branches.map((r) => [r.branch, r.mergeFrom, r.directCommits, r.releaseTag?.name ?? null, r.environment]),
    [
      ['develop', null, true, null, 'develop'],
      ['staging', ['develop'], false, 'beta', 'green'],
      ['main', ['staging'], false, 'stable', 'blue'],
    ],
  );
  assert.is(m.environments[2]!.imageTag, 'main');
  assert.not.ok(JSON.stringify(m).includes('master'), 'nothing of the model still names master');
  // Written as the default, it is the default.
  assert.equal(
    resolveModel(validateConfig({ ...minimal, productionBranch: 'master' }, 'a'), 'a'),
    resolveModel(validateConfig(minimal, 'a'), 'a'),
  );
});

test('productionBranch with environments, a taken branch or a bad name: one line each, naming the key and the fix', () => {
  const withEnvs = problemsOf({
    ...minimal,
    productionBranch: 'main',
    environments: [
      { name: 'dev', branch: 'develop' },
      { name: 'prod', branch: 'master', production: true },
    ],
  });
  assert.equal(withEnvs, [
    'pipewright.yaml: productionBranch: cannot be combined with environments: it only sets the production branch of the default environments ' +
      '(allowed: set branch: main on the production environment (environments.1.branch) and remove productionBranch)',
  ]);
  assert.equal(problemsOf({ ...minimal, productionBranch: 'staging' }), [
    'pipewright.yaml: productionBranch: "staging" already deploys to the green environment (allowed: a branch other than develop and staging, such as main or master)',
  ]);
  const bad = problemsOf({ ...minimal, productionBranch: 'ma..in' });
  assert.is(bad.length, 1, bad.join('\n'));
  assert.match(bad[0]!, /^pipewright\.yaml: productionBranch: "ma\.\.in" is not a valid git branch name: .* \(allowed: a git branch name/);
  const typo = problemsOf({ ...minimal, productionbranch: 'main' });
  assert.ok(typo.some((l) => l.startsWith('pipewright.yaml: productionbranch: unknown key (did you mean "productionBranch"?)')), typo.join('\n'));
});

test('image.registry: the pushed and pulled image, the Jenkinsfile and the Deployment name it; bad hosts are refused', () => {
  const m = resolveModel(validateConfig({ ...minimal, image: { registry: 'ecr-mirror.example.internal:5000' } }, 'a'), 'a');
  assert.is(m.image.registry, 'ecr-mirror.example.internal:5000');
  assert.is(m.image.uri, 'ecr-mirror.example.internal:5000/shop');
  // The ECR API side stays the account's, in its region.
  assert.equal(m.aws, resolveModel(validateConfig(minimal, 'a'), 'a').aws);
  const t = loadTemplates({ groups: ['vars-templates', 'kustomize'], configFile: 'a' });
  assert.match(renderJenkinsfile(m, t).contents, "pipewrightImage(repository: 'shop', registry: 'ecr-mirror.example.internal:5000', region: 'eu-west-1',");
  const deployment = renderKustomize(m, t).find((f) => f.path === 'kustomize/base/deployment.yaml')!;
  assert.match(deployment.contents, 'image: "ecr-mirror.example.internal:5000/shop"');
  for (const bad of ['https://ecr.example.com', 'ecr.example.com/path', 'ECR.example.com', 'ecr.example.com:0', 'ecr..example.com', '']) {
    const lines = problemsOf({ ...minimal, image: { registry: bad } });
    assert.is(lines.length, 1, `${bad}: ${lines.join('\n')}`);
    assert.match(lines[0]!, /^pipewright\.yaml: image\.registry: .*\(allowed: a registry host, optionally with :port/);
  }
});

test('the published JSON Schema offers productionBranch', () => {
  const schema = JSON.parse(readFileSync(fromRoot('schema/pipewright.schema.json'), 'utf8'));
  assert.is(schema.properties.productionBranch.type, 'string');
  assert.match(schema.properties.productionBranch.description, 'Default "master"');
});

test('every problem is reported in one pass as file: key.path: message (allowed: …)', () => {
  const lines = problemsOf({
    app: 'Bad_Name',
    aws: { accountId: 123456789012, region: 'europe' },
    environments: [{ name: 'dev', branch: 'a..b', replicas: 'three', colour: 'x' }],
    extra: 1,
  });
  assert.ok(lines.length >= 6, lines.join('\n'));
  const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `no line matches ${re}:\n${lines.join('\n')}`);
  has(/^pipewright\.yaml: app: string "Bad_Name" is not valid \(allowed: lowercase letters/);
  has(/^pipewright\.yaml: aws\.accountId: must be a quoted string: YAML reads unquoted digits as a number \(allowed: exactly 12 digits/);
  has(/^pipewright\.yaml: aws\.region: .* \(allowed: an AWS region/);
  has(/^pipewright\.yaml: environments\.0\.branch: "a\.\.b" is not a valid git branch name: it may not contain '\.\.'/);
  has(/^pipewright\.yaml: environments\.0\.replicas: expected a number, got string "three" \(allowed: a whole number from 0 to 100\)/);
  has(/^pipewright\.yaml: environments\.0\.colour: unknown key \(allowed: name, branch, namespace/);
  has(/^pipewright\.yaml: extra: unknown key \(allowed: \$schema, app, aws/);
});

test('did-you-mean for a misspelt key, and missing keys are named', () => {
  const lines = problemsOf({ app: 'shop', aws: { acountId: '123456789012' } });
  assert.ok(lines.includes('pipewright.yaml: aws.accountId: is required (allowed: exactly 12 digits, quoted, e.g. "123456789012")'), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('pipewright.yaml: aws.acountId: unknown key (did you mean "accountId"?)')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('pipewright.yaml: aws.region: is required')), lines.join('\n'));
});

test('cross-field problems: duplicates, unknown tag pattern and merge source', () => {
  const lines = problemsOf({
    app: 'a'.repeat(40),
    aws: minimal.aws,
    environments: [
      { name: 'dev', branch: 'develop' },
      { name: 'dev', branch: 'develop' },
      { name: 'production-eu-west', branch: 'master' },
    ],
    rules: { branches: { master: { mergeFrom: ['stagin'], releaseTag: 'gold' } } },
  });
  const text = lines.join('\n');
  assert.match(text, 'environments.1.name: "dev" is already used by environments.0');
  assert.match(text, 'environments.1.branch: "develop" is already used by environments.0');
  assert.match(text, 'rules.branches.master.releaseTag: no tag pattern is named "gold" (allowed: stable, beta)');
  assert.match(text, 'rules.branches.master.mergeFrom.0: "stagin" is neither an environment branch nor a branch with rules');
});

test('YAML syntax errors carry a line and column', async () => {
  try {
    await parseConfigText('app: shop\naws: [unclosed\n', 'pipewright.yaml');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /^pipewright\.yaml:3:1: not valid YAML: /);
  }
});

test('pipewright.config.ts gives the same model as the equivalent YAML', async () => {
  const ymlText = readFileSync(fromRoot('examples/hello-flask/pipewright.yaml'), 'utf8');
  const tsText = readFileSync(fromRoot('test/fixtures/hello-flask.config.ts'), 'utf8');
  const fromYaml = resolveModel(validateConfig(await parseConfigText(ymlText, 'pipewright.yaml'), 'a'), 'pipewright');
  const fromTs = resolveModel(validateConfig(await parseConfigText(tsText, 'pipewright.config.ts'), 'a'), 'pipewright');
  assert.equal(fromTs, fromYaml);
  assert.is(fromTs.environments[2]!.clusters.length, 2);
});

test('loadConfig finds pipewright.config.ts and refuses two configs at once', async () => {
  const t = tempDir();
  try {
    writeFileSync(path.join(t.dir, 'pipewright.config.ts'), readFileSync(fromRoot('test/fixtures/hello-flask.config.ts')));
    const { model } = await loadProject({ cwd: t.dir });
    assert.is(model.configFile, 'pipewright.config.ts');
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), yaml.dump(minimal));
    const res = runCli(['validate'], { cwd: t.dir });
    assert.is(res.status, 2);
    assert.match(res.stderr, 'more than one config');
  } finally {
    t.cleanup();
  }
});

test('the CLI reports bad config with exit code 2 and no stack trace', () => {
  const t = tempDir();
  try {
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), 'app: shop\naws:\n  accountId: 12\n  region: eu-west-1\nenvironments: 3\n');
    const res = runCli(['generate'], { cwd: t.dir });
    assert.is(res.status, 2);
    assert.is(res.stdout, '');
    assert.match(res.stderr, 'pipewright.yaml: aws.accountId: must be a quoted string');
    assert.match(res.stderr, 'pipewright.yaml: environments: expected an array, got number 3');
    assert.not.match(res.stderr, /\n\s+at /);
  } finally {
    t.cleanup();
  }
});

// --- property: no bad config crashes the loader -------------------------------------------

const exampleData = yaml.load(readFileSync(fromRoot('examples/hello-flask/pipewright.yaml'), 'utf8')) as Record<string, unknown>;

/** Every key path in a value, for picking a place to break. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [prefix, ...v.flatMap((x, i) => paths(x, [...prefix, i]))];
  if (v && typeof v === 'object') return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))];
  return [prefix];
}
const allPaths = paths(exampleData).filter((p) => p.length > 0);

function setAt(root: unknown, p: (string | number)[], value: unknown, del: boolean): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = p[p.length - 1]!;
  if (del) delete cur[last];
  else cur[last] = value;
  return copy;
}

const junk = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string(),
  fc.integer(),
  fc.constantFrom(null, true, -1, 1e99, '', '..', 'UPPER', '$(rm -rf /)', "'; drop", '${x}', [], {}),
);

const badConfig = fc.oneof(
  fc.tuple(fc.constantFrom(...allPaths), junk).map(([p, v]) => setAt(exampleData, p, v, false)),
  fc.constantFrom(...allPaths).map((p) => setAt(exampleData, p, undefined, true)),
  fc.tuple(fc.constantFrom(...allPaths), fc.string({ minLength: 1 }), junk).map(([p, k, v]) => {
    const parent = p.slice(0, -1);
    return setAt(exampleData, [...parent, `x-${k}`], v, false);
  }),
  fc.anything({ maxDepth: 3 }),
);

test('property: 1,000+ generated bad configs each give a structured ConfigError, never a crash', () => {
  let bad = 0;
  fc.assert(
    fc.property(badConfig, (data) => {
      try {
        resolveModel(validateConfig(data, 'pipewright.yaml'), 'pipewright.yaml');
        return true; // a mutation can happen to be valid (e.g. deleting an optional key)
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        assert.ok(e.problems.length > 0);
        for (const p of e.problems) {
          assert.type(p.path, 'string');
          assert.ok(p.message.length > 0);
        }
        assert.ok(e.message.split('\n').every((l) => l.startsWith('pipewright.yaml')), e.message);
        bad++;
        return true;
      }
    }),
    { numRuns: 1500, seed: 42 },
  );
  assert.ok(bad >= 1000, `only ${bad} of the generated configs were bad`);
});

test('property: random YAML text never crashes the parser', async () => {
  const texts = fc.sample(fc.string({ unit: fc.constantFrom(...'ab: -[]{}\n\'"&*!|>%@`#,?\t'.split('')) , maxLength: 40 }), { numRuns: 300, seed: 7 });
  for (const t of texts) {
    try {
      resolveModel(validateConfig(await parseConfigText(t, 'p.yaml'), 'p.yaml'), 'p.yaml');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw new Error(`crash on ${JSON.stringify(t)}: ${(e as Error).stack}`);
    }
  }
});


// ---------------------------------------------------------------------------------------------
// The bytes of a config and the shape of its messages (issue 15, point 6), through the CLI.

/** A git repository holding `files`, for `validate`/`generate` to run in. */
function repoWith(files: Record<string, string | Uint8Array>): { dir: string; cleanup: () => void } {
  const t = tempDir();
  for (const [name, data] of Object.entries(files)) writeFileSync(path.join(t.dir, name), data);
  return t;
}

const MINIMAL_YAML = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';
const noStack = (stderr: string) => assert.not.match(stderr, /\n\s+at |internal error/);

test('invalid UTF-8 in pipewright.yaml: refused with the file, byte offset, line and column; exit 2', () => {
  const bytes = Buffer.concat([Buffer.from(`${MINIMAL_YAML}defaults:\n  env:\n    GREETING: caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
  const offset = bytes.indexOf(0xe9);
  const t = repoWith({ 'pipewright.yaml': bytes });
  try {
    for (const cmd of ['validate', 'generate']) {
      const res = runCli([cmd], { cwd: t.dir });
      assert.is(res.status, 2, res.stderr);
      noStack(res.stderr);
      assert.is(res.stderr.trim(), `pipewright.yaml:7:18: not valid UTF-8: byte 0xE9 at byte offset ${offset} (allowed: UTF-8 text)`);
    }
  } finally {
    t.cleanup();
  }
});

test('invalid UTF-8 of every kind is found at its first byte; valid UTF-8 and a BOM are accepted', async () => {
  const { decodeText, firstInvalidUtf8 } = await import('../src/config/text.js');
  const cases: [number[], number][] = [
    [[0x61, 0x80], 1], // a lone continuation byte
    [[0xc0, 0xaf], 0], // overlong '/'
    [[0xe0, 0x80, 0xaf], 0], // overlong, 3 bytes
    [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
    [[0x61, 0xe2, 0x82], 1], // truncated at the end
    [[0xe2, 0x82, 0x61], 0], // truncated by ASCII
    [[0xff], 0],
  ];
  for (const [bytes, at] of cases) assert.is(firstInvalidUtf8(Uint8Array.from(bytes)), at, bytes.join(' '));
  fc.assert(
    // (after two letters: a zero byte among the first two is taken for UTF-16, which it then most likely is)
    fc.property(fc.string({ unit: 'binary' }), (s) => firstInvalidUtf8(Buffer.from(s, 'utf8')) === -1 && decodeText(Buffer.from(`ok${s}`, 'utf8'), 'f') === `ok${s}`),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), (b) => {
      const lenient = Buffer.from(b).toString('utf8');
      const valid = Buffer.from(lenient, 'utf8').equals(Buffer.from(b));
      return (firstInvalidUtf8(b) === -1) === valid;
    }),
    { numRuns: 5000 },
  );
  assert.is(decodeText(Buffer.from(`\ufeff${MINIMAL_YAML}`, 'utf8'), 'f'), MINIMAL_YAML);
});

test('a UTF-8 BOM is accepted; UTF-16 is refused as such; exit 2', () => {
  const bom = repoWith({ 'pipewright.yaml': Buffer.from(`\ufeff${MINIMAL_YAML}`, 'utf8') });
  const utf16 = repoWith({ 'pipewright.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(MINIMAL_YAML, 'utf16le')]) });
  const utf16NoBom = repoWith({ 'pipewright.yaml': Buffer.from(MINIMAL_YAML, 'utf16le') });
  try {
    const ok = runCli(['validate'], { cwd: bom.dir });
    assert.is(ok.status, 0, ok.stderr);
    const bad = runCli(['validate'], { cwd: utf16.dir });
    assert.is(bad.status, 2);
    noStack(bad.stderr);
    assert.is(bad.stderr.trim(), 'pipewright.yaml: is UTF-16 (little-endian byte order mark), not UTF-8 (allowed: UTF-8 text: save the file as UTF-8)');
    const bad2 = runCli(['validate'], { cwd: utf16NoBom.dir });
    assert.is(bad2.status, 2);
    assert.match(bad2.stderr, 'pipewright.yaml: is UTF-16 or UTF-32 (it starts with a zero byte), not UTF-8');
  } finally {
    bom.cleanup();
    utf16.cleanup();
    utf16NoBom.cleanup();
  }
});

test('invalid UTF-8 in catalog.yaml and in a template is refused the same way', () => {
  const t = repoWith({ 'catalog.yaml': Buffer.concat([Buffer.from('seed:\n  github: org/jobs\nrepositories:\n  - name: sh'), Buffer.from([0xc3, 0x28]), Buffer.from('p\n    github: org/shop\n')]) });
  try {
    const res = runCli(['jobs', '--catalog', 'catalog.yaml', '--out', 'jobs'], { cwd: t.dir });
    assert.is(res.status, 2, res.stderr);
    noStack(res.stderr);
    assert.match(res.stderr, /^catalog\.yaml:4:13: not valid UTF-8: byte 0xC3 at byte offset 51 /);
  } finally {
    t.cleanup();
  }
  const u = repoWith({ 'pipewright.yaml': `${MINIMAL_YAML}templatesDir: tpl\n` });
  try {
    mkdirSync(path.join(u.dir, 'tpl/scaffold'), { recursive: true });
    writeFileSync(path.join(u.dir, 'tpl/scaffold/dockerignore.mustache'), Buffer.from([0x2e, 0x67, 0x69, 0x74, 0x0a, 0xfe]));
    const res = runCli(['generate'], { cwd: u.dir });
    assert.is(res.status, 2, res.stderr);
    noStack(res.stderr);
    assert.match(res.stderr, /tpl\/scaffold\/dockerignore\.mustache:2:1: not valid UTF-8: byte 0xFE at byte offset 5 /);
  } finally {
    u.cleanup();
  }
});

test('a second YAML document: the line of its ---, and that the file holds one document; exit 2', () => {
  const t = repoWith({ 'pipewright.yaml': `# the config\n${MINIMAL_YAML}---\napp: other\n` });
  try {
    for (const cmd of ['validate', 'generate']) {
      const res = runCli([cmd], { cwd: t.dir });
      assert.is(res.status, 2, res.stderr);
      noStack(res.stderr);
      assert.is(res.stderr.trim(), 'pipewright.yaml:6:1: a second YAML document starts here: pipewright.yaml must hold one document (remove this line and what follows, or merge the two)');
    }
  } finally {
    t.cleanup();
  }
});

test('secondDocumentLine: explicit starts, end markers, comments and directives', async () => {
  const { secondDocumentLine } = await import('../src/config/load.js');
  assert.is(secondDocumentLine('a: 1\n---\nb: 2\n'), 2);
  assert.is(secondDocumentLine('# c\n---\na: 1\n---\nb: 2\n'), 4);
  assert.is(secondDocumentLine('---\n---\n'), 2);
  assert.is(secondDocumentLine('a: 1\n...\n# c\nb: 2\n'), 4);
  assert.is(secondDocumentLine('a: 1\n...\n--- b\n'), 3);
  assert.is(secondDocumentLine('%YAML 1.2\n---\na: |\n  ---\n'), null);
  assert.is(secondDocumentLine('a: 1\r\n---\r\nb: 2\r\n'), 2);
  // Every stream js-yaml finds two documents in gets a line.
  for (const text of ['a: 1\n---\nb: 2\n', '---\na\n---\nb\n', 'a\n...\nb\n', '--- a\n--- b\n']) {
    assert.throws(() => yaml.load(text), /single document/);
    assert.ok(secondDocumentLine(text) !== null, text);
  }
});

test('templatesDir with 2,000 files that are not templates (say /etc): one line, the allowed names once; exit 2', () => {
  const t = repoWith({ 'pipewright.yaml': `${MINIMAL_YAML}templatesDir: junk\n` });
  try {
    mkdirSync(path.join(t.dir, 'junk/sub'), { recursive: true });
    for (let i = 0; i < 2000; i++) writeFileSync(path.join(t.dir, 'junk', `file-${String(i).padStart(4, '0')}.conf`), 'x');
    writeFileSync(path.join(t.dir, 'junk/sub/deep.conf'), 'x');
    const res = runCli(['generate'], { cwd: t.dir });
    assert.is(res.status, 2, res.stderr);
    noStack(res.stderr);
    const lines = res.stderr.trim().split('\n');
    assert.is(lines.length, 1, res.stderr.slice(0, 2000));
    assert.match(lines[0]!, /^pipewright\.yaml: templatesDir: \S+junk holds 2001 entries that override no built-in template: file-0000\.conf, file-0001\.conf, file-0002\.conf and 1998 more \(allowed: files named as built-in templates, under kustomize\/, scaffold\/, vars-templates\/, jobs\/: /);
    assert.match(lines[0]!, 'kustomize/base/deployment.yaml.mustache');
    assert.is(lines[0]!.split('kustomize/base/deployment.yaml.mustache').length, 2, 'each allowed name once');
    assert.ok(lines[0]!.length < 3000, `${lines[0]!.length} characters`);
  } finally {
    t.cleanup();
  }
});

test('an env value kubectl kustomize cannot carry (DEL, a C1 control, U+FFFE/U+FFFF) is refused with its key and character', () => {
  const lines = problemsOf({ ...minimal, defaults: { env: { OK: 'tab\there\u2028é', BAD: 'a\u0085b' } } });
  assert.equal(lines, [
    'pipewright.yaml: defaults.env.BAD: holds the character U+0085 (at character 1), which kubectl kustomize cannot carry to the cluster unchanged (allowed: any text without U+007F to U+009F, U+FFFE or U+FFFF)',
  ]);
});

test.run();
