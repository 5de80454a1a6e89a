/**
 * TEMPORARY placeholder (replaced by the canary Kustomize work): names and the weighted-forward
 * annotation the pipeline's canary step uses.
 */
import type { EnvironmentModel, Model } from '../model/model.js';
import { overlayDir } from './kustomize.js';
import { yamlScalar as y } from './yaml-scalar.js';

export function canaryNames(m: Model) {
  return { deployment: `${m.app}-canary`, service: `${m.app}-canary`, ingress: m.app, annotation: 'alb.ingress.kubernetes.io/actions.canary-split' };
}

export function canaryWeightsAnnotation(m: Model, _e: EnvironmentModel, percent: number): string {
  return JSON.stringify({
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { serviceName: m.app, servicePort: '80', weight: 100 - percent },
        { serviceName: `${m.app}-canary`, servicePort: '80', weight: percent },
      ],
    },
  });
}

export function canaryKustomizationHead(m: Model, e: Pick<EnvironmentModel, 'name'>): string {
  return ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', `  - ${y(`../../../${overlayDir(e)}/canary`)}`, 'images:', `  - name: ${y(m.image.uri)}`, ''].join('\n');
}
