/**
 * The one schema of `pipewright.yaml` / `pipewright.config.ts`. The TS types and the published
 * JSON Schema (schema/pipewright.schema.json) are both derived from it.
 *
 * Only structure and local formats live here; values that depend on other values (namespaces
 * from the app name, rules from the environment order) are resolved in src/model/.
 */
import { z } from 'zod';
import { APP_NAME_MAX, DNS_LABEL, branchNameProblem } from '../model/names.js';
import { DEFAULTS } from '../model/defaults.js';

/** What is allowed for a value, shown in error messages. Kept out of the JSON Schema on purpose. */
export const allowedText = z.registry<{ allowed: string }>();

export function allow<T extends z.ZodType>(schema: T, allowed: string): T {
  allowedText.add(schema, { allowed });
  return schema;
}


const dnsLabel = (max: number, what: string) =>
  allow(
    z.string().max(max).regex(DNS_LABEL).describe(what),
    `lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${max} characters`,
  );

const branchName = allow(
  z
    .string()
    .min(1)
    .superRefine((name, ctx) => {
      const problem = branchNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: `"${name}" is not a valid git branch name: it ${problem}`, input: name });
    })
    .describe('A git branch name.'),
  'a git branch name (git check-ref-format rules)',
);

const regexSource = allow(
  z
    .string()
    .min(1)
    .superRefine((src, ctx) => {
      try {
        new RegExp(src);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(e as Error).message}`, input: src });
      }
    })
    .describe('A JavaScript regular expression, e.g. ^v\\d+\\.\\d+\\.\\d+$'),
  'a JavaScript regular expression',
);

const cpuQuantity = allow(
  z.string().regex(/^([1-9][0-9]*m|[0-9]+(\.[0-9]+)?)$/).describe('CPU, e.g. 250m or 0.5 or 1.'),
  'millicores like 250m, or cores like 0.5 or 2',
);
const memoryQuantity = allow(
  z.string().regex(/^[1-9][0-9]*(Ki|Mi|Gi|Ti|k|M|G|T)?$/).describe('Memory, e.g. 512Mi or 2Gi.'),
  'a whole number with a unit suffix like 512Mi or 2Gi',
);
const region = allow(
  z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/).describe('An AWS region, e.g. eu-west-1.'),
  'an AWS region such as eu-west-1 or us-east-1',
);
const hostname = allow(
  z
    .string()
    .max(253)
    .regex(/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/)
    .describe('A DNS host name, e.g. hello.example.com.'),
  'a lowercase DNS name such as app.example.com (a leading *. is allowed)',
);

const Resources = z
  .strictObject({
    requests: z.strictObject({ cpu: cpuQuantity.optional(), memory: memoryQuantity.optional() }).optional(),
    limits: z.strictObject({ cpu: cpuQuantity.optional(), memory: memoryQuantity.optional() }).optional(),
  })
  .describe('Container resources. Fargate sizes each pod from its requests, so requests are always set.');

const Ingress = z
  .strictObject({
    enabled: z.boolean().optional().describe('Create an ALB Ingress. Default true.'),
    host: hostname.optional().describe('Host name routed to this environment. Default: any host (the ALB DNS name).'),
    scheme: z.enum(['internet-facing', 'internal']).optional().describe('ALB scheme. Default internet-facing.'),
    path: allow(z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/), "an absolute URL path such as / or /api").optional().describe('URL path routed to the app. Default /.'),
    certificateArn: allow(
      z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/),
      'an ACM certificate ARN',
    )
      .optional()
      .describe('ACM certificate for HTTPS on the ALB.'),
  })
  .describe('The AWS Load Balancer Controller Ingress.');

const EnvVars = z
  .record(
    allow(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), 'letters, digits and _, not starting with a digit'),
    allow(z.union([z.string(), z.int(), z.boolean()]), 'a string, an integer or true/false'),
  )
  .describe('Environment variables of the container (values are not secrets: use Kubernetes Secrets for those).');

const Cluster = z.strictObject({
  name: allow(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/), 'an EKS cluster name: letters, digits, - and _').describe(
    'EKS cluster name.',
  ),
  region: region.optional().describe('The cluster\'s region. Default: aws.region.'),
});

/** Settings that `defaults` gives every environment and each environment may override. */
const environmentSettings = {
  replicas: allow(z.int().min(0).max(100), 'a whole number from 0 to 100')
    .optional()
    .describe('Pod replicas. Default 1, or 2 for production.'),
  resources: Resources.optional(),
  ingress: Ingress.optional(),
  env: EnvVars.optional(),
  clusters: z
    .array(Cluster)
    .min(1)
    .optional()
    .describe('Clusters (and regions) this environment deploys to, in parallel. Default: aws.cluster in aws.region.'),
};

const RequiredCheck = z
  .strictObject({
    name: allow(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63), "source-ready, scan-clean, or your own check's name (lowercase letters, digits and -)").describe(
      'source-ready: the source environment runs the image with every replica ready. scan-clean: the ECR scan found nothing CRITICAL or HIGH. Any other name needs a command.',
    ),
    command: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe('Shell command that must exit 0; it gets PW_APP, PW_FROM, PW_TO, PW_IMAGE and PW_DIGEST in its environment.'),
  })
  .describe('A check that must pass before `pipewright promote` promotes an image into this environment.');

const Environment = z
  .strictObject({
    name: dnsLabel(20, 'Environment name, e.g. develop, green, blue.'),
    branch: branchName.describe('The git branch that deploys to this environment.'),
    namespace: dnsLabel(63, 'Kubernetes namespace. Default <app>-<name>.').optional(),
    production: z.boolean().optional().describe('Production environment. Default false.'),
    approval: z.boolean().optional().describe('A manual approval gates the deploy. Default: same as production.'),
    requiredChecks: z.array(RequiredCheck).optional().describe('Checks `pipewright promote` runs before promoting into this environment. Default none.'),
    ...environmentSettings,
  })
  .describe('One deploy target, fed by one branch. Environments are ordered: each promotes to the next.');

const BranchRule = z
  .strictObject({
    mergeFrom: z
      .array(branchName)
      .optional()
      .describe('The only branches that may be merged into this one. Omit to allow any.'),
    directCommits: z.boolean().optional().describe('Whether commits may be pushed directly. Default: true when mergeFrom is omitted.'),
    branchFrom: z.boolean().optional().describe('Whether new branches may be cut from this one. Default: same as directCommits.'),
    releaseTag: allow(z.string().regex(/^[a-z][a-z0-9-]*$/), 'the name of a pattern in rules.tagPatterns, such as stable or beta')
      .optional()
      .describe('Every commit on this branch must carry a tag matching this named pattern.'),
  })
  .describe('What may flow into a branch.');

const Rules = z
  .strictObject({
    tagPatterns: z
      .record(allow(z.string().regex(/^[a-z][a-z0-9-]*$/), 'lowercase letters, digits and -'), regexSource)
      .optional()
      .describe('Named release-tag patterns. Defaults: stable = vX.Y.Z, beta = vX.Y.Z-beta.N.'),
    branches: z
      .record(branchName, BranchRule)
      .optional()
      .describe('Rules per branch. Default: each environment branch accepts merges only from the previous one.'),
  })
  .describe('Branch rules, enforced by the pre-push hook, `pipewright lint`, the Jenkins guard and GitHub protection.');

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema reference for editors.'),
    app: dnsLabel(APP_NAME_MAX, 'The application name: used for the image, the Deployment and the namespaces.'),
    aws: z
      .strictObject({
        accountId: allow(
          z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a quoted string: YAML reads unquoted digits as a number') }).regex(/^[0-9]{12}$/),
          'exactly 12 digits, quoted, e.g. "123456789012"',
        ).describe('AWS account id that owns the ECR repository and the clusters.'),
        region: region.describe('The AWS region of ECR and, unless an environment says otherwise, of the clusters.'),
        cluster: Cluster.shape.name.optional().describe('The EKS cluster of environments that name none. Default "main".'),
      })
      .describe('Where the image and the clusters live.'),
    image: z
      .strictObject({
        repository: allow(
          z.string().max(256).regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/),
          'an ECR repository name: lowercase letters, digits, . _ - and /',
        )
          .optional()
          .describe('ECR repository name. Default: the app name.'),
        port: allow(z.int().min(1).max(65535), 'a port number from 1 to 65535').optional().describe('Container port. Default 8000.'),
        scanOnPush: z.boolean().optional().describe('ECR scans each pushed image for vulnerabilities. Default true.'),
        encryption: z
          .enum(['AES256', 'KMS'])
          .optional()
          .describe('ECR encryption at rest; fixed when the repository is created. Default AES256.'),
        kmsKey: allow(z.string().min(1).max(2048).regex(/^(arn:aws[a-z-]*:kms:|alias\/|[0-9a-f-]{36}$)/), 'a KMS key ARN, key id or alias/<name>')
          .optional()
          .describe('KMS key for encryption KMS. Default: the AWS managed key for ECR.'),
        keep: allow(z.int().min(1).max(1000), 'a whole number from 1 to 1000')
          .optional()
          .describe('ECR lifecycle policy: images kept per environment tag prefix (older ones expire). Default 30.'),
        untaggedDays: allow(z.int().min(1).max(365), 'a whole number of days from 1 to 365')
          .optional()
          .describe('ECR lifecycle policy: untagged images expire this many days after their push. Default 1.'),
      })
      .optional()
      .describe('The image and its ECR repository (`pipewright ecr ensure` creates it or brings it into line).'),
    runtime: z
      .strictObject({
        python: allow(z.string().regex(/^3\.[0-9]{1,2}$/), 'a Python 3 minor version such as "3.12"')
          .optional()
          .describe('Python version of the base image. Default "3.12".'),
        wsgi: allow(
          z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\(\))?$/),
          'module:callable, or module:factory() for an app factory',
        )
          .optional()
          .describe('The gunicorn WSGI target. Default "app:app".'),
        healthPath: allow(z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/), 'an absolute URL path such as /healthz')
          .optional()
          .describe('HTTP path of the health endpoint used by probes and the ALB. Default /healthz.'),
        workers: allow(z.int().min(1).max(64), 'a whole number from 1 to 64').optional().describe('gunicorn workers. Default 2.'),
      })
      .optional()
      .describe('How the container runs the app (the scaffolded Dockerfile and the probes).'),
    build: z
      .strictObject({
        engine: z
          .enum(['docker', 'kaniko'])
          .optional()
          .describe('docker: an EC2 agent with a docker socket. kaniko: a Kubernetes pod agent (Fargate cannot run privileged containers). Default docker.'),
      })
      .optional()
      .describe('How the image is built (once per change).'),
    jenkins: z
      .strictObject({
        library: z
          .strictObject({
            name: allow(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), 'a Jenkins global library name').optional().describe('The Jenkins global library name. Default "pipewright".'),
            version: allow(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/), 'a git tag, branch or commit').optional().describe(
              'Pinned library version (git ref). Default: this pipewright version, e.g. v0.1.0.',
            ),
          })
          .optional()
          .describe('The shared library every Jenkinsfile loads with @Library.'),
        agentLabel: z.string().min(1).max(200).optional().describe('Agent label for build and deploy stages (build.engine docker). Default "docker".'),
        kanikoImage: z.string().min(1).max(300).optional().describe(`Kaniko executor image for build.engine kaniko. Default ${DEFAULTS.kanikoImage}.`),
        gitCredentialsId: z.string().min(1).max(200).optional().describe('Jenkins credentials to fetch branches and push release tags. Default "git".'),
        approvers: z.string().min(1).max(500).optional().describe('Jenkins users or groups allowed to approve production (input submitter). Default "release-managers".'),
        approvalTimeoutHours: allow(z.int().min(1).max(720), 'a whole number of hours from 1 to 720').optional().describe('How long the production approval waits before the build is aborted. Default 24.'),
        rolloutTimeout: allow(z.string().regex(/^[1-9][0-9]*[sm]$/), 'seconds or minutes such as 300s or 5m').optional().describe('kubectl rollout status timeout. Default 5m.'),
        buildsToKeep: allow(z.int().min(1).max(1000), 'a whole number from 1 to 1000').optional().describe('Builds kept per branch (the build discarder). Default 30.'),
        autoTag: z.boolean().optional().describe('The pipeline tags the release itself when HEAD has no release tag (GitHub\'s merge commits never have one). false: HEAD must already be tagged, or the build fails. Default true.'),
      })
      .optional()
      .describe('Jenkins settings: the library, agents, credentials (ids only, never secrets) and gates.'),
    cluster: z
      .strictObject({
        deployer: z
          .strictObject({
            serviceAccount: dnsLabel(63, 'The deployer ServiceAccount. Default "pipewright-deployer".').optional(),
            namespace: dnsLabel(63, 'Namespace of the deployer ServiceAccount (where Jenkins agents run). Default "jenkins".').optional(),
            group: allow(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,62}$/), 'a Kubernetes group name: letters, digits, : . _ -')
              .optional()
              .describe('Kubernetes group bound to the deployer Role, for the Jenkins IAM role (EKS access entry). Default "pipewright-deployers".'),
          })
          .optional()
          .describe('Who may deploy: `pipewright cluster bootstrap` binds a Role in each environment namespace to this ServiceAccount and group.'),
      })
      .optional()
      .describe('Cluster bootstrap settings.'),
    smoke: z
      .strictObject({
        command: z.string().min(1).max(2000).optional().describe('Shell command run after each deploy when script/smoke is absent; the URL is in $PW_URL.'),
      })
      .optional()
      .describe('The smoke test after each deploy.'),
    defaults: z
      .strictObject(environmentSettings)
      .optional()
      .describe('Settings every environment starts from.'),
    productionBranch: branchName
      .optional()
      .describe(
        'The branch that deploys to production (blue) in the default environments, e.g. main; the rules, release tags, Guard and protection follow it. Not with environments: there, set branch: on the production environment. Default "master".',
      ),
    environments: z
      .array(Environment)
      .min(1)
      .optional()
      .describe('Ordered environments. Default: develop (branch develop), green (staging), blue (productionBranch, master by default; production).'),
    rules: Rules.optional(),
    templatesDir: z.string().min(1).optional().describe('A directory of templates that override the built-in ones by file name.'),
  })
  .describe('pipewright config: one file for the Jenkinsfile, shared library, jobs, Kustomize overlays and branch rules.');

/** What a user writes. */
export type PipewrightConfig = z.input<typeof ConfigSchema>;
/** What validation returns. */
export type ParsedConfig = z.output<typeof ConfigSchema>;
export type EnvironmentConfig = NonNullable<ParsedConfig['environments']>[number];
export type BranchRuleConfig = z.output<typeof BranchRule>;

/** The published JSON Schema (draft-07, for yaml-language-server). */
export function toJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(ConfigSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as object),
    $id: 'https://pipewright.dev/schema/pipewright.schema.json',
    title: 'pipewright',
  };
}
