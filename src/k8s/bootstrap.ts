/**
 * Bring a cluster in line with bootstrapObjects: read each object; create the missing; patch the
 * fields pipewright manages (its labels and annotations, a Role's rules, a RoleBinding's subjects,
 * a ConfigMap's keys) when they differ; delete and re-create a RoleBinding whose roleRef
 * (immutable) differs. A create that loses a race (409 AlreadyExists) re-reads and converges.
 * With dryRun, only reads.
 */
import { ChangeLog } from '../core/errors.js';
import { KubeError, type Kube, type KubeOp } from './client.js';
import type { DesiredObject, K8sObject, PolicyRule, RoleRef, Subject } from '../render/kubernetes/bootstrap-objects.js';

export type ChangeAction = 'create' | 'update' | 'replace' | 'unchanged';

export interface Change {
  readonly action: ChangeAction;
  readonly kind: K8sObject['kind'];
  readonly namespace: string | null;
  readonly name: string;
  /** What differs, for update and replace: "label pipewright.dev/environment", "annotation …", "rules", "subjects", "roleRef", "data output.conf". */
  readonly differences: readonly string[];
  /** The object as created, or the merge patch sent (JSON only). */
  readonly body?: unknown;
}

/** The fields pipewright manages, as read from the cluster. */
interface Live {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly data?: Readonly<Record<string, string>>;
  readonly rules?: readonly PolicyRule[];
  readonly subjects?: readonly Subject[];
  readonly roleRef?: RoleRef;
}

interface Adapter {
  readonly resource: string;
  read(kube: Kube, name: string, namespace: string): Promise<Live>;
  create(kube: Kube, body: K8sObject, namespace: string): Promise<unknown>;
  patch(kube: Kube, name: string, namespace: string, patch: object): Promise<unknown>;
  remove(kube: Kube, name: string, namespace: string): Promise<unknown>;
}

const labelsOf = (o: { metadata?: { labels?: Record<string, string> } }): Record<string, string> => o.metadata?.labels ?? {};
const annotationsOf = (o: { metadata?: { annotations?: Record<string, string> } }): Record<string, string> => o.metadata?.annotations ?? {};

const ADAPTERS: Record<K8sObject['kind'], Adapter> = {
  Namespace: {
    resource: 'namespaces',
    read: async (k, name) => ({ labels: labelsOf(await k.core.readNamespace({ name })) }),
    create: (k, body) => k.core.createNamespace({ body: body as never }),
    patch: (k, name, _ns, body) => k.core.patchNamespace({ name, body }, k.mergePatch),
    remove: (k, name) => k.core.deleteNamespace({ name }),
  },
  ServiceAccount: {
    resource: 'serviceaccounts',
    read: async (k, name, namespace) => {
      const sa = await k.core.readNamespacedServiceAccount({ name, namespace });
      return { labels: labelsOf(sa), annotations: annotationsOf(sa) };
    },
    create: (k, body, namespace) => k.core.createNamespacedServiceAccount({ namespace, body: body as never }),
    patch: (k, name, namespace, body) => k.core.patchNamespacedServiceAccount({ name, namespace, body }, k.mergePatch),
    remove: (k, name, namespace) => k.core.deleteNamespacedServiceAccount({ name, namespace }),
  },
  ConfigMap: {
    resource: 'configmaps',
    read: async (k, name, namespace) => {
      const c = await k.core.readNamespacedConfigMap({ name, namespace });
      return { labels: labelsOf(c), data: c.data ?? {} };
    },
    create: (k, body, namespace) => k.core.createNamespacedConfigMap({ namespace, body: body as never }),
    patch: (k, name, namespace, body) => k.core.patchNamespacedConfigMap({ name, namespace, body }, k.mergePatch),
    remove: (k, name, namespace) => k.core.deleteNamespacedConfigMap({ name, namespace }),
  },
  Role: {
    resource: 'roles.rbac.authorization.k8s.io',
    read: async (k, name, namespace) => {
      const r = await k.rbac.readNamespacedRole({ name, namespace });
      return { labels: labelsOf(r), rules: (r.rules ?? []) as PolicyRule[] };
    },
    create: (k, body, namespace) => k.rbac.createNamespacedRole({ namespace, body: body as never }),
    patch: (k, name, namespace, body) => k.rbac.patchNamespacedRole({ name, namespace, body }, k.mergePatch),
    remove: (k, name, namespace) => k.rbac.deleteNamespacedRole({ name, namespace }),
  },
  RoleBinding: {
    resource: 'rolebindings.rbac.authorization.k8s.io',
    read: async (k, name, namespace) => {
      const b = await k.rbac.readNamespacedRoleBinding({ name, namespace });
      return { labels: labelsOf(b), subjects: (b.subjects ?? []) as Subject[], roleRef: b.roleRef as RoleRef };
    },
    create: (k, body, namespace) => k.rbac.createNamespacedRoleBinding({ namespace, body: body as never }),
    patch: (k, name, namespace, body) => k.rbac.patchNamespacedRoleBinding({ name, namespace, body }, k.mergePatch),
    remove: (k, name, namespace) => k.rbac.deleteNamespacedRoleBinding({ name, namespace }),
  },
};

/** Rules and subjects in one spelling, whatever the server omitted (empty lists, apiGroup ""). */
const normRules = (rules: readonly PolicyRule[] = []) =>
  JSON.stringify(
    rules.map((r) => ({
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      resourceNames: r.resourceNames ?? [],
      verbs: r.verbs ?? [],
      nonResourceURLs: (r as { nonResourceURLs?: string[] }).nonResourceURLs ?? [],
    })),
  );
const normSubjects = (subjects: readonly Subject[] = []) =>
  JSON.stringify(subjects.map((s) => ({ kind: s.kind, apiGroup: s.apiGroup ?? (s.kind === 'ServiceAccount' ? '' : 'rbac.authorization.k8s.io'), name: s.name, namespace: s.namespace ?? '' })));
const normRoleRef = (r: RoleRef | undefined) => JSON.stringify(r ? { apiGroup: r.apiGroup, kind: r.kind, name: r.name } : null);

/** What differs between the live object and the wanted one, and the merge patch that fixes it. */
export function compare(want: DesiredObject, live: Live): { differences: string[]; patch: Record<string, unknown> | null; replace: boolean } {
  if (want.mode === 'create-only') return { differences: [], patch: null, replace: false };
  const o = want.object;
  const differences: string[] = [];
  const labelPatch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(want.labels)) {
    const have = live.labels[key] ?? null;
    if (have !== value) {
      differences.push(`label ${key}`);
      labelPatch[key] = value;
    }
  }
  const annotationPatch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(want.annotations ?? {})) {
    const have = live.annotations?.[key] ?? null;
    if (have !== value) {
      differences.push(`annotation ${key}`);
      annotationPatch[key] = value;
    }
  }
  const patch: Record<string, unknown> = {};
  const metadata = {
    ...(Object.keys(labelPatch).length && { labels: labelPatch }),
    ...(Object.keys(annotationPatch).length && { annotations: annotationPatch }),
  };
  if (Object.keys(metadata).length) patch.metadata = metadata;
  // A ConfigMap's own keys are converged one by one; keys someone else added stay.
  const dataPatch: Record<string, string> = {};
  for (const [key, value] of Object.entries(o.data ?? {})) {
    if (live.data?.[key] !== value) {
      differences.push(`data ${key}`);
      dataPatch[key] = value;
    }
  }
  if (Object.keys(dataPatch).length) patch.data = dataPatch;
  if (o.rules && normRules(o.rules) !== normRules(live.rules)) {
    differences.push('rules');
    patch.rules = o.rules;
  }
  if (o.subjects && normSubjects(o.subjects) !== normSubjects(live.subjects)) {
    differences.push('subjects');
    patch.subjects = o.subjects;
  }
  const replace = o.roleRef !== undefined && normRoleRef(o.roleRef) !== normRoleRef(live.roleRef);
  if (replace) differences.push('roleRef');
  return { differences, patch: Object.keys(patch).length ? patch : null, replace };
}

const isStatus = (e: unknown, status: number): boolean => e instanceof KubeError && e.status === status;

/** How progress reports name an object: "Role shop-green/deployer". */
export const objectLabel = (o: K8sObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Converge one object; every write goes through `log`. */
async function converge(kube: Kube, want: DesiredObject, dryRun: boolean, log: ChangeLog): Promise<Change> {
  const o = want.object;
  const label = objectLabel(o);
  const a = ADAPTERS[o.kind];
  const name = o.metadata.name;
  const ns = o.metadata.namespace ?? '';
  const op = (verb: KubeOp['verb']): KubeOp => ({ verb, resource: a.resource, name, ...(o.metadata.namespace && { namespace: ns }) });
  const base = { kind: o.kind, namespace: o.metadata.namespace ?? null, name };
  const read = async (): Promise<Live | null> => {
    try {
      return await kube.call(op('get'), () => a.read(kube, name, ns));
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  };

  let live = await read();
  if (!live) {
    if (dryRun) return { ...base, action: 'create', differences: [], body: o };
    try {
      await log.change(`created ${label}`, () => kube.call(op('create'), () => a.create(kube, o, ns)), checkItem(o));
      return { ...base, action: 'create', differences: [], body: o };
    } catch (e) {
      if (!isStatus(e, 409)) throw e;
      // Someone created it between our read and our create: converge what they made.
      live = await read();
      if (!live) throw e;
    }
  }

  const { differences, patch, replace } = compare(want, live);
  if (replace) {
    if (!dryRun) {
      await log.change(`deleted ${label} (to re-create it: ${differences.join(', ')} cannot change)`, () => kube.call(op('delete'), () => a.remove(kube, name, ns)), checkItem(o));
      await log.change(`re-created ${label}`, () => kube.call(op('create'), () => a.create(kube, o, ns)), checkItem(o));
    }
    return { ...base, action: 'replace', differences, body: o };
  }
  if (patch) {
    if (!dryRun) await log.change(`updated ${label} (${differences.join(', ')})`, () => kube.call(op('patch'), () => a.patch(kube, name, ns, patch)), checkItem(o));
    return { ...base, action: 'update', differences, body: patch };
  }
  return { ...base, action: 'unchanged', differences: [] };
}

/** The item a progress log plans for an object. */
export const checkItem = (o: K8sObject): string => `check ${objectLabel(o)}`;

/**
 * Converge every object, in order (namespaces before what lives in them). With `log` (whose plan
 * should hold checkItem of each object), a failure part-way can say what was changed.
 */
export async function applyBootstrap(
  kube: Kube,
  objects: readonly DesiredObject[],
  opts: { readonly dryRun: boolean; readonly log?: ChangeLog },
): Promise<Change[]> {
  const log = opts.log ?? new ChangeLog();
  const changes: Change[] = [];
  for (const want of objects) {
    changes.push(await converge(kube, want, opts.dryRun, log));
    log.reach(checkItem(want.object));
  }
  return changes;
}

/** The changes when the cluster cannot be read (a dry run without kubeconfig or credentials): every object would be created. */
export function assumeAbsent(objects: readonly DesiredObject[]): Change[] {
  return objects.map(({ object: o }) => ({ action: 'create', kind: o.kind, namespace: o.metadata.namespace ?? null, name: o.metadata.name, differences: [], body: o }));
}
