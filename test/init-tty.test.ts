// `pipewright init` at a real terminal: tmux runs the CLI in a pseudo-terminal, the test reads the
// screen (capture-pane) and types the answers (send-keys), as a person would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyExample, engineAvailable, fromRoot, tempDir } from './helpers.js';

const hasTools = engineAvailable('tmux', ['-V']) && engineAvailable('git');
const scratch = tempDir('pipewright-tty-');
const SCRATCH = realpathSync(scratch.dir);
// The server's socket lives in the scratch folder: removed with it, and never another test's server.
const SOCKET = path.join(SCRATCH, 'tmux.sock');
test.after(() => {
  if (hasTools) spawnSync('tmux', ['-S', SOCKET, 'kill-server'], { stdio: 'ignore' });
  scratch.cleanup();
});

const GITCONFIG = path.join(SCRATCH, 'gitconfig');
writeFileSync(GITCONFIG, '[user]\n\tname = Dev\n\temail = dev@example.com\n[init]\n\tdefaultBranch = master\n');
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: GITCONFIG, GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: SCRATCH };

function git(cwd: string, ...args: string[]): string {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8', env: gitEnv });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')}: ${res.stderr}`);
  return res.stdout.trim();
}

let counter = 0;
function exampleRepo(): string {
  const dir = path.join(SCRATCH, String(++counter), 'hello-flask');
  mkdirSync(dir, { recursive: true });
  copyExample(dir);
  rmSync(path.join(dir, 'pipewright.yaml'));
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'The app');
  return dir;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function tmux(...args: string[]): string {
  const res = spawnSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

/**
 * Runs `pipewright <args>` in a new 120x40 tmux window in `cwd`. The shell prints `[exit N]` when
 * the CLI ends, then keeps the window open for reading.
 */
function start(name: string, cwd: string, args: string[], env: Record<string, string> = {}): void {
  const vars = Object.entries({ GIT_CONFIG_GLOBAL: GITCONFIG, GIT_CONFIG_NOSYSTEM: '1', GIT_CEILING_DIRECTORIES: SCRATCH, ...env }).map(([k, v]) => `${k}=${q(v)}`);
  const cmd = `env -u AWS_REGION -u AWS_DEFAULT_REGION -u NO_COLOR ${vars.join(' ')} ${q(process.execPath)} ${q(fromRoot('dist', 'bin', 'cli.js'))} ${args.map(q).join(' ')}; echo "[exit $?]"; exec sleep 3600`;
  const running = spawnSync('tmux', ['-S', SOCKET, 'has-session'], { stdio: 'ignore' }).status === 0;
  if (running) tmux('new-window', '-d', '-n', name, '-c', cwd, cmd);
  else tmux('new-session', '-d', '-s', 'init', '-n', name, '-x', '120', '-y', '40', '-c', cwd, cmd);
}

/** The window's text, scrollback included, without trailing blank lines. */
const screen = (name: string): string =>
  tmux('capture-pane', '-p', '-J', '-t', `init:${name}`, '-S', '-300')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n+$/, '\n');

/** Polls the screen until `want` is on it; fails with the screen when it never comes. */
async function waitFor(name: string, want: string | RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = screen(name);
    if (typeof want === 'string' ? s.includes(want) : want.test(s)) return s;
    if (Date.now() > deadline) throw new Error(`never saw ${String(want)} on the screen:\n${s}`);
    await sleep(100);
  }
}

const keys = (name: string, ...k: string[]) => tmux('send-keys', '-t', `init:${name}`, ...k);

test('init asks for the app name and WSGI target (inferred, pre-filled), the account id and the region, then shows the summary', async () => {
  if (!hasTools) return;
  const dir = exampleRepo();
  start('first', dir, ['init']);

  let s = await waitFor('first', '? App name (the image, Deployment and namespaces) (hello-flask)');
  keys('first', 'Enter');
  s = await waitFor('first', '? gunicorn WSGI target (module:callable, or module:factory()) (hello:create_app())');
  assert.match(s, '✔ App name (the image, Deployment and namespaces) hello-flask');
  keys('first', 'Enter');
  s = await waitFor('first', '? AWS account id (12 digits; it owns ECR and the clusters)');
  // A wrong answer is refused on the spot, with what is allowed.
  keys('first', '-l', '12345');
  keys('first', 'Enter');
  await waitFor('first', 'must be exactly 12 digits, e.g. 123456789012');
  keys('first', 'C-u');
  keys('first', '-l', '123456789012');
  keys('first', 'Enter');
  s = await waitFor('first', '? AWS region (of ECR and the clusters) (eu-west-1)');
  assert.match(s, '✔ AWS account id (12 digits; it owns ECR and the clusters) 123456789012');
  keys('first', '-l', 'us-east-2');
  keys('first', 'Enter');
  s = await waitFor('first', /\[exit \d+\]/);

  assert.match(s, '[exit 0]');
  assert.match(s, '✔ gunicorn WSGI target (module:callable, or module:factory()) hello:create_app()');
  assert.match(s, '✔ AWS region (of ECR and the clusters) us-east-2');
  // The summary: every value and where it came from, then what was done and what to do next.
  assert.match(s, /app\s+hello-flask\s+inferred from the directory name "hello-flask"/);
  assert.match(s, /wsgi\s+hello:create_app\(\)\s+inferred from hello\/__init__\.py: def create_app\(\)/);
  assert.match(s, /healthPath\s+\/healthz\s+inferred from hello\/__init__\.py: @app\.get\("\/healthz"\)/);
  assert.match(s, /accountId\s+123456789012\s+answered at the prompt/);
  assert.match(s, /region\s+us-east-2\s+answered at the prompt/);
  assert.match(s, /create\s+pipewright\.yaml/);
  assert.match(s, /develop\s+created at [0-9a-f]{7} \(HEAD, master\)/);
  assert.match(s, 'installed .git/hooks/pre-push');
  assert.match(s, 'Done.');
  assert.match(s, 'Next steps:');
  assert.match(s, 'pipewright ecr ensure');
  assert.match(s, 'git push origin develop staging');

  // The files say the same.
  const yaml = readFileSync(path.join(dir, 'pipewright.yaml'), 'utf8');
  assert.match(yaml, '  # answered at the prompt\n  accountId: "123456789012"\n');
  assert.match(yaml, '  # answered at the prompt\n  region: us-east-2\n');
  assert.match(yaml, '  # inferred from hello/__init__.py: def create_app()\n  wsgi: "hello:create_app()"\n');
  assert.ok(existsSync(path.join(dir, 'Jenkinsfile')));
  assert.is(git(dir, 'rev-parse', 'staging'), git(dir, 'rev-parse', 'HEAD'));

  // Again, at the terminal: the config is there, so nothing is asked and nothing changes.
  start('again', dir, ['init']);
  s = await waitFor('again', /\[exit \d+\]/);
  assert.match(s, '[exit 0]');
  assert.not.match(s, /^\? /m);
  assert.match(s, 'Nothing changed: everything was already set up.');
});

test('only what cannot be inferred is asked: with --app and AWS_REGION, the WSGI target and the account id; Ctrl-C writes nothing', async () => {
  if (!hasTools) return;
  const dir = exampleRepo();
  start('partial', dir, ['init', '--app', 'shop'], { AWS_REGION: 'eu-central-1' });
  let s = await waitFor('partial', '? gunicorn WSGI target');
  assert.not.match(s, 'App name');
  keys('partial', 'Enter');
  s = await waitFor('partial', '? AWS account id');
  keys('partial', 'C-c');
  s = await waitFor('partial', /\[exit \d+\]/);
  assert.match(s, 'pipewright init: cancelled; nothing was written');
  assert.match(s, '[exit 130]');
  assert.not.match(s, 'AWS region');
  assert.not.ok(existsSync(path.join(dir, 'pipewright.yaml')));
  assert.is(git(dir, 'branch', '--list', 'develop'), '');
});

test('a working tree with changes of your own is refused before any question', async () => {
  if (!hasTools) return;
  const dir = exampleRepo();
  writeFileSync(path.join(dir, 'notes.txt'), 'todo\n');
  start('dirty', dir, ['init']);
  const s = await waitFor('dirty', /\[exit \d+\]/);
  assert.match(s, '[exit 1]');
  assert.match(s, "the working tree has changes that are not init's own:\n  ?? notes.txt\n");
  assert.not.match(s, /^\? /m);
});

test.run();
