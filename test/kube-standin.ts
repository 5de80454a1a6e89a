/**
 * Kubernetes TEST STAND-IN. No Kubernetes API server can run on these machines, so the
 * @kubernetes/client-node code is tested against this small HTTPS server on 127.0.0.1: it speaks
 * exactly the API paths pipewright uses (namespaces, serviceaccounts, configmaps, roles,
 * rolebindings, deployments, replicasets), keeps objects in memory with realistic metadata (uid,
 * resourceVersion, creationTimestamp), answers errors with Status objects as the real API does
 * (NotFound 404, AlreadyExists 409, Forbidden 403, Unauthorized 401, Invalid 422 for a roleRef
 * change), and logs every request for assertions. Switches inject a 403 for a verb/resource and
 * a create race (the object appears between our GET 404 and our POST).
 *
 * PATCH takes a JSON merge patch or a strategic merge patch (lists of containers, env, ports,
 * volumes merge by their key, as the API server's schema says), honours a metadata.resourceVersion
 * precondition (409 Conflict), and bumps a Deployment's metadata.generation when its spec changes.
 * STAND-IN DEPLOYMENT CONTROLLER (`deploymentController`): off by default; when on, a change of a
 * Deployment's pod template makes (or, for a template seen before, re-numbers) the ReplicaSet of
 * that template with the next revision, as kube-controller-manager does, and either marks the
 * rollout complete in the Deployment's status or, 'stuck', leaves it never finishing.
 *
 * client-node 1.4 speaks plain http only with insecure-skip-tls-verify, so the stand-in serves
 * TLS with a self-signed certificate made by openssl at test time, and the kubeconfig carries it
 * as certificate-authority-data, as a real (EKS or kind) kubeconfig does.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

export interface StandinRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | null;
  readonly body: unknown;
  readonly status: number;
}

type Obj = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown }; [k: string]: unknown };

interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** The resources the stand-in serves, by plural name. */
const RESOURCES: Record<string, ResourceInfo> = {
  namespaces: { group: '', version: 'v1', kind: 'Namespace', namespaced: false },
  serviceaccounts: { group: '', version: 'v1', kind: 'ServiceAccount', namespaced: true },
  configmaps: { group: '', version: 'v1', kind: 'ConfigMap', namespaced: true },
  services: { group: '', version: 'v1', kind: 'Service', namespaced: true },
  deployments: { group: 'apps', version: 'v1', kind: 'Deployment', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespaced: true },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', namespaced: true },
  rolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', namespaced: true },
  ingresses: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', namespaced: true },
};

const resourceOfKind = (kind: string): string => {
  const r = Object.entries(RESOURCES).find(([, i]) => i.kind === kind);
  if (!r) throw new Error(`kube stand-in: no resource for kind ${kind}`);
  return r[0];
};

const apiVersionOf = (i: ResourceInfo) => (i.group ? `${i.group}/${i.version}` : i.version);
const qualified = (resource: string) => (RESOURCES[resource]!.group ? `${resource}.${RESOURCES[resource]!.group}` : resource);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The merge key of the lists a strategic merge patch merges (the rest are replaced), by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
};

/** A strategic merge patch, for the lists pipewright's objects have; no $patch directives. */
function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  const key = MERGE_KEYS[field];
  if (key && Array.isArray(patch) && Array.isArray(target)) {
    const out = target.map((x) => clone(x) as Record<string, unknown>);
    for (const item of patch as Record<string, unknown>[]) {
      const i = out.findIndex((x) => x[key] === item[key]);
      if (i === -1) out.push(item);
      else out[i] = strategicMerge(out[i], item) as Record<string, unknown>;
    }
    return out;
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v, k);
  }
  return out;
}

const REVISION = 'deployment.kubernetes.io/revision';

/** The controller's pod-template-hash: a hash of the template (without that label). */
function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
}

/** What the stand-in Deployment controller does with a changed template: off, roll it out, or never finish. */
export type ControllerMode = 'off' | 'rollout' | 'stuck';

/** One revision of `deployHistory`: its app image and pod-template annotations, created `ago` ms ago. */
export interface RevisionFixture {
  readonly image: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ago?: number;
}

export interface ForbidRule {
  readonly verb: string;
  /** Plural resource, e.g. "roles". */
  readonly resource: string;
  readonly namespace?: string;
}

/** What `deployApp` puts in place. */
export interface DeployFixture {
  readonly image: string;
  readonly replicas: number;
  readonly ready: number;
  readonly revision: number;
  readonly rolledOutAgo: number;
}

export class KubeStandin {
  readonly log: StandinRequest[] = [];
  /** The bearer token the stand-in accepts. */
  readonly token = `standin-token-${randomUUID()}`;
  /** Who the token belongs to, as named in Forbidden messages. */
  readonly user = 'jane@example.com';
  private readonly store = new Map<string, Obj>();
  private readonly forbidden: ForbidRule[] = [];
  private readonly held: ForbidRule[] = [];
  private races: { key: string; object: Obj }[] = [];
  private controller: ControllerMode = 'off';
  private server: https.Server | null = null;
  private revision = 1000;
  private cert = '';
  url = '';

  /** Start on 127.0.0.1 on a free port; the certificate goes to `dir`. */
  async start(dir: string): Promise<void> {
    const key = path.join(dir, 'standin-key.pem');
    const cert = path.join(dir, 'standin-cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=kube-standin', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    this.cert = readFileSync(cert, 'utf8');
    this.server = https.createServer({ key: readFileSync(key), cert: this.cert }, (req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('kube stand-in: no port');
    this.url = `https://127.0.0.1:${addr.port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** A kubeconfig for this stand-in; more contexts (pointing here too) may be named. */
  kubeconfig(file: string, opts: { context?: string; token?: string; server?: string; extraContexts?: readonly string[] } = {}): string {
    const context = opts.context ?? 'standin';
    const contexts = [context, ...(opts.extraContexts ?? [])];
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: standin',
      '    cluster:',
      `      server: ${opts.server ?? this.url}`,
      `      certificate-authority-data: ${Buffer.from(this.cert).toString('base64')}`,
      'users:',
      '  - name: standin-user',
      '    user:',
      `      token: ${opts.token ?? this.token}`,
      'contexts:',
      ...contexts.flatMap((c) => [`  - name: ${JSON.stringify(c)}`, '    context:', '      cluster: standin', '      user: standin-user']),
      `current-context: ${JSON.stringify(context)}`,
      '',
    ].join('\n');
    writeFileSync(file, text);
    return file;
  }

  /** Refuse `verb` on `resource` (in `namespace`, or anywhere) with a 403 from now on. */
  forbid(rule: ForbidRule): void {
    this.forbidden.push(rule);
  }

  /** Never answer `verb` on `resource` (in `namespace`, or anywhere) from now on: the request is logged and not applied. */
  hold(rule: ForbidRule): void {
    this.held.push(rule);
  }

  /** When a create of this object arrives, another client "wins": `object` is stored first and the create gets 409. Once. */
  raceOnCreate(object: Obj & { kind: string }): void {
    this.races.push({ key: this.keyOf(resourceOfKind(object.kind), object.metadata.namespace ?? '', object.metadata.name), object });
  }

  /** Put an object straight into the store (fixtures, drift). Returns it as stored. */
  put(object: Obj & { kind: string }): Obj {
    const resource = resourceOfKind(object.kind);
    const o = this.stamp(resource, clone(object), object.metadata.namespace ?? '');
    this.store.set(this.keyOf(resource, o.metadata.namespace ?? '', o.metadata.name), o);
    return clone(o);
  }

  /**
   * The Deployment `app` in `ns` with its namespace and ReplicaSets, as the controller leaves them
   * after `revision` rollouts: the current one `rolledOutAgo` ms ago, older ones 30 days ago.
   */
  deployApp(app: string, ns: string, opts: DeployFixture): void {
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
    this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const selector = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/component': 'web' };
    const d = this.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, namespace: ns, annotations: { 'deployment.kubernetes.io/revision': String(opts.revision) }, generation: opts.revision },
      spec: {
        replicas: opts.replicas,
        selector: { matchLabels: selector },
        template: { metadata: { labels: selector }, spec: { containers: [{ name: 'app', image: opts.image }] } },
      },
      status: { observedGeneration: opts.revision, replicas: opts.replicas, readyReplicas: opts.ready, updatedReplicas: opts.ready, availableReplicas: opts.ready },
    });
    for (let rev = 1; rev <= opts.revision; rev++) {
      this.put({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${app}-${rev}a2b3c4`,
          namespace: ns,
          labels: { ...selector, 'pod-template-hash': `${rev}a2b3c4` },
          annotations: { 'deployment.kubernetes.io/revision': String(rev) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: app, uid: d.metadata.uid, controller: true }],
          creationTimestamp: ago(rev === opts.revision ? opts.rolledOutAgo : 30 * 86400e3),
        },
        spec: { replicas: rev === opts.revision ? opts.replicas : 0 },
      });
    }
  }

  /**
   * STAND-IN DEPLOYMENT CONTROLLER from now on (reset turns it off): 'rollout' turns a template
   * change into a new (or re-numbered) ReplicaSet and a finished rollout; 'stuck' does the same,
   * but the new pod never becomes available, so the rollout never finishes.
   */
  deploymentController(mode: ControllerMode): void {
    this.controller = mode;
  }

  /**
   * The Deployment `app` in `ns` after one rollout per entry of `revisions` (oldest first, the last
   * current), each with its ReplicaSet carrying that pod template, as the controller leaves them.
   * The app container has a port and requests, and a `log-router` sidecar runs beside it, so a
   * patch that drops either is seen.
   */
  deployHistory(app: string, ns: string, revisions: readonly RevisionFixture[], opts: { replicas?: number; revisionHistoryLimit?: number } = {}): void {
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const replicas = opts.replicas ?? 2;
    const selector = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/component': 'web' };
    const templateOf = (r: RevisionFixture) => ({
      metadata: { labels: selector, ...(r.annotations && { annotations: { ...r.annotations } }) },
      spec: {
        containers: [
          { name: 'app', image: r.image, ports: [{ containerPort: 8000 }], resources: { requests: { cpu: '250m', memory: '768Mi' } } },
          { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0' },
        ],
      },
    });
    const n = revisions.length;
    this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const d = this.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, namespace: ns, annotations: { [REVISION]: String(n) }, generation: n },
      spec: { replicas, revisionHistoryLimit: opts.revisionHistoryLimit ?? 10, selector: { matchLabels: selector }, template: templateOf(revisions[n - 1]!) },
      status: { observedGeneration: n, replicas, readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas },
    });
    revisions.forEach((r, i) => {
      const template = templateOf(r);
      const hash = templateHash(template);
      this.put({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${app}-${hash}`,
          namespace: ns,
          labels: { ...selector, 'pod-template-hash': hash },
          annotations: { [REVISION]: String(i + 1) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: app, uid: d.metadata.uid, controller: true }],
          creationTimestamp: ago(r.ago ?? (n - i) * 86400e3),
        },
        spec: { replicas: i === n - 1 ? replicas : 0, template: { ...template, metadata: { ...template.metadata, labels: { ...selector, 'pod-template-hash': hash } } } },
      });
    });
  }

  /** STAND-IN DEPLOYMENT CONTROLLER: act on a Deployment whose template changed. */
  private reconcile(d: Obj, namespace: string): void {
    const spec = d.spec as { replicas?: number; template: { metadata?: { labels?: Record<string, string> } } };
    const replicas = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    const owned = this.all('ReplicaSet').filter((rs) => rs.metadata.namespace === namespace && (rs.metadata.ownerReferences as { uid: string }[] | undefined)?.some((o) => o.uid === d.metadata.uid));
    const next = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0))) + 1;
    const labels = { ...spec.template.metadata?.labels, 'pod-template-hash': hash };
    const same = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    for (const rs of owned) if (rs !== same) this.put({ ...rs, kind: 'ReplicaSet', spec: { ...(rs.spec as object), replicas: 0 } });
    if (same) {
      // A template seen before: its ReplicaSet is re-numbered, the old number kept in revision-history.
      const was = same.metadata.annotations?.[REVISION] ?? '';
      const history = [same.metadata.annotations?.['deployment.kubernetes.io/revision-history'], was].filter(Boolean).join(',');
      this.put({ ...same, kind: 'ReplicaSet', metadata: { ...same.metadata, annotations: { ...same.metadata.annotations, [REVISION]: String(next), 'deployment.kubernetes.io/revision-history': history } }, spec: { ...(same.spec as object), replicas } });
    } else {
      this.put({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace,
          labels,
          annotations: { [REVISION]: String(next) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true }],
        },
        spec: { replicas, template: { ...clone(spec.template), metadata: { ...spec.template.metadata, labels } } },
      });
    }
    d.metadata.annotations = { ...d.metadata.annotations, [REVISION]: String(next) };
    const generation = d.metadata.generation as number;
    d.status =
      this.controller === 'rollout'
        ? { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] }
        : { observedGeneration: generation, replicas: replicas + 1, updatedReplicas: 1, readyReplicas: replicas, availableReplicas: replicas, unavailableReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] };
  }

  /** The stored object, or undefined. */
  get(kind: string, name: string, namespace = ''): Obj | undefined {
    const o = this.store.get(this.keyOf(resourceOfKind(kind), namespace, name));
    return o && clone(o);
  }

  /** Every stored object of a kind. */
  all(kind: string): Obj[] {
    const resource = resourceOfKind(kind);
    return [...this.store.entries()].filter(([k]) => k.startsWith(`${resource}/`)).map(([, o]) => clone(o));
  }

  /** Requests that could change something. */
  writes(): StandinRequest[] {
    return this.log.filter((r) => r.method !== 'GET');
  }

  reset(): void {
    this.store.clear();
    this.log.length = 0;
    this.forbidden.length = 0;
    this.held.length = 0;
    this.races = [];
    this.controller = 'off';
  }

  private keyOf(resource: string, namespace: string, name: string): string {
    return `${resource}/${RESOURCES[resource]!.namespaced ? namespace : ''}/${name}`;
  }

  private stamp(resource: string, o: Obj, namespace: string): Obj {
    const info = RESOURCES[resource]!;
    o.apiVersion = apiVersionOf(info);
    o.kind = info.kind;
    o.metadata = {
      ...o.metadata,
      ...(info.namespaced && { namespace }),
      uid: o.metadata.uid ?? randomUUID(),
      resourceVersion: String(++this.revision),
      creationTimestamp: o.metadata.creationTimestamp ?? now(),
    };
    if (info.kind === 'Namespace') {
      // The API server labels every namespace with its name.
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
      o.spec = { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
    }
    return o;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://standin');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const contentType = req.headers['content-type'] ?? null;
      if (this.isHeld(req.method ?? 'GET', url)) {
        this.log.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body, status: 0 });
        return; // held: no answer, nothing applied
      }
      const [status, payload] = this.route(req.method ?? 'GET', url, req.headers.authorization, contentType, body);
      this.log.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    });
  }

  /** Whether a request matches a hold rule (status 0 in the log). */
  private isHeld(method: string, url: URL): boolean {
    if (this.held.length === 0) return false;
    const rest = url.pathname.split('/').filter(Boolean).slice(url.pathname.startsWith('/apis/') ? 3 : 2);
    const [namespace, resource, name] = rest[0] === 'namespaces' && rest.length >= 3 ? [rest[1]!, rest[2]!, rest[3]] : ['', rest[0] ?? '', rest[1]];
    const verb = { GET: name ? 'get' : 'list', POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase();
    const ns = resource === 'namespaces' ? (name ?? '') : namespace;
    return this.held.some((h) => h.verb === verb && h.resource === resource && (h.namespace === undefined || h.namespace === ns));
  }

  private statusObject(code: number, reason: string, message: string, details?: Record<string, unknown>): [number, unknown] {
    return [code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details && { details }), code }];
  }

  private route(method: string, url: URL, auth: string | undefined, contentType: string | null, body: unknown): [number, unknown] {
    if (auth !== `Bearer ${this.token}`) return this.statusObject(401, 'Unauthorized', 'Unauthorized');
    const parts = url.pathname.split('/').filter(Boolean);
    let group: string;
    let rest: string[];
    if (parts[0] === 'api' && parts[1] === 'v1') {
      group = '';
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1]!;
      rest = parts.slice(3);
    } else return this.statusObject(404, 'NotFound', 'the server could not find the requested resource');

    let namespace = '';
    let resource: string;
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]!;
      [resource, name] = [rest[2]!, rest[3]];
    } else {
      [resource, name] = [rest[0] ?? '', rest[1]];
    }
    const info = RESOURCES[resource];
    if (!info || info.group !== group || (info.namespaced && !namespace)) {
      return this.statusObject(404, 'NotFound', 'the server could not find the requested resource');
    }
    // The API authorises a request on namespace N as if it were in N.
    const authzNamespace = resource === 'namespaces' ? (name ?? '') : namespace;
    const verb = { GET: name ? 'get' : 'list', POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase();
    const objectName = name ?? (body as Obj | undefined)?.metadata?.name;
    if (this.forbidden.some((f) => f.verb === verb && f.resource === resource && (f.namespace === undefined || f.namespace === authzNamespace))) {
      const target = verb === 'create' || verb === 'list' ? qualified(resource) : `${qualified(resource)} "${name}"`;
      return this.statusObject(
        403,
        'Forbidden',
        `${target} is forbidden: User "${this.user}" cannot ${verb} resource "${resource}" in API group "${group}"${authzNamespace ? ` in the namespace "${authzNamespace}"` : ' at the cluster scope'}`,
        { ...(objectName && { name: objectName }), group, kind: resource },
      );
    }
    const notFound = (n: string, r = resource) => this.statusObject(404, 'NotFound', `${qualified(r)} "${n}" not found`, { name: n, group: RESOURCES[r]!.group, kind: r });

    if (method === 'GET' && name) {
      const o = this.store.get(this.keyOf(resource, namespace, name));
      return o ? [200, o] : notFound(name);
    }
    if (method === 'GET') {
      const selector = (url.searchParams.get('labelSelector') ?? '')
        .split(',')
        .filter(Boolean)
        .map((s) => s.split('=') as [string, string]);
      const items = [...this.store.entries()]
        .filter(([k]) => k.startsWith(`${resource}/${info.namespaced ? namespace : ''}/`))
        .map(([, o]) => o)
        .filter((o) => selector.every(([k, v]) => o.metadata.labels?.[k] === v))
        .map(({ apiVersion: _a, kind: _k, ...o }) => o);
      return [200, { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(this.revision) }, items }];
    }
    if (method === 'POST') {
      const o = body as Obj;
      if (!o?.metadata?.name) return this.statusObject(422, 'Invalid', `${info.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
      if (info.namespaced && !this.store.has(this.keyOf('namespaces', '', namespace))) return notFound(namespace, 'namespaces');
      const key = this.keyOf(resource, namespace, o.metadata.name);
      const race = this.races.find((r) => r.key === key);
      if (race) {
        this.races = this.races.filter((r) => r !== race);
        this.store.set(key, this.stamp(resource, clone(race.object), namespace));
      }
      if (this.store.has(key)) {
        return this.statusObject(409, 'AlreadyExists', `${qualified(resource)} "${o.metadata.name}" already exists`, { name: o.metadata.name, group, kind: resource });
      }
      const created = this.stamp(resource, clone(o), namespace);
      this.store.set(key, created);
      return [201, created];
    }
    if (!name) return this.statusObject(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const key = this.keyOf(resource, namespace, name);
    const live = this.store.get(key);
    if (!live) return notFound(name);
    if (method === 'PATCH') {
      if (contentType !== 'application/merge-patch+json' && contentType !== 'application/strategic-merge-patch+json') {
        return this.statusObject(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`);
      }
      const precondition = (body as Obj | undefined)?.metadata?.resourceVersion;
      if (precondition !== undefined && precondition !== live.metadata.resourceVersion) {
        return this.statusObject(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group, kind: resource });
      }
      const next = (contentType === 'application/strategic-merge-patch+json' ? strategicMerge(clone(live), body) : mergePatch(clone(live), body)) as Obj;
      if (resource === 'rolebindings' && JSON.stringify(next.roleRef) !== JSON.stringify(live.roleRef)) {
        return this.statusObject(422, 'Invalid', `RoleBinding.rbac.authorization.k8s.io "${name}" is invalid: roleRef: Invalid value: ${JSON.stringify(next.roleRef)}: cannot change roleRef`);
      }
      next.metadata = { ...next.metadata, name, uid: live.metadata.uid, creationTimestamp: live.metadata.creationTimestamp };
      const templateChanged = resource === 'deployments' && JSON.stringify((next.spec as { template?: unknown })?.template) !== JSON.stringify((live.spec as { template?: unknown })?.template);
      if (resource === 'deployments' && JSON.stringify(next.spec) !== JSON.stringify(live.spec)) {
        // The API server counts spec changes in metadata.generation.
        next.metadata.generation = ((live.metadata.generation as number | undefined) ?? 1) + 1;
      }
      const stored = this.stamp(resource, next, namespace);
      this.store.set(key, stored);
      const answer = clone(stored);
      // The controller acts after the API server has answered: the answer is the object as patched.
      if (templateChanged && this.controller !== 'off') {
        this.reconcile(stored, namespace);
        this.store.set(key, this.stamp(resource, stored, namespace));
      }
      return [200, answer];
    }
    if (method === 'DELETE') {
      this.store.delete(key);
      return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group, kind: resource, uid: live.metadata.uid } }];
    }
    return this.statusObject(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
}

/**
 * One kubeconfig at `file` with a context per stand-in, as `aws eks update-kubeconfig` leaves one
 * per EKS cluster: each stand-in under its own cluster and user name (standin-0, standin-1, …).
 */
export function mergedKubeconfig(file: string, parts: readonly { readonly standin: KubeStandin; readonly context: string }[]): string {
  type Named = { name: string; [k: string]: unknown };
  const merged = { apiVersion: 'v1', kind: 'Config', clusters: [] as Named[], users: [] as Named[], contexts: [] as Named[], 'current-context': parts[0]!.context };
  parts.forEach(({ standin, context }, i) => {
    const one = yaml.load(readFileSync(standin.kubeconfig(`${file}.${i}`, { context }), 'utf8')) as { clusters: Named[]; users: Named[]; contexts: Named[] };
    merged.clusters.push({ ...one.clusters[0]!, name: `standin-${i}` });
    merged.users.push({ ...one.users[0]!, name: `standin-${i}-user` });
    merged.contexts.push({ name: context, context: { cluster: `standin-${i}`, user: `standin-${i}-user` } });
  });
  writeFileSync(file, yaml.dump(merged));
  return file;
}
