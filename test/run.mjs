#!/usr/bin/env node
// Runs the compiled uvu suites (dist/test/**/*.test.js) and ends with the plain
// "N passed, N failed" line that CI reads. Extra args are a filter on file names.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// tsc also writes .d.ts files next to the tests: only ever pick the .test.js ones.
const filter = `${process.argv[2] ?? ''}[^/]*\\.test\\.js$`;
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
const res = spawnSync(process.execPath, [uvu, 'dist/test', filter], {
  cwd: root,
  // NO_COLOR turns colour off in uvu and in the CLI; FORCE_COLOR beside it would make Node warn.
  env: Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1' }).filter(([k]) => k !== 'FORCE_COLOR')),
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
});
process.stdout.write(res.stdout ?? '');
process.stderr.write(res.stderr ?? '');
const num = (label) => Number((res.stdout ?? '').match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? NaN);
const total = num('Total');
const passed = num('Passed');
const skipped = num('Skipped');
if (Number.isNaN(total) || Number.isNaN(passed)) {
  console.log('\nthe test runner printed no summary (crashed?)');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const failed = total - passed - (Number.isNaN(skipped) ? 0 : skipped);
const ok = res.status === 0 && failed === 0;
console.log(`\n${passed} passed, ${ok ? failed : Math.max(failed, 1)} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(ok ? 0 : 1);
