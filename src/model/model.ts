/**
 * The resolved model: every default filled in and every derived value computed once, so that
 * renderers, rules and commands never re-derive anything from the raw config.
 */
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import type { EnvironmentConfig, ParsedConfig } from '../config/schema.js';
import { BUILTIN_CHECKS, DEFAULTS, DEFAULT_TAG_PATTERNS, defaultEnvironments } from '../core/defaults.js';
import { branchNameProblem, toDockerTag } from '../core/names.js';
import { FARGATE_MAX, FARGATE_OVERHEAD_MIB, fargateSize, type FargateSize } from './fargate.js';
import { VERSION } from '../core/version.js';
import { parseWindow, type WindowSpec } from './windows.js';

export interface ClusterTarget {
  readonly name: string;
  readonly region: string;
}

export interface EnvironmentModel {
  readonly name: string;
  readonly branch: string;
  readonly namespace: string;
  readonly production: boolean;
  readonly approval: boolean;
  readonly replicas: number;
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu?: string; readonly memory?: string };
  };
  readonly ingress: {
    readonly enabled: boolean;
    /** Given, or made from ingress.domain. */
    readonly host?: string;
    readonly scheme: 'internet-facing' | 'internal';
    readonly path: string;
    readonly certificateArn?: string;
    /** The IngressGroup: Ingresses with the same group share one ALB. */
    readonly group: string;
  };
  readonly env: readonly EnvVarModel[];
  readonly envFrom: readonly ({ readonly secretRef: KeyRefName } | { readonly configMapRef: KeyRefName })[];
  /** A HorizontalPodAutoscaler owns the pod count (replicas is then only its floor). */
  readonly scaling: { readonly minReplicas: number; readonly maxReplicas: number; readonly cpuUtilization: number } | null;
  readonly disruptionBudget: { readonly maxUnavailable: number } | null;
  /** The app's ServiceAccount here, with its IRSA role. */
  readonly serviceAccount: { readonly name: string; readonly roleArn: string | null };
  /** What Fargate runs the pod as (and bills), from the requests; null when no Fargate size is large enough. */
  readonly fargate: FargateSize | null;
  readonly clusters: readonly ClusterTarget[];
  /** This environment's image tag prefix, from its branch: the pipeline tags `<imageTag>-<tree hash>`. */
  readonly imageTag: string;
  /** Where smoke tests reach the environment, when it has an ingress host. */
  readonly url: string | null;
  /** Checks that must pass before an image is promoted into this environment (pipeline and `pipewright promote`); command null: built in. */
  readonly requiredChecks: readonly { readonly name: string; readonly command: string | null }[];
  /** The environment an image must be verified in (its verified-<upstream>-<tree> tag) before it deploys here; null: none. */
  readonly upstream: string | null;
  /** After each deploy: the smoke check, then the alarms for soakSeconds (polled every pollSeconds). */
  readonly verify: { readonly alarms: readonly AlarmModel[]; readonly soakSeconds: number; readonly pollSeconds: number };
  readonly canary: CanaryModel | null;
  readonly windows: WindowsModel | null;
}

/** A CloudWatch alarm by exact name, or every alarm whose name starts with a prefix. */
export interface AlarmModel {
  readonly kind: 'name' | 'prefix';
  readonly value: string;
}

export interface CanaryModel {
  /** Percent of traffic at each step, increasing. */
  readonly steps: readonly number[];
  /** Canary pods at each step. */
  readonly replicas: readonly number[];
  readonly pauseSeconds: number;
  readonly alarms: readonly AlarmModel[];
  /** alb: weighted forward between the Services <app> and <app>-canary; replicas: a share of the pods behind <app>. */
  readonly traffic: 'alb' | 'replicas';
}

export interface WindowsModel {
  readonly timeZone: string;
  readonly allow: readonly WindowSpec[];
  readonly deny: readonly WindowSpec[];
  readonly outside: 'wait' | 'fail';
  readonly maxWaitSeconds: number;
}

export interface KeyRefName {
  readonly name: string;
  readonly optional?: boolean;
}

export interface KeyRef extends KeyRefName {
  readonly key: string;
}

/** A plain value, or a reference to a Secret's or ConfigMap's key (never the secret itself). */
export type EnvVarModel =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly valueFrom: { readonly secretKeyRef: KeyRef } | { readonly configMapKeyRef: KeyRef } };

export interface BranchRuleModel {
  readonly branch: string;
  /** null: any source may merge in. */
  readonly mergeFrom: readonly string[] | null;
  readonly directCommits: boolean;
  readonly branchFrom: boolean;
  readonly releaseTag: { readonly name: string; readonly pattern: string } | null;
  /** The environment this branch deploys to, if any. */
  readonly environment: string | null;
}

export interface Model {
  /** The config file name, as shown in markers and messages. */
  readonly configFile: string;
  readonly app: string;
  readonly aws: { readonly accountId: string; readonly region: string; readonly cluster: string };
  readonly image: {
    readonly repository: string;
    /** The registry host the pipeline pushes to and the Deployments pull from: image.registry, else the account's ECR registry in aws.region. */
    readonly registry: string;
    /** registry/repository, no tag. */
    readonly uri: string;
    readonly port: number;
    readonly scanOnPush: boolean;
    readonly encryption: { readonly type: 'AES256' | 'KMS'; readonly kmsKey: string | null };
    /** Lifecycle policy: images kept per environment tag prefix, and days before untagged images expire. */
    readonly keep: number;
    readonly untaggedDays: number;
  };
  readonly runtime: {
    readonly python: string;
    readonly wsgi: string;
    readonly healthPath: string;
    readonly workers: number;
    /** preStop sleep: the pod keeps serving while the load balancer deregisters it. */
    readonly shutdownDelaySeconds: number;
    /** The preStop sleep plus gunicorn's graceful timeout, with a margin. */
    readonly terminationGracePeriodSeconds: number;
  };
  readonly build: { readonly engine: 'docker' | 'kaniko'; readonly ephemeralStorage: string };
  readonly environments: readonly EnvironmentModel[];
  readonly rules: {
    readonly tagPatterns: Readonly<Record<string, string>>;
    /** In flow order: environment branches first, in environment order, then any others by name. */
    readonly branches: readonly BranchRuleModel[];
  };
  readonly jenkins: {
    readonly library: { readonly name: string; readonly version: string };
    readonly agentLabel: string;
    readonly kanikoImage: string;
    readonly toolsImage: string;
    readonly gitCredentialsId: string;
    readonly approvers: string;
    readonly approvalTimeoutHours: number;
    readonly rolloutTimeout: string;
    readonly buildsToKeep: number;
    readonly autoTag: boolean;
  };
  readonly smoke: { readonly command: string | null };
  readonly cluster: {
    /** The Jenkins agents' identity: their ServiceAccount (IRSA role) and the group its EKS access entry maps to. */
    readonly deployer: { readonly serviceAccount: string; readonly namespace: string; readonly group: string; readonly roleArn: string | null };
    readonly fargate: { readonly podExecutionRoleArn: string | null; readonly subnets: readonly string[] | null };
    /** logGroup null: /aws/eks/<cluster>/fargate, per cluster. */
    readonly logging: { readonly enabled: boolean; readonly logGroup: string | null; readonly retentionDays: number };
  };
  readonly templatesDir: string | null;
}

type Settings = Pick<EnvironmentConfig, 'replicas' | 'resources' | 'ingress' | 'env' | 'envFrom' | 'clusters' | 'scaling' | 'disruptionBudget' | 'serviceAccount'>;

/** The host an environment is reached at: its own, else made from the domain. */
function hostOf(c: ParsedConfig, e: EnvironmentConfig, production: boolean): string | undefined {
  const ingress = { ...c.defaults?.ingress, ...e.ingress };
  if (e.ingress?.host !== undefined) return e.ingress.host;
  if (ingress.domain !== undefined) return production ? `${c.app}.${ingress.domain}` : `${c.app}-${e.name}.${ingress.domain}`;
  return c.defaults?.ingress?.host;
}

function envVarOf(name: string, value: NonNullable<EnvironmentConfig['env']>[string]): EnvVarModel {
  if (typeof value !== 'object') return { name, value: String(value) };
  return { name, valueFrom: value };
}

function environmentsOf(c: ParsedConfig): EnvironmentConfig[] {
  return c.environments ?? defaultEnvironments(c.productionBranch);
}

const namespaceOf = (c: ParsedConfig, e: EnvironmentConfig): string => e.namespace ?? `${c.app}-${e.name}`;

/** '5m' → 300. */
export function durationSeconds(d: string): number {
  const n = Number.parseInt(d, 10);
  return d.endsWith('h') ? n * 3600 : d.endsWith('m') ? n * 60 : n;
}

const alarmsOf = (alarms: NonNullable<EnvironmentConfig['verify']>['alarms']): AlarmModel[] =>
  (alarms ?? []).map((a) => (typeof a === 'string' ? { kind: 'name', value: a } : { kind: 'prefix', value: a.prefix }));

function canaryOf(e: EnvironmentConfig, replicas: number, ingress: boolean): CanaryModel | null {
  const k = e.canary;
  if (!k) return null;
  const traffic = k.traffic ?? (ingress ? 'alb' : 'replicas');
  return {
    steps: k.steps,
    // alb: enough pods for the canary's share of the load; replicas: the pod count that gives that share.
    replicas: k.steps.map((w) => Math.max(1, traffic === 'alb' ? Math.ceil((replicas * w) / 100) : Math.round((replicas * w) / (100 - w)))),
    pauseSeconds: durationSeconds(k.pause),
    alarms: alarmsOf(k.alarms ?? e.verify?.alarms),
    traffic,
  };
}

function windowsOf(e: EnvironmentConfig): WindowsModel | null {
  const w = e.windows;
  if (!w) return null;
  const specs = (list: readonly string[] | undefined) => (list ?? []).map(parseWindow).filter((x): x is WindowSpec => typeof x !== 'string');
  return {
    timeZone: w.timeZone,
    allow: specs(w.allow),
    deny: specs(w.deny),
    outside: w.outside ?? 'fail',
    maxWaitSeconds: durationSeconds(w.maxWait ?? DEFAULTS.windowMaxWait),
  };
}

function resolveEnvironment(c: ParsedConfig, e: EnvironmentConfig, index: number): EnvironmentModel {
  const d: Settings = c.defaults ?? {};
  const production = e.production ?? false;
  const ingress = { ...d.ingress, ...e.ingress };
  const env = { ...d.env, ...e.env };
  const host = hostOf(c, e, production);
  const scheme = ingress.scheme ?? DEFAULTS.ingressScheme;
  const path = ingress.path ?? DEFAULTS.ingressPath;
  const scaling = e.scaling ?? d.scaling;
  const replicas = scaling?.minReplicas ?? e.replicas ?? d.replicas ?? (production ? DEFAULTS.productionReplicas : DEFAULTS.replicas);
  const budget = e.disruptionBudget ?? d.disruptionBudget;
  const requests = { ...DEFAULTS.requests, ...d.resources?.requests, ...e.resources?.requests };
  return {
    name: e.name,
    branch: e.branch,
    namespace: namespaceOf(c, e),
    production,
    approval: e.approval ?? production,
    replicas,
    resources: {
      requests,
      limits: { ...d.resources?.limits, ...e.resources?.limits },
    },
    ingress: {
      enabled: ingress.enabled ?? true,
      ...(host !== undefined && { host }),
      scheme,
      path,
      ...(ingress.certificateArn !== undefined && { certificateArn: ingress.certificateArn }),
      // Without a host nothing tells the apps of a shared ALB apart: the app gets an ALB of its own.
      group: ingress.group ?? (host === undefined ? `${c.app}-${e.name}` : `pipewright-${e.name}${scheme === 'internal' ? '-internal' : ''}`),
    },
    env: Object.entries(env).map(([name, value]) => envVarOf(name, value)),
    envFrom: [...(d.envFrom ?? []), ...(e.envFrom ?? [])],
    scaling: scaling
      ? { minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas, cpuUtilization: scaling.cpuUtilization ?? DEFAULTS.cpuUtilization }
      : null,
    disruptionBudget: budget === false ? null : budget ?? (replicas >= 2 ? { maxUnavailable: 1 } : null),
    serviceAccount: { name: c.app, roleArn: e.serviceAccount?.roleArn ?? d.serviceAccount?.roleArn ?? null },
    fargate: fargateSize(requests),
    clusters: (e.clusters ?? d.clusters ?? [{ name: c.aws.cluster ?? DEFAULTS.cluster }]).map((k) => ({
      name: k.name,
      region: k.region ?? c.aws.region,
    })),
    imageTag: toDockerTag(e.branch),
    // With a host the ALB serves HTTPS (and redirects HTTP to it). No trailing '/': scripts append their own paths.
    url: host ? `https://${host}${path.replace(/\/+$/, '')}` : null,
    requiredChecks: (e.requiredChecks ?? []).map((k) => ({ name: k.name, command: k.command ?? null })),
    upstream: index > 0 && (e.requireVerified ?? true) ? environmentsOf(c)[index - 1]!.name : null,
    verify: {
      alarms: alarmsOf(e.verify?.alarms),
      soakSeconds: durationSeconds(e.verify?.soak ?? (e.verify?.alarms?.length ? DEFAULTS.soakWithAlarms : '0s')),
      pollSeconds: DEFAULTS.alarmPollSeconds,
    },
    canary: canaryOf(e, replicas, ingress.enabled ?? true),
    windows: windowsOf(e),
  };
}

/** The smallcase rules, derived from the environment order: each branch only from the one before. */
function defaultBranchRules(envs: readonly EnvironmentConfig[]) {
  return Object.fromEntries(
    envs.map((e, i) => {
      const prev = envs[i - 1];
      return [
        e.branch,
        prev
          ? { mergeFrom: [prev.branch], directCommits: false, branchFrom: false, releaseTag: e.production ? 'stable' : 'beta' }
          : { directCommits: true, branchFrom: true },
      ];
    }),
  );
}

function resolveRules(rules: ParsedConfig['rules'], envs: readonly EnvironmentConfig[]): Model['rules'] {
  const tagPatterns = { ...DEFAULT_TAG_PATTERNS, ...rules?.tagPatterns };
  const given = rules?.branches ?? defaultBranchRules(envs);
  const order = (b: string): number => {
    const i = envs.findIndex((e) => e.branch === b);
    return i === -1 ? envs.length : i;
  };
  const branches = Object.entries(given)
    .sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([branch, r]): BranchRuleModel => {
      const directCommits = r.directCommits ?? r.mergeFrom === undefined;
      return {
        branch,
        mergeFrom: r.mergeFrom ?? null,
        directCommits,
        branchFrom: r.branchFrom ?? directCommits,
        releaseTag: r.releaseTag ? { name: r.releaseTag, pattern: tagPatterns[r.releaseTag] ?? '' } : null,
        environment: envs.find((e) => e.branch === branch)?.name ?? null,
      };
    });
  return { tagPatterns, branches };
}

/**
 * The rules of a config that leaves them and the environments to the defaults: what resolveModel
 * gives such a config, from `productionBranch` alone. Null when that branch is not one the
 * validator accepts (the caller then validates the whole config).
 */
export function defaultRules(productionBranch?: string): Model['rules'] | null {
  if (productionBranch !== undefined && branchNameProblem(productionBranch) !== undefined) return null;
  const envs = defaultEnvironments(productionBranch);
  return productionBranchProblems(productionBranch, undefined, envs).length > 0 ? null : resolveRules(undefined, envs);
}

/**
 * Build the model from a config that passed validateConfig (its structure). Problems that need
 * several values at once (semanticProblems) are a ConfigError naming `shown` (default: configFile).
 */
export function resolveModel(c: ParsedConfig, configFile: string, shown = configFile): Model {
  const problems = semanticProblems(c);
  if (problems.length > 0) throw new ConfigError(shown, problems);
  const envs = environmentsOf(c);
  const registry = c.image?.registry ?? `${c.aws.accountId}.dkr.ecr.${c.aws.region}.amazonaws.com`;
  const repository = c.image?.repository ?? c.app;
  const shutdownDelay = c.runtime?.shutdownDelaySeconds ?? DEFAULTS.shutdownDelaySeconds;
  return {
    configFile,
    app: c.app,
    aws: { accountId: c.aws.accountId, region: c.aws.region, cluster: c.aws.cluster ?? DEFAULTS.cluster },
    image: {
      repository,
      registry,
      uri: `${registry}/${repository}`,
      port: c.image?.port ?? DEFAULTS.port,
      scanOnPush: c.image?.scanOnPush ?? DEFAULTS.scanOnPush,
      encryption: { type: c.image?.encryption ?? DEFAULTS.encryption, kmsKey: c.image?.kmsKey ?? null },
      keep: c.image?.keep ?? DEFAULTS.keep,
      untaggedDays: c.image?.untaggedDays ?? DEFAULTS.untaggedDays,
    },
    runtime: {
      python: c.runtime?.python ?? DEFAULTS.python,
      wsgi: c.runtime?.wsgi ?? DEFAULTS.wsgi,
      healthPath: c.runtime?.healthPath ?? DEFAULTS.healthPath,
      workers: c.runtime?.workers ?? DEFAULTS.workers,
      shutdownDelaySeconds: shutdownDelay,
      terminationGracePeriodSeconds: shutdownDelay + DEFAULTS.gracefulSeconds + 5,
    },
    build: { engine: c.build?.engine ?? DEFAULTS.engine, ephemeralStorage: c.build?.ephemeralStorage ?? DEFAULTS.ephemeralStorage },
    environments: envs.map((e, i) => resolveEnvironment(c, e, i)),
    rules: resolveRules(c.rules, envs),
    jenkins: {
      library: { name: c.jenkins?.library?.name ?? DEFAULTS.libraryName, version: c.jenkins?.library?.version ?? `v${VERSION}` },
      agentLabel: c.jenkins?.agentLabel ?? DEFAULTS.agentLabel,
      kanikoImage: c.jenkins?.kanikoImage ?? DEFAULTS.kanikoImage,
      toolsImage: c.jenkins?.toolsImage ?? DEFAULTS.toolsImage,
      gitCredentialsId: c.jenkins?.gitCredentialsId ?? DEFAULTS.gitCredentialsId,
      approvers: c.jenkins?.approvers ?? DEFAULTS.approvers,
      approvalTimeoutHours: c.jenkins?.approvalTimeoutHours ?? DEFAULTS.approvalTimeoutHours,
      rolloutTimeout: c.jenkins?.rolloutTimeout ?? DEFAULTS.rolloutTimeout,
      buildsToKeep: c.jenkins?.buildsToKeep ?? DEFAULTS.buildsToKeep,
      autoTag: c.jenkins?.autoTag ?? true,
    },
    smoke: { command: c.smoke?.command ?? null },
    cluster: {
      deployer: {
        serviceAccount: c.cluster?.deployer?.serviceAccount ?? DEFAULTS.deployerServiceAccount,
        namespace: c.cluster?.deployer?.namespace ?? DEFAULTS.deployerNamespace,
        group: c.cluster?.deployer?.group ?? DEFAULTS.deployerGroup,
        roleArn: c.cluster?.deployer?.roleArn ?? null,
      },
      fargate: { podExecutionRoleArn: c.cluster?.fargate?.podExecutionRoleArn ?? null, subnets: c.cluster?.fargate?.subnets ?? null },
      logging: {
        enabled: c.cluster?.logging?.enabled ?? true,
        logGroup: c.cluster?.logging?.logGroup ?? null,
        retentionDays: c.cluster?.logging?.retentionDays ?? DEFAULTS.logRetentionDays,
      },
    },
    templatesDir: c.templatesDir ?? null,
  };
}

/** Problems that need several values at once. Runs only on structurally valid configs. */
export function semanticProblems(c: ParsedConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const envs = environmentsOf(c);
  const where = (i: number, key: string) => `environments.${i}.${key}`;
  const dupes = (key: 'name' | 'branch' | 'namespace', value: (e: EnvironmentConfig) => string) => {
    const seen = new Map<string, number>();
    envs.forEach((e, i) => {
      const v = value(e);
      const first = seen.get(v);
      if (first !== undefined) {
        problems.push({ path: where(i, key), message: `"${v}" is already used by environments.${first}`, allowed: `a ${key} unique across environments` });
      } else seen.set(v, i);
    });
  };
  problems.push(...productionBranchProblems(c.productionBranch, c.environments, envs));
  // The default environments differ from each other, unless productionBranch names one (above).
  if (c.environments) {
    dupes('name', (e) => e.name);
    dupes('branch', (e) => e.branch);
    dupes('namespace', (e) => namespaceOf(c, e));
  }

  // A setting from defaults is wrong once, however many environments inherit it.
  const unique = (ps: ConfigProblem[]) => ps.filter((p, i) => ps.findIndex((q) => q.path === p.path && q.message === p.message) === i);
  problems.push(...unique([...ingressProblems(c, envs), ...podProblems(c, envs)]));

  if (c.image?.kmsKey !== undefined && c.image.encryption !== 'KMS') {
    problems.push({ path: 'image.kmsKey', message: 'is set but image.encryption is not KMS', allowed: 'image.encryption: KMS, or no kmsKey' });
  }
  envs.forEach((e, i) =>
    (e.requiredChecks ?? []).forEach((k, j) => {
      if (i === 0) {
        problems.push({
          path: where(i, `requiredChecks.${j}`),
          message: 'the first environment is never promoted into, so its checks would never run',
          allowed: 'requiredChecks on a later environment',
        });
      } else if (k.command === undefined && !(BUILTIN_CHECKS as readonly string[]).includes(k.name)) {
        problems.push({
          path: where(i, `requiredChecks.${j}.command`),
          message: `is required: "${k.name}" is not a built-in check`,
          allowed: `a shell command, or one of the built-in checks ${BUILTIN_CHECKS.join(', ')}`,
        });
      }
    }),
  );

  envs.forEach((e, i) => problems.push(...promotionProblems(c, e, i)));

  const patterns = { ...DEFAULT_TAG_PATTERNS, ...c.rules?.tagPatterns };
  const known = new Set([...envs.map((e) => e.branch), ...Object.keys(c.rules?.branches ?? {})]);
  for (const [branch, rule] of Object.entries(c.rules?.branches ?? {})) {
    if (rule.releaseTag !== undefined && !Object.hasOwn(patterns, rule.releaseTag)) {
      problems.push({
        path: `rules.branches.${branch}.releaseTag`,
        message: `no tag pattern is named "${rule.releaseTag}"`,
        allowed: Object.keys(patterns).join(', '),
      });
    }
    (rule.mergeFrom ?? []).forEach((src, j) => {
      if (!known.has(src)) {
        problems.push({
          path: `rules.branches.${branch}.mergeFrom.${j}`,
          message: `"${src}" is neither an environment branch nor a branch with rules`,
          allowed: [...known].join(', '),
        });
      }
    });
  }
  return problems;
}

/** productionBranch only renames the default production environment's branch; with environments, each names its own. */
function productionBranchProblems(productionBranch: string | undefined, environments: ParsedConfig['environments'], envs: readonly EnvironmentConfig[]): ConfigProblem[] {
  if (productionBranch === undefined) return [];
  if (environments) {
    const production = environments.findIndex((e) => e.production);
    return [
      {
        path: 'productionBranch',
        message: 'cannot be combined with environments: it only sets the production branch of the default environments',
        allowed: `set branch: ${productionBranch} on the production environment${production >= 0 ? ` (environments.${production}.branch)` : ''} and remove productionBranch`,
      },
    ];
  }
  const others = envs.filter((e) => !e.production);
  const clash = others.find((e) => e.branch === productionBranch);
  return clash
    ? [
        {
          path: 'productionBranch',
          message: `"${productionBranch}" already deploys to the ${clash.name} environment`,
          allowed: `a branch other than ${others.map((e) => e.branch).join(' and ')}, such as main or master`,
        },
      ]
    : [];
}

/** Where a setting of environment i came from: its own entry, else defaults. */
function settingPath(c: ParsedConfig, i: number, key: keyof Settings, sub?: string): string {
  const own = c.environments?.[i]?.[key] !== undefined;
  return `${own ? `environments.${i}` : 'defaults'}.${key}${sub ? `.${sub}` : ''}`;
}

/** Hosts: one per environment, never shared (develop's smoke test must not reach production). */
function ingressProblems(c: ParsedConfig, envs: readonly EnvironmentConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (c.defaults?.ingress?.host !== undefined && envs.length > 1) {
    problems.push({
      path: 'defaults.ingress.host',
      message: `gives all ${envs.length} environments the same host, so every environment's smoke test would reach the same one`,
      allowed: 'defaults.ingress.domain (hosts <app>-<environment>.<domain>, production <app>.<domain>), or ingress.host on each environment',
    });
    return problems;
  }
  const seen = new Map<string, number>();
  envs.forEach((e, i) => {
    const resolved = resolveEnvironment(c, e, i);
    const host = resolved.ingress.host;
    if (!resolved.ingress.enabled || host === undefined) return;
    if (host.length > 253) {
      problems.push({ path: settingPath(c, i, 'ingress', 'domain'), message: `makes the host "${host.slice(0, 40)}…", longer than 253 characters`, allowed: 'a shorter domain' });
    }
    const first = seen.get(host);
    if (first !== undefined) {
      problems.push({
        path: settingPath(c, i, 'ingress', 'host'),
        message: `"${host}" is already the host of the ${envs[first]!.name} environment`,
        allowed: 'a host of its own for each environment',
      });
    } else seen.set(host, i);
  });
  return problems;
}

/** Replicas against the autoscaler, and requests against the largest Fargate pod. */
function podProblems(c: ParsedConfig, envs: readonly EnvironmentConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  envs.forEach((e, i) => {
    const scaling = e.scaling ?? c.defaults?.scaling;
    if (scaling) {
      if (scaling.minReplicas > scaling.maxReplicas) {
        problems.push({ path: settingPath(c, i, 'scaling', 'minReplicas'), message: `${scaling.minReplicas} is more than maxReplicas ${scaling.maxReplicas}`, allowed: 'at most maxReplicas' });
      }
      const replicas = e.replicas ?? c.defaults?.replicas;
      if (replicas !== undefined) {
        problems.push({
          path: settingPath(c, i, 'replicas'),
          message: 'cannot be combined with scaling: the autoscaler owns the pod count, and a deploy that sets replicas would undo its work',
          allowed: 'scaling.minReplicas, or replicas without scaling',
        });
      }
    }
    const resolved = resolveEnvironment(c, e, i);
    if (resolved.fargate === null) {
      const { cpu, memory } = resolved.resources.requests;
      problems.push({
        path: settingPath(c, i, 'resources', 'requests'),
        message: `cpu ${cpu} and memory ${memory} (plus the 256 MiB Fargate adds) fit no Fargate pod size`,
        allowed: `at most ${FARGATE_MAX.vcpu} vCPU and ${FARGATE_MAX.memoryGiB * 1024 - FARGATE_OVERHEAD_MIB}Mi, in a combination Fargate offers (e.g. 4 vCPU takes 8 to 30 GB)`,
      });
    }
  });
  return problems;
}

/** Canary, verification and windows: what the schema cannot see alone. */
function promotionProblems(c: ParsedConfig, e: EnvironmentConfig, i: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (key: string) => `environments.${i}.${key}`;
  if (i === 0 && e.requireVerified === true) {
    problems.push({ path: at('requireVerified'), message: 'the first environment has no environment before it to verify images', allowed: 'requireVerified on a later environment' });
  }
  const k = e.canary;
  if (k) {
    k.steps.forEach((w, j) => {
      if (j > 0 && w <= k.steps[j - 1]!) problems.push({ path: at(`canary.steps.${j}`), message: `${w} does not grow from the step before (${k.steps[j - 1]})`, allowed: 'increasing percentages, e.g. [10, 50]' });
    });
    if ((k.alarms ?? e.verify?.alarms ?? []).length === 0) {
      problems.push({
        path: at('canary.alarms'),
        message: 'a canary needs alarms to gate on: without them every step passes, and it is only a slow rollout',
        allowed: 'canary.alarms, or verify.alarms (the canary uses them by default)',
      });
    }
    const ingress = { ...c.defaults?.ingress, ...e.ingress };
    if (k.traffic === 'alb' && ingress.enabled === false) {
      problems.push({ path: at('canary.traffic'), message: 'alb weights traffic at the Ingress, and this environment has none (ingress.enabled: false)', allowed: 'replicas, or an ingress' });
    }
  }
  const w = e.windows;
  if (w) {
    for (const key of ['allow', 'deny'] as const) {
      (w[key] ?? []).forEach((text, j) => {
        const parsed = parseWindow(text);
        if (typeof parsed === 'string') {
          problems.push({ path: at(`windows.${key}.${j}`), message: `"${text}" ${parsed}`, allowed: '"Fri 16:00-Mon 08:00" or "Mon-Fri 09:00-17:00"' });
        }
      });
    }
    if (!w.allow?.length && !w.deny?.length) {
      problems.push({ path: at('windows'), message: 'names no window: deploys would always be allowed', allowed: 'allow: [...] or deny: [...]' });
    }
    if (w.maxWait !== undefined && w.outside !== 'wait') {
      problems.push({ path: at('windows.maxWait'), message: 'only applies with outside: wait', allowed: 'outside: wait, or no maxWait' });
    }
  }
  return problems;
}
