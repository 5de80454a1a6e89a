// The pre-push hook on input it cannot use, and on big pushes. Each case goes through the hook
// the way it can happen: through the installed hook and a real `git push` where git can produce
// it (a remote sha this clone lacks; a push of hundreds of refs), else straight into
// `pipewright hook pre-push` (git never writes garbage, random bytes, a 5 MB line, a short sha or
// an unknown one, and never gives the hook a directory or a closed stdin). Every refusal must be
// exit 2 (bad input) or 1 (the rules), name the line, and carry no stack trace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, tempDir } from './helpers.js';
import { CommitGraph, Git } from '../src/git/git.js';

const ZERO = '0'.repeat(40);
const t = tempDir('pipewright-push-input-');
const remote = path.join(t.dir, 'remote.git');
const repo = path.join(t.dir, 'work');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
let n = 0;
function commit(msg = `change ${++n}`): string {
  writeFileSync(path.join(repo, `file-${n}.txt`), `${msg}\n`);
  git('add', '.');
  git('commit', '-q', '-m', msg);
  return git('rev-parse', 'HEAD');
}
function merge(from: string, into: string, tag?: string): string {
  git('checkout', '-q', into);
  git('merge', '-q', '--no-ff', '-m', `Merge ${from} into ${into}`, from);
  if (tag) git('tag', '-a', tag, '-m', tag);
  return git('rev-parse', 'HEAD');
}

/** `pipewright hook pre-push origin <url>` with stdin as given: bytes, or a descriptor setup. */
function hook(stdin: Buffer | string | { stdio: StdioOptions }, shell?: string) {
  const cli = [process.execPath, fromRoot('dist', 'bin', 'cli.js'), 'hook', 'pre-push', 'origin', remote];
  const res = shell
    ? spawnSync('sh', ['-c', `${shell}`, 'sh', ...cli], { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    : typeof stdin === 'object' && 'stdio' in stdin
      ? spawnSync(cli[0]!, cli.slice(1), { cwd: repo, stdio: stdin.stdio, encoding: 'utf8' })
      : spawnSync(cli[0]!, cli.slice(1), { cwd: repo, input: stdin, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: res.status, stderr: res.stderr ?? '', stdout: res.stdout ?? '' };
}
/** A refusal for bad input: exit 2, the lines named, no stack trace. */
function refused(res: ReturnType<typeof hook>, ...text: (string | RegExp)[]) {
  assert.is(res.status, 2, `expected exit 2: ${res.stderr}`);
  assert.match(res.stderr, 'the push is refused');
  assert.not.match(res.stderr, /internal error|\n\s+at /);
  for (const s of text) assert.match(res.stderr, s);
}

test.before(() => {
  execFileSync('git', ['init', '-q', '--bare', remote]);
  execFileSync('git', ['init', '-q', '-b', 'develop', repo]);
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev');
  writeFileSync(path.join(repo, 'pipewright.yaml'), 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  git('branch', 'staging');
  git('branch', 'master');
  commit();
  merge('develop', 'staging', 'v1.0.0-beta.1');
  merge('staging', 'master', 'v1.0.0');
  git('remote', 'add', 'origin', remote);
  git('push', '-q', '--no-verify', '--follow-tags', 'origin', 'develop', 'staging', 'master');
  // The installed hook, finding pipewright where an app's npm install puts it.
  mkdirSync(path.join(repo, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(fromRoot('bin', 'pipewright.cjs'), path.join(repo, 'node_modules', '.bin', 'pipewright'));
  writeFileSync(path.join(repo, '.git', 'info', 'exclude'), 'node_modules\n');
  const install = spawnSync(process.execPath, [fromRoot('dist', 'bin', 'cli.js'), 'hook', 'install'], { cwd: repo, encoding: 'utf8' });
  assert.is(install.status, 0, install.stderr);
});
test.after(() => t.cleanup());

const develop = () => git('rev-parse', 'develop');
const line = (sha: string, ref = 'refs/heads/develop', remoteSha = ZERO) => `${ref} ${sha} ${ref} ${remoteSha}`;

test('garbage lines: exit 2, each bad line named, the good ones not', () => {
  const res = hook(`${line(develop())}\nhello world\n\nrefs/heads/x\t${develop()}\trefs/heads/x\t${ZERO}\n${line(develop())} extra\n`);
  refused(res, 'line 2: "hello world": expected 4 fields separated by single spaces, found 2', 'line 4:', 'line 5:', 'git sends one line per ref');
  assert.not.match(res.stderr, 'line 1:');
  assert.not.match(res.stderr, 'line 3:');
});

test('random bytes: exit 2, the line shown escaped', () => {
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
  const res = hook(bytes);
  refused(res, /line 1: /);
  assert.ok(res.stderr.length < 4000, `a short message, not the input back: ${res.stderr.length} characters`);
});

test('a 5 MB line: exit 2, its size named, not echoed', () => {
  const res = hook(`${'x'.repeat(5 * 1024 * 1024)}\n`);
  refused(res, 'line 1: 5,242,880 bytes long; a ref update line is at most 8,192');
  assert.ok(res.stderr.length < 2000);
});

test('many bad lines: the first ten named, then a count', () => {
  const res = hook(Array.from({ length: 500 }, (_, i) => `bad line ${i}`).join('\n'));
  refused(res, 'line 10:', '… and 490 more');
  assert.not.match(res.stderr, 'line 11:');
});

test('a short sha, an upper-case sha, a wrong-length sha: exit 2', () => {
  const sha = develop();
  refused(hook(`${line(sha.slice(0, 12))}\n`), `the local sha "${sha.slice(0, 12)}" is not a full object name`);
  refused(hook(`${line(sha.toUpperCase())}\n`), 'is not a full object name (40 or 64 lowercase hex digits');
  refused(hook(`${line(sha, 'refs/heads/develop', '0'.repeat(64))}\n`), 'the local and remote shas differ in length');
});

test('a 64-hex sha in a SHA-1 repository: exit 2, saying the repository uses 40', () => {
  const res = hook(`${line('ab'.repeat(32), 'refs/heads/develop', '0'.repeat(64))}\n`);
  refused(res, `line 1: ${'ab'.repeat(32)} has 64 hex digits, but this repository's object names have 40`);
});

test('a sha git does not have: exit 2, saying what to fetch', () => {
  const unknown = '1234567890abcdef1234567890abcdef12345678';
  const res = hook(`${line(develop())}\n${line(unknown, 'refs/heads/master', git('rev-parse', 'master'))}\n`);
  refused(res, `line 2: git has no object ${unknown} (the local sha for refs/heads/master); fetch it first (git fetch origin ${unknown})`);
  assert.not.match(res.stderr, 'line 1:');
});

test('bad remote refs and a "(delete)" with a sha: exit 2', () => {
  const sha = develop();
  refused(hook(`refs/heads/develop ${sha} develop ${ZERO}\n`), 'the remote ref "develop" does not start with refs/');
  refused(hook(`refs/heads/develop ${sha} refs/heads/a..b ${ZERO}\n`), 'is not a valid ref name');
  refused(hook(`(delete) ${sha} refs/heads/develop ${sha}\n`), 'a "(delete)" line must have the all-zero local sha');
});

test('stdin a directory: the push is refused (exit 2), not let through', () => {
  const fd = openSync(t.dir, 'r');
  try {
    refused(hook({ stdio: [fd, 'pipe', 'pipe'] }), 'cannot read the ref updates from stdin (EISDIR)');
  } finally {
    closeSync(fd);
  }
});

test('stdin closed, or /dev/null: the push is refused (exit 2)', () => {
  refused(hook('', 'exec "$@" <&-'), 'cannot read the ref updates from stdin (it is a device such as /dev/null, or closed)');
  refused(hook('', 'exec "$@" </dev/null'), 'cannot read the ref updates from stdin (it is a device such as /dev/null, or closed)');
});

test('empty stdin (nothing pushed): allowed', () => {
  const res = hook('');
  assert.is(res.status, 0, res.stderr);
});

test('CRLF line ends and a trailing line without LF are read', () => {
  const res = hook(`${line(develop())}\r\n${line(develop(), 'refs/heads/feature/a')}`);
  assert.is(res.status, 0, res.stderr);
});

test('real git push: the remote moved on and this clone lacks its sha: refused (exit 1), saying to fetch', () => {
  // Another clone pushes a merge to staging; this clone then pushes staging without fetching.
  const other = path.join(t.dir, 'other');
  execFileSync('git', ['clone', '-q', remote, other]);
  const o = (...args: string[]) => execFileSync('git', args, { cwd: other, encoding: 'utf8' }).trim();
  o('config', 'user.email', 'o@example.com');
  o('config', 'user.name', 'O');
  o('checkout', '-q', 'develop');
  writeFileSync(path.join(other, 'other.txt'), 'x\n');
  o('add', '.');
  o('commit', '-q', '-m', 'other');
  o('checkout', '-q', 'staging');
  o('merge', '-q', '--no-ff', '-m', 'merge', 'develop');
  o('tag', '-a', 'v1.1.0-beta.1', '-m', 'b');
  o('push', '-q', '--no-verify', '--follow-tags', 'origin', 'develop', 'staging');
  git('checkout', '-q', 'develop');
  commit();
  const s = merge('develop', 'staging', 'v1.1.0-beta.2');
  const push = spawnSync('git', ['push', '--force', 'origin', 'develop', 'staging', 'v1.1.0-beta.2'], { cwd: repo, encoding: 'utf8' });
  assert.is.not(push.status, 0);
  assert.match(push.stderr, 'which this clone does not have: this push may overwrite it');
  assert.match(push.stderr, 'git fetch origin, merge origin/staging, then push again');
  assert.is.not(execFileSync('git', ['rev-parse', 'staging'], { cwd: remote, encoding: 'utf8' }).trim(), s, 'the remote staging is unchanged');
  git('fetch', '-q', 'origin');
  git('checkout', '-q', 'staging');
  git('reset', '-q', '--hard', 'origin/staging');
  git('tag', '-d', 'v1.1.0-beta.2');
  git('checkout', '-q', 'develop');
  git('reset', '-q', '--hard', 'origin/develop');
});

test('real git push of 400 refs at once (200 branches, 200 tags): allowed; one branch cut from master and one release tag off master among them refused', () => {
  const updates: string[] = [];
  const devs: string[] = [];
  for (let i = 0; i < 10; i++) devs.push(commit());
  for (let i = 0; i < 200; i++) {
    updates.push(`create refs/heads/import/b${i} ${devs[i % devs.length]}`);
    updates.push(`create refs/tags/import-t${i} ${devs[(i * 3) % devs.length]}`);
  }
  execFileSync('git', ['update-ref', '--stdin'], { cwd: repo, input: `${updates.join('\n')}\n` });
  const ok = spawnSync('git', ['push', '--porcelain', 'origin', 'develop', 'refs/heads/import/*:refs/heads/import/*', 'refs/tags/import-t*:refs/tags/import-t*'], { cwd: repo, encoding: 'utf8' });
  assert.is(ok.status, 0, ok.stderr);
  assert.is(execFileSync('git', ['for-each-ref', '--format=x', 'refs/heads/import', 'refs/tags/import-t*'], { cwd: remote, encoding: 'utf8' }).split('\n').filter(Boolean).length, 400);
  // The same again with one bad branch and one bad release tag among 100 new good ones each.
  const more: string[] = [];
  for (let i = 0; i < 100; i++) {
    more.push(`create refs/heads/more/b${i} ${devs[i % devs.length]}`);
    more.push(`create refs/tags/more-t${i} ${devs[i % devs.length]}`);
  }
  more.push(`create refs/heads/more/from-master ${git('rev-parse', 'master')}`);
  more.push(`create refs/tags/more-tree ${git('rev-parse', 'master^{tree}')}`); // a tag may name a tree
  more.push(`create refs/tags/v9.9.9 ${devs[3]}`);
  execFileSync('git', ['update-ref', '--stdin'], { cwd: repo, input: `${more.join('\n')}\n` });
  const bad = spawnSync('git', ['push', 'origin', 'refs/heads/more/*:refs/heads/more/*', 'refs/tags/more-t*:refs/tags/more-t*', 'v9.9.9'], { cwd: repo, encoding: 'utf8' });
  assert.is(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, 'more/from-master was cut from master');
  assert.match(bad.stderr, `v9.9.9 is a stable tag, which belongs on master, but ${devs[3]!.slice(0, 12)} is not on master`);
  assert.is((bad.stderr.match(/^error: .*\(([a-z-]+)\)$/gm) ?? []).length, 2, bad.stderr);
  assert.is(execFileSync('git', ['for-each-ref', '--format=x', 'refs/heads/more'], { cwd: remote, encoding: 'utf8' }), '', 'nothing of the refused push landed');
});

test('history questions: Git (one walk, or a merge-base each) and CommitGraph (in memory) give the same answers', () => {
  const g = new Git(repo);
  const all = git('rev-list', '--all').split('\n');
  const heads = ['master', 'staging', 'develop'].map((b) => git('rev-parse', b));
  const graph = CommitGraph.load(g, [...heads, ...all]);
  for (const head of heads) {
    const bulk = g.ancestorsOf(head, all); // > 3 candidates: one rev-list
    const single = all.filter((c) => new Git(repo).isAncestor(c, head)); // merge-base each
    assert.equal([...bulk].sort(), single.sort(), head);
    assert.equal([...graph.ancestorsOf(head, all)].sort(), single.sort(), head);
    assert.ok(bulk.size > 0 && bulk.size < all.length, 'the check can tell both ways');
  }
  const tips = git('for-each-ref', '--format=%(objectname)', 'refs/heads/more', 'refs/heads/import').split('\n');
  for (const excluded of [[heads[0]!], [heads[1]!], [heads[2]!], heads.slice(0, 2)]) {
    const viaGit = g.own(tips, excluded);
    assert.equal([...graph.own(tips, excluded)].sort(), [...viaGit].sort(), excluded.join(' '));
  }
  assert.ok(g.own(tips, [heads[1]!]).size > 0, 'some commits are their own');
  assert.throws(() => new CommitGraph('').ancestorsOf(heads[0]!, all), /not below the heads/);
});

test.run();
