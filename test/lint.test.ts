// `pipewright lint` on real repositories: the rules themselves, then the history.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './helpers.js';

const MINIMAL = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';

/** A repository whose develop, staging and master follow the rules (two releases). */
function repo(config = MINIMAL) {
  const t = tempDir('pipewright-lint-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: t.dir, encoding: 'utf8' }).trim();
  let n = 0;
  const commit = (msg = `change ${++n}`) => {
    writeFileSync(path.join(t.dir, `f${++n}.txt`), msg);
    git('add', '.');
    git('commit', '-q', '-m', msg);
    return git('rev-parse', 'HEAD');
  };
  const merge = (from: string, into: string, tag?: string) => {
    git('checkout', '-q', into);
    git('merge', '-q', '--no-ff', '-m', `Merge ${from}`, from);
    if (tag) git('tag', tag);
    return git('rev-parse', 'HEAD');
  };
  git('init', '-q', '-b', 'develop');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev');
  writeFileSync(path.join(t.dir, 'pipewright.yaml'), config);
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  git('branch', 'staging');
  git('branch', 'master');
  for (const v of ['1.0.0', '1.1.0']) {
    git('checkout', '-q', 'develop');
    commit();
    merge('develop', 'staging', `v${v}-beta.1`);
    merge('staging', 'master', `v${v}`);
  }
  return { ...t, git, commit, merge };
}

const lint = (dir: string, ...args: string[]) => runCli(['lint', ...args], { cwd: dir });

test('a history that follows the rules has no findings', () => {
  const r = repo();
  try {
    const res = lint(r.dir);
    assert.is(res.status, 0, res.stdout + res.stderr);
    assert.is(res.stdout, '0 error(s), 0 warning(s); audited develop (3), staging (3), master (3)\n');
  } finally {
    r.cleanup();
  }
});

test('direct commits, a wrong merge source, a missing tag and a branch cut from master are all found', () => {
  const r = repo();
  try {
    r.git('checkout', '-q', 'master');
    const direct = r.commit('hotfix on master');
    r.git('tag', 'v1.1.1');
    r.git('checkout', '-q', '-b', 'feature/x', 'develop');
    r.commit('feature');
    const wrong = r.merge('feature/x', 'staging', 'v1.2.0-beta.1');
    r.git('checkout', '-q', '-b', 'hotfix/y', 'master');
    r.commit('cut from master');
    r.git('checkout', '-q', 'develop');
    r.commit();
    const untagged = r.merge('develop', 'staging');
    const res = lint(r.dir, '--json');
    assert.is(res.status, 1);
    const { findings, errors } = JSON.parse(res.stdout) as { errors: number; findings: { rule: string; branch: string; commit: string; message: string; fix: string }[] };
    const seen = findings.map((f) => `${f.rule} ${f.branch} ${f.commit.slice(0, 12)}`).sort();
    assert.equal(seen, [
      `merge-only-from-source staging ${wrong.slice(0, 12)}`,
      `no-branch-from-protected hotfix/y ${direct.slice(0, 12)}`,
      `no-direct-commits master ${direct.slice(0, 12)}`,
      `release-tag staging ${untagged.slice(0, 12)}`,
    ].sort());
    assert.is(errors, 4);
    assert.ok(findings.every((f) => f.fix.length > 0));
    const text = lint(r.dir);
    assert.match(text.stdout, `error: master accepts no direct commits, but ${direct.slice(0, 12)} is not a merge`);
    assert.match(text.stdout, '4 error(s), 0 warning(s)');
  } finally {
    r.cleanup();
  }
});

test('the rules themselves: a cycle is an error, a rule branch without an environment a warning', () => {
  const r = repo(`${MINIMAL}rules:\n  branches:\n    develop: { mergeFrom: [master] }\n    staging: { mergeFrom: [develop] }\n    master: { mergeFrom: [staging] }\n    release: { mergeFrom: [develop] }\n`);
  try {
    const res = lint(r.dir, '--json');
    assert.is(res.status, 1);
    const { findings } = JSON.parse(res.stdout) as { findings: { rule: string; severity: string; message: string }[] };
    assert.ok(findings.some((f) => f.rule === 'flow-is-a-chain' && f.message.includes('the flow has a cycle')), JSON.stringify(findings));
    assert.ok(findings.some((f) => f.rule === 'rule-branch-has-environment' && f.severity === 'warning' && f.message.startsWith('release has rules')));
  } finally {
    r.cleanup();
  }
});

test('--remote audits the remote-tracking branches; outside a repository is a clear error', () => {
  const r = repo();
  const bare = tempDir('pipewright-lint-remote-');
  try {
    execFileSync('git', ['init', '-q', '--bare', bare.dir]);
    r.git('remote', 'add', 'origin', bare.dir);
    r.git('push', '-q', '--follow-tags', 'origin', 'develop', 'staging', 'master');
    r.git('fetch', '-q', 'origin');
    r.git('checkout', '-q', 'master');
    r.commit('local only, not pushed');
    assert.is(lint(r.dir).status, 1, 'the local master has a direct commit');
    const remote = lint(r.dir, '--remote', 'origin');
    assert.is(remote.status, 0, remote.stdout);
  } finally {
    r.cleanup();
    bare.cleanup();
  }
  const plain = tempDir();
  try {
    writeFileSync(path.join(plain.dir, 'pipewright.yaml'), MINIMAL);
    const res = lint(plain.dir);
    assert.is(res.status, 2);
    assert.match(res.stderr, 'not a git repository');
  } finally {
    plain.cleanup();
  }
});

test.run();
