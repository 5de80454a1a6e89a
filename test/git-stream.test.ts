// The streaming git helpers (src/git/git.ts) on a real repository: a first-parent line long
// enough that git's output crosses many pipe chunks (~2,000 commits, every tenth a merge), built
// with one `git fast-import`. The streamed line must be exactly the buffered one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { Git, type LineCommit } from '../src/git/git.js';
import { UsageError } from '../src/core/errors.js';
import { tempDir } from './helpers.js';

const COMMITS = 2000;

const t = tempDir('pipewright-git-stream-');
const git = (...args: string[]) => execFileSync('git', args, { cwd: t.dir, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
git('init', '-q', '-b', 'main');
{
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const who = 'Dev <dev@example.com>';
  const out: string[] = [];
  let mark = 0;
  let main = 0;
  for (let i = 0; i < COMMITS; i++) {
    const at = 1_600_000_000 + i * 60;
    if (i > 0 && i % 10 === 0) {
      // A side commit off main, merged back: a second parent that is not on main's line.
      out.push(`commit refs/heads/side\nmark :${++mark}\ncommitter ${who} ${at} +0000\n${data(`side ${i}`)}from :${main}\nM 100644 inline side.txt\n${data(String(i))}\n`);
      const side = mark;
      out.push(`commit refs/heads/main\nmark :${++mark}\ncommitter ${who} ${at + 1} +0000\n${data(`merge ${i}`)}from :${main}\nmerge :${side}\nM 100644 inline side.txt\n${data(String(i))}\n`);
    } else {
      out.push(`commit refs/heads/main\nmark :${++mark}\ncommitter ${who} ${at} +0000\n${data(`change ${i}`)}${main ? `from :${main}\n` : ''}M 100644 inline f.txt\n${data(String(i))}\n`);
    }
    main = mark;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: t.dir, input: out.join('') });
}
const repo = new Git(t.dir);

test.after(() => t.cleanup());

test('streamFirstParent: the same commits, parents and order as firstParentLog, across many chunks', async () => {
  const buffered = repo.firstParentLog(['main']);
  assert.is(buffered.length, COMMITS);
  assert.ok(buffered.length * 82 > 2 * 65536, 'the output spans more than two pipe chunks');
  const streamed: LineCommit[] = [];
  const n = await repo.streamFirstParent(['main'], (c) => streamed.push(c));
  assert.is(n, COMMITS);
  assert.equal(streamed, buffered);
  assert.is(streamed.filter((c) => c.parents.length === 2).length, COMMITS / 10 - 1);
  assert.equal(streamed.at(-1)!.parents, [], 'the root has no parents');
});

test('streamFirstParent takes a range; streamFirstParentShas gives the shas alone', async () => {
  const range = ['main~1500..main'];
  const streamed: LineCommit[] = [];
  assert.is(await repo.streamFirstParent(range, (c) => streamed.push(c)), 1500);
  assert.equal(streamed, repo.firstParentLog(range));
  const shas: string[] = [];
  assert.is(await repo.streamFirstParentShas(['main'], (s) => shas.push(s)), COMMITS);
  assert.equal(shas, git('rev-list', '--first-parent', 'main').split('\n'));
  assert.not.ok(shas.includes(git('rev-parse', 'side')), "a merged side commit is not on main's first-parent line");
});

test('streamLines: the last line without a newline, and a multi-byte character split between chunks', async () => {
  const text = `${'é'.repeat(70_001)}\nz`;
  const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: t.dir, input: text, encoding: 'utf8' }).trim();
  const lines: string[] = [];
  await repo.streamLines(['cat-file', 'blob', blob], (l) => lines.push(l));
  assert.equal(lines, ['é'.repeat(70_001), 'z']);
});

test('streamTagsByCommit: the same map as tagsByCommit, annotated tags peeled to their commit', async () => {
  git('tag', '-a', '-m', 'release', 'v1.0.0', 'main');
  git('tag', 'v1.0.0-beta.1', 'main');
  git('tag', 'light', 'main~3');
  const streamed = await repo.streamTagsByCommit();
  assert.equal(streamed, repo.tagsByCommit());
  assert.equal(streamed.get(git('rev-parse', 'main'))!.sort(), ['v1.0.0', 'v1.0.0-beta.1']);
  assert.equal(streamed.get(git('rev-parse', 'main~3')), ['light']);
  assert.is(streamed.size, 2);
});

test("a failing git rejects with git's message; a missing git is a UsageError", async () => {
  try {
    await repo.streamFirstParent(['no-such-branch'], () => assert.unreachable('no output'));
    assert.unreachable('an unknown ref must fail');
  } catch (e) {
    assert.match((e as Error).message, /^git rev-list --first-parent --parents no-such-branch failed \(128\): .*(bad revision|unknown revision)/s);
  }
  const path = process.env.PATH;
  process.env.PATH = t.dir; // no git in it
  try {
    await repo.streamFirstParent(['main'], () => {});
    assert.unreachable('git must not be found');
  } catch (e) {
    assert.instance(e, UsageError);
    assert.is((e as Error).message, 'git is not installed or not on PATH');
  } finally {
    process.env.PATH = path;
  }
});

test("an error thrown by the consumer stops git and is what the promise rejects with", async () => {
  const stop = new Error('enough');
  let seen = 0;
  try {
    await repo.streamFirstParentShas(['main'], () => {
      if (++seen === 10) throw stop;
    });
    assert.unreachable('the consumer threw');
  } catch (e) {
    assert.is(e, stop);
  }
  assert.is(seen, 10, 'no line is handed on after the throw');
});

test.run();
