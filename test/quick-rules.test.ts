// The hook's cache miss without the validator (src/rules/quick-rules.ts) must give exactly the
// rules the full load gives, and step aside (null) for every config it cannot vouch for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { quickRules, quickRulesParsed, scanTopLevel } from '../src/rules/quick-rules.js';
import { defaultRules } from '../src/model/model.js';
import { loadProject } from '../src/commands/common.js';
import { tempDir } from './helpers.js';

const MINIMAL = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';
const t = tempDir('pipewright-quick-rules-');
test.after(() => t.cleanup());

async function fullRules(text: string) {
  writeFileSync(path.join(t.dir, 'pipewright.yaml'), text);
  return (await loadProject({ cwd: t.dir })).model.rules;
}

for (const extra of ['', 'productionBranch: main\n', 'productionBranch: release/prod\n', '# a comment\nimage:\n  port: 9000\n']) {
  test(`the same rules as the full load: ${JSON.stringify(extra) || 'minimal'}`, async () => {
    const text = MINIMAL + extra;
    const quick = await quickRules(Buffer.from(text));
    assert.ok(quick, 'the quick path takes this config');
    assert.equal(quick, await fullRules(text));
  });
}

test('steps aside for rules, environments, a production branch the validator refuses, and bytes or YAML it cannot read', async () => {
  const cases: [string, Buffer][] = [
    ['rules', Buffer.from(`${MINIMAL}rules:\n  branches:\n    develop: {}\n`)],
    ['environments', Buffer.from(`${MINIMAL}environments:\n  - { name: develop, branch: develop }\n`)],
    ['productionBranch: staging (another environment deploys it)', Buffer.from(`${MINIMAL}productionBranch: staging\n`)],
    ['productionBranch: a..b (not a branch name)', Buffer.from(`${MINIMAL}productionBranch: a..b\n`)],
    ['productionBranch: 7', Buffer.from(`${MINIMAL}productionBranch: 7\n`)],
    ['two documents', Buffer.from(`${MINIMAL}---\napp: other\n`)],
    ['not YAML', Buffer.from('app: [unclosed\n')],
    ['a list', Buffer.from('- app\n')],
    ['invalid UTF-8', Buffer.concat([Buffer.from(MINIMAL), Buffer.from([0x23, 0x20, 0xe9, 0x0a])])],
    ['a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MINIMAL)])],
    ['productionBranch: "1.0" quoted is a string, unquoted a number', Buffer.from(`${MINIMAL}productionBranch: 1.0\n`)],
    ['a quoted rules key', Buffer.from(`${MINIMAL}"rules":\n  branches: {}\n`)],
  ];
  for (const [name, bytes] of cases) assert.is(await quickRules(bytes), null, `${name}: expected null`);
});

test('the scan takes init-shaped configs without a parser', () => {
  const scanned = scanTopLevel(`# pipewright.yaml\n${MINIMAL}productionBranch: main   # the default branch\r\ndefaults:\n  env:\n    A: "x\n      y"\n`);
  assert.equal(scanned && [...scanned.keys], ['app', 'aws', 'productionBranch', 'defaults']);
  assert.is(scanned?.productionBranch, 'main');
});

test('what the scan is not sure of goes to js-yaml, with the same answer as the full load', async () => {
  for (const text of [MINIMAL.replace(/^(?=.)/gm, '  '), `${MINIMAL}productionBranch: "main"\n`, `app: &a shop\naws: {accountId: "123456789012", region: eu-west-1}\n`]) {
    assert.is(scanTopLevel(text), null, text);
    assert.equal(await quickRules(Buffer.from(text)), await fullRules(text), text);
  }
});

// Pieces of config lines, the traps included: keys a scan could miss or mistake, values YAML does
// not read as strings, indentation, documents, quotes left open.
const KEYS = ['app', 'aws', 'image', 'defaults', 'rules', 'environments', 'productionBranch', '"rules"', "'environments'", '? rules', '<<', '&a app', '*a', 'rules ', 'Rules', 'production_branch'];
const VALUES = ['', 'main', 'master', 'staging', 'develop', 'release/prod', 'yes', 'on', '1.0', '0x1F', 'ma#in', 'main # c', 'a..b', '"main"', "'main'", '"open', '{rules: {}}', '[a, b]', '|', '>-', '*a', '&x main', '~', 'null'];
const line = fc.record({
  indent: fc.constantFrom('', '', '', '', '', '', '', ' ', '  ', '\t'),
  key: fc.constantFrom(...KEYS),
  value: fc.constantFrom(...VALUES),
  extra: fc.constantFrom('', '', '', '', '', '', '', '', '# comment', '---', '...', '%YAML 1.2', '  nested: 1', '  - item', '  rules: x', '    productionBranch: develop', 'rules: [', '\r'),
});

test('property: where the scan answers, js-yaml gives the same rules (3,000 runs)', async () => {
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), async (lines) => {
      const text = lines.map((l) => `${l.indent}${l.key}:${l.value ? ` ${l.value}` : ''}\n${l.extra}`).join('\n');
      const scanned = scanTopLevel(text);
      if (!scanned) return true;
      let parsed: unknown;
      try {
        parsed = yaml.load(text, { schema: yaml.CORE_SCHEMA });
      } catch {
        return true; // not YAML: the full load reports it; the scan's answer is not compared
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
      answered++;
      const fromScan = ['rules', 'environments'].some((k) => scanned.keys.has(k)) ? null : defaultRules(scanned.productionBranch);
      assert.equal(fromScan, await quickRulesParsed(text), text);
      return true;
    }),
    { numRuns: 3000 },
  );
  assert.ok(answered > 50, `the scan answered (and was compared) ${answered} times`);
  console.log(`  quick-rules property: 3,000 generated configs, ${answered} answered by the scan and compared with js-yaml`);
});

test.run();
