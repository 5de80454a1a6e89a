// `pipewright init` as a new user runs it: the whole CLI process, on a copy of the bundled example
// in a real temporary git repository, and then the hook it installed run by a real `git push`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderGenerated } from '../src/commands/generate.js';
import { loadProject } from '../src/commands/common.js';
import { validateConfig } from '../src/config/validate.js';
import { HOOK_MARKER } from '../src/render/git-hook/hook.js';
import { resolveModel } from '../src/model/model.js';
import { copyExample, engineAvailable, fromRoot, runCli, tempDir } from './helpers.js';

const hasGit = engineAvailable('git');
const scratch = tempDir('pipewright-init-');
const SCRATCH = realpathSync(scratch.dir);
test.after(() => scratch.cleanup());

// Every repository here ignores the machine's git config (a global hooksPath or signing would
// change what is tested) and finds no repository above the scratch folder.
const GITCONFIG = path.join(SCRATCH, 'gitconfig');
writeFileSync(GITCONFIG, '[user]\n\tname = Dev\n\temail = dev@example.com\n[init]\n\tdefaultBranch = master\n');
const ENV: NodeJS.ProcessEnv = {
  GIT_CONFIG_GLOBAL: GITCONFIG,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CEILING_DIRECTORIES: SCRATCH,
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  PIPEWRIGHT_SKIP_HOOK: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
};
const childEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env, ...ENV, ...extra };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
};
const cli = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd, env: childEnv(env) });

function git(cwd: string, ...args: string[]): string {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8', env: childEnv() });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')}: ${res.stderr}`);
  return res.stdout.trim();
}

let counter = 0;
/** The example app (without its pipewright.yaml, unless asked) in a new repository on master with one commit. */
function exampleRepo(opts: { keepConfig?: boolean; commit?: boolean; init?: boolean; extra?: Record<string, string> } = {}): string {
  const dir = path.join(SCRATCH, String(++counter), 'hello-flask');
  mkdirSync(dir, { recursive: true });
  copyExample(dir);
  if (!opts.keepConfig) rmSync(path.join(dir, 'pipewright.yaml'));
  for (const [rel, text] of Object.entries(opts.extra ?? {})) writeFileSync(path.join(dir, rel), text);
  if (opts.init === false) return dir;
  git(dir, 'init', '-q');
  if (opts.commit !== false) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'The app');
  }
  return dir;
}

const YES = ['init', '--yes', '--account-id', '123456789012', '--region', 'eu-west-1'];

/** Every path under `dir` with its size and mtime, refs and hooks included. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(path.join(dir, p));
        out.push(`${p} ${st.size} ${st.mtimeMs} ${st.mode}`);
      }
    }
  };
  walk('');
  return out.sort();
}

test('init on the example: pipewright.yaml, generated files, develop and staging at HEAD, the hook; a second init and generate --check change nothing', async () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  const head = git(dir, 'rev-parse', 'HEAD');
  const res = cli(dir, YES);
  assert.is(res.status, 0, res.stderr);

  // pipewright.yaml: inferred values with their reasons, read back by the real loader.
  const text = readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8');
  assert.match(text, /^# yaml-language-server: \$schema=node_modules\/pipewright\/schema\/pipewright\.schema\.json\n/);
  assert.match(text, '# inferred from hello/__init__.py: def create_app()\n  wsgi: "hello:create_app()"\n');
  assert.match(text, '# inferred from hello/__init__.py: @app.get("/healthz")\n  healthPath: /healthz\n');
  assert.match(text, '# inferred from the directory name "hello-flask"\napp: hello-flask\n');
  assert.match(text, '# from --account-id\n  accountId: "123456789012"\n');
  assert.not.match(text, 'productionBranch', 'a master repository: the default, not written');
  {
    const { model } = await loadProject({ cwd: dir });
    const expected = resolveModel(
      validateConfig(
        { app: 'hello-flask', aws: { accountId: '123456789012', region: 'eu-west-1' }, runtime: { wsgi: 'hello:create_app()', healthPath: '/healthz', python: '3.12' } },
        'x',
      ),
      'pipewright.yaml',
    );
    assert.equal(model, expected);

    // What generate renders for that model, byte for byte, and the manifest of the generated ones.
    const files = renderGenerated(model, dir);
    assert.ok(files.length > 10);
    for (const f of files) assert.is(readFileSync(path.join(dir, f.path), 'utf8'), f.contents, f.path);
    const manifest = JSON.parse(readFileSync(path.join(dir, '.pipewright/manifest.json'), 'utf8'));
    assert.equal(Object.keys(manifest.files).sort(), files.filter((f) => f.owner === 'pipewright').map((f) => f.path).sort());

    // Branches at HEAD; HEAD, its branch and the tracked files untouched.
    assert.is(git(dir, 'rev-parse', 'refs/heads/develop'), head);
    assert.is(git(dir, 'rev-parse', 'refs/heads/staging'), head);
    assert.is(git(dir, 'symbolic-ref', '--short', 'HEAD'), 'master');
    assert.is(git(dir, 'rev-parse', 'HEAD'), head);
    assert.is(git(dir, 'status', '--porcelain', '--untracked-files=no'), '', 'no tracked file changed');

    // The hook.
    const hook = path.join(dir, '.git/hooks/pre-push');
    assert.ok(readFileSync(hook, 'utf8').includes(HOOK_MARKER));
    assert.is(statSync(hook).mode & 0o111, 0o111);

    // The report: inferred values, the catalog entry and the next commands.
    for (const s of ['create      pipewright.yaml', 'create      Jenkinsfile', 'scaffold    Dockerfile', `develop     created at ${head.slice(0, 7)} (HEAD, master)`, 'installed .git/hooks/pre-push', '- name: hello-flask', 'pipewright ecr ensure', 'pipewright cluster bootstrap', 'git push origin develop staging', 'git switch develop', `master      exists, at ${head.slice(0, 7)}: production (blue), fed only by merges from staging`, 'changes flow develop → staging → master by pull requests']) {
      assert.ok(res.stdout.includes(s), s);
    }

    // Twice is safe: nothing changes, on disk or in git.
    const before = snapshot(dir);
    const again = cli(dir, YES);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stdout, 'Nothing changed: everything was already set up.');
    assert.match(again.stdout, 'exists      pipewright.yaml');
    assert.equal(snapshot(dir), before);
    assert.is(again.stderr, '', 'the same flags as the config: no warning');
    const check = cli(dir, ['generate', '--check']);
    assert.is(check.status, 0, check.stdout + check.stderr);
  }
});

test('the installed hook runs the real pipewright on push: develop and staging go out, a plain commit pushed to staging is refused', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  const remote = path.join(path.dirname(dir), 'remote.git');
  git(path.dirname(dir), 'init', '-q', '--bare', remote);
  git(dir, 'remote', 'add', 'origin', remote);
  assert.is(cli(dir, YES).status, 0);
  // The next steps, as printed.
  git(dir, 'switch', '-q', 'develop');
  git(dir, 'add', '--', '.dockerignore', '.pipewright', 'Dockerfile', 'Jenkinsfile', 'kustomize', 'pipewright.yaml', 'script');
  git(dir, 'commit', '-q', '-m', 'Set up the pipewright delivery pipeline');
  // `pipewright` on PATH is the package's bin entry (the Node version check, then the CLI).
  const bin = path.join(path.dirname(dir), 'bin');
  mkdirSync(bin);
  symlinkSync(fromRoot('bin', 'pipewright.cjs'), path.join(bin, 'pipewright'));
  const env = childEnv({ PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1' });
  const push = (...refs: string[]) => spawnSync('git', ['push', '-q', 'origin', ...refs], { cwd: dir, encoding: 'utf8', env });

  const ok = push('develop', 'staging');
  assert.is(ok.status, 0, ok.stderr);
  assert.is(git(remote, 'rev-parse', 'develop'), git(dir, 'rev-parse', 'develop'));

  // Fast-forwarding staging to develop puts a plain commit on it, not a merge.
  git(dir, 'switch', '-q', 'staging');
  git(dir, 'merge', '-q', '--ff-only', 'develop');
  const refused = push('staging');
  assert.is.not(refused.status, 0);
  assert.match(refused.stderr, 'staging accepts no direct commits', refused.stderr);
  assert.is.not(git(remote, 'rev-parse', 'staging'), git(dir, 'rev-parse', 'staging'));
});

test('a working tree with changes of your own is refused (nothing written), then allowed with --force', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  const app = path.join(dir, 'hello/__init__.py');
  writeFileSync(app, `${readFileSync(app, 'utf8')}# work in progress\n`);
  writeFileSync(path.join(dir, 'notes.txt'), 'todo\n');
  const before = snapshot(dir);
  const refused = cli(dir, YES);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, " M hello/__init__.py\n  ?? notes.txt\n");
  assert.match(refused.stderr, 'git stash -u');
  assert.match(refused.stderr, '--force');
  assert.equal(snapshot(dir), before, 'nothing written, no branch, no hook');
  assert.is(git(dir, 'branch', '--list', 'develop'), '');

  const forced = cli(dir, [...YES, '--force']);
  assert.is(forced.status, 0, forced.stderr);
  assert.ok(existsSync(path.join(dir, 'pipewright.yaml')));
  assert.match(readFileSync(app, 'utf8'), '# work in progress\n');
  assert.is(readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'todo\n');
});

test('a Jenkinsfile pipewright did not write is kept byte for byte and reported with its fix; the rest is done; exit 1', () => {
  if (!hasGit) return;
  const mine = "pipeline {\n  agent any\n  stages { stage('Hi') { steps { echo 'mine' } } }\n}\n";
  const dir = exampleRepo({ extra: { Jenkinsfile: mine } });
  const res = cli(dir, YES);
  assert.is(res.status, 1, res.stdout + res.stderr);
  assert.is(readFileSync(path.join(dir, 'Jenkinsfile'), 'utf8'), mine);
  const lines = res.stderr.trim().split('\n');
  assert.is(lines.length, 1, res.stderr);
  assert.match(lines[0]!, /^pipewright init: kept Jenkinsfile \(exists and was not generated by pipewright\): .*git mv Jenkinsfile Jenkinsfile\.orig.*pipewright generate --force/);
  assert.match(res.stdout, /kept\s+Jenkinsfile\s+\(exists and was not generated by pipewright\)/);
  // Everything else was done.
  assert.ok(existsSync(path.join(dir, 'kustomize/base/deployment.yaml')));
  assert.ok(existsSync(path.join(dir, 'pipewright.yaml')));
  assert.is(git(dir, 'rev-parse', 'develop'), git(dir, 'rev-parse', 'HEAD'));
  assert.ok(existsSync(path.join(dir, '.git/hooks/pre-push')));
  const manifest = JSON.parse(readFileSync(path.join(dir, '.pipewright/manifest.json'), 'utf8'));
  assert.not.ok('Jenkinsfile' in manifest.files, 'not recorded as ours');
  // Still kept, and still reported, the next time.
  const again = cli(dir, YES);
  assert.is(again.status, 1);
  assert.is(readFileSync(path.join(dir, 'Jenkinsfile'), 'utf8'), mine);
  assert.match(again.stderr, 'kept Jenkinsfile');
  // The fix it names works.
  git(dir, 'mv', 'Jenkinsfile', 'Jenkinsfile.orig');
  const gen = cli(dir, ['generate']);
  assert.is(gen.status, 0, gen.stderr);
  assert.match(readFileSync(path.join(dir, 'Jenkinsfile'), 'utf8'), /^\/\/ Generated by pipewright/);
});

test('a generated file edited by hand since the last init is kept, and stays reported; run with -C, the next steps start with cd', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  const shell = path.dirname(path.dirname(dir));
  const run = () => runCli(['-C', dir, ...YES], { cwd: shell, env: childEnv() });
  assert.is(run().status, 0);
  const file = path.join(dir, 'kustomize/base/service.yaml');
  const edited = `${readFileSync(file, 'utf8')}# my tweak\n`;
  writeFileSync(file, edited);
  const manifest = readFileSync(path.join(dir, '.pipewright/manifest.json'), 'utf8');
  for (let i = 0; i < 2; i++) {
    const res = run();
    assert.is(res.status, 1, res.stderr);
    assert.match(res.stderr, /^pipewright init: kept kustomize\/base\/service\.yaml \(generated file edited by hand\): move the change into the config/);
    assert.is(readFileSync(file, 'utf8'), edited);
    assert.is(readFileSync(path.join(dir, '.pipewright/manifest.json'), 'utf8'), manifest, 'the manifest still records what pipewright wrote');
    assert.match(res.stdout, `1. Go to the app's folder; the commands below run there:\n       cd ${path.relative(shell, dir)}\n`);
  }
  assert.is(cli(dir, ['generate', '--check']).status, 1);
});

test('the example with its own pipewright.yaml: kept byte for byte and used', () => {
  if (!hasGit) return;
  const dir = exampleRepo({ keepConfig: true });
  const before = readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8');
  const res = cli(dir, ['init', '--yes']);
  assert.is(res.status, 0, res.stderr);
  assert.is(readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8'), before);
  assert.match(readFileSync(path.join(dir, 'kustomize/overlays/blue/ingress.yaml'), 'utf8'), 'hello-flask.example.com');
});

test('--force rewrites an existing pipewright.yaml from its own values and the flags', () => {
  if (!hasGit) return;
  const dir = exampleRepo({ keepConfig: true });
  const res = cli(dir, ['init', '--yes', '--force', '--region', 'us-east-1', '--no-hook']);
  assert.is(res.status, 0, res.stderr);
  assert.match(res.stdout, /update\s+pipewright\.yaml\s+\(--force\)/);
  const text = readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8');
  assert.match(text, '# kept from the previous pipewright.yaml\napp: hello-flask\n');
  assert.match(text, '  # kept from the previous pipewright.yaml\n  accountId: "123456789012"\n');
  assert.match(text, '  # from --region\n  region: us-east-1\n');
  assert.match(text, '  # kept from the previous pipewright.yaml\n  wsgi: "hello:create_app()"\n');
  assert.not.match(text, 'delivery', 'the rest of the old config is gone: that is what --force means');
});

test('not a git repository: one line with the fix, exit 2', () => {
  const dir = exampleRepo({ init: false });
  const res = cli(dir, YES);
  assert.is(res.status, 2);
  assert.is(res.stderr.trim().split('\n').length, 1, res.stderr);
  assert.match(res.stderr, /^pipewright init: .* is not in a git repository: run `git init && git add -A && git commit -m "Initial commit"` there first/);
  assert.not.ok(existsSync(path.join(dir, 'pipewright.yaml')));
});

test('no Flask app: one line with the fix, exit 2; --wsgi names it', () => {
  if (!hasGit) return;
  const dir = path.join(SCRATCH, String(++counter), 'docs-site');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), '# docs\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'docs');
  const res = cli(dir, YES);
  assert.is(res.status, 2);
  assert.is(res.stderr.trim().split('\n').length, 1, res.stderr);
  assert.match(res.stderr, /^pipewright init: no Flask app found in .*docs-site .*--wsgi module:callable/);
  const named = cli(dir, [...YES, '--wsgi', 'site:app', '--no-hook']);
  assert.is(named.status, 0, named.stderr);
  assert.match(readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8'), '# from --wsgi\n  wsgi: "site:app"\n');
  assert.match(named.stderr, 'flask is not listed in requirements.txt or pyproject.toml');
});

test('a repository without commits: the branches need one (exit 2); --no-branches goes ahead', () => {
  if (!hasGit) return;
  const dir = exampleRepo({ commit: false });
  const res = cli(dir, YES);
  assert.is(res.status, 2);
  assert.match(res.stderr, /no commits yet.*git add -A && git commit -m "Initial commit".*--no-branches/);
  assert.not.ok(existsSync(path.join(dir, 'pipewright.yaml')));
  const ok = cli(dir, [...YES, '--no-branches', '--force']);
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, '(--no-branches: none created)');
});

test('the account id is never guessed: without a terminal, or with --yes, it is a usage error naming --account-id', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  for (const args of [['init'], ['init', '--yes']]) {
    const res = cli(dir, args);
    assert.is(res.status, 2);
    assert.match(res.stderr, /the AWS account id cannot be inferred .*pass --account-id <12 digits>/);
  }
  const bad = cli(dir, ['init', '--account-id', '12345']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, 'pipewright init: --account-id "12345": must be exactly 12 digits');
  const badApp = cli(dir, ['init', '--account-id', '123456789012', '--app', 'Hello_App']);
  assert.is(badApp.status, 2);
  assert.match(badApp.stderr, '--app "Hello_App":');
  assert.not.ok(existsSync(path.join(dir, 'pipewright.yaml')));
});

test('the region comes from AWS_REGION, then AWS_DEFAULT_REGION', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  const res = cli(dir, ['init', '--yes', '--account-id', '123456789012', '--no-hook', '--no-branches'], { AWS_DEFAULT_REGION: 'us-west-2', AWS_REGION: 'ap-south-1' });
  assert.is(res.status, 0, res.stderr);
  assert.match(readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8'), '  # from AWS_REGION\n  region: ap-south-1\n');
});

test('--dry-run writes nothing: no file, branch or hook; it prints the config and what would follow', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  const before = snapshot(dir);
  const res = cli(dir, [...YES, '--dry-run']);
  assert.is(res.status, 0, res.stderr);
  assert.equal(snapshot(dir), before);
  assert.match(res.stdout, '--- pipewright.yaml (would create)\n# yaml-language-server:');
  assert.match(res.stdout, 'would create at');
  assert.match(res.stdout, 'would install .git/hooks/pre-push');
  assert.match(res.stdout, 'create      kustomize/base/deployment.yaml');
});

test('--json: what was done, the catalog entry from the GitHub remote, and the next steps', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  git(dir, 'remote', 'add', 'origin', 'git@github.com:acme/hello-flask.git');
  const head = git(dir, 'rev-parse', 'HEAD');
  const res = cli(dir, [...YES, '--json']);
  assert.is(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout);
  assert.equal(Object.keys(out), ['root', 'dryRun', 'changed', 'app', 'config', 'files', 'kept', 'branches', 'production', 'hook', 'catalogEntry', 'nextSteps', 'warnings']);
  assert.is(out.root, dir);
  assert.is(out.changed, true);
  assert.is(out.config.action, 'create');
  assert.equal(out.config.values.wsgi, { value: 'hello:create_app()', from: 'inferred from hello/__init__.py: def create_app()' });
  assert.ok(out.files.some((f: { path: string; kind: string }) => f.path === 'Jenkinsfile' && f.kind === 'create'));
  assert.equal(out.kept, []);
  assert.equal(out.branches, [
    { name: 'develop', action: 'created', commit: head, from: 'HEAD' },
    { name: 'staging', action: 'created', commit: head, from: 'HEAD' },
  ]);
  assert.equal(out.production, { branch: 'master', environment: 'blue', commit: head, mergeFrom: ['staging'] });
  assert.equal(out.hook, { file: '.git/hooks/pre-push', action: 'installed', manager: 'git' });
  assert.equal(out.catalogEntry, { name: 'hello-flask', github: 'acme/hello-flask' });
  assert.equal(out.nextSteps.map((s: { lines: string[] }) => s.lines[s.lines.length - 1]), [
    'git commit -m "Set up the pipewright delivery pipeline"',
    '  github: acme/hello-flask',
    'pipewright ecr ensure',
    'pipewright cluster bootstrap',
    'git push origin develop staging',
  ]);
  const again = JSON.parse(cli(dir, [...YES, '--json']).stdout);
  assert.is(again.changed, false);
  assert.is(again.config.action, 'kept');
  assert.equal(again.branches.map((b: { action: string }) => b.action), ['exists', 'exists']);
});

test('a branch the remote already has is created from it, not from HEAD', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  const remote = path.join(path.dirname(dir), 'remote.git');
  git(path.dirname(dir), 'init', '-q', '--bare', remote);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'branch', 'develop');
  git(dir, 'push', '-q', 'origin', 'master');
  git(dir, 'switch', '-q', 'develop');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'develop work');
  git(dir, 'push', '-q', 'origin', 'develop');
  const onDevelop = git(dir, 'rev-parse', 'develop');
  git(dir, 'switch', '-q', 'master');
  git(dir, 'branch', '-D', '-q', 'develop');
  const res = cli(dir, [...YES, '--json']);
  assert.is(res.status, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).branches[0], { name: 'develop', action: 'created', commit: onDevelop, from: 'origin/develop' });
  assert.is(git(dir, 'rev-parse', 'develop'), onDevelop);
  assert.is(git(dir, 'rev-parse', '--abbrev-ref', 'develop@{upstream}'), 'origin/develop');
});

// ---------------------------------------------------------------------------------------------
// Production on main: init reads the repository's default branch.

/** The example in a repository whose production branch is main, with a bare remote (not yet its origin). */
function mainRepo(): { dir: string; remote: string; head: string } {
  const dir = exampleRepo();
  git(dir, 'branch', '-m', 'master', 'main');
  const remote = path.join(path.dirname(dir), 'remote.git');
  git(path.dirname(dir), 'init', '-q', '--bare', remote);
  return { dir, remote, head: git(dir, 'rev-parse', 'HEAD') };
}

test('origin/HEAD is main: productionBranch: main with its reason, main feeds blue everywhere, and the next steps say so', async () => {
  if (!hasGit) return;
  const { dir, remote, head } = mainRepo();
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', 'main');
  git(dir, 'remote', 'set-head', 'origin', 'main');
  // Nothing else tells: a local master too, and HEAD on a feature branch.
  git(dir, 'branch', 'master');
  git(dir, 'switch', '-q', '-c', 'feature/setup');
  const res = cli(dir, YES);
  assert.is(res.status, 0, res.stderr);
  const text = readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8');
  assert.match(text, '\n# inferred from origin/HEAD, which points at origin/main\nproductionBranch: main\n');
  const { model } = await loadProject({ cwd: dir });
  assert.equal(model.environments.map((e) => [e.branch, e.name, e.production]), [
    ['develop', 'develop', false],
    ['staging', 'green', false],
    ['main', 'blue', true],
  ]);
  assert.equal(model.rules.branches.map((r) => [r.branch, r.mergeFrom, r.releaseTag?.name ?? null]), [
    ['develop', null, null],
    ['staging', ['develop'], 'beta'],
    ['main', ['staging'], 'stable'],
  ]);
  // develop and staging as ever; main is production, named in the summary and the next steps.
  assert.is(git(dir, 'rev-parse', 'refs/heads/develop'), head);
  assert.is(git(dir, 'rev-parse', 'refs/heads/staging'), head);
  for (const s of [
    /productionBranch\s+main\s+inferred from origin\/HEAD, which points at origin\/main/,
    `main        exists, at ${head.slice(0, 7)}: production (blue), fed only by merges from staging`,
    'changes flow develop → staging → main by pull requests',
    'git push origin develop staging',
  ]) {
    assert.match(res.stdout, s);
  }
  // The catalog's default includes build main: the entry needs none.
  assert.not.match(res.stdout, 'includes:');
  assert.not.match(res.stdout + res.stderr, /\bmaster\b(?! +exists| +\(|,)/, 'master is named nowhere else');
  // The generated pipeline carries main's rules, and generate agrees with what init wrote.
  assert.match(readFileSync(path.join(dir, 'Jenkinsfile'), 'utf8'), "branch: 'main', mergeFrom: ['staging']");
  assert.is(cli(dir, ['generate', '--check']).status, 0);
  // The repository now agrees with its config: lint finds nothing to say about the branches.
  const lint = cli(dir, ['lint', '--json']);
  assert.equal(JSON.parse(lint.stdout).findings.filter((f: { rule: string }) => f.rule.includes('branch-exist')), []);
});

test('only a local main: productionBranch: main, from the current branch or as the only one of main and master', () => {
  if (!hasGit) return;
  const { dir, head } = mainRepo();
  git(dir, 'switch', '-q', '-c', 'wip');
  const dry = cli(dir, [...YES, '--dry-run']);
  assert.is(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, '# inferred from the local branch main (there is no master)\nproductionBranch: main\n');
  git(dir, 'switch', '-q', 'main');
  const res = cli(dir, [...YES, '--json']);
  assert.is(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout);
  assert.equal(out.config.values.productionBranch, { value: 'main', from: 'inferred from the current branch, main' });
  assert.equal(out.production, { branch: 'main', environment: 'blue', commit: head, mergeFrom: ['staging'] });
  assert.equal(out.branches.map((b: { name: string }) => b.name), ['develop', 'staging']);
  assert.equal(out.catalogEntry, { name: 'hello-flask', github: 'OWNER/hello-flask' });
  assert.equal(out.warnings, []);
  assert.match(readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8'), '# inferred from the current branch, main\nproductionBranch: main\n');
});

test('--production-branch: validated like the config key; a branch the repository lacks is written, with a warning', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  for (const [value, message] of [
    ['a..b', 'pipewright init: --production-branch "a..b": "a..b" is not a valid git branch name'],
    ['staging', 'pipewright init: --production-branch "staging": "staging" already deploys to the green environment'],
  ]) {
    const bad = cli(dir, [...YES, '--production-branch', value!]);
    assert.is(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, message!);
    assert.not.ok(existsSync(path.join(dir, 'pipewright.yaml')));
  }
  const res = cli(dir, [...YES, '--production-branch', 'main', '--no-hook']);
  assert.is(res.status, 0, res.stderr);
  assert.match(readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8'), '# from --production-branch\nproductionBranch: main\n');
  assert.match(res.stdout, 'main        not in this repository yet: production (blue)');
  assert.match(res.stderr, "warning: the production environment blue deploys from main, which this repository does not have; the repository's default branch is master");
});

test('main and master both exist and nothing tells them apart: master, with a warning naming --production-branch', () => {
  if (!hasGit) return;
  const dir = exampleRepo();
  git(dir, 'branch', 'main');
  git(dir, 'switch', '-q', '-c', 'wip');
  const res = cli(dir, [...YES, '--no-hook']);
  assert.is(res.status, 0, res.stderr);
  assert.not.match(readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8'), 'productionBranch');
  assert.match(res.stderr, 'warning: both main and master exist and nothing says which one is the default branch');
  assert.match(res.stderr, 'pass --production-branch main');
});

test('a kept config that deploys production from master, in a main repository: a warning with the fix', () => {
  if (!hasGit) return;
  const { dir } = mainRepo();
  writeFileSync(path.join(dir, 'pipewright.yaml'), 'app: hello-flask\naws:\n  accountId: "123456789012"\n  region: eu-west-1\nruntime:\n  wsgi: "hello:create_app()"\n');
  git(dir, 'add', 'pipewright.yaml');
  git(dir, 'commit', '-q', '-m', 'config');
  const res = cli(dir, ['init', '--yes', '--no-hook', '--production-branch', 'main']);
  assert.is(res.status, 0, res.stderr);
  assert.match(res.stderr, 'pipewright.yaml exists, so --production-branch was not used');
  assert.match(res.stderr, 'warning: the production environment blue deploys from master, which this repository does not have');
  assert.match(res.stderr, 'set productionBranch: main in pipewright.yaml');
});

// Node too old: the bin entry is old-syntax JavaScript that checks the version before loading the
// ES module bundle. A preloaded script makes this Node report an old version.
test('the bin entry: on an old Node, one line naming the fix, exit 2; on this Node it runs the CLI', () => {
  const fake = path.join(SCRATCH, 'old-node.cjs');
  writeFileSync(fake, "Object.defineProperty(process.versions, 'node', { value: '16.20.2' });\n");
  const shim = fromRoot('bin', 'pipewright.cjs');
  const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8'));
  assert.is(pkg.bin.pipewright, 'bin/pipewright.cjs');
  assert.ok(pkg.files.includes('bin'));
  const min = /^>=(\d+\.\d+)$/.exec(pkg.engines.node)![1];

  const old = spawnSync(process.execPath, ['-r', fake, shim, 'init'], { encoding: 'utf8' });
  assert.is(old.status, 2);
  assert.is(old.stdout, '');
  assert.is(old.stderr, `pipewright: Node 16.20.2 is too old; install Node ${min} or newer (e.g. nvm install 20)\n`);

  const now = spawnSync(process.execPath, [shim, '--version'], { encoding: 'utf8' });
  assert.is(now.status, 0, now.stderr);
  assert.is(now.stdout.trim(), pkg.version);
  assert.is(statSync(shim).mode & 0o111, 0o111, 'executable, for a linked bin');
});

test.run();
