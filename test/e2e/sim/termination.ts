import { httpGet } from './http-get.js';
import type { Container, Pod } from './pod.js';
import type { ChildExit } from '../../helpers/child.js';
import type { Timeline } from './timeline.js';

/** kubelet's floor on the time between SIGTERM and SIGKILL (kuberuntime minimumGracePeriodInSeconds), at full scale. */
export const minimumGraceMs = 2000;

/** kubelet's User-Agent for lifecycle hooks. */
export const kubeLifecycleUserAgent = 'kube-lifecycle/1.31';

/** How one container was stopped. */
export interface ContainerStop {
  readonly container: string;
  /** The preStop hook's result (`HTTP 200`, `refused (…)`, `timeout (…)`), and when it ended; absent without a hook. */
  readonly preStop?: { readonly result: string; readonly endedAt: number };
  readonly sigtermAt: number | undefined;
  readonly exit: ChildExit | undefined;
  /** SIGKILLed at the end of its grace period. */
  readonly killed: boolean;
}

/** How a pod was terminated (harness ms). */
export interface TerminationReport {
  readonly pod: string;
  /** `deleted`: through the API (deletion timestamp, endpoint terminating at once); `shutdown`: graceful node shutdown or kubelet eviction (no deletion timestamp: the endpoint changes by readiness only). */
  readonly how: 'deleted' | 'shutdown';
  /** When the pod was deleted, or its node began shutting down. */
  readonly deletedAt: number;
  readonly app: ContainerStop;
  readonly sidecar?: ContainerStop;
  readonly endedAt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * kubelet's killContainer: run the preStop hook (an HTTP GET that blocks until
 * answered, at most the grace period), then SIGTERM, then SIGKILL when the
 * grace period left after the hook (at least 2 s, scaled) has passed.
 */
export async function killContainer(pod: Pod, container: Container, graceMs: number, timeline: Timeline): Promise<ContainerStop> {
  const name = container.spec.name;
  const proc = container.process;
  if (!proc?.alive) return { container: name, sigtermAt: undefined, exit: proc?.exit, killed: false };
  const begin = timeline.now();
  let preStop: ContainerStop['preStop'];
  const hook = container.spec.preStop;
  if (hook) {
    timeline.mark('prestop-start', { pod: pod.name, container: name, path: hook.path });
    const outcome = await httpGet({
      port: pod.portOf(hook.port),
      path: hook.path,
      headers: { 'User-Agent': kubeLifecycleUserAgent, Accept: '*/*', ...hook.headers },
      timeoutMs: graceMs,
    });
    const result = outcome.kind === 'response' ? `HTTP ${outcome.status}` : `${outcome.kind} (${outcome.detail})`;
    preStop = { result, endedAt: timeline.now() };
    // Any answer ends the hook; a failed hook is an event (FailedPreStopHook), and the container is stopped anyway.
    timeline.mark('prestop-end', { pod: pod.name, container: name, result });
  }
  const remaining = Math.max(graceMs - (timeline.now() - begin), minimumGraceMs * pod.timeScale);
  const sigtermAt = timeline.now();
  proc.signal('SIGTERM');
  timeline.mark('sigterm', { pod: pod.name, container: name, killIn: Math.round(remaining) });
  const exit = await Promise.race([proc.exited, sleep(remaining).then(() => undefined)]);
  if (exit) return { container: name, ...(preStop && { preStop }), sigtermAt, exit, killed: false };
  timeline.mark('sigkill', { pod: pod.name, container: name });
  proc.kill();
  return { container: name, ...(preStop && { preStop }), sigtermAt, exit: await proc.exited, killed: true };
}

/** Stop the pod's containers in kubelet's order, within the grace period; the pod then leaves the endpoints. */
async function killPod(pod: Pod, how: TerminationReport['how'], timeline: Timeline): Promise<TerminationReport> {
  const deletedAt = timeline.now();
  const graceMs = pod.template.terminationGracePeriodSeconds * 1000;
  pod.killing = true;
  let app: ContainerStop;
  let sidecar: ContainerStop | undefined;
  if (pod.sidecar && pod.template.mode === 'native') {
    app = await killContainer(pod, pod.app, graceMs, timeline);
    sidecar = await killContainer(pod, pod.sidecar, graceMs - (timeline.now() - deletedAt), timeline);
  } else if (pod.sidecar) {
    [app, sidecar] = await Promise.all([killContainer(pod, pod.app, graceMs, timeline), killContainer(pod, pod.sidecar, graceMs, timeline)]);
  } else {
    app = await killContainer(pod, pod.app, graceMs, timeline);
  }
  pod.gone();
  const endedAt = timeline.now();
  timeline.mark('pod-gone', { pod: pod.name });
  return { pod: pod.name, how, deletedAt, app, ...(sidecar && { sidecar }), endedAt };
}

/**
 * Delete a pod as the API server and kubelet do: the pod is marked terminating
 * (its endpoint turns not-ready at once; balancers learn it after their
 * propagation delay), liveness and startup probes stop, and the containers are
 * killed within terminationGracePeriodSeconds:
 * - `native`: the app first (preStop, SIGTERM); podwarden, a sidecar, once the app has exited, with the grace period left;
 * - `container`: both at once; podwarden has no preStop, so it gets SIGTERM as the app's preStop starts;
 * - `none` and `in-process`: the app alone, SIGTERM at once (an in-process library drains on it).
 */
export async function terminatePod(pod: Pod, timeline: Timeline): Promise<TerminationReport> {
  timeline.mark('pod-deleted', { pod: pod.name, graceMs: pod.template.terminationGracePeriodSeconds * 1000 });
  pod.markTerminating();
  pod.stopLivenessAndStartup();
  return killPod(pod, 'deleted', timeline);
}

/**
 * A graceful node shutdown or a kubelet (node-pressure) eviction: kubelet
 * kills the pod's containers as above, with no deletion timestamp first, so
 * the endpoint is not marked terminating; it turns not-ready only when the
 * readiness probe has failed `failureThreshold` times. Every probe goes on
 * (kubelet stops liveness and startup probes only for a pod with a deletion
 * timestamp), but no container is restarted. The grace period is the pod's
 * (a kubelet whose shutdownGracePeriod or evictionMaxPodGracePeriod is at
 * least that long).
 */
export async function shutDownPod(pod: Pod, timeline: Timeline): Promise<TerminationReport> {
  timeline.mark('pod-shutdown', { pod: pod.name, graceMs: pod.template.terminationGracePeriodSeconds * 1000 });
  return killPod(pod, 'shutdown', timeline);
}
