import { httpGet } from './http-get.js';
import type { Container, Pod } from './pod.js';
import type { ProcessExit } from './processes.js';
import type { Timeline } from './timeline.js';

/** kubelet's floor on the time between SIGTERM and SIGKILL (kuberuntime minimumGracePeriodInSeconds). */
export const minimumGraceMs = 2000;

/** kubelet's User-Agent for lifecycle hooks. */
export const kubeLifecycleUserAgent = 'kube-lifecycle/1.31';

/** How one container was stopped. */
export interface ContainerStop {
  readonly container: string;
  /** The preStop hook's result (`HTTP 200`, `refused (…)`, `timeout (…)`), and when it ended; absent without a hook. */
  readonly preStop?: { readonly result: string; readonly endedAt: number };
  readonly sigtermAt: number | undefined;
  readonly exit: ProcessExit | undefined;
  /** SIGKILLed at the end of its grace period. */
  readonly killed: boolean;
}

/** How a pod was terminated (harness ms). */
export interface TerminationReport {
  readonly pod: string;
  readonly deletedAt: number;
  readonly app: ContainerStop;
  readonly sidecar?: ContainerStop;
  readonly endedAt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * kubelet's killContainer: run the preStop hook (an HTTP GET that blocks until
 * answered, at most the grace period), then SIGTERM, then SIGKILL when the
 * grace period left after the hook (at least 2 s) has passed.
 */
async function killContainer(pod: Pod, container: Container, graceMs: number, timeline: Timeline): Promise<ContainerStop> {
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
  const remaining = Math.max(graceMs - (timeline.now() - begin), minimumGraceMs);
  const sigtermAt = timeline.now();
  proc.signal('SIGTERM');
  timeline.mark('sigterm', { pod: pod.name, container: name, killIn: Math.round(remaining) });
  const exit = await Promise.race([proc.exited, sleep(remaining).then(() => undefined)]);
  if (exit) return { container: name, ...(preStop && { preStop }), sigtermAt, exit, killed: false };
  timeline.mark('sigkill', { pod: pod.name, container: name });
  proc.kill();
  return { container: name, ...(preStop && { preStop }), sigtermAt, exit: await proc.exited, killed: true };
}

/**
 * Delete a pod as the API server and kubelet do: the pod is marked terminating
 * (its endpoint turns not-ready at once; balancers learn it after their
 * propagation delay), liveness and startup probes stop, and the containers are
 * killed within terminationGracePeriodSeconds:
 * - `native`: the app first (preStop, SIGTERM); podwarden, a sidecar, once the app has exited, with the grace period left;
 * - `container`: both at once; podwarden has no preStop, so it gets SIGTERM as the app's preStop starts;
 * - `none`: the app alone, SIGTERM at once.
 */
export async function terminatePod(pod: Pod, timeline: Timeline): Promise<TerminationReport> {
  const deletedAt = timeline.now();
  const graceMs = pod.template.terminationGracePeriodSeconds * 1000;
  timeline.mark('pod-deleted', { pod: pod.name, graceMs });
  pod.markTerminating();
  pod.stopLivenessAndStartup();
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
  return { pod: pod.name, deletedAt, app, ...(sidecar && { sidecar }), endedAt };
}
