/**
 * The pod a `build.engine: kaniko` stage runs in, as data, serialised by dumpYaml. Pure.
 *
 * Fargate runs no privileged container, so the image is built by kaniko (the maintained fork),
 * which needs no docker daemon and pushes to ECR with its built-in ECR credential helper: no
 * password is ever written. AWS credentials come from IRSA through the pod's ServiceAccount
 * (EKS Pod Identity does not work on Fargate). Every container but kaniko (which must be root to
 * unpack images) runs as the jnlp container's uid, so the workspace it checked out belongs to
 * them and git does not refuse it as "dubious ownership".
 */
import { dumpYaml } from '../../escape/yaml.js';
import type { Model } from '../../model/model.js';
import { DEFAULTS } from '../../core/defaults.js';

/** The label the agents' Fargate profile selects: only pipewright's agent pods land on Fargate. */
export const AGENT_LABEL = { 'pipewright.dev/agent': 'true' } as const;

/** The container the steps run in unless they say otherwise: git, aws and kubectl. */
export const TOOLS_CONTAINER = 'tools';

/** The app's Python, for the Test stage. */
export const testImage = (m: Model): string => `python:${m.runtime.python}`;

/** A container that waits for Jenkins to exec steps in it. */
function idle(name: string, image: string, cat: string, requests: Record<string, string>, extra: object = {}) {
  return { name, image, command: [cat], tty: true, resources: { requests }, ...extra };
}

export type AgentPurpose = 'build' | 'deploy';

/** The agent pod: the build pod also has kaniko and the app's Python; a deploy pod has the tools only. */
export function agentPod(m: Model, purpose: AgentPurpose): object {
  const home = { env: [{ name: 'HOME', value: '/home/jenkins/agent' }] };
  const containers: object[] = [idle(TOOLS_CONTAINER, m.jenkins.toolsImage, 'cat', { cpu: '250m', memory: '512Mi' }, home)];
  if (purpose === 'build') {
    containers.push(
      idle('python', testImage(m), 'cat', { cpu: '500m', memory: '1Gi' }, home),
      idle(
        'kaniko',
        m.jenkins.kanikoImage,
        '/busybox/cat',
        // kaniko unpacks the base image and snapshots the file system on ephemeral storage (20 GiB unless asked).
        { cpu: '1', memory: '2Gi', 'ephemeral-storage': m.build.ephemeralStorage },
        { securityContext: { runAsUser: 0, runAsGroup: 0 } },
      ),
    );
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: { ...AGENT_LABEL } },
    spec: {
      serviceAccountName: m.cluster.deployer.serviceAccount,
      securityContext: { runAsUser: DEFAULTS.agentUid, runAsGroup: DEFAULTS.agentUid, fsGroup: DEFAULTS.agentUid },
      containers,
    },
  };
}

export function agentPodYaml(m: Model, purpose: AgentPurpose): string {
  return dumpYaml(agentPod(m, purpose));
}
