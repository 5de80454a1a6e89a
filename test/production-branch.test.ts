// `productionBranch: main`: everything that names master for the default config names main instead,
// and nothing else changes. Each artifact is compared with the master one with master → main.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderGenerated } from '../src/commands/generate.js';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';
import { buildGraph } from '../src/render/graph/delivery-graph.js';
import { renderMermaid } from '../src/render/graph/mermaid.js';
import { renderSvg } from '../src/render/graph/svg.js';
import { githubProtection, githubRuleset } from '../src/render/github/protection.js';
import { engineAvailable, runCli, tempDir } from './helpers.js';

const MINIMAL = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';
const MAIN = `${MINIMAL}productionBranch: main\n`;
const modelOf = (data: Record<string, unknown>): Model => resolveModel(validateConfig(data, 'pipewright.yaml'), 'pipewright.yaml');
const base = { app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' } };
const onMaster = modelOf(base);
const onMain = modelOf({ ...base, productionBranch: 'main' });
const toMain = (s: string): string => s.replace(/\bmaster\b/g, 'main');

/** A project folder with this config, for the CLI. */
function project(config: string): { dir: string; cleanup: () => void } {
  const t = tempDir('pipewright-main-');
  writeFileSync(path.join(t.dir, 'pipewright.yaml'), config);
  return t;
}

test('the model: master → main, and nothing else differs', () => {
  assert.equal(JSON.parse(toMain(JSON.stringify(onMaster))), JSON.parse(JSON.stringify(onMain)));
  assert.not.match(JSON.stringify(onMain), /\bmaster\b/);
});

test('generated files (Jenkinsfile: Guard rules, release tag, image tag prefix, deploy condition; overlays): master → main', () => {
  const master = renderGenerated(onMaster, '/project');
  const main = renderGenerated(onMain, '/project');
  assert.equal(main.map((f) => f.path), master.map((f) => f.path));
  for (const [i, f] of main.entries()) assert.fixture(f.contents, toMain(master[i]!.contents), f.path);
  const jenkinsfile = main.find((f) => f.path === 'Jenkinsfile')!.contents;
  assert.match(jenkinsfile, "[branch: 'main', mergeFrom: ['staging'], directCommits: false]");
  assert.match(jenkinsfile, "when { branch 'main' }");
  assert.not.match(jenkinsfile, /\bmaster\b/);
});

test('graph: main is the production lane\'s branch and staging → main the merge; Mermaid and SVG name main, never master', () => {
  const g = buildGraph(onMain);
  assert.equal(g.nodes.filter((n) => n.kind === 'branch').map((n) => n.title), ['develop', 'staging', 'main']);
  const title = (id: string) => g.nodes.find((n) => n.id === id)!.title;
  assert.equal(g.edges.filter((e) => e.kind === 'merge').map((e) => `${title(e.from)} → ${title(e.to)}`), ['develop → staging', 'staging → main']);
  const lane = g.lanes.find((l) => l.production)!;
  assert.is(lane.environment, 'blue');
  assert.is(title(lane.nodes[0]!), 'main');
  assert.fixture(renderMermaid(g), toMain(renderMermaid(buildGraph(onMaster))));
  const svg = renderSvg(g);
  assert.match(svg, '>main<');
  assert.not.match(svg, /\bmaster\b/);
  const t = project(MAIN);
  try {
    const res = runCli(['graph'], { cwd: t.dir });
    assert.is(res.status, 0, res.stderr);
    assert.is(res.stdout.trimEnd(), renderMermaid(g).trimEnd());
  } finally {
    t.cleanup();
  }
});

test('protect --github and --ruleset: main is protected where master was, from staging', () => {
  const gh = githubProtection(onMain, { owner: 'acme', repo: 'shop' });
  assert.equal(gh.branches.map((b) => [b.branch, b.endpoint]), [
    ['staging', 'PUT /repos/acme/shop/branches/staging/protection'],
    ['main', 'PUT /repos/acme/shop/branches/main/protection'],
  ]);
  assert.ok(gh.notes.some((n) => n.includes('staging only from develop; main only from staging')), gh.notes.join('\n'));
  assert.equal(JSON.parse(JSON.stringify(gh)), JSON.parse(toMain(JSON.stringify(githubProtection(onMaster, { owner: 'acme', repo: 'shop' })))));
  const rs = githubRuleset(onMain);
  assert.equal(rs.body!.conditions.ref_name.include, ['refs/heads/staging', 'refs/heads/main']);
  assert.equal(JSON.parse(JSON.stringify(rs)), JSON.parse(toMain(JSON.stringify(githubRuleset(onMaster)))));
  const t = project(MAIN);
  try {
    for (const flag of ['--github', '--ruleset']) {
      const res = runCli(['protect', flag], { cwd: t.dir });
      assert.is(res.status, 0, res.stderr);
      assert.match(res.stdout, 'main');
      assert.not.match(res.stdout, /\bmaster\b/);
    }
  } finally {
    t.cleanup();
  }
});

test('validate names main as production; a config error names productionBranch and the fix', () => {
  const t = project(MAIN);
  try {
    const res = runCli(['validate', '--json'], { cwd: t.dir });
    assert.is(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).environments.map((e: { branch: string; production: boolean }) => [e.branch, e.production]), [
      ['develop', false],
      ['staging', false],
      ['main', true],
    ]);
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), `${MAIN}environments:\n  - { name: dev, branch: develop }\n  - { name: prod, branch: master, production: true }\n`);
    const bad = runCli(['generate'], { cwd: t.dir });
    assert.is(bad.status, 2);
    assert.is(bad.stdout, '');
    assert.is(
      bad.stderr.trim(),
      'pipewright.yaml: productionBranch: cannot be combined with environments: it only sets the production branch of the default environments ' +
        '(allowed: set branch: main on the production environment (environments.1.branch) and remove productionBranch)',
    );
  } finally {
    t.cleanup();
  }
});

const hasGroovy = engineAvailable('groovy', ['--version']);

test('plan --branch main deploys blue after the approval; --branch master deploys nothing', () => {
  if (!hasGroovy) return;
  const t = project(MAIN);
  try {
    const main = runCli(['plan', '--branch', 'main'], { cwd: t.dir });
    assert.is(main.status, 0, main.stderr);
    const text = main.stdout;
    assert.match(text, '• Approve blue');
    assert.match(text, '• Deploy blue');
    assert.match(text, 'skipped: Deploy develop, Deploy green');
    assert.match(text, 'imageTag=main-');
    const master = runCli(['plan', '--branch', 'master'], { cwd: t.dir }).stdout;
    assert.not.match(master, '• Deploy blue');
  } finally {
    t.cleanup();
  }
});

test.run();
