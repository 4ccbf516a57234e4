/**
 * The timing rule of docs/helm.md ("The rule") as arithmetic in seconds, and
 * what the kubelet asks of podwarden through a container, shared by the tests
 * of every manifest that drains a pod through podwarden: the chart's render,
 * the kustomize component, and the library manifest of docs/kubernetes-library.md.
 */
import type { IContainer, IPodSpec, IProbe } from 'kubernetes-models/v1';
import { httpGetOf } from './support.js';

/** Kubernetes' default `terminationGracePeriodSeconds`, and the least the chart renders. */
export const kubernetesDefaultGraceSeconds = 30;

/** The pod's grace period, Kubernetes' default when unset. */
export function graceSecondsOf(spec: IPodSpec): number {
  return spec.terminationGracePeriodSeconds ?? kubernetesDefaultGraceSeconds;
}

/**
 * How long a pod that leaves its endpoints by readiness alone (graceful node
 * shutdown, eviction: no terminating mark) keeps receiving traffic after its
 * drain began: the readiness probe's `periodSeconds × failureThreshold`, with
 * the kubelet's defaults (10 s, 3) for a field left unset; 0 without a probe.
 */
export function readinessDetectionSeconds(readiness: IProbe | undefined): number {
  return readiness === undefined ? 0 : (readiness.periodSeconds ?? 10) * (readiness.failureThreshold ?? 3);
}

/** `drainDelay >= propagation + readiness detection + margin`: the balancers have stopped sending before anything stops. */
export function minDrainDelaySeconds(parts: { readonly propagationSeconds: number; readonly readinessDetectionSeconds: number; readonly marginSeconds: number }): number {
  return parts.propagationSeconds + parts.readinessDetectionSeconds + parts.marginSeconds;
}

/**
 * `terminationGracePeriodSeconds >= drainDelay + the app's shutdown + the stop
 * after it`: the kubelet does not kill the pod before it has drained and stopped.
 * In the chart the stop is podwarden's (2 s, or `stopBudget + 1 s` with module
 * services); in a process that embeds podwarden it is `stopBudget + 1 s` (the
 * hard deadline), the app's own shutdown being part of it.
 */
export function minGraceSeconds(parts: { readonly drainDelaySeconds: number; readonly shutdownSeconds: number; readonly stopSeconds: number }): number {
  return parts.drainDelaySeconds + parts.shutdownSeconds + parts.stopSeconds;
}

/** The grace period the chart renders when none is set: the rule's minimum, rounded up, at least Kubernetes' default. */
export function derivedGraceSeconds(minimum: number): number {
  return Math.max(kubernetesDefaultGraceSeconds, Math.ceil(minimum));
}

/** `drain.maxHold >= terminationGracePeriodSeconds - drainDelay`: a drain is never let go while the pod may still be terminating. */
export function minMaxHoldSeconds(parts: { readonly graceSeconds: number; readonly drainDelaySeconds: number }): number {
  return parts.graceSeconds - parts.drainDelaySeconds;
}

/** An HTTP GET the kubelet makes: a probe's or the preStop hook's. */
export interface KubeletGet {
  readonly path: string;
  readonly port: number;
}

/** What the kubelet asks of podwarden through `container`: its startup and readiness probes, its preStop hook and the Bearer token the hook sends. */
export interface DrainWiring {
  readonly startup: KubeletGet;
  readonly readiness: KubeletGet;
  readonly preStop: KubeletGet & { readonly scheme: string | undefined };
  /** The token of the hook's `Authorization: Bearer` header; undefined without one. */
  readonly bearerToken: string | undefined;
}

/** Read {@link DrainWiring} from a container; throws naming what is missing. */
export function drainWiringOf(container: IContainer): DrainWiring {
  const hook = container.lifecycle?.preStop?.httpGet;
  if (!hook) throw new Error(`container ${container.name} has no preStop httpGet`);
  const authorization = hook.httpHeaders?.find((h) => h.name.toLowerCase() === 'authorization')?.value;
  const bearer = authorization === undefined ? null : /^Bearer (\S+)$/.exec(authorization);
  return {
    startup: httpGetOf(container.startupProbe, `${container.name} startupProbe`),
    readiness: httpGetOf(container.readinessProbe, `${container.name} readinessProbe`),
    preStop: { ...httpGetOf(container.lifecycle?.preStop, `${container.name} preStop`), scheme: hook.scheme },
    bearerToken: bearer?.[1],
  };
}
