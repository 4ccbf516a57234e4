import { performance } from 'node:perf_hooks';
import type { BackgroundService } from '../core/background-service.js';
import { now } from '../core/clock.js';
import type { ServiceReadyNotifier } from '../core/ready-notifier.js';
import type { ShutdownWatch } from '../core/shutdown-watch.js';
import type { CheckResults } from './check-result.js';
import { ThresholdTracker } from './threshold-tracker.js';

/**
 * One attempt of a check: resolve on success, throw an `Error` whose message
 * says why on failure. Abort promptly when `signal` fires (timeout or
 * shutdown). Messages must not contain secrets.
 */
export type Probe = (signal: AbortSignal) => Promise<void>;

/** What a check sets up when its service starts, and tears down when it stops. */
export interface ProbeSession {
  readonly probe: Probe;
  close?(): Promise<void> | void;
}

/** Timing of a periodic check, in milliseconds, with kubelet's meanings. */
export interface CheckTiming {
  /** Time between the starts of two attempts. */
  readonly interval: number;
  /** An attempt that takes longer fails. */
  readonly timeout: number;
  /** Wait before the first attempt. */
  readonly initialDelay: number;
  /** Consecutive successes to become ready (at start and after failing). */
  readonly successThreshold: number;
  /** Consecutive failures to become not ready. */
  readonly failureThreshold: number;
}

/** Options of {@link periodicCheck}. */
export interface PeriodicCheckOptions extends CheckTiming {
  readonly name: string;
  /** Check type, reported with each result (`http`, `tcp`, …). */
  readonly type: string;
  /** Where each attempt's result goes (metrics, logs). */
  readonly results: CheckResults;
  /**
   * Runs once when the service starts and returns the probe. Throwing makes
   * the service `failed` with the error's message (e.g. an unreadable CA file).
   */
  setup(shutdown: ShutdownWatch): Promise<ProbeSession> | ProbeSession;
}

/**
 * A {@link BackgroundService} that runs a probe every `interval`, bounded by
 * `timeout`, after `initialDelay`, never two attempts at once, and moves the
 * service in and out of readiness with kubelet's `successThreshold` /
 * `failureThreshold` semantics. The service is `starting` until the first
 * `successThreshold` consecutive successes. Probes read the cached state; a
 * check never runs on a probe request. Returns promptly when the shutdown
 * watch fires.
 */
export function periodicCheck(options: PeriodicCheckOptions): BackgroundService {
  return {
    name: options.name,
    startWithReadyNotifier: (shutdown, ready) => runChecks(options, shutdown, ready),
  };
}

async function runChecks(options: PeriodicCheckOptions, shutdown: ShutdownWatch, ready: ServiceReadyNotifier): Promise<void> {
  const session = await options.setup(shutdown);
  const tracker = new ThresholdTracker(options.successThreshold, options.failureThreshold);
  let inFlight: Promise<unknown> | undefined;
  try {
    if (!(await sleep(options.initialDelay, shutdown.signal))) return;
    while (!shutdown.isShuttingDown) {
      // Never two attempts at once: a probe that ignored its abort is waited for (but not at shutdown).
      if (inFlight && !(await settledUnlessAborted(inFlight, shutdown.signal))) return;
      const started = now();
      const attempt = attemptOnce(session.probe, options.timeout, shutdown.signal);
      inFlight = attempt.settled;
      const error = await attempt.outcome;
      if (shutdown.isShuttingDown) return; // an attempt cut short by shutdown is not a result
      const durationMs = performance.now() - started.mono;
      options.results.report({ name: options.name, type: options.type, ok: error === undefined, durationMs, error, at: started });
      const change = tracker.record(error === undefined);
      if (change === 'ready') ready.notifyReady();
      else if (error !== undefined && change !== 'unchanged-ready') ready.notifyNotReady(error);
      if (!(await sleep(started.mono + options.interval - performance.now(), shutdown.signal))) return;
    }
  } finally {
    await session.close?.();
  }
}

/**
 * Run the probe once. `outcome` resolves with undefined on success or the
 * failure reason, at the latest when the timeout passes or shutdown fires;
 * `settled` resolves when the probe itself has returned.
 */
function attemptOnce(probe: Probe, timeoutMs: number, shutdown: AbortSignal): { outcome: Promise<string | undefined>; settled: Promise<unknown> } {
  const controller = new AbortController();
  let finish!: (reason: string | undefined) => void;
  const outcome = new Promise<string | undefined>((resolve) => (finish = resolve));
  const onShutdown = () => {
    controller.abort(shutdown.reason);
    finish('shutting down');
  };
  const timer = setTimeout(() => {
    finish(`timed out after ${formatMs(timeoutMs)}`);
    controller.abort(new Error('timeout'));
  }, timeoutMs);
  shutdown.addEventListener('abort', onShutdown, { once: true });
  const settled = Promise.resolve()
    .then(() => probe(controller.signal))
    .then(
      () => finish(undefined),
      (err: unknown) => finish((err instanceof Error ? err.message : String(err)) || 'failed'),
    );
  void outcome.then(() => {
    clearTimeout(timer);
    shutdown.removeEventListener('abort', onShutdown);
  });
  return { outcome, settled };
}

/** Resolves true when `promise` settled, false when `signal` fired first. */
function settledUnlessAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

/** Wait `ms`; resolves false when `signal` fired first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
