// The one git layer (src/git/git.ts) on a real repository: its asynchronous face (simple-git)
// answers exactly as its synchronous one, passes the environment on whole (simple-git would strip
// GIT_DIR and the rest), and is the only way src/ starts git; simple-git is loaded from its own
// bundle, by the commands that ask asynchronously only, never by the pre-push hook.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../src/git/git.js';
import { whoRuns } from '../src/git/user.js';
import { UsageError } from '../src/core/errors.js';
import { fromRoot, tempDir } from './helpers.js';

const t = tempDir('pipewright-git-layer-');
const repo = path.join(t.dir, 'repo');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
mkdirSync(repo);
git('init', '-q', '-b', 'develop');
git('config', 'user.email', 'dev@example.com');
git('config', 'user.name', 'Dev');
writeFileSync(path.join(repo, 'pipewright.yaml'), 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n');
git('add', '.');
git('commit', '-q', '-m', 'one');
git('commit', '-q', '--allow-empty', '-m', 'two');
git('tag', '-a', '-m', 'release', 'v1.0.0');
const head = git('rev-parse', 'HEAD');
const first = git('rev-parse', 'HEAD~1');

test.after(() => t.cleanup());

/** The error a promise rejects with (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** The error a call throws (fails when it returns). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

test('raw and check (simple-git) answer exactly as run and test do', async () => {
  const g = new Git(repo);
  for (const args of [['rev-parse', 'HEAD'], ['for-each-ref', '--format=%(refname) %(objectname)'], ['log', '--format=%H %s'], ['rev-list', '--parents', 'HEAD']]) {
    assert.is(await g.raw(args), g.run(args), args.join(' '));
  }
  const input = `${head}\nno-such-object\nv1.0.0^{commit}\n`;
  assert.is(await g.raw(['cat-file', '--batch-check'], { input }), g.run(['cat-file', '--batch-check'], input));
  assert.is(await g.raw(['rev-list', '--stdin'], { input: '' }), '', 'an empty input closes stdin: git does not wait for more');
  for (const args of [['merge-base', '--is-ancestor', first, head], ['merge-base', '--is-ancestor', head, first], ['show-ref', '--verify', '--quiet', 'refs/heads/nope']]) {
    assert.is(await g.check(args), g.test(args), args.join(' '));
  }
  assert.is(await g.check(['merge-base', '--is-ancestor', head, first]), false);
  // Failures: git's own message, the same from both engines.
  const bad = ['rev-parse', '--verify', 'no-such-ref'];
  const syncError = thrown(() => g.run(bad));
  assert.match(syncError.message, /^git rev-parse --verify no-such-ref failed \(128\): fatal: /);
  assert.is((await rejection(g.raw(bad))).message, syncError.message);
  const weird = ['merge-base', '--is-ancestor', 'no-such-ref', head];
  assert.is((await rejection(g.check(weird))).message, thrown(() => g.test(weird)).message);
});

test("the environment reaches git whole: a hook's GIT_DIR, git -c's GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT, with no warning", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const elsewhere = path.join(t.dir, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const env = {
      ...process.env,
      GIT_DIR: path.join(repo, '.git'),
      GIT_CONFIG_PARAMETERS: "'pipewright.from-c'='yes'",
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'pipewright.from-env',
      GIT_CONFIG_VALUE_0: 'also',
      EDITOR: 'true',
      GIT_PAGER: 'cat',
    };
    const g = new Git(elsewhere, { env });
    assert.is(await g.raw(['rev-parse', 'HEAD']), head, 'GIT_DIR names the repository, whatever the working directory');
    assert.is(await g.raw(['config', 'pipewright.from-c']), 'yes');
    assert.is(await g.raw(['config', 'pipewright.from-env']), 'also');
    assert.is(g.run(['config', 'pipewright.from-c']), 'yes');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('no git, or no such directory: the same UsageError from both engines', async () => {
  const missing = new Git(path.join(t.dir, 'no-such-dir'));
  for (const e of [thrown(() => missing.run(['status'])), await rejection(missing.raw(['status'])), await rejection(missing.check(['status']))]) {
    assert.instance(e, UsageError);
  }
  const noGit = new Git(repo, { env: { ...process.env, PATH: t.dir } });
  for (const e of [thrown(() => noGit.run(['status'])), thrown(() => noGit.test(['status'])), await rejection(noGit.raw(['status'])), await rejection(noGit.check(['status']))]) {
    assert.instance(e, UsageError);
    assert.is(e.message, 'git is not installed or not on PATH');
  }
});

test('a deadline stops git; whoRuns reads user.email through it', async () => {
  // An alias whose shell waits: the whole call must end at the deadline, not when it does.
  const slow = new Git(repo, { env: { ...process.env, GIT_CONFIG_PARAMETERS: "'alias.slow'='!exec sleep 5 </dev/null >/dev/null 2>&1'" } });
  const started = Date.now();
  const e = await rejection(slow.raw(['slow'], { timeoutMs: 300 }));
  assert.is(e.message, 'git slow did not finish within 300 ms');
  assert.ok(Date.now() - started < 4000, 'stopped at the deadline');
  assert.is(await whoRuns(repo), 'dev@example.com');
});

/** Every .ts file under src/. */
function sources(dir = fromRoot('src')): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('one git layer: only src/git/git.ts starts git, only src/git/simple.ts loads simple-git', () => {
  const spawnsGit = /\b(?:spawn|spawnSync|exec|execSync|execFile|execFileSync)\(\s*['"`]git['"`]/;
  const loadsSimpleGit = /(?:from\s+|import\()\s*['"`]simple-git['"`]/;
  const files = sources();
  assert.ok(files.length > 50, 'the scan sees the sources');
  const rel = (p: string) => path.relative(fromRoot(), p).split(path.sep).join('/');
  assert.equal(files.filter((f) => spawnsGit.test(readFileSync(f, 'utf8'))).map(rel), ['src/git/git.ts']);
  assert.equal(files.filter((f) => loadsSimpleGit.test(readFileSync(f, 'utf8'))).map(rel), ['src/git/simple.ts']);
});

let traces = 0;

/** Every module file a real process loads (`node --import trace-loads.mjs …`). */
function loaded(args: string[], input?: string): string[] {
  const trace = path.join(t.dir, `trace-${++traces}.txt`);
  const res = spawnSync(process.execPath, ['--import', fromRoot('test/fixtures/trace-loads.mjs'), ...args], { cwd: repo, input, encoding: 'utf8', env: { ...process.env, TRACE_FILE: trace } });
  assert.ok(res.status === 0 || res.status === 1, `${args.join(' ')}: exit ${res.status}\n${res.stderr}`);
  return existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
}

test('simple-git is bundled and lazy: lint loads dist/bin/simple-git.js and no node_modules, the pre-push hook never loads it', () => {
  const bundle = /\/dist\/bin\/simple-git\.js$/;
  const fromNodeModules = /\/node_modules\/(?:simple-git|@simple-git|@kwsites|debug|ms)\//;
  const lint = loaded([fromRoot('dist/bin/cli.js'), 'lint']);
  assert.ok(lint.some((u) => bundle.test(u)), `lint loads the bundle: ${lint.join(', ')}`);
  assert.equal(lint.filter((u) => fromNodeModules.test(u)), []);
  const hook = loaded([fromRoot('bin/pipewright.cjs'), 'hook', 'pre-push', 'origin', 'unused'], `refs/heads/develop ${head} refs/heads/develop ${'0'.repeat(40)}\n`);
  assert.ok(hook.some((u) => /\/dist\/bin\/hook\.js$/.test(u)), `the trace sees the hook: ${hook.join(', ')}`);
  assert.equal(hook.filter((u) => bundle.test(u) || fromNodeModules.test(u)), []);
});

test.run();
