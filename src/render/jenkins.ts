/**
 * model → the app's declarative Jenkinsfile and the org's shared library (vars/). Pure.
 * Every value reaches Groovy through src/groovy.ts as a single-quoted literal.
 */
import type { EnvironmentModel, Model } from '../model/model.js';
import type { TemplateSet } from '../templates.js';
import type { GeneratedFile } from './types.js';
import { GroovyCode, GroovyIndex, groovyArgs, groovyComment, groovyString as g, groovyValue } from '../groovy.js';
import { renderTemplate } from './mustache.js';
import { deployKustomizationHead, postInstJobName, postInstKustomizationHead } from './kustomize.js';
import { DEFAULTS } from '../model/defaults.js';
import { TOOLS_CONTAINER, agentPodYaml, testImage, type AgentPurpose } from './jenkins-agent.js';

/** Hours a build may take besides waiting for its approval. */
const BUILD_HOURS = 2;

/** The agent block of the stages that need a workspace. */
function agent(m: Model, purpose: AgentPurpose): string {
  if (m.build.engine === 'docker') return `{ label ${g(m.jenkins.agentLabel)} }`;
  // Kaniko builds in a pod: Fargate cannot run the privileged containers docker-in-docker needs.
  const namespace = m.cluster.deployer.namespace;
  return `{ kubernetes { namespace ${g(namespace)}; yaml ${g(agentPodYaml(m, purpose))}; defaultContainer ${g(TOOLS_CONTAINER)} } }`;
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
      clusters: e.clusters.map((c) => ({ name: c.name, region: c.region })),
    }),
  };
}

export function renderJenkinsfile(m: Model, t: TemplateSet): GeneratedFile {
  const rules = m.rules.branches.map((r) => ({ branch: r.branch, mergeFrom: r.mergeFrom, directCommits: r.directCommits }));
  const approvals = m.environments.filter((e) => e.approval);
  const view = {
    library: g(`${m.jenkins.library.name}@${m.jenkins.library.version}`),
    appComment: groovyComment(m.app),
    buildsToKeep: g(String(m.jenkins.buildsToKeep)),
    approvalBranches: groovyValue(approvals.map((e) => e.branch)),
    buildTimeoutHours: (approvals.length > 0 ? m.jenkins.approvalTimeoutHours : 0) + BUILD_HOURS,
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
