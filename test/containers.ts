/**
 * Real container engines for the image tests, offline: podman and buildah on a private storage
 * root (a temp dir per test file, so files never collide and nothing of this machine's own
 * storage is touched), Debian's `docker-registry` on a free port of 127.0.0.1, and the base image
 * made by test/base-image.mjs standing in for python:<version>-slim.
 *
 * Every command is spawned asynchronously: a test may be serving an HTTP proxy in this process
 * (the ECR stand-in) while podman talks to it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { fromRoot } from './helpers.js';
import { freePort, stopper } from './moto.js';

export interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end without blocking this process; a run past `timeoutMs` is killed. */
export function exec(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.stdout.on('data', (b: Buffer) => void (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => void (stderr += b.toString('utf8')));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

const tail = (s: string, n = 3000) => (s.length > n ? `…${s.slice(-n)}` : s).trim();

/** `exec`, failing with the command's own output when it exits non-zero. */
export async function must(cmd: string, args: readonly string[], opts: Parameters<typeof exec>[2] = {}): Promise<Exit> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}):\n${tail(r.stderr || r.stdout)}`);
  return r;
}

/** The engines the image tests run, as `engineAvailable` checks them. */
export const IMAGE_ENGINES: readonly [string, string[]][] = [
  ['podman', ['--version']],
  ['buildah', ['--version']],
  ['docker-registry', ['--version']],
  ['runc', ['--version']],
  ['nsenter', ['--version']],
  ['curl', ['--version']],
];

/** One line of versions for the CI log: "podman 4.3.1, buildah 1.28.2, …". */
export function engineVersions(cmds: readonly string[]): string {
  return cmds
    .map((c) => {
      const out = spawnSync(c, ['--version'], { encoding: 'utf8' });
      const v = /\b(\d+\.\d+(?:\.\d+)?)/.exec(`${out.stdout} ${out.stderr}`)?.[1] ?? '?';
      return `${path.basename(c)} ${v}`;
    })
    .join(', ');
}

export interface Base {
  /** The image name in `store`: localhost/pipewright-base:<key>. */
  readonly image: string;
  /** A read-only image store (a containers-storage graph root) holding only the base. */
  readonly store: string;
  /** What it is, for the log. */
  readonly summary: string;
}

/**
 * The base image, made once per machine by test/base-image.mjs (.ci/run runs it before the tests;
 * a test that finds none makes it, and says so, since that takes a minute or two).
 */
export function baseImage(): Base {
  const res = spawnSync(process.execPath, [fromRoot('test', 'base-image.mjs'), '--json'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`test/base-image.mjs failed:\n${res.stderr}`);
  const r = JSON.parse(res.stdout) as Base & { made: string[]; seconds: number };
  if (r.made.length > 0) console.log(`  base image: this test file made its ${r.made.join(' and ')} in ${r.seconds.toFixed(1)} s (one-time set-up that .ci/run does before the tests)`);
  return r;
}

export interface RegistriesConf {
  /** Hosts spoken to over plain HTTP (127.0.0.1:<port>). */
  readonly insecure?: readonly string[];
  /** prefix (e.g. docker.io) → the mirror location that serves it. */
  readonly mirrors?: Readonly<Record<string, string>>;
}

/**
 * podman and buildah on a private storage root under `dir`, with:
 * - runc (crun fails with this machine's hybrid cgroups), cgroupfs, events to a file;
 * - lower default ulimits (nofile/nproc 4096) in a CONTAINERS_CONF file;
 * - no network for containers (`netns = "none"`), and no CNI plugins at all, so that a command
 *   that would build a bridge network (and its iptables chains) fails instead of touching the host;
 * - the base image's store as a read-only additional image store.
 */
export class Containers {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly registriesFile: string;

  constructor(dir: string, opts: { base?: Base; registries?: RegistriesConf } = {}) {
    this.dir = dir;
    for (const d of ['root', 'runroot', 'tmp', 'net', 'no-cni']) mkdirSync(path.join(dir, d), { recursive: true });
    const storage = path.join(dir, 'storage.conf');
    writeFileSync(
      storage,
      `[storage]\ndriver = "overlay"\ngraphroot = ${JSON.stringify(path.join(dir, 'root'))}\nrunroot = ${JSON.stringify(path.join(dir, 'runroot'))}\n` +
        (opts.base ? `[storage.options]\nadditionalimagestores = [${JSON.stringify(opts.base.store)}]\n` : ''),
    );
    const conf = path.join(dir, 'containers.conf');
    writeFileSync(
      conf,
      [
        '[containers]',
        'netns = "none"',
        'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
        '[engine]',
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `events_logfile_path = ${JSON.stringify(path.join(dir, 'events.log'))}`,
        `tmp_dir = ${JSON.stringify(path.join(dir, 'tmp'))}`,
        '[network]',
        `cni_plugin_dirs = [${JSON.stringify(path.join(dir, 'no-cni'))}]`,
        `network_config_dir = ${JSON.stringify(path.join(dir, 'net'))}`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'auth.json'), '{"auths": {}}\n');
    this.registriesFile = path.join(dir, 'registries.conf');
    this.setRegistries(opts.registries ?? {});
    this.env = {
      ...process.env,
      CONTAINERS_CONF: conf,
      CONTAINERS_STORAGE_CONF: storage,
      CONTAINERS_REGISTRIES_CONF: this.registriesFile,
      // `podman login` writes here, not to /run/containers/0/auth.json of the machine.
      REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
      TMPDIR: path.join(dir, 'tmp'),
    };
    process.on('exit', this.removeOnExit);
  }

  /** Rewrites registries.conf: plain-HTTP hosts and mirrors. */
  setRegistries(r: RegistriesConf): void {
    const lines = ['unqualified-search-registries = ["docker.io"]', ''];
    for (const host of r.insecure ?? []) lines.push('[[registry]]', `location = ${JSON.stringify(host)}`, 'insecure = true', '');
    for (const [prefix, mirror] of Object.entries(r.mirrors ?? {})) {
      lines.push('[[registry]]', `prefix = ${JSON.stringify(prefix)}`, `location = ${JSON.stringify(prefix)}`, '[[registry.mirror]]', `location = ${JSON.stringify(mirror)}`, 'insecure = true', '');
    }
    writeFileSync(this.registriesFile, lines.join('\n'));
  }

  podman(args: readonly string[], input?: string): Promise<Exit> {
    return must('podman', args, { env: this.env, ...(input !== undefined && { input }) });
  }

  buildah(args: readonly string[]): Promise<Exit> {
    return must('buildah', args, { env: this.env });
  }

  /** Removes every container of this storage (running ones too). */
  async close(): Promise<void> {
    process.off('exit', this.removeOnExit);
    await exec('podman', ['rm', '--all', '--force', '--time', '0'], { env: this.env });
  }

  /** Containers outlive this process (conmon keeps them): a test process that dies removes them too. */
  private readonly removeOnExit = () => {
    spawnSync('podman', ['rm', '--all', '--force', '--time', '0'], { env: this.env, stdio: 'ignore' });
  };
}

export interface Registry {
  /** 127.0.0.1:<port> */
  readonly host: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry (distribution 2.8) on a free port of 127.0.0.1, storing under `dir`. */
export async function startRegistry(dir: string): Promise<Registry> {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, 'data'))} } }`,
      `http: { addr: "127.0.0.1:${port}", secret: pipewright-test }`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => void (log = (log + b.toString('utf8')).slice(-10_000)));
  const stop = stopper(child);
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${host}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, stop };
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface StoredManifest {
  readonly digest: string;
  readonly mediaType: string;
  /** Config plus layers, as stored (compressed): what a pull downloads. */
  readonly size: number;
  readonly layers: number;
}

/** The manifest a registry holds under `ref` (tag or digest), checked against its digest. */
export async function storedManifest(host: string, repository: string, ref: string, headers: Record<string, string> = {}): Promise<StoredManifest> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${ref}`, { headers: { accept: MANIFEST_TYPES.join(', '), ...headers } });
  if (!res.ok) throw new Error(`GET ${host}/v2/${repository}/manifests/${ref}: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (res.headers.get('docker-content-digest') !== digest) throw new Error(`the registry's digest ${res.headers.get('docker-content-digest')} is not the manifest's ${digest}`);
  const m = JSON.parse(body.toString('utf8')) as { mediaType?: string; config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
  // Every blob it names is there, at its size: a pull of it would find everything.
  for (const blob of [m.config, ...m.layers]) {
    const head = await fetch(`http://${host}/v2/${repository}/blobs/${blob.digest}`, { method: 'HEAD', headers });
    if (!head.ok || Number(head.headers.get('content-length')) !== blob.size) throw new Error(`blob ${blob.digest} of ${repository}@${digest}: HTTP ${head.status}, ${head.headers.get('content-length')} bytes, not ${blob.size}`);
  }
  return { digest, mediaType: m.mediaType ?? res.headers.get('content-type') ?? '', size: m.config.size + m.layers.reduce((n, l) => n + l.size, 0), layers: m.layers.length };
}

// ---------------------------------------------------------------------------------------------
// running an image as its Deployment runs it

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  securityContext?: { runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Deployment {
  kind: string;
  spec: { template: { spec: { securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean }; containers: Container[]; volumes?: { name: string; emptyDir?: object }[] } } };
}

/** The Deployment `kubectl kustomize <overlay>` builds. */
export async function deploymentOf(overlay: string): Promise<Deployment> {
  const out = await must('kubectl', ['kustomize', overlay]);
  const d = yaml.loadAll(out.stdout).find((o) => (o as { kind?: string })?.kind === 'Deployment') as Deployment | undefined;
  if (!d) throw new Error(`${overlay} builds no Deployment`);
  return d;
}

export interface PodSpec {
  /** `podman run` arguments before the image. */
  readonly args: readonly string[];
  readonly user: string;
  readonly port: number;
  readonly healthPath: string;
  /** What of the Deployment's container could not be carried over (env from secrets). */
  readonly skipped: readonly string[];
}

/**
 * `podman run` arguments for a container as the Deployment's pod spec runs it: its uid/gid,
 * read-only root filesystem, dropped capabilities, no privilege escalation, emptyDir volumes as
 * tmpfs, plain env values (valueFrom ones need the cluster), no network, and nothing writable
 * that Kubernetes would not give (podman's default tmpfs on /tmp, /run, /var/tmp is turned off).
 */
export function podSpecOf(d: Deployment): PodSpec {
  const pod = d.spec.template.spec;
  const c = pod.containers[0]!;
  const sc = { ...pod.securityContext, ...c.securityContext };
  if (sc.runAsUser === undefined) throw new Error('the Deployment sets no runAsUser');
  const user = `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`;
  const args = ['--network=none', `--user=${user}`, '--read-only-tmpfs=false'];
  if (sc.readOnlyRootFilesystem) args.push('--read-only');
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt=no-new-privileges');
  for (const cap of sc.capabilities?.drop ?? []) args.push(`--cap-drop=${cap}`);
  for (const m of c.volumeMounts ?? []) {
    const vol = pod.volumes?.find((v) => v.name === m.name);
    if (!vol?.emptyDir) throw new Error(`volume ${m.name} is not an emptyDir: the test cannot stand it in`);
    args.push(`--tmpfs=${m.mountPath}:rw,size=64m,mode=1777`);
  }
  const skipped: string[] = [];
  for (const e of c.env ?? []) {
    if (e.value !== undefined) args.push(`--env=${e.name}=${e.value}`);
    else skipped.push(e.name);
  }
  const probe = c.readinessProbe?.httpGet;
  if (!probe) throw new Error('the Deployment has no HTTP readiness probe');
  const port = typeof probe.port === 'number' ? probe.port : c.ports?.find((p) => p.name === probe.port)?.containerPort;
  if (port === undefined) throw new Error(`the probe's port ${probe.port} is not a container port`);
  return { args, user, port, healthPath: probe.path, skipped };
}

/**
 * TCP sockets in LISTEN state in the network namespace of `pid` (/proc/<pid>/net/tcp and tcp6):
 * port and whether it is bound to every address (0.0.0.0 or ::), as a probe from the pod's IP needs.
 */
export function listening(pid: number): { port: number; anyAddress: boolean }[] {
  const out = new Map<number, boolean>();
  for (const f of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${f}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A') continue;
      const [addr, port] = cols[1]!.split(':') as [string, string];
      const p = parseInt(port, 16);
      out.set(p, (out.get(p) ?? false) || /^0+$/.test(addr));
    }
  }
  return [...out].map(([port, anyAddress]) => ({ port, anyAddress })).sort((a, b) => a.port - b.port);
}

export interface Health {
  readonly status: number;
  readonly body: string;
  readonly seconds: number;
}

/**
 * Waits for the container to listen on `port`, then GETs `path` from inside its network
 * namespace (`nsenter -t <pid> -n curl`): no published port, no CNI. Fails fast, with the
 * container's log, when it exits, listens only on other ports, or on `port` of the loopback
 * address only (the one address a probe from inside the namespace would still reach).
 */
export async function probe(c: Containers, name: string, port: number, path_: string, timeoutMs = 30_000): Promise<Health> {
  const started = Date.now();
  let otherSince: number | null = null;
  const logs = async () => {
    const r = await exec('podman', ['logs', name], { env: c.env });
    return tail(`${r.stdout}${r.stderr}`, 1500);
  };
  for (;;) {
    const state = (await c.podman(['inspect', '--format', '{{.State.Status}} {{.State.Pid}} {{.State.ExitCode}}', name])).stdout.trim().split(' ');
    if (state[0] !== 'running') throw new Error(`the container stopped (${state[0]}, exit ${state[2]}) before listening on :${port}:\n${await logs()}`);
    const pid = Number(state[1]);
    const sockets = listening(pid);
    const ours = sockets.find((x) => x.port === port);
    if (ours && !ours.anyAddress) {
      throw new Error(`the container listens on :${port} on the loopback address only: the kubelet's probe and the load balancer come from the pod's IP:\n${await logs()}`);
    }
    if (ours) {
      const r = await must('nsenter', ['-t', String(pid), '-n', 'curl', '--silent', '--show-error', '--max-time', '10', '--write-out', '\n%{http_code}', `http://127.0.0.1:${port}${path_}`]);
      const nl = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(nl + 1)), body: r.stdout.slice(0, nl), seconds: (Date.now() - started) / 1000 };
    }
    // A server that is up on other ports gets 3 s more to open ours (gunicorn binds once, at start).
    if (sockets.length > 0) otherSince ??= Date.now();
    if (otherSince !== null && Date.now() - otherSince > 3000) {
      throw new Error(`nothing listens on :${port} (the port the Deployment probes); the container listens on ${sockets.map((x) => `:${x.port}`).join(', ')}:\n${await logs()}`);
    }
    if (Date.now() - started > timeoutMs) throw new Error(`nothing listened on :${port} within ${timeoutMs / 1000} s:\n${await logs()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

