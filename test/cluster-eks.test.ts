// `pipewright cluster bootstrap` on an EKS cluster, as the real CLI: the Kubernetes side against
// the Kubernetes TEST STAND-IN (test/kube-standin.ts, reached through a context named by the
// cluster's EKS ARN, as `aws eks update-kubeconfig` names it), the EKS side against a real moto
// server's EKS API (clusters made there first). Plus the pure Fargate logging renderer, and the
// runs with no kubeconfig and no AWS credentials at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import yaml from 'js-yaml';
import { CreateClusterCommand, CreateFargateProfileCommand, DescribeFargateProfileCommand, EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';
import { LOGGING_MAX_CHARS, fluentBitText, loggingData, loggingSize } from '../src/render/kubernetes/aws-logging.js';
import { bootstrapObjects } from '../src/render/kubernetes/bootstrap-objects.js';
import { openEks } from '../src/aws/eks.js';
import { AwsError } from '../src/aws/errors.js';
import { engineAvailable, runCliAsync, tempDir, EngineSuite } from './helpers.js';
import { KubeStandin } from './kube-standin.js';
import { awsTestEnv, startMoto, type Moto, forwardTo, readAll, eksAppConfig, DEPLOYER_ROLE as ROLE, MOTO_ACCOUNT as ACCOUNT, MOTO_KEY as KEY, MOTO_REGION as REGION, POD_ROLE } from './moto.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const hasMoto = engineAvailable('python3', ['-c', 'import moto']);
const hasOpenssl = engineAvailable('openssl', ['version']);

const config = (cluster: string, opts: { podRole?: boolean; extra?: string } = {}) => eksAppConfig(cluster, opts);

const work = tempDir('pipewright-cluster-eks-');
const HOME = path.join(work.dir, 'home');
mkdirSync(HOME);
const standin = new KubeStandin();
let moto: Moto | undefined;
const motoSuite = new EngineSuite(hasMoto);

test.before(async () => {
  await motoSuite.setUp(async () => {
    moto = await startMoto();
  });
  if (hasOpenssl) await standin.start(work.dir);
});

test.after(async () => {
  await moto?.stop();
  await standin.close();
  work.cleanup();
});

/** Whether the test can run: false without moto or openssl (outside CI); throws when moto would not start. */
function ready(): boolean {
  return motoSuite.ready() && hasOpenssl;
}

const eks = (endpoint = moto!.endpoint) => new EKSClient({ region: REGION, endpoint, credentials: KEY });

/** A cluster in moto, as `aws eks create-cluster` makes it. */
async function makeCluster(name: string): Promise<void> {
  await eks().send(
    new CreateClusterCommand({ name, roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ['subnet-0123456789abcdef0'] } }),
  );
}

async function profile(cluster: string, name: string) {
  return (await eks().send(new DescribeFargateProfileCommand({ clusterName: cluster, fargateProfileName: name }))).fargateProfile!;
}

let projects = 0;
/** A project directory with this config, and a kubeconfig whose context is the EKS ARN of `cluster` (pointing at the stand-in). */
function project(text: string, cluster: string): { dir: string; kubeconfig: string } {
  const dir = path.join(work.dir, `p${++projects}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'pipewright.yaml'), text);
  const kubeconfig = standin.kubeconfig(path.join(dir, 'kubeconfig'), { context: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${cluster}` });
  return { dir, kubeconfig };
}

/** The CLI with fake AWS keys and nothing of this machine's AWS or kube setup. */
function bootstrap(p: { dir: string; kubeconfig: string }, args: string[] = [], opts: { endpoint?: string; env?: NodeJS.ProcessEnv } = {}) {
  return runCliAsync(['cluster', 'bootstrap', '--kubeconfig', p.kubeconfig, '--endpoint-url', opts.endpoint ?? moto!.endpoint, ...args], {
    cwd: p.dir,
    env: { ...awsTestEnv(HOME), KUBECONFIG: undefined, ...opts.env },
  });
}

/** An environment with no AWS credentials of any kind and no kubeconfig: every AWS_* variable removed, HOME empty. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOME, KUBECONFIG: undefined };
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) env[k] = undefined;
  // Not a credential: keeps the SDK's last resort, the EC2 instance metadata endpoint, from being
  // probed on a machine that is no EC2 instance (on one, a dry run would use its role).
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}

function modelOf(text: string): Model {
  return resolveModel(validateConfig(yaml.load(text), 'pipewright.yaml'), 'pipewright.yaml');
}

// ---------------------------------------------------------------- Fargate logging, as data

test('the aws-logging ConfigMap: AWS\'s documented shape, only FILTER/OUTPUT/PARSER sections, under 5,300 characters', () => {
  const m = modelOf(config('delivery'));
  const cluster = { name: 'delivery', region: 'us-west-2' };
  const data = loggingData(m, cluster);
  assert.equal(Object.keys(data), ['flb_log_cw', 'filters.conf', 'output.conf', 'parsers.conf']);
  assert.is(data.flb_log_cw, 'false');
  for (const key of ['filters.conf', 'output.conf', 'parsers.conf']) {
    for (const line of data[key]!.trimEnd().split('\n')) {
      assert.ok(/^\[(FILTER|OUTPUT|PARSER)\]$/.test(line) || /^ {4}[A-Za-z0-9_.-]+ \S.*$/.test(line), `${key}: ${line}`);
    }
  }
  const section = (text: string, kind: string, name: string) =>
    Object.fromEntries(
      text
        .split(/^(?=\[)/m)
        .find((s) => s.startsWith(`[${kind}]`) && s.includes(`    Name ${name}\n`))!
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/ (.*)/s).slice(0, 2)),
    );
  assert.equal(section(data['filters.conf']!, 'FILTER', 'parser'), { Name: 'parser', Match: '*', Key_name: 'log', Parser: 'crio' });
  assert.equal(section(data['filters.conf']!, 'FILTER', 'kubernetes'), {
    Name: 'kubernetes',
    Match: 'kube.*',
    Merge_Log: 'On',
    Keep_Log: 'Off',
    Buffer_Size: '0',
    Kube_Meta_Cache_TTL: '300s',
  });
  assert.equal(section(data['output.conf']!, 'OUTPUT', 'cloudwatch_logs'), {
    Name: 'cloudwatch_logs',
    Match: 'kube.*',
    region: 'us-west-2',
    log_group_name: '/aws/eks/delivery/fargate',
    log_stream_prefix: 'from-fluent-bit-',
    log_retention_days: '30',
    auto_create_group: 'true',
  });
  assert.is(section(data['parsers.conf']!, 'PARSER', 'crio').Regex, '^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>P|F) (?<log>.*)$');
  assert.ok(loggingSize(data) < LOGGING_MAX_CHARS);
  // The longest log group the schema allows still fits.
  const long = modelOf(config('delivery', { extra: `  logging: { logGroup: /${'a'.repeat(511)}, retentionDays: 3653 }\n` }));
  const longData = loggingData(long, cluster);
  assert.match(longData['output.conf']!, /log_retention_days 3653\n/);
  assert.ok(loggingSize(longData) < LOGGING_MAX_CHARS, String(loggingSize(longData)));
  // The guard itself: a model past the limit (the schema cannot make one) is refused, not rendered.
  const huge = { ...long, cluster: { ...long.cluster, logging: { ...long.cluster.logging, logGroup: `/${'a'.repeat(5300)}` } } };
  assert.throws(() => loggingData(huge, cluster), /5300 or more/);
  assert.throws(() => fluentBitText([{ kind: 'OUTPUT', entries: [['log_group_name', 'a\n[INPUT]']] }]), /cannot write/);
  // Serialised as YAML data by the one dumper, and a valid ConfigMap.
  const objects = bootstrapObjects(m, { eks: cluster });
  const cm = objects.find((o) => o.object.kind === 'ConfigMap')!.object;
  new ConfigMap(JSON.parse(JSON.stringify(cm))).validate();
  assert.equal((yaml.load(yaml.dump(cm)) as { data: unknown }).data, data);
  assert.equal(objects.find((o) => o.object.metadata.name === 'aws-observability')!.object.metadata.labels!['aws-observability'], 'enabled');
  // logging.enabled false: no logging objects.
  const off = modelOf(config('delivery', { extra: '  logging: { enabled: false }\n' }));
  assert.not.ok(bootstrapObjects(off, { eks: cluster }).some((o) => o.object.kind === 'ConfigMap'));
});

// ---------------------------------------------------------------- bootstrap against moto + the stand-in

test('moto + stand-in: bootstrap creates the Fargate profiles, the namespaces with readiness gates, the IRSA annotation and Fargate logging', async () => {
  if (!ready()) return;
  standin.reset();
  await makeCluster('delivery');
  const p = project(config('delivery'), 'delivery');
  const r = await bootstrap(p);
  assert.is(r.status, 0, r.stderr);

  // EKS: one profile for the three namespaces, one for the agent pods only (by their label).
  const names = (await eks().send(new ListFargateProfilesCommand({ clusterName: 'delivery' }))).fargateProfileNames!;
  assert.equal(names.sort(), ['pipewright-agents', 'shop']);
  const shop = await profile('delivery', 'shop');
  assert.equal(shop.selectors, [{ namespace: 'shop-develop' }, { namespace: 'shop-green' }, { namespace: 'shop-blue' }]);
  assert.is(shop.podExecutionRoleArn, POD_ROLE);
  assert.equal(shop.subnets, ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210']);
  assert.equal(shop.tags, { 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'pipewright' });
  assert.is(shop.status, 'ACTIVE');
  const agents = await profile('delivery', 'pipewright-agents');
  assert.equal(agents.selectors, [{ namespace: 'jenkins', labels: { 'pipewright.dev/agent': 'true' } }]);
  assert.equal(agents.tags, { 'app.kubernetes.io/managed-by': 'pipewright' });

  // Kubernetes: ALB readiness gates in every app namespace; the agents' ServiceAccount with its IAM role.
  for (const e of ['develop', 'green', 'blue']) {
    assert.is(standin.get('Namespace', `shop-${e}`)!.metadata.labels!['elbv2.k8s.aws/pod-readiness-gate-inject'], 'enabled', e);
  }
  assert.equal(standin.get('ServiceAccount', 'pipewright-deployer', 'jenkins')!.metadata.annotations, { 'eks.amazonaws.com/role-arn': ROLE });
  assert.not.ok('elbv2.k8s.aws/pod-readiness-gate-inject' in (standin.get('Namespace', 'jenkins')!.metadata.labels ?? {}));
  // Fargate logging: the namespace EKS looks for, and the ConfigMap for this cluster's region.
  assert.is(standin.get('Namespace', 'aws-observability')!.metadata.labels!['aws-observability'], 'enabled');
  const cm = standin.get('ConfigMap', 'aws-logging', 'aws-observability')! as unknown as { data: Record<string, string> };
  assert.equal(cm.data, loggingData(modelOf(config('delivery')), { name: 'delivery', region: REGION }));
  assert.ok(loggingSize(cm.data) < 5300);
  assert.match(cm.data['output.conf']!, /^ {4}region eu-west-1$/m);

  assert.match(r.stdout, /^created\s+Fargate profile shop \(shop-develop, shop-green, shop-blue\)$/m);
  assert.match(r.stdout, /^created\s+Fargate profile pipewright-agents \(jenkins \(pipewright\.dev\/agent=true\)\)$/m);
  assert.match(r.stdout, /^created\s+ConfigMap aws-observability\/aws-logging$/m);
  assert.match(r.stdout, /13 created/);
  assert.match(r.stdout, /aws eks create-access-entry --region eu-west-1 --cluster-name delivery --principal-arn arn:aws:iam::123456789012:role\/jenkins-agents --kubernetes-groups pipewright-deployers/);
  assert.not.match(r.stdout, /this context names no EKS cluster/);
  assert.match(r.stderr, /EKS cluster delivery \(eu-west-1\): develop, green, blue/);
  assert.match(r.stderr, /creating Fargate profile shop of cluster delivery/);
});

test('moto + stand-in: a second bootstrap changes nothing, in the cluster or in EKS', async () => {
  if (!ready()) return;
  const p = project(config('delivery'), 'delivery');
  const before = await profile('delivery', 'shop');
  standin.log.length = 0;
  const proxy = await startProxy(() => 'forward');
  try {
    const r = await bootstrap(p, [], { endpoint: proxy.url });
    assert.is(r.status, 0, r.stderr);
    assert.equal(standin.writes(), []);
    assert.equal(proxy.log.filter((l) => l.method !== 'GET'), [], 'no EKS call but reads');
    assert.match(r.stdout, /nothing changed: all 13 objects are as wanted/);
    assert.match(r.stdout, /^unchanged\s+Fargate profile shop /m);
    assert.match(r.stdout, /Fargate profiles: all 2 are as wanted/);
    assert.equal((await profile('delivery', 'shop')).createdAt, before.createdAt);
    // A dry run agrees, and shows each profile's state.
    const dry = await bootstrap(p, ['--dry-run', '--json'], { endpoint: proxy.url });
    assert.is(dry.status, 0, dry.stderr);
    const out = JSON.parse(dry.stdout);
    assert.equal(out.fargateProfiles.map((x: { name: string; action: string }) => [x.name, x.action]), [['shop', 'unchanged'], ['pipewright-agents', 'unchanged']]);
    assert.ok(out.changes.every((c: { action: string }) => c.action === 'unchanged'));
  } finally {
    await proxy.close();
  }
});

test('moto + stand-in: a changed IRSA annotation and a dropped readiness label are put back; other annotations stay', async () => {
  if (!ready()) return;
  const p = project(config('delivery'), 'delivery');
  const sa = standin.get('ServiceAccount', 'pipewright-deployer', 'jenkins')!;
  standin.put({ ...sa, kind: 'ServiceAccount', metadata: { ...sa.metadata, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/other', team: 'ci' } } });
  const ns = standin.get('Namespace', 'shop-green')!;
  const { ['elbv2.k8s.aws/pod-readiness-gate-inject']: _dropped, ...labels } = ns.metadata.labels!;
  standin.put({ ...ns, kind: 'Namespace', metadata: { ...ns.metadata, labels } });
  standin.log.length = 0;
  const r = await bootstrap(p);
  assert.is(r.status, 0, r.stderr);
  assert.equal(standin.writes().map((w) => [w.method, w.path, w.body]), [
    ['PATCH', '/api/v1/namespaces/jenkins/serviceaccounts/pipewright-deployer', { metadata: { annotations: { 'eks.amazonaws.com/role-arn': ROLE } } }],
    ['PATCH', '/api/v1/namespaces/shop-green', { metadata: { labels: { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } } }],
  ]);
  assert.equal(standin.get('ServiceAccount', 'pipewright-deployer', 'jenkins')!.metadata.annotations, { 'eks.amazonaws.com/role-arn': ROLE, team: 'ci' });
  assert.match(r.stdout, /updated\s+ServiceAccount jenkins\/pipewright-deployer \(annotation eks\.amazonaws\.com\/role-arn\)/);
});

test('moto + stand-in: a profile with the same name and other selectors is a conflict that says what to do; nothing is deleted', async () => {
  if (!ready()) return;
  standin.reset();
  await makeCluster('conflicted');
  await eks().send(
    new CreateFargateProfileCommand({ clusterName: 'conflicted', fargateProfileName: 'shop', podExecutionRoleArn: POD_ROLE, selectors: [{ namespace: 'shop-develop' }, { namespace: 'legacy' }] }),
  );
  const p = project(config('conflicted'), 'conflicted');
  const r = await bootstrap(p);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, /^conflict\s+Fargate profile shop \(shop-develop, shop-green, shop-blue\)$/m);
  const said = r.stderr.trim().split('\n').filter((l) => l.startsWith('cluster bootstrap:'));
  assert.is(said.length, 1, r.stderr);
  for (const part of [
    'Fargate profile shop of cluster conflicted (eu-west-1) selects shop-develop, legacy, not shop-develop, shop-green, shop-blue',
    "EKS cannot change a profile's selectors",
    'aws eks delete-fargate-profile --region eu-west-1 --cluster-name conflicted --fargate-profile-name shop',
    'run pipewright cluster bootstrap again',
  ]) {
    assert.ok(said[0]!.includes(part), `expected "${part}" in: ${said[0]}`);
  }
  assert.not.match(r.stderr, /\n\s+at /);
  // Untouched in EKS; everything else was still done.
  assert.equal((await profile('conflicted', 'shop')).selectors, [{ namespace: 'shop-develop' }, { namespace: 'legacy' }]);
  assert.is((await profile('conflicted', 'pipewright-agents')).status, 'ACTIVE');
  assert.ok(standin.get('Namespace', 'shop-blue'));
});

test('moto + stand-in: a profile still CREATING is waited for with progress; one that never becomes ACTIVE fails at the deadline', async () => {
  if (!ready()) return;
  standin.reset();
  await makeCluster('slow');
  const p = project(config('slow'), 'slow');
  // EKS answers CREATING for a while after a create: here the first two reads of each new profile.
  const creating = new Map<string, number>();
  const proxy = await startProxy((req) => {
    const m = /^\/clusters\/slow\/fargate-profiles\/([^/?]+)/.exec(req.path);
    if (req.method !== 'GET' || !m) return 'forward';
    const n = (creating.get(m[1]!) ?? 0) + 1;
    creating.set(m[1]!, n);
    return n >= 2 && n <= 3 ? 'creating' : 'forward'; // the first read (before the create) finds nothing
  });
  try {
    const r = await bootstrap(p, ['--fargate-timeout', '30s'], { endpoint: proxy.url });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /waiting for Fargate profile shop of cluster slow: CREATING \(\d+s of at most 30s\)/);
    assert.match(r.stderr, /Fargate profile shop of cluster slow: ACTIVE after \d+s/);
    assert.ok(proxy.log.filter((l) => l.method === 'GET' && l.path === '/clusters/slow/fargate-profiles/shop').length >= 4);
    assert.match(r.stdout, /^created\s+Fargate profile shop /m);
  } finally {
    await proxy.close();
  }

  await makeCluster('stuck');
  const q = project(config('stuck'), 'stuck');
  const stuck = await startProxy((req) => (req.method === 'GET' && /^\/clusters\/stuck\/fargate-profiles\/shop$/.test(req.path) && req.n > 1 ? 'creating' : 'forward'));
  try {
    const started = Date.now();
    const r = await bootstrap(q, ['--fargate-timeout', '2s'], { endpoint: stuck.url });
    assert.is(r.status, 1, r.stderr);
    assert.ok(Date.now() - started < 20_000, 'bounded');
    const lines = r.stderr.trim().split('\n');
    const at = lines.findIndex((l) => l.startsWith('Fargate profile shop of cluster stuck'));
    assert.match(lines[at]!, /^Fargate profile shop of cluster stuck \(eu-west-1\) is still CREATING after \ds: .*run pipewright cluster bootstrap again later .*--fargate-timeout$/);
    // Then what was done before it: the profile (created, not yet ACTIVE), after any object put right.
    assert.match(lines[at + 1]!, /^done before it stopped: .*created Fargate profile shop of cluster stuck$/, r.stderr);
    assert.match(lines.slice(at + 2).join('\n'), /^not done: create Fargate profile pipewright-agents of cluster stuck\nrun pipewright cluster bootstrap again to finish/);
  } finally {
    await stuck.close();
  }
});

test('moto + stand-in: without cluster.fargate.podExecutionRoleArn, a run that must create profiles stops first, naming the key', async () => {
  if (!ready()) return;
  standin.reset();
  await makeCluster('norole');
  const p = project(config('norole', { podRole: false }), 'norole');
  const r = await bootstrap(p);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^pipewright\.yaml: cluster\.fargate\.podExecutionRoleArn: not set, and Fargate profiles shop \(cluster norole\), pipewright-agents \(cluster norole\) must be created: .*\(allowed: an IAM role ARN/);
  assert.equal(standin.writes(), [], 'nothing changed in the cluster');
  assert.equal((await eks().send(new ListFargateProfilesCommand({ clusterName: 'norole' }))).fargateProfileNames, []);
  // A dry run still works, and says what a real run needs.
  const dry = await bootstrap(p, ['--dry-run']);
  assert.is(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^would create\s+Fargate profile shop /m);
  assert.match(dry.stderr, /note: cluster\.fargate\.podExecutionRoleArn is not set/);
});

test('moto: a cluster that does not exist in EKS is one line naming it, before anything changes', async () => {
  if (!ready()) return;
  standin.reset();
  const p = project(config('nowhere'), 'nowhere');
  const r = await bootstrap(p);
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /EKS cluster nowhere does not exist in account 123456789012, region eu-west-1/);
  assert.equal(standin.writes(), []);
});

test('an EKS endpoint that never answers fails at the call\'s deadline, in one line naming the endpoint', async () => {
  const silent = createServer(() => {}); // accepts, reads, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const endpointUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  try {
    const api = openEks({ endpointUrl, timeoutSeconds: 1 }, { cluster: 'delivery', region: REGION, accountId: ACCOUNT });
    const started = Date.now();
    const err = await api.send('DescribeCluster', { name: 'delivery' }).then(() => null, (e: unknown) => e);
    assert.ok(Date.now() - started < 10_000, 'bounded by the deadline, not the 60 s request timeout');
    assert.instance(err, AwsError);
    assert.match((err as AwsError).message, new RegExp(`^no answer from the EKS endpoint ${endpointUrl} within 1s \\(--timeout(, \\d attempts)?\\) calling eks:DescribeCluster: check --endpoint-url, AWS_ENDPOINT_URL_EKS / AWS_ENDPOINT_URL, the network and any proxy$`));
  } finally {
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    silent.closeAllConnections();
    silent.close();
  }
});

// ---------------------------------------------------------------- no kubeconfig, no AWS credentials

test('--manifests and --dry-run need no kubeconfig and no AWS credentials: exit 0, everything shown as it would be created', async () => {
  const dir = path.join(work.dir, 'bare');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'pipewright.yaml'), config('delivery'));
  const env = bareEnv();
  const manifests = await runCliAsync(['cluster', 'bootstrap', '--manifests'], { cwd: dir, env });
  assert.is(manifests.status, 0, manifests.stderr);
  const kinds = (yaml.loadAll(manifests.stdout) as { kind: string; metadata: { name: string } }[]).map((o) => `${o.kind} ${o.metadata.name}`);
  assert.ok(kinds.includes('Namespace aws-observability') && kinds.includes('ConfigMap aws-logging'), kinds.join(', '));
  assert.match(manifests.stdout, /^#   aws eks create-fargate-profile --region eu-west-1 --pod-execution-role-arn arn:aws:iam::123456789012:role\/eks-fargate-pods --cli-input-json '.*"fargateProfileName":"pipewright-agents","selectors":\[\{"namespace":"jenkins","labels":\{"pipewright.dev\/agent":"true"\}\}\],"subnets":/m);

  const dry = await runCliAsync(['cluster', 'bootstrap', '--dry-run'], { cwd: dir, env });
  assert.is(dry.status, 0, dry.stderr);
  assert.match(dry.stderr, /note: no kubeconfig: .* does not exist and KUBECONFIG is not set: no cluster was read/);
  assert.match(dry.stderr, /note: no AWS credentials: no Fargate profile was read/);
  assert.not.match(dry.stderr, /\n\s+at |internal error/);
  for (const line of [
    /^would create\s+Namespace shop-develop$/m,
    /^would create\s+ServiceAccount jenkins\/pipewright-deployer$/m,
    /^would create\s+Namespace aws-observability$/m,
    /^would create\s+ConfigMap aws-observability\/aws-logging$/m,
    /^would create\s+Fargate profile shop \(shop-develop, shop-green, shop-blue\)$/m,
    /^would create\s+Fargate profile pipewright-agents \(jenkins \(pipewright\.dev\/agent=true\)\)$/m,
    /dry run, nothing changed: would have 13 created/,
  ]) {
    assert.match(dry.stdout, line);
  }
  const json = await runCliAsync(['cluster', 'bootstrap', '--dry-run', '--json'], { cwd: dir, env });
  assert.is(json.status, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.is(out.context, null);
  assert.is(out.notes.length, 2);
  assert.ok(out.changes.every((c: { action: string; cluster: string }) => c.action === 'create' && c.cluster === 'delivery'));
  assert.equal(out.fargateProfiles.map((x: { name: string; action: string }) => [x.name, x.action]), [['shop', 'would create'], ['pipewright-agents', 'would create']]);
});

test('stand-in, no AWS credentials: --dry-run reads the cluster and shows the profiles as would create; a real run fails in one line, changing nothing', async () => {
  if (!hasOpenssl) return;
  standin.reset();
  const p = project(config('delivery'), 'delivery');
  const env = { ...bareEnv(), AWS_ENDPOINT_URL_EKS: 'http://127.0.0.1:9' }; // never reached: no credentials
  const dry = await runCliAsync(['cluster', 'bootstrap', '--kubeconfig', p.kubeconfig, '--dry-run'], { cwd: p.dir, env });
  assert.is(dry.status, 0, dry.stderr);
  assert.ok(standin.log.length > 0, 'the cluster was read');
  assert.equal(standin.writes(), []);
  assert.match(dry.stdout, /^would create\s+Fargate profile shop /m);
  assert.match(dry.stderr, /note: no AWS credentials/);

  standin.log.length = 0;
  const real = await runCliAsync(['cluster', 'bootstrap', '--kubeconfig', p.kubeconfig], { cwd: p.dir, env });
  assert.is(real.status, 1, real.stderr);
  assert.is(real.stderr.trim().split('\n').length, 1, real.stderr);
  assert.match(real.stderr, /^no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  assert.equal(standin.log, [], 'nothing was changed, or even read, before AWS said no');
});

// ---------------------------------------------------------------- a recording proxy in front of moto

interface ProxyRequest {
  readonly method: string;
  readonly path: string;
  /** 1-based count of requests with this method and path. */
  readonly n: number;
}

interface Proxy {
  readonly url: string;
  readonly log: ProxyRequest[];
  close(): Promise<void>;
}

/** A proxy to moto that logs every request; 'creating' answers a DescribeFargateProfile with the profile in status CREATING. */
async function startProxy(decide: (req: ProxyRequest) => 'forward' | 'creating'): Promise<Proxy> {
  const log: ProxyRequest[] = [];
  const seen = new Map<string, number>();
  const forward = forwardTo(moto!.endpoint);
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const pathOnly = (req.url ?? '').split('?')[0]!;
    const key = `${req.method} ${pathOnly}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const r = { method: req.method ?? '', path: pathOnly, n };
    log.push(r);
    const answer = await forward(req, body);
    if (decide(r) === 'creating' && answer.status === 200) {
      const parsed = JSON.parse(answer.body.toString('utf8'));
      parsed.fargateProfile.status = 'CREATING';
      const text = Buffer.from(JSON.stringify(parsed));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
      return res.end(text);
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test.run();
