/**
 * model → the app's declarative Jenkinsfile and the org's shared library (vars/). Pure.
 * Every value reaches Groovy through src/groovy.ts as a single-quoted literal.
 */
import type { EnvironmentModel, Model } from '../model/model.js';
import type { TemplateSet } from '../templates.js';
import type { GeneratedFile } from './types.js';
import { GroovyCode, groovyArgs, groovyComment, groovyString as g, groovyValue } from '../groovy.js';
import { renderTemplate } from './mustache.js';
import { deployKustomizationHead } from './kustomize.js';
import { yamlScalar } from './yaml-scalar.js';
import { xmlText } from './xml-text.js';

/** The agent block of the stages that need a workspace. */
function agent(m: Model): string {
  if (m.build.engine === 'docker') return `{ label ${g(m.jenkins.agentLabel)} }`;
  // Kaniko builds in a pod: Fargate cannot run the privileged containers docker-in-docker needs.
  const pod = [
    'apiVersion: v1',
    'kind: Pod',
    'spec:',
    '  containers:',
    '    - name: tools',
    `      image: ${yamlScalar(`python:${m.runtime.python}`)}`,
    '      command: [sleep]',
    '      args: [infinity]',
    '      resources: { requests: { cpu: 500m, memory: 1Gi } }',
    '    - name: kaniko',
    `      image: ${yamlScalar(m.jenkins.kanikoImage)}`,
    '      command: [sleep]',
    '      args: [infinity]',
    '      resources: { requests: { cpu: "1", memory: 2Gi } }',
    '',
  ].join('\n');
  return `{ kubernetes { yaml ${g(pod)}; defaultContainer 'tools' } }`;
}

function environmentView(m: Model, e: EnvironmentModel) {
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
  return {
    branch: g(e.branch),
    branchComment: groovyComment(e.branch),
    nameComment: groovyComment(e.name),
    namespaceComment: groovyComment(e.namespace),
    approval: e.approval,
    approveStage: g(`Approve ${e.name}`),
    approvalMessage: g(`Deploy ${m.app} to ${e.name} (${e.namespace})?`),
    deployStage: g(`Deploy ${e.name}`),
    rolloutStage: g(`Rollout ${e.name}`),
    smokeStage: g(`Smoke ${e.name}`),
    parallel: e.clusters.length > 1,
    clusters: e.clusters.map((c, i) => ({
      label: g(`${c.name} (${c.region})`),
      deployArgs: deployArgs(c),
      last: i === e.clusters.length - 1,
    })),
    smokeArgs: groovyArgs({ environment: e.name, url: e.url ?? undefined, command: m.smoke.command ?? undefined }),
  };
}

export function renderJenkinsfile(m: Model, t: TemplateSet): GeneratedFile {
  const rules = m.rules.branches.map((r) => ({ branch: r.branch, mergeFrom: r.mergeFrom, directCommits: r.directCommits }));
  const view = {
    library: g(`${m.jenkins.library.name}@${m.jenkins.library.version}`),
    appComment: groovyComment(m.app),
    buildsToKeep: g(String(m.jenkins.buildsToKeep)),
    agent: agent(m),
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
    repository: g(m.image.repository),
    tagPrefixes: groovyValue(Object.fromEntries(m.environments.map((e) => [e.branch, e.imageTag]))),
    engine: g(m.build.engine),
    approvalTimeoutHours: m.jenkins.approvalTimeoutHours,
    approvers: g(m.jenkins.approvers),
    environments: m.environments.map((e) => environmentView(m, e)),
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

/** The org's shared library, with the org defaults (ECR, credentials) from the config. */
export function renderLibrary(m: Model, t: TemplateSet): GeneratedFile[] {
  const view = {
    region: g(m.aws.region),
    registry: g(m.image.registry),
    engine: g(m.build.engine),
    gitCredentialsId: g(m.jenkins.gitCredentialsId),
    rolloutTimeout: g(m.jenkins.rolloutTimeout),
    regionText: xmlText(m.aws.region),
    registryText: xmlText(m.image.registry),
    engineText: xmlText(m.build.engine),
  };
  return libraryStepNames(t).flatMap((name): GeneratedFile[] => [
    { path: `vars/${name}.groovy`, contents: renderTemplate(t, `vars-templates/vars/${name}.groovy.mustache`, view), owner: 'pipewright' },
    { path: `vars/${name}.txt`, contents: renderTemplate(t, `vars-templates/vars/${name}.txt.mustache`, view), owner: 'pipewright' },
  ]);
}
