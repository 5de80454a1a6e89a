// `pipewright ecr ensure` and `pipewright promote` against a real moto server (one per file),
// through the real CLI bundle. Retries are proven with small HTTP proxies in front of moto that
// fail the first attempt of each call; permissions with moto's own IAM enforcement.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import { desiredRepository, lifecyclePolicy, planRepository, sameLifecyclePolicy, type RepositoryState } from '../src/aws/ecr-plan.js';
import { parseImageRef, promotionEnvironments, treeOf } from '../src/release/promote.js';
import { validateConfig } from '../src/config/validate.js';
import { UsageError } from '../src/core/errors.js';
import { resolveModel } from '../src/model/model.js';
import { engineAvailable, runCliAsync, tempDir, EngineSuite } from './helpers.js';
import { awsTestEnv, freePort, imageManifest, startMoto, treeHash, type Moto, forwardTo, readAll } from './moto.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const hasMoto = engineAvailable('python3', ['-c', 'import moto']);
const work = tempDir('pipewright-ecr-');
const HOME = path.join(work.dir, 'home');
mkdirSync(HOME);
let moto: Moto | undefined;
const motoSuite = new EngineSuite(hasMoto);

test.before(() =>
  motoSuite.setUp(async () => {
    moto = await startMoto();
  }),
);

/** Whether the test can run: false without moto (outside CI); throws when moto would not start. */
const withMoto = (): boolean => motoSuite.ready();
test.after(async () => {
  await moto?.stop();
  work.cleanup();
});

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const KEY = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const AWS_ENV = awsTestEnv(HOME);

const ENVIRONMENTS = `environments:
  - { name: develop, branch: develop }
  - { name: green, branch: staging }
  - { name: blue, branch: master, production: true }
`;

let projects = 0;
/** A project dir with a pipewright.yaml for `app` (each test uses its own app, so its own repository). */
function project(app: string, rest = ENVIRONMENTS, image = ''): string {
  const dir = path.join(work.dir, `p${++projects}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'pipewright.yaml'), `app: ${app}\naws:\n  accountId: "${ACCOUNT}"\n  region: ${REGION}\n${image}${rest}`);
  return dir;
}

function cli(dir: string, args: string[], opts: { env?: NodeJS.ProcessEnv; endpoint?: string | null } = {}) {
  const endpoint = opts.endpoint === undefined ? moto!.endpoint : opts.endpoint;
  return runCliAsync([...args, ...(endpoint ? ['--endpoint-url', endpoint] : [])], { cwd: dir, env: { ...AWS_ENV, ...opts.env } });
}

const ecr = (region = REGION) => new ECRClient({ region, endpoint: moto!.endpoint, credentials: KEY });

const tree = treeHash;
const manifest = imageManifest;

/** Push an image (as the pipeline would: a manifest under a tag); returns its digest. */
async function push(repository: string, tag: string, n: string): Promise<string> {
  const out = await ecr().send(
    new PutImageCommand({ repositoryName: repository, imageTag: tag, imageManifest: manifest(n), imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json' }),
  );
  return out.image!.imageId!.imageDigest!;
}

/** tag → digest, for every tag in the repository. */
async function tags(repository: string): Promise<Record<string, string>> {
  const out = await ecr().send(new DescribeImagesCommand({ repositoryName: repository }));
  const map: Record<string, string> = {};
  for (const d of out.imageDetails ?? []) for (const t of d.imageTags ?? []) map[t] = d.imageDigest!;
  return map;
}

async function repository(name: string, region = REGION) {
  try {
    return (await ecr(region).send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories![0]!;
  } catch (e) {
    if ((e as Error).name === 'RepositoryNotFoundException') return null;
    throw e;
  }
}

async function policy(name: string) {
  try {
    return JSON.parse((await ecr().send(new GetLifecyclePolicyCommand({ repositoryName: name }))).lifecyclePolicyText!);
  } catch (e) {
    if ((e as Error).name === 'LifecyclePolicyNotFoundException') return null;
    throw e;
  }
}

/** A repository the pipeline can promote in: created by `ecr ensure`, with one image built from `n`. */
async function repoWithImage(dir: string, app: string, n: string) {
  const r = await cli(dir, ['ecr', 'ensure']);
  assert.is(r.status, 0, r.stderr);
  const t = tree(n);
  const digest = await push(app, `git-${t}`, n);
  assert.is(await push(app, `develop-${t.slice(0, 12)}`, n), digest);
  // develop's Verify stage passed with it: green may take it.
  assert.is(await push(app, `verified-develop-${t}`, n), digest);
  return { tree: t, digest };
}

const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  assert.is(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.not.match(stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
};

// ---------------------------------------------------------------------------------------------
// The pure planner

const model = (environments?: unknown, image?: unknown) =>
  resolveModel(validateConfig({ app: 'shop', aws: { accountId: ACCOUNT, region: REGION }, ...(environments ? { environments } : {}), ...(image ? { image } : {}) }, 'p.yaml'), 'p.yaml');

test('lifecycle policy: untagged first, then production, then the environments backwards', () => {
  const p = lifecyclePolicy(model(undefined, { keep: 12, untaggedDays: 5 }));
  assert.equal(
    p.rules.map((r) => [r.rulePriority, r.selection.tagStatus, 'tagPrefixList' in r.selection ? r.selection.tagPrefixList : r.selection.countNumber]),
    [
      [1, 'untagged', 5],
      [2, 'tagged', ['master-']],
      [3, 'tagged', ['staging-']],
      [4, 'tagged', ['develop-']],
    ],
  );
  assert.equal(p.rules[1], {
    rulePriority: 2,
    description: 'blue: keep the last 12 images tagged master-*',
    selection: { tagStatus: 'tagged', tagPrefixList: ['master-'], countType: 'imageCountMoreThan', countNumber: 12 },
    action: { type: 'expire' },
  });
  assert.equal(p.rules[0]!.selection, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 });
  // Four environments, production in the middle of the list (unusual, but allowed): it still comes first.
  const four = lifecyclePolicy(
    model([
      { name: 'develop', branch: 'develop' },
      { name: 'blue', branch: 'master', production: true },
      { name: 'qa', branch: 'qa' },
      { name: 'green', branch: 'staging' },
    ]),
  );
  assert.equal(
    four.rules.slice(1).map((r) => ('tagPrefixList' in r.selection ? r.selection.tagPrefixList[0] : '')),
    ['master-', 'staging-', 'qa-', 'develop-'],
  );
});

test('plan: a missing repository is created with every setting, then gets its lifecycle policy', () => {
  const m = model(undefined, { encryption: 'KMS', kmsKey: 'alias/ecr', scanOnPush: false });
  const plan = planRepository(desiredRepository(m), null, { registryId: ACCOUNT, repositoryName: 'shop' });
  assert.equal(
    plan.calls.map((c) => c.operation),
    ['CreateRepository', 'PutLifecyclePolicy'],
  );
  assert.equal(plan.calls[0]!.params, {
    registryId: ACCOUNT,
    repositoryName: 'shop',
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: false },
    encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/ecr' },
  });
  assert.equal(JSON.parse(plan.calls[1]!.params.lifecyclePolicyText as string), lifecyclePolicy(m));
  assert.equal(plan.drift, []);
});

test('plan: only what differs; lifecycle policies compare by meaning; encryption drift is reported, not "fixed"', () => {
  const m = model();
  const want = desiredRepository(m);
  const names = { registryId: ACCOUNT, repositoryName: 'shop' };
  assert.equal(planRepository(want, want, names), { calls: [], drift: [] });

  // The same policy, pretty-printed, keys in another order and rules reversed: no change.
  const reordered = {
    rules: [...lifecyclePolicy(m).rules].reverse().map((r) => ({ action: r.action, selection: { ...r.selection }, description: r.description, rulePriority: r.rulePriority })),
  };
  const same: RepositoryState = { ...want, lifecyclePolicyText: JSON.stringify(reordered, null, 4) };
  assert.ok(sameLifecyclePolicy(same.lifecyclePolicyText, want.lifecyclePolicyText));
  assert.equal(planRepository(want, same, names).calls, []);

  const changed = JSON.parse(want.lifecyclePolicyText!);
  changed.rules[2].selection.countNumber = 31;
  assert.not.ok(sameLifecyclePolicy(JSON.stringify(changed), want.lifecyclePolicyText));

  const wrong: RepositoryState = {
    imageTagMutability: 'MUTABLE',
    scanOnPush: false,
    encryption: { encryptionType: 'KMS', kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/0f6c2f5e-1b2a-4c3d-9e8f-123456789abc' },
    lifecyclePolicyText: JSON.stringify(changed),
  };
  const plan = planRepository(want, wrong, names);
  assert.equal(
    plan.calls.map((c) => [c.operation, c.reason]),
    [
      ['PutImageTagMutability', 'tags are MUTABLE, want IMMUTABLE'],
      ['PutImageScanningConfiguration', 'scanOnPush is false, want true'],
      ['PutLifecyclePolicy', 'the lifecycle policy differs'],
    ],
  );
  assert.is(plan.drift.length, 1);
  assert.match(plan.drift[0]!, /encrypted with KMS .* asks for AES256 .*must be recreated/);

  // KMS keys: an ARN or key id is compared with what ECR reports; an alias cannot be, and is accepted.
  const kms = (kmsKey: string) => desiredRepository(model(undefined, { encryption: 'KMS', kmsKey }));
  const actual = { ...want, encryption: wrong.encryption };
  assert.equal(planRepository({ ...kms('0f6c2f5e-1b2a-4c3d-9e8f-123456789abc'), lifecyclePolicyText: want.lifecyclePolicyText }, actual, names).drift, []);
  assert.equal(planRepository({ ...kms('alias/ecr'), lifecyclePolicyText: want.lifecyclePolicyText }, actual, names).drift, []);
  assert.is(planRepository({ ...kms('11111111-1b2a-4c3d-9e8f-123456789abc'), lifecyclePolicyText: want.lifecyclePolicyText }, actual, names).drift.length, 1);
});

test('promotion: environments in order, image references, the tree of an image', () => {
  const m = model();
  assert.equal(
    promotionEnvironments(m, 'develop', 'blue').map((e) => e.name),
    ['develop', 'blue'],
  );
  assert.throws(() => promotionEnvironments(m, 'develop', 'prod'), (e: Error) => e instanceof UsageError && /allowed: develop, green, blue/.test(e.message));
  assert.throws(() => promotionEnvironments(m, 'blue', 'green'), (e: Error) => e instanceof UsageError && /does not come after/.test(e.message));
  const uri = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop`;
  const d = `sha256:${'ab'.repeat(32)}`;
  assert.equal(parseImageRef(d, uri), { imageDigest: d });
  assert.equal(parseImageRef(`${uri}@${d}`, uri), { imageDigest: d });
  assert.equal(parseImageRef(`${uri}:git-abc`, uri), { imageTag: 'git-abc' });
  assert.throws(() => parseImageRef('sha256:xyz/..', uri), (e: Error) => e instanceof UsageError);
  // image.registry gives the repository a second name: a tag under either name is found.
  assert.equal(parseImageRef('mirror.example.internal/shop:git-abc', [uri, 'mirror.example.internal/shop']), { imageTag: 'git-abc' });
  const [a, b] = [tree('a'), tree('b')].sort() as [string, string];
  assert.is(treeOf(['develop-x', `git-${a}`], 'develop'), a);
  assert.is(treeOf([`git-${a}`, `git-${b}`, `develop-${b.slice(0, 12)}`], 'develop'), b);
  assert.is(treeOf(['latest'], 'develop'), null);
});

// ---------------------------------------------------------------------------------------------
// ecr ensure

test('ecr ensure creates the repository with every setting; a second run changes nothing', async () => {
  if (!withMoto()) return;
  const dir = project('created', ENVIRONMENTS, 'image:\n  keep: 7\n  untaggedDays: 2\n');
  const first = await cli(dir, ['ecr', 'ensure']);
  assert.is(first.status, 0, first.stderr);
  assert.is(
    first.stdout,
    `ECR repository created (account ${ACCOUNT}, ${REGION}): created (${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/created)\n` +
      '  CreateRepository: the repository does not exist\n  PutLifecyclePolicy: a new repository has no lifecycle policy\n',
  );
  const repo = await repository('created');
  assert.is(repo?.imageTagMutability, 'IMMUTABLE');
  assert.equal(repo?.imageScanningConfiguration, { scanOnPush: true });
  assert.is(repo?.encryptionConfiguration?.encryptionType, 'AES256');
  const p = await policy('created');
  assert.equal(
    p.rules.map((r: { rulePriority: number; selection: { tagStatus: string; tagPrefixList?: string[]; countNumber: number } }) => [
      r.rulePriority,
      r.selection.tagStatus,
      r.selection.tagPrefixList ?? null,
      r.selection.countNumber,
    ]),
    [
      [1, 'untagged', null, 2],
      [2, 'tagged', ['master-'], 7],
      [3, 'tagged', ['staging-'], 7],
      [4, 'tagged', ['develop-'], 7],
    ],
  );
  const second = await cli(dir, ['ecr', 'ensure']);
  assert.is(second.status, 0, second.stderr);
  assert.is(second.stdout, `ECR repository created (account ${ACCOUNT}, ${REGION}): nothing to change\n`);
  const json = await cli(dir, ['ecr', 'ensure', '--json']);
  assert.is(json.status, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout), {
    repository: 'created',
    registryId: ACCOUNT,
    region: REGION,
    dryRun: false,
    uri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/created`,
    status: 'unchanged',
    calls: [],
    drift: [],
  });
});

test('ecr ensure converges a repository created with the wrong settings, and only touches what differs', async () => {
  if (!withMoto()) return;
  await ecr().send(new CreateRepositoryCommand({ repositoryName: 'wrong', imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: false } }));
  const wrongPolicy = { rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] };
  await ecr().send(new PutLifecyclePolicyCommand({ repositoryName: 'wrong', lifecyclePolicyText: JSON.stringify(wrongPolicy) }));
  const dir = project('wrong');
  const r = await cli(dir, ['ecr', 'ensure', '--json']);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.status, 'updated');
  assert.equal(
    out.calls.map((c: { operation: string }) => c.operation),
    ['PutImageTagMutability', 'PutImageScanningConfiguration', 'PutLifecyclePolicy'],
  );
  const repo = await repository('wrong');
  assert.is(repo?.imageTagMutability, 'IMMUTABLE');
  assert.is(repo?.imageScanningConfiguration?.scanOnPush, true);
  assert.equal(await policy('wrong'), lifecyclePolicy(model()));
  const again = await cli(dir, ['ecr', 'ensure', '--json']);
  assert.is(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).calls, []);
  assert.is(JSON.parse(again.stdout).status, 'unchanged');
});

test('ecr ensure --dry-run prints the calls and changes nothing', async () => {
  if (!withMoto()) return;
  const fresh = project('dry');
  const r = await cli(fresh, ['ecr', 'ensure', '--dry-run']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /would make 2 call\(s\)/);
  assert.match(r.stdout, /\n  CreateRepository \{"registryId":"123456789012","repositoryName":"dry","imageTagMutability":"IMMUTABLE",/);
  assert.match(r.stdout, /\n  PutLifecyclePolicy \{.*master-/);
  assert.is(await repository('dry'), null);

  await ecr().send(new CreateRepositoryCommand({ repositoryName: 'dry-wrong', imageTagMutability: 'MUTABLE' }));
  const j = await cli(project('dry-wrong'), ['ecr', 'ensure', '--dry-run', '--json']);
  assert.is(j.status, 0, j.stderr);
  const out = JSON.parse(j.stdout);
  assert.is(out.status, 'would-update');
  assert.equal(
    out.calls.map((c: { operation: string; params: Record<string, unknown> }) => [c.operation, c.params.imageTagMutability ?? c.params.imageScanningConfiguration ?? 'policy']),
    [
      ['PutImageTagMutability', 'IMMUTABLE'],
      ['PutImageScanningConfiguration', { scanOnPush: true }],
      ['PutLifecyclePolicy', 'policy'],
    ],
  );
  const repo = await repository('dry-wrong');
  assert.is(repo?.imageTagMutability, 'MUTABLE');
  assert.is(await policy('dry-wrong'), null);
});

test('ecr ensure: encryption cannot change in place: exit 1 saying to recreate, the rest is still fixed', async () => {
  if (!withMoto()) return;
  await ecr().send(new CreateRepositoryCommand({ repositoryName: 'kms', imageTagMutability: 'MUTABLE', encryptionConfiguration: { encryptionType: 'KMS' } }));
  const r = await cli(project('kms'), ['ecr', 'ensure']);
  assert.is(r.status, 1, r.stderr);
  assert.match(oneLine(r.stderr), /^ecr ensure: repository kms is encrypted with KMS \(arn:aws:kms:.*\), but the config asks for AES256 .*must be recreated/);
  assert.is((await repository('kms'))?.imageTagMutability, 'IMMUTABLE');
  assert.ok(await policy('kms'));
});

test('ecr ensure: --region beats the config; AWS_ENDPOINT_URL_ECR works without --endpoint-url', async () => {
  if (!withMoto()) return;
  const dir = project('elsewhere');
  const r = await cli(dir, ['ecr', 'ensure', '--region', 'us-east-2']);
  assert.is(r.status, 0, r.stderr);
  assert.ok(await repository('elsewhere', 'us-east-2'));
  assert.is(await repository('elsewhere', REGION), null);
  const viaEnv = await cli(dir, ['ecr', 'ensure'], { endpoint: null, env: { AWS_ENDPOINT_URL_ECR: moto!.endpoint } });
  assert.is(viaEnv.status, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /\(account 123456789012, eu-west-1\): created/);
  assert.ok(await repository('elsewhere', REGION));
});

// ---------------------------------------------------------------------------------------------
// promote

test('promote re-tags the same digest for the target environment; a second run is "already promoted"', async () => {
  if (!withMoto()) return;
  const dir = project('promo');
  const { tree: t, digest } = await repoWithImage(dir, 'promo', 'one');
  const r = await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`promoted: tagged ${digest} as staging-${t.slice(0, 12)}\\n$`));
  assert.equal(await tags('promo'), { [`git-${t}`]: digest, [`develop-${t.slice(0, 12)}`]: digest, [`staging-${t.slice(0, 12)}`]: digest, [`verified-develop-${t}`]: digest });

  const again = await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`, '--json']);
  assert.is(again.status, 0, again.stderr);
  const out = JSON.parse(again.stdout);
  assert.is(out.status, 'already-promoted');
  assert.is(out.targetTag, `staging-${t.slice(0, 12)}`);
  assert.is(out.image, `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/promo@${digest}`);
  assert.equal(out.source, { ref: `git-${t}`, digest, tags: [`develop-${t.slice(0, 12)}`, `git-${t}`, `staging-${t.slice(0, 12)}`, `verified-develop-${t}`].sort(), tree: t });

  // Not verified on green yet: production refuses it, as the pipeline does, and nothing changes.
  const before = await tags('promo');
  const early = await cli(dir, ['promote', '--from', 'green', '--to', 'blue', '--image', digest]);
  assert.is(early.status, 1, early.stderr);
  assert.match(early.stdout, `FAIL verified-upstream: no verified-green-${t} tag: the image never passed Verify green (smoke check and alarms)`);
  assert.equal(await tags('promo'), before);
  // green's Verify stage passed: by digest, on to production.
  await push('promo', `verified-green-${t}`, 'one');
  const blue = await cli(dir, ['promote', '--from', 'green', '--to', 'blue', '--image', digest, '--json']);
  assert.is(blue.status, 0, blue.stderr);
  assert.is(JSON.parse(blue.stdout).status, 'promoted');
  assert.is((await tags('promo'))[`master-${t.slice(0, 12)}`], digest);
});

test('promote refuses when the target tag names another digest, and changes nothing', async () => {
  if (!withMoto()) return;
  const dir = project('clash');
  const { tree: t, digest } = await repoWithImage(dir, 'clash', 'mine');
  const other = await push('clash', `staging-${t.slice(0, 12)}`, 'theirs');
  assert.is.not(other, digest);
  const before = await tags('clash');
  const r = await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`]);
  assert.is(r.status, 1, r.stderr);
  assert.match(oneLine(r.stderr), new RegExp(`refused: staging-${t.slice(0, 12)} already names ${other}, not ${digest}`));
  assert.equal(await tags('clash'), before);
});

test('promote: a missing image is an error and changes nothing; environments are checked', async () => {
  if (!withMoto()) return;
  const dir = project('missing');
  await repoWithImage(dir, 'missing', 'x');
  const before = await tags('missing');
  const r = await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${tree('never built')}`]);
  assert.is(r.status, 1);
  assert.match(oneLine(r.stderr), /^promote: no image git-[0-9a-f]{40} in ECR repository missing \(eu-west-1\): nothing was changed$/);
  assert.equal(await tags('missing'), before);

  const unknown = await cli(dir, ['promote', '--from', 'develop', '--to', 'prod', '--image', 'x']);
  assert.is(unknown.status, 2);
  assert.is(oneLine(unknown.stderr), '--to prod: no such environment in pipewright.yaml (allowed: develop, green, blue)');
  const backwards = await cli(dir, ['promote', '--from', 'blue', '--to', 'develop', '--image', 'x']);
  assert.is(backwards.status, 2);
  assert.match(oneLine(backwards.stderr), /--to develop does not come after --from blue/);
  // Without --image the image comes from the cluster (test/status-promote.test.ts): with no kubeconfig, it says how to get one.
  const noImage = await cli(dir, ['promote', '--from', 'develop', '--to', 'green'], { env: { KUBECONFIG: undefined } });
  assert.is(noImage.status, 2);
  assert.match(oneLine(noImage.stderr), /^no kubeconfig: .*aws eks update-kubeconfig/);
  assert.equal(await tags('missing'), before);
});

const CHECKED = (checks: string) => `environments:
  - { name: develop, branch: develop }
  - name: green
    branch: staging
    requiredChecks:
${checks}
  - { name: blue, branch: master, production: true, requiredChecks: [ { name: scan-clean } ] }
`;

test('promote runs every required check of the target first: a failing command blocks, passing ones allow', async () => {
  if (!withMoto()) return;
  const failing = project(
    'checked',
    CHECKED(`      - { name: smoke, command: 'echo "smoke test of $PW_APP $PW_FROM to $PW_TO"; echo broken >&2; exit 3' }
      - { name: digest-known, command: 'test "$PW_IMAGE" = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checked@$PW_DIGEST" && echo "image $PW_DIGEST"' }`),
  );
  const { tree: t, digest } = await repoWithImage(failing, 'checked', 'c');
  const before = await tags('checked');
  const r = await cli(failing, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`]);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, /\n  FAIL smoke: exit 3\n      \| smoke test of checked develop to green\n      \| broken\n/);
  assert.match(r.stdout, new RegExp(`\\n  pass digest-known: exit 0\\n      \\| image ${digest}\\n`));
  assert.match(oneLine(r.stderr), /refused: 1 of 3 required check\(s\) of green failed \(smoke\): nothing was changed/);
  assert.equal(await tags('checked'), before);

  const passing = project(
    'checked',
    CHECKED(`      - { name: smoke, command: 'echo ok' }
      - { name: digest-known, command: 'test "$PW_IMAGE" = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checked@$PW_DIGEST"' }`),
  );
  const dry = await cli(passing, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`, '--dry-run', '--json']);
  assert.is(dry.status, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout);
  assert.is(plan.status, 'would-promote');
  assert.equal(
    plan.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]),
    [
      ['verified-upstream', true],
      ['smoke', true],
      ['digest-known', true],
    ],
  );
  assert.equal(plan.call.operation, 'PutImage');
  assert.equal(
    { ...plan.call.params, imageManifest: JSON.parse(plan.call.params.imageManifest) },
    {
      registryId: ACCOUNT,
      repositoryName: 'checked',
      imageTag: `staging-${t.slice(0, 12)}`,
      imageDigest: digest,
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      imageManifest: JSON.parse(manifest('c')),
    },
  );
  assert.equal(await tags('checked'), before, 'a dry run changes nothing');

  const ok = await cli(passing, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`]);
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /  pass smoke: exit 0\n      \| ok\n  pass digest-known: exit 0\n/);
  assert.is((await tags('checked'))[`staging-${t.slice(0, 12)}`], digest);
});

test('promote: scan-clean reads ECR scan findings: no scan or HIGH findings block, a clean scan passes', async () => {
  if (!withMoto()) return;
  const dir = project('scanned', CHECKED(`      - { name: smoke, command: 'true' }`));
  const { tree: t, digest } = await repoWithImage(dir, 'scanned', 's');
  assert.is((await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`])).status, 0);
  await push('scanned', `verified-green-${t}`, 's');
  const args = ['promote', '--from', 'green', '--to', 'blue', '--image', `git-${t}`];

  const unscanned = await cli(dir, args);
  assert.is(unscanned.status, 1);
  assert.match(unscanned.stdout, /FAIL scan-clean: the image has never been scanned/);

  // moto's scan reports one HIGH finding (CVE-9999-9999) unless told otherwise.
  await ecr().send(new StartImageScanCommand({ repositoryName: 'scanned', imageId: { imageDigest: digest } }));
  const high = await cli(dir, [...args, '--json']);
  assert.is(high.status, 1);
  const out = JSON.parse(high.stdout);
  assert.is(out.status, 'checks-failed');
  assert.equal(out.checks, [
    { name: 'verified-upstream', ok: true, detail: `verified-green-${t} names it: it passed Verify green` },
    { name: 'scan-clean', ok: false, detail: 'the scan found 1 HIGH (all findings: 1 HIGH)' },
  ]);
  assert.is((await tags('scanned'))[`master-${t.slice(0, 12)}`], undefined);

  // A clean result for this image (moto's API for configuring scan results).
  await moto!.api(
    '/moto-api/static/ecr/scan-finding-results',
    JSON.stringify({
      region: REGION,
      results: [
        {
          registryId: ACCOUNT,
          repositoryName: 'scanned',
          imageId: { imageDigest: digest },
          imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
          imageScanFindings: { findings: [], findingSeverityCounts: { MEDIUM: 2, LOW: 1 } },
        },
      ],
    }),
  );
  const clean = await cli(dir, args);
  assert.is(clean.status, 0, clean.stderr);
  assert.match(clean.stdout, /  pass scan-clean: no CRITICAL or HIGH findings \(2 MEDIUM, 1 LOW\)\n/);
  assert.is((await tags('scanned'))[`master-${t.slice(0, 12)}`], digest);
});

test('promote: the source-ready check reads the cluster: without a kubeconfig, a usage error and nothing changed', async () => {
  if (!withMoto()) return;
  const dir = project('ready', CHECKED(`      - { name: source-ready }`));
  const { tree: t } = await repoWithImage(dir, 'ready', 'r');
  const before = await tags('ready');
  const r = await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`], { env: { KUBECONFIG: undefined } });
  assert.is(r.status, 2);
  assert.match(oneLine(r.stderr), /^no kubeconfig: /);
  assert.equal(await tags('ready'), before);
});

// ---------------------------------------------------------------------------------------------
// Retries: a proxy in front of moto that fails the first attempt of every call

type Fault = 'forward' | 'unavailable' | 'lost-response' | 'throttle';

interface Proxy {
  readonly url: string;
  /** Every request: its operation and what the proxy did. */
  readonly log: { op: string; fault: Fault }[];
  close(): Promise<void>;
}

/** A proxy to moto; `fault(op, n)` decides what happens to the n-th request (1-based) for `op`. */
async function startProxy(fault: (op: string, n: number) => Fault): Promise<Proxy> {
  const seen = new Map<string, number>();
  const log: Proxy['log'] = [];
  const forward = forwardTo(moto!.endpoint);
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const n = (seen.get(op) ?? 0) + 1;
    seen.set(op, n);
    const f = fault(op, n);
    log.push({ op, fault: f });
    const json = (status: number, type: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: type, message }));
    };
    if (f === 'unavailable') return json(503, 'ServerException', 'Service Unavailable');
    if (f === 'throttle') return json(400, 'ThrottlingException', 'Rate exceeded');
    const answer = await forward(req, body);
    // The call reached moto and took effect; its answer is lost on the way back.
    if (f === 'lost-response') return json(503, 'ServerException', 'Service Unavailable');
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const attempts = (p: Proxy, op: string) => p.log.filter((l) => l.op === op).map((l) => l.fault);

test('retries: 503 before the call reaches ECR (mode A): ensure and promote succeed, nothing doubled', async () => {
  if (!withMoto()) return;
  const dir = project('retry-a');
  const proxy = await startProxy((_op, n) => (n === 1 ? 'unavailable' : 'forward'));
  try {
    const r = await cli(dir, ['ecr', 'ensure'], { endpoint: proxy.url });
    assert.is(r.status, 0, r.stderr);
    for (const op of ['DescribeRepositories', 'CreateRepository', 'PutLifecyclePolicy']) assert.equal(attempts(proxy, op).slice(0, 2), ['unavailable', 'forward'], op);
    assert.equal(await policy('retry-a'), lifecyclePolicy(model()));
    const t = tree('ra');
    const digest = await push('retry-a', `git-${t}`, 'ra');
    await push('retry-a', `verified-develop-${t}`, 'ra');
    const p = await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`], { endpoint: proxy.url });
    assert.is(p.status, 0, p.stderr);
    assert.equal(attempts(proxy, 'PutImage'), ['unavailable', 'forward']);
    assert.equal(attempts(proxy, 'BatchGetImage'), ['unavailable', 'forward']);
    assert.equal(await tags('retry-a'), { [`git-${t}`]: digest, [`staging-${t.slice(0, 12)}`]: digest, [`verified-develop-${t}`]: digest });
  } finally {
    await proxy.close();
  }
  const all = (await ecr().send(new DescribeRepositoriesCommand({}))).repositories!.filter((r) => r.repositoryName === 'retry-a');
  assert.is(all.length, 1);
});

test('retries: the response of a call that took effect is lost (mode B): ensure and promote converge', async () => {
  if (!withMoto()) return;
  const dir = project('retry-b');
  const writes = new Set(['CreateRepository', 'PutLifecyclePolicy', 'PutImage']);
  const proxy = await startProxy((op, n) => (writes.has(op) && n === 1 ? 'lost-response' : 'forward'));
  try {
    const r = await cli(dir, ['ecr', 'ensure', '--json'], { endpoint: proxy.url });
    assert.is(r.status, 0, r.stderr);
    // The retried CreateRepository met RepositoryAlreadyExistsException: ensure re-read and carried on.
    assert.equal(attempts(proxy, 'CreateRepository'), ['lost-response', 'forward']);
    assert.equal(attempts(proxy, 'PutLifecyclePolicy'), ['lost-response', 'forward']);
    assert.is(JSON.parse(r.stdout).status, 'created');
    assert.equal(await policy('retry-b'), lifecyclePolicy(model()));
    assert.is((await repository('retry-b'))?.imageTagMutability, 'IMMUTABLE');

    const t = tree('rb');
    const digest = await push('retry-b', `git-${t}`, 'rb');
    await push('retry-b', `verified-develop-${t}`, 'rb');
    const p = await cli(dir, ['promote', '--from', 'develop', '--to', 'green', '--image', `git-${t}`, '--json'], { endpoint: proxy.url });
    assert.is(p.status, 0, p.stderr);
    // The retried PutImage met ImageAlreadyExistsException: the tag names our digest, so it is a success.
    assert.equal(attempts(proxy, 'PutImage'), ['lost-response', 'forward']);
    assert.is(JSON.parse(p.stdout).status, 'promoted');
    assert.equal(await tags('retry-b'), { [`git-${t}`]: digest, [`staging-${t.slice(0, 12)}`]: digest, [`verified-develop-${t}`]: digest });
  } finally {
    await proxy.close();
  }
  const again = await cli(dir, ['ecr', 'ensure']);
  assert.match(again.stdout, /nothing to change/);
});

test('retries: throttling (HTTP 400 ThrottlingException) is retried', async () => {
  if (!withMoto()) return;
  const dir = project('throttled');
  const proxy = await startProxy((_op, n) => (n === 1 ? 'throttle' : 'forward'));
  try {
    const r = await cli(dir, ['ecr', 'ensure'], { endpoint: proxy.url });
    assert.is(r.status, 0, r.stderr);
    for (const op of ['DescribeRepositories', 'CreateRepository', 'PutLifecyclePolicy']) assert.equal(attempts(proxy, op), ['throttle', 'forward'], op);
  } finally {
    await proxy.close();
  }
  assert.equal(await policy('throttled'), lifecyclePolicy(model()));
  // Throttled every time: the retries give up and say so, in one line.
  const always = await startProxy(() => 'throttle');
  try {
    const r = await cli(project('throttled-always'), ['ecr', 'ensure'], { endpoint: always.url });
    assert.is(r.status, 1);
    assert.match(oneLine(r.stderr), /^ECR throttled ecr:DescribeRepositories \(ThrottlingException\) after 3 attempts/);
    assert.is(attempts(always, 'DescribeRepositories').length, 3);
  } finally {
    await always.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Credentials, permissions, network

test('no credentials anywhere: one line naming what to set, exit 1, no stack trace', async () => {
  if (!withMoto()) return;
  const r = await cli(project('nocreds'), ['ecr', 'ensure'], { env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });
  assert.is(r.status, 1);
  assert.match(oneLine(r.stderr), /^no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*--profile or AWS_PROFILE .*aws sso login/);
  assert.is(await repository('nocreds'), null);
});

test('profiles: --profile beats AWS_PROFILE; a missing profile is named', async () => {
  if (!withMoto()) return;
  const credentials = path.join(work.dir, 'credentials');
  writeFileSync(credentials, '[pw]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
  const dir = project('profiled');
  const noKeys = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: 'ghost', AWS_SHARED_CREDENTIALS_FILE: credentials };
  const ghost = await cli(dir, ['ecr', 'ensure'], { env: noKeys });
  assert.is(ghost.status, 1);
  assert.match(oneLine(ghost.stderr), /^no usable AWS credentials in profile "ghost": check ~\/.aws\/config .*aws sso login --profile ghost; nothing was changed$/);
  const pw = await cli(dir, ['ecr', 'ensure', '--profile', 'pw'], { env: noKeys });
  assert.is(pw.status, 0, pw.stderr);
  assert.ok(await repository('profiled'));
});

test('moto with IAM enforced: rejected credentials and a missing permission are one-line errors naming what to fix', async () => {
  if (!withMoto()) return;
  // An IAM user that may only describe repositories (created while moto still lets everything in).
  const iam = async (params: Record<string, string>) => {
    const res = await fetch(`${moto!.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ Version: '2010-05-08', ...params }),
    });
    const text = await res.text();
    assert.is(res.status, 200, text);
    return text;
  };
  await iam({ Action: 'CreateUser', UserName: 'reader' });
  await iam({
    Action: 'PutUserPolicy',
    UserName: 'reader',
    PolicyName: 'describe-only',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:DescribeRepositories'], Resource: '*' }] }),
  });
  const key = await iam({ Action: 'CreateAccessKey', UserName: 'reader' });
  const id = /<AccessKeyId>([^<]+)</.exec(key)![1]!;
  const secret = /<SecretAccessKey>([^<]+)</.exec(key)![1]!;
  const dir = project('guarded');
  await moto!.api('/moto-api/reset-auth', '0', 'text/plain');
  try {
    const unknown = await cli(dir, ['ecr', 'ensure']);
    assert.is(unknown.status, 1);
    assert.match(oneLine(unknown.stderr), /^AWS rejected the credentials from the environment .*\(InvalidClientTokenId\) calling ecr:DescribeRepositories in eu-west-1: .*refresh them/);

    const badSecret = await cli(dir, ['ecr', 'ensure'], { env: { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    assert.is(badSecret.status, 1);
    assert.match(oneLine(badSecret.stderr), /\(SignatureDoesNotMatch\)/);

    const denied = await cli(dir, ['ecr', 'ensure'], { env: { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret } });
    assert.is(denied.status, 1);
    const line = oneLine(denied.stderr);
    assert.match(line, /^access denied: .* may not call ecr:CreateRepository on arn:aws:ecr:eu-west-1:123456789012:repository\/guarded; allow "ecr:CreateRepository"/);
    for (const s of [id, secret, 'not-the-secret']) assert.not.ok(denied.stderr.includes(s) || badSecret.stderr.includes(s), 'no credential is printed');
  } finally {
    await moto!.api('/moto-api/reset-auth', 'inf', 'text/plain');
  }
  assert.is(await repository('guarded'), null);
});

test('an endpoint nobody answers: one line naming it', async () => {
  if (!withMoto()) return;
  const port = await freePort();
  const r = await cli(project('unreachable'), ['ecr', 'ensure'], { endpoint: `http://127.0.0.1:${port}` });
  assert.is(r.status, 1);
  assert.match(oneLine(r.stderr), new RegExp(`^cannot reach the ECR endpoint http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) calling ecr:DescribeRepositories`));
});

test.run();
