// A real image from the generated Dockerfile, offline: built with buildah on a Debian-made base
// standing in for python:<version>-slim (test/base-image.mjs), pushed to Debian's docker-registry,
// pulled by digest into a storage that never saw it, and run as its Deployment runs it (uid,
// read-only root, dropped capabilities, /tmp as tmpfs, env) with no network: its health path is
// reached from inside the container's network namespace. For the bundled example and for a
// package-layout app with a create_app() factory set up by `pipewright init`. The app's own tests
// run through the scaffolded script/cibuild the way the Test stage runs it. A Dockerfile whose
// server binds another port than the Deployment probes fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chownSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copyExample, runCli, tempDir, EngineSuite } from './helpers.js';
import {
  baseImage,
  Containers,
  deploymentOf,
  engineVersions,
  exec,
  IMAGE_ENGINES,
  podSpecOf,
  probe,
  startRegistry,
  storedManifest,
  type Base,
  type Health,
  type PodSpec,
  type Registry,
  type StoredManifest,
} from './containers.js';

const ENGINES: readonly [string, string[]][] = [...IMAGE_ENGINES, ['mmdebstrap', ['--version']], ['kubectl', ['version', '--client']], ['git', ['--version']]];
const work = tempDir('pipewright-image-');
let build: Containers | undefined;
let node: Containers | undefined;
let registry: Registry | undefined;
let base: Base | undefined;
// What the CI log says: one line per engine.
const suite = EngineSuite.of(ENGINES);
const { timed, ready, timings } = suite;
const images: string[] = [];
const cibuilds: string[] = [];
const refused = { image: [] as string[], cibuild: [] as string[] };


test.before(() =>
  suite.setUp(async () => {
    base = baseImage();
    registry = await startRegistry(path.join(work.dir, 'registry'));
    // "build" is the Jenkins agent; "node" is where the cluster pulls and runs the image. Both
    // have the base in a shared read-only store: the node pulls all but the base layer.
    build = new Containers(path.join(work.dir, 'build'), { base, registries: { insecure: [registry.host] } });
    node = new Containers(path.join(work.dir, 'node'), { base, registries: { insecure: [registry.host] } });
  }),
);

test.after(async () => {
  await build?.close();
  await node?.close();
  await registry?.stop();
  work.cleanup();
  if (images.length > 0) {
    console.log(`  image (${engineVersions(['podman', 'buildah', 'runc', 'docker-registry'])}; base ${base!.summary}): ${images.join('; ')}; refused ${refused.image.join(', ') || 'nothing'}`);
  }
  if (cibuilds.length > 0) {
    console.log(
      `  cibuild (the base as the Test stage's python image, offline: pip finds every requirement in its Debian packages): ${cibuilds.join(', ')}; refused ${refused.cibuild.join(', ') || 'nothing'}`,
    );
  }
  if (timings.length > 0) console.log(`  image timings: ${timings.join(', ')}`);
});

/** Whether the test can run: false without the engines (outside CI); throws when the set-up failed. */

// The repositories here ignore the machine's git config and find no repository above work.dir.
const GITCONFIG = path.join(work.dir, 'gitconfig');
writeFileSync(GITCONFIG, '[user]\n\tname = Dev\n\temail = dev@example.com\n[init]\n\tdefaultBranch = master\n');
const GIT_ENV: NodeJS.ProcessEnv = { GIT_CONFIG_GLOBAL: GITCONFIG, GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: work.dir, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
function git(cwd: string, ...args: string[]): void {
  const env = { ...process.env, ...GIT_ENV };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** The bundled example with what `generate` scaffolds and renders for it. */
function exampleApp(name: string): string {
  const dir = path.join(work.dir, name, 'hello-flask');
  mkdirSync(dir, { recursive: true });
  copyExample(dir);
  const res = runCli(['generate'], { cwd: dir });
  assert.is(res.status, 0, res.stderr);
  return dir;
}

interface Shipped {
  readonly digest: string;
  readonly stored: StoredManifest;
  readonly pod: PodSpec;
  readonly user: string;
  readonly exposed: readonly string[];
  readonly health: Health;
  /** GETs of other paths, and what writing where gave, while it ran. */
  readonly extra: Readonly<Record<string, string>>;
}

let runs = 0;
/**
 * Build `appDir`'s Dockerfile (its FROM name given to the base), push it, pull it by digest into
 * the node's storage, run it as the overlay's Deployment runs it and probe its health path.
 */
async function ship(appDir: string, repository: string, overlay: string, more: { get?: string[]; write?: string[] } = {}): Promise<Shipped> {
  const b = build!;
  const n = node!;
  const from = /^FROM\s+(\S+)/m.exec(readFileSync(path.join(appDir, 'Dockerfile'), 'utf8'))?.[1];
  assert.ok(from, 'the Dockerfile names its base');
  await b.podman(['tag', base!.image, from!]);
  const local = `localhost/${repository}:build-${++runs}`;
  await timed(`build ${repository}`, () => b.buildah(['build', '--layers', '--network=none', '--pull=never', '--tag', local, appDir]));
  const digestFile = path.join(work.dir, `digest-${runs}`);
  await timed(`push ${repository}`, () => b.podman(['push', '--quiet', '--digestfile', digestFile, local, `${registry!.host}/${repository}:build-${runs}`]));
  const digest = readFileSync(digestFile, 'utf8').trim();
  const stored = await storedManifest(registry!.host, repository, digest);
  assert.is(stored.digest, digest, 'the registry holds the pushed manifest under its digest');

  // The node has never seen the image: it pulls it by digest, as the deploy pins it.
  const ref = `${registry!.host}/${repository}@${digest}`;
  await timed(`pull ${repository}`, () => n.podman(['pull', '--quiet', ref]));
  const config = (JSON.parse((await n.podman(['image', 'inspect', ref])).stdout) as { Config: { User?: string; ExposedPorts?: Record<string, unknown> } }[])[0]!.Config;
  const pod = podSpecOf(await deploymentOf(path.join(appDir, 'kustomize', 'overlays', overlay)));
  const name = `pw-image-${runs}`;
  await n.podman(['run', '--detach', '--name', name, ...pod.args, ref]);
  try {
    const health = await timed(`run ${repository}`, () => probe(n, name, pod.port, pod.healthPath));
    const extra: Record<string, string> = {};
    for (const p of more.get ?? []) {
      const pid = (await n.podman(['inspect', '--format', '{{.State.Pid}}', name])).stdout.trim();
      extra[`GET ${p}`] = (await exec('nsenter', ['-t', pid, '-n', 'curl', '--silent', '--max-time', '10', `http://127.0.0.1:${pod.port}${p}`])).stdout;
    }
    for (const f of more.write ?? []) {
      const r = await exec('podman', ['exec', name, 'sh', '-c', `echo x > ${f}`], { env: n.env });
      extra[`write ${f}`] = r.code === 0 ? 'ok' : r.stderr.trim();
    }
    return { digest, stored, pod, user: config.User ?? '', exposed: Object.keys(config.ExposedPorts ?? {}), health, extra };
  } finally {
    await exec('podman', ['rm', '--force', '--time', '0', name], { env: n.env });
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const summary = (app: string, s: Shipped) =>
  `${app} ${s.digest} ${mb(s.stored.size)} (${s.stored.layers} layers) run as uid ${s.pod.user}, read-only: GET ${s.pod.healthPath} → ${s.health.status} ${s.health.body.trim()}`;

let tagging: Promise<unknown> = Promise.resolve();
/** Runs `./script/cibuild` as the Test stage does: in the Jenkinsfile's python image, the workspace mounted at its own path, as the agent's uid. */
async function cibuild(appDir: string): Promise<{ code: number | null; out: string }> {
  const b = build!;
  const image = /^\s*image '([^']+)'/m.exec(readFileSync(path.join(appDir, 'Jenkinsfile'), 'utf8'))?.[1];
  assert.ok(image, "the Jenkinsfile's Test stage names its python image");
  // One tag at a time: concurrent tags of the base (a read-only store's image) race in the storage.
  tagging = tagging.then(() => b.podman(['tag', base!.image, image!]));
  await tagging;
  const ws = path.join(work.dir, `workspace-${++runs}`);
  cpSync(appDir, ws, { recursive: true });
  // The Jenkins agent's user (uid 1000) owns its workspace; `docker.inside` runs the steps as it.
  const chown = (p: string) => {
    chownSync(p, 1000, 1000);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chown(path.join(p, e));
  };
  chown(ws);
  const r = await timed(`cibuild ${path.basename(path.dirname(appDir))}`, () =>
    exec('podman', ['run', '--rm', '--network=none', '--user=1000:1000', `--volume=${ws}:${ws}`, `--workdir=${ws}`, image!, 'sh', '-c', './script/cibuild'], { env: b.env }),
  );
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

test('the bundled example: its generated Dockerfile builds offline, and the image runs as its Deployment runs it; /healthz answers 200', async () => {
  if (!ready()) return;
  const app = exampleApp('example');
  const s = await ship(app, 'hello-flask', 'develop', { get: ['/'], write: ['/app/written', '/tmp/written'] });
  assert.is(s.health.status, 200, s.health.body);
  assert.equal(JSON.parse(s.health.body), { status: 'ok' });
  // The image's own USER is the uid the Deployment runs it as; it exposes the probed port.
  assert.is(s.user, '10001:10001');
  assert.is(s.pod.user, s.user);
  assert.equal(s.exposed, [`${s.pod.port}/tcp`]);
  // The develop overlay's env reached the app; only /tmp (the emptyDir) is writable.
  assert.equal(JSON.parse(s.extra['GET /']!), { message: 'hello from develop' });
  assert.match(s.extra['write /app/written']!, 'Read-only file system');
  assert.is(s.extra['write /tmp/written'], 'ok');
  images.push(summary('hello-flask', s));
});

test('a plain Flask app with a package layout and a create_app() factory, set up by `pipewright init`: built, run, /health answers 200', async () => {
  if (!ready()) return;
  const dir = path.join(work.dir, 'inventory', 'inventory');
  const files: Record<string, string> = {
    'inventory/__init__.py': [
      '"""An inventory service."""',
      'from flask import Flask',
      '',
      '',
      'def create_app(test_config=None):',
      '    app = Flask(__name__)',
      '    if test_config:',
      '        app.config.update(test_config)',
      '    from . import views',
      '',
      '    app.register_blueprint(views.bp)',
      '    return app',
      '',
    ].join('\n'),
    'inventory/views.py': [
      'from flask import Blueprint, jsonify',
      '',
      'bp = Blueprint("inventory", __name__)',
      'ITEMS = {"apple": 3, "pear": 0}',
      '',
      '',
      '@bp.get("/health")',
      'def health():',
      '    return jsonify(ok=True)',
      '',
      '',
      '@bp.get("/items/<name>")',
      'def item(name):',
      '    return jsonify(name=name, count=ITEMS.get(name, 0))',
      '',
    ].join('\n'),
    'tests/test_views.py': [
      'from inventory import create_app',
      '',
      '',
      'def test_health_and_items():',
      '    client = create_app({"TESTING": True}).test_client()',
      '    assert client.get("/health").get_json() == {"ok": True}',
      '    assert client.get("/items/apple").get_json() == {"name": "apple", "count": 3}',
      '',
    ].join('\n'),
    'requirements.txt': 'Flask>=3.0\n',
    // The base is trixie's Python 3.13: this app asks for it, so init picks python:3.13-slim.
    '.python-version': '3.13\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'The app');
  const env = { ...GIT_ENV };
  const res = runCli(['init', '--yes', '--account-id', '123456789012', '--region', 'eu-west-1'], { cwd: dir, env });
  assert.is(res.status, 0, res.stderr);
  const config = readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8');
  assert.match(config, 'wsgi: "inventory:create_app()"');
  assert.match(config, 'healthPath: /health');
  assert.match(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), /^FROM python:3\.13-slim$/m);

  const s = await ship(dir, 'inventory', 'develop', { get: ['/items/apple'] });
  assert.is(s.pod.healthPath, '/health');
  assert.is(s.health.status, 200, s.health.body);
  assert.equal(JSON.parse(s.health.body), { ok: true });
  assert.equal(JSON.parse(s.extra['GET /items/apple']!), { name: 'apple', count: 3 });
  assert.is(s.user, s.pod.user);
  images.push(summary('inventory (init)', s));
  cibuildApps.push(dir);
});

const cibuildApps: string[] = [];

test("the apps' own tests pass through the scaffolded script/cibuild, run as the Test stage runs it; a failing test fails it", async () => {
  if (!ready()) return;
  const example = exampleApp('cibuild');
  // A test that fails must make the stage fail.
  const failing = exampleApp('cibuild-failing');
  const testFile = path.join(failing, 'tests', 'test_app.py');
  writeFileSync(testFile, readFileSync(testFile, 'utf8').replace('{"status": "ok"}', '{"status": "broken"}'));
  // Independent containers: run at once.
  const [failed, ...more] = await Promise.all([failing, example, ...cibuildApps].map((app) => cibuild(app)));
  const passed = [example, ...cibuildApps].map((app, i) => {
    const r = more[i]!;
    assert.is(r.code, 0, r.out);
    const count = /(\d+) passed/.exec(r.out)?.[1];
    assert.ok(count, r.out);
    // pip resolved requirements.txt and pytest offline: every one already there.
    assert.match(r.out, /Requirement already satisfied: flask/i);
    return `${path.basename(app)} ${count} passed`;
  });
  assert.is.not(failed!.code, 0, failed!.out);
  assert.match(failed!.out, /1 failed, 1 passed/);
  refused.cibuild.push(`a failing app test (script/cibuild exit ${failed!.code})`);
  cibuilds.push(...passed);
});

test('a broken Dockerfile fails: gunicorn binds :8001 while the Deployment probes :8000, or binds the loopback address only', async () => {
  if (!ready()) return;
  const app = exampleApp('broken');
  const file = path.join(app, 'Dockerfile');
  const text = readFileSync(file, 'utf8');
  const bind = '"--bind", "0.0.0.0:8000"';
  assert.match(text, bind);
  const failure = async (broken: string) => {
    writeFileSync(file, text.replace(bind, broken));
    try {
      await ship(app, 'hello-flask', 'develop');
    } catch (e) {
      return (e as Error).message;
    }
    return 'it ran';
  };
  assert.match(await failure('"--bind", "0.0.0.0:8001"'), 'nothing listens on :8000 (the port the Deployment probes); the container listens on :8001');
  refused.image.push('a Dockerfile whose CMD binds :8001 (nothing listens on :8000)');
  assert.match(await failure('"--bind", "127.0.0.1:8000"'), "the container listens on :8000 on the loopback address only: the kubelet's probe and the load balancer come from the pod's IP");
  refused.image.push('one that binds 127.0.0.1:8000 (loopback only)');
});

test.run();
