/**
 * The canary's names, labels and ALB weights, for the overlay, the canary kustomization and the
 * pipeline's canary steps. Pure.
 *
 * traffic alb: the Ingress routes through the forward action CANARY_ACTION, which weights the
 * stable Service `<app>` against the Service `<app>-canary` (AWS Load Balancer Controller,
 * `alb.ingress.kubernetes.io/actions.<name>` with `servicePort: use-annotation` on the rule). The
 * canary's pods say `app.kubernetes.io/component: canary`, so the stable Service (which selects
 * `component: web`) never sends them traffic and only the action's weight does.
 * traffic replicas: the canary's pods keep the stable pods' labels, so the one Service spreads
 * traffic over both by pod count; `pipewright.dev/track: canary` keeps the two Deployments'
 * selectors apart.
 */
import type { EnvironmentModel, Model } from '../../model/model.js';

/** Appended to the app name for the canary Deployment and Service (kustomize's nameSuffix). */
export const CANARY_SUFFIX = '-canary';

/**
 * The forward action's name. The rule's backend names it as if it were a Service (with the port
 * `use-annotation`), so it must be a valid Service name; one per Ingress, so a fixed name is safe
 * in a shared ALB group (the controller reads each Ingress's actions from its own annotations).
 */
export const CANARY_ACTION = 'canary-split';

/** The Ingress annotation holding the forward action (its value: canaryWeightsAnnotation). */
export const CANARY_ACTION_ANNOTATION = `alb.ingress.kubernetes.io/actions.${CANARY_ACTION}`;

/** The pod label (also in the canary Deployment's selector) that tells canary pods apart. */
export const TRACK_LABEL = 'pipewright.dev/track';

/** The stable pods' component label, in every selector of the base (deployment.yaml, service.yaml). */
export const STABLE_COMPONENT = 'web';

type App = Pick<Model, 'app'>;

/** The stable Deployment, Service and Ingress share the app's name. */
export const stableDeploymentName = (m: App): string => m.app;
export const stableServiceName = (m: App): string => m.app;
export const ingressName = (m: App): string => m.app;
export const canaryDeploymentName = (m: App): string => `${m.app}${CANARY_SUFFIX}`;
/** Only with traffic alb: the Service the forward action weights against the stable one. */
export const canaryServiceName = (m: App): string => `${m.app}${CANARY_SUFFIX}`;

/**
 * The labels the canary kustomization sets on the canary Deployment, its selector and its pods
 * (includeSelectors). With alb they replace the component, which takes the pods out of the stable
 * Service; with replicas they only add the track.
 */
export function canaryLabels(traffic: NonNullable<EnvironmentModel['canary']>['traffic']): Record<string, string> {
  return traffic === 'alb' ? { 'app.kubernetes.io/component': 'canary', [TRACK_LABEL]: 'canary' } : { [TRACK_LABEL]: 'canary' };
}

/** The Service `<app>-canary`'s selector (alb only): the canary's pods and nothing else. */
export const canaryServiceSelector = (m: App): Record<string, string> => ({ 'app.kubernetes.io/name': m.app, ...canaryLabels('alb') });

/** The Service port both target groups use (the base Service's port name). */
const SERVICE_PORT = 'http';

/**
 * The exact value of CANARY_ACTION_ANNOTATION for a canary share of `percent` (0 to 100): the
 * stable Service gets the rest. 0 is what the overlay applies (everything to stable), and what a
 * pipeline sets to reset. An environment whose canary is not traffic alb has no such action.
 */
export function canaryWeightsAnnotation(m: App, e: Pick<EnvironmentModel, 'name' | 'canary'>, percent: number): string {
  if (e.canary?.traffic !== 'alb') throw new Error(`environment ${e.name} has no canary with traffic alb`);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`not a canary share (0 to 100): ${percent}`);
  return JSON.stringify({
    type: 'forward',
    forwardConfig: {
      targetGroups: [
        { serviceName: stableServiceName(m), servicePort: SERVICE_PORT, weight: 100 - percent },
        { serviceName: canaryServiceName(m), servicePort: SERVICE_PORT, weight: percent },
      ],
    },
  });
}
