import { type ContainerSpec, type PodTemplate, type ProbeSpec, type RolloutSpec, durationMs } from './pod-template.js';

/**
 * The simulation's clock scale. `make test` runs every scenario at a fraction
 * of real time (`timeScale` 0.2: a 14 s drain lasts 2.8 s), `make
 * rolling-update` at 1. The chart is always rendered with its real values, so
 * the render-time rule and every derived figure are the ones a user gets; the
 * simulation then multiplies every duration it takes from the render, and
 * every figure of the balancer models, by the same factor:
 *
 * - probes: initialDelaySeconds, periodSeconds, and a probe-level
 *   terminationGracePeriodSeconds;
 * - the pod's terminationGracePeriodSeconds, the Deployment's
 *   minReadySeconds, and kubelet's 2 s floor between SIGTERM and SIGKILL;
 * - podwarden's config as written per pod: shutdown.drainDelay, stopBudget,
 *   stopTimeout, drain.maxHold, and each service's interval, initialDelay,
 *   readyTimeout and stopTimeout; an in-process app's drain delay, stop
 *   timeout and stop budget;
 * - the balancer models (balancer-models.ts): propagation, sync periods,
 *   health-check intervals, registration lags.
 *
 * What stays real: process start, HTTP round trips, the app's 10 ms of work
 * per request and its own shutdown, the client's 5 s request timeout,
 * podwarden's event-loop thresholds (they measure this machine, not a
 * cluster), and every timeout of one probe or check (kubelet's
 * timeoutSeconds, a service's `timeout`, a balancer's health-check timeout).
 * A timeout only bounds how long one attempt waits for a real process's
 * answer; nothing in the scenarios hangs, and every answer comes in
 * milliseconds, so scaled timeouts (400 ms for the readiness probe) would
 * only turn a busy moment of the shared machine into probe failures a real
 * kubelet would not see. A probe in flight still holds the next one off, as
 * in kubelet. Whether a request fails is decided by comparing scaled durations
 * with each other (drain delay against propagation plus detection, a health
 * check's interval × threshold against the drain), so the order of events and
 * every ratio stay as at full scale. The real parts become relatively 5×
 * larger, which makes the short form stricter, not looser: an app's shutdown
 * or a slow process start eats five times more of each margin. The smallest
 * scaled margin is `timing.drainMarginSeconds` (2 s → 400 ms); every
 * scenario reports how late the harness's own timers ran (harnessDelayMs).
 */

/** podwarden config keys (by section) that are durations of the model; event-loop thresholds are left alone. */
const shutdownKeys = ['drainDelay', 'stopBudget', 'stopTimeout'] as const;
const serviceKeys = ['interval', 'initialDelay', 'readyTimeout', 'stopTimeout'] as const;

/** `value` × `factor` as a podwarden duration (`2800ms`), or the value unchanged when it is not a duration. */
function scaleDuration(value: unknown, factor: number): unknown {
  if (value === undefined || value === null) return value;
  return `${Math.max(1, Math.round(durationMs(value) * factor))}ms`;
}

function scaleKeys(section: unknown, keys: readonly string[], factor: number): Record<string, unknown> | undefined {
  if (section === undefined || section === null || typeof section !== 'object') return undefined;
  const copy = { ...(section as Record<string, unknown>) };
  for (const key of keys) if (key in copy) copy[key] = scaleDuration(copy[key], factor);
  return copy;
}

/** podwarden's config with its model durations scaled; podwarden's own defaults are written out first so they scale too. */
export function scaleConfig(config: Readonly<Record<string, unknown>>, factor: number): Record<string, unknown> {
  if (factor === 1) return structuredClone(config) as Record<string, unknown>;
  const copy = structuredClone(config) as Record<string, unknown>;
  const shutdown = (copy.shutdown ?? {}) as Record<string, unknown>;
  copy.shutdown = scaleKeys({ drainDelay: '10s', stopBudget: '15s', stopTimeout: '5s', ...shutdown }, shutdownKeys, factor);
  const drain = (copy.drain ?? {}) as Record<string, unknown>;
  copy.drain = scaleKeys({ maxHold: '120s', ...drain }, ['maxHold'], factor);
  if (Array.isArray(copy.services)) {
    copy.services = (copy.services as unknown[]).map((service) => {
      const s = service as Record<string, unknown>;
      // A module service has no interval; the periodic checks get podwarden's default written out.
      const periodic = s.type !== 'module' ? { interval: '5s', ...s } : s;
      return scaleKeys(periodic, serviceKeys, factor);
    });
  }
  return copy;
}

function scaleProbe(probe: ProbeSpec | undefined, factor: number): ProbeSpec | undefined {
  if (!probe) return undefined;
  return {
    ...probe,
    initialDelaySeconds: probe.initialDelaySeconds * factor,
    periodSeconds: probe.periodSeconds * factor,
    ...(probe.terminationGracePeriodSeconds !== undefined && { terminationGracePeriodSeconds: probe.terminationGracePeriodSeconds * factor }),
  };
}

function scaleContainer(container: ContainerSpec, factor: number): ContainerSpec {
  const startupProbe = scaleProbe(container.startupProbe, factor);
  const readinessProbe = scaleProbe(container.readinessProbe, factor);
  const livenessProbe = scaleProbe(container.livenessProbe, factor);
  return { ...container, ...(startupProbe && { startupProbe }), ...(readinessProbe && { readinessProbe }), ...(livenessProbe && { livenessProbe }) };
}

/** The pod template on the scaled clock. */
export function scaleTemplate(template: PodTemplate, factor: number): PodTemplate {
  if (factor === 1) return template;
  return {
    ...template,
    terminationGracePeriodSeconds: template.terminationGracePeriodSeconds * factor,
    app: scaleContainer(template.app, factor),
    ...(template.sidecar && { sidecar: scaleContainer(template.sidecar, factor) }),
    ...(template.podwardenConfig && { podwardenConfig: scaleConfig(template.podwardenConfig, factor) }),
    ...(template.inProcess && {
      inProcess: {
        drainDelayMs: template.inProcess.drainDelayMs * factor,
        stopTimeoutMs: template.inProcess.stopTimeoutMs * factor,
        stopBudgetMs: template.inProcess.stopBudgetMs * factor,
      },
    }),
  };
}

/** The rollout parameters on the scaled clock (minReadySeconds). */
export function scaleRollout(rollout: RolloutSpec, factor: number): RolloutSpec {
  return { ...rollout, minReadySeconds: rollout.minReadySeconds * factor };
}
