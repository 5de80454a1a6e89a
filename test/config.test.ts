import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { validateConfig } from '../src/config/validate.js';
import { loadConfig, parseConfigText } from '../src/config/load.js';
import { resolveModel } from '../src/model/model.js';
import { ConfigError } from '../src/errors.js';
import { fromRoot, runCli, tempDir } from './helpers.js';

const minimal = { app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' } };

function problemsOf(data: unknown): string[] {
  try {
    validateConfig(data, 'pipewright.yaml');
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
    const { model } = await loadConfig({ cwd: t.dir });
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
        validateConfig(data, 'pipewright.yaml');
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
      validateConfig(await parseConfigText(t, 'p.yaml'), 'p.yaml');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw new Error(`crash on ${JSON.stringify(t)}: ${(e as Error).stack}`);
    }
  }
});

test.run();
