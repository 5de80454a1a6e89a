// `pipewright iam`: the IAM policies, least privilege, tied to the calls the pipeline and the commands really make.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, type IamCommandOptions } from '../src/commands/iam.js';
import { UsageError } from '../src/core/errors.js';
import type { Io } from '../src/core/io.js';
import type { IamPlan, IamRole, PolicyDocument, PolicyStatement } from '../src/render/aws/iam.js';
import { spawnSync } from 'node:child_process';
import { engineAvailable, fromRoot, runCli, tempDir, expectGolden, filesUnder } from './helpers.js';

const GOLDEN = fromRoot('test/golden/iam');
const EXAMPLE = fromRoot('examples/hello-flask');
const ACCOUNT = '123456789012';
const ID_EU = 'EXAMPLED539D4633E53DE1B71EXAMPLE';
const ID_US = '0123456789ABCDEF0123456789ABCDEF';
const ISSUERS = [`https://oidc.eks.eu-west-1.amazonaws.com/id/${ID_EU}`, `delivery-us=https://oidc.eks.us-east-1.amazonaws.com/id/${ID_US}`];

async function iam(opts: Omit<IamCommandOptions, 'cwd'> & { cwd?: string }) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), color: false };
  const code = await run({ cwd: EXAMPLE, ...opts }, io);
  return { code, out, err };
}

async function plan(opts: Omit<IamCommandOptions, 'cwd'> & { cwd?: string } = {}): Promise<IamPlan> {
  return JSON.parse((await iam({ ...opts, json: true })).out) as IamPlan;
}

/** Run with a config of its own. */
async function withConfig<T>(yaml: string, f: (cwd: string) => Promise<T>): Promise<T> {
  const t = tempDir();
  try {
    writeFileSync(path.join(t.dir, 'pipewright.yaml'), yaml);
    return await f(t.dir);
  } finally {
    t.cleanup();
  }
}

const MINIMAL = `app: shop\naws:\n  accountId: "${ACCOUNT}"\n  region: eu-west-1\n`;

const role = (p: IamPlan, name: string): IamRole => {
  const r = p.roles.find((x) => x.name === name);
  assert.ok(r, `no role ${name} in ${p.roles.map((x) => x.name).join(', ')}`);
  return r!;
};
const list = (x: string | readonly string[] | undefined): string[] => (x === undefined ? [] : typeof x === 'string' ? [x] : [...x]);
const actions = (d: PolicyDocument | null): string[] => [...new Set((d?.Statement ?? []).flatMap((s) => list(s.Action)))].sort();
const statement = (d: PolicyDocument | null, sid: string): PolicyStatement => {
  const s = d?.Statement.find((x) => x.Sid === sid);
  assert.ok(s, `no statement ${sid}`);
  return s!;
};
/** Which resources an action is allowed on. */
const resourcesOf = (d: PolicyDocument | null, action: string): string[] =>
  (d?.Statement ?? []).filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource));

// ---------------------------------------------------------------------------------------------
// Expectations derived from the code that makes the calls, so that a new call without its
// permission fails here.

/** `aws <service> <verb>` → the IAM action it needs. Two CLI verbs are not named after their API. */
function cliAction(service: string, verb: string): string {
  const special: Record<string, string> = { 'ecr get-login-password': 'ecr:GetAuthorizationToken', 'eks update-kubeconfig': 'eks:DescribeCluster', 'eks get-token': '' };
  const known = special[`${service} ${verb}`];
  if (known !== undefined) return known;
  return `${service}:${verb.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
}

/** Every `aws ecr|eks|cloudwatch <verb>` in some text, as IAM actions. */
const awsCliActions = (text: string): string[] => [...text.matchAll(/\baws (ecr|eks|cloudwatch) ([a-z][a-z-]*)/g)].map((m) => cliAction(m[1]!, m[2]!)).filter(Boolean);

/** The registry protocol of an image push (docker push, kaniko --destination): blobs, then the manifest; and reading layers already there. */
const REGISTRY = ['ecr:BatchCheckLayerAvailability', 'ecr:CompleteLayerUpload', 'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'];

/** What the shared library and the Jenkinsfile run with the Jenkins agents' credentials. */
function pipelineActions(): string[] {
  const text = filesUnder(fromRoot('vars-templates'), '.mustache')
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const found = awsCliActions(text);
  assert.ok(found.includes('ecr:DescribeImages') && found.includes('eks:DescribeCluster'), 'the library templates were read');
  if (/\bdocker push\b|\/kaniko\/executor[^\n]*--destination/.test(text)) {
    found.push(...REGISTRY);
    // kaniko logs in through its ECR credential helper, which asks for a token as docker login does.
    if (text.includes('/kaniko/executor')) found.push('ecr:GetAuthorizationToken');
  }
  return [...new Set(found)].sort();
}

/** The ECR operations a TypeScript file calls: ecr.send('X'), describeImage(…), and EcrCall operations. */
function sdkActions(file: string): string[] {
  const text = readFileSync(fromRoot(file), 'utf8');
  const ops = [
    ...[...text.matchAll(/\.send\(\s*'([A-Z][A-Za-z]+)'/g)].map((m) => m[1]!),
    ...(/\bdescribeImage\(/.test(text) ? ['DescribeImages'] : []),
    ...[...text.matchAll(/operation: '([A-Z][A-Za-z]+)'/g)].map((m) => m[1]!),
    ...[...(/readonly operation: ([^;]+);/.exec(text)?.[1] ?? '').matchAll(/'([A-Z][A-Za-z]+)'/g)].map((m) => m[1]!),
  ];
  return ops.map((o) => `ecr:${o}`);
}

test('the Jenkins agents may make exactly the AWS calls the library and the image build make', async () => {
  const expected = pipelineActions();
  assert.ok(expected.includes('ecr:PutImage') && expected.includes('ecr:BatchGetImage') && expected.includes('ecr:GetAuthorizationToken'));
  for (const engine of ['docker', 'kaniko']) {
    const p = await withConfig(`${MINIMAL}build:\n  engine: ${engine}\n`, (cwd) => plan({ cwd }));
    assert.equal(actions(role(p, 'jenkins-agent').policy), expected, `build.engine ${engine}`);
  }
});

test('the operator may make every ECR call of ecr ensure and every aws eks command cluster bootstrap prints', async () => {
  const p = await plan();
  const granted = actions(role(p, 'operator').policy);
  const ensure = [...sdkActions('src/aws/ensure.ts'), ...sdkActions('src/aws/ecr-plan.ts')];
  assert.ok(ensure.includes('ecr:CreateRepository') && ensure.includes('ecr:PutLifecyclePolicy'), `read ${ensure}`);
  // Every `aws eks …` command pipewright prints or advises (cluster bootstrap's Fargate profiles and access entries,
  // update-kubeconfig hints), and every EKS SDK call, wherever it lives.
  const sources = filesUnder(fromRoot('src'), '.ts').filter((f) => !f.endsWith(path.join('render', 'aws', 'iam.ts')));
  const printed = [
    ...sources.flatMap((f) => awsCliActions(readFileSync(f, 'utf8')).filter((a) => a.startsWith('eks:'))),
    ...sources.filter((f) => /eks|fargate/.test(path.basename(f)) && f.includes(`${path.sep}aws${path.sep}`)).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/\.send\(\s*'([A-Z][A-Za-z]+)'/g)].map((m) => `eks:${m[1]}`),
    ),
  ];
  assert.ok(printed.includes('eks:CreateFargateProfile') && printed.includes('eks:CreateAccessEntry'), `read ${printed}`);
  for (const a of [...ensure, ...printed]) assert.ok(granted.includes(a), `operator lacks ${a}`);
  assert.equal(granted, [
    'ecr:CreateRepository',
    'ecr:DescribeRepositories',
    'ecr:GetLifecyclePolicy',
    'ecr:PutImageScanningConfiguration',
    'ecr:PutImageTagMutability',
    'ecr:PutLifecyclePolicy',
    'eks:CreateAccessEntry',
    'eks:CreateFargateProfile',
    'eks:DeleteFargateProfile',
    'eks:DescribeAccessEntry',
    'eks:DescribeCluster',
    'eks:DescribeFargateProfile',
    'eks:ListFargateProfiles',
    'eks:TagResource',
    'eks:UpdateAccessEntry',
    'iam:PassRole',
  ]);
});

test('the promoter may make every ECR call of promote, status and rollback, and the scan check only when required', async () => {
  assert.equal(sdkActions('src/release/rollback.ts'), ['ecr:DescribeImages'], 'rollback reads ECR only');
  const calls = [...new Set([...sdkActions('src/release/promote.ts'), ...sdkActions('src/commands/status.ts'), ...sdkActions('src/release/rollback.ts')])].sort();
  assert.ok(calls.includes('ecr:DescribeImageScanFindings') && calls.includes('ecr:PutImage'), `read ${calls}`);
  const scan = await withConfig(
    `${MINIMAL}environments:\n  - { name: develop, branch: develop }\n  - { name: blue, branch: master, production: true, requiredChecks: [{ name: scan-clean }] }\n`,
    (cwd) => plan({ cwd }),
  );
  assert.equal(actions(role(scan, 'promoter').policy), [...calls, 'eks:DescribeCluster'].sort());
  // The example requires no scan: no DescribeImageScanFindings.
  const plain = actions(role(await plan(), 'promoter').policy);
  assert.equal(plain, [...calls.filter((a) => a !== 'ecr:DescribeImageScanFindings'), 'eks:DescribeCluster'].sort());
});

test('every ECR operation pipewright calls is granted to some role', async () => {
  const text = readFileSync(fromRoot('src/aws/ecr.ts'), 'utf8');
  const ops = [...(/interface EcrOperations \{([^}]+)\}/.exec(text)?.[1] ?? '').matchAll(/^\s+([A-Z][A-Za-z]+):/gm)].map((m) => `ecr:${m[1]}`);
  assert.ok(ops.length >= 8, `read ${ops}`);
  const p = await withConfig(`${MINIMAL}environments:\n  - { name: develop, branch: develop }\n  - { name: blue, branch: master, requiredChecks: [{ name: scan-clean }] }\n`, (cwd) => plan({ cwd }));
  const granted = new Set(p.roles.flatMap((r) => actions(r.policy)));
  for (const op of ops) assert.ok(granted.has(op), `no role may call ${op}`);
});

// ---------------------------------------------------------------------------------------------
// Resources and trust.

test('hello-flask: ECR rights on the app repository only, EKS on its two clusters, logs on their log groups', async () => {
  const p = await plan({ oidcIssuer: ISSUERS });
  const repo = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/hello-flask`;
  const clusters = [`arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/delivery`, `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/delivery-us`];
  const jenkins = role(p, 'jenkins-agent').policy;
  assert.equal(resourcesOf(jenkins, 'ecr:GetAuthorizationToken'), ['*']);
  for (const a of actions(jenkins).filter((x) => x.startsWith('ecr:') && x !== 'ecr:GetAuthorizationToken')) assert.equal(resourcesOf(jenkins, a), [repo], a);
  assert.equal(resourcesOf(jenkins, 'eks:DescribeCluster'), clusters);

  const operator = role(p, 'operator').policy;
  assert.equal(resourcesOf(operator, 'ecr:CreateRepository'), [repo]);
  assert.equal(resourcesOf(operator, 'eks:CreateFargateProfile'), clusters);
  assert.equal(resourcesOf(operator, 'eks:DescribeFargateProfile'), [
    `arn:aws:eks:eu-west-1:${ACCOUNT}:fargateprofile/delivery/hello-flask/*`,
    `arn:aws:eks:us-east-1:${ACCOUNT}:fargateprofile/delivery-us/hello-flask/*`,
  ]);
  const pass = statement(operator, 'PassThePodExecutionRole');
  assert.equal(pass.Resource, `arn:aws:iam::${ACCOUNT}:role/<pod-execution-role-name>`);
  assert.equal(pass.Condition, { StringEquals: { 'iam:PassedToService': ['eks-fargate-pods.amazonaws.com', 'eks.amazonaws.com'] } });
  // Without the Jenkins role ARN only the group is pinned.
  assert.equal(statement(operator, 'JenkinsAccessEntry').Condition, { 'ForAllValues:StringEquals': { 'eks:kubernetesGroups': 'pipewright-deployers' } });
  assert.not.ok(actions(operator).some((a) => a.startsWith('kms:')), 'AES256: no KMS rights');

  const fargate = role(p, 'fargate-pod-execution');
  assert.equal(fargate.managedPolicies, ['arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy']);
  assert.equal(actions(fargate.policy), ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'logs:PutRetentionPolicy']);
  assert.equal(resourcesOf(fargate.policy, 'logs:PutLogEvents'), [
    `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/eks/delivery/fargate`,
    `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/eks/delivery/fargate:*`,
    `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/eks/delivery-us/fargate`,
    `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/eks/delivery-us/fargate:*`,
  ]);
  assert.equal(fargate.trustPolicy!.Statement, [
    {
      Sid: 'FargateProfilesOfTheseClusters',
      Effect: 'Allow',
      Principal: { Service: 'eks-fargate-pods.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        ArnLike: {
          'aws:SourceArn': [`arn:aws:eks:eu-west-1:${ACCOUNT}:fargateprofile/delivery/*`, `arn:aws:eks:us-east-1:${ACCOUNT}:fargateprofile/delivery-us/*`],
        },
      },
    },
  ]);
});

test('app roles: an IRSA trust per environment, one statement per cluster it runs in, and no permissions', async () => {
  const p = await plan({ oidcIssuer: ISSUERS });
  assert.equal(
    p.roles.map((r) => r.name),
    ['jenkins-agent', 'app-develop', 'app-green', 'app-blue', 'fargate-pod-execution', 'operator', 'promoter'],
  );
  const eu = `oidc.eks.eu-west-1.amazonaws.com/id/${ID_EU}`;
  const us = `oidc.eks.us-east-1.amazonaws.com/id/${ID_US}`;
  const develop = role(p, 'app-develop');
  assert.is(develop.policy, null);
  assert.equal(develop.trustPolicy!.Statement, [
    {
      Sid: 'PodsInDelivery',
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${eu}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${eu}:aud`]: 'sts.amazonaws.com', [`${eu}:sub`]: 'system:serviceaccount:hello-flask-develop:hello-flask' } },
    },
  ]);
  const blue = role(p, 'app-blue').trustPolicy!.Statement;
  assert.equal(blue.map((s) => s.Sid), ['PodsInDelivery', 'PodsInDeliveryUs']);
  assert.equal(blue[1]!.Condition, { StringEquals: { [`${us}:aud`]: 'sts.amazonaws.com', [`${us}:sub`]: 'system:serviceaccount:hello-flask-blue:hello-flask' } });
  assert.equal(p.placeholders.map((x) => x.text), ['<pod-execution-role-name>']);
});

test('jenkins-agent: IRSA for the deployer ServiceAccount with kaniko, an EC2 instance role with docker', async () => {
  const kaniko = await withConfig(
    `${MINIMAL}build:\n  engine: kaniko\ncluster:\n  deployer: { serviceAccount: ci-deployer, namespace: ci, roleArn: "arn:aws:iam::${ACCOUNT}:role/ci/jenkins" }\n`,
    (cwd) => plan({ cwd, oidcIssuer: [ID_EU] }),
  );
  const issuer = `oidc.eks.eu-west-1.amazonaws.com/id/${ID_EU}`;
  const r = role(kaniko, 'jenkins-agent');
  assert.equal(r.trustPolicy!.Statement, [
    {
      Sid: 'JenkinsAgentPods',
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${issuer}:aud`]: 'sts.amazonaws.com', [`${issuer}:sub`]: 'system:serviceaccount:ci:ci-deployer' } },
    },
  ]);
  assert.is(r.roleArn, `arn:aws:iam::${ACCOUNT}:role/ci/jenkins`);
  // The role exists: its trust is updated, and every app adds its own inline policy.
  assert.ok(r.commands.includes('aws iam update-assume-role-policy --role-name jenkins --policy-document file://jenkins-agent-trust.json'), r.commands.join('\n'));
  assert.ok(r.commands.includes('aws iam put-role-policy --role-name jenkins --policy-name pipewright-shop --policy-document file://jenkins-agent-policy.json'));
  assert.equal(resourcesOf(r.policy, 'eks:DescribeCluster'), [`arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/main`]);
  // With the Jenkins role known, the operator may create an access entry for that role only.
  assert.equal(statement(role(kaniko, 'operator').policy, 'JenkinsAccessEntry').Condition, {
    'ForAllValues:StringEquals': { 'eks:kubernetesGroups': 'pipewright-deployers' },
    ArnEquals: { 'eks:principalArn': `arn:aws:iam::${ACCOUNT}:role/ci/jenkins` },
  });
  assert.equal(statement(role(kaniko, 'operator').policy, 'JenkinsAccessEntryGroups').Condition, {
    ArnEquals: { 'eks:principalArn': `arn:aws:iam::${ACCOUNT}:role/ci/jenkins` },
  });

  const docker = await withConfig(MINIMAL, (cwd) => plan({ cwd }));
  assert.equal(role(docker, 'jenkins-agent').trustPolicy!.Statement, [
    { Sid: 'JenkinsAgentInstances', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ]);
});

test('the agents trust the cluster they run in (--agent-cluster), not every cluster they deploy to', async () => {
  const yaml = `${MINIMAL}build: { engine: kaniko }\nenvironments:\n  - { name: develop, branch: develop, clusters: [{ name: dev }] }\n  - { name: blue, branch: master, clusters: [{ name: prod, region: us-east-1 }] }\n`;
  const p = await withConfig(yaml, (cwd) => plan({ cwd, agentCluster: 'prod', oidcIssuer: [`https://oidc.eks.us-east-1.amazonaws.com/id/${ID_US}`] }));
  const r = role(p, 'jenkins-agent');
  assert.equal((r.trustPolicy!.Statement[0]!.Principal as { Federated: string }).Federated, `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/${ID_US}`);
  assert.equal(resourcesOf(r.policy, 'eks:DescribeCluster'), [`arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/dev`, `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod`]);
  // dev's id was not given: the develop app role keeps a placeholder, with how to find the id.
  const ph = p.placeholders.find((x) => x.text === '<oidc-id-of-dev>');
  assert.ok(ph && ph.how.includes('aws eks describe-cluster --name dev --region eu-west-1 --query cluster.identity.oidc.issuer'), JSON.stringify(p.placeholders));
  assert.not.ok(p.placeholders.some((x) => x.text === '<oidc-id-of-prod>'));
});

test('KMS encryption, custom log group, logging off, a named pod execution role', async () => {
  const yaml =
    `${MINIMAL}image:\n  encryption: KMS\n  kmsKey: 0f6c2f5e-1b2a-4c3d-9e8f-123456789abc\n` +
    `cluster:\n  fargate: { podExecutionRoleArn: "arn:aws:iam::${ACCOUNT}:role/fargate" }\n  logging: { logGroup: /platform/fargate }\n`;
  const p = await withConfig(yaml, (cwd) => plan({ cwd }));
  const kms = statement(role(p, 'operator').policy, 'EcrRepositoryEncryptionKey');
  assert.equal(kms.Action, ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant']);
  assert.is(kms.Resource, `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f6c2f5e-1b2a-4c3d-9e8f-123456789abc`);
  assert.equal(kms.Condition, { StringEquals: { 'kms:ViaService': 'ecr.eu-west-1.amazonaws.com' } });
  assert.is(statement(role(p, 'operator').policy, 'PassThePodExecutionRole').Resource, `arn:aws:iam::${ACCOUNT}:role/fargate`);
  assert.equal(resourcesOf(role(p, 'fargate-pod-execution').policy, 'logs:CreateLogGroup'), [
    `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/platform/fargate`,
    `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/platform/fargate:*`,
  ]);
  assert.equal(p.placeholders.map((x) => x.text), ['<oidc-id-of-main>']);

  const off = await withConfig(`${MINIMAL}cluster:\n  logging: { enabled: false }\n`, (cwd) => plan({ cwd }));
  assert.is(role(off, 'fargate-pod-execution').policy, null);
  assert.equal(role(off, 'fargate-pod-execution').managedPolicies, ['arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy']);
});

// ---------------------------------------------------------------------------------------------
// Valid IAM JSON, and the flags.

const CONDITION_OPERATORS = /^(ForAllValues:|ForAnyValue:)?(StringEquals|StringLike|ArnEquals|ArnLike)$/;

function assertValidPolicy(d: PolicyDocument, kind: 'trust' | 'permissions', where: string): void {
  assert.equal(Object.keys(d), ['Version', 'Statement'], where);
  assert.is(d.Version, '2012-10-17', where);
  assert.ok(Array.isArray(d.Statement) && d.Statement.length > 0, `${where}: a non-empty Statement array`);
  const sids = d.Statement.map((s) => s.Sid);
  assert.is(new Set(sids).size, sids.length, `${where}: Sids are unique`);
  for (const s of d.Statement) {
    const at = `${where} ${s.Sid}`;
    assert.match(s.Sid, /^[A-Za-z0-9]+$/, at);
    assert.ok(s.Effect === 'Allow', at);
    const acts = list(s.Action);
    assert.ok(acts.length > 0 && acts.every((a) => /^[a-z0-9-]+:[A-Za-z]+$/.test(a)), `${at}: actions ${acts}`);
    if (kind === 'trust') {
      assert.ok(s.Principal && s.Resource === undefined, `${at}: a trust statement has a Principal and no Resource`);
      assert.ok(acts.every((a) => a.startsWith('sts:')), at);
    } else {
      assert.ok(s.Principal === undefined && list(s.Resource).length > 0, `${at}: a permission statement has a Resource and no Principal`);
      for (const r of list(s.Resource)) assert.ok(r === '*' || /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:.+/.test(r), `${at}: resource ${r}`);
    }
    for (const op of Object.keys(s.Condition ?? {})) assert.match(op, CONDITION_OPERATORS, at);
    assert.equal(Object.keys(s).filter((k) => !['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(k)), [], at);
  }
}

test('every document is valid IAM policy JSON', async () => {
  const configs = [
    null,
    MINIMAL,
    `${MINIMAL}build: { engine: kaniko }\nimage: { encryption: KMS }\nenvironments:\n  - { name: develop, branch: develop, clusters: [{ name: a }, { name: a, region: us-east-1 }] }\n`,
  ];
  for (const yaml of configs) {
    const p = yaml === null ? await plan({ oidcIssuer: ISSUERS }) : await withConfig(yaml, (cwd) => plan({ cwd }));
    for (const r of p.roles) {
      if (r.trustPolicy) assertValidPolicy(r.trustPolicy, 'trust', `${r.name} trust`);
      if (r.policy) assertValidPolicy(r.policy, 'permissions', `${r.name} policy`);
      assert.ok(r.trustPolicy || r.policy, `${r.name} has a document`);
      assert.ok(r.purpose.length > 20 && r.commands.length > 0, r.name);
    }
  }
});

/** moto's validators, the ones behind its iam:CreateRole and iam:PutRolePolicy: a second, real opinion on the syntax. */
const MOTO_VALIDATE = `
import json, sys
from moto.iam.policy_validation import IAMPolicyDocumentValidator, IAMTrustPolicyDocumentValidator
bad = []
for name, kind, document in json.load(sys.stdin):
    validator = IAMTrustPolicyDocumentValidator if kind == 'trust' else IAMPolicyDocumentValidator
    try:
        validator(json.dumps(document)).validate()
    except Exception as e:
        bad.append(f'{name} {kind}: {e}')
print(json.dumps(bad))
`;

test("moto's IAM policy validators accept every document (and refuse a broken one)", async () => {
  if (!engineAvailable('python3', ['-c', 'import moto.iam.policy_validation'])) return;
  const plans = [
    await plan({ oidcIssuer: ISSUERS }),
    await withConfig(
      `${MINIMAL}build: { engine: kaniko }\nimage: { encryption: KMS }\ncluster:\n  deployer: { roleArn: "arn:aws:iam::${ACCOUNT}:role/jenkins" }\n  fargate: { podExecutionRoleArn: "arn:aws:iam::${ACCOUNT}:role/fargate" }\n` +
        `environments:\n  - { name: develop, branch: develop }\n  - { name: blue, branch: master, requiredChecks: [{ name: scan-clean }] }\n`,
      (cwd) => plan({ cwd, oidcIssuer: [ID_EU] }),
    ),
  ];
  const documents = plans.flatMap((p) =>
    p.roles.flatMap((r) => [...(r.trustPolicy ? [[r.name, 'trust', r.trustPolicy]] : []), ...(r.policy ? [[r.name, 'policy', r.policy]] : [])]),
  );
  const broken = ['broken', 'policy', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:PutImage' }] }];
  const res = spawnSync('python3', ['-c', MOTO_VALIDATE], { input: JSON.stringify([...documents, broken]), encoding: 'utf8' });
  assert.is(res.status, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout), ['broken policy: MalformedPolicyDocument: Policy statement must contain resources.']);
});

test('--role prints one raw document that parses as JSON; --trust its trust policy', async () => {
  const policy = await iam({ role: 'jenkins-agent' });
  assert.is(policy.code, 0);
  assert.is(policy.err, '');
  assertValidPolicy(JSON.parse(policy.out), 'permissions', 'jenkins-agent');
  const trust = await iam({ role: 'app-blue', trust: true });
  assertValidPolicy(JSON.parse(trust.out), 'trust', 'app-blue trust');
  // Placeholders are named on stderr, stdout stays a document.
  assert.match(trust.err, /warning: fill <oidc-id-of-delivery> .*aws eks describe-cluster --name delivery --region eu-west-1/);
  assert.match(trust.err, /<oidc-id-of-delivery-us>/);
  // The real CLI, as a user pipes it into a file for aws iam put-role-policy.
  const cli = runCli(['-C', 'examples/hello-flask', 'iam', '--role', 'operator']);
  assert.is(cli.status, 0, cli.stderr);
  assertValidPolicy(JSON.parse(cli.stdout), 'permissions', 'operator (CLI)');
  const all = runCli(['-C', 'examples/hello-flask', 'iam', '--json', '--oidc-issuer', ISSUERS[0]!, '--oidc-issuer', ISSUERS[1]!]);
  assert.is(all.status, 0, all.stderr);
  assert.equal(
    Object.keys(JSON.parse(all.stdout).roles[0]),
    ['name', 'purpose', 'roleArn', 'configKey', 'trustPolicy', 'policy', 'managedPolicies', 'notes', 'commands'],
  );
});

test('bad flags are usage errors that say what is allowed', async () => {
  const cases: [Omit<IamCommandOptions, 'cwd'>, RegExp][] = [
    [{ role: 'nope' }, /--role: no role "nope" \(allowed: jenkins-agent, app-develop, app-green, app-blue, fargate-pod-execution, operator, promoter\)/],
    [{ trust: true }, /--trust needs --role/],
    [{ role: 'app-green' }, /no permission policy for app-green; --role app-green --trust prints its trust policy/],
    [{ role: 'operator', trust: true }, /operator is a person's or an automation's own identity/],
    [{ oidcIssuer: [`https://oidc.eks.eu-west-1.amazonaws.com/id/${ID_EU}`, `https://oidc.eks.eu-west-1.amazonaws.com/id/${ID_US}`] }, /two issuers for cluster delivery@eu-west-1/],
    [{ oidcIssuer: [ID_EU] }, /could be any of delivery@eu-west-1, delivery-us@us-east-1; name the cluster/],
    [{ oidcIssuer: [`delivery=https://oidc.eks.us-east-1.amazonaws.com/id/${ID_US}`] }, /matches none of the clusters/],
    [{ oidcIssuer: ['https://example.com/id/x'] }, /is neither an EKS OIDC issuer URL/],
    [{ agentCluster: 'bad name' }, /--agent-cluster: "bad name" is not <cluster> or <cluster>@<region>/],
  ];
  for (const [opts, message] of cases) {
    try {
      await iam(opts);
      assert.unreachable(JSON.stringify(opts));
    } catch (e) {
      assert.instance(e, UsageError, JSON.stringify(opts));
      assert.match((e as Error).message, message);
    }
  }
  const cli = runCli(['-C', 'examples/hello-flask', 'iam', '--role', 'nope']);
  assert.is(cli.status, 2);
});

test('golden iam: hello-flask, human-readable and JSON', async () => {
  for (const [name, opts] of [
    ['hello-flask.txt', { oidcIssuer: ISSUERS }],
    ['hello-flask.json', { oidcIssuer: ISSUERS, json: true }],
  ] as const) {
    const { code, out } = await iam(opts);
    assert.is(code, 0);
    expectGolden(path.join(GOLDEN, name), out);
  }
});

test.run();
