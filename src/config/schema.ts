/**
 * The one schema of `pipewright.yaml` / `pipewright.config.ts`. The TS types and the published
 * JSON Schema (schema/pipewright.schema.json) are both derived from it.
 *
 * Only structure and local formats live here; values that depend on other values (namespaces
 * from the app name, rules from the environment order) are resolved in src/model/.
 */
import { z } from 'zod';
import { APP_NAME_MAX, DNS_LABEL, branchNameProblem } from '../core/names.js';
import { DEFAULTS } from '../core/defaults.js';

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
  .describe('Container resources. Fargate sizes each pod from its requests plus 256 MiB, rounded up to a size it offers (the generated patch says which); requests are always set. Default requests: cpu 250m, memory 768Mi (exactly 0.25 vCPU / 1 GB).');

const roleArn = allow(
  z.string().max(2048).regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/),
  'an IAM role ARN such as arn:aws:iam::123456789012:role/my-role',
);

const Ingress = z
  .strictObject({
    enabled: z.boolean().optional().describe('Create an ALB Ingress. Default true.'),
    host: hostname.optional().describe('Host name routed to this environment. Default: from ingress.domain, else none (the ALB DNS name).'),
    domain: hostname
      .optional()
      .describe('DNS domain the environments\' hosts are made from: <app>.<domain> for production, <app>-<environment>.<domain> for the others (one wildcard certificate covers them all).'),
    scheme: z.enum(['internet-facing', 'internal']).optional().describe('ALB scheme. Default internet-facing.'),
    path: allow(z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/), "an absolute URL path such as / or /api").optional().describe('URL path routed to the app. Default /.'),
    group: allow(
      z.string().max(63).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
      "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 63 characters",
    )
      .optional()
      .describe('ALB IngressGroup (alb.ingress.kubernetes.io/group.name): Ingresses with the same group share one ALB. Default: with a host, pipewright-<environment> (pipewright-<environment>-internal for internal ALBs); without one, <app>-<environment> (an ALB of its own: without a host, nothing tells the apps of a shared ALB apart).'),
    certificateArn: allow(
      z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/),
      'an ACM certificate ARN',
    )
      .optional()
      .describe('ACM certificate for HTTPS on the ALB. Default: with a host, the controller discovers the ACM certificate that covers it.'),
  })
  .describe('The AWS Load Balancer Controller Ingress. With a host, the ALB listens on HTTPS and redirects HTTP to it.');

/** A key whose words say it holds a secret: its value must come from a Secret, never from the config. */
export const SECRET_KEY_WORDS = ['PASSWORD', 'PASSWD', 'PASS', 'PWD', 'SECRET', 'SECRETS', 'TOKEN', 'KEY', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'PRIVATE', 'AUTH'] as const;

export function secretLookingKey(name: string): boolean {
  return name
    .toUpperCase()
    .split(/_+/)
    .some((w) => (SECRET_KEY_WORDS as readonly string[]).includes(w));
}

/**
 * Characters `kubectl kustomize` (v5.5) cannot carry through. It reads them (pipewright writes them
 * escaped) but writes them raw: DEL, the C1 controls, U+FFFE and U+FFFF, which its own reader
 * then refuses; and U+0085, which YAML 1.1 readers (kustomize's, kubectl's) take for a line break,
 * so the value reaches the cluster with a space instead.
 */
// eslint-disable-next-line no-control-regex
export const KUSTOMIZE_UNWRITABLE = /[\u007f-\u009f\ufffe\uffff]/;

/** A URL with a password in it (scheme://user:password@host): a secret whatever the key is called. */
export const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:[^/@\s]+@/i;

const kubernetesName = (what: string) =>
  allow(z.string().max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/), "a Kubernetes object name: lowercase letters, digits, '-' and '.'").describe(what);
const envVarName = allow(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), 'letters, digits and _, not starting with a digit');
const KeyRef = (kind: 'Secret' | 'ConfigMap') =>
  z
    .strictObject({
      name: kubernetesName(`The ${kind} in the environment's namespace.`),
      key: allow(z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/), "a data key: letters, digits, '-', '_' and '.'").describe(`The key in the ${kind}.`),
      optional: z.boolean().optional().describe(`Start the pod even when the ${kind} or key is missing. Default false.`),
    })
    .describe(`A value read from a ${kind} when the pod starts.`);

const EnvValue = allow(
  z.union([
    z.string(),
    z.int(),
    z.boolean(),
    z.strictObject({ secretKeyRef: KeyRef('Secret') }),
    z.strictObject({ configMapKeyRef: KeyRef('ConfigMap') }),
  ]),
  'a string, an integer, true/false, { secretKeyRef: { name, key } } or { configMapKeyRef: { name, key } }',
);

const secretRefForm = (key: string) => `{ secretKeyRef: { name: <secret>, key: ${key} } }, a Secret in the environment's namespace`;

const EnvVars = z
  .record(envVarName, EnvValue)
  .superRefine((vars, ctx) => {
    for (const [key, value] of Object.entries(vars)) {
      if (typeof value === 'object') continue;
      const text = String(value);
      if (text === '') continue;
      if (secretLookingKey(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'looks like a secret and has a plain value: a secret must never be written into the repository',
          params: { allowed: secretRefForm(key) },
          input: value,
        });
      } else if (typeof value === 'string' && KUSTOMIZE_UNWRITABLE.test(value)) {
        const at = value.search(KUSTOMIZE_UNWRITABLE);
        const cp = value.codePointAt(at)!.toString(16).toUpperCase().padStart(4, '0');
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `holds the character U+${cp} (at character ${at}), which kubectl kustomize cannot carry to the cluster unchanged`,
          params: { allowed: 'any text without U+007F to U+009F, U+FFFE or U+FFFF' },
          input: value,
        });
      } else if (typeof value === 'string' && URL_WITH_PASSWORD.test(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is a URL with a password in it: a secret must never be written into the repository',
          params: { allowed: secretRefForm(key) },
          input: value,
        });
      }
    }
  })
  .describe('Environment variables of the container. Plain values are not secrets: a key that looks like one (PASSWORD, SECRET, TOKEN, KEY, …) must be a secretKeyRef.');

const EnvFrom = z
  .array(
    allow(
      z.union([
        z.strictObject({ secretRef: z.strictObject({ name: kubernetesName('The Secret.'), optional: z.boolean().optional() }) }),
        z.strictObject({ configMapRef: z.strictObject({ name: kubernetesName('The ConfigMap.'), optional: z.boolean().optional() }) }),
      ]),
      '{ secretRef: { name } } or { configMapRef: { name } }',
    ),
  )
  .describe('Secrets and ConfigMaps whose every key becomes an environment variable (e.g. a Secret kept in sync with AWS Secrets Manager by the External Secrets Operator).');

const Scaling = z
  .strictObject({
    minReplicas: allow(z.int().min(1).max(100), 'a whole number from 1 to 100').describe('Fewest pods.'),
    maxReplicas: allow(z.int().min(1).max(100), 'a whole number from 1 to 100').describe('Most pods.'),
    cpuUtilization: allow(z.int().min(10).max(100), 'a percentage from 10 to 100')
      .optional()
      .describe('Average CPU, as a percentage of the request, that the autoscaler keeps pods at. Default 70.'),
  })
  .describe('A HorizontalPodAutoscaler (needs the metrics server in the cluster). Replaces replicas: the autoscaler owns the pod count.');

const DisruptionBudget = z
  .union([
    z.literal(false),
    z.strictObject({
      maxUnavailable: allow(z.int().min(1).max(100), 'a whole number from 1 to 100').describe('Pods that may be evicted at once (Fargate evicts pods to patch them).'),
    }),
  ])
  .describe('A PodDisruptionBudget. Default: maxUnavailable 1 where at least 2 pods run; false: none.');

/** A container image reference: registry/name[:tag][@sha256:digest]. */
const imageRef = allow(
  z
    .string()
    .max(300)
    .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$/),
  'an image reference such as ghcr.io/org/image:v1.2.3, optionally pinned with @sha256:<digest>',
);

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

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
  envFrom: EnvFrom.optional(),
  scaling: Scaling.optional(),
  disruptionBudget: DisruptionBudget.optional(),
  serviceAccount: z
    .strictObject({
      roleArn: roleArn.optional().describe('IAM role the app\'s pods assume through IRSA (EKS Pod Identity does not work on Fargate). Default: none, the pods get no AWS credentials.'),
    })
    .optional()
    .describe('The app\'s ServiceAccount in the environment\'s namespace.'),
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
  .describe('A check that must pass before an image is promoted into this environment: in the pipeline (stage Checks <environment>) and in `pipewright promote`.');

const duration = (what: string) =>
  allow(z.string().regex(/^(0|[1-9][0-9]{0,5})[smh]$/), 'a whole number of seconds, minutes or hours such as 30s, 5m or 1h').describe(what);

const alarmName = allow(
  z.string().min(1).max(255).regex(/^[^\u0000-\u001f\u007f]+$/),
  'a CloudWatch alarm name: 1 to 255 characters, no control characters',
);
const AlarmRef = z
  .union([
    alarmName.describe('An alarm, by its exact name: it must exist, or the gate fails.'),
    z.strictObject({ prefix: alarmName.describe('Every alarm whose name starts with this; at least one must exist, or the gate fails.') }),
  ])
  .describe('A CloudWatch alarm (metric or composite), by name or by { prefix }.');

const Verify = z
  .strictObject({
    alarms: z.array(AlarmRef).max(100).optional().describe('CloudWatch alarms that must not be in ALARM after the deploy, for the whole soak time. Default none.'),
    soak: duration('How long the alarms are watched after the smoke check passes. Default 5m with alarms, 0s without.').optional(),
  })
  .describe("How a deploy is verified: the smoke check (script/smoke), then the alarms for the soak time. A verified image gets the ECR tag verified-<environment>-<tree>, which the next environment requires.");

const Canary = z
  .strictObject({
    steps: z
      .array(allow(z.int().min(1).max(99), 'a whole percentage from 1 to 99'))
      .min(1)
      .max(10)
      .describe('The share of traffic the canary takes at each step, increasing, e.g. [10, 50].'),
    pause: duration('How long each step holds while its alarms are watched, e.g. 5m.'),
    alarms: z.array(AlarmRef).max(100).optional().describe('Alarms that fail the canary. Default: verify.alarms.'),
    traffic: z
      .enum(['alb', 'replicas'])
      .optional()
      .describe('alb: the AWS Load Balancer Controller weights a forward action between the stable and the canary Service (IP targets). replicas: the canary takes a share of the pods behind the one Service. Default alb when the environment has an ingress, else replicas.'),
  })
  .describe('Deploy a canary first: traffic moves to it step by step, each step gated by the alarms; on a failed gate the canary is removed and production is untouched.');

const windowSpan = allow(
  z.string().regex(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? ([01][0-9]|2[0-3]):[0-5][0-9] ?- ?((Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([01][0-9]|2[0-4]):[0-5][0-9]$/),
  '"Fri 16:00-Mon 08:00" (from one weekday and time to another) or "Mon-Fri 09:00-17:00" (those hours on each of those days)',
);
const timeZone = allow(
  z
    .string()
    .regex(/^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, { message: 'is not a time zone of the IANA database' }),
  'an IANA time zone such as Europe/Berlin, America/New_York or UTC',
);
const Windows = z
  .strictObject({
    timeZone: timeZone.describe('The time zone the windows are in, e.g. Europe/Berlin.'),
    deny: z.array(windowSpan).max(50).optional().describe('When deploys are not allowed, e.g. ["Fri 16:00-Mon 08:00"].'),
    allow: z.array(windowSpan).max(50).optional().describe('When deploys are allowed (and only then), e.g. ["Mon-Thu 08:00-17:00"]. Default: always, except deny.'),
    outside: z.enum(['wait', 'fail']).optional().describe('A build outside the windows waits for the next one (holding no executor) or fails. Default fail.'),
    maxWait: duration('With outside: wait, the longest a build waits (it fails after that). Default 72h.').optional(),
  })
  .describe('Promotion windows: when this environment may be deployed to.');

const Environment = z
  .strictObject({
    name: dnsLabel(20, 'Environment name, e.g. develop, green, blue.'),
    branch: branchName.describe('The git branch that deploys to this environment.'),
    namespace: dnsLabel(63, 'Kubernetes namespace. Default <app>-<name>.').optional(),
    production: z.boolean().optional().describe('Production environment. Default false.'),
    approval: z.boolean().optional().describe('A manual approval gates the deploy. Default: same as production.'),
    requiredChecks: z.array(RequiredCheck).optional().describe('Checks that must pass before an image is promoted into this environment, in the pipeline and in `pipewright promote`. Default none.'),
    requireVerified: z
      .boolean()
      .optional()
      .describe('Deploy only an image verified in the environment before this one (its ECR tag verified-<previous>-<tree>). Default true, except for the first environment.'),
    verify: Verify.optional(),
    canary: Canary.optional(),
    windows: Windows.optional(),
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
        registry: allow(
          z
            .string()
            .max(260)
            .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[1-9][0-9]{0,4})?$/),
          'a registry host, optionally with :port, no scheme or path, e.g. ecr.example.internal or registry.example.com:5000',
        )
          .optional()
          .describe(
            'The registry host of the image: where the pipeline logs in and pushes, and where the Deployments pull from. Set it when ECR is reached under another name (a registry mirror or proxy in front of ECR, a private DNS name); the pipeline\'s ECR API calls (look-up, promotion) still go to aws.accountId\'s ECR in aws.region. Default: <aws.accountId>.dkr.ecr.<aws.region>.amazonaws.com.',
          ),
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
        shutdownDelaySeconds: allow(z.int().min(0).max(300), 'a whole number of seconds from 0 to 300')
          .optional()
          .describe('Seconds a stopping pod keeps serving (a preStop sleep) while the load balancer deregisters it; without it a rollout drops requests. Default 15.'),
      })
      .optional()
      .describe('How the container runs the app (the scaffolded Dockerfile and the probes).'),
    build: z
      .strictObject({
        engine: z
          .enum(['docker', 'kaniko'])
          .optional()
          .describe('docker: an EC2 agent with a docker socket. kaniko: a Kubernetes pod agent (Fargate cannot run privileged containers). Default docker.'),
        ephemeralStorage: allow(z.string().regex(/^[1-9][0-9]*Gi$/), 'whole GiB from 21Gi to 175Gi, such as 40Gi')
          .refine((v) => { const n = Number.parseInt(v, 10); return n >= 21 && n <= 175; }, { message: 'must be from 21Gi to 175Gi (Fargate gives 20 GiB unasked, at most 175 GiB)' })
          .optional()
          .describe('Ephemeral storage the kaniko build pod requests: kaniko unpacks the base image and snapshots the file system there. Default 40Gi.'),
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
        kanikoImage: imageRef
          .optional()
          .describe(`Kaniko executor image for build.engine kaniko: a debug variant (it needs /busybox/sh), pinnable by digest (image:tag@sha256:…). Default ${DEFAULTS.kanikoImage}, the maintained fork (upstream gcr.io/kaniko-project is archived).`),
        toolsImage: imageRef
          .optional()
          .describe(`The default container of build.engine kaniko's pod agents: runs git, aws and kubectl (Guard, Release tag, Image, Deploy), as the jnlp container's uid. Default ${DEFAULTS.toolsImage}.`),
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
            roleArn: roleArn
              .optional()
              .describe('The IAM role of the Jenkins agents: `cluster bootstrap` annotates the deployer ServiceAccount with it (IRSA, eks.amazonaws.com/role-arn: the kaniko agent pods run as that ServiceAccount, and EKS Pod Identity does not work on Fargate), and its EKS access entry maps it to group. Default: none (the annotation is left as it is; printed as $JENKINS_ROLE_ARN).'),
          })
          .optional()
          .describe('Who may deploy: `pipewright cluster bootstrap` binds a Role in each environment namespace to this ServiceAccount and group.'),
        fargate: z
          .strictObject({
            podExecutionRoleArn: roleArn.optional().describe('The pod execution role of the Fargate profiles (pulls images from ECR, writes logs to CloudWatch). Required when `cluster bootstrap` must create a profile; `--dry-run` and `--manifests` work without it.'),
            subnets: z
              .array(allow(z.string().regex(/^subnet-[0-9a-f]{8,17}$/), 'a subnet id such as subnet-0123456789abcdef0'))
              .min(1)
              .max(16)
              .optional()
              .describe('Private subnets of the Fargate pods. Default: the cluster\'s private subnets.'),
          })
          .optional()
          .describe('The Fargate profiles `pipewright cluster bootstrap` creates in each cluster: `<app>` selecting the environment namespaces (split every 5), and with build.engine kaniko `pipewright-agents` selecting the agent pods (label pipewright.dev/agent=true) in cluster.deployer.namespace.'),
        logging: z
          .strictObject({
            enabled: z.boolean().optional().describe('Send container logs to CloudWatch Logs through Fargate\'s built-in Fluent Bit (the aws-observability ConfigMap). Default true.'),
            logGroup: allow(z.string().min(1).max(512).regex(/^[\.\-_/#A-Za-z0-9]+$/), 'a CloudWatch Logs group name: letters, digits and . - _ / #')
              .optional()
              .describe('Log group. Default /aws/eks/<cluster>/fargate.'),
            retentionDays: allow(z.literal(LOG_RETENTION_DAYS), `one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`)
              .optional()
              .describe('Days CloudWatch keeps the logs. Default 30.'),
          })
          .optional()
          .describe('Fargate logging. The ConfigMap is cluster-wide: every app bootstrapped into a cluster must agree on it.'),
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
