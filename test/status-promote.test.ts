// `promote` without --image and `status`, which read both sides: the image running in an
// environment comes from the cluster (the Kubernetes TEST STAND-IN of test/kube-standin.ts: no
// API server can run here), its tags and the promotion happen in ECR (a real moto server).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { runCliAsync } from './helpers.js';
import { awsTestEnv, imageManifest, startMoto, treeHash, motoAndStandinEngines, motoProject, type Moto } from './moto.js';
import { KubeStandin } from './kube-standin.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ready = motoAndStandinEngines();
const { work, home, app } = motoProject(
  'pipewright-status-promote-',
  `app: shop
aws: { accountId: "123456789012", region: eu-west-1 }
environments:
  - { name: develop, branch: develop }
  - name: green
    branch: staging
    requiredChecks: [{ name: source-ready }]
  - { name: blue, branch: master, production: true }
`,
);
const standin = new KubeStandin();
let moto: Moto | undefined;
let kubeconfig = '';
let failed: unknown;

test.before(async () => {
  if (!ready) return;
  try {
    moto = await startMoto();
    await standin.start(work.dir);
    kubeconfig = standin.kubeconfig(path.join(work.dir, 'kubeconfig'));
  } catch (e) {
    failed = e; // reported by each test: a failing `before` is silent in uvu
  }
});
test.after(async () => {
  await moto?.stop();
  await standin.close();
  work.cleanup();
});

const cli = (...args: string[]) =>
  runCliAsync(['-C', app, ...args, '--kubeconfig', kubeconfig, '--endpoint-url', moto!.endpoint], { env: { ...awsTestEnv(home), KUBECONFIG: undefined } });
const ecr = () => new ECRClient({ region: 'eu-west-1', endpoint: moto!.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';

async function tagsOf(): Promise<Record<string, string>> {
  const out = await ecr().send(new DescribeImagesCommand({ repositoryName: 'shop' }));
  return Object.fromEntries((out.imageDetails ?? []).flatMap((d) => (d.imageTags ?? []).map((t) => [t, d.imageDigest!])));
}

/** As the develop pipeline leaves it: the image under git-<tree> and develop-<tree12>, running in shop-develop. */
async function developRuns(n: string, fixture: { replicas: number; ready: number }): Promise<{ digest: string; tree: string }> {
  const tree = treeHash(n);
  const put = (tag: string) =>
    ecr().send(new PutImageCommand({ repositoryName: 'shop', imageTag: tag, imageManifest: imageManifest(n), imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json' }));
  const digest = (await put(`git-${tree}`)).image!.imageId!.imageDigest!;
  await put(`develop-${tree.slice(0, 12)}`);
  // develop's Verify stage passed with it: green may take it.
  await put(`verified-develop-${tree}`);
  standin.deployApp('shop', 'shop-develop', { image: `${URI}@${digest}`, revision: 2, rolledOutAgo: 90e3, ...fixture });
  return { digest, tree };
}

function setUp(): boolean {
  if (failed) throw failed;
  return ready;
}

test('promote without --image takes the digest running in --from, checks source-ready, and re-tags it in ECR', async () => {
  if (!setUp()) return;
  await ecr().send(new CreateRepositoryCommand({ repositoryName: 'shop', imageTagMutability: 'IMMUTABLE' }));

  // Rolling out: 1 of 2 ready. source-ready fails and nothing is tagged.
  const { digest, tree } = await developRuns('one', { replicas: 2, ready: 1 });
  const refused = await cli('promote', '--from', 'develop', '--to', 'green');
  assert.is(refused.status, 1, refused.stderr);
  assert.match(refused.stdout, /FAIL source-ready: shop-develop is not running sha256:[0-9a-f]{64} with every replica ready \(main: 1\/2 ready, 1 updated\)/);
  assert.not.ok(`staging-${tree.slice(0, 12)}` in (await tagsOf()));
  assert.ok(standin.log.some((l) => l.path === '/apis/apps/v1/namespaces/shop-develop/deployments/shop'), 'the Deployment was read');

  // Every replica ready: promoted, same digest, the staging tag of the tree.
  standin.deployApp('shop', 'shop-develop', { image: `${URI}@${digest}`, replicas: 2, ready: 2, revision: 2, rolledOutAgo: 90e3 });
  const ok = await cli('promote', '--from', 'develop', '--to', 'green', '--json');
  assert.is(ok.status, 0, ok.stderr);
  const result = JSON.parse(ok.stdout);
  assert.is(result.status, 'promoted');
  assert.is(result.source.ref, digest);
  assert.equal(result.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]), [['verified-upstream', true], ['source-ready', true]]);
  assert.is((await tagsOf())[`staging-${tree.slice(0, 12)}`], digest);
});

test('promote without --image refuses, in one line, when --from runs nothing', async () => {
  if (!setUp()) return;
  standin.reset();
  const r = await cli('promote', '--from', 'green', '--to', 'blue');
  assert.is(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /green \(shop-green\) has no single image pinned by digest to promote \(main: not deployed\); pass the image with --image/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test('status shows the tag ECR has for each running digest', async () => {
  if (!setUp()) return;
  standin.reset();
  const { digest, tree } = await developRuns('two', { replicas: 1, ready: 1 });
  const r = await cli('status', '--json');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const rows = JSON.parse(r.stdout) as { environment: string; tag: string | null; digest: string | null; deployed: boolean }[];
  assert.equal(
    rows.map((x) => [x.environment, x.deployed, x.tag, x.digest]),
    [
      ['develop', true, `develop-${tree.slice(0, 12)}`, digest],
      ['green', false, null, null],
      ['blue', false, null, null],
    ],
  );
  const table = await cli('status');
  assert.match(table.stdout, new RegExp(`^develop\\s+shop-develop\\s+develop-${tree.slice(0, 12)}\\s+${digest.slice(0, 19)}\\s+1/1\\s+1m`, 'm'));
});

test.run();
