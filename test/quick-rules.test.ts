// The hook's cache miss without the validator (src/rules/quick-rules.ts) must give exactly the
// rules the full load gives, and step aside (null) for every config it cannot vouch for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { quickRules } from '../src/rules/quick-rules.js';
import { loadConfig } from '../src/config/load.js';
import { tempDir } from './helpers.js';

const MINIMAL = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';
const t = tempDir('pipewright-quick-rules-');
test.after(() => t.cleanup());

async function fullRules(text: string) {
  writeFileSync(path.join(t.dir, 'pipewright.yaml'), text);
  return (await loadConfig({ cwd: t.dir })).model.rules;
}

for (const extra of ['', 'productionBranch: main\n', 'productionBranch: release/prod\n', '# a comment\nimage:\n  port: 9000\n']) {
  test(`the same rules as the full load: ${JSON.stringify(extra) || 'minimal'}`, async () => {
    const text = MINIMAL + extra;
    const quick = quickRules(Buffer.from(text));
    assert.ok(quick, 'the quick path takes this config');
    assert.equal(quick, await fullRules(text));
  });
}

test('steps aside for rules, environments, a production branch the validator refuses, and bytes or YAML it cannot read', () => {
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
  ];
  for (const [name, bytes] of cases) assert.is(quickRules(bytes), null, name);
});

test.run();
