// The Image step's own shell, run for real: the generated Jenkinsfile and library run in the
// Groovy harness for develop → staging → master, and every `aws ecr …` and `docker …` script of
// the Image step runs as generated, with
// - the aws CLI (Debian's awscli 2) against moto, the ECR API;
// - `docker` on podman (a shim named so: podman-docker's is a bare `exec podman`, and a build
//   must not set up a bridge network here), logging in with the password `aws ecr
//   get-login-password` gives, building with `--pull` through the agent's docker.io mirror and
//   pushing to an ECR stand-in (test/ecr-standin.ts: docker-registry behind a proxy that
//   requires that password and records each pushed manifest in moto, as ECR does);
// - image.registry set to that stand-in's host: the override a user with a registry mirror or a
//   proxy in front of ECR needs too.
// Then moto is asked what the promotion did: one image, built once, and only tags added. Guard,
// tests, release tags and deploys run as in test/pipeline.test.ts (git real, kubectl stubbed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../src/commands/common.js';
import { runPipelines, type RunResult } from '../src/plan/harness.js';
import { plannedCommands } from '../src/plan/commands.js';
import { scenarioFor } from '../src/plan/scenario.js';
import { writePipeline } from '../src/plan/workspace.js';
import { loadTemplates } from '../src/config/templates.js';
import { baseImage, Containers, engineVersions, exec, IMAGE_ENGINES, startRegistry, storedManifest, type Base, type Registry } from './containers.js';
import { createRepository, startEcrStandin, type EcrStandin } from './ecr-standin.js';
import { copyExample, runCli, tempDir, EngineSuite } from './helpers.js';
import { AWS_SHIM, agentAwsEnv, startMoto, writeShims, type Moto } from './moto.js';

const ENGINES: readonly [string, string[]][] = [...IMAGE_ENGINES, ['groovy', ['--version']], ['git', ['--version']], ['/usr/bin/aws', ['--version']], ['python3', ['-c', 'import moto']]];
const work = tempDir('pipewright-image-pipeline-');
const REGION = 'eu-west-1';
let moto: Moto | undefined;
let registry: Registry | undefined;
let standin: EcrStandin | undefined;
let agent: Containers | undefined;
let base: Base | undefined;
const suite = EngineSuite.of(ENGINES);
const { timed, ready, timings } = suite;


// On the agent's PATH, first. Both are test stand-ins, named as such.
const SHIMS: Record<string, string> = {
  docker: [
    '#!/bin/sh',
    '# A docker → podman shim, for the tests only. The pipeline\'s `docker login/build/push` run on',
    '# podman; a build gets --network=none: it runs offline and podman sets up no bridge network.',
    'if [ "$1" = build ]; then shift; exec podman build --network=none "$@"; fi',
    'exec podman "$@"',
    '',
  ].join('\n'),
  aws: AWS_SHIM,
};

test.before(() =>
  suite.setUp(async () => {
    base = baseImage();
    moto = await startMoto();
    registry = await startRegistry(path.join(work.dir, 'registry'));
    standin = await startEcrStandin({ registry: registry.host, motoEndpoint: moto.endpoint, region: REGION });
    await createRepository(standin.ecr, 'hello-flask');
    // The agent's docker.io mirror is the same docker-registry, under mirror/.
    agent = new Containers(path.join(work.dir, 'agent'), {
      base,
      registries: { insecure: [standin.host], mirrors: { 'docker.io': `${registry.host}/mirror` } },
    });
  }),
);

test.after(async () => {
  await agent?.close();
  await standin?.stop();
  await registry?.stop();
  await moto?.stop();
  work.cleanup();
});


/** Every file under `dir` but .git, as a repository's contents. */
function filesOf(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(path.join(dir, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    if (p === '.git') continue;
    if (statSync(path.join(dir, p)).isDirectory()) Object.assign(out, filesOf(dir, p));
    else out[p] = readFileSync(path.join(dir, p), 'utf8');
  }
  return out;
}

const sh = (r: RunResult) => plannedCommands(r).filter((c) => c.step === 'sh' && c.stage === 'Build/Image').map((c) => c.text);

test('develop → staging → master with the Image step\'s shell run for real: one build and push, then only tags added in ECR (moto)', async () => {
  if (!ready()) return;
  const s = standin!;
  // The example, with image.registry naming the stand-in.
  const app = path.join(work.dir, 'app', 'hello-flask');
  mkdirSync(app, { recursive: true });
  copyExample(app);
  appendFileSync(path.join(app, 'pipewright.yaml'), `image:\n  registry: "${s.host}"\n`);
  const gen = runCli(['generate'], { cwd: app });
  assert.is(gen.status, 0, gen.stderr);
  const { model } = await loadProject({ cwd: app });
  assert.is(model.image.uri, `${s.host}/hello-flask`);
  const paths = writePipeline(model, loadTemplates({ groups: ['vars-templates'], configFile: model.configFile }), path.join(work.dir, 'pipeline'));
  const contents = filesOf(app);
  const from = /^FROM\s+(\S+)/m.exec(contents.Dockerfile!)![1]!;

  // The docker.io mirror holds the base under the Dockerfile's FROM name.
  await agent!.podman(['push', '--quiet', '--tls-verify=false', base!.image, `${registry!.host}/mirror/library/${from}`]);

  const bin = writeShims(path.join(work.dir, 'shims'), SHIMS);
  const agentEnv: Record<string, string> = {
    ...agentAwsEnv(bin, moto!.endpoint, work.dir),
    ...(Object.fromEntries(['CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'CONTAINERS_REGISTRIES_CONF', 'REGISTRY_AUTH_FILE', 'TMPDIR'].map((k) => [k, agent!.env[k]!])) as Record<string, string>),
  };
  const scenarios = ['develop', 'staging', 'master'].map((branch, i) => {
    const sc = scenarioFor(model, paths, { branch, contents, approver: 'alice' }, path.join(work.dir, `run-${i}`));
    return {
      ...sc,
      shell: { ...sc.shell!, env: { ...sc.shell!.env, ...agentEnv } },
      // The Image step's aws ecr and docker scripts run for real; the rest as in pipeline.test.
      sh: [{ match: String.raw`(^|[\s;&|(])(aws ecr|docker) `, run: true }, ...sc.sh!],
    };
  });
  const results = await timed('develop → staging → master', () => runPipelines(scenarios));
  results.forEach((r, i) => assert.is(r.result, 'SUCCESS', `${scenarios[i]!.name}: ${r.error ?? ''}\n${JSON.stringify(r.steps.filter((x) => x.args.stderr).map((x) => x.args.stderr))}`));
  const tree = scenarios[0]!.repo.tree;
  assert.ok(scenarios.every((sc) => sc.repo.tree === tree), "GitHub's merge commits carry the merged tree");

  // develop built and pushed it, with the generated commands; staging and master built nothing.
  const image = `${s.host}/hello-flask:git-${tree}`;
  const [develop, staging, master] = results.map(sh) as [string[], string[], string[]];
  assert.ok(develop.includes(`aws ecr get-login-password --region ${REGION} | docker login --username AWS --password-stdin ${s.host}`), develop.join('\n'));
  assert.ok(develop.includes(`docker build --pull --tag ${image} .`));
  assert.ok(develop.includes(`docker push ${image}`));
  for (const later of [staging, master]) assert.not.ok(later.some((c) => c.startsWith('docker ') || c.includes('docker login')), later.join('\n'));
  assert.ok(results[1]!.steps.some((x) => x.step === 'echo' && String(x.args.message).includes('is already in ECR: promoting it, nothing is built')));

  // The registry got one manifest, under the content tag; moto holds it under the same digest.
  assert.equal(s.pushed.manifests.map((m) => m.tag), [`git-${tree}`]);
  const stored = await storedManifest(registry!.host, 'hello-flask', `git-${tree}`);
  assert.is(s.pushed.manifests[0]!.digest, stored.digest);
  const described = (await s.ecr.send(new DescribeImagesCommand({ repositoryName: 'hello-flask' }))).imageDetails ?? [];
  assert.is(described.length, 1, JSON.stringify(described));
  assert.is(described[0]!.imageDigest, stored.digest);
  const short = tree.slice(0, 12);
  // Each environment's Verify stage recorded it (put-image against moto), and the next one's Image
  // stage found that record there before it took the image.
  assert.equal([...(described[0]!.imageTags ?? [])].sort(), [
    `develop-${short}`, `git-${tree}`, `master-${short}`, `staging-${short}`, `verified-blue-${tree}`, `verified-develop-${tree}`, `verified-green-${tree}`,
  ]);
  assert.ok(staging.includes(`aws ecr describe-images --region ${REGION} --repository-name hello-flask --image-ids "imageTag=verified-develop-${tree}" --query "imageDetails[0].imageDigest" --output text 2> /dev/null || true`), staging.join('\n'));
  assert.ok(results[2]!.steps.some((x) => x.step === 'echo' && x.args.message === `Image: ${stored.digest} was verified on green (verified-green-${tree})`));
  // Each environment deployed that digest: the pipeline read it back from ECR.
  for (const r of results) {
    const deploy = r.steps.find((x) => x.step === 'writeFile' && String(x.args.file).endsWith('kustomization.yaml'))!;
    assert.match(String(deploy.args.text), `  - name: ${JSON.stringify(`${s.host}/hello-flask`)}\n    digest: ${stored.digest}\n`);
  }
  // The base came through the docker.io mirror: the agent's storage has it under that name only by that pull.
  assert.is((await exec('podman', ['image', 'exists', `docker.io/library/${from}`], { env: agent!.env })).code, 0);
  // The login was needed: without it the stand-in refuses.
  assert.is((await fetch(`http://${s.host}/v2/`)).status, 401);
  assert.is((await fetch(`http://${s.host}/v2/`, { headers: { authorization: s.authorization } })).status, 200);
  const auth = JSON.parse(readFileSync(agent!.env.REGISTRY_AUTH_FILE!, 'utf8')) as { auths: Record<string, unknown> };
  assert.ok(auth.auths[s.host], 'docker login stored the ECR password for the stand-in');

  const awsVersion = /aws-cli\/(\S+)/.exec(execFileSync('/usr/bin/aws', ['--version'], { encoding: 'utf8' }))?.[1];
  console.log(
    `  pipeline shell (aws-cli ${awsVersion} against moto, docker = ${engineVersions(['podman'])}, docker-registry behind an ECR stand-in): ` +
      `develop logged in, built ${from} → ${image} (pulled ${from} through the docker.io mirror) and pushed ${stored.digest} (${(stored.size / 1e6).toFixed(1)} MB, ${s.pushed.blobs.length} blobs); ` +
      `staging and master found git-${short}… in ECR and only re-tagged it: moto holds 1 image, ${stored.digest.slice(0, 19)}…, tagged ${[...(described[0]!.imageTags ?? [])].sort().join(', ')}`,
  );
  console.log(`  image pipeline timings: ${timings.join(', ')}`);
});

test.run();
