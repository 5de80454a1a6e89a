// The flow a team follows on GitHub, for ten releases: developers push develop through the
// pre-push hook; GitHub merges develop → staging and staging → master (merge commits by GitHub,
// untagged, no "Update branch", since the required check is not strict); Jenkins builds every
// staging and master merge with the generated pipeline (real git, one JVM for all twenty builds)
// and tags each release. Then the whole history passes `pipewright lint`, and the one thing
// GitHub's "Update branch" would do (merge master into staging) is refused by the hook and the Guard.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel } from '../src/model/model.js';
import { writePipeline } from '../src/plan/workspace.js';
import { loadTemplates } from '../src/config/templates.js';
import { runPipelines } from '../src/plan/harness.js';
import { scenarioOn, flowOf } from '../src/plan/scenario.js';
import { GITHUB, MERGER, seedOrigin } from '../src/plan/git-fixture.js';
import { githubProtection } from '../src/render/github/protection.js';
import { engineAvailable, fromRoot, runCli, tempDir } from './helpers.js';

const hasGroovy = engineAvailable('groovy');
const RELEASES = 10;
const CONFIG = 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';

test('ten releases through GitHub merges: every build passes, every protected commit gets its release, lint is clean; "Update branch" is refused', async () => {
  if (!hasGroovy) return;
  const t = tempDir('pipewright-flow-');
  try {
    const model = resolveModel(validateConfig({ app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' } }, 'pipewright.yaml'), 'pipewright.yaml');
    // The protection pipewright exports is what lets this flow work: no "up to date" requirement.
    assert.is(githubProtection(model).branches[0]!.body.required_status_checks.strict, false);
    const paths = writePipeline(model, loadTemplates({ groups: ['vars-templates'], configFile: 'pipewright.yaml' }), path.join(t.dir, 'pipeline'));
    const origin = seedOrigin(path.join(t.dir, 'github'), {
      flow: flowOf(model),
      branch: 'develop',
      tagsOnRoot: ['v1.0.0'],
      files: { 'pipewright.yaml': CONFIG, 'requirements.txt': 'flask>=3\n', 'script/cibuild': '#!/bin/sh\nexit 0\n', 'script/smoke': '#!/bin/sh\nexit 0\n' },
    });

    // A developer's clone, with the pre-push hook installed as `pipewright init` does, and
    // `pipewright` on PATH as the package's bin entry.
    const dev = path.join(t.dir, 'dev');
    execFileSync('git', ['clone', '-q', origin.url, dev]);
    const bin = path.join(t.dir, 'bin');
    mkdirSync(bin);
    symlinkSync(fromRoot('bin', 'pipewright.cjs'), path.join(bin, 'pipewright'));
    const PATH = `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`;
    const git = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    git(dev, ['config', 'user.name', 'Dev Eloper']);
    git(dev, ['config', 'user.email', 'dev@example.com']);
    git(dev, ['checkout', '-q', 'develop']);
    const install = runCli(['hook', 'install'], { cwd: dev });
    assert.is(install.status, 0, install.stderr);

    // GitHub's side: a clone in which "Merge pull request" is performed.
    const gh = path.join(t.dir, 'merges');
    execFileSync('git', ['clone', '-q', origin.url, gh]);
    const byGitHub = { GIT_AUTHOR_NAME: MERGER.name, GIT_AUTHOR_EMAIL: MERGER.email, GIT_COMMITTER_NAME: GITHUB.name, GIT_COMMITTER_EMAIL: GITHUB.email };
    let pr = 0;
    const githubMerge = (from: string, into: string): string => {
      git(gh, ['fetch', '-q', 'origin']);
      git(gh, ['checkout', '-q', '-B', into, `origin/${into}`]);
      // a conflict or a refusal throws: every merge of the flow must be clean, with no update of the source first
      git(gh, ['merge', '--no-ff', '-q', '-m', `Merge pull request #${++pr} from acme/${from}`, `origin/${from}`], byGitHub);
      git(gh, ['push', '-q', 'origin', into]);
      return git(gh, ['rev-parse', 'HEAD']);
    };

    const builds: { branch: string; head: string }[] = [];
    for (let k = 1; k <= RELEASES; k++) {
      if (k > 1) {
        writeFileSync(path.join(dev, 'app.py'), `# the app, release ${k}\n`);
        git(dev, ['commit', '-q', '-am', `Change for release ${k}`]);
        git(dev, ['push', '-q', 'origin', 'develop']); // through the hook
      }
      builds.push({ branch: 'staging', head: githubMerge('develop', 'staging') });
      builds.push({ branch: 'master', head: githubMerge('staging', 'master') });
    }

    // Jenkins builds every merge, in order, each checking out its own revision without tags.
    const scenarios = builds.map((b, i) =>
      scenarioOn(model, paths, { branch: b.branch, files: ['script/cibuild', 'script/smoke'], imageInEcr: true, approver: 'release-manager' }, { ...origin, head: b.head }, path.join(t.dir, `build-${i}`)),
    );
    const results = await runPipelines(scenarios);
    results.forEach((r, i) => assert.is(r.result, 'SUCCESS', `${builds[i]!.branch} build ${i}: ${r.error}`));
    const tagsAt = (sha: string) => git(origin.url, ['tag', '--points-at', sha]).split('\n').filter(Boolean);
    builds.forEach((b, i) => {
      const release = Math.floor(i / 2) + 1;
      assert.equal(tagsAt(b.head), [b.branch === 'staging' ? `v1.0.${release}-beta.1` : `v1.0.${release}`], `${b.branch} release ${release}`);
    });
    // One image for every release: the master merge carries staging's tree, which is develop's.
    for (let i = 0; i < builds.length; i += 2) {
      assert.is(git(origin.url, ['rev-parse', `${builds[i]!.head}^{tree}`]), git(origin.url, ['rev-parse', `${builds[i + 1]!.head}^{tree}`]));
    }

    // The whole history, as GitHub has it, follows the rules.
    git(dev, ['fetch', '-q', '--tags', 'origin']);
    const lint = runCli(['lint', '--remote', 'origin'], { cwd: dev });
    assert.is(lint.status, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, `0 error(s), 0 warning(s); audited develop (${RELEASES + 1}), staging (${RELEASES + 1}), master (${RELEASES + 1})`);

    // "Update branch" on a staging → master pull request merges master into staging: refused.
    git(dev, ['checkout', '-q', '-B', 'staging', 'origin/staging']);
    git(dev, ['merge', '--no-ff', '-q', '-m', 'Merge branch master into staging', 'origin/master']);
    const push = (() => {
      try {
        git(dev, ['push', 'origin', 'staging']);
        return null;
      } catch (e) {
        return String((e as { stderr?: string }).stderr);
      }
    })();
    assert.ok(push, 'the hook refused the push');
    assert.match(push!, 'staging accepts merges only from develop');
    git(dev, ['push', '-q', 'origin', 'staging'], { PIPEWRIGHT_SKIP_HOOK: '1' });
    const updated = git(dev, ['rev-parse', 'HEAD']);
    const [guard] = await runPipelines([scenarioOn(model, paths, { branch: 'staging', files: ['script/cibuild', 'script/smoke'] }, { ...origin, head: updated }, path.join(t.dir, 'updated'))]);
    assert.is(guard!.result, 'FAILURE');
    assert.match(guard!.error!, 'Guard: rule "staging accepts merges only from develop" is broken');
  } finally {
    t.cleanup();
  }
});

test.run();
