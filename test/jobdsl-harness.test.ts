// The Job DSL harness: Job DSL scripts executed on the real Groovy 2.4 against a recording DSL, all
// scripts of a call in one JVM. Fixtures in test/fixtures/jobdsl/ are written in the shape
// `pipewright jobs` generates (folders, multibranch jobs, the seed job), plus broken scripts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { arg, child, findAll, runJobDsl, type DslNode, type DslScriptResult } from './jobdsl.js';
import { UsageError } from '../src/core/errors.js';
import { engineAvailable, fromRoot, tempDir, withoutGroovy } from './helpers.js';

const hasGroovy = engineAvailable('groovy');

const fixture = (name: string): string => fromRoot('test', 'fixtures', 'jobdsl', name);
const GOOD = ['payments.groovy', 'seed-job.groovy', 'dynamic.groovy'].map(fixture);
const BAD = ['syntax-error.groovy', 'unknown-method.groovy', 'groovy3.groovy'].map(fixture);

let batch: Promise<Map<string, DslScriptResult>> | undefined;
/** Good and broken scripts interleaved in one runJobDsl call (one JVM), shared by the tests. */
function results(): Promise<Map<string, DslScriptResult>> {
  const files = [GOOD[0]!, BAD[0]!, GOOD[1]!, BAD[1]!, GOOD[2]!, BAD[2]!];
  batch ??= runJobDsl(files).then((rs) => {
    assert.equal(
      rs.map((r) => r.file),
      files,
      'one result per script, in the order given',
    );
    return new Map(rs.map((r) => [path.basename(r.file), r]));
  });
  return batch;
}

async function items(name: string): Promise<DslNode[]> {
  const r = (await results()).get(name);
  assert.ok(r, `no result for ${name}`);
  assert.is(r.error, undefined, `${name}: ${r.error} (line ${r.line})`);
  assert.ok(r.items, `${name}: no items`);
  return r.items;
}

const job = (nodes: readonly DslNode[], name: string): DslNode => {
  const found = findAll(nodes, 'multibranchPipelineJob').find((j) => arg(j) === name);
  assert.ok(found, `no multibranchPipelineJob('${name}')`);
  return found;
};

test('folders come first, one per level, then the multibranch jobs in name order', async () => {
  if (!hasGroovy) return;
  const roots = await items('payments.groovy');
  assert.equal(
    roots.map((n) => `${n.name}(${String(arg(n))})`),
    ['folder(payments)', 'folder(payments/eu)', 'multibranchPipelineJob(payments/eu/legacy-billing)', 'multibranchPipelineJob(payments/eu/shop)'],
  );
  assert.is(arg(child(roots[1], 'displayName')), 'eu');
});

test('a GitHub multibranch job: owner, repository, credentials, discovery traits and branch filter', async () => {
  if (!hasGroovy) return;
  const shop = job(await items('payments.groovy'), 'payments/eu/shop');
  assert.is(arg(child(shop, 'displayName')), 'shop');
  const github = child(shop, 'branchSources', 'branchSource', 'source', 'github');
  assert.ok(github, 'github source');
  assert.is(arg(child(github, 'repoOwner')), 'acme');
  assert.is(arg(child(github, 'repository')), 'shop');
  assert.is(arg(child(github, 'repositoryUrl')), 'https://github.com/acme/shop');
  assert.is(arg(child(github, 'configuredByUrl')), false);
  assert.is(arg(child(github, 'credentialsId')), 'github-app');
  assert.is(arg(child(github, 'traits', 'gitHubBranchDiscovery', 'strategyId')), 3);
  assert.is(arg(child(github, 'traits', 'gitHubPullRequestDiscovery', 'strategyId')), 1);
  assert.is(arg(child(github, 'traits', 'headWildcardFilter', 'includes')), 'main master staging develop PR-*');
  // a one-line block (semicolons) under the trait's @Symbol, cloneOption
  assert.equal(
    child(github, 'traits', 'cloneOption', 'extension')?.children.map((c) => [c.name, arg(c)]),
    [
      ['shallow', false],
      ['noTags', false],
      ['reference', ''],
      ['timeout', 20],
    ],
  );
  assert.is(arg(child(github, 'traits', 'headWildcardFilter', 'excludes')), '');
  assert.is(arg(child(shop, 'triggers', 'periodicFolderTrigger', 'interval')), '1d');
  assert.equal(child(shop, 'orphanedItemStrategy', 'discardOldItems')?.children, [
    { name: 'daysToKeep', args: [30], children: [] },
    { name: 'numToKeep', args: [20], children: [] },
  ]);
  assert.is(arg(child(shop, 'factory', 'workflowBranchProjectFactory', 'scriptPath')), 'Jenkinsfile');
});

test('a plain git multibranch job: remote, a no-argument trait, escapes and unicode in strings', async () => {
  if (!hasGroovy) return;
  const legacy = job(await items('payments.groovy'), 'payments/eu/legacy-billing');
  const git = child(legacy, 'branchSources', 'branchSource', 'source', 'git');
  assert.ok(git, 'git source');
  assert.is(child(legacy, 'branchSources', 'branchSource', 'source', 'github'), undefined);
  assert.is(arg(child(git, 'remote')), 'https://git.example.com/payments/legacy-billing.git');
  assert.is(arg(child(git, 'credentialsId')), 'git-ssh');
  assert.equal(child(git, 'traits', 'gitBranchDiscovery'), { name: 'gitBranchDiscovery', args: [], children: [] });
  assert.is(arg(child(git, 'traits', 'headWildcardFilter', 'includes')), 'master develop');
  // the trait under its class name, cloneOptionTrait; a null timeout is git's default
  const clone = child(git, 'traits', 'cloneOptionTrait', 'extension');
  assert.equal(
    clone?.children.map((c) => [c.name, arg(c)]),
    [
      ['shallow', false],
      ['noTags', false],
      ['reference', ''],
      ['timeout', null],
      ['honorRefspec', true],
    ],
  );
  assert.is(arg(child(legacy, 'description')), 'Billing (the old one): \'legacy\'\nété — "quoted" $HOME \\ done');
  assert.is(arg(child(legacy, 'triggers', 'periodicFolderTrigger', 'interval')), '12h');
  assert.equal(
    child(legacy, 'orphanedItemStrategy', 'discardOldItems')?.children.map((c) => [c.name, arg(c)]),
    [
      ['daysToKeep', 30],
      ['numToKeep', 20],
    ],
  );
  assert.is(arg(child(legacy, 'factory', 'workflowBranchProjectFactory', 'scriptPath')), 'ci/Jenkinsfile');
});

test('the seed job: scm, trigger and the jobDsl step with the sandbox and its removal actions', async () => {
  if (!hasGroovy) return;
  const roots = await items('seed-job.groovy');
  assert.equal(
    roots.map((n) => [n.name, arg(n)]),
    [['job', 'pipewright-seed']],
  );
  const seed = roots[0]!;
  assert.is(arg(child(seed, 'scm', 'git', 'remote', 'url')), 'https://github.com/acme/jenkins-jobs.git');
  assert.is(arg(child(seed, 'scm', 'git', 'remote', 'credentials')), 'github-app');
  assert.is(arg(child(seed, 'scm', 'git', 'branch')), 'main');
  assert.is(arg(child(seed, 'triggers', 'scm')), 'H/5 * * * *');
  assert.equal(
    child(seed, 'steps')?.children.map((c) => c.name),
    ['jobDsl'],
  );
  const dsl = child(seed, 'steps', 'jobDsl');
  assert.ok(dsl, 'jobDsl step');
  assert.is(arg(child(dsl, 'targets')), 'generated/dsl/**/*.groovy');
  assert.is(arg(child(dsl, 'sandbox')), true);
  assert.is(arg(child(dsl, 'removedJobAction')), 'DISABLE');
  assert.is(arg(child(dsl, 'removedViewAction')), 'IGNORE');
  assert.is(arg(child(dsl, 'lookupStrategy')), 'SEED_JOB');
});

test('a script with variables, a loop, GStrings and named arguments is executed by Groovy', async () => {
  if (!hasGroovy) return;
  const roots = await items('dynamic.groovy');
  assert.equal(
    roots.map((n) => [n.name, arg(n)]),
    [
      ['folder', 'checkout'],
      ['multibranchPipelineJob', 'checkout/api'],
      ['folder', 'search'],
      ['multibranchPipelineJob', 'search/api'],
    ],
  );
  const api = roots[3]!;
  assert.is(arg(child(api, 'description')), 'The search API');
  assert.equal(child(api, 'properties')?.args, [{ priority: 3, labels: ['a', 'b'] }]);
  assert.not.ok(findAll(roots, 'println').length, 'println is output, not a DSL call');
});

test('a syntax error is reported with its line while the other scripts still report', async () => {
  if (!hasGroovy) return;
  const r = (await results()).get('syntax-error.groovy');
  assert.ok(r);
  assert.is(r.items, undefined);
  assert.match(r.error ?? '', /unexpected token/);
  assert.is(r.line, 5);
  assert.ok((await results()).get('seed-job.groovy')?.items, 'the script after it still ran');
});

test('an unknown top-level method is what Jenkins rejects: reported with its line', async () => {
  if (!hasGroovy) return;
  const r = (await results()).get('unknown-method.groovy');
  assert.ok(r);
  assert.is(r.items, undefined);
  assert.is(r.error, 'unknown top-level Job DSL method multibranchPipelinejob');
  assert.is(r.line, 3);
});

test('Groovy 3 syntax (a lambda) fails on Groovy 2.4', async () => {
  if (!hasGroovy) return;
  const r = (await results()).get('groovy3.groovy');
  assert.ok(r);
  assert.is(r.items, undefined);
  assert.match(r.error ?? '', /unexpected token: ->/);
  assert.is(r.line, 2);
});

/**
 * A multibranch job with a valid github source, with `params` after its required ones and
 * `traits` inside its traits block: each strict case below varies one of them.
 */
const githubJob = (o: { params?: string; traits?: string; required?: string }) =>
  [
    "multibranchPipelineJob('strict') {",
    '    branchSources {',
    '        branchSource {',
    '            source {',
    '                github {',
    "                    id('strict')",
    "                    repoOwner('acme')",
    "                    repository('strict')",
    o.required ?? "                    repositoryUrl('https://github.com/acme/strict')\n                    configuredByUrl(false)",
    ...(o.traits ? ['                    traits {', o.traits.replace(/^/gm, '                        '), '                    }'] : []),
    '                }',
    '            }',
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');

const cloneOption = (...options: string[]) => ['cloneOptionTrait {', '    extension {', ...options.map((x) => `        ${x}`), '    }', '}'].join('\n');

test('the dynamic blocks are checked as Job DSL checks them: traits, options, types, enums, required parameters', async () => {
  if (!hasGroovy) return;
  const known = 'known: gitHubBranchDiscovery, gitHubPullRequestDiscovery, gitHubForkDiscovery, gitHubTagDiscovery, headWildcardFilter, cloneOption, cloneOptionTrait';
  // Each case: the script, the text on the line the error must name, and the error.
  const cases: Record<string, { script: string; at: string; error: string }> = {
    // a misspelt trait: Job DSL knows no such trait
    'unknown-trait': { script: githubJob({ traits: 'gitHubBranchDiscovry { strategyId(3) }' }), at: 'gitHubBranchDiscovry', error: `No signature of method: gitHubBranchDiscovry(<closure>) in the traits of a github branch source (${known})` },
    // a git source's trait on the github source: Jenkins would drop it silently
    'git-trait-on-github': { script: githubJob({ traits: 'gitBranchDiscovery()' }), at: 'gitBranchDiscovery', error: `No signature of method: gitBranchDiscovery() in the traits of a github branch source (${known})` },
    // a strategy id the plugin does not define (it would silently fall back to its default)
    'bad-strategy': { script: githubJob({ traits: 'gitHubBranchDiscovery { strategyId(4) }' }), at: 'strategyId(4)', error: 'gitHubBranchDiscovery: strategyId(4) is not one of 1, 2, 3' },
    'string-strategy': { script: githubJob({ traits: "gitHubPullRequestDiscovery { strategyId('1') }" }), at: "strategyId('1')", error: "gitHubPullRequestDiscovery: strategyId('1') takes a whole number" },
    'missing-strategy': { script: githubJob({ traits: 'gitHubPullRequestDiscovery()' }), at: 'gitHubPullRequestDiscovery', error: 'gitHubPullRequestDiscovery: the following options are required and must be specified: strategyId' },
    // CloneOption's constructor takes all four of shallow, noTags, reference and timeout
    'clone-option-incomplete': { script: githubJob({ traits: cloneOption('shallow(false)', 'noTags(false)') }), at: 'extension {', error: 'cloneOptionTrait extension: the following options are required and must be specified: reference, timeout' },
    'unknown-option': {
      script: githubJob({ traits: cloneOption('shallow(false)', 'noTags(false)', "reference('')", 'timeout(null)', 'fetchTags(true)') }),
      at: 'fetchTags',
      error: 'No signature of method: fetchTags(true) in cloneOptionTrait extension; possible solutions: shallow(), noTags(), reference(), timeout(), depth(), honorRefspec()',
    },
    // GitHubSCMSource's constructor takes repoOwner, repository, repositoryUrl and configuredByUrl
    'missing-source-param': { script: githubJob({ required: '' }), at: 'github {', error: 'github: the following options are required and must be specified: repositoryUrl, configuredByUrl' },
    // a removedJobAction Job DSL does not have
    'bad-enum': {
      script: "job('seed') {\n    steps {\n        jobDsl {\n            targets('jobs/dsl/**/*.groovy')\n            removedJobAction('REMOVE')\n        }\n    }\n}\n",
      at: 'removedJobAction',
      error: "jobDsl: removedJobAction('REMOVE') is an invalid enum value, must be one of 'IGNORE', 'DISABLE', 'DELETE'",
    },
  };
  const t = tempDir('pipewright-jobdsl-strict-');
  try {
    // The template itself is valid: each case fails by the harness's strictness, not a broken base.
    const valid = githubJob({ traits: ['gitHubBranchDiscovery { strategyId(3) }', cloneOption('shallow(false)', 'noTags(false)', "reference('')", 'timeout(null)', 'honorRefspec(true)')].join('\n') });
    const files = [...Object.entries(cases), ['valid', { script: valid }] as const].map(([name, c]) => {
      const file = path.join(t.dir, `${name}.groovy`);
      writeFileSync(file, c.script);
      return file;
    });
    const rs = await runJobDsl(files);
    assert.equal(rs.at(-1)!.error, undefined, 'the template is valid');
    assert.equal(
      Object.fromEntries(rs.slice(0, -1).map((r) => [path.basename(r.file, '.groovy'), [r.line, r.error]])),
      Object.fromEntries(Object.entries(cases).map(([name, c]) => [name, [c.script.split('\n').findIndex((l) => l.includes(c.at)) + 1, c.error]])),
    );
  } finally {
    t.cleanup();
  }
});

test('no scripts: no JVM, no result', async () => {
  assert.equal(await runJobDsl([]), []);
});

test('groovy or java missing: a UsageError with the install hint', async () => {
  await withoutGroovy(async () => {
    try {
      await runJobDsl([GOOD[0]!]);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, UsageError);
      assert.is((e as Error).message, 'Groovy 2.4 is needed: apt-get install -y --no-install-recommends groovy default-jre-headless');
    }
  });
});

test('findAll is depth-first in document order; child follows a path; arg is the first argument', () => {
  const n = (name: string, args: unknown[], children: DslNode[] = []): DslNode => ({ name, args, children });
  const tree = [
    n('folder', ['a']),
    n('job', ['a/x'], [n('steps', [], [n('shell', ['one']), n('jobDsl', [], [n('shell', ['nested'])])]), n('shell', ['two'])]),
  ];
  assert.equal(
    findAll(tree, 'shell').map(arg),
    ['one', 'nested', 'two'],
  );
  assert.is(arg(child(tree[1], 'steps', 'jobDsl', 'shell')), 'nested');
  assert.is(child(tree[1], 'steps', 'missing', 'shell'), undefined);
  assert.is(child(undefined, 'steps'), undefined);
  assert.is(child(tree[0]), tree[0]);
  assert.is(arg(tree[0]), 'a');
  assert.is(arg(child(tree[1], 'steps')), undefined);
  assert.is(arg(undefined), undefined);
});

test.run();
