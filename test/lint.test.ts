// `pipewright lint` on real repositories: the rules themselves, then the history.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './helpers.js';

const MINIMAL = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';

/** A repository whose develop, staging and production branch (master) follow the rules (two releases). */
function repo(config = MINIMAL, production = 'master') {
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
  git('branch', production);
  for (const v of ['1.0.0', '1.1.0']) {
    git('checkout', '-q', 'develop');
    commit();
    merge('develop', 'staging', `v${v}-beta.1`);
    merge('staging', production, `v${v}`);
  }
  /** A bare `origin` (inside .git, so it goes with the repository) holding these branches and every tag. */
  const pushOrigin = (...branches: string[]) => {
    const bare = path.join(t.dir, '.git', 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    git('remote', 'add', 'origin', bare);
    git('push', '-q', '--follow-tags', 'origin', ...branches);
  };
  return { ...t, git, commit, merge, pushOrigin };
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

test("merge sources are read from the source's first-parent line, not its ancestry: a feature merged into staging, then into develop, is still refused; so is develop merged into master", () => {
  const r = repo();
  try {
    r.git('checkout', '-q', '-b', 'feature/z', 'develop');
    const feature = r.commit('feature z');
    const wrong = r.merge('feature/z', 'staging', 'v1.2.0-beta.1');
    r.merge('feature/z', 'develop');
    r.git('branch', '-q', '-d', 'feature/z');
    // develop now contains the feature, through a second parent only: ancestry alone would pass it.
    r.git('merge-base', '--is-ancestor', feature, 'develop');
    const skip = r.merge('develop', 'master', 'v1.2.0');
    const res = findingsOf(r.dir);
    assert.is(res.status, 1);
    assert.equal(
      res.findings.map((f) => `${f.rule} ${f.branch} ${(f as { commit?: string }).commit}`).sort(),
      [`merge-only-from-source master ${skip}`, `merge-only-from-source staging ${wrong}`],
    );
    const byBranch = new Map(res.findings.map((f) => [f.branch, f]));
    assert.is(byBranch.get('staging')!.message, `staging accepts merges only from develop, but ${wrong.slice(0, 12)} merges ${feature.slice(0, 12)}, which develop never pointed at`);
    assert.is(byBranch.get('master')!.message, `master accepts merges only from staging, but ${skip.slice(0, 12)} merges ${r.git('rev-parse', 'develop').slice(0, 12)}, which staging never pointed at`);
    assert.match(lint(r.dir).stdout, '2 error(s), 0 warning(s); audited develop (4), staging (4), master (4)');
  } finally {
    r.cleanup();
  }
});

test('a merge source without rules of its own (custom rules leave develop out) is still read', () => {
  const r = repo(`${MINIMAL}rules:\n  branches:\n    staging: { mergeFrom: [develop], releaseTag: beta }\n    master: { mergeFrom: [staging], releaseTag: stable }\n`);
  try {
    const ok = findingsOf(r.dir);
    assert.equal(ok.findings.filter((f) => f.severity === 'error'), [], JSON.stringify(ok.findings));
    r.git('checkout', '-q', '-b', 'feature/w', 'develop');
    const feature = r.commit('feature w');
    const wrong = r.merge('feature/w', 'staging', 'v1.2.0-beta.1');
    const res = findingsOf(r.dir);
    assert.is(res.status, 1, res.stderr);
    const f = res.findings.find((x) => x.rule === 'merge-only-from-source');
    assert.is(f?.message, `staging accepts merges only from develop, but ${wrong.slice(0, 12)} merges ${feature.slice(0, 12)}, which develop never pointed at`, JSON.stringify(res.findings));
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
  try {
    r.pushOrigin('develop', 'staging', 'master');
    r.git('fetch', '-q', 'origin');
    r.git('checkout', '-q', 'master');
    r.commit('local only, not pushed');
    assert.is(lint(r.dir).status, 1, 'the local master has a direct commit');
    const remote = lint(r.dir, '--remote', 'origin');
    assert.is(remote.status, 0, remote.stdout);
  } finally {
    r.cleanup();
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

type Finding = { rule: string; severity: string; branch?: string; message: string; fix: string };
const findingsOf = (dir: string, ...args: string[]) => {
  const res = lint(dir, '--json', ...args);
  return { status: res.status, stderr: res.stderr, ...(JSON.parse(res.stdout) as { errors: number; warnings: number; findings: Finding[] }) };
};

test('production on main, config on master (the default): an error naming productionBranch: main, not a silent pass', () => {
  const r = repo(MINIMAL, 'main');
  try {
    // No remote, HEAD on develop: the default branch is the only one of main and master.
    r.git('checkout', '-q', 'develop');
    const res = findingsOf(r.dir);
    assert.is(res.status, 1, JSON.stringify(res.findings));
    const f = res.findings.find((x) => x.rule === 'production-branch-exists')!;
    assert.ok(f, JSON.stringify(res.findings));
    assert.is(f.severity, 'error');
    assert.is(f.branch, 'master');
    assert.match(f.message, 'the production environment blue deploys from master, which this repository does not have');
    assert.match(f.message, "the repository's default branch is main (the local branch main (there is no master))");
    assert.match(f.fix, 'set productionBranch: main in pipewright.yaml');
    const text = lint(r.dir);
    assert.match(text.stdout, 'error: the production environment blue deploys from master');
    assert.match(text.stdout, '  fix: set productionBranch: main in pipewright.yaml');

    // origin/HEAD says it too, however many local branches there are.
    r.pushOrigin('main', 'develop', 'staging');
    r.git('remote', 'set-head', 'origin', 'main');
    r.git('branch', 'master', 'develop'); // a stray master no longer changes the verdict's source
    const viaHead = findingsOf(r.dir, '--remote', 'origin');
    const g = viaHead.findings.find((x) => x.rule === 'production-branch-exists');
    assert.ok(g, JSON.stringify(viaHead.findings));
    assert.match(g!.message, 'which origin (lint --remote) does not have');
    assert.match(g!.message, '(origin/HEAD, which points at origin/main)');
    r.git('branch', '-D', 'master');

    // The fix it names: the whole history is then audited, main included.
    writeFileSync(path.join(r.dir, 'pipewright.yaml'), `${MINIMAL}productionBranch: main\n`);
    const fixed = lint(r.dir);
    assert.is(fixed.status, 0, fixed.stdout);
    assert.is(fixed.stdout, '0 error(s), 0 warning(s); audited develop (3), staging (3), main (3)\n');
  } finally {
    r.cleanup();
  }
});

test('productionBranch: main audits main like master: a direct commit on main is found', () => {
  const r = repo(`${MINIMAL}productionBranch: main\n`, 'main');
  try {
    r.git('checkout', '-q', 'main');
    const direct = r.commit('hotfix on main');
    const res = findingsOf(r.dir);
    assert.is(res.status, 1);
    assert.ok(res.findings.some((f) => f.rule === 'no-direct-commits' && f.branch === 'main' && f.message.includes(`main accepts no direct commits, but ${direct.slice(0, 12)}`)), JSON.stringify(res.findings));
    assert.ok(res.findings.some((f) => f.rule === 'release-tag' && f.branch === 'main'));
  } finally {
    r.cleanup();
  }
});

test('with environments, the fix names the production environment\'s branch key', () => {
  const envs = `${MINIMAL}environments:\n  - { name: develop, branch: develop }\n  - { name: green, branch: staging }\n  - { name: blue, branch: master, production: true }\n`;
  const r = repo(envs, 'main');
  try {
    const f = findingsOf(r.dir).findings.find((x) => x.rule === 'production-branch-exists');
    assert.ok(f);
    assert.match(f!.fix, 'set environments.2.branch: main in pipewright.yaml');
  } finally {
    r.cleanup();
  }
});

test('a missing environment branch is a warning with the command that creates it; none at all is an error', () => {
  const r = repo();
  try {
    r.git('checkout', '-q', 'develop');
    r.git('branch', '-D', 'staging');
    const res = findingsOf(r.dir);
    assert.is(res.status, 0, 'a warning only');
    assert.equal(res.findings.map((f) => [f.rule, f.severity, f.branch]), [['environment-branch-exists', 'warning', 'staging']]);
    assert.match(res.findings[0]!.message, 'staging (environment green) does not exist in this repository: nothing deploys to green, and lint audited neither it nor the merges from it');
    assert.is(res.findings[0]!.fix, 'git branch staging develop && git push origin staging');
    assert.match(lint(r.dir).stdout, '0 error(s), 1 warning(s); audited develop (3), master (3)');
  } finally {
    r.cleanup();
  }
  const empty = repo();
  try {
    empty.git('checkout', '-q', '-b', 'trunk');
    for (const b of ['develop', 'staging', 'master']) empty.git('branch', '-D', b);
    const res = findingsOf(empty.dir);
    assert.is(res.status, 1);
    assert.equal(res.findings.map((f) => [f.rule, f.severity]), [['environment-branches-exist', 'error']]);
    assert.match(res.findings[0]!.message, 'none of the environment branches (develop, staging, master) exists in this repository, so lint audited nothing');
  } finally {
    empty.cleanup();
  }
});

test('a branch only on the remote: the warning says to track it or audit the remote', () => {
  const r = repo();
  try {
    r.pushOrigin('develop', 'staging', 'master');
    r.git('checkout', '-q', 'develop');
    r.git('branch', '-D', 'staging');
    const res = findingsOf(r.dir);
    assert.equal(res.findings.map((f) => [f.rule, f.severity, f.message, f.fix]), [
      ['environment-branch-exists', 'warning', 'staging (environment green) is on origin but not a local branch, so lint audited neither it nor the merges from it', 'git branch --track staging origin/staging, or audit the remote: pipewright lint --remote origin'],
    ]);
    assert.is(findingsOf(r.dir, '--remote', 'origin').findings.length, 0);
  } finally {
    r.cleanup();
  }
});

test("the remote's default branch deploying nowhere, beside an existing production branch, is a warning", () => {
  const r = repo();
  try {
    r.git('branch', 'main', 'master');
    r.pushOrigin('develop', 'staging', 'master', 'main');
    r.git('remote', 'set-head', 'origin', 'main');
    // (Locally, main is also a branch cut from master: --remote leaves that out.)
    const res = findingsOf(r.dir, '--remote', 'origin');
    assert.is(res.status, 0, JSON.stringify(res.findings));
    assert.equal(res.findings.map((f) => [f.rule, f.severity, f.branch]), [['default-branch-deploys', 'warning', 'main']]);
    assert.match(res.findings[0]!.fix, 'if main is the production branch, set productionBranch: main in pipewright.yaml');
  } finally {
    r.cleanup();
  }
});

test.run();
