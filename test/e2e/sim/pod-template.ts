/**
 * The parts of a Deployment's pod template the simulation acts on, resolved
 * from a rendered manifest (see chart.ts). Ports are named after the process
 * that listens on them, since each simulated pod gets its own loopback ports.
 */

/**
 * Which port of the pod a probe or hook reaches: the app's, podwarden's (the
 * sidecar), or `health`, the app process's own health port (an in-process
 * library's probes, on a port of their own).
 */
export type PortOwner = 'app' | 'podwarden' | 'health';

/**
 * A kubelet httpGet probe (field meanings and defaults as in the Kubernetes API).
 * Seconds may be fractional here: the simulation's clock is scaled (time-scale.ts).
 */
export interface ProbeSpec {
  readonly path: string;
  readonly port: PortOwner;
  readonly headers: Readonly<Record<string, string>>;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
  /** The probe-level grace period a failed liveness or startup probe's restart uses; absent: the pod's. */
  readonly terminationGracePeriodSeconds?: number;
}

/** A preStop httpGet hook. */
export interface HttpHookSpec {
  readonly path: string;
  readonly port: PortOwner;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ContainerSpec {
  readonly name: string;
  readonly startupProbe?: ProbeSpec;
  readonly readinessProbe?: ProbeSpec;
  readonly livenessProbe?: ProbeSpec;
  readonly preStop?: HttpHookSpec;
}

/**
 * `native`: podwarden is an init container with restartPolicy Always (started
 * first, stopped after the app). `container`: podwarden is a regular container
 * (signalled with the app). `none`: the app alone. `in-process`: the app alone,
 * with a library inside it (podwarden's `httpServerService`, terminus,
 * lightship) that answers the probes and drains on SIGTERM.
 */
export type SidecarMode = 'native' | 'container' | 'none' | 'in-process';

/**
 * The shutdown timing an in-process app is given, in ms (full scale), as the
 * env `DRAIN_DELAY_MS`, `STOP_TIMEOUT_MS` and `STOP_BUDGET_MS`: how long it
 * keeps serving after SIGTERM while readiness fails, how long its server may
 * take to finish requests in flight, and the whole stop.
 */
export interface InProcessTiming {
  readonly drainDelayMs: number;
  readonly stopTimeoutMs: number;
  readonly stopBudgetMs: number;
}

/** Where an in-process app answers one probe. */
export interface InProcessProbe {
  readonly path: string;
  readonly port: 'app' | 'health';
}

export interface PodTemplate {
  readonly mode: SidecarMode;
  readonly terminationGracePeriodSeconds: number;
  readonly app: ContainerSpec;
  /** The podwarden container; absent in mode `none`. */
  readonly sidecar?: ContainerSpec;
  /** podwarden's config file as rendered (parsed YAML); absent in mode `none`. */
  readonly podwardenConfig?: Record<string, unknown>;
  /** The container ports in the manifest, rewritten per pod to free loopback ports. */
  readonly appPort: number;
  readonly podwardenPort?: number;
  /** The /drain token of the preStop hook's Authorization header (reported; the hook sends the header as is). */
  readonly drainToken?: string;
  /** The literal env of the podwarden container (PODWARDEN_DRAIN_TOKEN, …). */
  readonly sidecarEnv?: Readonly<Record<string, string>>;
  /** The podwarden container's env from the downward API: name → fieldPath (`status.hostIPs`, …). */
  readonly sidecarFieldEnv?: Readonly<Record<string, string>>;
  /** Mode `in-process`: the app's shutdown timing. */
  readonly inProcess?: InProcessTiming;
}

/** The rolling-update parameters of a Deployment. */
export interface RolloutSpec {
  readonly replicas: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  /** Seconds a new pod must be ready before it counts as available (fractional when scaled). */
  readonly minReadySeconds: number;
}

/** Kubernetes' defaults for the probe fields a manifest leaves out. */
export const probeDefaults = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } as const;

/** Kubernetes' default terminationGracePeriodSeconds. */
export const defaultGracePeriodSeconds = 30;

/** A duration as podwarden's config writes it (`250ms`, `10s`, `2m`, or ms as a number), in ms. */
export function durationMs(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(value).trim());
  if (!match) throw new Error(`not a duration: ${String(value)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

/** The template's drain delay and stop budget (podwarden's defaults when the config leaves them out). */
export function shutdownTiming(template: PodTemplate): { drainDelayMs: number; stopBudgetMs: number } {
  const shutdown = (template.podwardenConfig?.shutdown ?? {}) as Record<string, unknown>;
  return { drainDelayMs: durationMs(shutdown.drainDelay ?? '10s'), stopBudgetMs: durationMs(shutdown.stopBudget ?? '15s') };
}

/** The same pod with another drain delay in podwarden's config (the refused short drain). */
export function withDrainDelay(template: PodTemplate, drainDelay: string): PodTemplate {
  const config = template.podwardenConfig ?? {};
  const shutdown = (config.shutdown ?? {}) as Record<string, unknown>;
  return { ...template, podwardenConfig: { ...config, shutdown: { ...shutdown, drainDelay } } };
}

/**
 * The app as it runs without podwarden: no sidecar, no preStop hook, and the
 * app container's own probes (same timings) aimed at the app's `/health`.
 */
export function withoutPodwarden(template: PodTemplate): PodTemplate {
  const onApp = (probe: ProbeSpec | undefined): ProbeSpec | undefined => (probe ? { ...probe, path: '/health', port: 'app', headers: {} } : undefined);
  const app: ContainerSpec = {
    name: template.app.name,
    ...(template.app.startupProbe && { startupProbe: onApp(template.app.startupProbe) }),
    ...(template.app.readinessProbe && { readinessProbe: onApp(template.app.readinessProbe) }),
    ...(template.app.livenessProbe && { livenessProbe: onApp(template.app.livenessProbe) }),
  };
  return { mode: 'none', terminationGracePeriodSeconds: template.terminationGracePeriodSeconds, app, appPort: template.appPort };
}

/**
 * The app with a library inside it instead of the sidecar: one container, no
 * preStop hook (SIGTERM at deletion), its probes at the library's paths and
 * ports with the rendered app container's timings, and the rendered drain
 * delay, stop timeout and stop budget given to the library. Nothing else of
 * the render changes (grace period, rollout), so the in-process apps run
 * under the same Deployment as the sidecar.
 */
export function inProcess(template: PodTemplate, probes: { readonly startup: InProcessProbe; readonly readiness: InProcessProbe; readonly liveness: InProcessProbe }, timing: InProcessTiming): PodTemplate {
  const at = (probe: ProbeSpec | undefined, target: InProcessProbe): ProbeSpec | undefined => (probe ? { ...probe, path: target.path, port: target.port, headers: {} } : undefined);
  const startupProbe = at(template.app.startupProbe, probes.startup);
  const readinessProbe = at(template.app.readinessProbe, probes.readiness);
  const livenessProbe = at(template.app.livenessProbe, probes.liveness);
  const app: ContainerSpec = {
    name: template.app.name,
    ...(startupProbe && { startupProbe }),
    ...(readinessProbe && { readinessProbe }),
    ...(livenessProbe && { livenessProbe }),
  };
  return { mode: 'in-process', terminationGracePeriodSeconds: template.terminationGracePeriodSeconds, app, appPort: template.appPort, inProcess: timing };
}
