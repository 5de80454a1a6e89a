#!/usr/bin/env node
// `pipewright hook pre-push` and `pipewright lint` on a real repository of ~50,000 commits, as
// whole processes, against `node -e 0` (and, for lint, `git log --first-parent`) measured in the
// same run, interleaved (so machine noise hits all alike): median and p90 of --runs runs.
//
//   node bench/hook.mjs [--commits 50000] [--runs 15] [--json] [--commit-graph] [--keep] [--cli bin/pipewright.cjs]
//                       [--compare-lint <bin/pipewright.cjs>] [--compare-hook <bin/pipewright.cjs>]
//
// --cli measures another build (e.g. the main checkout's bin/pipewright.cjs); --compare-lint
// <bin/pipewright.cjs> also times a second build's lint (and its memory) in the same interleaved
// runs, for a before/after under the same machine noise; --compare-hook <bin/pipewright.cjs> does
// the same for the hook's scenarios (a, a', b, b', d), its verdicts checked first like this build's.
//
// The repository is written by one `git fast-import` process fed a streamed history that follows
// the default branch rules: `develop` takes most commits (one small file change each, every tree
// distinct) and merges of short feature branches; every SPRINT develop commits develop is merged
// (--no-ff) into `staging` and that merge is tagged vX.Y.Z-beta.N; every BETAS_PER_RELEASE
// staging merges staging is merged into `master` and that merge is tagged vX.Y.Z (the same
// version as its betas). Release tags are annotated, as `jenkins.autoTag` makes them, except every
// LIGHTWEIGHT_EVERY-th release, which is lightweight, as `git tag vX.Y.Z` makes it. The root
// commit (pipewright.yaml with the minimal config) is where all three branches start. At the end
// develop is ahead of staging and staging (a tagged beta) ahead of master, with one live feature
// branch cut from develop. All branches and tags are pushed once (--no-verify) to a bare remote,
// so the remote-tracking refs and the remote shas on the hook's stdin are real. fast-import leaves
// every ref loose; the refs are then packed, as in a fresh `git clone`. No commit-graph is
// written (a clone has none until its first `git gc`/`git maintenance`): --commit-graph writes one,
// to see the same history as a maintained repository.
//
// Scenarios (new commits made once with `git commit-tree` before timing; nothing is pushed while
// timing — the hook only reads):
//   a. push one new commit to develop (fast-forward)                      aim: median ≤ 150 ms
//   b. push master fast-forwarded to a new merge of staging, tagged vX.Y.Z, with the tag in the
//      same push                                                           aim: median ≤ 200 ms
//   d. push 3,000 new refs at once (a mirror push, a tag import): branches cut from develop, plain
//      tags, release tags on master's merges                              aim: median ≤ 1,000 ms
//   and, against `node -e 0` in the same runs: (b) ≤ 1.5×, and (a) and (b) with the rules cache
//   cold (no cache at all: a fresh TMPDIR and cache directory) ≤ 1.5×.
//   c. `pipewright lint` over the whole history vs `git log --first-parent --format=%H%x09%P`
//      run once for master and once for staging (two processes, summed: what an audit of the two
//      protected branches must read at least; GIT_FLUSH=0, fully buffered, as lint runs git)
//                                                                          aim: lint ≤ 2× git log
//      Also shown: the same git log of develop, which the merge-source check reads too (staging's
//      merges must come from develop's line), and lint against all three git logs: the honest
//      floor, since "S lies on develop's first-parent line" can only be proven by walking that
//      line down to the oldest S, which in a repository that followed the flow sits near the root.
//      lint's peak memory: node's own maxRSS (process.resourceUsage(), through a --require'd
//      script writing it to fd 3) in every timed run; and, untimed, where /usr/bin/time exists,
//      the peak of the whole process tree (node or any git it ran) against git log's own.
// An untimed first run checks the verdicts: (a) and (b) exit 0, and negative controls (a direct
// commit on master; a merge of staging into master without its release tag; a merge of develop
// straight into master) exit 1 naming the rule they break; and once through a real
// `git push --dry-run` with the hook installed (git runs pre-push on a dry run too). Exit 0 even
// when an aim is missed (the numbers are the point: "OVER AIM" says so); exit 1 when a verdict is
// wrong, since then the timings measure the wrong thing.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SPRINT = 20; // develop commits between two merges into staging
const BETAS_PER_RELEASE = 5; // staging merges between two merges into master
const FEATURE_EVERY = 40; // every so many develop commits, a feature branch is merged into develop
const FEATURE_COMMITS = 3;
const MODULES = 500; // files the develop commits edit, in 20 packages
const LIGHTWEIGHT_EVERY = 5;
const AIMS = { develop: 150, master: 200, many: 1000, masterRatio: 1.5, coldRatio: 1.5, lintRatio: 2 };
const REFS = 3000; // refs in scenario (d)
const ZERO = '0'.repeat(40);
const CONFIG = 'app: bench\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n';

function usage(msg) {
  console.error(`${msg}\nusage: node bench/hook.mjs [--commits 50000] [--runs 15] [--json] [--commit-graph] [--keep] [--cli bin/pipewright.cjs] [--compare-lint <bin/pipewright.cjs>] [--compare-hook <bin/pipewright.cjs>]`);
  process.exit(2);
}

function parseArgs(argv) {
  // The default CLI: what node_modules/.bin/pipewright runs.
  const opts = { commits: 50000, runs: 15, json: false, commitGraph: false, keep: false, cli: path.join(root, 'bin', 'pipewright.cjs'), compareLint: null, compareHook: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]) ?? usage(`${a} needs a value`);
    const int = (name, min) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) usage(`${name}: an integer ≥ ${min}`);
      return n;
    };
    if (a === '--json') opts.json = true;
    else if (a === '--commit-graph') opts.commitGraph = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--commits' || a.startsWith('--commits=')) opts.commits = int('--commits', 200);
    else if (a === '--runs' || a.startsWith('--runs=')) opts.runs = int('--runs', 1);
    else if (a === '--cli' || a.startsWith('--cli=')) opts.cli = path.resolve(value());
    else if (a === '--compare-lint' || a.startsWith('--compare-lint=')) opts.compareLint = path.resolve(value());
    else if (a === '--compare-hook' || a.startsWith('--compare-hook=')) opts.compareHook = path.resolve(value());
    else usage(`unknown argument: ${a}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const cli = opts.cli;
const log = (s) => process.stderr.write(`${s}\n`);

// Every git and pipewright process sees the repository through its cwd only, and the same
// identity and clock for the commits and tags made here.
const env = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_CEILING_DIRECTORIES']) delete env[k];

/** Runs git to completion in `cwd`; returns trimmed stdout, throws with stderr on failure. */
function git(cwd, args, { input, extraEnv } = {}) {
  const res = spawnSync('git', args, { cwd, input, encoding: 'utf8', maxBuffer: 1 << 30, env: extraEnv ? { ...env, ...extraEnv } : env });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`git ${args.join(' ')} exited ${res.status}:\n${res.stderr}`);
  return res.stdout.trim();
}

const gitVersion = spawnSync('git', ['--version'], { encoding: 'utf8' });
if (gitVersion.error || gitVersion.status !== 0) {
  console.error('bench/hook.mjs: `git` is not installed (apt-get install -y git).');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// The repository: one streamed `git fast-import`
// ---------------------------------------------------------------------------------------------

/** vX.Y.Z of the r-th release (0-based): unique, with patch and minor and major bumps. */
const version = (r) => `${1 + Math.floor(r / 40)}.${Math.floor(r / 4) % 10}.${r % 4}`;

/**
 * Writes the history into the (empty, non-bare) repository at `dir`. Returns what the scenarios
 * need: the counts, and the version of the release staging is heading for.
 */
async function buildHistory(dir, target) {
  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, env, stdio: ['pipe', 'ignore', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (b) => stderr.push(b));
  child.stdin.on('error', () => {}); // an early exit is reported with fast-import's stderr below
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}:\n${Buffer.concat(stderr).toString('utf8')}`))));
  });

  let buf = [];
  let bufLen = 0;
  const emit = (s) => {
    buf.push(s);
    bufLen += s.length;
  };
  const flush = async () => {
    if (bufLen === 0) return;
    const chunk = buf.join('');
    buf = [];
    bufLen = 0;
    if (!child.stdin.write(chunk)) await Promise.race([new Promise((resolve) => child.stdin.once('drain', resolve)), exited]);
  };
  const data = (s) => `data ${Buffer.byteLength(s)}\n${s}\n`;

  let clock = Date.UTC(2019, 0, 7, 9) / 1000;
  let mark = 0;
  const counts = { develop: 0, developMerges: 0, feature: 0, staging: 0, master: 0, betaTags: 0, stableTags: 0, lightweightTags: 0, total: 0 };
  /** Tree state per branch: path → contents. */
  const trees = { develop: new Map(), staging: null, master: null };
  const tips = {};

  /** One commit on `ref`; `files` is a Map of path → contents that differ from the first parent. */
  const commit = (ref, parents, message, files, who = 'Dev One <dev1@example.com>') => {
    clock += 137 + (mark % 7) * 61; // minutes apart, never the same second
    mark++;
    emit(`commit refs/heads/${ref}\nmark :${mark}\n`);
    emit(`author ${who} ${clock} +0000\ncommitter ${who} ${clock} +0000\n${data(message)}`);
    if (parents[0]) emit(`from :${parents[0]}\n`);
    for (const p of parents.slice(1)) emit(`merge :${p}\n`);
    for (const [p, contents] of files) emit(`M 100644 inline ${p}\n${data(contents)}`);
    emit('\n');
    counts.total++;
    return mark;
  };
  /** The files of `from` that differ in `to` (the merge result's tree is the source's). */
  const delta = (from, to) => {
    const out = new Map();
    for (const [p, c] of from) if (to.get(p) !== c) out.set(p, c);
    return out;
  };
  const tag = (name, at, annotated) => {
    if (annotated) {
      emit(`tag ${name}\nfrom :${at}\ntagger Jenkins <jenkins@example.com> ${clock + 30} +0000\n${data(`Release ${name}`)}`);
    } else {
      emit(`reset refs/tags/${name}\nfrom :${at}\n\n`);
      counts.lightweightTags++;
    }
  };

  // The root: the config, a Flask app. All three branches start here.
  const rootFiles = new Map([
    ['pipewright.yaml', CONFIG],
    ['app.py', 'from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get("/healthz")\ndef healthz():\n    return "ok"\n'],
    ['requirements.txt', 'flask==3.0.3\ngunicorn==22.0.0\n'],
    ['README.md', '# bench\n'],
  ]);
  const rootMark = commit('develop', [], 'Initial commit\n', rootFiles);
  trees.develop = new Map(rootFiles);
  trees.staging = new Map(rootFiles);
  trees.master = new Map(rootFiles);
  tips.develop = tips.staging = tips.master = rootMark;
  emit(`reset refs/heads/staging\nfrom :${rootMark}\n\nreset refs/heads/master\nfrom :${rootMark}\n\n`);

  let edits = 0;
  /** A small edit of one module: every commit's tree is distinct. */
  const edit = (tree, prefix = 'src') => {
    const i = edits++;
    const m = i % MODULES;
    const p = `${prefix}/pkg${String(m % 20).padStart(2, '0')}/mod${String(Math.floor(m / 20)).padStart(2, '0')}.py`;
    const contents = `"""Module ${m}."""\n\nREVISION = ${i}\n\n\ndef value():\n    return ${(i * 7919) % 100003}\n`;
    tree.set(p, contents);
    return new Map([[p, contents]]);
  };

  let release = 0; // index of the release staging is heading for
  let beta = 0; // betas of that release so far
  let sinceStaging = 0; // develop-side commits since the last merge into staging
  let features = 0;
  const stagingMerge = () => {
    const m = commit('staging', [tips.staging, tips.develop], "Merge branch 'develop' into staging\n", delta(trees.develop, trees.staging), 'Jenkins <jenkins@example.com>');
    trees.staging = new Map(trees.develop);
    tips.staging = m;
    counts.staging++;
    beta++;
    tag(`v${version(release)}-beta.${beta}`, m, release % LIGHTWEIGHT_EVERY !== 1);
    counts.betaTags++;
    sinceStaging = 0;
  };
  const masterMerge = () => {
    const m = commit('master', [tips.master, tips.staging], "Merge branch 'staging' into master\n", delta(trees.staging, trees.master), 'Release Manager <rm@example.com>');
    trees.master = new Map(trees.staging);
    tips.master = m;
    counts.master++;
    tag(`v${version(release)}`, m, release % LIGHTWEIGHT_EVERY !== 1);
    counts.stableTags++;
    release++;
    beta = 0;
  };

  while (counts.total < target - 2) {
    if ((counts.develop + 1) % FEATURE_EVERY === 0) {
      // A short feature branch cut from develop, merged back with --no-ff.
      const name = `feature/f${++features}`;
      const ft = new Map(trees.develop);
      let tip = tips.develop;
      for (let k = 0; k < FEATURE_COMMITS; k++) {
        tip = commit(name, [tip], `${name}: step ${k + 1}\n`, edit(ft, 'src/features'), 'Dev Two <dev2@example.com>');
        counts.feature++;
      }
      const m = commit('develop', [tips.develop, tip], `Merge branch '${name}' into develop\n`, delta(ft, trees.develop));
      trees.develop = ft;
      tips.develop = m;
      counts.developMerges++;
      emit(`reset refs/heads/${name}\nfrom ${ZERO}\n\n`); // merged: the branch is deleted
    } else {
      tips.develop = commit('develop', [tips.develop], `Change ${edits}\n`, edit(trees.develop));
    }
    counts.develop++;
    if (++sinceStaging >= SPRINT) {
      stagingMerge();
      if (beta >= BETAS_PER_RELEASE) masterMerge();
    }
    if (bufLen > 1 << 20) await flush();
  }
  // End state: staging one tagged beta ahead of master, develop a few commits ahead of staging,
  // one live feature branch cut from develop.
  if (beta === 0) stagingMerge();
  for (let k = 0; k < 2; k++) {
    tips.develop = commit('develop', [tips.develop], `Change ${edits}\n`, edit(trees.develop));
    counts.develop++;
  }
  const live = new Map(trees.develop);
  commit('feature/live', [tips.develop], 'feature/live: work in progress\n', edit(live, 'src/features'), 'Dev Two <dev2@example.com>');
  counts.feature++;
  emit('done\n');
  await flush();
  child.stdin.end();
  await exited;
  return { counts, nextRelease: `v${version(release)}`, nextBeta: `v${version(release)}-beta.${beta + 1}` };
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * Runs `file args` to completion in `cwd`: { ms, status, stdout, stderr, fd3 }. With `fd3`, the
 * child gets a fourth pipe (what the maxRSS script writes to).
 */
function run(file, args, { cwd, input, fd3 = false, extraEnv } = {}) {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(file, args, { cwd, input, env: extraEnv ? { ...env, ...extraEnv } : env, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe', ...(fd3 ? ['pipe'] : [])] });
  const t = ms(t0);
  if (res.error) throw res.error;
  return { ms: t, status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr.toString('utf8'), fd3: fd3 ? res.output[3]?.toString('utf8') : undefined };
}

/** Peak RSS in MB of a whole process tree (the process or any child it waited for), by GNU time; null without it. */
function treeMaxRssMb(file, args, cwd) {
  if (!existsSync('/usr/bin/time')) return null;
  const res = spawnSync('/usr/bin/time', ['-f', '%M', file, ...args], { cwd, env, maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const kb = Number(res.stderr?.toString('utf8').trim().split('\n').at(-1));
  return Number.isFinite(kb) && kb > 0 ? kb / 1024 : null;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const m = Math.floor(s.length / 2);
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, p90: q(0.9), min: s[0], max: s.at(-1) };
};

// ---------------------------------------------------------------------------------------------

const base = mkdtempSync(path.join(tmpdir(), 'pipewright-bench-hook-'));
const repo = path.join(base, 'app');
const remote = path.join(base, 'remote.git');
let exitCode = 0;
try {
  // 1. The repository.
  mkdirSync(repo);
  git(repo, ['init', '--quiet', '--initial-branch=develop']);
  git(repo, ['config', 'gc.auto', '0']);
  log(`building a repository of ~${opts.commits} commits with git fast-import…`);
  let t0 = process.hrtime.bigint();
  const history = await buildHistory(repo, opts.commits);
  const importMs = ms(t0);
  t0 = process.hrtime.bigint();
  git(repo, ['checkout', '--quiet', '--force', 'develop']);
  const checkoutMs = ms(t0);
  git(repo, ['pack-refs', '--all']);
  let graphMs = null;
  if (opts.commitGraph) {
    t0 = process.hrtime.bigint();
    git(repo, ['commit-graph', 'write', '--reachable']);
    graphMs = ms(t0);
  }
  t0 = process.hrtime.bigint();
  git(base, ['init', '--quiet', '--bare', remote]);
  git(repo, ['remote', 'add', 'origin', remote]);
  git(repo, ['push', '--quiet', '--no-verify', 'origin', 'develop', 'staging', 'master', 'feature/live', '--tags']);
  const pushMs = ms(t0);
  const objects = Object.fromEntries(
    git(repo, ['count-objects', '-v'])
      .split('\n')
      .map((l) => l.split(': '))
      .map(([k, v]) => [k, Number(v)]),
  );
  const counted = Number(git(repo, ['rev-list', '--count', '--all']));
  const firstParent = (b) => Number(git(repo, ['rev-list', '--count', '--first-parent', b]));
  const build = {
    commits: counted,
    ...history.counts,
    firstParent: { develop: firstParent('develop'), staging: firstParent('staging'), master: firstParent('master') },
    tags: git(repo, ['for-each-ref', '--format=x', 'refs/tags']).split('\n').length,
    packMb: objects['size-pack'] / 1024,
    importMs,
    checkoutMs,
    commitGraphMs: graphMs,
    pushMs,
  };
  log(
    `  ${counted} commits (develop ${build.develop} incl. ${build.developMerges} feature merges, feature ${build.feature}, staging ${build.staging}, master ${build.master}), ` +
      `${build.tags} tags; fast-import ${(importMs / 1000).toFixed(2)} s, checkout ${checkoutMs.toFixed(0)} ms, push to the bare remote ${(pushMs / 1000).toFixed(2)} s, pack ${build.packMb.toFixed(1)} MB`,
  );
  if (counted !== history.counts.total) throw new Error(`the repository holds ${counted} commits, the stream wrote ${history.counts.total}`);

  // 2. The new commits the scenarios push (made once; refs as a developer would leave them).
  const rev = (r) => git(repo, ['rev-parse', '--verify', '--quiet', r]);
  const remoteHead = (b) => rev(`refs/remotes/origin/${b}`);
  const tmpIndex = path.join(base, 'index.tmp');
  /** A commit whose tree is `parent`'s with one file changed. */
  const commitEditing = (parent, file, contents, message) => {
    const blob = git(repo, ['hash-object', '-w', '--stdin'], { input: contents });
    const ie = { GIT_INDEX_FILE: tmpIndex };
    git(repo, ['read-tree', parent], { extraEnv: ie });
    git(repo, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { extraEnv: ie });
    const tree = git(repo, ['write-tree'], { extraEnv: ie });
    rmSync(tmpIndex, { force: true });
    return git(repo, ['commit-tree', tree, '-p', parent, '-m', message]);
  };
  const old = { develop: remoteHead('develop'), staging: remoteHead('staging'), master: remoteHead('master') };

  // (a) One new commit on develop; the local branch moves to it, as after `git commit`.
  const devCommit = commitEditing(old.develop, 'src/pkg00/mod00.py', '"""Module 0."""\n\nREVISION = -1\n', 'Change for the bench\n');
  git(repo, ['update-ref', 'refs/heads/develop', devCommit, old.develop]);
  git(repo, ['checkout', '--quiet', '--force', 'develop']);
  const inputDevelop = `refs/heads/develop ${devCommit} refs/heads/develop ${old.develop}\n`;

  // (b) `git merge --no-ff staging` on master, `git tag -a vX.Y.Z`, push both.
  const stagingTree = rev('refs/remotes/origin/staging^{tree}');
  const releaseCommit = git(repo, ['commit-tree', stagingTree, '-p', old.master, '-p', old.staging, '-m', "Merge branch 'staging' into master"]);
  git(repo, ['update-ref', 'refs/heads/master', releaseCommit, old.master]);
  const releaseTag = history.nextRelease;
  git(repo, ['tag', '--annotate', releaseTag, '--message', `Release ${releaseTag}`, releaseCommit]);
  const releaseTagObject = rev(`refs/tags/${releaseTag}`);
  const inputMaster = `refs/heads/master ${releaseCommit} refs/heads/master ${old.master}\nrefs/tags/${releaseTag} ${releaseTagObject} refs/tags/${releaseTag} ${ZERO}\n`;

  // Negative controls (pushed from detached commits: no local branch moves).
  const directOnMaster = commitEditing(old.master, 'app.py', 'hotfix = True\n', 'Hotfix straight on master\n');
  const untaggedRelease = git(repo, ['commit-tree', stagingTree, '-p', old.master, '-p', old.staging, '-m', "Merge branch 'staging' into master (untagged)"]);
  const developTree = rev(`${devCommit}^{tree}`);
  const skipStaging = git(repo, ['commit-tree', developTree, '-p', old.master, '-p', devCommit, '-m', "Merge branch 'develop' into master"]);
  git(repo, ['tag', 'v999.0.0', skipStaging]); // tagged, so only the merge source is wrong
  const negatives = [
    { name: 'direct commit on master', rule: 'merge-only-from-source', input: `refs/heads/master ${directOnMaster} refs/heads/master ${old.master}\n` },
    { name: 'merge of staging into master without a vX.Y.Z tag', rule: 'release-tag', input: `refs/heads/master ${untaggedRelease} refs/heads/master ${old.master}\n` },
    { name: 'merge of develop straight into master (tagged)', rule: 'merge-only-from-source', input: `refs/heads/master ${skipStaging} refs/heads/master ${old.master}\nrefs/tags/v999.0.0 ${rev('refs/tags/v999.0.0')} refs/tags/v999.0.0 ${ZERO}\n` },
  ];

  // (d) A mirror push / tag import of REFS new refs at once: half new branches at commits spread
  // over develop's first-parent line (cut from develop: allowed), a quarter plain tags on develop
  // commits, a quarter new release tags vN.M.0 on master's merges (each checked to be on master).
  const spread = (list, k) => Array.from({ length: k }, (_, i) => list[Math.floor((i * list.length) / k)]);
  const developLine = git(repo, ['rev-list', '--first-parent', old.develop]).split('\n');
  const masterMerges = git(repo, ['rev-list', '--first-parent', '--merges', old.master]).split('\n');
  const quarter = Math.floor(REFS / 4);
  const manyLines = [
    ...spread(developLine, REFS - 2 * quarter).map((sha, i) => `refs/heads/import/b${i} ${sha} refs/heads/import/b${i} ${ZERO}`),
    ...spread(developLine, quarter).map((sha, i) => `refs/tags/import-t${i} ${sha} refs/tags/import-t${i} ${ZERO}`),
    ...spread(masterMerges, quarter).map((sha, i) => `refs/tags/v500.${i}.0 ${sha} refs/tags/v500.${i}.0 ${ZERO}`),
  ];
  const inputMany = `${manyLines.join('\n')}\n`;
  negatives.push({ name: `${REFS} refs with one more branch cut from master`, rule: 'no-branch-from-protected', input: `${inputMany}refs/heads/import/from-master ${old.master} refs/heads/import/from-master ${ZERO}\n` });

  // 3. pipewright: present? (The bench still measures the git-log baseline without it.)
  const hasCommand = (args, marker) => {
    if (!existsSync(cli)) return false;
    const h = spawnSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8', env });
    return h.status === 0 && h.stdout.includes(marker);
  };
  const haveHook = hasCommand(['hook', 'pre-push'], 'pre-push');
  const haveLint = hasCommand(['lint'], 'lint');
  if (!haveHook || !haveLint) {
    log(`${path.relative(root, cli)} has no ${[!haveHook && '`hook pre-push`', !haveLint && '`lint`'].filter(Boolean).join(' and no ')} command (run \`npm run build\`?): measuring what exists`);
  }

  // pipewright's rules cache lives in the user's cache directory (else the temp dir): private ones
  // here, both emptied for the cold runs, so the cold case is a real miss (what the first push
  // after a config change pays when nothing has run `generate` or `validate` since).
  const pwTmp = path.join(base, 'tmp');
  const pwCache = path.join(base, 'cache');
  const fresh = () => {
    for (const d of [pwTmp, pwCache]) {
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d);
    }
  };
  fresh();
  env.TMPDIR = pwTmp;
  env.XDG_CACHE_HOME = pwCache;
  delete env.PIPEWRIGHT_SKIP_HOOK;
  const hook = (input, which = cli) => run(process.execPath, [which, 'hook', 'pre-push', 'origin', remote], { cwd: repo, input });
  const coldHook = (input, which = cli) => {
    fresh();
    return hook(input, which);
  };
  /** After a reboot: a fresh TMPDIR, the cache directory kept. */
  const rebootHook = (input) => {
    rmSync(pwTmp, { recursive: true, force: true });
    mkdirSync(pwTmp);
    return hook(input);
  };
  const lint = (...args) => run(process.execPath, [cli, 'lint', ...args], { cwd: repo });
  // lint with its own peak memory: a preloaded script writes node's maxRSS (KB) to fd 3 at exit.
  const rssScript = path.join(base, 'maxrss.cjs');
  writeFileSync(rssScript, "process.on('exit', () => { try { require('fs').writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });\n");
  const lintRss = (which = cli) => {
    const res = run(process.execPath, ['--require', rssScript, which, 'lint'], { cwd: repo, fd3: true });
    return { ...res, maxRssMb: Number(res.fd3) / 1024 };
  };
  // GIT_FLUSH=0, as lint runs git: on a pipe git otherwise writes once per commit, which would
  // make the floor slower than git can be.
  const gitLog = (b) => run('git', ['log', '--first-parent', '--format=%H%x09%P', b], { cwd: repo, extraEnv: { GIT_FLUSH: '0' } });

  // 4. Verdicts (untimed; also the warm-up: disk cache, the rules cache).
  const verdicts = [];
  /** A verdict: the exit status, and for a rejection the rule that must be among those named. */
  const expect = (name, res, want, rule) => {
    const rules = [...res.stderr.matchAll(/^error: .*\(([a-z0-9-]+)\)$/gm)].map((m) => m[1]);
    const warnings = [...res.stderr.matchAll(/^warning: .*\(([a-z0-9-]+)\)$/gm)].map((m) => m[1]);
    const ok = want.includes(res.status) && (!rule || rules.includes(rule));
    verdicts.push({ name, expected: want.join(' or ') + (rule ? ` (${rule})` : ''), status: res.status, ok, rules, warnings, message: res.stderr.trim() });
    if (!ok) exitCode = 1;
  };
  let lintFindings = null;
  if (haveHook) {
    expect('a. push one commit to develop', hook(inputDevelop), [0]);
    expect(`b. push master merged from staging + tag ${releaseTag}`, hook(inputMaster), [0]);
    for (const n of negatives) expect(`negative: ${n.name}`, hook(n.input), [1], n.rule);
    expect('a (rules cache cold)', coldHook(inputDevelop), [0]);
    expect(`d. push ${REFS} new refs (branches from develop, tags, release tags on master)`, hook(inputMany), [0]);
    if (opts.compareHook) {
      const c = opts.compareHook;
      expect('a. push one commit to develop (--compare-hook)', hook(inputDevelop, c), [0]);
      expect(`b. push master merged from staging + tag ${releaseTag} (--compare-hook)`, hook(inputMaster, c), [0]);
      for (const n of negatives) expect(`negative: ${n.name} (--compare-hook)`, hook(n.input, c), [1], n.rule);
      expect(`d. push ${REFS} new refs (--compare-hook)`, hook(inputMany, c), [0]);
    }
    // Once through git itself: the hook installed, `git push --dry-run` (which runs pre-push).
    const hooksDir = path.join(repo, '.git', 'hooks');
    mkdirSync(hooksDir, { recursive: true });
    const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
    writeFileSync(path.join(hooksDir, 'pre-push'), `#!/bin/sh\nexec ${q(process.execPath)} ${q(cli)} hook pre-push "$@"\n`);
    chmodSync(path.join(hooksDir, 'pre-push'), 0o755);
    const push = (...refspecs) => run('git', ['push', '--dry-run', '--porcelain', 'origin', ...refspecs], { cwd: repo });
    expect('git push --dry-run origin develop (hook installed)', push('develop'), [0]);
    expect(`git push --dry-run origin master ${releaseTag} (hook installed)`, push('master', releaseTag), [0]);
    expect('git push --dry-run of a direct commit on master (hook installed)', push(`${directOnMaster}:refs/heads/master`), [1], 'merge-only-from-source');
    rmSync(path.join(hooksDir, 'pre-push'));
  }
  git(repo, ['tag', '--delete', 'v999.0.0']); // the negative controls' tag: not part of the history lint reads
  if (haveLint) {
    const res = lint('--json');
    expect('lint --json over the whole history', res, [0, 1]);
    try {
      const parsed = JSON.parse(res.stdout.toString('utf8'));
      const list = Array.isArray(parsed) ? parsed : (parsed.findings ?? []);
      lintFindings = { count: list.length, status: res.status, byRule: {}, first: list.slice(0, 5) };
      for (const f of list) lintFindings.byRule[f.rule ?? '?'] = (lintFindings.byRule[f.rule ?? '?'] ?? 0) + 1;
    } catch {
      lintFindings = { count: null, status: res.status, unparsed: res.stdout.toString('utf8').slice(0, 2000) };
    }
  }

  // 5. Timed runs: everything once per run, interleaved, the order rotating from run to run.
  const samples = { anchor: [], develop: [], developCold: [], master: [], masterCold: [], masterReboot: [], many: [], developCompare: [], developColdCompare: [], masterCompare: [], masterColdCompare: [], manyCompare: [], lint: [], lintRssMb: [], lintCompare: [], lintCompareRssMb: [], gitLogMaster: [], gitLogStaging: [], gitLog: [], gitLogDevelop: [], gitLogAll: [] };
  const bad = (what, res, want) => {
    if (!want.includes(res.status)) throw new Error(`${what} exited ${res.status} (expected ${want.join(' or ')}) in a timed run:\n${res.stderr}`);
    return res.ms;
  };
  const steps = [
    () => samples.anchor.push(bad('node -e 0', run(process.execPath, ['-e', '0']), [0])),
    () => {
      const m = gitLog('master');
      const s = gitLog('staging');
      samples.gitLogMaster.push(bad('git log master', m, [0]));
      samples.gitLogStaging.push(bad('git log staging', s, [0]));
      samples.gitLog.push(m.ms + s.ms);
      const d = gitLog('develop');
      samples.gitLogDevelop.push(bad('git log develop', d, [0]));
      samples.gitLogAll.push(m.ms + s.ms + d.ms);
    },
    ...(haveHook
      ? [
          () => samples.develop.push(bad('hook (a)', hook(inputDevelop), [0])),
          () => samples.master.push(bad('hook (b)', hook(inputMaster), [0])),
          () => samples.developCold.push(bad('hook (a, cold)', coldHook(inputDevelop), [0])),
          () => samples.masterCold.push(bad('hook (b, cold)', coldHook(inputMaster), [0])),
          () => samples.masterReboot.push(bad('hook (b, fresh TMPDIR)', rebootHook(inputMaster), [0])),
          () => samples.many.push(bad('hook (d)', hook(inputMany), [0])),
        ]
      : []),
    ...(haveHook && opts.compareHook
      ? [
          () => samples.developCompare.push(bad('hook (a, --compare-hook)', hook(inputDevelop, opts.compareHook), [0])),
          () => samples.masterCompare.push(bad('hook (b, --compare-hook)', hook(inputMaster, opts.compareHook), [0])),
          () => samples.developColdCompare.push(bad('hook (a, cold, --compare-hook)', coldHook(inputDevelop, opts.compareHook), [0])),
          () => samples.masterColdCompare.push(bad('hook (b, cold, --compare-hook)', coldHook(inputMaster, opts.compareHook), [0])),
          () => samples.manyCompare.push(bad('hook (d, --compare-hook)', hook(inputMany, opts.compareHook), [0])),
        ]
      : []),
    ...(haveLint
      ? [
          () => {
            const res = lintRss();
            samples.lint.push(bad('lint', res, [lintFindings?.status ?? 0]));
            if (Number.isFinite(res.maxRssMb)) samples.lintRssMb.push(res.maxRssMb);
          },
        ]
      : []),
    ...(haveLint && opts.compareLint
      ? [
          () => {
            const res = lintRss(opts.compareLint);
            samples.lintCompare.push(bad(`lint (${opts.compareLint})`, res, [lintFindings?.status ?? 0]));
            if (Number.isFinite(res.maxRssMb)) samples.lintCompareRssMb.push(res.maxRssMb);
          },
        ]
      : []),
  ];
  if (exitCode === 0) {
    for (let r = 0; r < opts.runs; r++) {
      for (let k = 0; k < steps.length; k++) steps[(k + r) % steps.length]();
      log(`run ${r + 1}/${opts.runs}: node ${samples.anchor.at(-1).toFixed(0)} ms` +
        (haveHook ? `, develop ${samples.develop.at(-1).toFixed(0)} ms, master ${samples.master.at(-1).toFixed(0)} ms` : '') +
        (haveLint ? `, lint ${samples.lint.at(-1).toFixed(0)} ms` : '') + `, git log ${samples.gitLog.at(-1).toFixed(0)} ms`);
    }
  }

  // 6. Report.
  const anchor = samples.anchor.length ? stats(samples.anchor) : null;
  const row = (id, name, xs, aimMs) => {
    if (!xs.length) return { id, name, available: false };
    const s = stats(xs);
    return { id, name, medianMs: s.median, p90Ms: s.p90, minMs: s.min, ratioToNode: s.median / anchor.median, aimMs, ok: aimMs == null ? null : s.median <= aimMs, runsMs: xs.map((x) => Math.round(x * 10) / 10) };
  };
  const scenarios = [
    row('node', 'node -e 0 (anchor)', samples.anchor, null),
    row('a', 'a. hook: push 1 commit to develop', samples.develop, AIMS.develop),
    row('a-cold', "a'. the same, rules cache cold (no cache at all)", samples.developCold, null),
    row('b', `b. hook: push master = merge of staging + tag ${releaseTag}`, samples.master, AIMS.master),
    row('b-cold', "b'. the same, rules cache cold (no cache at all)", samples.masterCold, null),
    row('b-reboot', "b''. the same, a fresh TMPDIR (cache directory kept)", samples.masterReboot, null),
    row('d', `d. hook: push ${REFS} new refs (mirror push / tag import)`, samples.many, AIMS.many),
    ...(opts.compareHook
      ? [
          row('a-compare', "a. --compare-hook's build", samples.developCompare, AIMS.develop),
          row('a-cold-compare', "a'. --compare-hook's build", samples.developColdCompare, null),
          row('b-compare', "b. --compare-hook's build", samples.masterCompare, AIMS.master),
          row('b-cold-compare', "b'. --compare-hook's build", samples.masterColdCompare, null),
          row('d-compare', "d. --compare-hook's build", samples.manyCompare, AIMS.many),
        ]
      : []),
    row('c', 'c. pipewright lint (whole history)', samples.lint, null),
    ...(opts.compareLint ? [row('c-compare', "c'. the same, --compare-lint's build", samples.lintCompare, null)] : []),
    row('git-log', 'git log --first-parent master + staging (2 processes)', samples.gitLog, null),
    row('git-log-master', '   of which master', samples.gitLogMaster, null),
    row('git-log-staging', '   of which staging', samples.gitLogStaging, null),
    row('git-log-develop', 'git log --first-parent develop (lint reads it too)', samples.gitLogDevelop, null),
    row('git-log-all', 'git log --first-parent master + staging + develop', samples.gitLogAll, null),
  ];
  const byId = Object.fromEntries(scenarios.map((s) => [s.id, s]));
  const lintVsGitLog = byId.c.medianMs != null && byId['git-log'].medianMs != null
    ? {
        ratio: byId.c.medianMs / byId['git-log'].medianMs,
        aim: AIMS.lintRatio,
        ok: byId.c.medianMs / byId['git-log'].medianMs <= AIMS.lintRatio,
        // What lint spends beyond a bare node start, against git log: the part lint's code decides.
        netOfNodeStartRatio: (byId.c.medianMs - anchor.median) / byId['git-log'].medianMs,
        // Against everything a sound audit must read (develop's line too, down to the oldest merge
        // taken from it): the honest floor, held to the same aim.
        ratioToAllThree: byId.c.medianMs / byId['git-log-all'].medianMs,
        okAgainstAllThree: byId.c.medianMs / byId['git-log-all'].medianMs <= AIMS.lintRatio,
      }
    : null;
  // Memory: node's own peak in the timed runs; untimed, each process tree's peak (lint's node or
  // any git it ran; each git log alone), where GNU time exists.
  const memory = samples.lintRssMb.length
    ? {
        lintNodeMaxRssMb: stats(samples.lintRssMb),
        lintTreeMaxRssMb: treeMaxRssMb(process.execPath, [cli, 'lint'], repo),
        ...(opts.compareLint
          ? { compare: { cli: opts.compareLint, lintNodeMaxRssMb: stats(samples.lintCompareRssMb), lintTreeMaxRssMb: treeMaxRssMb(process.execPath, [opts.compareLint, 'lint'], repo) } }
          : {}),
        gitLogMaxRssMb: Object.fromEntries(['master', 'staging', 'develop'].map((b) => [b, treeMaxRssMb('git', ['log', '--first-parent', '--format=%H%x09%P', b], repo)])),
      }
    : null;
  // The hook against a bare `node -e 0` started in the same runs: what pipewright adds to a push.
  const hookVsNode = ['b', 'a-cold', 'b-cold', 'b-reboot', 'b-compare', 'a-cold-compare', 'b-cold-compare'].filter((id) => byId[id]?.medianMs != null).map((id) => {
    const aim = id === 'b' || id === 'b-compare' ? AIMS.masterRatio : AIMS.coldRatio;
    return { id, ratio: byId[id].medianMs / anchor.median, aim, ok: byId[id].medianMs / anchor.median <= aim };
  });
  const report = {
    runs: opts.runs,
    node: process.version,
    git: gitVersion.stdout.trim().replace(/^git version /, ''),
    cpus: cpus().length,
    repository: { ...build, commitGraph: opts.commitGraph, shape: { sprint: SPRINT, betasPerRelease: BETAS_PER_RELEASE, featureEvery: FEATURE_EVERY, featureCommits: FEATURE_COMMITS, modules: MODULES, lightweightEvery: LIGHTWEIGHT_EVERY } },
    verdicts,
    lintFindings,
    scenarios,
    lintVsGitLog,
    hookVsNode,
    memory,
  };

  if (opts.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const b = build;
    console.log(`runs: ${opts.runs} each (interleaved), node ${report.node}, git ${report.git}, ${report.cpus} CPUs; refs packed, ${opts.commitGraph ? 'commit-graph written' : 'no commit-graph'}`);
    console.log(
      `repository: ${b.commits} commits — develop ${b.develop} (of which ${b.developMerges} merges of feature branches), feature branches ${b.feature} (${FEATURE_COMMITS} each, one live), ` +
        `staging ${b.staging} merges of develop (tagged vX.Y.Z-beta.N), master ${b.master} merges of staging (tagged vX.Y.Z); ${b.tags} tags (${b.lightweightTags} lightweight); ` +
        `first-parent lengths: develop ${b.firstParent.develop}, staging ${b.firstParent.staging}, master ${b.firstParent.master}`,
    );
    console.log(`built in ${((b.importMs + b.checkoutMs) / 1000).toFixed(2)} s (fast-import ${(b.importMs / 1000).toFixed(2)} s, pack ${b.packMb.toFixed(1)} MB); pushed to the bare remote in ${(b.pushMs / 1000).toFixed(2)} s`);
    console.log('');
    console.log('verdicts (untimed first run):');
    for (const v of verdicts) {
      const named = [...v.rules.map((r) => `error ${r}`), ...v.warnings.map((r) => `warning ${r}`)].join(', ');
      console.log(`  ${v.ok ? 'ok   ' : 'WRONG'} exit ${v.status} (expected ${v.expected})  ${v.name}${named ? `: ${named}` : ''}${v.ok ? '' : `\n        ${v.message.replace(/\n/g, '\n        ')}`}`);
    }
    if (lintFindings) {
      const rules = Object.entries(lintFindings.byRule ?? {}).map(([k, v]) => `${k} ×${v}`).join(', ');
      console.log(`  lint: exit ${lintFindings.status}, ${lintFindings.count ?? '?'} finding(s)${rules ? `: ${rules}` : ''}`);
      for (const f of lintFindings.first ?? []) console.log(`    ${f.severity ?? ''} ${f.branch ?? ''} ${f.commit ? f.commit.slice(0, 12) : ''}: ${f.message ?? JSON.stringify(f)}`);
    }
    console.log('');
    const pad = (s, w) => String(s).padStart(w);
    console.log(`${'scenario'.padEnd(62)} ${pad('median', 8)} ${pad('p90', 8)} ${pad('× node', 7)}  aim`);
    for (const s of scenarios) {
      if (s.available === false) {
        console.log(`${s.name.padEnd(62)} ${pad('n/a', 8)}  (command not built yet)`);
        continue;
      }
      const aim = s.aimMs == null ? '' : `≤ ${s.aimMs} ms  ${s.ok ? 'ok' : 'OVER AIM'}`;
      console.log(`${s.name.padEnd(62)} ${pad(s.medianMs.toFixed(1), 8)} ${pad(s.p90Ms.toFixed(1), 8)} ${pad(`${s.ratioToNode.toFixed(2)}×`, 7)}  ${aim}`);
    }
    for (const h of hookVsNode) console.log(`hook ${h.id} / node -e 0 (medians): ${h.ratio.toFixed(2)}× (aim ≤ ${h.aim}×) ${h.ok ? 'ok' : 'OVER AIM'}`);
    if (lintVsGitLog) {
      console.log(
        `lint / git log (medians): ${lintVsGitLog.ratio.toFixed(2)}× (aim ≤ ${AIMS.lintRatio}×) ${lintVsGitLog.ok ? 'ok' : 'OVER AIM'}` +
          `; net of node's start-up (${anchor.median.toFixed(0)} ms): ${lintVsGitLog.netOfNodeStartRatio.toFixed(2)}×` +
          `; against git log of all three lines (the honest floor): ${lintVsGitLog.ratioToAllThree.toFixed(2)}× ${lintVsGitLog.okAgainstAllThree ? 'ok' : 'OVER AIM'}`,
      );
    }
    if (memory) {
      const mb = (x) => (x == null ? 'n/a (no /usr/bin/time)' : `${x.toFixed(1)} MB`);
      console.log(
        `lint peak memory: node maxRSS median ${mb(memory.lintNodeMaxRssMb.median)} (max ${mb(memory.lintNodeMaxRssMb.max)}); ` +
          `whole tree (node or its git) ${mb(memory.lintTreeMaxRssMb)}; git log alone: master ${mb(memory.gitLogMaxRssMb.master)}, ` +
          `staging ${mb(memory.gitLogMaxRssMb.staging)}, develop ${mb(memory.gitLogMaxRssMb.develop)}`,
      );
      if (memory.compare) {
        const c = memory.compare;
        console.log(`--compare-lint's build: node maxRSS median ${mb(c.lintNodeMaxRssMb.median)} (max ${mb(c.lintNodeMaxRssMb.max)}); whole tree ${mb(c.lintTreeMaxRssMb)}; lint time ${(byId['c-compare'].medianMs / byId['git-log'].medianMs).toFixed(2)}× git log master + staging, ${(byId['c-compare'].medianMs / byId['git-log-all'].medianMs).toFixed(2)}× all three`);
      }
    }
  }
} catch (e) {
  console.error(`bench/hook.mjs: ${e.stack ?? e}`);
  exitCode = 1;
} finally {
  if (opts.keep) log(`kept ${base}`);
  else rmSync(base, { recursive: true, force: true });
}
process.exitCode = exitCode;
