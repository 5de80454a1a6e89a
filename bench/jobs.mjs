#!/usr/bin/env node
// `pipewright jobs` against Jenkins Job Builder (the Debian `jenkins-job-builder`, `jenkins-jobs`),
// both as whole processes in the same run, interleaved (so machine noise hits both alike), for N
// repositories: wall time and peak RSS, median of --runs runs each. Aim: pipewright ≤ 0.25× JJB.
//
//   node bench/jobs.mjs [--sizes 1000,10000] [--runs 5] [--json]
//
// Both tools get the same N repositories in 20 team folders: pipewright a catalog.yaml, JJB the
// equivalent YAML (a `folder` job per team and a `multibranch` job per repository with the same
// GitHub source, traits, branch filter, scan trigger, orphaned-item retention and script path).
// Every run writes into a fresh output dir; the first (untimed) run of each also checks that the
// output really holds N jobs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'bin', 'cli.js');
const TEAMS = 20;
const AIM = 0.25;

function usage(msg) {
  console.error(`${msg}\nusage: node bench/jobs.mjs [--sizes 1000,10000] [--runs 5] [--json]`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { sizes: [1000, 10000], runs: 5, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]) ?? usage(`${a} needs a value`);
    if (a === '--json') opts.json = true;
    else if (a === '--sizes' || a.startsWith('--sizes=')) {
      opts.sizes = value()
        .split(',')
        .map((s) => Number(s.trim()));
      if (opts.sizes.some((n) => !Number.isInteger(n) || n < 1)) usage('--sizes: positive integers, comma-separated');
    } else if (a === '--runs' || a.startsWith('--runs=')) {
      opts.runs = Number(value());
      if (!Number.isInteger(opts.runs) || opts.runs < 1) usage('--runs: a positive integer');
    } else usage(`unknown argument: ${a}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const log = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------------------------------------
// Preconditions
// ---------------------------------------------------------------------------------------------

const jjbVersion = spawnSync('jenkins-jobs', ['--version'], { encoding: 'utf8' });
if (jjbVersion.error || jjbVersion.status !== 0) {
  console.error(
    'bench/jobs.mjs: `jenkins-jobs` (Jenkins Job Builder, the reference this bench measures against) is not installed.\n' +
      '  Install it: apt-get update && apt-get install -y --no-install-recommends jenkins-job-builder',
  );
  process.exit(1);
}
if (!existsSync(cli)) {
  console.error(`bench/jobs.mjs: ${path.relative(root, cli)} is missing: run \`npm run build\` first.`);
  process.exit(1);
}

/** GNU time, for the peak RSS of a whole process tree; else /proc (or ps) sampling. */
const gnuTime = ['/usr/bin/time', '/bin/time'].find((t) => existsSync(t) && spawnSync(t, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0) ?? null;

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

const INCLUDES = 'main master staging develop PR-*';
const team = (i) => `team-${String(((i - 1) % TEAMS) + 1).padStart(2, '0')}`;
const svc = (i) => `svc-${String(i).padStart(4, '0')}`;

function catalogYaml(n) {
  const lines = [
    'seed: { repository: https://github.com/acme/jenkins-jobs.git, credentialsId: github-app }',
    `defaults: { credentialsId: github-app, includes: "${INCLUDES}" }`,
    'repositories:',
  ];
  for (let i = 1; i <= n; i++) lines.push(`  - { name: ${svc(i)}, github: acme/${svc(i)}, team: ${team(i)} }`);
  return `${lines.join('\n')}\n`;
}

/**
 * The same jobs for JJB (keys from jenkins_jobs/modules/project_multibranch.py). pipewright's
 * gitHubBranchDiscovery strategyId(3) is JJB's `all`, gitHubPullRequestDiscovery strategyId(1)
 * is `discover-pr-origin: merge-current` without fork discovery, headWildcardFilter is
 * `filter-by-name-wildcard`, the clone option that fetches tags is `do-not-fetch-tags: false`
 * with `honor-refspec: true` (a CloneOptionTrait, jenkins_jobs/modules/scm.py), discardOldItems
 * is days-to-keep/number-to-keep.
 */
function jjbYaml(n) {
  const out = [];
  const teams = Math.min(TEAMS, n);
  for (let t = 1; t <= teams; t++) {
    out.push(`- job:\n    name: ${team(t)}\n    project-type: folder\n    display-name: ${team(t)}\n`);
  }
  for (let i = 1; i <= n; i++) {
    out.push(`- job:
    name: ${team(i)}/${svc(i)}
    project-type: multibranch
    display-name: ${svc(i)}
    periodic-folder-trigger: 1d
    number-to-keep: 20
    days-to-keep: 30
    script-path: Jenkinsfile
    scm:
      - github:
          repo: ${svc(i)}
          repo-owner: acme
          credentials-id: github-app
          branch-discovery: all
          discover-pr-origin: merge-current
          discover-pr-forks-strategy: false
          shallow-clone: false
          do-not-fetch-tags: false
          honor-refspec: true
          filter-by-name-wildcard:
            includes: "${INCLUDES}"
            excludes: ""
`);
  }
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Measuring a whole process
// ---------------------------------------------------------------------------------------------

/** Peak RSS (KB) of a live pid: VmHWM from /proc, else `ps -o rss=` (a sample, not a peak). */
function sampleRss(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    if (m) return Number(m[1]);
  } catch {
    // not Linux, or the process is gone
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const kb = Number(ps.stdout?.trim());
  return Number.isFinite(kb) ? kb : 0;
}

/** Runs `cmd args` to completion: { ms, peakKb }. Fails loudly (with stderr) on a non-zero exit. */
function measure(cmd, args) {
  return new Promise((resolve, reject) => {
    const timeFile = gnuTime ? path.join(tmpdir(), `pipewright-bench-time-${process.pid}-${Date.now()}`) : null;
    const [file, argv] = gnuTime ? [gnuTime, ['-f', '%M', '-o', timeFile, cmd, ...args]] : [cmd, args];
    const stderr = [];
    let peakKb = 0;
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (b) => stderr.push(b));
    const timer = gnuTime ? null : setInterval(() => (peakKb = Math.max(peakKb, sampleRss(child.pid))), 5);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (timer) clearInterval(timer);
      if (timeFile) {
        try {
          peakKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        } catch {
          // reported below when the command failed
        }
        rmSync(timeFile, { force: true });
      }
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${Buffer.concat(stderr).toString('utf8').slice(-4000)}`));
      else resolve({ ms, peakKb });
    });
  });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

const runPipewright = (work, out) => measure(process.execPath, [cli, 'jobs', '--catalog', path.join(work, 'catalog.yaml'), '--out', out]);
const runJjb = (work, out) => measure('jenkins-jobs', ['--log_level', 'error', 'test', '--config-xml', '-o', out, path.join(work, 'jjb.yaml')]);

/** The first run of each tool must have rendered every job. */
function checkOutputs(n, pwOut, jjbOut) {
  const dsl = filesUnder(path.join(pwOut, 'dsl')).filter((f) => f.endsWith('.groovy'));
  const pwJobs = dsl.reduce((k, f) => k + (readFileSync(f, 'utf8').match(/^multibranchPipelineJob\(/gm) ?? []).length, 0);
  if (pwJobs !== n) throw new Error(`pipewright wrote ${pwJobs} multibranchPipelineJob blocks, expected ${n}`);
  const xml = filesUnder(jjbOut).filter((f) => path.basename(f) === 'config.xml');
  const folders = Math.min(TEAMS, n);
  const multibranch = xml.filter((f) => readFileSync(f, 'utf8').includes('<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject'));
  if (xml.length !== n + folders || multibranch.length !== n) {
    throw new Error(`JJB rendered ${xml.length} config.xml files (${multibranch.length} multibranch), expected ${n + folders} (${n} multibranch + ${folders} folders)`);
  }
  return { pipewrightJobs: pwJobs, pipewrightFiles: dsl.length, jjbXmlFiles: xml.length, jjbMultibranchXml: multibranch.length };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------

const results = [];
const base = mkdtempSync(path.join(tmpdir(), 'pipewright-bench-jobs-'));
try {
  for (const n of opts.sizes) {
    const work = path.join(base, `n${n}`);
    mkdirSync(work);
    writeFileSync(path.join(work, 'catalog.yaml'), catalogYaml(n));
    writeFileSync(path.join(work, 'jjb.yaml'), jjbYaml(n));
    let seq = 0;
    const fresh = (tool) => path.join(work, `${tool}-out-${seq++}`);

    // Untimed warm-up (disk cache, bytecode caches), which also proves both render all N jobs.
    log(`N=${n}: warm-up and output check…`);
    const pwOut = fresh('pw');
    const jjbOut = fresh('jjb');
    await runPipewright(work, pwOut);
    await runJjb(work, jjbOut);
    const check = checkOutputs(n, pwOut, jjbOut);
    rmSync(pwOut, { recursive: true, force: true });
    rmSync(jjbOut, { recursive: true, force: true });

    const pw = [];
    const jjb = [];
    for (let r = 0; r < opts.runs; r++) {
      // Interleaved, alternating which goes first.
      const order = r % 2 === 0 ? ['pw', 'jjb'] : ['jjb', 'pw'];
      for (const tool of order) {
        const out = fresh(tool);
        const m = tool === 'pw' ? await runPipewright(work, out) : await runJjb(work, out);
        (tool === 'pw' ? pw : jjb).push(m);
        rmSync(out, { recursive: true, force: true });
      }
      log(`N=${n}: run ${r + 1}/${opts.runs}: pipewright ${pw.at(-1).ms.toFixed(0)} ms, JJB ${jjb.at(-1).ms.toFixed(0)} ms`);
    }
    const summary = (ms) => ({
      medianMs: median(ms.map((m) => m.ms)),
      peakMb: median(ms.map((m) => m.peakKb)) / 1024,
      runsMs: ms.map((m) => Math.round(m.ms)),
    });
    const p = summary(pw);
    const j = summary(jjb);
    results.push({ n, pipewright: p, jjb: j, timeRatio: p.medianMs / j.medianMs, memoryRatio: p.peakMb / j.peakMb, check });
    rmSync(work, { recursive: true, force: true });
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

/** Growth from each size to the next larger one, e.g. 10000 vs 1000. */
const sorted = [...results].sort((a, b) => a.n - b.n);
const growth = sorted.slice(1).map((r, i) => {
  const prev = sorted[i];
  return {
    from: prev.n,
    to: r.n,
    pipewright: { time: r.pipewright.medianMs / prev.pipewright.medianMs, memory: r.pipewright.peakMb / prev.pipewright.peakMb },
    jjb: { time: r.jjb.medianMs / prev.jjb.medianMs, memory: r.jjb.peakMb / prev.jjb.peakMb },
  };
});

const report = {
  runs: opts.runs,
  node: process.version,
  jjb: (jjbVersion.stdout || jjbVersion.stderr).trim().replace(/^Jenkins Job Builder version:\s*/, ''),
  cpus: cpus().length,
  memory: gnuTime ? `${gnuTime} %M` : 'sampled VmHWM',
  aim: AIM,
  results,
  growth,
};

if (opts.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const pad = (s, w) => String(s).padStart(w);
  console.log(`runs: ${opts.runs} each (median, interleaved), node ${report.node}, JJB ${report.jjb}, ${report.cpus} CPUs, peak RSS by ${report.memory}`);
  console.log(`${pad('N', 7)}  ${pad('pipewright ms', 13)} ${pad('MB', 7)}  ${pad('JJB ms', 9)} ${pad('MB', 7)}  ${pad('time ratio', 10)} ${pad('mem ratio', 9)}`);
  for (const r of results) {
    const ok = r.timeRatio <= AIM ? 'ok' : `above the ${AIM}× aim`;
    console.log(
      `${pad(r.n, 7)}  ${pad(r.pipewright.medianMs.toFixed(0), 13)} ${pad(r.pipewright.peakMb.toFixed(1), 7)}  ${pad(r.jjb.medianMs.toFixed(0), 9)} ${pad(r.jjb.peakMb.toFixed(1), 7)}  ${pad(`${r.timeRatio.toFixed(3)}×`, 10)} ${pad(`${r.memoryRatio.toFixed(3)}×`, 9)}  ${ok}`,
    );
  }
  for (const g of growth) {
    console.log(
      `growth ${g.to} vs ${g.from} (${(g.to / g.from).toFixed(0)}× the jobs): pipewright time ×${g.pipewright.time.toFixed(2)}, memory ×${g.pipewright.memory.toFixed(2)}; JJB time ×${g.jjb.time.toFixed(2)}, memory ×${g.jjb.memory.toFixed(2)}`,
    );
  }
}
