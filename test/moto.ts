/**
 * A real moto server (python moto) for the ECR tests, on a free port of 127.0.0.1, and an
 * asynchronous CLI runner: while a CLI process runs, the test process must keep serving the
 * HTTP proxies that stand in front of moto, which a spawnSync would block.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { engineAvailable, tempDir } from './helpers.js';

export interface Moto {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** POST to moto's own API (/moto-api/…). */
  api(path: string, body: string, contentType?: string): Promise<string>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`moto exited before answering (${child.exitCode ?? child.signalCode}):\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Start `python3 -m moto.server -H 127.0.0.1 -p <free port>` and wait until it answers. */
export async function startMoto(env: NodeJS.ProcessEnv = {}): Promise<Moto> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => {
    log = (log + b.toString('utf8')).slice(-20_000);
  });
  // Never leave a server behind, even when the test process dies without running `after`.
  const stop = stopper(child);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(`${endpoint}/moto-api/`, child, () => log);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint,
    async api(path, body, contentType = 'application/json') {
      const res = await fetch(`${endpoint}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
      const text = await res.text();
      if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
      return text;
    },
    stop,
  };
}

/**
 * The environment of a CLI run against moto: fake static keys, and nothing from this machine's
 * AWS setup (no profile, config file, endpoint, container or instance credentials).
 */
export function awsTestEnv(home: string): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_ECR: undefined,
    AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws', 'credentials'),
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_ROLE_ARN: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: undefined,
    AWS_RETRY_MODE: undefined,
    HOME: home,
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** A tree hash, as `git rev-parse HEAD^{tree}` prints it. */
export const treeHash = (n: string) => createHash('sha1').update(`tree ${n}`).digest('hex');

/** A Docker image manifest whose layers (and so, in moto, whose digest) depend on `n`. */
export function imageManifest(n: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: `sha256:${sha256(`config ${n}`)}` },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 29_126_484, digest: `sha256:${sha256('python:3.12-slim base')}` },
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 3_412_108, digest: `sha256:${sha256(`app layer ${n}`)}` },
    ],
  });
}

/** A request's (or response's) whole body. */
export async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface Forwarded {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** For a proxy in front of moto: send a request, as received, on to `endpoint` and read the answer. */
export function forwardTo(endpoint: string): (req: IncomingMessage, body: Buffer) => Promise<Forwarded> {
  const target = new URL(endpoint);
  return (req, body) =>
    new Promise<Forwarded>((resolve, reject) => {
      const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, async (res) => {
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: await readAll(res) });
      });
      out.on('error', reject);
      out.end(body);
    });
}

/** A stop function for a child process, which is also killed if this process exits first. */
export function stopper(child: ChildProcess): () => Promise<void> {
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  return async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}

/** moto's account, the region and keys every moto test uses. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_REGION = 'eu-west-1';
export const MOTO_KEY = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** The roles a kaniko app on EKS names: the deployer's (IRSA) and the Fargate pods'. */
export const DEPLOYER_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/jenkins-agents`;
export const POD_ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/eks-fargate-pods`;

/**
 * A kaniko app on the EKS `cluster` with everything `cluster bootstrap` needs: a deployer role,
 * Fargate subnets and (unless podRole is false) the pods' role; `extra` lines go under `cluster:`.
 */
export function eksAppConfig(cluster: string, opts: { app?: string; podRole?: boolean; extra?: string } = {}): string {
  return `app: ${opts.app ?? 'shop'}
aws:
  accountId: "${MOTO_ACCOUNT}"
  region: ${MOTO_REGION}
  cluster: ${cluster}
build:
  engine: kaniko
cluster:
  deployer:
    roleArn: ${DEPLOYER_ROLE}
  fargate:
${opts.podRole === false ? '' : `    podExecutionRoleArn: ${POD_ROLE}\n`}    subnets: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
${opts.extra ?? ''}environments:
  - { name: develop, branch: develop, ingress: { enabled: false } }
  - { name: green, branch: staging }
  - { name: blue, branch: master, production: true }
`;
}

/** Test shim: Debian's aws CLI 2.9 predates AWS_ENDPOINT_URL (2.13), so the endpoint is passed as a flag. */
export const AWS_SHIM = [
  '#!/bin/sh',
  "# An aws shim, for the tests only: Debian's aws CLI 2.9 predates AWS_ENDPOINT_URL (2.13), so",
  '# the endpoint (moto) is passed as --endpoint-url. Everything else is the real CLI.',
  'exec /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"',
  '',
].join('\n');

/**
 * The environment of a generated pipeline's real `aws` shell on a test agent: the shims in `bin`
 * first on PATH (write them with writeShims), moto's endpoint, fake keys, and nothing from this
 * machine's AWS set-up.
 */
export function agentAwsEnv(bin: string, endpoint: string, work: string): Record<string, string> {
  return {
    PATH: `${bin}:${process.env.PATH}`,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
  };
}

/** Writes executable shims (name → script) into `bin`. */
export function writeShims(bin: string, shims: Readonly<Record<string, string>>): string {
  mkdirSync(bin, { recursive: true });
  for (const [name, text] of Object.entries(shims)) writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  return bin;
}

/** Whether moto and openssl (the kube stand-in's certificate) are here; under CI=true, fails when not. */
export function motoAndStandinEngines(): boolean {
  const hasMoto = engineAvailable('python3', ['-c', 'import moto']);
  const hasOpenssl = engineAvailable('openssl', ['version']);
  return hasMoto && hasOpenssl;
}

/** A temp work dir holding an empty HOME and the app with its pipewright.yaml, for CLI runs against moto. */
export function motoProject(prefix: string, config: string): { work: { dir: string; cleanup: () => void }; home: string; app: string } {
  const work = tempDir(prefix);
  const home = path.join(work.dir, 'home');
  const app = path.join(work.dir, 'app');
  mkdirSync(home);
  mkdirSync(app);
  writeFileSync(path.join(app, 'pipewright.yaml'), config);
  return { work, home, app };
}
