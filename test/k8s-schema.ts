// Strict validation of Kubernetes objects for the tests: as strict as an API server with kubectl's
// default field validation (Strict), which kubernetes-models alone is not (it accepts unknown fields).
//
// Two real sources, both generated from the Kubernetes OpenAPI spec:
//  - kubernetes-models (devDependency): its compiled JSON-schema validators check types, required
//    fields, enums and formats (quantities, int-or-string…);
//  - @kubernetes/client-node (already a dependency; generated from the v1.34 spec): every model
//    class lists its fields in `attributeTypeMap`, which is what finds the unknown ones, at any
//    depth and in arrays. Free-form maps (labels, annotations, ConfigMap data, nodeSelector…) are
//    typed `{ [key: string]: … }` there, and raw JSON (RawExtension, fieldsV1) `any`, so their keys
//    are never taken for fields.
// Primitive types are left to kubernetes-models: the OpenAPI spec types a quantity as a string,
// yet the API server also accepts `cpu: 1`.
import { createRequire } from 'node:module';
import * as k8s from '@kubernetes/client-node';

/** The problems of one object, each `path: message`, e.g. `.spec.replicas: must be integer`. */
export class K8sSchemaError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Kubernetes objects fail strict validation:\n  ${problems.join('\n  ')}`);
    this.name = 'K8sSchemaError';
  }
}

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}
type ModelClass = { readonly attributeTypeMap?: readonly Attribute[] };
type KmModelClass = { readonly apiVersion: string; readonly kind: string; prototype: { validate(): void } };

const require = createRequire(import.meta.url);
const models = k8s as unknown as Record<string, ModelClass | undefined>;

/** `a.b[0]["app.kubernetes.io/name"]`: the JSON path of a field, as the API server words it. */
function pathOf(segments: readonly (string | number)[]): string {
  return segments
    .map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`))
    .join('');
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field names and types of a client-node model class, by JSON name. */
const fieldCache = new Map<string, Map<string, string>>();
function fieldsOf(type: string): Map<string, string> {
  let fields = fieldCache.get(type);
  if (!fields) {
    const attrs = models[type]?.attributeTypeMap;
    // An unknown type name would make every field below it pass: fail loudly instead.
    if (!Array.isArray(attrs)) throw new Error(`k8s-schema: no model ${type} in @kubernetes/client-node`);
    fields = new Map(attrs.map((a) => [a.baseName, a.type]));
    fieldCache.set(type, fields);
  }
  return fields;
}

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'Date', 'IntOrString', 'any']);

/** Pushes one problem per field that `type` does not declare, at any depth. */
function unknownFields(value: unknown, type: string, at: (string | number)[], out: string[]): void {
  if (value === null || value === undefined || PRIMITIVES.has(type)) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1]!, [...at, i], out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) unknownFields(v, map[1]!, [...at, k], out);
    return;
  }
  const fields = fieldsOf(type);
  if (!isPlainObject(value)) return; // a wrong type: kubernetes-models reports it
  for (const [k, v] of Object.entries(value)) {
    const t = fields.get(k);
    if (t === undefined) out.push(`${pathOf([...at, k])}: unknown field "${k}"`);
    else unknownFields(v, t, [...at, k], out);
  }
}

/** The client-node model of a kind: `AppsV1Deployment` if the group needs telling apart, else `V1Deployment`. */
function rootModel(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const v = cap(version!);
  return [`${cap(group!.split('.')[0]!)}${v}${kind}`, `${v}${kind}`].find((n) => Array.isArray(models[n]?.attributeTypeMap));
}

/** The kubernetes-models class of a kind (its module path is `<apiVersion>/<kind>`), if it has one. */
function kmModel(apiVersion: string, kind: string): KmModelClass | undefined {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  try {
    const m = (require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, KmModelClass | undefined>)[kind];
    return m && m.apiVersion === apiVersion && m.kind === kind ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Every problem of one object, each prefixed with `<apiVersion> <Kind> <namespace/name>`. */
export function strictProblems(object: unknown): string[] {
  if (!isPlainObject(object)) return [`not an object: ${JSON.stringify(object)}`];
  // What the API server receives: JSON, without undefined-valued keys or class instances.
  const o = JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
  const { apiVersion, kind } = o;
  const meta = isPlainObject(o.metadata) ? o.metadata : {};
  const name = typeof meta.name === 'string' ? (typeof meta.namespace === 'string' ? `${meta.namespace}/${meta.name}` : meta.name) : '(unnamed)';
  const who = `${String(apiVersion)} ${String(kind)} ${name}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [`${who}: apiVersion and kind must be strings`];
  const km = kmModel(apiVersion, kind);
  const root = rootModel(apiVersion, kind);
  if (!km || !root) return [`${who}: no Kubernetes schema for kind ${kind} in ${apiVersion}`];

  const out: string[] = [];
  try {
    km.prototype.validate.call(o);
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string; params?: { allowedValues?: unknown[] } }[] }).errors;
    if (!errors) throw e;
    for (const err of errors) {
      const at = err.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      const allowed = err.params?.allowedValues ? ` (${err.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
      out.push(`${pathOf(at.map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s))) || '(top level)'}: ${err.message ?? 'invalid'}${allowed}`);
    }
  }
  unknownFields(o, root, [], out);
  return [...new Set(out)].map((p) => `${who}: ${p}`);
}

/**
 * Throws a K8sSchemaError naming every problem of every object: schema errors (types, required
 * fields, enums) and fields that the Kubernetes schema of the kind does not have.
 */
export function validateStrict(objects: unknown | readonly unknown[]): void {
  const list = Array.isArray(objects) ? objects : [objects];
  const problems = list.flatMap(strictProblems);
  if (problems.length) throw new K8sSchemaError(problems);
}
