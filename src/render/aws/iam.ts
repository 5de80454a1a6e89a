/**
 * The IAM side of the pipeline, as data: for each role that takes part, what it is for, its
 * trust policy, its permission policy and the AWS managed policies to attach. Pure: model in,
 * IAM JSON out, in a fixed order, so the same config always prints the same documents.
 *
 * Least privilege: every action is one the pipeline, the library or a pipewright command really
 * calls, scoped by ARN to the app's own repository, clusters, Fargate profiles and log groups
 * wherever IAM allows it. What only the cluster can say (the OIDC provider id) or what the
 * config does not name (a role ARN) becomes a named placeholder, listed with how to fill it.
 */
import type { ClusterTarget, Model } from '../../model/model.js';
import { clusterPlans, fargateProfiles } from './eks.js';
import { shellQuote } from '../../escape/shell.js';

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal?: { readonly Federated: string } | { readonly Service: string };
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** An IAM policy document: the only version IAM policy variables and current features work in. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface IamRole {
  /** The name `--role` selects it by. */
  readonly name: string;
  /** What the role is for and who holds it, in a sentence or two. */
  readonly purpose: string;
  /** The role's ARN when the config names it, else null. */
  readonly roleArn: string | null;
  /** The config key that names the role, if any. */
  readonly configKey: string | null;
  /** For `aws iam create-role`; null for the operator and promoter, which are people's identities. */
  readonly trustPolicy: PolicyDocument | null;
  /** For `aws iam put-role-policy`; null when pipewright asks for no permission. */
  readonly policy: PolicyDocument | null;
  /** AWS managed policies to attach (`aws iam attach-role-policy`). */
  readonly managedPolicies: readonly string[];
  readonly notes: readonly string[];
  /** The AWS CLI commands that create or update the role from the documents above. */
  readonly commands: readonly string[];
}

export interface Placeholder {
  /** The text in the documents, e.g. `<oidc-id-of-delivery>`. */
  readonly text: string;
  readonly what: string;
  /** How to find the value, or the flag/key that supplies it. */
  readonly how: string;
}

export interface IamPlan {
  readonly app: string;
  readonly accountId: string;
  /** The inline policy name every role gets: one per app, so apps sharing a role add up, never overwrite. */
  readonly policyName: string;
  readonly roles: readonly IamRole[];
  readonly placeholders: readonly Placeholder[];
}

export interface IamOptions {
  /** The OIDC provider id of each cluster, keyed by clusterKey(). Missing: a placeholder. */
  readonly oidcIds?: ReadonlyMap<string, string>;
  /** The cluster whose pods run the Jenkins agents (kaniko). Default: aws.cluster in aws.region. */
  readonly agentCluster?: ClusterTarget;
}

export const FARGATE_POD_EXECUTION_POLICY = 'AmazonEKSFargatePodExecutionRolePolicy';

/** IAM's default limit on a trust policy (characters, whitespace excluded); a quota increase raises it. */
export const TRUST_POLICY_LIMIT = 2048;

export const clusterKey = (c: ClusterTarget): string => `${c.name}@${c.region}`;

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const dnsSuffixOf = (region: string): string => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

const doc = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

const sorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

/** One string when there is one, else the list: how people write IAM JSON. */
const oneOrMany = (xs: readonly string[]): string | readonly string[] => (xs.length === 1 ? xs[0]! : xs);

/** The actions the pipeline's shared library and image build run against the app's repository. */
const ECR_PIPELINE = [
  // vars/pipewrightImage: is the tree's image there yet, and which digest does a tag name?
  'ecr:DescribeImages',
  // vars/pipewrightImage: copy the manifest under the environment's tag (batch-get-image → put-image).
  'ecr:BatchGetImage',
  'ecr:PutImage',
  // vars/pipewrightChecks: the built-in scan-clean check reads ECR's scan of the image.
  'ecr:DescribeImageScanFindings',
  // docker push / kaniko's ECR credential helper: upload the layers, then the manifest (PutImage).
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  // Reading layers already in the repository (a build FROM an image of its own, a layer cache).
  'ecr:GetDownloadUrlForLayer',
];

/** What `pipewright ecr ensure` calls (src/aws/ensure.ts and src/aws/ecr-plan.ts). */
const ECR_ENSURE = [
  'ecr:DescribeRepositories',
  'ecr:GetLifecyclePolicy',
  'ecr:CreateRepository',
  'ecr:PutImageTagMutability',
  'ecr:PutImageScanningConfiguration',
  'ecr:PutLifecyclePolicy',
];

/** What `pipewright promote`, `status` and `rollback` call (src/release/promote.ts, src/commands/status.ts, src/release/rollback.ts). */
const ECR_PROMOTE = ['ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:BatchGetImage', 'ecr:PutImage'];

interface Arns {
  readonly partition: string;
  readonly repository: string;
  cluster(c: ClusterTarget): string;
  fargateProfile(c: ClusterTarget, profile: string): string;
  role(name: string): string;
}

function arnsOf(m: Model): Arns {
  const account = m.aws.accountId;
  const partition = partitionOf(m.aws.region);
  const eks = (c: ClusterTarget, resource: string) => `arn:${partitionOf(c.region)}:eks:${c.region}:${account}:${resource}`;
  return {
    partition,
    repository: `arn:${partition}:ecr:${m.aws.region}:${account}:repository/${m.image.repository}`,
    cluster: (c) => eks(c, `cluster/${c.name}`),
    fargateProfile: (c, profile) => eks(c, `fargateprofile/${c.name}/${profile}`),
    role: (name) => `arn:${partition}:iam::${account}:role/${name}`,
  };
}

/** Every cluster the environments deploy to, first-seen order. */
const deployClusters = (m: Model): ClusterTarget[] => clusterPlans(m).map((p) => ({ name: p.cluster, region: p.region }));

/** The role name in a role ARN (the part after the last /: paths are not part of the name). */
const roleNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** Collects placeholders while the documents are built. */
class Placeholders {
  private readonly list: Placeholder[] = [];
  use(text: string, what: string, how: string): string {
    if (!this.list.some((p) => p.text === text)) this.list.push({ text, what, how });
    return text;
  }
  all(): Placeholder[] {
    return [...this.list];
  }
}

/** The OIDC issuer host and path of a cluster (`oidc.eks.<region>.amazonaws.com/id/<id>`), id or placeholder. */
function oidcIssuer(c: ClusterTarget, opts: IamOptions, ph: Placeholders): string {
  const id =
    opts.oidcIds?.get(clusterKey(c)) ??
    ph.use(
      `<oidc-id-of-${c.name}>`,
      `the OIDC provider id of EKS cluster ${c.name} (${c.region})`,
      `aws eks describe-cluster --name ${shellQuote(c.name)} --region ${c.region} --query cluster.identity.oidc.issuer --output text ` +
        `(the id is the last path segment; pass the whole URL as --oidc-issuer ${c.name}=<url>). ` +
        `The cluster needs an IAM OIDC provider: eksctl utils associate-iam-oidc-provider --cluster ${shellQuote(c.name)} --region ${c.region} --approve`,
    );
  return `oidc.eks.${c.region}.${dnsSuffixOf(c.region)}/id/${id}`;
}

/** IRSA: pods running as ServiceAccount `namespace/serviceAccount` in cluster `c` may assume the role. */
function irsaStatement(m: Model, c: ClusterTarget, namespace: string, serviceAccount: string, opts: IamOptions, ph: Placeholders, sid: string): PolicyStatement {
  const issuer = oidcIssuer(c, opts, ph);
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { Federated: `arn:${partitionOf(c.region)}:iam::${m.aws.accountId}:oidc-provider/${issuer}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${issuer}:aud`]: 'sts.amazonaws.com',
        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
      },
    },
  };
}

/** A Sid from a cluster name (IAM allows only letters and digits): delivery-us → PodsInDeliveryUs. */
function sidOf(prefix: string, c: ClusterTarget, all: readonly ClusterTarget[]): string {
  const words = (s: string) => s.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const clash = all.filter((x) => words(x.name) === words(c.name)).length > 1;
  return `${prefix}${words(c.name)}${clash ? words(c.region) : ''}`;
}

/** The commands that create (or update) a role from the printed documents. */
function roleCommands(m: Model, r: Omit<IamRole, 'commands'>, roleName: string, exists: boolean): string[] {
  const q = shellQuote(roleName);
  const file = (kind: string) => `${r.name}-${kind}.json`;
  const out: string[] = [];
  if (r.trustPolicy) {
    out.push(`pipewright iam --role ${r.name} --trust > ${file('trust')}`);
    out.push(
      exists
        ? `aws iam update-assume-role-policy --role-name ${q} --policy-document file://${file('trust')}`
        : `aws iam create-role --role-name ${q} --assume-role-policy-document file://${file('trust')}`,
    );
  }
  if (r.policy) {
    out.push(`pipewright iam --role ${r.name} > ${file('policy')}`);
    out.push(`aws iam put-role-policy --role-name ${q} --policy-name ${shellQuote(`pipewright-${m.app}`)} --policy-document file://${file('policy')}`);
  }
  for (const p of r.managedPolicies) out.push(`aws iam attach-role-policy --role-name ${q} --policy-arn ${p}`);
  return out;
}

function withCommands(m: Model, r: Omit<IamRole, 'commands'>, suggestedName: string): IamRole {
  const exists = r.roleArn !== null;
  return { ...r, commands: roleCommands(m, r, r.roleArn ? roleNameOf(r.roleArn) : suggestedName, exists) };
}

/** 1. The Jenkins agents: build and push the image, tag it per environment, deploy. */
function jenkinsAgentRole(m: Model, arns: Arns, opts: IamOptions, ph: Placeholders): IamRole {
  const { serviceAccount, namespace, roleArn } = m.cluster.deployer;
  const clusters = deployClusters(m);
  const agentCluster = opts.agentCluster ?? { name: m.aws.cluster, region: m.aws.region };
  const kaniko = m.build.engine === 'kaniko';
  const trust = kaniko
    ? doc(irsaStatement(m, agentCluster, namespace, serviceAccount, opts, ph, 'JenkinsAgentPods'))
    : doc({ Sid: 'JenkinsAgentInstances', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
  const policy = doc(
    // ECR answers GetAuthorizationToken for the whole registry: it takes no narrower resource.
    { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    { Sid: 'PushAndTagTheAppImage', Effect: 'Allow', Action: sorted(ECR_PIPELINE), Resource: arns.repository },
    // `aws eks update-kubeconfig` before each deploy; kubectl's token (`aws eks get-token`) needs no permission.
    { Sid: 'KubeconfigOfTheDeployClusters', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: oneOrMany(clusters.map(arns.cluster)) },
    // vars/pipewrightAlarms (the canary's and Verify's gates). DescribeAlarms takes no resource narrower than *; it only reads alarm states.
    { Sid: 'ReadTheAlarmGates', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' },
  );
  const notes = [
    kaniko
      ? `The trust is for the cluster whose pods run the agents (${clusterKey(agentCluster)}; --agent-cluster to change it), not for every cluster deployed to: ` +
        'deploys reach the other clusters through their EKS access entries (pipewright cluster bootstrap prints them).'
      : 'build.engine docker: the agents are EC2 instances labelled ' +
        `${m.jenkins.agentLabel}, so the role is theirs through an instance profile (aws iam create-instance-profile, add-role-to-instance-profile), not IRSA.`,
    `Every app's Jenkinsfile runs on the same agents: each app adds its own inline policy pipewright-${m.app} to this one role.`,
    'Kubernetes rights come from the deployer Role and RoleBindings (pipewright cluster bootstrap) through the access entry that maps this role to the group ' +
      `${m.cluster.deployer.group}: attach no EKS access policy.`,
  ];
  if (kaniko) notes.push(`The agent pod must run as ServiceAccount ${namespace}/${serviceAccount}, annotated eks.amazonaws.com/role-arn with this role's ARN.`);
  return withCommands(
    m,
    {
      name: 'jenkins-agent',
      purpose: kaniko
        ? `The Jenkins agent pods (kaniko), through IRSA as ServiceAccount ${namespace}/${serviceAccount}: build and push the image, tag it per environment (and verified) in ECR, read its scan and the alarm gates, update the kubeconfig of each cluster they deploy to.`
        : `The Jenkins agents (EC2, label ${m.jenkins.agentLabel}): build and push the image, tag it per environment (and verified) in ECR, read its scan and the alarm gates, update the kubeconfig of each cluster they deploy to.`,
      roleArn,
      configKey: 'cluster.deployer.roleArn',
      trustPolicy: trust,
      policy,
      managedPolicies: [],
      notes,
    },
    'pipewright-jenkins-agent',
  );
}

/** 2. The app's own pods, per environment: only the trust (what the app calls on AWS is its own business). */
function appRoles(m: Model, opts: IamOptions, ph: Placeholders): IamRole[] {
  return m.environments.map((e, i) => {
    const clusters = e.clusters.map((c) => ({ name: c.name, region: c.region }));
    const configKey = `environments.${i}.serviceAccount.roleArn`;
    return withCommands(
      m,
      {
        name: `app-${e.name}`,
        purpose: `The ${m.app} pods in ${e.name} (namespace ${e.namespace}), through IRSA as ServiceAccount ${e.namespace}/${e.serviceAccount.name}; only needed when the app calls AWS.`,
        roleArn: e.serviceAccount.roleArn,
        configKey,
        trustPolicy: doc(...clusters.map((c) => irsaStatement(m, c, e.namespace, e.serviceAccount.name, opts, ph, sidOf('PodsIn', c, clusters)))),
        policy: null,
        managedPolicies: [],
        notes: [
          'pipewright asks for no permission here: attach what the app itself calls (S3, SQS, …), scoped to its own resources.',
          clusters.length > 1
            ? `One statement per cluster: an IRSA trust names one cluster's OIDC provider, and ${e.name} runs in ${clusters.length} clusters.`
            : `Another environment gets a role of its own, so ${e.name}'s pods never hold another environment's rights.`,
          ...(e.serviceAccount.roleArn === null
            ? [`Set ${configKey} (or defaults.serviceAccount.roleArn) to the role's ARN: the ServiceAccount is annotated with it, else the pods get no AWS credentials.`]
            : []),
        ],
      },
      `${m.app}-${e.name}`.slice(0, 64),
    );
  });
}

/** The log groups Fargate's Fluent Bit writes to, per cluster (same name, each cluster's region). */
function logGroupArns(m: Model, clusters: readonly ClusterTarget[]): string[] {
  return clusters.flatMap((c) => {
    const name = m.cluster.logging.logGroup ?? `/aws/eks/${c.name}/fargate`;
    const group = `arn:${partitionOf(c.region)}:logs:${c.region}:${m.aws.accountId}:log-group:${name}`;
    // The group itself (CreateLogGroup, PutRetentionPolicy) and its streams (CreateLogStream, PutLogEvents …).
    return [group, `${group}:*`];
  });
}

/** 3. The Fargate pod execution role: pulls images and ships logs for every pod of the app's profiles. */
function fargateRole(m: Model, arns: Arns): IamRole {
  const clusters = deployClusters(m);
  const logging = m.cluster.logging.enabled;
  return withCommands(
    m,
    {
      name: 'fargate-pod-execution',
      purpose:
        "The Fargate profiles' pod execution role: Fargate's kubelet registers the pods as nodes, pulls their images from ECR" +
        (logging ? ' and sends their logs to CloudWatch Logs (the aws-logging ConfigMap).' : '.'),
      roleArn: m.cluster.fargate.podExecutionRoleArn,
      configKey: 'cluster.fargate.podExecutionRoleArn',
      trustPolicy: doc({
        Sid: 'FargateProfilesOfTheseClusters',
        Effect: 'Allow',
        Principal: { Service: 'eks-fargate-pods.amazonaws.com' },
        Action: 'sts:AssumeRole',
        // The confused-deputy guard AWS documents: only Fargate profiles of these clusters.
        Condition: { ArnLike: { 'aws:SourceArn': oneOrMany(clusters.map((c) => arns.fargateProfile(c, '*'))) } },
      }),
      policy: logging
        ? doc({
            Sid: 'FargateLogging',
            Effect: 'Allow',
            Action: sorted(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'logs:PutRetentionPolicy']),
            Resource: logGroupArns(m, clusters),
          })
        : null,
      managedPolicies: [`arn:${arns.partition}:iam::aws:policy/${FARGATE_POD_EXECUTION_POLICY}`],
      notes: [
        `${FARGATE_POD_EXECUTION_POLICY} lets Fargate pull images (ECR read, any repository); the containers themselves never get this role's rights.`,
        logging
          ? `Logs go to ${m.cluster.logging.logGroup ?? '/aws/eks/<cluster>/fargate'} in each cluster's region (cluster.logging.logGroup); retention ${m.cluster.logging.retentionDays} days.`
          : 'cluster.logging.enabled is false: no CloudWatch Logs permission.',
        'The role is shared by the Fargate profiles of every app in these clusters: it holds no app-specific right.',
        ...(m.build.engine === 'kaniko'
          ? [
              `The kaniko agent pods run on Fargate too (namespace ${m.cluster.deployer.namespace}): if their profile uses this role, its cluster must be in aws:SourceArn and its log group in the policy.`,
            ]
          : []),
      ],
    },
    'pipewright-fargate-pod-execution',
  );
}

/** The KMS rights CreateRepository needs with KMS encryption: ECR describes the key and creates its grants as the caller. */
function kmsStatement(m: Model, arns: Arns): PolicyStatement | null {
  if (m.image.encryption.type !== 'KMS') return null;
  const key = m.image.encryption.kmsKey;
  const region = m.aws.region;
  const resource =
    key === null || key.startsWith('alias/') || /:alias\//.test(key)
      ? `arn:${arns.partition}:kms:${region}:${m.aws.accountId}:key/*`
      : key.startsWith('arn:')
        ? key
        : `arn:${arns.partition}:kms:${region}:${m.aws.accountId}:key/${key}`;
  return {
    Sid: 'EcrRepositoryEncryptionKey',
    Effect: 'Allow',
    Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'],
    Resource: resource,
    Condition: { StringEquals: { 'kms:ViaService': `ecr.${region}.${dnsSuffixOf(region)}` } },
  };
}

/** 4. Whoever runs `pipewright ecr ensure` and `pipewright cluster bootstrap` (and the aws eks commands it prints). */
function operatorRole(m: Model, arns: Arns, ph: Placeholders): IamRole {
  const clusters = deployClusters(m);
  const profiles = fargateProfiles(m).map((p) => arns.fargateProfile({ name: p.cluster, region: p.region }, `${p.input.fargateProfileName}/*`));
  const podRole =
    m.cluster.fargate.podExecutionRoleArn ??
    arns.role(
      ph.use(
        '<pod-execution-role-name>',
        'the name of the Fargate pod execution role',
        'set cluster.fargate.podExecutionRoleArn (pipewright iam --role fargate-pod-execution prints the role to create)',
      ),
    );
  const jenkinsRole = m.cluster.deployer.roleArn;
  const kms = kmsStatement(m, arns);
  const statements: PolicyStatement[] = [
    { Sid: 'EnsureTheAppRepository', Effect: 'Allow', Action: sorted(ECR_ENSURE), Resource: arns.repository },
    ...(kms ? [kms] : []),
    {
      Sid: 'KubeconfigAndFargateProfiles',
      Effect: 'Allow',
      Action: ['eks:CreateFargateProfile', 'eks:DescribeCluster', 'eks:ListFargateProfiles'],
      Resource: oneOrMany(clusters.map(arns.cluster)),
    },
    // create-fargate-profile tags the new profile (app.kubernetes.io/part-of, managed-by), which EKS authorizes as TagResource on it.
    // Delete: what cluster bootstrap tells the operator to run when one of these profiles has other selectors (EKS cannot edit one).
    { Sid: 'TheAppFargateProfiles', Effect: 'Allow', Action: ['eks:DeleteFargateProfile', 'eks:DescribeFargateProfile', 'eks:TagResource'], Resource: oneOrMany(profiles) },
    {
      Sid: 'PassThePodExecutionRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: podRole,
      // The service authorization reference names eks.amazonaws.com for CreateFargateProfile; the role itself trusts eks-fargate-pods.
      Condition: { StringEquals: { 'iam:PassedToService': ['eks-fargate-pods.amazonaws.com', 'eks.amazonaws.com'] } },
    },
    {
      Sid: 'JenkinsAccessEntry',
      Effect: 'Allow',
      Action: 'eks:CreateAccessEntry',
      Resource: oneOrMany(clusters.map(arns.cluster)),
      // Only the entry cluster bootstrap prints: the Jenkins role, into the deployer group and nothing else.
      Condition: {
        'ForAllValues:StringEquals': { 'eks:kubernetesGroups': m.cluster.deployer.group },
        ...(jenkinsRole !== null && { ArnEquals: { 'eks:principalArn': jenkinsRole } }),
      },
    },
    {
      // cluster bootstrap's advice when the role already has an entry: add the group with update-access-entry,
      // keeping the entry's other groups (so no group condition here; EKS refuses system: groups itself).
      Sid: 'JenkinsAccessEntryGroups',
      Effect: 'Allow',
      Action: ['eks:DescribeAccessEntry', 'eks:UpdateAccessEntry'],
      Resource: oneOrMany(clusters.map((c) => `arn:${partitionOf(c.region)}:eks:${c.region}:${m.aws.accountId}:access-entry/${c.name}/*`)),
      ...(jenkinsRole !== null && { Condition: { ArnEquals: { 'eks:principalArn': jenkinsRole } } }),
    },
  ];
  return withCommands(
    m,
    {
      name: 'operator',
      purpose:
        'Whoever runs pipewright ecr ensure and pipewright cluster bootstrap, and the aws eks create-fargate-profile and create-access-entry commands it prints: ' +
        'a platform engineer, or an automation role.',
      roleArn: null,
      configKey: null,
      trustPolicy: null,
      policy: doc(...statements),
      managedPolicies: [],
      notes: [
        'A person\'s identity, not a role pipewright creates: attach the policy to their group, permission set or automation role (aws iam put-role-policy / put-group-policy).',
        'cluster bootstrap itself talks to Kubernetes: the operator also needs cluster-admin there (an access entry with AmazonEKSClusterAdminPolicy, e.g. the cluster creator).',
        ...(jenkinsRole === null ? ['Set cluster.deployer.roleArn and the access entry rights are limited to the Jenkins role too (eks:principalArn).'] : []),
      ],
    },
    '<operator-role-name>',
  );
}

/** 5. Whoever runs `pipewright promote`, `status`, `history` and `rollback`. */
function promoterRole(m: Model, arns: Arns): IamRole {
  const clusters = deployClusters(m);
  const scan = m.environments.some((e) => e.requiredChecks.some((k) => k.name === 'scan-clean' && k.command === null));
  return withCommands(
    m,
    {
      name: 'promoter',
      purpose:
        'Whoever runs pipewright promote, status, history and rollback (a release manager, or a Jenkins job that runs them): read the images, re-tag one for the next environment, read the Deployments, put a verified release back.',
      roleArn: null,
      configKey: null,
      trustPolicy: null,
      policy: doc(
        {
          Sid: 'ReadAndRetagTheAppImage',
          Effect: 'Allow',
          Action: sorted([...ECR_PROMOTE, ...(scan ? ['ecr:DescribeImageScanFindings'] : [])]),
          Resource: arns.repository,
        },
        { Sid: 'KubeconfigOfTheDeployClusters', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: oneOrMany(clusters.map(arns.cluster)) },
      ),
      managedPolicies: [],
      notes: [
        scan
          ? 'ecr:DescribeImageScanFindings is there for the scan-clean check of requiredChecks.'
          : 'No environment requires scan-clean, so no ecr:DescribeImageScanFindings.',
        'Reading the Deployments (status, promote, history) needs get on deployments and list on replicasets in the environment namespaces (Kubernetes RBAC, through the identity\'s access entry).',
        `rollback also patches the Deployment (get, list and patch on deployments, list on replicasets; from ECR it only reads, DescribeImages): the deployer Role of pipewright cluster bootstrap has these, with the rest of a deploy's rights, so an access entry mapping the identity to group ${m.cluster.deployer.group} gives them; for less, bind a Role with only these.`,
      ],
    },
    '<promoter-role-name>',
  );
}

/** Every role, in a fixed order: jenkins-agent, app-<env>…, fargate-pod-execution, operator, promoter. */
export function iamPlan(m: Model, opts: IamOptions = {}): IamPlan {
  const arns = arnsOf(m);
  const ph = new Placeholders();
  const roles = [jenkinsAgentRole(m, arns, opts, ph), ...appRoles(m, opts, ph), fargateRole(m, arns), operatorRole(m, arns, ph), promoterRole(m, arns)];
  return {
    app: m.app,
    accountId: m.aws.accountId,
    policyName: `pipewright-${m.app}`,
    roles: roles.map((r) => ({ ...r, notes: [...r.notes, ...sizeNotes(r)] })),
    placeholders: ph.all(),
  };
}

/** IAM counts a trust policy's characters without whitespace. */
function sizeNotes(r: IamRole): string[] {
  if (!r.trustPolicy) return [];
  const size = JSON.stringify(r.trustPolicy).length;
  return size > TRUST_POLICY_LIMIT
    ? [`The trust policy is ${size} characters, over IAM's default limit of ${TRUST_POLICY_LIMIT}: ask for a higher "Role trust policy length" quota, or use a role per cluster.`]
    : [];
}

/** The placeholders a document still contains. */
export function placeholdersIn(document: PolicyDocument, plan: IamPlan): Placeholder[] {
  const text = JSON.stringify(document);
  return plan.placeholders.filter((p) => text.includes(p.text));
}
