#!/usr/bin/env node
// The Python base image the image tests build on, made from Debian packages alone (no public
// image can be pulled here), once per machine, into ~/.cache/pipewright/ (or
// $XDG_CACHE_HOME/pipewright/), keyed by everything that shapes it:
// - `mmdebstrap` writes a root filesystem tarball;
// - podman imports it into a small image store of its own, which the tests' private storages use
//   read-only (`additionalimagestores`): no test file imports 140 MB again, and a "node" storage
//   pulling a built image by digest finds the base layer there, as a node with a cached base would.
// .ci/run calls this before the tests, so this is one-time set-up timed on its own, never part of
// a test file's time; a test that finds no base calls it too. Prints the store's image name on
// stdout (with --json: tarball, store, image, whether it was made now and in how many seconds),
// what it did on stderr.
//
// What stands in for python:<version>-slim, and how it differs (the tests say so in their log):
// - trixie's Python 3.13 (Debian has no 3.12; bookworm's Flask 2.2 fails `flask>=3`), with
//   Flask, gunicorn, pip, venv and pytest installed from Debian, and passwd (useradd), which the
//   official image has and minbase lacks;
// - no EXTERNALLY-MANAGED marker: like the official image, pip installs into the system Python
//   (PEP 668 would refuse it on a Debian system);
// - PyPI is out of reach, so Debian's packages stand in for it: the image sets PIP_NO_INDEX (pip
//   never waits on a network), and a sitecustomize lets a virtualenv see them too, where pip then
//   finds each requirement "already satisfied".
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const SITECUSTOMIZE = [
  '',
  '# pipewright test base: PyPI is out of reach offline, so Debian\'s packages stand in for it:',
  '# a virtualenv sees them as installed (pip reports them "already satisfied").',
  'import sys as _pw_sys',
  "if _pw_sys.prefix != _pw_sys.base_prefix and '/usr/lib/python3/dist-packages' not in _pw_sys.path:",
  "    _pw_sys.path.append('/usr/lib/python3/dist-packages')",
  '',
].join('\n');

/** Everything that shapes the tarball: its cache key is a hash of this. */
export const RECIPE = {
  version: 1,
  suite: 'trixie',
  variant: 'minbase',
  mirror: process.env.PIPEWRIGHT_DEBIAN_MIRROR || 'http://deb.debian.org/debian',
  include: ['python3', 'python3-flask', 'gunicorn', 'python3-pip', 'python3-venv', 'python3-pytest', 'passwd'],
  dpkgopt: ['path-exclude=/usr/share/doc/*', 'path-exclude=/usr/share/man/*', 'path-exclude=/usr/share/locale/*', 'path-exclude=/usr/share/info/*'],
  aptopt: ['Acquire::Retries "3"'],
  customize: [
    'rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED',
    `for f in "$1"/etc/python3.*/sitecustomize.py; do printf '%s' '${SITECUSTOMIZE.replace(/'/g, "'\\''")}' >> "$f"; done`,
  ],
};

/** The image config the tests give the imported tarball (`podman import --change`). */
export const IMAGE_CHANGES = ['ENV LANG=C.UTF-8', 'ENV PIP_NO_INDEX=1', 'CMD ["python3"]'];

// The mirror only says where the same packages come from: it is not part of the key.
const key = createHash('sha256').update(JSON.stringify({ ...RECIPE, mirror: undefined })).digest('hex').slice(0, 16);
const storeKey = createHash('sha256').update(JSON.stringify({ key, IMAGE_CHANGES })).digest('hex').slice(0, 16);
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'pipewright');
export const tarball = path.join(cacheDir, `base-rootfs-${key}.tar`);
/** A containers-storage graph root holding only the base image. */
export const store = path.join(cacheDir, `base-store-${storeKey}`);
export const image = `localhost/pipewright-base:${storeKey}`;

const log = (s) => process.stderr.write(`${s}\n`);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `make` under a lock unless `target` exists; a lock older than 15 min is stale. */
function once(target, make) {
  if (existsSync(target)) return false;
  mkdirSync(cacheDir, { recursive: true });
  const lock = `${target}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(target)) return false;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      sleep(1000);
    }
  }
  try {
    if (existsSync(target)) return false;
    make();
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function run(cmd, args, env = process.env) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error?.code === 'ENOENT') throw new Error(`${cmd} is not installed (see .ci/run)`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … failed (exit ${res.status}):\n${(res.stderr || res.stdout).slice(-4000)}`);
  return res.stdout;
}

/** Makes the tarball and the store unless cached; returns what was made and how long it took. */
export function ensureBase() {
  const started = process.hrtime.bigint();
  const made = [];
  if (
    once(tarball, () => {
      const tmp = `${tarball}.tmp-${process.pid}.tar`;
      log(`base image: creating the ${RECIPE.suite} root filesystem with mmdebstrap (one-time set-up, cached in ${cacheDir}) …`);
      try {
        run('mmdebstrap', [
          '--quiet',
          `--variant=${RECIPE.variant}`,
          `--include=${RECIPE.include.join(',')}`,
          ...RECIPE.dpkgopt.map((o) => `--dpkgopt=${o}`),
          ...RECIPE.aptopt.map((o) => `--aptopt=${o}`),
          ...RECIPE.customize.map((h) => `--customize-hook=${h}`),
          RECIPE.suite,
          tmp,
          RECIPE.mirror,
        ]);
        renameSync(tmp, tarball);
      } finally {
        rmSync(tmp, { force: true });
      }
    })
  ) {
    made.push('tarball');
  }
  if (
    once(store, () => {
      // Imported into a temp graph root renamed into place: a half-made store is never used.
      const tmp = `${store}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      writeFileSync(path.join(tmp, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = ${JSON.stringify(path.join(tmp, 'root'))}\nrunroot = ${JSON.stringify(path.join(tmp, 'run'))}\n`);
      writeFileSync(path.join(tmp, 'containers.conf'), `[engine]\nevents_logger = "file"\nevents_logfile_path = ${JSON.stringify(path.join(tmp, 'events.log'))}\n`);
      const env = { ...process.env, CONTAINERS_STORAGE_CONF: path.join(tmp, 'storage.conf'), CONTAINERS_CONF: path.join(tmp, 'containers.conf') };
      try {
        run('podman', ['import', '--quiet', ...IMAGE_CHANGES.flatMap((c) => ['--change', c]), tarball, image], env);
        for (const f of ['run', 'storage.conf', 'containers.conf', 'events.log', 'events.log.lock']) rmSync(path.join(tmp, f), { recursive: true, force: true });
        renameSync(tmp, store);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    })
  ) {
    made.push('image store');
  }
  if (made.length > 0) {
    // Older recipes' tarballs and stores are ours and no longer used.
    for (const f of readdirSync(cacheDir)) {
      const p = path.join(cacheDir, f);
      if ((/^base-rootfs-[0-9a-f]{16}\.tar$/.test(f) && p !== tarball) || (/^base-store-[0-9a-f]{16}$/.test(f) && p !== store)) rmSync(p, { recursive: true, force: true });
    }
  }
  return { tarball, store: path.join(store, 'root'), image, made, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const r = ensureBase();
    const size = mb(statSync(r.tarball).size);
    log(
      r.made.length > 0
        ? `base image: made ${r.made.join(' and ')} in ${r.seconds.toFixed(1)} s (one-time set-up): ${path.basename(r.tarball)} (${size}, ${RECIPE.suite}: ${RECIPE.include.join(' ')}), ${image}`
        : `base image: cached (${path.basename(r.tarball)}, ${size}; ${image}), nothing to do`,
    );
    const summary = `Debian ${RECIPE.suite} ${RECIPE.variant} + ${RECIPE.include.join(' ')}, ${size}`;
    process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify({ ...r, summary })}\n` : `${r.image}\n`);
  } catch (e) {
    log(`base image: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
