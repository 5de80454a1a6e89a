/**
 * The Kubernetes client: a kubeconfig (--kubeconfig, else KUBECONFIG, else ~/.kube/config) and a
 * context (--context, else current-context) opened with @kubernetes/client-node, which is loaded
 * here and only here, lazily. Every API call goes through `Kube.call`, which turns what can go
 * wrong into one line that says what to check. Tokens never appear in a message.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AppsV1Api, Cluster, ConfigurationOptions, Context, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, User } from '@kubernetes/client-node';
import { CALL_DEADLINE_SECONDS, CONNECT_TIMEOUT_SECONDS, withDeadline } from '../core/deadline.js';
import { PipewrightError, UsageError } from '../core/errors.js';

export interface KubeOptions {
  /** Directory relative paths are resolved against (the command's cwd). */
  readonly cwd: string;
  /** kubeconfig file. Default: KUBECONFIG (a path list), then ~/.kube/config. */
  readonly kubeconfig?: string;
  /** Context name. Default: the kubeconfig's current-context. */
  readonly context?: string;
  /** --timeout: seconds one API call may take, connecting included. Default CALL_DEADLINE_SECONDS. */
  readonly timeoutSeconds?: number | undefined;
  /** What to add to a 403 message: which rights the command needs. */
  readonly forbiddenHint?: string;
}

/** What an API call does, for messages when the server gives no Status. */
export interface KubeOp {
  readonly verb: 'get' | 'list' | 'create' | 'patch' | 'update' | 'delete';
  /** Plural resource, with its group when not core: "roles.rbac.authorization.k8s.io". */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

/**
 * A failed API call, already worded for the user. `status` is the HTTP code (null: no answer, or
 * an answer that was not the Kubernetes API's). `credentials`: the request had no usable
 * credentials (401, or the credential plugin failed). `noAnswer`: the call's time ran out, so a
 * write may or may not have taken effect. `op`: the call.
 */
export class KubeError extends PipewrightError {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly status: number | null,
    readonly reason: string | null,
    readonly credentials = false,
    readonly noAnswer = false,
    readonly op: KubeOp | null = null,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

/** No kubeconfig at all: no --kubeconfig, no KUBECONFIG, no ~/.kube/config. */
export class NoKubeconfigError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'NoKubeconfigError';
  }
}

export interface Kube {
  /** The context in use. */
  readonly context: string;
  /** The API server URL. */
  readonly server: string;
  /** Where the kubeconfig came from, for messages ("~/.kube/config", "KUBECONFIG=…", a path). */
  readonly source: string;
  /** The EKS cluster the context points at, when its name or its cluster's name is an EKS ARN. */
  readonly eks: { readonly name: string; readonly region: string; readonly accountId: string } | null;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  /** Per-call options for a JSON merge patch (RFC 7386). */
  readonly mergePatch: ConfigurationOptions;
  /** Per-call options for a strategic merge patch (lists such as containers merge by their key, e.g. name). */
  readonly strategicMergePatch: ConfigurationOptions;
  /** Run one API call; every failure becomes a KubeError (404 and 409 keep their status for callers). */
  call<T>(op: KubeOp, fn: () => Promise<T>): Promise<T>;
}

/** A loaded kubeconfig, from which contexts are opened. */
export interface KubeConfigFile {
  readonly source: string;
  readonly contexts: readonly string[];
  readonly currentContext: string;
  /** The EKS cluster a context points at (its name or its cluster's name is an EKS ARN), else null. */
  eksOf(context: string): Kube['eks'];
  open(context?: string): Promise<Kube>;
}

type ClientModule = typeof import('@kubernetes/client-node');

const EKS_ARN = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/;

function parseEks(...names: (string | undefined)[]): Kube['eks'] {
  for (const n of names) {
    const m = n ? EKS_ARN.exec(n) : null;
    if (m) return { region: m[1]!, accountId: m[2]!, name: m[3]! };
  }
  return null;
}

const firstLine = (s: string): string => s.split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';

/** The kubeconfig files to read, and how to name them in messages. */
function kubeconfigFiles(opts: KubeOptions): { files: string[]; source: string } {
  if (opts.kubeconfig) {
    const file = path.resolve(opts.cwd, opts.kubeconfig);
    if (!existsSync(file)) throw new UsageError(`--kubeconfig ${opts.kubeconfig}: no such file`);
    return { files: [file], source: opts.kubeconfig };
  }
  const env = process.env.KUBECONFIG;
  if (env) {
    const listed = env.split(path.delimiter).filter((f) => f !== '');
    const files = listed.filter((f) => existsSync(f));
    if (files.length === 0) throw new UsageError(`KUBECONFIG=${env}: no such file; point it at a kubeconfig, or pass --kubeconfig`);
    return { files, source: `KUBECONFIG=${env}` };
  }
  const home = path.join(os.homedir(), '.kube', 'config');
  if (!existsSync(home)) {
    throw new NoKubeconfigError(
      `no kubeconfig: ${home} does not exist and KUBECONFIG is not set; for EKS run \`aws eks update-kubeconfig --name <cluster> --region <region>\`, or pass --kubeconfig <file>`,
    );
  }
  return { files: [home], source: '~/.kube/config' };
}

/** Read the kubeconfig (loading the client library). Throws UsageError for a missing or unreadable file. */
export async function loadKubeConfig(opts: KubeOptions): Promise<KubeConfigFile> {
  const { files, source } = kubeconfigFiles(opts);
  const k8s: ClientModule = await import('@kubernetes/client-node');
  // Like kubectl with a KUBECONFIG list: the first file to define a name, or a current-context, wins.
  const merged: { clusters: Cluster[]; users: User[]; contexts: Context[]; currentContext: string } = { clusters: [], users: [], contexts: [], currentContext: '' };
  for (const file of files) {
    const kc = new k8s.KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (e) {
      throw new UsageError(`${file}: not a usable kubeconfig: ${firstLine((e as Error).message)}`);
    }
    const add = <T extends { name: string }>(into: T[], items: readonly T[]) => items.forEach((x) => into.some((y) => y.name === x.name) || into.push(x));
    add(merged.clusters, kc.getClusters());
    add(merged.users, kc.getUsers());
    add(merged.contexts, kc.getContexts());
    if (!merged.currentContext) merged.currentContext = kc.getCurrentContext() ?? '';
  }
  const contexts = merged.contexts.map((c) => c.name);
  return {
    source,
    contexts,
    currentContext: merged.currentContext,
    eksOf: (name) => parseEks(name, merged.contexts.find((c) => c.name === name)?.cluster),
    open: async (context?: string) => {
      // One KubeConfig per context: the API clients read the current context at every request.
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({ ...merged, currentContext: merged.currentContext });
      return openContext(k8s, kc, source, contexts, context ?? opts.context, opts);
    },
  };
}

/** Open the context opts.context (else the current one) of the kubeconfig opts point at. */
export async function openKube(opts: KubeOptions): Promise<Kube> {
  return (await loadKubeConfig(opts)).open();
}

const listOf = (contexts: readonly string[]): string => (contexts.length ? contexts.join(', ') : 'none');

async function openContext(
  k8s: ClientModule,
  kc: KubeConfig,
  source: string,
  contexts: readonly string[],
  wanted: string | undefined,
  opts: KubeOptions,
): Promise<Kube> {
  const context = wanted ?? kc.getCurrentContext();
  if (!context) throw new UsageError(`${source}: no current-context; pass --context (contexts: ${listOf(contexts)})`);
  if (!contexts.includes(context)) {
    throw new UsageError(`${wanted !== undefined ? `--context ${context}` : `current-context "${context}"`}: no such context in ${source} (contexts: ${listOf(contexts)})`);
  }
  kc.setCurrentContext(context);
  const ctx = kc.getContextObject(context)!;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError(`context ${context} in ${source} names cluster "${ctx.cluster}", which is not in the file`);
  if (!kc.getCurrentUser()) throw new UsageError(`context ${context} in ${source} names user "${ctx.user}", which is not in the file`);
  const server = cluster.server;
  const eks = parseEks(context, ctx.cluster);
  const seconds = opts.timeoutSeconds ?? CALL_DEADLINE_SECONDS;
  const timeoutMs = seconds * 1000;
  const connectMs = Math.min(CONNECT_TIMEOUT_SECONDS * 1000, timeoutMs);

  // Like KubeConfig.makeApiClient, plus a connect timeout and a time limit on every request.
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (req) => {
          req.setSignal(AbortSignal.timeout(timeoutMs));
          limitConnect(req.getAgent(), connectMs);
          return req;
        },
        post: async (res) => res,
      },
    ],
  });
  const user = kc.getCurrentUser();
  const secrets = [user?.token, user?.password].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const where = `context ${context} (${server})`;
  const words = { where, server, context, source, eks, forbiddenHint: opts.forbiddenHint, timeoutMs, connectMs, secrets, user: ctx.user };

  return {
    context,
    server,
    source,
    eks,
    core: new k8s.CoreV1Api(configuration),
    apps: new k8s.AppsV1Api(configuration),
    rbac: new k8s.RbacAuthorizationV1Api(configuration),
    mergePatch: k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    strategicMergePatch: k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    call: async <T>(op: KubeOp, fn: () => Promise<T>): Promise<T> => {
      try {
        // The request's own signal (above) ends the request; this also bounds what comes before it
        // (a credential plugin such as `aws eks get-token`, a DNS lookup).
        return await withDeadline(seconds, fn, () => Object.assign(new Error(`no answer within ${seconds}s`), { name: 'AbortError' }));
      } catch (e) {
        throw toKubeError(e, op, words);
      }
    },
  };
}

const CONNECT_LIMITED = Symbol('pipewright.connectTimeout');

/**
 * Give a plain http(s) Agent's new connections `ms` to open (TCP, then TLS), so an unreachable
 * server (a private EKS endpoint without the VPN) fails as such, sooner than the call's deadline.
 * Proxy agents are left alone: their connections are made their own way.
 */
function limitConnect(agent: unknown, ms: number): void {
  if (!(agent instanceof http.Agent) || (agent.constructor !== https.Agent && agent.constructor !== http.Agent)) return;
  const a = agent as http.Agent & { [CONNECT_LIMITED]?: true; createConnection: (...args: unknown[]) => Socket };
  if (a[CONNECT_LIMITED]) return;
  a[CONNECT_LIMITED] = true;
  const create = a.createConnection.bind(a);
  a.createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error(`connect timeout after ${ms} ms`), { code: 'PW_CONNECT_TIMEOUT' }));
    }, ms);
    socket.once(agent instanceof https.Agent ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}

interface Words {
  readonly where: string;
  readonly server: string;
  readonly context: string;
  readonly source: string;
  readonly eks: Kube['eks'];
  readonly forbiddenHint: string | undefined;
  readonly timeoutMs: number;
  readonly connectMs: number;
  readonly secrets: readonly string[];
  readonly user: string;
}

/** A Kubernetes Status object, as the API sends for errors. */
interface Status {
  readonly kind?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
}

function parseStatus(body: unknown): Status | null {
  let v = body;
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    try {
      v = JSON.parse(String(v));
    } catch {
      return null;
    }
  }
  return v && typeof v === 'object' && (v as Status).kind === 'Status' ? (v as Status) : null;
}

const describeOp = (op: KubeOp): string =>
  `${op.verb} ${op.resource}${op.name ? ` "${op.name}"` : ''}${op.namespace ? ` in namespace "${op.namespace}"` : ''}`;

/** Cut to one line of reasonable length, with every secret we know of blanked out. */
function clean(s: string, w: Words): string {
  let t = firstLine(s).replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***');
  for (const secret of w.secrets) t = t.split(secret).join('***');
  return t.length > 400 ? `${t.slice(0, 397)}...` : t;
}

function credentialsHint(w: Words): string {
  const refresh = w.eks
    ? `aws eks update-kubeconfig --name ${w.eks.name} --region ${w.eks.region}`
    : 'for EKS `aws eks update-kubeconfig --name <cluster> --region <region>`';
  return `check user "${w.user}" in ${w.source} (expired token or wrong AWS profile? ${refresh})`;
}

function toKubeError(e: unknown, op: KubeOp, w: Words): unknown {
  if (e instanceof KubeError) return e;
  // A bug of ours, not something the cluster said: let it show as one.
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError) return e;
  const err = e as { code?: unknown; body?: unknown; type?: string; name?: string; message?: string; errno?: unknown };
  if (typeof err.code === 'number') {
    const code = err.code;
    const status = parseStatus(err.body);
    const reason = status?.reason ?? null;
    const message = status?.message ? clean(status.message, w) : null;
    if (code === 401) {
      return new KubeError(`${w.where}: 401 Unauthorized: the API server did not accept the credentials; ${credentialsHint(w)}`, code, reason, true, false, op);
    }
    if (code === 403) {
      const who = message ? forbiddenText(message) : `not allowed to ${describeOp(op)}`;
      const hint = w.forbiddenHint ? `; ${w.forbiddenHint}` : '';
      return new KubeError(`${w.where}: forbidden: ${who}${hint}`, code, reason, false, false, op);
    }
    // The API server answers every 404 with a Status. A bare 404 (an HTML page, an empty body) is
    // some other server: never read as "does not exist", which would make us create, or report
    // "not deployed".
    if (code === 404 && !status) {
      return new KubeError(
        `${w.where}: ${describeOp(op)}: the server answered HTTP 404 without a Kubernetes Status: it is probably not a Kubernetes API server; check the server of context ${w.context} in ${w.source}`,
        null,
        null,
        false,
        false,
        op,
      );
    }
    if (code === 404) return new KubeError(`${w.where}: ${message ?? `${describeOp(op)}: not found`}`, code, reason ?? 'NotFound', false, false, op);
    return new KubeError(`${w.where}: ${describeOp(op)} failed: HTTP ${code}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`, code, reason, false, false, op);
  }
  const { text, credentials, noAnswer } = networkText(err, w);
  return new KubeError(`${w.where}: ${describeOp(op)}: ${text}`, null, null, credentials, noAnswer, op);
}

/** `User "x" cannot get resource "roles" in API group "rbac…" in the namespace "ns"` → a shorter sentence. */
function forbiddenText(message: string): string {
  const m = /(User|user) "([^"]*)"(?: \([^)]*\))? cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)")?/.exec(message);
  if (!m) return message;
  const [, , who, verb, resource, group, ns] = m;
  const what = group ? `${resource}.${group}` : resource;
  return `"${who}" may not ${verb} ${what}${ns ? ` in namespace "${ns}"` : ' (cluster-wide)'}`;
}

function networkText(
  err: { code?: unknown; type?: string; name?: string; message?: string; syscall?: string; path?: string },
  w: Words,
): { text: string; credentials: boolean; noAnswer: boolean } {
  const code = typeof err.code === 'string' ? err.code : '';
  const net = (text: string) => ({ text, credentials: false, noAnswer: false });
  const check = `is the cluster running, and does ${w.source} point at it?`;
  if (code === 'PW_CONNECT_TIMEOUT') {
    return net(`could not connect to ${w.server} within ${w.connectMs / 1000}s; ${check} (a VPN or a private EKS endpoint?)`);
  }
  if (err.name === 'AbortError' || err.type === 'aborted' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { ...net(`no answer from ${w.server} within ${w.timeoutMs / 1000}s (--timeout); ${check} (a VPN or a private EKS endpoint?)`), noAnswer: true };
  }
  if (err.name === 'FetchError' || err.type === 'system') {
    if (code === 'ECONNREFUSED') return net(`connection refused by ${w.server}; ${check}`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return net(`cannot resolve the host of ${w.server}; ${check}`);
    // The request was sent: a write may have taken effect before the connection closed.
    if (code === 'ECONNRESET' || code === 'EPIPE') return { ...net(`${w.server} closed the connection; ${check}`), noAnswer: true };
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) || /certificate/i.test(err.message ?? '')) {
      return net(`TLS failure talking to ${w.server} (${clean(err.message ?? code, w)}); check certificate-authority-data of the context's cluster in ${w.source}`);
    }
    return net(`request to ${w.server} failed: ${clean(err.message ?? code, w)}; ${check}`);
  }
  // Everything else fails before the request is sent: the credentials (an exec plugin such as
  // `aws eks get-token`, a client certificate file).
  if (code === 'ENOENT' && err.syscall?.startsWith('spawn')) {
    return { text: `the credential plugin "${err.path ?? '?'}" of user "${w.user}" in ${w.source} is not installed (for EKS: the AWS CLI, \`aws\`)`, credentials: true, noAnswer: false };
  }
  return { text: `could not get credentials: ${clean(err.message ?? String(err), w)}; ${credentialsHint(w)}`, credentials: true, noAnswer: false };
}
