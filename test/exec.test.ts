// src/exec.ts: the one helper that runs a program other than git (promote's command checks go
// through it). Real processes: sh, and a program that does not exist.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeExit, runProgram, runShell } from '../src/core/exec.js';
import { tempDir } from './helpers.js';

const { dir: cwd, cleanup } = tempDir('pipewright-exec-');
test.after(cleanup);

test('runShell: a user command line with its environment, stdout and stderr interleaved as they came, the exit code kept', async () => {
  const r = await runShell('echo "one $PW_X"; echo two >&2; echo three; exit 3', { cwd, env: { PW_X: 'x y' } });
  assert.is(r.code, 3);
  assert.is(r.signal, null);
  assert.is(r.timedOut, false);
  assert.is(r.startError, null);
  // Two pipes: the order between stdout and stderr is the kernel's, the order within each is kept.
  assert.equal(r.output.split('\n').sort(), ['one x y', 'three', 'two']);
  assert.ok(r.output.indexOf('one') < r.output.indexOf('three'), r.output);
  assert.is(describeExit(r), 'exit 3');
  const ok = await runShell('pwd', { cwd });
  assert.is(ok.code, 0);
  assert.ok(ok.output.endsWith(cwd.split('/').pop()!), ok.output);
});

test('runProgram: the arguments go to the program as they are (no shell), and output beyond the limit keeps its end', async () => {
  const r = await runProgram('printf', ['%s|', '$HOME', 'a b', '; rm -rf x'], { cwd });
  assert.is(r.output, '$HOME|a b|; rm -rf x|');
  const long = await runShell('i=0; while [ $i -lt 500 ]; do echo line-$i; i=$((i+1)); done', { cwd, outputLimit: 100 });
  assert.ok(long.output.startsWith('…'), long.output);
  assert.ok(long.output.endsWith('line-499'), long.output);
  assert.ok(long.output.length <= 101, String(long.output.length));
});

test('runProgram: a program that cannot start is a result with its reason, not a rejection', async () => {
  const r = await runProgram('pipewright-no-such-program', [], { cwd: cwd });
  assert.is(r.code, null);
  assert.match(r.startError?.message ?? '', /ENOENT/);
});

test('runShell: past its deadline the program is stopped, with the output it printed so far', async () => {
  const r = await runShell('echo started; sleep 30', { cwd: cwd, timeoutSeconds: 0.5 });
  assert.is(r.timedOut, true);
  assert.is(r.code, null);
  assert.is(r.output, 'started');
  assert.is(describeExit(r, 0.5), 'still running after 0.5 s: stopped');
  // What it started was stopped too: the sleep is gone.
  const left = await runShell("ps -eo args | grep -c '^sleep 30$' || true", { cwd });
  assert.is(left.output, '0');
});

test.run();
