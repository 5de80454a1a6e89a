// Configs whose delivery graphs the graph tests draw: shared by graph.test.ts (our own readers of
// the Mermaid and SVG) and mermaid.test.ts (the real mermaid package).
import { validateConfig } from '../src/config/validate.js';
import { resolveModel, type Model } from '../src/model/model.js';

export const modelOf = (config: Record<string, unknown>): Model => resolveModel(validateConfig(config, 'pipewright.yaml'), 'pipewright.yaml');
export const AWS = { accountId: '123456789012', region: 'eu-west-1' };

/** Four environments, a hotfix branch with rules and no environment, several clusters, approval before pre-production too. */
export const CUSTOM = {
  app: 'shop',
  aws: AWS,
  jenkins: { approvers: 'ops-leads', approvalTimeoutHours: 4 },
  environments: [
    { name: 'dev', branch: 'develop' },
    { name: 'qa', branch: 'qa', clusters: [{ name: 'qa-1' }, { name: 'qa-2', region: 'eu-central-1' }] },
    { name: 'pre', branch: 'release', approval: true },
    {
      name: 'prod',
      branch: 'main',
      production: true,
      clusters: [{ name: 'prod-eu' }, { name: 'prod-us', region: 'us-east-1' }, { name: 'prod-ap', region: 'ap-southeast-2' }],
    },
  ],
  rules: {
    branches: {
      develop: { directCommits: true },
      qa: { mergeFrom: ['develop'] },
      release: { mergeFrom: ['qa'], releaseTag: 'beta' },
      main: { mergeFrom: ['release', 'hotfix'], releaseTag: 'stable' },
      hotfix: { directCommits: true, branchFrom: false },
    },
  },
};

/**
 * Promotion you can trust: alarms and a soak after each deploy, checks before staging and prod, a
 * qa lane that deploys unverified images (requireVerified: false), and prod behind a window and a
 * canary, on two clusters.
 */
export const PROMOTION = {
  app: 'shop',
  aws: AWS,
  environments: [
    { name: 'dev', branch: 'develop', verify: { alarms: ['shop-dev-5xx'] } },
    { name: 'qa', branch: 'qa', requireVerified: false, ingress: { enabled: false }, canary: { steps: [25], pause: '90s', alarms: [{ prefix: 'shop-qa-' }] } },
    {
      name: 'staging',
      branch: 'staging',
      requiredChecks: [{ name: 'source-ready' }, { name: 'contract-tests', command: 'make contract' }],
      verify: { alarms: ['shop-staging-5xx', { prefix: 'shop-staging-' }], soak: '10m' },
    },
    {
      name: 'prod',
      branch: 'main',
      production: true,
      requiredChecks: [{ name: 'scan-clean' }],
      verify: { alarms: ['shop-prod-5xx', 'shop-prod-latency'], soak: '1h' },
      canary: { steps: [10, 50], pause: '5m', traffic: 'alb' },
      windows: { timeZone: 'Europe/Berlin', deny: ['Fri 16:00-Mon 08:00'], outside: 'wait' },
      clusters: [{ name: 'prod-eu' }, { name: 'prod-us', region: 'us-east-1' }],
    },
  ],
};

/** Names that are valid git branch names yet full of Mermaid, HTML and XML syntax. */
export const HOSTILE_BRANCHES = ['feat/"quote"', 'x<script>alert(1)</script>', "a&b]|#35;`{c}'", 'end'];
export const HOSTILE_APPROVERS = '"ops" <admins> & [leads]';
export const HOSTILE_PATTERN = '^v<1>&"2"$';
export const HOSTILE = {
  app: 'evil',
  aws: AWS,
  jenkins: { approvers: HOSTILE_APPROVERS },
  environments: [
    { name: 'one', branch: HOSTILE_BRANCHES[0] },
    { name: 'two', branch: HOSTILE_BRANCHES[2], production: true },
  ],
  rules: {
    tagPatterns: { odd: HOSTILE_PATTERN },
    branches: {
      [HOSTILE_BRANCHES[0]!]: { mergeFrom: [HOSTILE_BRANCHES[1]] },
      [HOSTILE_BRANCHES[1]!]: { directCommits: true },
      [HOSTILE_BRANCHES[2]!]: { mergeFrom: [HOSTILE_BRANCHES[0], HOSTILE_BRANCHES[2]], releaseTag: 'odd' },
      [HOSTILE_BRANCHES[3]!]: { mergeFrom: [HOSTILE_BRANCHES[2]] },
    },
  },
};

/** A config with four environments, as YAML: develop → qa → staging → master. */
export const FOUR = `app: shop
aws:
  accountId: "123456789012"
  region: eu-west-1
environments:
  - { name: develop, branch: develop }
  - { name: qa, branch: qa }
  - { name: green, branch: staging }
  - { name: blue, branch: master, production: true }
`;
