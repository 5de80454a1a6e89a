/**
 * model → the app's declarative Jenkinsfile and the org's shared library (vars/). Pure.
 * Every value reaches Groovy through src/escape/groovy.ts as a single-quoted literal.
 */
import type { AlarmModel, CanaryModel, EnvironmentModel, Model, WindowsModel } from '../../model/model.js';
import { CANARY_ACTION_ANNOTATION, canaryDeploymentName, canaryServiceName, canaryWeightsAnnotation, ingressName } from '../kubernetes/canary.js';
import type { TemplateSet } from '../../core/template-set.js';
import type { GeneratedFile } from '../types.js';
import { GroovyCode, GroovyIndex, groovyArgs, groovyComment, groovyString as g, groovyValue } from '../../escape/groovy.js';
import { renderTemplate } from '../mustache.js';
import { canaryKustomizationHead, deployKustomizationHead, postInstJobName, postInstKustomizationHead } from '../kubernetes/kustomize.js';
import { DEFAULTS } from '../../core/defaults.js';
import { TOOLS_CONTAINER, agentPodYaml, testImage, type AgentPurpose } from './agent.js';

/** Hours a build may take besides waiting for its approval. */
const BUILD_HOURS = 2;

/** The agent block of the stages that need a workspace. */
function agent(m: Model, purpose: AgentPurpose): string {
  if (m.build.engine === 'docker') return `{ label ${g(m.jenkins.agentLabel)} }`;
  // Kaniko builds in a pod: Fargate cannot run the privileged containers docker-in-docker needs.
  const namespace = m.cluster.deployer.namespace;
  return `{ kubernetes { namespace ${g(namespace)}; yaml ${g(agentPodYaml(m, purpose))}; defaultContainer ${g(TOOLS_CONTAINER)} } }`;
}

const clusterList = (e: EnvironmentModel) => e.clusters.map((c) => ({ name: c.name, region: c.region }));
const alarmList = (alarms: readonly AlarmModel[]) => alarms.map((a) => ({ kind: a.kind, value: a.value }));

/** How the window reads in messages: "allow Mon-Thu 08:00-17:00; deny Fri 16:00-Mon 08:00". */
export function describeWindows(w: WindowsModel): string {
  return [...(w.allow.length ? [`allow ${w.allow.map((x) => x.text).join(', ')}`] : []), ...(w.deny.length ? [`deny ${w.deny.map((x) => x.text).join(', ')}`] : [])].join('; ');
}

function windowArgs(e: EnvironmentModel, w: WindowsModel, outside: 'wait' | 'fail') {
  return groovyArgs({
    environment: e.name,
    timeZone: w.timeZone,
    allow: w.allow.flatMap((x) => x.spans.map((sp) => [sp[0], sp[1]])),
    deny: w.deny.flatMap((x) => x.spans.map((sp) => [sp[0], sp[1]])),
    windows: describeWindows(w),
    outside,
    maxWaitSeconds: outside === 'wait' ? w.maxWaitSeconds : 0,
  });
}

/** The environment's required checks, run in the Build stage once the image is known. */
function checksView(m: Model, e: EnvironmentModel) {
  if (e.requiredChecks.length === 0) return null;
  const from = m.environments[m.environments.indexOf(e) - 1];
  return {
    checksStage: g(`Checks ${e.name}`),
    checksArgs: groovyArgs({
      environment: e.name,
      from: from?.name ?? '',
      checks: e.requiredChecks.map((k) => ({ name: k.name, command: k.command ?? '' })),
      app: m.app,
      repository: m.image.repository,
      region: m.aws.region,
      uri: m.image.uri,
      digest: new GroovyCode('env.PIPEWRIGHT_IMAGE_DIGEST'),
      source: { environment: from?.name ?? '', namespace: from?.namespace ?? '', deployment: m.app, clusters: from ? clusterList(from) : [] },
    }),
  };
}

function canaryView(m: Model, e: EnvironmentModel, c: CanaryModel) {
  const alb = c.traffic === 'alb';
  const common = {
    environment: e.name,
    deployment: canaryDeploymentName(m),
    namespace: e.namespace,
    clusters: clusterList(e),
    traffic: c.traffic,
    ingress: alb ? ingressName(m) : '',
    annotation: alb ? CANARY_ACTION_ANNOTATION : '',
    reset: alb ? canaryWeightsAnnotation(m, e, 0) : '',
  };
  return {
    canaryStage: g(`Canary ${e.name}`),
    canaryArgs: groovyArgs({
      ...common,
      kustomization: canaryKustomizationHead(m, e),
      stable: m.app,
      service: alb ? canaryServiceName(m) : '',
      digest: new GroovyCode('env.PIPEWRIGHT_IMAGE_DIGEST'),
      timeout: m.jenkins.rolloutTimeout,
      weights: c.steps.map((w) => (alb ? canaryWeightsAnnotation(m, e, w) : '')),
      steps: [...c.steps],
      replicas: [...c.replicas],
      pauseSeconds: c.pauseSeconds,
      alarms: alarmList(c.alarms),
      pollSeconds: e.verify.pollSeconds,
      region: m.aws.region,
    }),
    canaryRemoveArgs: groovyArgs(common),
  };
}

function environmentView(m: Model, e: EnvironmentModel, i: number) {
  const deployArgs = (cluster: EnvironmentModel['clusters'][number]) =>
    groovyArgs({
      environment: e.name,
      kustomization: deployKustomizationHead(m, e),
      digest: new GroovyCode('env.PIPEWRIGHT_IMAGE_DIGEST'),
      deployment: m.app,
      namespace: e.namespace,
      cluster: cluster.name,
      region: cluster.region,
      timeout: m.jenkins.rolloutTimeout,
      record: {
        tree: new GroovyCode('env.PIPEWRIGHT_TREE'),
        commit: new GroovyCode('env.PIPEWRIGHT_COMMIT'),
        release: new GroovyCode('env.PIPEWRIGHT_RELEASE'),
        approver: new GroovyCode('env.PIPEWRIGHT_APPROVED_BY'),
        build: new GroovyCode('env.BUILD_URL'),
      },
    });
  const postInstArgs = (cluster: EnvironmentModel['clusters'][number]) =>
    groovyArgs({
      environment: e.name,
      kustomization: postInstKustomizationHead(m, e),
      digest: new GroovyCode('env.PIPEWRIGHT_IMAGE_DIGEST'),
      job: postInstJobName(m),
      namespace: e.namespace,
      cluster: cluster.name,
      region: cluster.region,
      // The Job's own deadline, plus a minute for the Job controller to mark it failed.
      timeoutSeconds: DEFAULTS.postInstDeadlineSeconds + 60,
    });
  return {
    branch: g(e.branch),
    branchComment: groovyComment(e.branch),
    nameComment: groovyComment(e.name),
    namespaceComment: groovyComment(e.namespace),
    approval: e.approval,
    approveStage: g(`Approve ${e.name}`),
    // Milestone ordinals only need to grow within a build; each environment has its own pair.
    approveMilestone: 2 * i + 1,
    deployMilestone: 2 * i + 2,
    lockResource: g(`pipewright/${m.app}/${e.name}`),
    approvalMessage: g(`Deploy ${m.app} to ${e.name} (${e.namespace})?`),
    deployStage: g(`Deploy ${e.name}`),
    rolloutStage: g(`Rollout ${e.name}`),
    postInstStage: g(`Post-install ${e.name}`),
    smokeStage: g(`Smoke ${e.name}`),
    parallel: e.clusters.length > 1,
    clusters: e.clusters.map((c, i) => ({
      label: g(`${c.name} (${c.region})`),
      deployArgs: deployArgs(c),
      postInstArgs: postInstArgs(c),
      last: i === e.clusters.length - 1,
    })),
    smokeArgs: groovyArgs({
      environment: e.name,
      url: e.url ?? undefined,
      command: m.smoke.command ?? undefined,
      namespace: e.namespace,
      deployment: m.app,
      port: m.image.port,
      healthPath: m.runtime.healthPath,
      clusters: clusterList(e),
    }),
    verifyStage: g(`Verify ${e.name}`),
    verifyArgs: groovyArgs({
      environment: e.name,
      alarms: alarmList(e.verify.alarms),
      soakSeconds: e.verify.soakSeconds,
      pollSeconds: e.verify.pollSeconds,
      region: m.aws.region,
      repository: m.image.repository,
      digest: new GroovyCode('env.PIPEWRIGHT_IMAGE_DIGEST'),
      tree: new GroovyCode('env.PIPEWRIGHT_TREE'),
      deployment: m.app,
      namespace: e.namespace,
      clusters: clusterList(e),
    }),
    checks: checksView(m, e),
    window: e.windows && { windowStage: g(`Window ${e.name}`), windowArgs: windowArgs(e, e.windows, e.windows.outside), windowRecheckArgs: windowArgs(e, e.windows, 'fail') },
    canary: e.canary && canaryView(m, e, e.canary),
  };
}

/** Hours a build of the environment may run: its approval, canary pauses, soak and window wait on top of BUILD_HOURS. */
function buildHours(m: Model, e: EnvironmentModel): number {
  const seconds = (e.canary ? e.canary.steps.length * e.canary.pauseSeconds : 0) + e.verify.soakSeconds + (e.windows?.outside === 'wait' ? e.windows.maxWaitSeconds : 0);
  return BUILD_HOURS + (e.approval ? m.jenkins.approvalTimeoutHours : 0) + Math.ceil(seconds / 3600);
}

export function renderJenkinsfile(m: Model, t: TemplateSet): GeneratedFile {
  const rules = m.rules.branches.map((r) => ({ branch: r.branch, mergeFrom: r.mergeFrom, directCommits: r.directCommits }));
  const approvals = m.environments.filter((e) => e.approval);
  const view = {
    library: g(`${m.jenkins.library.name}@${m.jenkins.library.version}`),
    appComment: groovyComment(m.app),
    buildsToKeep: g(String(m.jenkins.buildsToKeep)),
    approvalBranches: groovyValue(approvals.map((e) => e.branch)),
    // The longest any branch's build may take: its approval wait, canary, soak and window wait included.
    buildTimeoutHours: Math.max(BUILD_HOURS, ...m.environments.map((e) => buildHours(m, e))),
    agent: agent(m, 'build'),
    deployAgent: agent(m, 'deploy'),
    // The app's Python: a python:<version> container on the docker agent, or the pod's python container.
    testAgent: m.build.engine === 'docker' ? { testImage: g(testImage(m)), pythonComment: groovyComment(m.runtime.python) } : null,
    testContainer: m.build.engine === 'kaniko' ? { pythonComment: groovyComment(m.runtime.python) } : null,
    rules: groovyValue(rules),
    gitCredentialsId: g(m.jenkins.gitCredentialsId),
    releaseTags: m.rules.branches
      .filter((r) => r.releaseTag && r.environment)
      .map((r) => ({
        stageName: g(`Release tag ${r.environment}`),
        branch: g(r.branch),
        kind: g(r.releaseTag!.name),
        pattern: g(r.releaseTag!.pattern),
        autoTag: m.jenkins.autoTag ? 'true' : 'false',
        gitCredentialsId: g(m.jenkins.gitCredentialsId),
      })),
    imageArgs: groovyArgs({
      repository: m.image.repository,
      registry: m.image.registry,
      region: m.aws.region,
      tagPrefix: new GroovyIndex(Object.fromEntries(m.environments.map((e) => [e.branch, e.imageTag])), new GroovyCode('env.BRANCH_NAME')),
      engine: m.build.engine,
      verifiedIn: new GroovyIndex(Object.fromEntries(m.environments.map((e) => [e.branch, e.upstream ?? ''])), new GroovyCode('env.BRANCH_NAME')),
    }),
    audit: approvals.length > 0,
    approvalTimeoutHours: m.jenkins.approvalTimeoutHours,
    approvers: g(m.jenkins.approvers),
    environments: m.environments.map((e, i) => environmentView(m, e, i)),
  };
  return { path: 'Jenkinsfile', contents: renderTemplate(t, 'vars-templates/Jenkinsfile.mustache', view), owner: 'pipewright' };
}

/** Names of the library steps: one vars/<name>.groovy and vars/<name>.txt each. */
export function libraryStepNames(t: TemplateSet): string[] {
  return [...t.keys()]
    .map((k) => /^vars-templates\/vars\/([A-Za-z0-9]+)\.groovy\.mustache$/.exec(k)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

/**
 * The org's shared library. It is shared by every app, so it holds no app's values: every step
 * takes what is the app's own (registry, region, credentials, timeouts) from the Jenkinsfile, and
 * any two configs give byte-identical files.
 */
export function renderLibrary(t: TemplateSet): GeneratedFile[] {
  return libraryStepNames(t).flatMap((name): GeneratedFile[] => [
    { path: `vars/${name}.groovy`, contents: renderTemplate(t, `vars-templates/vars/${name}.groovy.mustache`, {}), owner: 'pipewright' },
    { path: `vars/${name}.txt`, contents: renderTemplate(t, `vars-templates/vars/${name}.txt.mustache`, {}), owner: 'pipewright' },
  ]);
}
