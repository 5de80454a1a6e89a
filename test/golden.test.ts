// One test per generated file of the bundled example: the app repo (`generate`), the Kustomize
// output of the example with canaries (test/fixtures/canary), and the shared
// library (`library`). UPDATE_GOLDEN=1 rewrites them; review the diff like code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../src/commands/common.js';
import { APP_TEMPLATE_GROUPS, renderApp } from '../src/render/app/files.js';
import { renderLibrary } from '../src/render/jenkins/pipeline.js';
import { LIBRARY_LINE, markLine } from '../src/render/marker.js';
import { loadTemplates } from '../src/config/templates.js';
import type { GeneratedFile } from '../src/render/types.js';
import { fromRoot, expectGolden, updateGolden } from './helpers.js';

const update = updateGolden;
const { model } = await loadProject({ cwd: fromRoot('examples/hello-flask') });
// The example with canaries (green by pod count, blue by ALB weights): its Kustomize output only.
const { model: canary } = await loadProject({ cwd: fromRoot('test/fixtures/canary') });
const render = () => ({
  'hello-flask': renderApp(model, loadTemplates({ groups: APP_TEMPLATE_GROUPS, configFile: model.configFile })),
  canary: renderApp(canary, loadTemplates({ groups: APP_TEMPLATE_GROUPS, configFile: canary.configFile })).filter((f) => f.path.startsWith('kustomize/')),
  library: renderLibrary(loadTemplates({ groups: ['vars-templates'], configFile: model.configFile })).map((f) => markLine(f, LIBRARY_LINE)),
});
const sets: Record<string, GeneratedFile[]> = render();

const walk = (d: string, rel = ''): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`]));

for (const [name, files] of Object.entries(sets)) {
  const dir = fromRoot('test/golden', name);
  if (update) rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    test(`golden ${name}: ${f.path}`, () => {
      expectGolden(path.join(dir, f.path), f.contents);
    });
  }
  test(`golden ${name}: no stale golden files`, () => {
    assert.equal(walk(dir).sort(), files.map((f) => f.path).sort());
  });
}

test('rendering is deterministic', () => {
  assert.equal(render(), sets);
});

test.run();
