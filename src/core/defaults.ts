/** The smallcase layout, as data: what a config gets when it only names the app and the AWS account. */

export const DEFAULT_ENVIRONMENTS = [
  { name: 'develop', branch: 'develop', production: false },
  { name: 'green', branch: 'staging', production: false },
  { name: 'blue', branch: 'master', production: true },
] as const;

/** The default environments with production fed by `productionBranch` (the config key; default master). */
export function defaultEnvironments(productionBranch: string = DEFAULTS.productionBranch): { name: string; branch: string; production: boolean }[] {
  return DEFAULT_ENVIRONMENTS.map((e) => ({ ...e, branch: e.production ? productionBranch : e.branch }));
}

/** Semver-shaped release tags: stable on the production branch, beta on the one before it. */
export const DEFAULT_TAG_PATTERNS: Readonly<Record<string, string>> = {
  stable: '^v(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$',
  beta: '^v(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)-beta\\.(0|[1-9][0-9]*)$',
};

export const DEFAULTS = {
  cluster: 'main',
  /** The branch of the default production environment (blue); the `productionBranch` key changes it. */
  productionBranch: 'master',
  port: 8000,
  python: '3.12',
  wsgi: 'app:app',
  healthPath: '/healthz',
  workers: 2,
  engine: 'docker',
  /** Fargate adds 256 MiB and rounds up to a size it offers: 768Mi is exactly 0.25 vCPU / 1 GB, the size 512Mi is billed as anyway. */
  requests: { cpu: '250m', memory: '768Mi' },
  replicas: 1,
  productionReplicas: 2,
  ingressScheme: 'internet-facing',
  libraryName: 'pipewright',
  agentLabel: 'docker',
  /** The maintained fork's debug variant: Jenkins' container step needs its /busybox/sh. */
  kanikoImage: 'ghcr.io/osscontainertools/kaniko:v1.28.3-debug',
  /** git, aws (CLI v1, which has every command the library runs) and kubectl, pinned by kubectl version; see the README's "Build agents on Fargate". */
  toolsImage: 'alpine/k8s:1.35.0',
  /** Kaniko unpacks the base image and snapshots the file system on the pod's ephemeral storage. */
  ephemeralStorage: '40Gi',
  /** The jnlp container's user (jenkins/inbound-agent): every container of the agent pod runs as it, except kaniko. */
  agentUid: 1000,
  shutdownDelaySeconds: 15,
  /** gunicorn's --graceful-timeout default: how long workers may finish their requests after SIGTERM. */
  gracefulSeconds: 30,
  cpuUtilization: 70,
  logRetentionDays: 30,
  gitCredentialsId: 'git',
  approvers: 'release-managers',
  approvalTimeoutHours: 24,
  rolloutTimeout: '5m',
  /** The post-install Job's activeDeadlineSeconds: how long script/post-inst (e.g. migrations) may run. */
  postInstDeadlineSeconds: 1800,
  /** How long a finished post-install Job (and its logs) is kept; the next deploy deletes it first anyway. */
  postInstTtlSeconds: 86400,
  buildsToKeep: 30,
  ingressPath: '/',
  scanOnPush: true,
  encryption: 'AES256',
  keep: 30,
  untaggedDays: 1,
  deployerServiceAccount: 'pipewright-deployer',
  deployerNamespace: 'jenkins',
  deployerGroup: 'pipewright-deployers',
  /** How long alarms are watched after a deploy, when an environment names alarms but no soak. */
  soakWithAlarms: '5m',
  /** How often the alarms are read during a soak or a canary pause. */
  alarmPollSeconds: 30,
  /** With windows.outside: wait, the longest a build waits: a whole weekend. */
  windowMaxWait: '72h',
} as const;

/** Checks `pipewright promote` knows without a command. */
export const BUILTIN_CHECKS = ['source-ready', 'scan-clean'] as const;
