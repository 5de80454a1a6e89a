// `history` and `rollback`: what ran in an environment comes from the cluster (the Kubernetes TEST
// STAND-IN of test/kube-standin.ts, with its STAND-IN DEPLOYMENT CONTROLLER: no API server can
// run here), whether an image was verified there from its ECR tags (a real moto server).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { runCliAsync, tempDir } from './helpers.js';
import { awsTestEnv, imageManifest, startMoto, treeHash, motoAndStandinEngines, motoProject, type Moto } from './moto.js';
import { KubeStandin, mergedKubeconfig, type RevisionFixture } from './kube-standin.js';
import { RELEASE_ANNOTATIONS as A } from '../src/model/release.js';
import { deployerRules, type OverlayShape } from '../src/render/kubernetes/bootstrap-objects.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ready = motoAndStandinEngines();
const { work, home, app } = motoProject(
  'pipewright-history-rollback-',
  `app: shop
aws: { accountId: "123456789012", region: eu-west-1 }
environments:
  - { name: develop, branch: develop }
  - { name: green, branch: staging }
  - name: blue
    branch: master
    production: true
    clusters: [{ name: delivery }, { name: delivery-us, region: us-east-1 }]
`,
);
writeFileSync(path.join(home, '.gitconfig'), '[user]\n\temail = ops@example.com\n');
const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';
const standin = new KubeStandin();
const us = new KubeStandin();
let moto: Moto | undefined;
let kubeconfig = '';
let failed: unknown;

/** The images in ECR: r1, r2 verified in green; u ran in green but was never verified; r3 (current) not yet; r4 verified but never ran. */
const images: Record<string, { digest: string; tree: string }> = {};
const commit = (n: string) => createHash('sha1').update(`commit ${n}`).digest('hex');

test.before(async () => {
  if (!ready) return;
  try {
    moto = await startMoto();
    await standin.start(work.dir);
    await us.start(work.dir);
    kubeconfig = standin.kubeconfig(path.join(work.dir, 'kubeconfig'));
    await ecr().send(new CreateRepositoryCommand({ repositoryName: 'shop', imageTagMutability: 'IMMUTABLE' }));
    for (const [n, verified] of [['r1', true], ['r2', true], ['u', false], ['r3', false], ['r4', true]] as const) {
      const tree = treeHash(n);
      const tags = [`git-${tree}`, ...(verified ? [`verified-green-${tree}`, `verified-blue-${tree}`] : [])];
      let digest = '';
      for (const tag of tags) {
        const out = await ecr().send(
          new PutImageCommand({ repositoryName: 'shop', imageTag: tag, imageManifest: imageManifest(n), imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json' }),
        );
        digest = out.image!.imageId!.imageDigest!;
      }
      images[n] = { digest, tree };
    }
  } catch (e) {
    failed = e; // reported by each test: a failing `before` is silent in uvu
  }
});
test.after(async () => {
  await moto?.stop();
  await standin.close();
  await us.close();
  work.cleanup();
});

const env = () => ({ ...awsTestEnv(home), KUBECONFIG: undefined, GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'), GIT_CONFIG_NOSYSTEM: '1' });
const history = (...args: string[]) => runCliAsync(['-C', app, 'history', ...args, '--kubeconfig', kubeconfig], { env: env() });
const rollback = (...args: string[]) =>
  runCliAsync(['-C', app, 'rollback', '--kubeconfig', kubeconfig, '--endpoint-url', moto!.endpoint, ...args], { env: env(), killAfterMs: 60_000 });
const ecr = () => new ECRClient({ region: 'eu-west-1', endpoint: moto!.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

/** A revision the pipeline deployed: the image by digest and its release annotations. */
function released(n: string, release: string, day: number): RevisionFixture {
  const { digest, tree } = images[n]!;
  return {
    image: `${URI}@${digest}`,
    annotations: {
      [A.digest]: digest,
      [A.tree]: tree,
      [A.commit]: commit(n),
      [A.release]: release,
      [A.deployedAt]: `2025-05-${String(day).padStart(2, '0')}T10:00:00Z`,
      [A.approver]: 'ann@example.com',
      [A.build]: `https://jenkins.example.com/job/shop/job/staging/${day}/`,
      [A.reason]: 'pipeline',
    },
  };
}

/** green's history: a tag-pinned image from before pipewright's annotations, then r1, r2, u, r3 (current). */
function greenHistory(s: KubeStandin = standin, ns = 'shop-green'): void {
  s.deployHistory('shop', ns, [{ image: `${URI}:v1.0.0` }, released('r1', 'v1.1.0', 1), released('r2', 'v1.2.0', 2), released('u', 'v1.2.1', 3), released('r3', 'v1.3.0', 4)]);
}

function setUp(): boolean {
  if (failed) throw failed;
  if (!ready) return false;
  standin.reset();
  us.reset();
  greenHistory();
  return true;
}

const template = (s: KubeStandin = standin, ns = 'shop-green') =>
  s.get('Deployment', 'shop', ns)!.spec as { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { name: string; image: string; ports?: unknown; resources?: unknown }[] } } };

test('history lists the revisions newest first, with their release records; the current one is marked', async () => {
  if (!setUp()) return;
  const r = await history('--env', 'green', '--json');
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal([out.app, out.environment, out.namespace], ['shop', 'green', 'shop-green']);
  const revs = out.clusters[0].revisions as { revision: number; current: boolean; digest: string | null; image: string; record: Record<string, string> | null }[];
  assert.equal(
    revs.map((v) => [v.revision, v.current, v.digest, v.record?.release ?? null]),
    [
      [5, true, images.r3!.digest, 'v1.3.0'],
      [4, false, images.u!.digest, 'v1.2.1'],
      [3, false, images.r2!.digest, 'v1.2.0'],
      [2, false, images.r1!.digest, 'v1.1.0'],
      [1, false, null, null],
    ],
  );
  assert.is(revs[4]!.image, `${URI}:v1.0.0`, 'a revision without annotations still shows its image');
  assert.equal(revs[2]!.record, { digest: images.r2!.digest, tree: images.r2!.tree, commit: commit('r2'), release: 'v1.2.0', deployedAt: '2025-05-02T10:00:00Z', approver: 'ann@example.com', build: 'https://jenkins.example.com/job/shop/job/staging/2/', reason: 'pipeline' });

  const table = await history('--env', 'green');
  assert.is(table.status, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^\s+REVISION\s+DIGEST\s+RELEASE\s+TREE\s+COMMIT\s+DEPLOYED\s+APPROVER\s+BUILD\s+REASON$/);
  assert.equal(lines.slice(1).map((l) => l.slice(0, 12).trim()), ['*  5', '4', '3', '2', '1']);
  assert.match(lines[3]!, new RegExp(`3\\s+${images.r2!.digest.slice(0, 19)}\\s+v1\\.2\\.0\\s+${images.r2!.tree.slice(0, 12)}\\s+${commit('r2').slice(0, 12)}\\s+2025-05-02T10:00:00Z\\s+ann@example\\.com\\s+https://jenkins\\.example\\.com/job/shop/job/staging/2/\\s+pipeline$`));
  assert.match(lines[5]!, new RegExp(`^\\s+1\\s+${URI.replace(/\./g, '\\.')}:v1\\.0\\.0\\s+-\\s+-\\s+-\\s+\\d{4}-`));

  const none = await history('--env', 'develop');
  assert.is(none.status, 0, none.stderr);
  assert.is(none.stdout, 'shop is not deployed in shop-develop\n');
});

test('rollback puts back the newest earlier verified release, skipping one never verified; history then shows it with the reason', async () => {
  if (!setUp()) return;
  standin.deploymentController('rollout');
  const before = Date.now();
  const r = await rollback('--env', 'green', '--reason', 'errors since v1.3.0', '--json');
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.status, 'rolled-back');
  assert.equal([out.target.digest, out.target.release, out.target.tree, out.target.verifiedTag], [images.r2!.digest, 'v1.2.0', images.r2!.tree, `verified-green-${images.r2!.tree}`]);
  assert.equal(out.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]), [['ran-here', true], ['verified', true]]);
  assert.equal(out.clusters.map((c: { from: { revision: number }; revision: number }) => [c.from.revision, c.revision]), [[5, 6]]);

  const t = template();
  const [appC, sidecar] = t.template.spec.containers;
  assert.is(appC!.image, `${URI}@${images.r2!.digest}`);
  assert.equal(appC!.ports, [{ containerPort: 8000 }], 'the strategic merge patch keeps the rest of the container');
  assert.ok(appC!.resources);
  assert.is(sidecar?.name, 'log-router', 'and the other containers');
  const a = t.template.metadata.annotations;
  assert.equal(
    [a[A.digest], a[A.tree], a[A.commit], a[A.release], a[A.approver], a[A.build], a[A.reason]],
    [images.r2!.digest, images.r2!.tree, commit('r2'), 'v1.2.0', '', 'pipewright rollback by ops@example.com', 'rollback: errors since v1.3.0'],
  );
  const at = Date.parse(a[A.deployedAt]!);
  assert.ok(at >= before - 1000 && at <= Date.now(), a[A.deployedAt]);
  const patch = standin.writes().filter((w) => w.method === 'PATCH');
  assert.is(patch.length, 1);
  assert.is(patch[0]!.contentType, 'application/strategic-merge-patch+json');
  assert.ok((patch[0]!.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion, 'the patch is conditional on the resourceVersion read');

  const h = JSON.parse((await history('--env', 'green', '--json')).stdout).clusters[0];
  assert.equal([h.revisions[0].revision, h.revisions[0].current, h.revisions[0].digest, h.revisions[0].record.reason], [6, true, images.r2!.digest, 'rollback: errors since v1.3.0']);
  assert.is(h.revisions[1].current, false);
});

test('rollback refuses a digest that never ran in the environment unless --force', async () => {
  if (!setUp()) return;
  standin.deploymentController('rollout');
  const r4 = images.r4!.digest;
  const refused = await rollback('--env', 'green', '--image', r4, '--reason', 'try r4');
  assert.is(refused.status, 1, refused.stderr);
  assert.match(refused.stdout, /FAIL ran-here: sha256:[0-9a-f]{12} never ran in shop-green in main \(eu-west-1\) \(its ReplicaSets go back to revision 1; the controller keeps revisionHistoryLimit 10\)/);
  assert.match(refused.stdout, /pass verified: ECR tag verified-green-[0-9a-f]{40} names it/);
  assert.match(refused.stderr, /^rollback of green refused: ran-here: .*; pass --force to roll back anyway: nothing was changed$/m);
  assert.not.match(refused.stderr, /verified:/);
  assert.equal(standin.writes(), []);

  const forced = await rollback('--env', 'green', '--image', r4, '--reason', 'try r4', '--force', '--json');
  assert.is(forced.status, 0, forced.stderr);
  const out = JSON.parse(forced.stdout);
  assert.equal([out.status, out.forced, out.checks[0].ok], ['rolled-back', true, false]);
  assert.is(template().template.spec.containers[0]!.image, `${URI}@${r4}`);
});

test('rollback refuses an image never verified in the environment unless --force, by tag or digest; an unknown tag is an error', async () => {
  if (!setUp()) return;
  standin.deploymentController('rollout');
  const refused = await rollback('--env', 'green', '--image', `git-${images.u!.tree}`, '--reason', 'back to u');
  assert.is(refused.status, 1, refused.stderr);
  assert.match(refused.stdout, /pass ran-here: ran in shop-green as revision 4 in main \(eu-west-1\)\n/);
  assert.match(refused.stdout, /FAIL verified: sha256:[0-9a-f]{12} has no green verified tag \(verified-green-<tree>\) in ECR: it never passed green's verification \(its tags: git-[0-9a-f]{40}\)/);
  assert.match(refused.stderr, /refused: verified: .*pass --force/);
  assert.match(refused.stdout, /main \(eu-west-1\), context standin: was revision 5 \(sha256:[0-9a-f]{64}\); not changed\n/);
  assert.not.match(refused.stderr, /ran-here:/);
  assert.equal(standin.writes(), []);

  const forced = await rollback('--env', 'green', '--image', `${URI}@${images.u!.digest}`, '--reason', 'back to u', '--force');
  assert.is(forced.status, 0, forced.stderr);
  assert.match(forced.stdout, /FORCED verified:/);
  assert.match(forced.stdout, /^rolled back: shop-green runs sha256:[0-9a-f]{64} again in main \(revision 6\)$/m);

  const unknown = await rollback('--env', 'green', '--image', 'v9.9.9', '--reason', 'x');
  assert.is(unknown.status, 1, unknown.stderr);
  assert.match(unknown.stderr, /^rollback: no image tagged v9\.9\.9 in ECR repository shop \(eu-west-1\), and no revision in shop-green has release v9\.9\.9; nothing was changed$/m);

  // ECR has no release tags: a release names the digest of the revision that ran it.
  const release = await rollback('--env', 'green', '--image', 'v1.1.0', '--reason', 'x', '--dry-run', '--json');
  assert.is(release.status, 0, release.stderr);
  assert.equal([JSON.parse(release.stdout).status, JSON.parse(release.stdout).target.digest], ['would-roll-back', images.r1!.digest]);
});

test('rollback --dry-run runs the checks, prints the patch and changes nothing', async () => {
  if (!setUp()) return;
  standin.deploymentController('rollout');
  const r = await rollback('--env', 'green', '--reason', 'dry', '--dry-run');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /dry run: nothing was changed; would send/);
  assert.match(r.stdout, /PATCH deployment\/shop in shop-green on main \(eu-west-1\), resourceVersion \d+/);
  const patch = JSON.parse(r.stdout.slice(r.stdout.indexOf('\n{') + 1));
  assert.is(patch.spec.template.spec.containers[0].image, `${URI}@${images.r2!.digest}`);
  assert.is(patch.spec.template.metadata.annotations[A.reason], 'rollback: dry');
  assert.equal(standin.writes(), []);
  assert.is(template().template.spec.containers[0]!.image, `${URI}@${images.r3!.digest}`);
});

test('a rollout that never finishes fails within --rollout-timeout, saying what was done and how to finish', async () => {
  if (!setUp()) return;
  standin.deploymentController('stuck');
  const start = Date.now();
  const r = await rollback('--env', 'green', '--reason', 'stuck', '--rollout-timeout', '2s');
  const took = Date.now() - start;
  assert.is(r.status, 1, r.stderr);
  assert.ok(took < 20_000, `took ${took} ms`);
  assert.match(r.stderr, /rollout of deployment\/shop in namespace shop-green \(context standin\) did not finish within 2s \(--rollout-timeout\): 1 of 2 updated, 2 available/);
  assert.match(r.stderr, /done before it stopped: patched deployment\/shop in shop-green on main \(eu-west-1\) to sha256:[0-9a-f]{12}/);
  assert.match(r.stderr, /run pipewright rollback --env green --image sha256:[0-9a-f]{64} --reason stuck again to finish/);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.is(template().template.spec.containers[0]!.image, `${URI}@${images.r2!.digest}`);
});

test('rollback: --env and --reason are required; bad values are usage errors (exit 2)', async () => {
  if (!setUp()) return;
  const cases: [string[], RegExp][] = [
    [['--env', 'green'], /required option '--reason <text>' not specified/],
    [['--reason', 'x'], /required option '--env <name>' not specified/],
    [['--env', 'green', '--reason', '  '], /--reason <text> is required: say why/],
    [['--env', 'nope', '--reason', 'x'], /--env nope: no such environment in pipewright\.yaml \(allowed: develop, green, blue\)/],
    [['--env', 'green', '--reason', 'x', '--image', 'not a tag!'], /--image not a tag!: not an image tag or sha256: digest/],
    [['--env', 'green', '--reason', 'x', '--rollout-timeout', '5x'], /--rollout-timeout 5x: expected a duration such as 5m, 90s or 600/],
    // --to is an environment (promote): the image is --image, as in promote.
    [['--env', 'green', '--reason', 'x', '--to', 'v1.1.0'], /^rollback: --to is now --image <tag\|sha256:digest> \(--to names an environment, as in promote\): --image v1\.1\.0\n$/],
  ];
  for (const [args, message] of cases) {
    const r = await rollback(...args);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(standin.writes(), []);
  const h = await history();
  assert.is(h.status, 2);
  assert.match(h.stderr, /required option '--env <name>' not specified/);
});

test('the deployer Role of cluster bootstrap allows every Kubernetes call of history and rollback', () => {
  const rules = deployerRules({ ingress: { enabled: false }, scaling: null, disruptionBudget: null } as unknown as OverlayShape);
  const allows = (resource: string, verb: string) => rules.some((r) => r.apiGroups.includes('apps') && r.resources.includes(resource) && r.verbs.includes(verb));
  for (const [resource, verb] of [['deployments', 'get'], ['deployments', 'patch'], ['replicasets', 'list']] as const) assert.ok(allows(resource, verb), `${verb} ${resource}`);
});

test('history and rollback --help show examples', async () => {
  const rb = await runCliAsync(['rollback', '--help']);
  assert.is(rb.status, 0, rb.stderr);
  assert.match(rb.stdout, /Examples:\n\s+pipewright rollback --env blue --reason "5xx since v1\.4\.0" --dry-run/);
  for (const flag of ['--env', '--reason', '--image', '--force', '--dry-run', '--json', '--rollout-timeout', '--timeout', '--context', '--kubeconfig']) assert.ok(rb.stdout.includes(flag), flag);
  assert.not.match(rb.stdout, /--to\b/, 'the old name is not offered');
  const h = await runCliAsync(['history', '--help']);
  assert.is(h.status, 0, h.stderr);
  assert.match(h.stdout, /Examples:\n\s+pipewright history --env blue/);
});

test('rollback rolls back every cluster of the environment, each through its own EKS context', async () => {
  if (!setUp()) return;
  // Two clusters, two stand-ins, one kubeconfig with a context per EKS cluster (as update-kubeconfig writes it).
  greenHistory(standin, 'shop-blue');
  us.deployHistory('shop', 'shop-blue', [released('r2', 'v1.2.0', 2), released('r3', 'v1.3.0', 4)]);
  standin.deploymentController('rollout');
  us.deploymentController('rollout');
  const t = tempDir();
  try {
    const both = mergedKubeconfig(path.join(t.dir, 'both'), [
      { standin, context: 'arn:aws:eks:eu-west-1:123456789012:cluster/delivery' },
      { standin: us, context: 'arn:aws:eks:us-east-1:123456789012:cluster/delivery-us' },
    ]);
    const r = await runCliAsync(['-C', app, 'rollback', '--env', 'blue', '--reason', 'both', '--kubeconfig', both, '--endpoint-url', moto!.endpoint, '--json'], { env: env() });
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.clusters.map((c: { cluster: string; from: { revision: number }; revision: number }) => [c.cluster, c.from.revision, c.revision]), [
      ['delivery', 5, 6],
      ['delivery-us', 2, 3],
    ]);
    assert.is(template(standin, 'shop-blue').template.spec.containers[0]!.image, `${URI}@${images.r2!.digest}`);
    assert.is(template(us, 'shop-blue').template.spec.containers[0]!.image, `${URI}@${images.r2!.digest}`);
    // In the us cluster r2 is revision 1's template again, but annotated anew: a new ReplicaSet, revision 3.
    assert.is(us.all('ReplicaSet').length, 3);
  } finally {
    t.cleanup();
  }
});

test.run();
