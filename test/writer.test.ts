import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { FindingsError, UsageError } from '../src/core/errors.js';
import type { GeneratedFile } from '../src/render/types.js';
import { removeStaleTemps, writeFileAtomic } from '../src/write/atomic.js';
import { readManifest } from '../src/write/manifest.js';
import { applyPlan, planWrite, summarize, unifiedDiff, type WriteOptions } from '../src/write/writer.js';
import { fromRoot, tempDir } from './helpers.js';

const MANIFEST = '.pipewright/manifest.json';
const isPosix = process.platform !== 'win32';

const gen = (p: string, contents: string, extra: Partial<GeneratedFile> = {}): GeneratedFile => ({
  path: p,
  contents,
  owner: 'pipewright',
  ...extra,
});

/** Computed here, independently of the writer's own hashContents. */
const sha = (s: string | Buffer): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

const read = (root: string, p: string): string => readFileSync(path.join(root, p), 'utf8');

async function generate(files: readonly GeneratedFile[], opts: WriteOptions) {
  const plan = await planWrite(files, opts);
  const summary = await applyPlan(plan, { force: opts.force });
  return { plan, summary };
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.unreachable('expected a rejection, but the promise resolved');
  throw new Error('unreachable');
}

/** Every file under `dir`, as sorted POSIX paths. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

const OLD = new Date('2001-02-03T04:05:06Z');

test('first run creates everything; a second run is all unchanged and touches nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = [gen('kustomize/base/deployment.yaml', 'kind: Deployment\n'), gen('Jenkinsfile', 'pipeline {}\n')];
    const first = await generate(files, { root: dir });
    assert.equal(
      first.plan.changes.map((c) => [c.path, c.kind]),
      [
        ['Jenkinsfile', 'create'],
        ['kustomize/base/deployment.yaml', 'create'],
      ],
    );
    assert.is(read(dir, 'Jenkinsfile'), 'pipeline {}\n');
    assert.is(read(dir, 'kustomize/base/deployment.yaml'), 'kind: Deployment\n');
    assert.ok(first.summary.manifestWritten);

    // Backdate everything: a rewrite, even of identical bytes, would move the mtime to now.
    for (const p of ['Jenkinsfile', 'kustomize/base/deployment.yaml', MANIFEST]) utimesSync(path.join(dir, p), OLD, OLD);
    const second = await generate(files, { root: dir });
    assert.equal(
      second.plan.changes.map((c) => c.kind),
      ['unchanged', 'unchanged'],
    );
    assert.is(second.plan.manifestChanged, false);
    assert.is(second.summary.manifestWritten, false);
    assert.equal(second.summary.applied, []);
    for (const p of ['Jenkinsfile', 'kustomize/base/deployment.yaml', MANIFEST]) {
      assert.is(statSync(path.join(dir, p)).mtimeMs, OLD.getTime(), `${p} was rewritten`);
    }
    assert.is(summarize(second.plan), '');
    assert.is(await unifiedDiff(second.plan), '');
  } finally {
    cleanup();
  }
});

test('a changed render updates the file and the manifest records the right hashes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generate([gen('b.yaml', 'one\n'), gen('a/x.yaml', 'x\n')], { root: dir });
    const { plan } = await generate([gen('b.yaml', 'two\n'), gen('a/x.yaml', 'x\n')], { root: dir });
    assert.equal(
      plan.changes.map((c) => [c.path, c.kind]),
      [
        ['a/x.yaml', 'unchanged'],
        ['b.yaml', 'update'],
      ],
    );
    assert.is(read(dir, 'b.yaml'), 'two\n');
    const text = read(dir, MANIFEST);
    assert.is(
      text,
      `${JSON.stringify({ generator: 'pipewright', version: 1, files: { 'a/x.yaml': sha('x\n'), 'b.yaml': sha('two\n') } }, null, 2)}\n`,
    );
    const manifest = await readManifest(dir, MANIFEST);
    assert.equal([...manifest.files.entries()], [
      ['a/x.yaml', sha('x\n')],
      ['b.yaml', sha('two\n')],
    ]);
  } finally {
    cleanup();
  }
});

test('an output root that does not exist yet is created', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const root = path.join(dir, 'not', 'yet');
    const { plan } = await generate([gen('a.txt', 'a\n')], { root });
    assert.equal(plan.changes.map((c) => c.kind), ['create']);
    assert.equal(listFiles(root), ['.pipewright/manifest.json', 'a.txt']);
  } finally {
    cleanup();
  }
});

test('files are written with their mode, exactly (umask does not apply)', async () => {
  if (!isPosix) return;
  const { dir, cleanup } = tempDir();
  const oldMask = process.umask(0o077);
  try {
    await generate([gen('script/run.sh', '#!/bin/sh\n', { mode: 0o755 }), gen('plain.txt', 'p\n')], { root: dir });
    assert.is(statSync(path.join(dir, 'script/run.sh')).mode & 0o777, 0o755);
    assert.is(statSync(path.join(dir, 'plain.txt')).mode & 0o777, 0o644);
  } finally {
    process.umask(oldMask);
    cleanup();
  }
});

test('a hand-edited generated file is refused, nothing is written; --force overwrites it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generate([gen('deploy.yaml', 'replicas: 1\n')], { root: dir });
    writeFileSync(path.join(dir, 'deploy.yaml'), 'replicas: 5 # hotfix\n');
    const manifestBefore = read(dir, MANIFEST);
    const files = [gen('deploy.yaml', 'replicas: 2\n'), gen('new/other.yaml', 'new\n')];

    const plan = await planWrite(files, { root: dir });
    assert.equal(
      plan.conflicts.map((c) => [c.path, c.conflict]),
      [['deploy.yaml', 'edited']],
    );
    assert.match(summarize(plan), /conflict\s+deploy\.yaml/);
    const err = await rejection(applyPlan(plan, {}));
    assert.instance(err, FindingsError);
    assert.is((err as FindingsError).exitCode, 1);
    assert.match(err.message, 'deploy.yaml');
    assert.match(err.message, '--force');
    // Nothing at all was written: not the edited file, not the unrelated new one, not the manifest.
    assert.is(read(dir, 'deploy.yaml'), 'replicas: 5 # hotfix\n');
    assert.not.ok(existsSync(path.join(dir, 'new')));
    assert.is(read(dir, MANIFEST), manifestBefore);

    await applyPlan(plan, { force: true });
    assert.is(read(dir, 'deploy.yaml'), 'replicas: 2\n');
    assert.is(read(dir, 'new/other.yaml'), 'new\n');
    const manifest = await readManifest(dir);
    assert.is(manifest.files.get('deploy.yaml'), sha('replicas: 2\n'));
  } finally {
    cleanup();
  }
});

test('WriteOptions.force carries into applyPlan unless overridden', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'x.txt'), 'mine\n');
    const plan = await planWrite([gen('x.txt', 'generated\n')], { root: dir, force: true });
    assert.match(summarize(plan), /update\s+x\.txt/);
    await rejection(applyPlan(plan, { force: false }));
    assert.is(read(dir, 'x.txt'), 'mine\n');
    await applyPlan(plan);
    assert.is(read(dir, 'x.txt'), 'generated\n');
  } finally {
    cleanup();
  }
});

test('a foreign file that pipewright never wrote is refused, kept and reported', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'Jenkinsfile'), "// the team's own pipeline\n");
    const plan = await planWrite([gen('Jenkinsfile', 'pipeline {}\n')], { root: dir });
    assert.equal(
      plan.conflicts.map((c) => [c.path, c.kind, c.conflict]),
      [['Jenkinsfile', 'update', 'not-ours']],
    );
    assert.match(summarize(plan), /conflict\s+Jenkinsfile\s+\(exists and was not generated by pipewright\)/);
    const err = await rejection(applyPlan(plan, {}));
    assert.instance(err, FindingsError);
    assert.match(err.message, 'Jenkinsfile');
    assert.is(read(dir, 'Jenkinsfile'), "// the team's own pipeline\n");
    assert.not.ok(existsSync(path.join(dir, MANIFEST)));
  } finally {
    cleanup();
  }
});

test('a foreign file that already matches the render is adopted into the manifest untouched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'same.txt'), 'same\n');
    utimesSync(path.join(dir, 'same.txt'), OLD, OLD);
    const { plan } = await generate([gen('same.txt', 'same\n')], { root: dir });
    assert.equal(plan.changes.map((c) => c.kind), ['unchanged']);
    assert.ok(plan.manifestChanged);
    assert.is(statSync(path.join(dir, 'same.txt')).mtimeMs, OLD.getTime());
    assert.is((await readManifest(dir)).files.get('same.txt'), sha('same\n'));
  } finally {
    cleanup();
  }
});

test('scaffolds are created only when absent, never recorded, never overwritten even with force', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = [gen('Dockerfile', 'FROM python:3.12\n', { owner: 'user' }), gen('k.yaml', 'k\n')];
    const first = await generate(files, { root: dir });
    assert.equal(
      first.plan.changes.map((c) => [c.path, c.kind]),
      [
        ['Dockerfile', 'scaffold'],
        ['k.yaml', 'create'],
      ],
    );
    assert.is(read(dir, 'Dockerfile'), 'FROM python:3.12\n');
    assert.equal([...(await readManifest(dir)).files.keys()], ['k.yaml']);

    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM python:3.13-slim\n');
    const changed = [gen('Dockerfile', 'FROM python:3.14\n', { owner: 'user' }), gen('k.yaml', 'k\n')];
    const second = await generate(changed, { root: dir, force: true });
    assert.equal(second.plan.changes.map((c) => c.kind), ['user-owned', 'unchanged']);
    assert.equal(second.plan.conflicts, []);
    assert.is(read(dir, 'Dockerfile'), 'FROM python:3.13-slim\n');
    assert.not.ok(read(dir, MANIFEST).includes('Dockerfile'));

    rmSync(path.join(dir, 'Dockerfile'));
    const third = await generate(changed, { root: dir });
    assert.equal(third.plan.changes.map((c) => c.kind), ['scaffold', 'unchanged']);
    assert.is(read(dir, 'Dockerfile'), 'FROM python:3.14\n');
  } finally {
    cleanup();
  }
});

test('orphans are deleted with their now-empty directories; the root and non-empty dirs stay', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generate(
      [gen('deep/a/b/old.yaml', 'old\n'), gen('deep/keep.yaml', 'keep\n'), gen('gone/x.yaml', 'x\n'), gen('top.yaml', 't\n')],
      { root: dir },
    );
    rmSync(path.join(dir, 'gone/x.yaml'));
    const { plan, summary } = await generate([gen('deep/keep.yaml', 'keep\n')], { root: dir });
    assert.equal(
      plan.changes.map((c) => [c.path, c.kind]),
      [
        ['deep/a/b/old.yaml', 'delete'],
        ['deep/keep.yaml', 'unchanged'],
        ['top.yaml', 'delete'],
      ],
    );
    assert.is(summary.counts.delete, 2);
    assert.equal(listFiles(dir), ['.pipewright/manifest.json', 'deep/keep.yaml']);
    assert.not.ok(existsSync(path.join(dir, 'deep/a')), 'empty deep/a/b and deep/a are removed');
    assert.ok(existsSync(dir));
    assert.equal([...(await readManifest(dir)).files.keys()], ['deep/keep.yaml']);
  } finally {
    cleanup();
  }
});

test('an edited orphan is refused; force deletes it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generate([gen('old/x.yaml', 'x\n'), gen('y.yaml', 'y\n')], { root: dir });
    writeFileSync(path.join(dir, 'old/x.yaml'), 'x edited\n');
    const plan = await planWrite([gen('y.yaml', 'y\n')], { root: dir });
    assert.equal(
      plan.conflicts.map((c) => [c.path, c.kind, c.conflict]),
      [['old/x.yaml', 'delete', 'edited-orphan']],
    );
    const err = await rejection(applyPlan(plan, {}));
    assert.instance(err, FindingsError);
    assert.match(err.message, 'old/x.yaml');
    assert.is(read(dir, 'old/x.yaml'), 'x edited\n');
    assert.ok((await readManifest(dir)).files.has('old/x.yaml'));

    await applyPlan(plan, { force: true });
    assert.not.ok(existsSync(path.join(dir, 'old')));
  } finally {
    cleanup();
  }
});

test('a tampered manifest never deletes outside the root (.., absolute, symlinked dir)', async () => {
  const { dir: base, cleanup } = tempDir();
  try {
    const root = path.join(base, 'project');
    const outside = path.join(base, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    const victims = ['outside.txt', 'abs.txt', 'via-link.txt'];
    for (const v of victims) writeFileSync(path.join(outside, v), 'precious\n');
    writeFileSync(path.join(base, 'outside.txt'), 'precious\n');
    symlinkSync(outside, path.join(root, 'link'), 'dir');
    await generate([gen('ok.yaml', 'ok\n')], { root });

    // Every entry carries the victim's true hash, so only the path checks stand in the way.
    const h = sha('precious\n');
    const files: Record<string, string> = {
      '../outside.txt': h,
      'sub/../../outside.txt': h,
      [path.join(outside, 'abs.txt')]: h,
      'link/via-link.txt': h,
      'ok.yaml': sha('ok\n'),
    };
    writeFileSync(path.join(root, MANIFEST), JSON.stringify({ generator: 'pipewright', version: 1, files }));

    const plan = await planWrite([gen('ok.yaml', 'ok\n')], { root, force: true });
    assert.equal(plan.changes.map((c) => [c.path, c.kind]), [['ok.yaml', 'unchanged']]);
    assert.is(plan.warnings.length, 4);
    for (const w of plan.warnings) assert.match(w, /ignoring manifest entry/);
    await applyPlan(plan, { force: true });

    for (const v of victims) assert.is(readFileSync(path.join(outside, v), 'utf8'), 'precious\n', v);
    assert.is(readFileSync(path.join(base, 'outside.txt'), 'utf8'), 'precious\n');
    // The bad entries are dropped from the rewritten manifest.
    assert.equal([...(await readManifest(root)).files.keys()], ['ok.yaml']);
  } finally {
    cleanup();
  }
});

test('generated paths that could escape the root are a hard error, before anything is written', async () => {
  const { dir: base, cleanup } = tempDir();
  try {
    const root = path.join(base, 'project');
    const outside = path.join(base, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    for (const bad of ['../x.txt', '/tmp/x.txt', 'a/../../x.txt', 'a//b.txt', './a.txt', 'a\\b.txt', '', 'C:/x.txt']) {
      const err = await rejection(planWrite([gen('fine.txt', 'f\n'), gen(bad, 'evil\n')], { root }));
      assert.instance(err, Error, bad);
    }
    const dup = await rejection(planWrite([gen('a.txt', '1'), gen('a.txt', '2')], { root }));
    assert.match(dup.message, 'twice');

    symlinkSync(outside, path.join(root, 'link'), 'dir');
    const escape = await rejection(planWrite([gen('link/deeper/x.txt', 'evil\n')], { root, force: true }));
    assert.instance(escape, UsageError);
    assert.equal(readdirSync(outside), []);
    assert.equal(readdirSync(root), ['link']);
  } finally {
    cleanup();
  }
});

test('a corrupt manifest is a usage error that says how to recover', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(path.join(dir, '.pipewright'));
    for (const text of ['{not json', '[]', '{"generator":"other","version":1,"files":{}}', '{"generator":"pipewright","version":1,"files":{"a":"md5:x"}}']) {
      writeFileSync(path.join(dir, MANIFEST), text);
      const err = await rejection(planWrite([gen('a', 'a')], { root: dir }));
      assert.instance(err, UsageError, text);
      assert.is((err as UsageError).exitCode, 2);
      assert.match(err.message, '--force');
      assert.match(err.message, MANIFEST);
    }
    assert.not.ok(existsSync(path.join(dir, 'a')));
  } finally {
    cleanup();
  }
});

test('a custom manifest path is honoured', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generate([gen('a.txt', 'a\n')], { root: dir, manifestPath: 'meta/files.json' });
    assert.ok(existsSync(path.join(dir, 'meta/files.json')));
    assert.not.ok(existsSync(path.join(dir, MANIFEST)));
    const { plan } = await generate([], { root: dir, manifestPath: 'meta/files.json' });
    assert.equal(plan.changes.map((c) => [c.path, c.kind]), [['a.txt', 'delete']]);
  } finally {
    cleanup();
  }
});

test('unifiedDiff is a git-style patch of the pending changes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generate([gen('k/deploy.yaml', 'a: 1\nimage: app:v1\nb: 2\n'), gen('old.yaml', 'bye\n')], { root: dir });
    const plan = await planWrite(
      [gen('k/deploy.yaml', 'a: 1\nimage: app:v2\nb: 2\n'), gen('new.yaml', 'hello\n')],
      { root: dir },
    );
    const diff = await unifiedDiff(plan);
    assert.match(diff, 'diff --git a/k/deploy.yaml b/k/deploy.yaml\n--- a/k/deploy.yaml\n+++ b/k/deploy.yaml\n');
    assert.match(diff, '-image: app:v1\n+image: app:v2\n');
    assert.match(diff, '--- /dev/null\n+++ b/new.yaml\n');
    assert.match(diff, '+hello\n');
    assert.match(diff, '--- a/old.yaml\n+++ /dev/null\n');
    assert.match(diff, '-bye\n');
    assert.not.match(diff, '====');
    // Files come in path order.
    const order = ['k/deploy.yaml', 'new.yaml', 'old.yaml'].map((p) => diff.indexOf(`diff --git a/${p}`));
    assert.equal([...order].sort((x, y) => x - y), order);
  } finally {
    cleanup();
  }
});

test('summarize is sorted and independent of the render order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = [gen('z.txt', 'z'), gen('a/b.txt', 'b'), gen('m.txt', 'm'), gen('Dockerfile', 'd', { owner: 'user' })];
    const one = summarize(await planWrite(files, { root: dir }));
    const two = summarize(await planWrite([...files].reverse(), { root: dir }));
    assert.is(one, two);
    assert.is(
      one,
      ['  scaffold    Dockerfile', '  create      a/b.txt', '  create      m.txt', '  create      z.txt', ''].join('\n'),
    );
  } finally {
    cleanup();
  }
});

test('writeFileAtomic creates parents, leaves no temp behind, and cleans up after a failed rename', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const target = path.join(dir, 'a/b/c.txt');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two');
    assert.is(readFileSync(target, 'utf8'), 'two');
    assert.equal(readdirSync(path.dirname(target)), ['c.txt']);

    // Renaming a file over a non-empty directory fails: the temp must not be left behind.
    mkdirSync(path.join(dir, 'taken/inner'), { recursive: true });
    await rejection(writeFileAtomic(path.join(dir, 'taken'), 'x'));
    assert.equal(readdirSync(dir).sort(), ['a', 'taken']);
  } finally {
    cleanup();
  }
});

test('removeStaleTemps removes temps of dead writers only', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'keep.txt'), 'k');
    writeFileSync(path.join(dir, `.keep.txt.pipewright-tmp-${process.pid}-abc123`), 'live writer');
    // pid 2^22+ is above Linux's pid_max default, so no such process exists.
    writeFileSync(path.join(dir, '.keep.txt.pipewright-tmp-4194999-def456'), 'dead writer');
    writeFileSync(path.join(dir, '.unrelated-tmp'), 'u');
    assert.equal(await removeStaleTemps(dir), ['.keep.txt.pipewright-tmp-4194999-def456']);
    assert.equal(readdirSync(dir).sort(), [`.keep.txt.pipewright-tmp-${process.pid}-abc123`, '.unrelated-tmp', 'keep.txt']);
  } finally {
    cleanup();
  }
});

test('property: after any sequence of renders, disk and manifest match the last render exactly', async () => {
  const names = ['a.txt', 'd/b.txt', 'd/e/c.txt', 'f/g.yaml'];
  const render = fc.uniqueArray(
    fc.record({ path: fc.constantFrom(...names), contents: fc.string({ maxLength: 20 }) }),
    { selector: (f) => f.path, maxLength: names.length },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(render, { minLength: 1, maxLength: 4 }), async (renders) => {
      const { dir, cleanup } = tempDir();
      try {
        for (const r of renders) {
          const files = r.map((f) => gen(f.path, f.contents));
          await generate(files, { root: dir });
          const expected = r.map((f) => f.path).sort();
          const onDisk = listFiles(dir).filter((p) => p !== MANIFEST);
          assert.equal(onDisk, expected);
          for (const f of r) assert.is(read(dir, f.path), f.contents);
          assert.equal(
            [...(await readManifest(dir)).files.entries()],
            [...r].sort((x, y) => (x.path < y.path ? -1 : 1)).map((f) => [f.path, sha(f.contents)]),
          );
          // Re-running the same render is a no-op.
          const again = await planWrite(files, { root: dir });
          assert.ok(again.changes.every((c) => c.kind === 'unchanged'));
          assert.is(again.manifestChanged, false);
        }
      } finally {
        cleanup();
      }
    }),
    { numRuns: 25 },
  );
});

/** Starts the fixture writer, SIGKILLs it 5–80 ms after its first complete write, resolves when it is gone. */
function killMidWrite(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fromRoot('test', 'fixtures', 'kill-writer.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => {
      setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, 5 + Math.random() * 75);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (killed && signal === 'SIGKILL') resolve();
      else reject(new Error(`kill-writer ended on its own (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

/** ~4 MB of numbered lines, distinct per tag and per line, so any mix or truncation is visible. */
function bigContents(tag: string, lines: number): string {
  let out = '';
  for (let i = 0; i < lines; i++) out += `${tag} line ${String(i).padStart(7, '0')} ${tag.repeat(40)}\n`;
  return out;
}

test('THE KILL TEST: SIGKILL during writeFileAtomic leaves the complete old or new file, never a partial one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = bigContents('A', 75_000);
    const b = bigContents('B', 76_000);
    assert.ok(a.length > 4_000_000 && b.length > a.length);
    const fileA = path.join(dir, 'a.src');
    const fileB = path.join(dir, 'b.src');
    writeFileSync(fileA, a);
    writeFileSync(fileB, b);
    const bufA = Buffer.from(a);
    const bufB = Buffer.from(b);
    const atomicJs = fromRoot('dist', 'src', 'write', 'atomic.js');

    // A few writers side by side (each on its own file) keep the test short; 3 × 9 = 27 kills.
    const worker = async (w: number): Promise<void> => {
      const outDir = path.join(dir, `out-${w}`);
      const target = path.join(outDir, 'big.txt');
      for (let i = 0; i < 9; i++) {
        await killMidWrite([atomicJs, target, fileA, fileB]);
        const got = readFileSync(target);
        assert.ok(got.equals(bufA) || got.equals(bufB), `writer ${w}, kill ${i + 1}: ${got.length} bytes, neither A nor B`);
      }
      // Killed writers may leave temps; they are recognised and removed, leaving only the target.
      await removeStaleTemps(outDir);
      assert.equal(readdirSync(outDir), ['big.txt']);
    };
    // allSettled: never delete the temp dir under a writer that is still running.
    const results = await Promise.allSettled([0, 1, 2].map(worker));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  } finally {
    cleanup();
  }
});

test.run();
