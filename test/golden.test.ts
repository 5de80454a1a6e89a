// One test per generated file of the bundled example. UPDATE_GOLDEN=1 rewrites them; review
// the diff like code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { APP_TEMPLATE_GROUPS, renderApp } from '../src/render/app.js';
import { loadTemplates } from '../src/templates.js';
import { fromRoot } from './helpers.js';

const GOLDEN = fromRoot('test/golden/hello-flask');
const update = process.env.UPDATE_GOLDEN === '1';
const { model } = await loadConfig({ cwd: fromRoot('examples/hello-flask') });
const files = renderApp(model, loadTemplates({ groups: APP_TEMPLATE_GROUPS, configFile: model.configFile }));

if (update) rmSync(GOLDEN, { recursive: true, force: true });

for (const f of files) {
  test(`golden: ${f.path}`, () => {
    const golden = path.join(GOLDEN, f.path);
    if (update) {
      mkdirSync(path.dirname(golden), { recursive: true });
      writeFileSync(golden, f.contents);
    }
    assert.ok(existsSync(golden), `missing golden file ${golden}: run UPDATE_GOLDEN=1 npm test`);
    assert.fixture(f.contents, readFileSync(golden, 'utf8'));
  });
}

test('no stale golden files', () => {
  const walk = (d: string, rel = ''): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`]));
  assert.equal(walk(GOLDEN).sort(), files.map((f) => f.path).sort());
});

test('rendering is deterministic', () => {
  const again = renderApp(model, loadTemplates({ groups: APP_TEMPLATE_GROUPS, configFile: model.configFile }));
  assert.equal(again, files);
});

test.run();
