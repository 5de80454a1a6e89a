// `pipewright hook install` / `hook uninstall` on real git repositories: the hook files written,
// and the hooks themselves run (directly, through husky's wrapper, and by a real `git push`)
// against a stub `pipewright` that records its arguments and stdin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { run as install } from '../src/commands/hook-install.js';
import { run as uninstall } from '../src/commands/hook-uninstall.js';
import { UsageError } from '../src/core/errors.js';
import { BLOCK_BEGIN, BLOCK_END, HOOK_MARKER, NOT_FOUND_MESSAGE, SKIP_WARNING } from '../src/render/git-hook/hook.js';
import type { Io } from '../src/core/io.js';
import { engineAvailable, tempDir } from './helpers.js';

const hasGit = engineAvailable('git');

// Each repository here is isolated from the machine's git config (a global core.hooksPath or
// commit signing would change what is tested). Restored afterwards: uvu runs every suite in one process.
const ISOLATE = ['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM', 'GIT_CEILING_DIRECTORIES', 'GIT_DIR', 'GIT_WORK_TREE', 'PIPEWRIGHT_SKIP_HOOK'] as const;
const saved: Partial<Record<(typeof ISOLATE)[number], string | undefined>> = {};
const scratch = tempDir('pipewright-hook-');
const SCRATCH = realpathSync(scratch.dir);
test.before(() => {
  for (const k of ISOLATE) saved[k] = process.env[k];
  writeFileSync(path.join(SCRATCH, 'gitconfig'), '');
  process.env.GIT_CONFIG_GLOBAL = path.join(SCRATCH, 'gitconfig');
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  process.env.GIT_CEILING_DIRECTORIES = SCRATCH;
  delete process.env.GIT_DIR;
  delete process.env.GIT_WORK_TREE;
  delete process.env.PIPEWRIGHT_SKIP_HOOK;
});
test.after(() => {
  for (const k of ISOLATE) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  scratch.cleanup();
});

let counter = 0;
const fresh = (name: string): string => {
  const dir = path.join(SCRATCH, `${++counter}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

function git(cwd: string, ...args: string[]): string {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')}: ${res.stderr}`);
  return res.stdout.trim();
}

/** A new repository on `develop` with one commit. */
function repo(name = 'repo'): string {
  const dir = fresh(name);
  git(dir, 'init', '-q', '-b', 'develop');
  git(dir, 'config', 'user.email', 'dev@example.com');
  git(dir, 'config', 'user.name', 'Dev');
  writeFileSync(path.join(dir, 'pipewright.yaml'), 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

/**
 * A bin dir with a stub `pipewright` that writes its arguments (one a line) to $STUB_LOG.args and
 * its stdin to $STUB_LOG.stdin, then exits with $STUB_EXIT (default 0).
 */
function stubBin(): string {
  const bin = fresh('bin');
  const stub = path.join(bin, 'pipewright');
  writeFileSync(stub, '#!/bin/sh\nprintf \'%s\\n\' "$@" > "$STUB_LOG.args"\ncat > "$STUB_LOG.stdin"\nexit "${STUB_EXIT:-0}"\n');
  chmodSync(stub, 0o755);
  return bin;
}
const BIN = hasGit ? stubBin() : '';

interface Captured {
  code: number;
  out: string;
  err: string;
}
async function capture(cmd: typeof install, opts: Parameters<typeof install>[0]): Promise<Captured> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), color: false };
  const code = await cmd(opts, io);
  return { code, out, err };
}
const doInstall = (cwd: string, flags: { force?: boolean; dryRun?: boolean; json?: boolean; config?: string } = {}) => capture(install, { cwd, ...flags });
const doUninstall = (cwd: string, flags: { dryRun?: boolean; json?: boolean } = {}) => capture(uninstall, { cwd, ...flags });

const REFS = 'refs/heads/develop 1111111111111111111111111111111111111111 refs/heads/develop 0000000000000000000000000000000000000000\nrefs/heads/feature/x 2222222222222222222222222222222222222222 refs/heads/feature/x 0000000000000000000000000000000000000000\n';

/** Run a hook file as git would: remote name and URL as arguments, the ref lines on stdin, in the work tree root. */
function runHook(file: string, cwd: string, env: Record<string, string> = {}, input = REFS) {
  const log = path.join(fresh('log'), 'stub');
  const res = spawnSync(file, ['origin', 'https://example.com/acme/shop.git'], {
    cwd,
    input,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, STUB_LOG: log, ...env },
  });
  const read = (ext: string) => (existsSync(`${log}.${ext}`) ? readFileSync(`${log}.${ext}`, 'utf8') : null);
  return { status: res.status, stderr: res.stderr, stdout: res.stdout, args: read('args'), stdin: read('stdin'), log };
}

const mode = (f: string) => statSync(f).mode & 0o777;
const hookOf = (dir: string) => path.join(dir, '.git', 'hooks', 'pre-push');

/** An existing, non-pipewright hook: records that it ran and what it read on stdin; exits $EXISTING_EXIT. */
const EXISTING = '#!/bin/sh\n# the team\'s own checks\necho ran > "$STUB_LOG.existing"\ncat > "$STUB_LOG.existing-stdin"\nexit "${EXISTING_EXIT:-0}"\n';

test('fresh install: a POSIX sh hook with the marker and the block, mode 0755, that runs pipewright with stdin untouched', async () => {
  if (!hasGit) return;
  const dir = repo();
  const res = await doInstall(dir);
  assert.is(res.code, 0);
  assert.match(res.out, /^installed \.git\/hooks\/pre-push: git runs `pipewright hook pre-push` before every push/);
  const file = hookOf(dir);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(`#!/bin/sh\n${BLOCK_BEGIN}\n${HOOK_MARKER}: created by`), text);
  assert.ok(text.endsWith(`${BLOCK_END}\n`));
  assert.ok(text.includes(SKIP_WARNING));
  assert.ok(text.includes('npm i -D pipewright'));
  assert.is(mode(file), 0o755);
  // Lints clean as POSIX sh (dash -n parses without running).
  assert.is(spawnSync('sh', ['-n', file]).status, 0);

  const ok = runHook(file, dir);
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.args, `-C\n${dir}\nhook\npre-push\norigin\nhttps://example.com/acme/shop.git\n`);
  assert.is(ok.stdin, REFS);
  const refused = runHook(file, dir, { STUB_EXIT: '3' });
  assert.is(refused.status, 3);
});

test('a second install changes nothing and says so', async () => {
  if (!hasGit) return;
  const dir = repo();
  await doInstall(dir);
  const file = hookOf(dir);
  const before = { text: readFileSync(file, 'utf8'), mtime: statSync(file).mtimeMs };
  const again = await doInstall(dir, { json: true });
  assert.is(again.code, 0);
  assert.is(JSON.parse(again.out).action, 'unchanged');
  assert.is((await doInstall(dir)).out, '.git/hooks/pre-push already runs pipewright: nothing changed\n');
  assert.equal({ text: readFileSync(file, 'utf8'), mtime: statSync(file).mtimeMs }, before);
});

test('--json reports hooksDir, file and action; --dry-run prints the file and writes nothing', async () => {
  if (!hasGit) return;
  const dir = repo();
  const dry = await doInstall(dir, { dryRun: true });
  assert.match(dry.out, /^would install \.git\/hooks\/pre-push/);
  assert.match(dry.out, /--- \.git\/hooks\/pre-push \(mode 0755\)\n#!\/bin\/sh\n# >>> pipewright >>>/);
  assert.not.ok(existsSync(hookOf(dir)));
  const dryJson = JSON.parse((await doInstall(dir, { dryRun: true, json: true })).out);
  assert.is(dryJson.action, 'installed');
  assert.ok(dryJson.contents.startsWith('#!/bin/sh\n'));
  assert.not.ok(existsSync(hookOf(dir)));

  const json = JSON.parse((await doInstall(dir, { json: true })).out);
  assert.equal(json, { hooksDir: path.join(dir, '.git', 'hooks'), file: hookOf(dir), action: 'installed', manager: 'git' });
  const removedDry = await doUninstall(dir, { dryRun: true });
  assert.match(removedDry.out, /^would remove the pipewright block from \.git\/hooks\/pre-push; would delete the file/);
  assert.ok(existsSync(hookOf(dir)));
  assert.equal(JSON.parse((await doUninstall(dir, { json: true })).out), {
    hooksDir: path.join(dir, '.git', 'hooks'),
    file: hookOf(dir),
    action: 'removed',
    manager: 'git',
    deleted: true,
  });
  assert.is(JSON.parse((await doUninstall(dir, { json: true })).out).action, 'absent');
});

test('core.hooksPath: relative to the work tree root (even when run from a subdirectory), or absolute', async () => {
  if (!hasGit) return;
  const dir = repo();
  git(dir, 'config', 'core.hooksPath', 'ci/hooks');
  const sub = path.join(dir, 'services', 'shop');
  mkdirSync(sub, { recursive: true });
  const rel = JSON.parse((await doInstall(sub, { json: true })).out);
  assert.equal([rel.hooksDir, rel.file, rel.action], [path.join(dir, 'ci/hooks'), path.join(dir, 'ci/hooks/pre-push'), 'installed']);
  // Installed from services/shop: the hook runs pipewright there (a monorepo's app folder).
  const ran = runHook(rel.file, dir);
  assert.is(ran.status, 0, ran.stderr);
  assert.ok(ran.args!.startsWith(`-C\n${dir}/services/shop\nhook\npre-push\n`), ran.args!);
  assert.not.ok(existsSync(hookOf(dir)));

  const shared = fresh('shared-hooks');
  git(dir, 'config', 'core.hooksPath', shared);
  const abs = JSON.parse((await doInstall(dir, { json: true })).out);
  assert.equal([abs.hooksDir, abs.file], [shared, path.join(shared, 'pre-push')]);
  assert.is(mode(abs.file), 0o755);
});

test('an existing hook is chained: both run on the same stdin; the push fails if either fails', async () => {
  if (!hasGit) return;
  const dir = repo();
  const file = hookOf(dir);
  writeFileSync(file, EXISTING, { mode: 0o755 });
  const res = await doInstall(dir);
  assert.match(res.out, /^chained pipewright into the existing hook \.git\/hooks\/pre-push: pipewright runs first, then the existing hook/);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(`#!/bin/sh\n${BLOCK_BEGIN}\n${HOOK_MARKER}: runs before the rest of this hook`), 'original shebang kept, block first');
  assert.ok(text.endsWith(`${BLOCK_END}\n${EXISTING.slice('#!/bin/sh\n'.length)}`), 'original content kept after the block');
  assert.is(JSON.parse((await doInstall(dir, { json: true })).out).action, 'unchanged');

  const both = runHook(file, dir);
  assert.is(both.status, 0, both.stderr);
  assert.is(both.stdin, REFS, 'pipewright read the ref lines');
  assert.is(readFileSync(`${both.log}.existing`, 'utf8'), 'ran\n');
  assert.is(readFileSync(`${both.log}.existing-stdin`, 'utf8'), REFS, 'the existing hook read the same ref lines');

  const existingFails = runHook(file, dir, { EXISTING_EXIT: '4' });
  assert.is(existingFails.status, 4);
  assert.is(existingFails.stdin, REFS);

  // pipewright refusing stops the hook there: the push is refused either way, and the rest
  // (often a whole test suite) would run for nothing.
  const pipewrightFails = runHook(file, dir, { STUB_EXIT: '1' });
  assert.is(pipewrightFails.status, 1);
  assert.not.ok(existsSync(`${pipewrightFails.log}.existing`));
});

test('a chained hook that ends in `exec` still reads stdin, and no temp file is left behind', async () => {
  if (!hasGit) return;
  const dir = repo();
  const file = hookOf(dir);
  writeFileSync(file, '#!/bin/sh\nexec cat > "$STUB_LOG.existing-stdin"\n', { mode: 0o755 });
  await doInstall(dir);
  const tmp = fresh('tmp');
  const res = runHook(file, dir, { TMPDIR: tmp });
  assert.is(res.status, 0, res.stderr);
  assert.is(readFileSync(`${res.log}.existing-stdin`, 'utf8'), REFS);
  assert.equal(readdirSync(tmp), []);
  const refused = runHook(file, dir, { TMPDIR: tmp, STUB_EXIT: '1' });
  assert.is(refused.status, 1);
  assert.equal(readdirSync(tmp), []);
});

test('uninstall restores a chained hook byte for byte, and is idempotent', async () => {
  if (!hasGit) return;
  for (const original of [EXISTING, '#!/usr/bin/env bash\r\nset -eu\n\n\necho "no newline at the end"', 'echo no shebang\n', '#!/bin/sh', '']) {
    const dir = repo();
    const file = hookOf(dir);
    writeFileSync(file, original, { mode: 0o755 });
    assert.is(JSON.parse((await doInstall(dir, { json: true })).out).action, 'chained', JSON.stringify(original));
    const res = await doUninstall(dir);
    assert.match(res.out, /^removed the pipewright block from \.git\/hooks\/pre-push; the rest of the hook is as it was/);
    assert.is(readFileSync(file, 'utf8'), original, JSON.stringify(original));
    assert.is((await doUninstall(dir)).out, '.git/hooks/pre-push has no pipewright block: nothing to remove\n');
    assert.is(readFileSync(file, 'utf8'), original);
  }
});

test('uninstall deletes a hook file pipewright created, but keeps lines the user added to it', async () => {
  if (!hasGit) return;
  const dir = repo();
  await doInstall(dir);
  const res = await doUninstall(dir);
  assert.match(res.out, /deleted the file, which pipewright had created/);
  assert.not.ok(existsSync(hookOf(dir)));

  await doInstall(dir);
  writeFileSync(hookOf(dir), `${readFileSync(hookOf(dir), 'utf8')}echo mine\n`);
  const kept = JSON.parse((await doUninstall(dir, { json: true })).out);
  assert.equal([kept.action, kept.deleted], ['removed', false]);
  assert.is(readFileSync(hookOf(dir), 'utf8'), '#!/bin/sh\necho mine\n');
});

test('PIPEWRIGHT_SKIP_HOOK=1: a loud warning, exit 0, pipewright not called; a chained hook still runs with stdin', async () => {
  if (!hasGit) return;
  const dir = repo();
  const file = hookOf(dir);
  writeFileSync(file, EXISTING, { mode: 0o755 });
  await doInstall(dir);
  const res = runHook(file, dir, { PIPEWRIGHT_SKIP_HOOK: '1', STUB_EXIT: '1' });
  assert.is(res.status, 0);
  assert.is(res.stderr, `${SKIP_WARNING}\n`);
  assert.is(res.args, null, 'pipewright was not run');
  assert.is(readFileSync(`${res.log}.existing-stdin`, 'utf8'), REFS);
  const failing = runHook(file, dir, { PIPEWRIGHT_SKIP_HOOK: '1', EXISTING_EXIT: '5' });
  assert.is(failing.status, 5, 'skipping pipewright does not skip the team hook');
});

test('finding pipewright: node_modules/.bin first, then PATH, else a one-line message naming the fix', async () => {
  if (!hasGit) return;
  const dir = repo();
  await doInstall(dir);
  const local = path.join(dir, 'node_modules', '.bin', 'pipewright');
  mkdirSync(path.dirname(local), { recursive: true });
  writeFileSync(local, '#!/bin/sh\necho local > "$STUB_LOG.local"\ncat > /dev/null\n', { mode: 0o755 });
  const viaLocal = runHook(hookOf(dir), dir);
  assert.is(viaLocal.status, 0, viaLocal.stderr);
  assert.ok(existsSync(`${viaLocal.log}.local`));
  assert.is(viaLocal.args, null, 'the PATH one was not used');

  const noLocal = repo();
  await doInstall(noLocal);
  const gitDir = path.dirname(spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim());
  const bare = runHook(hookOf(noLocal), noLocal, { PATH: [gitDir, '/usr/bin', '/bin'].join(path.delimiter) });
  assert.is(bare.status, 1);
  assert.is(bare.stderr, `${NOT_FOUND_MESSAGE}\n`);
});

/** husky v9: core.hooksPath=.husky/_, generated wrappers there that run `.husky/<hook>` with `sh -e`. */
function husky9(dir: string): void {
  const underscore = path.join(dir, '.husky', '_');
  mkdirSync(underscore, { recursive: true });
  writeFileSync(
    path.join(underscore, 'h'),
    [
      '#!/usr/bin/env sh',
      'n=$(basename "$0")',
      's=$(dirname "$(dirname "$0")")/$n',
      '[ ! -f "$s" ] && exit 0',
      '[ "${HUSKY-}" = "0" ] && exit 0',
      'export PATH="node_modules/.bin:$PATH"',
      'sh -e "$s" "$@"',
      'c=$?',
      '[ $c != 0 ] && echo "husky - $n script failed (code $c)"',
      'exit $c',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(underscore, 'pre-push'), '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n', { mode: 0o755 });
  git(dir, 'config', 'core.hooksPath', '.husky/_');
}

test('husky v9: the block goes into .husky/pre-push (chained, or created), never into .husky/_/', async () => {
  if (!hasGit) return;
  const dir = repo();
  husky9(dir);
  const wrapper = readFileSync(path.join(dir, '.husky/_/pre-push'), 'utf8');
  const user = path.join(dir, '.husky', 'pre-push');
  const original = 'echo husky-ran > "$STUB_LOG.existing"\ncat > "$STUB_LOG.existing-stdin"\n';
  writeFileSync(user, original);
  const res = JSON.parse((await doInstall(dir, { json: true })).out);
  assert.equal(res, { hooksDir: path.join(dir, '.husky', '_'), file: user, action: 'chained', manager: 'husky' });
  assert.is(readFileSync(path.join(dir, '.husky/_/pre-push'), 'utf8'), wrapper);
  assert.is(mode(user), 0o755);

  // Run it the way git does: through husky's wrapper, which runs our file with `sh -e`.
  const ran = runHook(path.join(dir, '.husky/_/pre-push'), dir);
  assert.is(ran.status, 0, ran.stderr + ran.stdout);
  assert.is(ran.stdin, REFS);
  assert.is(readFileSync(`${ran.log}.existing-stdin`, 'utf8'), REFS);
  assert.is(runHook(path.join(dir, '.husky/_/pre-push'), dir, { STUB_EXIT: '2' }).status, 2);

  await doUninstall(dir);
  assert.is(readFileSync(user, 'utf8'), original);

  const empty = repo();
  husky9(empty);
  const created = await doInstall(empty);
  assert.match(created.out, /^installed \.husky\/pre-push \(husky runs \.husky\/pre-push; husky's own \.husky\/_\/ is not touched\)/);
  const text = readFileSync(path.join(empty, '.husky/pre-push'), 'utf8');
  assert.ok(text.startsWith(`#!/usr/bin/env sh\n${BLOCK_BEGIN}\n`));
  assert.is(runHook(path.join(empty, '.husky/_/pre-push'), empty).status, 0);
  await doUninstall(empty);
  assert.not.ok(existsSync(path.join(empty, '.husky/pre-push')));
});

test('husky v4–8: core.hooksPath=.husky, the hook file is .husky/pre-push', async () => {
  if (!hasGit) return;
  const dir = repo();
  mkdirSync(path.join(dir, '.husky', '_'), { recursive: true });
  writeFileSync(path.join(dir, '.husky/_/husky.sh'), '#!/usr/bin/env sh\n');
  git(dir, 'config', 'core.hooksPath', '.husky');
  const res = JSON.parse((await doInstall(dir, { json: true })).out);
  assert.equal([res.file, res.manager, res.action], [path.join(dir, '.husky/pre-push'), 'husky', 'installed']);
  assert.is(runHook(res.file, dir).status, 0);
});

const LEFTHOOK_HOOK = '#!/bin/sh\n\nif [ "$LEFTHOOK_VERBOSE" = "1" ]; then set -x; fi\n\ncall_lefthook()\n{\n  lefthook "$@"\n}\n\ncall_lefthook run "pre-push" "$@"\n';

test('lefthook: prints the lefthook.yml entry instead of editing its hook; --force chains anyway', async () => {
  if (!hasGit) return;
  const dir = repo();
  writeFileSync(path.join(dir, 'lefthook.yml'), 'pre-commit:\n  commands:\n    lint:\n      run: npm run lint\n');
  const file = hookOf(dir);
  writeFileSync(file, LEFTHOOK_HOOK, { mode: 0o755 });

  const res = await doInstall(dir);
  assert.is(res.code, 0);
  assert.match(res.out, /^lefthook manages the pre-push hook here \(lefthook\.yml\), and rewrites \.git\/hooks\/pre-push on `lefthook install`: pipewright did not edit it\./);
  assert.match(res.out, /Add this to lefthook\.yml, then run `npx lefthook install`:/);
  assert.is(readFileSync(file, 'utf8'), LEFTHOOK_HOOK, 'lefthook’s hook is untouched');

  const json = JSON.parse((await doInstall(dir, { json: true })).out);
  assert.is(json.action, 'lefthook-snippet');
  assert.is(json.manager, 'lefthook');
  const entry = (yaml.load(json.snippet) as { 'pre-push': { commands: { pipewright: { run: string; use_stdin: boolean } } } })['pre-push'].commands.pipewright;
  assert.is(entry.use_stdin, true);
  assert.match(entry.run, /npx --no-install pipewright hook pre-push \{1\} \{2\}; fi$/);
  assert.ok(res.out.includes(json.snippet));
  // lefthook runs `run` with sh: the escape hatch works there too.
  const skipped = spawnSync('sh', ['-c', entry.run], { encoding: 'utf8', env: { ...process.env, PIPEWRIGHT_SKIP_HOOK: '1' } });
  assert.equal([skipped.status, skipped.stderr], [0, `${SKIP_WARNING}\n`]);

  // Once lefthook.yml runs pipewright, install has nothing to do.
  writeFileSync(path.join(dir, 'lefthook.yml'), `${readFileSync(path.join(dir, 'lefthook.yml'), 'utf8')}${json.snippet}`);
  const done = await doInstall(dir);
  assert.is(done.out, 'lefthook.yml already runs `pipewright hook pre-push`: nothing changed\n');

  const forced = await doInstall(dir, { force: true, json: true });
  assert.is(JSON.parse(forced.out).action, 'chained');
  assert.ok(readFileSync(file, 'utf8').endsWith(LEFTHOOK_HOOK.slice('#!/bin/sh\n'.length)));
  assert.is(JSON.parse((await doInstall(dir, { json: true })).out).action, 'unchanged');
  await doUninstall(dir);
  assert.is(readFileSync(file, 'utf8'), LEFTHOOK_HOOK);
});

test('lefthook without a config file is recognised by its generated hook', async () => {
  if (!hasGit) return;
  const dir = repo();
  writeFileSync(hookOf(dir), LEFTHOOK_HOOK, { mode: 0o755 });
  assert.is(JSON.parse((await doInstall(dir, { json: true })).out).action, 'lefthook-snippet');
});

test('errors: not a git repository; a damaged block; a symlinked hook', async () => {
  if (!hasGit) return;
  const rejects = async (p: Promise<unknown>, re: RegExp) => {
    try {
      await p;
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, UsageError);
      assert.match((e as Error).message, re);
    }
  };
  const plain = fresh('not-a-repo');
  await rejects(doInstall(plain), /^not a git repository: run `git init` first, or run pipewright inside the repository$/);
  await rejects(doUninstall(plain), /^not a git repository/);

  const dir = repo();
  writeFileSync(hookOf(dir), `#!/bin/sh\n${BLOCK_BEGIN}\necho half\n`, { mode: 0o755 });
  await rejects(doInstall(dir), /has a `# >>> pipewright >>>` line without a matching `# <<< pipewright <<<` line/);

  const linked = repo();
  const target = path.join(fresh('shared'), 'pre-push');
  writeFileSync(target, EXISTING, { mode: 0o755 });
  mkdirSync(path.dirname(hookOf(linked)), { recursive: true });
  symlinkSync(target, hookOf(linked));
  await rejects(doInstall(linked), /is a symbolic link/);
  assert.is(readFileSync(target, 'utf8'), EXISTING);
});

test('a real git push to a bare remote: refused when pipewright exits 1, through when it exits 0', async () => {
  if (!hasGit) return;
  const dir = repo();
  const remote = fresh('remote.git');
  git(remote, 'init', '-q', '--bare');
  git(dir, 'remote', 'add', 'origin', remote);
  await doInstall(dir);
  const head = git(dir, 'rev-parse', 'HEAD');
  const push = (stubExit: string) => {
    const log = path.join(fresh('push-log'), 'stub');
    const res = spawnSync('git', ['push', 'origin', 'develop'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`, STUB_LOG: log, STUB_EXIT: stubExit },
    });
    return { ...res, log };
  };

  const refused = push('1');
  assert.is.not(refused.status, 0);
  assert.match(refused.stderr, /failed to push|hook declined/);
  assert.is(git(remote, 'branch', '--list'), '', 'nothing reached the remote');
  assert.is(readFileSync(`${refused.log}.stdin`, 'utf8'), `refs/heads/develop ${head} refs/heads/develop ${'0'.repeat(40)}\n`);
  assert.is(readFileSync(`${refused.log}.args`, 'utf8'), `-C\n${dir}\nhook\npre-push\norigin\n${remote}\n`);

  const ok = push('0');
  assert.is(ok.status, 0, ok.stderr);
  assert.is(git(remote, 'rev-parse', 'develop'), head);
});

test.run();
