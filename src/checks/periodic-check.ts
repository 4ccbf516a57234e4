import { performance } from 'node:perf_hooks';
import type { BackgroundService } from '../core/background-service.js';
import { type Timestamp, now } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import type { ServiceReadyNotifier } from '../core/ready-notifier.js';
import type { ShutdownWatch } from '../core/shutdown-watch.js';
import type { CheckResults } from './check-result.js';
import { ThresholdTracker } from './threshold-tracker.js';

/**
 * One attempt of a check: resolve on success, throw an `Error` whose message
 * says why on failure. Abort promptly when `signal` fires (timeout or
 * shutdown). Messages must not contain secrets.
 */
export type CheckAttempt = (signal: AbortSignal) => Promise<void>;

/** What a check sets up when its service starts, and tears down when it stops. */
export interface CheckSession {
  /** Called once per `interval`, never twice at once. */
  readonly attempt: CheckAttempt;
  close?(): Promise<void> | void;
}

/** Timing of a periodic check, in milliseconds, with kubelet's meanings. */
export interface CheckTiming {
  /** Time between the starts of two attempts; the first two may be closer, to spread checks started together. */
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
   * Runs once when the service starts and returns the session. Throwing makes
   * the service `failed` with the error's message (e.g. an unreadable CA file).
   */
  setup(shutdown: ShutdownWatch): Promise<CheckSession> | CheckSession;
}

/**
 * A {@link BackgroundService} that runs a check attempt every `interval`, bounded by
 * `timeout`, after `initialDelay`, never two attempts at once, and moves the
 * service in and out of readiness with kubelet's `successThreshold` /
 * `failureThreshold` semantics. The service is `starting` until the first
 * `successThreshold` consecutive successes. Probes read the cached state; a
 * check never runs on a probe request. Returns promptly when the shutdown
 * watch fires.
 *
 * Checks started together do not attempt together: the checks of one
 * interval are placed in groups of eight; after the first group, each group
 * makes its second attempt its own share of the interval after the first (at
 * most one interval) and keeps that place, so a process's checks of one
 * interval spread evenly over it, eight at a time.
 */
export function periodicCheck(options: PeriodicCheckOptions): BackgroundService {
  return {
    name: options.name,
    startWithReadyNotifier: (shutdown, ready) => runChecks(options, shutdown, ready),
  };
}

async function runChecks(options: PeriodicCheckOptions, shutdown: ShutdownWatch, ready: ServiceReadyNotifier): Promise<void> {
  const session = await options.setup(shutdown);
  try {
    if (!shutdown.isShuttingDown) await new CheckLoop(options, session.attempt, shutdown.signal, ready).run();
  } finally {
    await session.close?.();
  }
}

/**
 * The golden ratio's fractional part. Stepping by it around [0, 1) places
 * every next point in the largest gap left (the three-gap theorem), so any
 * number of groups, started together, end up evenly spread without knowing
 * how many there are.
 */
const GOLDEN_STEP = 0.6180339887498949;
/**
 * Check loops that share a place in the spread. Each wake-up of an idle
 * process costs CPU of its own (20 checks every 1 s used twice the CPU when
 * each woke the process alone), and a group this size is a burst short
 * enough (~3 ms) for a probe to wait behind.
 */
const GROUP_SIZE = 8;
/** How many check loops of each interval this process has made: the next one's place in the spread. */
const loopsMade = new Map<number, number>();

/**
 * Where the next check loop of `interval` puts its grid within the interval,
 * as a share of it in [0, 1): 0 for the first group of {@link GROUP_SIZE}
 * loops of that interval in the process, then the golden-ratio sequence, one
 * place per group. Checks that start together (every check at server start)
 * would otherwise attempt together every round, one burst that probes and
 * scrapes arriving meanwhile wait behind (800 attempts, ~0.35 s of CPU, with
 * 1,000 services). A few groups land just before the end of the interval, so
 * their second attempt comes soon after the first (group 8: 5.6 % of the
 * interval later); that only brings a result forward.
 */
function nextSpreadShare(interval: number): number {
  const made = loopsMade.get(interval) ?? 0;
  loopsMade.set(interval, made + 1);
  return (Math.floor(made / GROUP_SIZE) * GOLDEN_STEP) % 1;
}

/**
 * The schedule of one check, driven by a single timer: it fires either to
 * start the next attempt or to end the current one at its timeout. Starts
 * stay on a fixed grid (`interval` apart, so timer lateness does not add up);
 * an attempt that overran starts the next one as soon as it has returned.
 * The first attempt runs at once (after `initialDelay`); the second comes a
 * share of the interval later ({@link nextSpreadShare}), never later than one
 * interval, which spreads the rounds of checks started together in groups.
 * Handlers are bound once and one shutdown listener serves every attempt; an
 * attempt allocates its `AbortController`, a timer, its result and what the
 * attempt itself allocates. While an attempt hangs, nothing runs until its
 * timeout, and nothing after it until the attempt returns.
 */
class CheckLoop {
  readonly #options: PeriodicCheckOptions;
  readonly #attempt: CheckAttempt;
  readonly #shutdown: AbortSignal;
  readonly #ready: ServiceReadyNotifier;
  readonly #tracker: ThresholdTracker;
  readonly #timedOut: string;
  readonly #timing: CheckTiming;
  #timer: NodeJS.Timeout | undefined;
  #controller: AbortController | undefined;
  #started: Timestamp = { mono: 0, wall: 0 };
  /** When the next attempt is due, on the monotonic clock. */
  #due = 0;
  /** Time from the first attempt to the second, in (0, interval]; 0 once used. */
  #firstGap: number;
  /** The attempt was called and has not returned yet. */
  #running = false;
  /** The current attempt's result is out (a timeout reports before the attempt returns). */
  #reported = false;
  /** Shutdown came, or reporting a result threw: nothing runs any more. */
  #stopped = false;
  #resolve: () => void = noop;
  #reject: (err: unknown) => void = noop;

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    if (this.#running) this.#timeout();
    else this.#start();
  };
  readonly #onFulfilled = (): void => this.#returned(undefined);
  readonly #onRejected = (err: unknown): void => this.#returned((err instanceof Error ? err.message : String(err)) || 'failed');
  readonly #onShutdown = (): void => {
    this.#stop(this.#shutdown.reason);
    this.#resolve(); // an attempt cut short by shutdown is not a result
  };

  constructor(options: PeriodicCheckOptions, attempt: CheckAttempt, shutdown: AbortSignal, ready: ServiceReadyNotifier) {
    this.#options = options;
    this.#attempt = attempt;
    this.#shutdown = shutdown;
    this.#ready = ready;
    this.#tracker = new ThresholdTracker(options.successThreshold, options.failureThreshold);
    this.#timedOut = `timed out after ${formatDuration(options.timeout)}`;
    const { interval, timeout, initialDelay, successThreshold, failureThreshold } = options;
    this.#timing = { interval, timeout, initialDelay, successThreshold, failureThreshold };
    this.#firstGap = interval * (1 - nextSpreadShare(interval));
  }

  /** Run until shutdown; rejects when reporting a result throws. */
  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = (err) => {
        this.#shutdown.removeEventListener('abort', this.#onShutdown);
        this.#stop(err);
        reject(err);
      };
      this.#shutdown.addEventListener('abort', this.#onShutdown, { once: true });
      this.#due = performance.now() + this.#options.initialDelay;
      if (this.#options.initialDelay > 0) this.#timer = setTimeout(this.#onTimer, this.#options.initialDelay);
      else this.#start();
    });
  }

  #start(): void {
    const { interval, timeout } = this.#options;
    this.#started = now();
    const at = this.#started.mono;
    if (this.#firstGap > 0) {
      this.#due = at + this.#firstGap;
      this.#firstGap = 0;
    } else {
      // On the grid while on time; a late start (an overrunning attempt, a blocked loop) moves the grid,
      // and with it the spread (a first attempt that timed out after more than half the interval can do that).
      this.#due = at - this.#due < interval / 2 ? this.#due + interval : at + interval;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.#running = true;
    this.#reported = false;
    this.#timer = setTimeout(this.#onTimer, timeout);
    let outcome: Promise<void>;
    try {
      outcome = Promise.resolve(this.#attempt(controller.signal));
    } catch (err) {
      this.#onRejected(err);
      return;
    }
    outcome.then(this.#onFulfilled, this.#onRejected);
  }

  #stop(reason: unknown): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#controller?.abort(reason);
  }

  #timeout(): void {
    this.#controller?.abort(new Error('timeout'));
    this.#report(this.#timedOut);
  }

  /** The attempt returned: report it unless its timeout already did, then schedule the next one. */
  #returned(error: string | undefined): void {
    this.#running = false;
    this.#controller = undefined;
    if (this.#stopped) return;
    if (!this.#reported) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#report(error);
      if (this.#stopped) return;
    }
    // Whole milliseconds: Node keeps one timer list per duration, so checks share lists.
    const wait = Math.ceil(this.#due - performance.now());
    if (wait > 0) this.#timer = setTimeout(this.#onTimer, wait);
    else this.#start();
  }

  #report(error: string | undefined): void {
    this.#reported = true;
    const started = this.#started;
    const ok = error === undefined;
    try {
      this.#options.results.report({ name: this.#options.name, type: this.#options.type, ok, durationMs: performance.now() - started.mono, error, at: started, timing: this.#timing });
      const change = this.#tracker.record(ok);
      if (change === 'ready') this.#ready.notifyReady();
      else if (!ok && change !== 'unchanged-ready') this.#ready.notifyNotReady(error);
    } catch (err) {
      this.#reject(err);
    }
  }
}

function noop(): void {}
