// The pre-push hook on real git repositories: a bare remote and a clone whose develop, staging
// and the production branch follow the rules; each scenario builds a push and asserts the verdict
// and message. Every scenario runs twice: production on master (the default config), and on main
// (`productionBranch: main`), where main must be refused and allowed exactly as master is.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, runCli, tempDir } from './helpers.js';

const ZERO = '0'.repeat(40);
const MINIMAL = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';

function scenarios(P: 'master' | 'main', config: string): void {
  const test = suite(`pre-push, production on ${P}`);
  const t = tempDir('pipewright-push-');
  const remote = path.join(t.dir, 'remote.git');
  const repo = path.join(t.dir, 'work');
  let n = 0;

  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  const sha = (ref: string) => git('rev-parse', `${ref}^{commit}`);
  /** A new commit on the current branch. */
  function commit(msg = `change ${++n}`): string {
    writeFileSync(path.join(repo, `file-${n}.txt`), `${msg}\n`);
    git('add', '.');
    git('commit', '-q', '-m', msg);
    return sha('HEAD');
  }
  function merge(from: string, into: string, tag?: string): string {
    git('checkout', '-q', into);
    git('merge', '-q', '--no-ff', '-m', `Merge ${from} into ${into}`, from);
    if (tag) git('tag', '-a', tag, '-m', tag);
    return sha('HEAD');
  }
  /** Run the hook as git would for these ref updates: `<local ref> <local sha> <remote ref> <remote sha>`. */
  function prePush(lines: string[], env: NodeJS.ProcessEnv = {}) {
    return runCli(['hook', 'pre-push', 'origin', remote], { cwd: repo, input: `${lines.join('\n')}\n`, env });
  }
  const branchLine = (b: string, local: string, remoteSha = sha(`origin/${b}`)) => `refs/heads/${b} ${local} refs/heads/${b} ${remoteSha}`;
  const tagLine = (tag: string) => `refs/tags/${tag} ${git('rev-parse', tag)} refs/tags/${tag} ${ZERO}`;
  /** Go back to the pushed state of every branch. */
  function reset() {
    for (const b of ['develop', 'staging', P]) {
      git('checkout', '-q', b);
      git('reset', '-q', '--hard', `origin/${b}`);
    }
  }

  test.before(() => {
    execFileSync('git', ['init', '-q', '--bare', remote]);
    execFileSync('git', ['init', '-q', '-b', 'develop', repo]);
    git('config', 'user.email', 'dev@example.com');
    git('config', 'user.name', 'Dev');
    writeFileSync(path.join(repo, 'pipewright.yaml'), config);
    git('add', '.');
    git('commit', '-q', '-m', 'initial');
    git('branch', 'staging');
    git('branch', P);
    commit('first feature');
    merge('develop', 'staging', 'v1.0.0-beta.1');
    merge('staging', P, 'v1.0.0');
    git('remote', 'add', 'origin', remote);
    git('push', '-q', '--no-verify', '--follow-tags', 'origin', 'develop', 'staging', P);
    git('fetch', '-q', 'origin');
  });
  test.after(() => t.cleanup());

  const allowed = (res: ReturnType<typeof prePush>) => assert.is(res.status, 0, res.stderr);
  function rejected(res: ReturnType<typeof prePush>, rule: string, ...text: string[]) {
    assert.is(res.status, 1, `expected a rejection: ${res.stderr}`);
    assert.match(res.stderr, 'pipewright: push rejected by the branch rules in pipewright.yaml:');
    assert.match(res.stderr, `(${rule})`);
    assert.match(res.stderr, '  fix: ');
    for (const s of text) assert.match(res.stderr, s);
  }

  test('1. a new commit on develop is allowed', () => {
    reset();
    git('checkout', '-q', 'develop');
    allowed(prePush([branchLine('develop', commit())]));
  });

  test('2. merging develop into staging with a beta tag is allowed', () => {
    reset();
    git('checkout', '-q', 'develop');
    const d = commit();
    const s = merge('develop', 'staging', 'v1.1.0-beta.1');
    allowed(prePush([branchLine('develop', d), branchLine('staging', s), tagLine('v1.1.0-beta.1')]));
  });

  test(`3. merging staging into ${P} with a stable tag is allowed`, () => {
    reset();
    git('checkout', '-q', 'develop');
    const d = commit();
    const s = merge('develop', 'staging', 'v1.2.0-beta.1');
    const m = merge('staging', P, 'v1.2.0');
    const res = prePush([branchLine('develop', d), branchLine('staging', s), branchLine(P, m), tagLine('v1.2.0-beta.1'), tagLine('v1.2.0')]);
    allowed(res);
    assert.is(res.stderr, '');
  });

  test(`4. a direct commit to ${P} is rejected`, () => {
    reset();
    git('checkout', '-q', P);
    const c = commit(`hotfix on ${P}`);
    git('tag', 'v1.0.1');
    rejected(prePush([branchLine(P, c), tagLine('v1.0.1')]), 'merge-only-from-source', `${P} accepts no direct commits: ${c.slice(0, 12)} is not a merge`);
  });

  test('5. a direct commit to staging is rejected', () => {
    reset();
    git('checkout', '-q', 'staging');
    const c = commit('fix on staging');
    git('tag', 'v1.0.1-beta.1');
    rejected(prePush([branchLine('staging', c), tagLine('v1.0.1-beta.1')]), 'merge-only-from-source', 'staging accepts no direct commits');
  });

  test(`6. merging develop straight into ${P} is rejected`, () => {
    reset();
    git('checkout', '-q', 'develop');
    const d = commit();
    const m = merge('develop', P, 'v1.3.0');
    rejected(prePush([branchLine('develop', d), branchLine(P, m), tagLine('v1.3.0')]), 'merge-only-from-source', `${P} accepts merges only from staging`, 'merge that work into staging first');
  });

  test('7. merging a feature branch into staging is rejected', () => {
    reset();
    git('checkout', '-q', '-B', 'feature/x', 'develop');
    commit('feature work');
    const s = merge('feature/x', 'staging', 'v1.3.0-beta.1');
    rejected(prePush([branchLine('staging', s), tagLine('v1.3.0-beta.1')]), 'merge-only-from-source', 'staging accepts merges only from develop');
  });

  test(`8. a force push that rewrites ${P} is rejected`, () => {
    reset();
    git('checkout', '-q', P);
    git('reset', '-q', '--hard', `${P}~1`);
    rejected(prePush([branchLine(P, sha('HEAD'))]), 'no-force-push', `this push rewrites ${P} (not a fast-forward`, `force pushes to ${P} are refused`);
  });

  test(`9. deleting ${P} is rejected`, () => {
    reset();
    rejected(prePush([`(delete) ${ZERO} refs/heads/${P} ${sha(`origin/${P}`)}`]), 'no-delete-protected', `${P} is protected and cannot be deleted`);
  });

  test('10. deleting staging is rejected', () => {
    reset();
    rejected(prePush([`(delete) ${ZERO} refs/heads/staging ${sha('origin/staging')}`]), 'no-delete-protected', 'staging is protected and cannot be deleted');
  });

  test(`11. a new branch cut from ${P} is rejected`, () => {
    reset();
    git('checkout', '-q', '-B', `hotfix/from-${P}`, P);
    const c = commit('hotfix');
    const res = prePush([`refs/heads/hotfix/from-${P} ${c} refs/heads/hotfix/from-${P} ${ZERO}`]);
    rejected(res, 'no-branch-from-protected', `hotfix/from-${P} was cut from ${P}`, 'cut it from develop');
    assert.not.match(res.stderr, 'cut from staging', 'only the newest fork point is reported');
  });

  test('12. a new branch cut from staging is rejected', () => {
    reset();
    git('checkout', '-q', '-B', 'fix/from-staging', 'staging');
    const c = commit('fix');
    rejected(prePush([`refs/heads/fix/from-staging ${c} refs/heads/fix/from-staging ${ZERO}`]), 'no-branch-from-protected', 'fix/from-staging was cut from staging');
  });

  test('13. a new branch cut from develop is allowed', () => {
    reset();
    git('checkout', '-q', '-B', 'feature/ok', 'develop');
    const c = commit('feature');
    allowed(prePush([`refs/heads/feature/ok ${c} refs/heads/feature/ok ${ZERO}`]));
  });

  test('14. deleting a feature branch is allowed', () => {
    reset();
    allowed(prePush([`(delete) ${ZERO} refs/heads/feature/old ${sha('origin/develop')}`]));
  });

  test(`15. merging staging into ${P} without a stable tag is rejected`, () => {
    reset();
    git('checkout', '-q', 'develop');
    commit();
    const s = merge('develop', 'staging', 'v1.4.0-beta.1');
    const m = merge('staging', P);
    rejected(prePush([branchLine('staging', s), branchLine(P, m), tagLine('v1.4.0-beta.1')]), 'release-tag', `every ${P} commit needs a stable release tag`, `git push --follow-tags origin ${P}`);
  });

  test('16. a stable tag on a develop commit is rejected', () => {
    reset();
    git('checkout', '-q', 'develop');
    const d = commit();
    git('tag', 'v9.9.9');
    rejected(prePush([branchLine('develop', d), tagLine('v9.9.9')]), 'release-tags-follow-the-rules', `v9.9.9 is a stable tag, which belongs on ${P}`);
  });

  test('17. moving or deleting a release tag is rejected', () => {
    reset();
    rejected(prePush([`(delete) ${ZERO} refs/tags/v1.0.0 ${sha('v1.0.0')}`]), 'release-tags-follow-the-rules', 'release tags are never deleted');
    rejected(prePush([`refs/tags/v1.0.0 ${sha('develop')} refs/tags/v1.0.0 ${sha('v1.0.0')}`]), 'release-tags-follow-the-rules', 'release tags are never moved');
  });

  test('18. a tag that exists locally but is not pushed: allowed, with a warning', () => {
    reset();
    git('checkout', '-q', 'develop');
    const d = commit();
    const s = merge('develop', 'staging', 'v1.5.0-beta.1');
    const res = prePush([branchLine('develop', d), branchLine('staging', s)]);
    allowed(res);
    assert.match(res.stderr, 'pipewright: push allowed, with warnings:');
    assert.match(res.stderr, 'is tagged v1.5.0-beta.1 here, but the tag is not part of this push');
  });

  test('18b. merging a develop that is not pushed yet says to push develop too', () => {
    reset();
    git('checkout', '-q', 'develop');
    commit();
    const s = merge('develop', 'staging', 'v1.6.0-beta.1');
    rejected(prePush([branchLine('staging', s), tagLine('v1.6.0-beta.1')]), 'merge-only-from-source', 'which is on your local develop but not on origin/develop', 'push develop too, in the same push or first: git push origin develop staging');
  });

  test('19. the escape hatch lets a forbidden push through, loudly', () => {
    reset();
    git('checkout', '-q', P);
    const c = commit('emergency');
    const res = prePush([branchLine(P, c)], { PIPEWRIGHT_SKIP_HOOK: '1' });
    allowed(res);
    assert.match(res.stderr, 'PIPEWRIGHT_SKIP_HOOK=1: branch rules NOT checked for this push; the Jenkins Guard stage will still check it');
  });

  test('20. --json gives the verdict as data', () => {
    reset();
    git('checkout', '-q', P);
    const c = commit('direct');
    const res = runCli(['hook', 'pre-push', 'origin', remote, '--json'], { cwd: repo, input: `${branchLine(P, c)}\n` });
    assert.is(res.status, 1);
    const data = JSON.parse(res.stdout);
    assert.is(data.allowed, false);
    assert.equal(data.findings.map((f: { rule: string }) => f.rule), ['merge-only-from-source', 'release-tag']);
  });

  test(`21. a real git push through the hook: refused for ${P}, accepted for develop`, () => {
    reset();
    const hook = path.join(repo, '.git', 'hooks', 'pre-push');
    writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" "${fromRoot('dist/bin/cli.js')}" hook pre-push "$@"\n`);
    chmodSync(hook, 0o755);
    try {
      git('checkout', '-q', P);
      commit(`direct to ${P}`);
      const before = execFileSync('git', ['rev-parse', P], { cwd: remote, encoding: 'utf8' });
      const push = spawnSync('git', ['push', 'origin', P], { cwd: repo, encoding: 'utf8' });
      assert.is.not(push.status, 0);
      assert.match(push.stderr, `${P} accepts no direct commits`);
      assert.is(execFileSync('git', ['rev-parse', P], { cwd: remote, encoding: 'utf8' }), before, 'the remote is unchanged');
      git('checkout', '-q', 'develop');
      const d = commit('fine on develop');
      const ok = spawnSync('git', ['push', 'origin', 'develop'], { cwd: repo, encoding: 'utf8' });
      assert.is(ok.status, 0, ok.stderr);
      assert.is(execFileSync('git', ['rev-parse', 'develop'], { cwd: remote, encoding: 'utf8' }).trim(), d);
      git('fetch', '-q', 'origin');
    } finally {
      execFileSync('rm', ['-f', hook]);
    }
  });

  test.run();
}

scenarios('master', MINIMAL);
scenarios('main', `${MINIMAL}productionBranch: main\n`);
