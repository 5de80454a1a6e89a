// Network deadlines (issue 15, point 4), as the real CLI: every command that calls AWS or
// Kubernetes, against an endpoint that accepts TCP and never answers (test/silent-server.ts), ends
// at its --timeout with exit 1, one message naming the endpoint and the call, no stack trace, and
// no partial change: the parts that did answer are real engines (moto for ECR and EKS, the
// Kubernetes TEST STAND-IN of test/kube-standin.ts, as no API server can run here), read after the
// run to show what changed. A call held part-way says what was done and what was not. And an
// endpoint that answers 404 like a plain web server is named as not ECR (or EKS, or Kubernetes).
// No timing is asserted: each run has a guard that kills it if it hangs, which fails the test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { CreateClusterCommand, EKSClient, ListFargateProfilesCommand } from '@aws-sdk/client-eks';
import { CreateRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient, GetLifecyclePolicyCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { engineAvailable, runCliAsync, tempDir, EngineSuite } from './helpers.js';
import { KubeStandin } from './kube-standin.js';
import { awsTestEnv, eksAppConfig, imageManifest, MOTO_ACCOUNT as ACCOUNT, MOTO_KEY as KEY, MOTO_REGION as REGION, startMoto, treeHash, type Moto } from './moto.js';
import { startHoldingProxy, startSilentServer, type Silent } from './silent-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const hasMoto = engineAvailable('python3', ['-c', 'import moto']);
const hasOpenssl = engineAvailable('openssl', ['version']);

/** The --timeout of every run here, and the guard that kills a run that hangs anyway. */
const TIMEOUT = '2';
const GUARD_MS = 60_000;

const config = (app: string, cluster: string) => eksAppConfig(cluster, { app });

const work = tempDir('pipewright-deadlines-');
const HOME = path.join(work.dir, 'home');
mkdirSync(HOME);
const standin = new KubeStandin();
let moto: Moto | undefined;
let silent: Silent | undefined;
const suite = new EngineSuite(hasMoto && hasOpenssl);

test.before(async () => {
  silent = await startSilentServer();
  await suite.setUp(async () => {
    moto = await startMoto();
    await standin.start(work.dir);
  });
});

test.after(async () => {
  await silent?.close();
  await moto?.stop();
  await standin.close();
  work.cleanup();
});

let projects = 0;
/** A project for `app` on EKS cluster `cluster`, and kubeconfigs: one to the stand-in, one to the silent server. */
function project(app: string, cluster = 'delivery'): { dir: string; kube: string; silentKube: string } {
  const dir = path.join(work.dir, `p${++projects}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'pipewright.yaml'), config(app, cluster));
  const context = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${cluster}`;
  const kube = suite.ready() ? standin.kubeconfig(path.join(dir, 'kubeconfig'), { context }) : '';
  const silentKube = path.join(dir, 'silent-kubeconfig');
  writeFileSync(
    silentKube,
    ['apiVersion: v1', 'kind: Config', 'clusters:', '  - name: silent', '    cluster:', `      server: https://127.0.0.1:${silent!.port}`, '      insecure-skip-tls-verify: true',
      'users:', '  - name: u', '    user:', '      token: silent-token', 'contexts:', `  - name: ${JSON.stringify(context)}`, '    context: { cluster: silent, user: u }', `current-context: ${JSON.stringify(context)}`, ''].join('\n'),
  );
  return { dir, kube, silentKube };
}

/** The CLI with fake AWS keys, nothing of this machine's AWS or kube setup, --timeout 2 and a hang guard. */
function cli(dir: string, args: string[]) {
  return runCliAsync([...args, '--timeout', TIMEOUT], { cwd: dir, env: { ...awsTestEnv(HOME), KUBECONFIG: undefined }, killAfterMs: GUARD_MS });
}

/** Exit 1 (not killed by the guard), and no stack trace. */
function failedCleanly(r: { status: number | null; stderr: string }): void {
  assert.ok(r.status !== null, `killed by the guard after ${GUARD_MS} ms: the deadline did not end it\n${r.stderr}`);
  assert.is(r.status, 1, r.stderr);
  assert.not.match(r.stderr, /\n\s+at |internal error/);
}

const ecr = (endpoint = moto!.endpoint) => new ECRClient({ region: REGION, endpoint, credentials: KEY });
const eks = () => new EKSClient({ region: REGION, endpoint: moto!.endpoint, credentials: KEY });

async function repositoryExists(name: string): Promise<boolean> {
  try {
    await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    return true;
  } catch (e) {
    if ((e as Error).name === 'RepositoryNotFoundException') return false;
    throw e;
  }
}

async function tagsOf(repo: string): Promise<string[]> {
  const out = await ecr().send(new DescribeImagesCommand({ repositoryName: repo }));
  return (out.imageDetails ?? []).flatMap((d) => d.imageTags ?? []).sort();
}

/** A repository in moto with one image, tagged as the develop pipeline leaves it. */
async function repoWithImage(repo: string): Promise<{ tree: string; digest: string }> {
  await ecr().send(new CreateRepositoryCommand({ repositoryName: repo, imageTagMutability: 'IMMUTABLE' }));
  const tree = treeHash(repo);
  const put = (tag: string) =>
    ecr().send(new PutImageCommand({ repositoryName: repo, imageTag: tag, imageManifest: imageManifest(repo), imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json' }));
  const digest = (await put(`git-${tree}`)).image!.imageId!.imageDigest!;
  await put(`develop-${tree.slice(0, 12)}`);
  // develop's Verify stage passed with it: green may take it.
  await put(`verified-develop-${tree}`);
  return { tree, digest };
}

const silentEndpoint = () => silent!.url;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// ---------------------------------------------------------------- every command against a silent endpoint

test('ecr ensure: a silent ECR endpoint ends at --timeout, naming the endpoint and the call; nothing was sent but reads', async () => {
  const p = project('silent-ecr');
  const r = await cli(p.dir, ['ecr', 'ensure', '--endpoint-url', silentEndpoint()]);
  failedCleanly(r);
  assert.match(r.stderr, new RegExp(`^no answer from the ECR endpoint ${escape(silentEndpoint())} within 2s \\(--timeout(, \\d attempts)?\\) calling ecr:DescribeRepositories: check --endpoint-url`));
  assert.match(r.stderr, /; nothing was changed\n$/);
  assert.not.match(r.stderr, /requestTimeout|\[WARN\]/, 'no SDK warning');
  // What reached the endpoint: reads only (the retries of the one read), never a write.
  const ops = silent!.operations();
  assert.ok(ops.length >= 1 && ops.every((o) => o === 'DescribeRepositories'), ops.join(', '));
});

test('promote: a silent ECR endpoint ends at --timeout, in the first call, changing nothing', async () => {
  const p = project('silent-promote');
  const r = await cli(p.dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${treeHash('x')}`, '--endpoint-url', silentEndpoint()]);
  failedCleanly(r);
  assert.match(r.stderr, new RegExp(`^no answer from the ECR endpoint ${escape(silentEndpoint())} within 2s .*calling ecr:DescribeRepositories`));
  assert.match(r.stderr, /; nothing was changed\n$/);
  assert.not.ok(silent!.operations().includes('PutImage'));
});

test('promote: a silent cluster (reading what --from runs) ends at --timeout; ECR (moto) is read but not changed', async () => {
  if (!suite.ready()) return;
  const p = project('kpromote');
  await repoWithImage('kpromote');
  const before = await tagsOf('kpromote');
  const r = await cli(p.dir, ['promote', '--from', 'develop', '--to', 'green', '--kubeconfig', p.silentKube, '--endpoint-url', moto!.endpoint]);
  failedCleanly(r);
  assert.match(
    r.stderr,
    new RegExp(`^context arn:aws:eks:${REGION}:${ACCOUNT}:cluster/delivery \\(https://127\\.0\\.0\\.1:${silent!.port}\\): get deployments\\.apps "kpromote" in namespace "kpromote-develop": (no answer from|could not connect to) https://127\\.0\\.0\\.1:${silent!.port} within 2s`),
  );
  assert.match(r.stderr, /; nothing was changed\n$/);
  assert.equal(await tagsOf('kpromote'), before);
});

test('status: a silent cluster ends at --timeout, naming the server and the read', async () => {
  const p = project('kstatus');
  const r = await cli(p.dir, ['status', '--kubeconfig', p.silentKube, '--endpoint-url', silentEndpoint()]);
  failedCleanly(r);
  assert.match(r.stderr, new RegExp(`get deployments\\.apps "kstatus" in namespace "kstatus-develop": (no answer from|could not connect to) https://127\\.0\\.0\\.1:${silent!.port} within 2s`));
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('status: a silent ECR endpoint only costs the TAG column: a warning naming it, the rows from the cluster', async () => {
  if (!suite.ready()) return;
  standin.reset();
  const p = project('estatus');
  const digest = `sha256:${'ab'.repeat(32)}`;
  standin.deployApp('estatus', 'estatus-develop', { image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/estatus@${digest}`, replicas: 1, ready: 1, revision: 1, rolledOutAgo: 60e3 });
  const r = await cli(p.dir, ['status', '--json', '--kubeconfig', p.kube, '--endpoint-url', silentEndpoint()]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: could not look up the tags of ${digest}: no answer from the ECR endpoint ${escape(silentEndpoint())} within 2s .*calling ecr:DescribeImages`));
  const rows = JSON.parse(r.stdout) as { environment: string; digest: string | null; tag: string | null }[];
  assert.equal(rows.map((x) => [x.environment, x.digest, x.tag]), [['develop', digest, null], ['green', null, null], ['blue', null, null]]);
});

test('cluster bootstrap: a silent EKS endpoint ends at --timeout before the cluster is touched', async () => {
  if (!suite.ready()) return;
  standin.reset();
  const p = project('seks');
  const r = await cli(p.dir, ['cluster', 'bootstrap', '--kubeconfig', p.kube, '--endpoint-url', silentEndpoint()]);
  failedCleanly(r);
  assert.match(r.stderr, new RegExp(`^no answer from the EKS endpoint ${escape(silentEndpoint())} within 2s .*calling eks:DescribeCluster`));
  assert.match(r.stderr, /; nothing was changed\n$/);
  assert.equal(standin.writes(), []);
});

test('cluster bootstrap: a silent cluster ends at --timeout; EKS (moto) is read, and no Fargate profile is created', async () => {
  if (!suite.ready()) return;
  await eks().send(new CreateClusterCommand({ name: 'quiet', roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ['subnet-0123456789abcdef0'] } }));
  const p = project('kquiet', 'quiet');
  const r = await cli(p.dir, ['cluster', 'bootstrap', '--kubeconfig', p.silentKube, '--endpoint-url', moto!.endpoint]);
  failedCleanly(r);
  assert.match(r.stderr, new RegExp(`^context arn:aws:eks:${REGION}:${ACCOUNT}:cluster/quiet \\(https://127\\.0\\.0\\.1:${silent!.port}\\): get namespaces "jenkins": (no answer from|could not connect to) https://127\\.0\\.0\\.1:${silent!.port} within 2s`));
  assert.match(r.stderr, /; nothing was changed\n$/);
  assert.equal((await eks().send(new ListFargateProfilesCommand({ clusterName: 'quiet' }))).fargateProfileNames, []);
});

// ---------------------------------------------------------------- a call held part-way: what was done, what was not

test('ecr ensure: a write that never gets an answer: the report says what was done, what may have been, what was not; a re-run finishes', async () => {
  if (!suite.ready()) return;
  const p = project('heldecr');
  const proxy = await startHoldingProxy(moto!.endpoint, (op) => op === 'PutLifecyclePolicy');
  try {
    const r = await cli(p.dir, ['ecr', 'ensure', '--endpoint-url', proxy.url]);
    failedCleanly(r);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, new RegExp(`^no answer from the ECR endpoint ${escape(proxy.url)} within 2s .*calling ecr:PutLifecyclePolicy`));
    assert.equal(lines.slice(1), [
      'done before it stopped: CreateRepository (the repository does not exist)',
      'sent but not answered, so it may or may not have taken effect: PutLifecyclePolicy (a new repository has no lifecycle policy)',
      'run pipewright ecr ensure again to finish: it starts from what is there',
    ]);
  } finally {
    await proxy.close();
  }
  // As the report says: the repository is there; the held call never reached ECR.
  assert.ok(await repositoryExists('heldecr'));
  const policy = await ecr().send(new GetLifecyclePolicyCommand({ repositoryName: 'heldecr' })).then(() => 'there', (e: Error) => e.name);
  assert.is(policy, 'LifecyclePolicyNotFoundException');
  const again = await cli(p.dir, ['ecr', 'ensure', '--endpoint-url', moto!.endpoint]);
  assert.is(again.status, 0, again.stderr);
  assert.match(again.stdout, /: updated .*\n {2}PutLifecyclePolicy: /);
});

test('promote: a PutImage that never gets an answer is read back: the tag is not there, so "not done", and ECR is unchanged', async () => {
  if (!suite.ready()) return;
  const p = project('heldput');
  const { tree } = await repoWithImage('heldput');
  const before = await tagsOf('heldput');
  const proxy = await startHoldingProxy(moto!.endpoint, (op) => op === 'PutImage');
  try {
    const r = await cli(p.dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${tree}`, '--endpoint-url', proxy.url]);
    failedCleanly(r);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /calling ecr:PutImage/);
    assert.equal(lines.slice(1), [`read back: ECR has no staging-${tree.slice(0, 12)}, so the PutImage did not take effect; nothing was changed`]);
    assert.ok(proxy.log.some((l) => l.op === 'DescribeImages' && !l.held), 'the tag was read back');
  } finally {
    await proxy.close();
  }
  assert.equal(await tagsOf('heldput'), before);
});

test('cluster bootstrap: a Kubernetes write that never gets an answer: the report lists what was created, the unsure write, and what was not reached (profiles included)', async () => {
  if (!suite.ready()) return;
  standin.reset();
  await eks().send(new CreateClusterCommand({ name: 'held', roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ['subnet-0123456789abcdef0'] } }));
  const p = project('kheld', 'held');
  standin.hold({ verb: 'create', resource: 'roles', namespace: 'kheld-green' });
  const r = await cli(p.dir, ['cluster', 'bootstrap', '--kubeconfig', p.kube, '--endpoint-url', moto!.endpoint]);
  failedCleanly(r);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0]!, /: create roles\.rbac\.authorization\.k8s\.io "[^"]+" in namespace "kheld-green": no answer from https:\/\/127\.0\.0\.1:\d+ within 2s/);
  assert.match(lines[1]!, /^done before it stopped: created Namespace /);
  assert.match(lines[2]!, /^sent but not answered, so it may or may not have taken effect: created Role kheld-green\//);
  assert.match(lines[3]!, /^not done: check Role kheld-green\/.*create Fargate profile /);
  assert.is(lines[4], 'run pipewright cluster bootstrap again to finish: it starts from what is there');
  // As the report says: the held create was not applied, and no Fargate profile was created.
  assert.is(standin.all('Role').filter((o) => o.metadata.namespace === 'kheld-green').length, 0);
  assert.equal((await eks().send(new ListFargateProfilesCommand({ clusterName: 'held' }))).fargateProfileNames, []);
  assert.ok(standin.get('Namespace', 'kheld-develop'), 'what the report calls done is done');
});

// ---------------------------------------------------------------- an endpoint that is not ECR, EKS or Kubernetes

/** A plain web server that answers every request 404, with an HTML page or an empty body. */
async function notFoundServer(body: 'html' | 'empty'): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (body === 'html') {
        res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>');
      } else {
        res.writeHead(404, { 'content-length': '0' });
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('a 404 from a plain web server is "probably not an ECR endpoint", never UnknownError or a JSON parse error', async () => {
  const p = project('notecr');
  for (const kind of ['html', 'empty'] as const) {
    const web = await notFoundServer(kind);
    try {
      const r = await cli(p.dir, ['ecr', 'ensure', '--endpoint-url', web.url]);
      failedCleanly(r);
      const what = kind === 'html' ? 'text/html: "404 Not Found"' : 'empty body';
      assert.match(r.stderr, new RegExp(`^the ECR endpoint ${escape(web.url)} answered ecr:DescribeRepositories with HTTP 404 \\(${escape(what)}\\), which no ECR API sends: it is probably not an ECR endpoint \\(check --endpoint-url`));
      assert.not.match(r.stderr, /UnknownError|SyntaxError|Unknown:/);
      assert.match(r.stderr, /; nothing was changed\n$/);
    } finally {
      web.server.close();
    }
  }
});

test('a 404 from a plain web server is "probably not an EKS endpoint" too', async () => {
  if (!suite.ready()) return;
  standin.reset();
  const p = project('noteks');
  const web = await notFoundServer('empty');
  try {
    const r = await cli(p.dir, ['cluster', 'bootstrap', '--kubeconfig', p.kube, '--endpoint-url', web.url]);
    failedCleanly(r);
    assert.match(r.stderr, new RegExp(`^the EKS endpoint ${escape(web.url)} answered eks:DescribeCluster with HTTP 404 \\(empty body\\), which no EKS API sends: it is probably not an EKS endpoint`));
    assert.equal(standin.writes(), []);
  } finally {
    web.server.close();
  }
});

test('a Kubernetes server that answers a bare 404 (no Status) is "probably not a Kubernetes API server", never "not deployed"', async () => {
  if (!suite.ready()) return;
  const web = https.createServer({ key: readFileSync(path.join(work.dir, 'standin-key.pem')), cert: readFileSync(path.join(work.dir, 'standin-cert.pem')) }, (req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><head><title>404 Not Found</title></head></html>');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  try {
    const p = project('notkube');
    const server = `https://127.0.0.1:${(web.address() as { port: number }).port}`;
    const kubeconfig = standin.kubeconfig(path.join(p.dir, 'web-kubeconfig'), { server });
    const r = await cli(p.dir, ['status', '--kubeconfig', kubeconfig, '--endpoint-url', silentEndpoint()]);
    failedCleanly(r);
    assert.match(r.stderr, /: get deployments\.apps "notkube" in namespace "notkube-develop": the server answered HTTP 404 without a Kubernetes Status: it is probably not a Kubernetes API server/);
    assert.not.match(r.stdout, /not deployed/);
  } finally {
    web.closeAllConnections();
    web.close();
  }
});

test('--timeout takes seconds, more than 0: anything else is a usage error (exit 2) before anything is contacted', async () => {
  const p = project('badtimeout');
  for (const bad of ['0', '-1', 'abc', '1e3', '3601']) {
    const r = await runCliAsync(['ecr', 'ensure', '--timeout', bad, '--endpoint-url', silentEndpoint()], { cwd: p.dir, env: awsTestEnv(HOME), killAfterMs: GUARD_MS });
    assert.is(r.status, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^--timeout ${escape(bad)}: expected the seconds one AWS or Kubernetes call may take`));
  }
});

test.run();
