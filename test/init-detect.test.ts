// What `init` infers from an app's files (small fixture trees written here), the pipewright.yaml it
// renders from that (validated by the real loader), and the catalog entry it prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { CatalogSchema } from '../src/config/catalog-schema.js';
import { parseConfigText } from '../src/config/load.js';
import { validateConfig, validateWith } from '../src/config/validate.js';
import { answerProblem, renderInitConfig, type InitAnswers } from '../src/init/config-text.js';
import { appNameFrom, detectApp, pythonFromSpec } from '../src/init/detect.js';
import { catalogEntry, catalogEntryYaml, withoutCredentials } from '../src/init/next-steps.js';
import { getPath, getString, getStrings, parseToml } from '../src/init/toml.js';
import { resolveModel } from '../src/model/model.js';
import { tempDir } from './helpers.js';

const scratch = tempDir('pipewright-detect-');
test.after(() => scratch.cleanup());
let n = 0;

/** A tree of files under a fresh folder named `name`. */
function tree(files: Record<string, string>, name = 'svc'): string {
  const dir = path.join(scratch.dir, String(++n), name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const FLASK_APP = 'from flask import Flask\n\napp = Flask(__name__)\n';

test('app.py with `app = Flask(...)`: app:app; the name from the folder; flask from requirements.txt', () => {
  const d = detectApp(tree({ 'app.py': FLASK_APP, 'requirements.txt': 'Flask==3.0.3\n' }, 'orders'));
  assert.equal(d.wsgi, { value: 'app:app', from: 'inferred from app.py: app = Flask(...)' });
  assert.equal(d.app, { value: 'orders', from: 'inferred from the directory name "orders"' });
  assert.is(d.flaskDeclaredIn, 'requirements.txt');
  assert.ok(d.hasRequirementsTxt);
  assert.is(d.healthPath, null);
  assert.is(d.python, null);
});

test('wsgi.py that builds the app from a factory wins over app.py: wsgi:<name>', () => {
  const d = detectApp(
    tree({
      'wsgi.py': 'from shop import create_app\n\napplication = create_app()\n',
      'app.py': FLASK_APP,
      'requirements.txt': 'flask\n',
    }),
  );
  assert.equal(d.wsgi, { value: 'wsgi:application', from: 'inferred from wsgi.py: application = create_app(...)' });
});

test('a package factory: pkg:create_app(); the health route found in another module of the package', () => {
  const d = detectApp(
    tree({
      'shop/__init__.py': 'from flask import Flask\n\ndef create_app(config=None):\n    app = Flask(__name__)\n    return app\n',
      'shop/views.py': "from flask import Blueprint\nbp = Blueprint('x', __name__)\n\n@bp.route('/health')\ndef health():\n    return 'ok'\n",
      'requirements.txt': 'flask>=3\n',
    }),
  );
  assert.equal(d.wsgi, { value: 'shop:create_app()', from: 'inferred from shop/__init__.py: def create_app()' });
  assert.equal(d.healthPath, { value: '/health', from: "inferred from shop/views.py: @bp.route('/health')" });
  assert.equal(d.warnings, []);
});

test('/healthz is preferred to /health; add_url_rule counts too', () => {
  const d = detectApp(
    tree({
      'app.py': `${FLASK_APP}\n@app.get("/health")\ndef a():\n    return "ok"\n\napp.add_url_rule("/healthz", view_func=a)\n`,
    }),
  );
  assert.equal(d.healthPath, { value: '/healthz', from: 'inferred from app.py: add_url_rule("/healthz", ...)' });
});

test('a factory that needs arguments is still found, with a warning that gunicorn passes none', () => {
  const d = detectApp(tree({ 'api/__init__.py': 'import flask\n\ndef make_app(settings, debug=False):\n    return flask.Flask(__name__)\n' }));
  assert.is(d.wsgi?.value, 'api:make_app()');
  assert.is(d.warnings.length, 1);
  assert.match(d.warnings[0]!, 'make_app(settings) needs arguments');
});

test('tests/, venv/ and folders without __init__.py are not searched; nothing found: wsgi null', () => {
  const d = detectApp(
    tree({
      'tests/__init__.py': FLASK_APP,
      'venv/__init__.py': FLASK_APP,
      'loose/app.py': FLASK_APP,
      'README.md': '# hi\n',
    }),
  );
  assert.is(d.wsgi, null);
  assert.is(d.flaskDeclaredIn, null);
  assert.not.ok(d.hasRequirementsTxt);
  assert.match(d.searched, 'wsgi.py, app.py');
});

test('pyproject.toml: [project].name made a DNS label, requires-python, flask in dependencies', () => {
  const d = detectApp(
    tree({
      'pyproject.toml': [
        '[build-system]',
        'requires = ["setuptools"]',
        '',
        '[project]',
        'name = "My_Service.API"   # comment',
        'requires-python = ">=3.9, <3.12"',
        'dependencies = [',
        '  "gunicorn>=22",  # the server',
        "  'Flask[async]>=3.0',",
        ']',
      ].join('\n'),
      'app.py': FLASK_APP,
    }),
  );
  assert.equal(d.app, { value: 'my-service-api', from: 'inferred from pyproject.toml [project].name "My_Service.API", made a DNS label' });
  assert.equal(d.python, { value: '3.11', from: 'inferred from pyproject.toml [project].requires-python ">=3.9, <3.12", the newest 3.x it allows' });
  assert.is(d.flaskDeclaredIn, 'pyproject.toml');
});

test('.python-version beats pyproject.toml; poetry names, python and flask are read', () => {
  const files = {
    'pyproject.toml': '[tool.poetry]\nname = "billing"\n\n[tool.poetry.dependencies]\npython = "^3.10"\nflask = { version = "^3.0", extras = ["async"] }\n',
    'app.py': FLASK_APP,
  };
  const poetry = detectApp(tree(files));
  assert.equal(poetry.app?.value, 'billing');
  assert.equal(poetry.python, { value: '3.12', from: 'inferred from pyproject.toml [tool.poetry.dependencies].python "^3.10", which allows the default 3.12' });
  assert.is(poetry.flaskDeclaredIn, 'pyproject.toml');
  const pinned = detectApp(tree({ ...files, '.python-version': '# pyenv\n3.11.9\n' }));
  assert.equal(pinned.python, { value: '3.11', from: 'inferred from .python-version: 3.11.9' });
});

test('requirements: -r includes are followed; flask-cors alone is not flask', () => {
  assert.is(detectApp(tree({ 'requirements.txt': 'flask-cors\n-r base/common.txt\n', 'base/common.txt': 'Flask ; python_version >= "3.8"\n' })).flaskDeclaredIn, 'base/common.txt');
  assert.is(detectApp(tree({ 'requirements.txt': 'flask-cors==4\n# flask\n' })).flaskDeclaredIn, null);
});

test('pythonFromSpec: the default 3.12 when allowed, else the newest allowed minor, null when none', () => {
  const cases: [string, string | null][] = [
    ['>=3.8', '3.12'],
    ['>=3.9,<4', '3.12'],
    ['>=3.9,<3.12', '3.11'],
    ['<3.12.5', '3.12'],
    ['==3.10.*', '3.10'],
    ['~=3.11', '3.12'],
    ['~=3.11.2', '3.11'],
    ['!=3.12.*,>=3.10', '3.14'],
    ['^3.13', '3.14'],
    ['~3.9', '3.9'],
    ['==2.7', null],
    ['>=3.99', null],
    ['banana', null],
  ];
  for (const [spec, want] of cases) assert.is(pythonFromSpec(spec), want, spec);
});

test('appNameFrom: a DNS label of at most 40 characters, or null', () => {
  assert.is(appNameFrom('Hello_Flask'), 'hello-flask');
  assert.is(appNameFrom('--x--'), 'x');
  assert.is(appNameFrom('a'.repeat(39) + '-b'), 'a'.repeat(39));
  assert.is(appNameFrom('___'), null);
});

test('parseToml: tables, dotted and quoted keys, literal and multi-line strings, arrays over lines; bad TOML is an empty document', () => {
  assert.equal(parseToml('[project\nname = "x"'), {});
  const doc = parseToml(
    [
      '# top',
      'title = "x"',
      '[project]',
      "name = 'lit\\eral'",
      'description = """',
      'two',
      'lines"""',
      'urls.home = "https://example.com"',
      '"quoted key" = "q\\u00e9"',
      'keywords = [ "a", # one',
      '  "b",',
      ']',
      'version = 3',
      '[[tool.other]]',
      'name = "ignored"',
      '[tool.poetry.dependencies]',
      'flask = {version = "^3"}',
    ].join('\n'),
  );
  assert.is(getString(doc, ['title']), 'x');
  assert.is(getString(doc, ['project', 'name']), 'lit\\eral');
  assert.is(getString(doc, ['project', 'description']), 'two\nlines');
  assert.is(getString(doc, ['project', 'urls', 'home']), 'https://example.com');
  assert.is(getString(doc, ['project', 'quoted key']), 'qé');
  assert.equal(getStrings(doc, ['project', 'keywords']), ['a', 'b']);
  assert.is(getString(doc, ['project', 'version']), undefined);
  assert.ok(Array.isArray(getPath(doc, ['tool', 'other'])), 'an array of tables');
  assert.is(getString(doc, ['tool', 'other', 'name']), undefined);
  assert.is(getString(doc, ['tool', 'poetry', 'dependencies', 'flask', 'version']), '^3');
});

const ANSWERS: InitAnswers = {
  app: { value: 'hello-flask', from: 'inferred from the directory name "hello-flask"' },
  accountId: { value: '123456789012', from: 'from --account-id' },
  region: { value: 'us-east-1', from: 'from AWS_REGION' },
  wsgi: { value: 'hello:create_app()', from: 'inferred from hello/__init__.py: def create_app()' },
  healthPath: { value: '/health', from: 'inferred from hello/views.py: @bp.get("/health")' },
  python: { value: '3.11', from: 'inferred from .python-version: 3.11.9\n# injected: true' },
  productionBranch: { value: 'main', from: 'inferred from origin/HEAD, which points at origin/main' },
};

test('the written config: schema line, a comment on every value, and the loader reads back exactly the answers', async () => {
  const text = renderInitConfig(ANSWERS, 'node_modules/pipewright/schema/pipewright.schema.json');
  assert.match(text, /^# yaml-language-server: \$schema=node_modules\/pipewright\/schema\/pipewright\.schema\.json\n/);
  for (const a of Object.values(ANSWERS)) assert.ok(text.includes(`# ${a.from.replace(/\n/g, ' ')}\n`), a.from);
  assert.not.match(text, /^# injected/m, 'a reason stays on its comment line');
  assert.ok(text.split('\n').every((l) => l.length <= 100), 'short lines');
  const parsed = validateConfig(await parseConfigText(text, 'pipewright.yaml'), 'pipewright.yaml');
  const expected = resolveModel(
    validateConfig(
      {
        app: 'hello-flask',
        aws: { accountId: '123456789012', region: 'us-east-1' },
        runtime: { wsgi: 'hello:create_app()', healthPath: '/health', python: '3.11' },
        productionBranch: 'main',
      },
      'expected',
    ),
    'pipewright.yaml',
  );
  assert.equal(resolveModel(parsed, 'pipewright.yaml'), expected);
  assert.match(text, '# inferred from origin/HEAD, which points at origin/main\nproductionBranch: main\n');
  assert.match(text, 'and blue (branch main, production)', 'the intro names the production branch');
});

test('the written config for a master repository has no productionBranch: the default, as before', async () => {
  const text = renderInitConfig({ ...ANSWERS, productionBranch: { value: 'master', from: 'inferred from the current branch, master' } }, 'schema.json');
  assert.not.match(text, 'productionBranch');
  assert.match(text, 'blue (branch master, production)');
  const m = resolveModel(validateConfig(await parseConfigText(text, 'pipewright.yaml'), 'pipewright.yaml'), 'pipewright.yaml');
  assert.equal(m.environments.map((e) => e.branch), ['develop', 'staging', 'master']);
});

test('answerProblem: the schema judges every answer', () => {
  assert.is(answerProblem('app', 'hello-flask'), null);
  assert.match(answerProblem('app', 'Hello_Flask')!, 'allowed: lowercase letters');
  assert.is(answerProblem('accountId', '12345'), 'must be exactly 12 digits, e.g. 123456789012');
  assert.match(answerProblem('region', 'europe')!, 'AWS region');
  assert.match(answerProblem('wsgi', 'hello')!, 'module:callable');
  assert.is(answerProblem('wsgi', 'hello:create_app()'), null);
  assert.match(answerProblem('python', '3')!, 'Python 3 minor version');
  assert.is(answerProblem('productionBranch', 'main'), null);
  assert.is(answerProblem('productionBranch', 'release/prod'), null);
  assert.match(answerProblem('productionBranch', 'a..b')!, 'is not a valid git branch name');
  assert.match(answerProblem('productionBranch', 'staging')!, '"staging" already deploys to the green environment');
});

test('catalogEntry: includes only when the catalog default would not build an environment branch', () => {
  assert.is(catalogEntry('shop', null, '', ['develop', 'staging', 'master']).entry.includes, undefined);
  // The catalog's default builds main too.
  assert.is(catalogEntry('shop', null, '', ['develop', 'staging', 'main']).entry.includes, undefined);
  const { entry, placeholder } = catalogEntry('shop', 'git@github.com:acme/shop.git', '', ['develop', 'staging', 'production']);
  assert.equal(entry, { name: 'shop', github: 'acme/shop', includes: 'production staging develop PR-*' });
  const lines = catalogEntryYaml(entry, placeholder);
  assert.ok(lines.includes('  includes: "production staging develop PR-*"   # the default would not build production'), lines.join('\n'));
  const yamlText = `seed:\n  repository: https://git.example.com/jobs.git\nrepositories:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
  validateWith(CatalogSchema, yaml.load(yamlText, { schema: yaml.CORE_SCHEMA }), 'catalog.yaml', { expected: 'a catalog' });
});

test('catalogEntry: GitHub remotes become github:, others git: without credentials, none a placeholder; all valid catalog entries', () => {
  const cases: [string | null, string, Record<string, string>][] = [
    ['git@github.com:acme/hello-flask.git', '', { name: 'hello-flask', github: 'acme/hello-flask' }],
    ['https://x-access-token:ghs_secret@github.com/acme/hello-flask', '', { name: 'hello-flask', github: 'acme/hello-flask' }],
    ['ssh://git@github.com/acme/mono.git', 'services/hello', { name: 'hello-flask', github: 'acme/mono', jenkinsfile: 'services/hello/Jenkinsfile' }],
    ['https://bob:hunter2@git.example.com/team/hello.git', '', { name: 'hello-flask', git: 'https://git.example.com/team/hello.git' }],
    ['/srv/git/hello.git', '', { name: 'hello-flask', github: 'OWNER/hello-flask' }],
    [null, '', { name: 'hello-flask', github: 'OWNER/hello-flask' }],
  ];
  for (const [url, dir, want] of cases) {
    const { entry, placeholder } = catalogEntry('hello-flask', url, dir);
    assert.equal(entry, want, String(url));
    assert.is(placeholder, want.github === 'OWNER/hello-flask');
    const yamlText = `seed:\n  repository: https://git.example.com/jobs.git\nrepositories:\n${catalogEntryYaml(entry, placeholder).map((l) => `  ${l}`).join('\n')}\n`;
    assert.not.match(yamlText, /secret|hunter2/);
    validateWith(CatalogSchema, yaml.load(yamlText, { schema: yaml.CORE_SCHEMA }), 'catalog.yaml', { expected: 'a catalog' });
  }
  assert.is(withoutCredentials('https://u:p@h/x'), 'https://h/x');
});

test.run();
