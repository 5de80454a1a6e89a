// The strict Kubernetes validator of the tests (test/k8s-schema.ts) must fail where an API server
// with strict field validation fails, and pass the objects it accepts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yaml from 'js-yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel } from '../src/model/model.js';
import { renderJenkinsfile } from '../src/render/jenkins/pipeline.js';
import { loadTemplates } from '../src/config/templates.js';
import { K8sSchemaError, strictProblems, validateStrict } from './k8s-schema.js';

/** A valid Deployment; each call is a fresh copy to break. */
function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop-develop', labels: { 'app.kubernetes.io/name': 'web' }, annotations: { 'example.com/any key': 'x' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [
            {
              name: 'web',
              image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:' + 'ab'.repeat(32),
              ports: [{ name: 'http', containerPort: 8000 }],
              env: [{ name: 'GREETING', value: 'hello' }],
              resources: { requests: { cpu: 1, memory: '256Mi' }, limits: { memory: '1Gi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
              // K8s 1.29+: a sleep action without a shell in the image.
              lifecycle: { preStop: { sleep: { seconds: 5 } } },
            },
          ],
        },
      },
    },
  };
}

function rejects(o: unknown, problem: RegExp): void {
  const err = (() => {
    try {
      validateStrict(o);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.instance(err, K8sSchemaError, 'expected a K8sSchemaError');
  assert.match((err as Error).message, problem);
}

test('a valid Deployment passes (free-form labels, annotations and nodeSelector keys are no fields)', () => {
  validateStrict(deployment());
  assert.equal(strictProblems(deployment()), []);
});

test('the lenient kubernetes-models alone accepts the unknown field that the strict check rejects', () => {
  const d = deployment();
  d.spec.template.spec.containers[0].bogus = 1;
  new Deployment(d).validate(); // why this helper exists
  rejects(d, /^ {2}apps\/v1 Deployment shop-develop\/web: \.spec\.template\.spec\.containers\[0\]\.bogus: unknown field "bogus"$/m);
});

test('an unknown field deep inside arrays and maps is found', () => {
  const d = deployment();
  d.spec.template.spec.containers[0].env.push({ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k', optionl: true } } });
  d.spec.template.spec.containers[0].lifecycle.preStop.sleep.second = 5;
  assert.equal(strictProblems(d), [
    'apps/v1 Deployment shop-develop/web: .spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.optionl: unknown field "optionl"',
    'apps/v1 Deployment shop-develop/web: .spec.template.spec.containers[0].lifecycle.preStop.sleep.second: unknown field "second"',
  ]);
});

test('a misspelled top-level spec field is rejected', () => {
  const d = deployment();
  d.spec.replica = d.spec.replicas;
  delete d.spec.replicas;
  rejects(d, /\.spec\.replica: unknown field "replica"/);
  rejects({ ...deployment(), metdata: { name: 'x' } }, /: \.metdata: unknown field "metdata"/);
});

test('a wrong type, a missing required field and a bad enum are rejected', () => {
  const d = deployment();
  d.spec.replicas = 'three';
  rejects(d, /apps\/v1 Deployment shop-develop\/web: \.spec\.replicas: must be integer/);
  const noSelector = deployment();
  noSelector.spec.template.spec.containers[0].ports[0].containerPort = '8000';
  delete noSelector.spec.selector;
  rejects(noSelector, /\.spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: must be integer/);
  rejects(noSelector, /apps\/v1 Deployment shop-develop\/web: \.spec: must have required property selector$/m);
  const policy = deployment();
  policy.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
  rejects(policy, /\.imagePullPolicy: must be equal to one of the allowed values \("Always", "IfNotPresent", "Never"\)/);
});

test('an unknown kind or apiVersion has no schema, so it fails', () => {
  rejects({ apiVersion: 'apps/v1', kind: 'Ingress', metadata: { name: 'x' } }, /no Kubernetes schema for kind Ingress in apps\/v1/);
  rejects({ apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'x' } }, /no Kubernetes schema/);
  rejects({ kind: 'Deployment', metadata: { name: 'x' } }, /apiVersion and kind/);
});

test('every problem of every object comes in one error', () => {
  const a = deployment();
  a.spec.bogus = 1;
  const b = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { 'any.key': 'v' }, dat: {} };
  try {
    validateStrict([a, b]);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, K8sSchemaError);
    assert.equal((e as K8sSchemaError).problems, ['apps/v1 Deployment shop-develop/web: .spec.bogus: unknown field "bogus"', 'v1 ConfigMap cm: .dat: unknown field "dat"']);
  }
});

test('the kinds the generated objects use are all known, typos in each are caught', () => {
  const meta = { name: 'web', namespace: 'shop' };
  const valid: Record<string, any>[] = [
    deployment(),
    { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { ...meta, annotations: { 'alb.ingress.kubernetes.io/target-type': 'ip' } },
      spec: { ingressClassName: 'alb', rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }] },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta, automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { 'settings.yaml': 'a: 1\n', '.env': 'X=1' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'pipewright.dev/environment': 'develop' } } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'jenkins' }],
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
    { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'tools', image: 'python:3.12', command: ['sleep'], args: ['infinity'] }] } },
  ];
  validateStrict(valid);
  for (const o of valid) {
    const broken = JSON.parse(JSON.stringify(o));
    (broken.spec ?? broken.metadata).typo = true;
    assert.equal(strictProblems(broken).length, 1, `${o.kind}: ${strictProblems(broken).join('; ')}`);
    assert.match(strictProblems(broken)[0]!, new RegExp(`^${o.apiVersion.replace(/[./]/g, '\\$&')} ${o.kind} .*\\.typo: unknown field "typo"$`));
  }
});

test('the kaniko agent pods (build and deploy) of a generated Jenkinsfile pass', () => {
  const m = resolveModel(validateConfig({ app: 'shop', aws: { accountId: '123456789012', region: 'eu-west-1' }, build: { engine: 'kaniko' } }, 'k.yaml'), 'k.yaml');
  const jenkinsfile = renderJenkinsfile(m, loadTemplates({ groups: ['vars-templates'], configFile: 'k.yaml' })).contents;
  const quoted = [...jenkinsfile.matchAll(/kubernetes \{ namespace '[^']*'; yaml '((?:[^'\\]|\\.)*)'/g)].map((x) => x[1]!);
  assert.ok(quoted.length >= 2, 'a build pod and a deploy pod in the Jenkinsfile');
  for (const q of quoted) {
    // A Groovy single-quoted literal with these escapes reads as a JSON string once \' is a plain quote.
    const pod = yaml.load(JSON.parse(`"${q.replace(/\\'/g, "'").replace(/"/g, '\\"')}"`)) as { kind: string };
    assert.is(pod.kind, 'Pod');
    validateStrict(pod);
  }
});

test.run();
