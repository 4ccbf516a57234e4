/**
 * Every default podwarden has, stated once. The library's option
 * normalisers, the config schema (and so docs/config.md), the CLI and its
 * help text read them from here. Durations are milliseconds.
 */

/** Shutdown timing of the runner (`new Server({ shutdown })`, config `shutdown:`). */
export const shutdownDefaults = {
  /** How long readiness fails before services stop. */
  drainDelay: 10_000,
  /** Budget for the whole stop phase. */
  stopBudget: 15_000,
  /** Default time each service may take to stop. */
  stopTimeout: 5_000,
  /** Budget for the stop phase of a fast shutdown (SIGINT, second signal). */
  fastStopBudget: 2_000,
} as const;

/** The drain (`new Server({ drain })`, config `drain:`). */
export const drainDefaults = {
  /** Un-drain when no shutdown follows a completed drain within this time. */
  maxHold: 120_000,
  /** File holding the `/drain` bearer token (a mounted Secret). */
  tokenFile: '/var/run/podwarden/token',
  /** Without a token, refuse `/drain` (403). */
  allowUnauthenticated: false,
} as const;

/** Per-service options (`server.addService(service, options)`, config `services[]`). */
export const serviceDefaults = {
  /** The aggregate probes a service counts in. */
  probes: ['readiness', 'startup'],
  restart: 'never',
  /**
   * Whether a service that fails for good ends the process. Off: a sidecar's
   * checks watch other containers, whose restarts are the kubelet's job, and an
   * optional add-on must not take the pod down. Set it on the services
   * without which the pod is useless.
   */
  critical: false,
  /** First wait between restarts; it doubles up to `backoffMax`. */
  backoffInitial: 200,
  backoffMax: 30_000,
} as const;

/** Timing of a periodic check, with kubelet's meanings (config `services[]` of every type but `module`). */
export const checkDefaults = {
  interval: 5_000,
  timeout: 1_000,
  initialDelay: 0,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

/** The logger (`createLogger`, config `log:`). */
export const logDefaults = {
  level: 'info',
  /** A repeated warning (a refused request, a check that keeps failing) is written at most once per this many milliseconds. */
  repeatInterval: 10_000,
} as const;

/** The `podwarden` HTTP service (`addHttpService`, config `server:`). */
export const httpDefaults = {
  port: 7654,
  /** Dual-stack; falls back to `0.0.0.0` where IPv6 is off. */
  host: '::',
  exposeDetails: false,
  maxLag: 1_000,
  livenessAfter: 10_000,
  sampleInterval: 500,
  connectionTimeout: 10_000,
  requestTimeout: 10_000,
  headersTimeout: 5_000,
  keepAliveTimeout: 72_000,
  bodyLimit: 1024,
  /** Answers outstanding before a connection is closed unanswered: see request-admission.ts and docs/http.md. */
  outstandingAnswers: { perConnection: 8, pipelined: 64 },
  /** At most one log line per this many milliseconds for a repeated refusal (a flood of them is counted in metrics). */
  refusalLogInterval: logDefaults.repeatInterval,
  /** How often Node enforces the request and headers timeouts on incomplete requests (Node's own default is 30 s). */
  timeoutCheckInterval: 1_000,
} as const;

/** podwarden's metrics (`createMetrics`, config `metrics:`). */
export const metricsDefaults = {
  prefix: 'podwarden_',
  /** Include prom-client's process and Node.js metrics. */
  processMetrics: true,
} as const;



/** The sidecar's trace export (on only with an OTLP endpoint in the environment). */
export const tracingDefaults = {
  /**
   * Wait at most this long for the last spans at exit (the SDK's own export
   * timeout is 10–30 s). The process exits after its services stopped, inside
   * the grace period's margin beyond drainDelay + stopBudget.
   */
  flushCap: 1_000,
} as const;

/** `podwarden probe`. */
export const probeCommandDefaults = {
  /** Give up after this long. */
  timeout: 1_000,
} as const;

/** `podwarden timeline`. */
export const timelineCommandDefaults = {
  /** Give up on an answer of --url after this long (it may come through a port-forward). */
  timeout: 5_000,
  /** Width of the chart when the output is no terminal (piped, `kubectl exec` without -t). */
  columns: 80,
  /** Narrowest --width accepted: the names, the figures and a bar of 10. */
  minColumns: 40,
} as const;
