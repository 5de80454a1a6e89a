// `pipewright protect`: the branch rules as GitHub branch protection bodies and as a ruleset.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, type ProtectOptions } from '../src/commands/protect.js';
import { UsageError } from '../src/core/errors.js';
import type { Io } from '../src/core/io.js';
import { DEFAULT_GUARD_CONTEXT } from '../src/render/github/protection.js';
import { fromRoot, tempDir, expectGolden } from './helpers.js';
import { FOUR } from './graph-configs.js';

const GOLDEN = fromRoot('test/golden/protect');
const EXAMPLE = fromRoot('examples/hello-flask');

async function protect(opts: Omit<ProtectOptions, 'cwd'> & { cwd?: string }) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), color: false };
  const code = await run({ cwd: EXAMPLE, ...opts }, io);
  return { code, out, err, json: JSON.parse(out) };
}


for (const [name, args] of [
  ['github.json', { github: true }],
  ['ruleset.json', { ruleset: true, owner: 'acme', repo: 'hello-flask' }],
] as const) {
  test(`golden protect: ${name}`, async () => {
    const { code, out } = await protect(args);
    assert.is(code, 0);
    expectGolden(path.join(GOLDEN, name), out);
  });
}

test('--github: one classic protection body per protected branch, none for develop', async () => {
  const { json } = await protect({ github: true });
  assert.equal(Object.keys(json), ['branches', 'commands', 'notes']);
  assert.equal(json.branches.map((b: { branch: string }) => b.branch), ['staging', 'master']);
  const master = json.branches[1];
  assert.equal(Object.keys(master), ['branch', 'endpoint', 'body']);
  assert.is(master.endpoint, 'PUT /repos/{owner}/{repo}/branches/master/protection');
  assert.equal(master.body, {
    required_status_checks: { strict: false, contexts: [DEFAULT_GUARD_CONTEXT] },
    enforce_admins: true,
    required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true },
    restrictions: null,
    allow_force_pushes: false,
    allow_deletions: false,
    required_linear_history: false,
  });
  // Deterministic key order, not just equal content.
  assert.equal(Object.keys(master.body), [
    'required_status_checks',
    'enforce_admins',
    'required_pull_request_reviews',
    'restrictions',
    'allow_force_pushes',
    'allow_deletions',
    'required_linear_history',
  ]);
  assert.equal(json.commands, [
    "gh api --method PUT 'repos/{owner}/{repo}/branches/staging/protection' --input -",
    "gh api --method PUT 'repos/{owner}/{repo}/branches/master/protection' --input -",
  ]);
  assert.ok(json.notes.some((n: string) => /cannot express the merge sources \(staging only from develop; master only from staging\)/.test(n)));
  assert.ok(json.notes.some((n: string) => /unprotected.*: develop\.$/.test(n)));
});

test('--owner, --repo and --status-check fill the endpoints, commands and checks', async () => {
  const { json } = await protect({ github: true, owner: 'acme', repo: 'hello-flask', statusCheck: 'jenkins/guard' });
  assert.is(json.branches[0].endpoint, 'PUT /repos/acme/hello-flask/branches/staging/protection');
  assert.equal(json.commands, [
    'gh api --method PUT repos/acme/hello-flask/branches/staging/protection --input -',
    'gh api --method PUT repos/acme/hello-flask/branches/master/protection --input -',
  ]);
  assert.equal(json.branches[0].body.required_status_checks.contexts, ['jenkins/guard']);
  assert.not.match(JSON.stringify(json), /\{owner\}|\{repo\}/);
});

test('a four-environment config protects qa, staging and master, each from its predecessor', async () => {
  const t = tempDir();
  try {
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), FOUR);
    const { json } = await protect({ cwd: t.dir, github: true });
    assert.equal(json.branches.map((b: { branch: string }) => b.branch), ['qa', 'staging', 'master']);
    assert.ok(json.notes.some((n: string) => n.includes('qa only from develop; staging only from qa; master only from staging')));
    const rs = (await protect({ cwd: t.dir, ruleset: true })).json;
    assert.equal(rs.body.conditions.ref_name.include, ['refs/heads/qa', 'refs/heads/staging', 'refs/heads/master']);
    assert.is(rs.body.name, 'pipewright: shop environment branches');
  } finally {
    t.cleanup();
  }
});

test('custom rules: a branch with mergeFrom but direct commits allowed is protected; branch names are URL paths', async () => {
  const t = tempDir();
  try {
    writeFileSync(
      path.join(t.dir, 'pipewright.yaml'),
      `${FOUR}rules:\n  branches:\n    develop: { directCommits: true }\n    release/prod: { mergeFrom: [develop], directCommits: true }\n`,
    );
    const { json } = await protect({ cwd: t.dir, github: true });
    assert.equal(json.branches.map((b: { branch: string }) => b.branch), ['release/prod']);
    assert.is(json.branches[0].endpoint, 'PUT /repos/{owner}/{repo}/branches/release/prod/protection');
  } finally {
    t.cleanup();
  }
});

test('--ruleset: one ruleset for every protected branch, merges only, the guard as a required check', async () => {
  const { json } = await protect({ ruleset: true });
  assert.equal(Object.keys(json), ['endpoint', 'body', 'commands', 'notes']);
  assert.is(json.endpoint, 'POST /repos/{owner}/{repo}/rulesets');
  assert.equal(json.commands, ["gh api --method POST 'repos/{owner}/{repo}/rulesets' --input -"]);
  const body = json.body;
  assert.equal(Object.keys(body), ['name', 'target', 'enforcement', 'bypass_actors', 'conditions', 'rules']);
  assert.is(body.target, 'branch');
  assert.is(body.enforcement, 'active');
  assert.equal(body.conditions.ref_name.include, ['refs/heads/staging', 'refs/heads/master']);
  assert.equal(body.rules.map((r: { type: string }) => r.type), ['deletion', 'non_fast_forward', 'pull_request', 'required_status_checks']);
  const pr = body.rules[2].parameters;
  assert.is(pr.required_approving_review_count, 1);
  assert.is(pr.dismiss_stale_reviews_on_push, true);
  assert.equal(pr.allowed_merge_methods, ['merge']);
  assert.equal(body.rules[3].parameters, {
    strict_required_status_checks_policy: false,
    required_status_checks: [{ context: DEFAULT_GUARD_CONTEXT }],
  });
  assert.ok(json.notes.some((n: string) => n.startsWith('GitHub cannot express the merge sources') && n.includes('Guard')));
});

test('--github with --ruleset prints the ruleset', async () => {
  const { json } = await protect({ github: true, ruleset: true });
  assert.ok('body' in json && !('branches' in json));
});

test('no protected branch: empty payload and a warning', async () => {
  const t = tempDir();
  try {
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), `${FOUR}rules:\n  branches:\n    develop: {}\n`);
    const gh = await protect({ cwd: t.dir, github: true });
    assert.equal([gh.json.branches, gh.json.commands], [[], []]);
    assert.match(gh.err, /nothing to protect/);
    const rs = await protect({ cwd: t.dir, ruleset: true });
    assert.is(rs.json.body, null);
  } finally {
    t.cleanup();
  }
});

test('usage errors: no --github or --ruleset, bad --owner, --repo or --status-check; --context (a kubeconfig context elsewhere) points to --status-check', async () => {
  const io: Io = { out: () => {}, err: () => {}, color: false };
  const rejects = async (opts: Omit<ProtectOptions, 'cwd'>, re: RegExp) => {
    try {
      await run({ cwd: EXAMPLE, ...opts }, io);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, UsageError);
      assert.match((e as Error).message, re);
      assert.is((e as UsageError).exitCode, 2);
    }
  };
  await rejects({}, /^protect needs --github or --ruleset/);
  await rejects({ github: true, owner: 'ac me' }, /^--owner: "ac me" is not a GitHub account name/);
  await rejects({ github: true, repo: 'a/b' }, /^--repo: "a\/b"/);
  await rejects({ github: true, statusCheck: ' ' }, /^--status-check:/);
  await rejects({ github: true, context: 'jenkins/guard' }, /^protect: --context is now --status-check <name>/);
});

test.run();
