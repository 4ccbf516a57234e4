import { type BackgroundService, runService } from './background-service.js';
import { type Timestamp, elapsed, now } from './clock.js';
import type { DrainView } from './drain-view.js';
import type { LifecycleEmitter } from './events.js';
import type { ServiceSnapshot } from './exit-report.js';
import type { ServiceConfig } from './options.js';
import { ServiceReadyNotifier } from './ready-notifier.js';
import { type ShutdownReason, ShutdownTrigger } from './shutdown-watch.js';
import { type ServiceState, isServing } from './states.js';
import { settledWithin } from './timers.js';

/** What the supervisor tells the server about. */
export interface SupervisorHost {
  readonly events: LifecycleEmitter;
  /** The server's drain, shown to each instance through its watch. */
  readonly drain: DrainView;
  /** The service became ready or completed for the first time. */
  served(supervisor: ServiceSupervisor): void;
  /** The service failed and will not be restarted. */
  failedForGood(supervisor: ServiceSupervisor): void;
  /** The service left `pending`/`starting` for the first time. */
  settledStartup(supervisor: ServiceSupervisor): void;
}

/**
 * Runs one service across its instances: start, readiness, ready timeout,
 * restarts with capped exponential backoff, and stop. Never runs two
 * instances at once.
 */
export class ServiceSupervisor {
  readonly name: string;
  readonly dependencies = new Set<string>();
  #state: ServiceState = 'pending';
  #reason: string | undefined;
  #instance = 0;
  #restarts = 0;
  #everReady = false;
  #startupSettled = false;
  #stopRequested = false;
  #overran = false;
  #trigger: ShutdownTrigger | undefined;
  /** Settles (never rejects) when the current instance returns or throws. */
  #running: Promise<void> | undefined;
  #readyTimer: NodeJS.Timeout | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  #instanceReadyAt: Timestamp | undefined;
  #waitStartedAt: Timestamp | undefined;
  #startedAt: Timestamp | undefined;
  #readyAt: Timestamp | undefined;
  #stopRequestedAt: Timestamp | undefined;
  #stoppedAt: Timestamp | undefined;

  constructor(
    readonly service: BackgroundService,
    readonly config: ServiceConfig,
    private readonly host: SupervisorHost,
  ) {
    this.name = service.name;
  }

  get state(): ServiceState {
    return this.#state;
  }

  /** True while an instance is running (its start method has not returned). */
  get isRunning(): boolean {
    return this.#running !== undefined;
  }

  get overran(): boolean {
    return this.#overran;
  }

  /** Begin waiting on dependencies; arms the ready timeout (for a service without any, {@link launch} does). */
  begin(): void {
    this.#waitStartedAt = now();
    if (this.dependencies.size > 0) this.#armReadyTimeout();
  }

  /** All dependencies are serving: start the first instance. */
  launch(): void {
    if (this.#state !== 'pending' || this.#stopRequested) return;
    // Nothing to wait on: the time since begin() went to launching the services before this one, not to a wait,
    // and its ready timeout counts from here.
    if (this.dependencies.size === 0) {
      this.#waitStartedAt = now();
      this.#armReadyTimeout();
    }
    this.#startInstance();
  }

  /** A dependency failed for good: this service will never start. */
  block(cause: string): void {
    if (this.#state !== 'pending') return;
    this.#clearTimers();
    this.#set('blocked', cause);
    this.#settleStartup();
  }

  /** Mark the service overran: it did not return within its stop budget. */
  markOverran(): void {
    this.#overran = true;
  }

  /** The stop phase has reached this service (it may first wait on the service's holds): its stop duration counts from now. */
  beginStop(): void {
    if (this.#running) this.#stopRequestedAt ??= now();
  }

  /**
   * Fire the current instance's watch and stop restarting. Returns a promise
   * that settles when the instance returns, or undefined when none runs.
   * `deadline` (monotonic ms): when the runner gives up on the instance, shown
   * to it as `shutdown.timeLeft()`; a later call may move it (a hurry).
   */
  requestStop(reason: ShutdownReason, deadline?: number): Promise<void> | undefined {
    if (deadline !== undefined) this.#trigger?.setDeadline(deadline);
    if (this.#stopRequested) return this.#running;
    this.#stopRequested = true;
    this.#clearTimers();
    if (this.#state === 'pending') {
      this.#set('stopped', 'shut down before it started');
      return undefined;
    }
    if (!this.#running || !this.#trigger) return undefined;
    this.#stopRequestedAt ??= now();
    // An instance abandoned after a failure (a ready timeout) may still run: it is waited for, and the service stays failed.
    if (this.#state !== 'failed') this.#set('stopping', undefined);
    this.#trigger.fire(reason);
    return this.#running;
  }

  snapshot(): ServiceSnapshot {
    const span = (from: Timestamp | undefined, to: Timestamp | undefined) => (from && to ? elapsed(from, to) : undefined);
    return {
      name: this.name,
      state: this.#state,
      reason: this.#reason,
      probes: [...this.config.probes],
      dependencies: [...this.dependencies],
      instance: this.#instance,
      restarts: this.#restarts,
      everReady: this.#everReady,
      waitStartedAt: this.#waitStartedAt,
      startedAt: this.#startedAt,
      readyAt: this.#readyAt,
      stopRequestedAt: this.#stopRequestedAt,
      stoppedAt: this.#stoppedAt,
      dependencyWaitMs: span(this.#waitStartedAt, this.#startedAt),
      readyDurationMs: span(this.#startedAt, this.#readyAt),
      stopDurationMs: span(this.#stopRequestedAt, this.#stoppedAt),
      overran: this.#overran,
    };
  }

  #startInstance(): void {
    const instance = ++this.#instance;
    const trigger = new ShutdownTrigger(this.host.drain);
    this.#trigger = trigger;
    this.#instanceReadyAt = undefined;
    this.#startedAt ??= now();
    this.#set('starting', undefined);
    const current = () => this.#instance === instance && this.#trigger === trigger;
    const notifier = new ServiceReadyNotifier({
      ready: () => {
        if (current()) this.#onReady();
      },
      notReady: (reason) => {
        if (current()) this.#onNotReady(reason);
      },
    });
    // runService may throw synchronously; Promise.resolve().then keeps it in the rejection path.
    const run = Promise.resolve().then(() => runService(this.service, trigger.watch(), notifier));
    this.#running = run.then(
      () => this.#onReturn(instance, trigger),
      (err: unknown) => this.#onThrow(instance, trigger, err),
    );
  }

  #onReady(): void {
    if (this.#state !== 'starting' && this.#state !== 'not-ready') return;
    this.#instanceReadyAt ??= now();
    // Recorded before the event, so listeners read a complete snapshot.
    this.#readyAt ??= this.#instanceReadyAt;
    this.#set('ready', undefined);
    this.#firstServe();
  }

  #onNotReady(reason: string): void {
    if (this.#state === 'ready') this.#set('not-ready', reason);
    // Still starting, but now with a reason: shown with the state (`starting: connect ECONNREFUSED …`).
    else if (this.#state === 'starting') this.#set('starting', reason);
  }

  #onReturn(instance: number, trigger: ShutdownTrigger): void {
    trigger.dispose();
    if (this.#instance !== instance) return;
    this.#running = undefined;
    if (this.#stopRequested) {
      this.#stopped();
      return;
    }
    if (trigger.isShuttingDown) return; // abandoned by a ready timeout; the restart path owns it
    this.#clearTimers();
    this.#readyAt ??= now();
    this.#set('completed', undefined);
    this.#firstServe();
  }

  #onThrow(instance: number, trigger: ShutdownTrigger, err: unknown): void {
    trigger.dispose();
    if (this.#instance !== instance) return;
    this.#running = undefined;
    const reason = err instanceof Error ? err.message : String(err);
    if (this.#stopRequested) {
      this.#stoppedAt = now();
      this.#set('failed', reason);
      return;
    }
    if (trigger.isShuttingDown) return; // abandoned by a ready timeout; the restart path owns it
    void this.#fail(reason);
  }

  #stopped(): void {
    this.#stoppedAt = now();
    if (this.#state === 'stopping') this.#set('stopped', undefined);
  }

  async #fail(reason: string): Promise<void> {
    this.#clearTimers();
    this.#set('failed', reason);
    // An instance abandoned while still running (a ready timeout) is told to stop.
    const abandoned = this.#running;
    this.#trigger?.setDeadline(now().mono + this.config.stopTimeout);
    this.#trigger?.fire(reason === 'ready timeout' ? 'ready-timeout' : 'restart');
    const restartsSpent = this.config.maxRestarts !== undefined && this.#restarts >= this.config.maxRestarts;
    if (this.config.restart !== 'on-failure' || restartsSpent || this.#stopRequested) {
      this.#settleStartup();
      this.host.failedForGood(this);
      return;
    }
    // Never two instances at once: the old one gets its stopTimeout to return first.
    if (abandoned) {
      await settledWithin(abandoned, this.config.stopTimeout);
      this.#running = undefined;
    }
    if (this.#stopRequested) return;
    const delayMs = this.#nextBackoff();
    this.#restarts++;
    this.host.events.emit('service-restart', { name: this.name, restarts: this.#restarts, delayMs, reason, at: now() });
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = undefined;
      if (this.#stopRequested) return;
      this.#armReadyTimeout();
      this.#startInstance();
    }, delayMs);
  }

  /** Capped exponential backoff; it starts over after an instance stayed ready longer than the cap. */
  #nextBackoff(): number {
    const stable = this.#instanceReadyAt && elapsed(this.#instanceReadyAt) > this.config.backoffMax;
    if (stable) this.#backoffAttempt = 0;
    const wait = Math.min(this.config.backoffMax, this.config.backoffInitial * 2 ** this.#backoffAttempt);
    this.#backoffAttempt++;
    return wait;
  }
  #backoffAttempt = 0;

  #armReadyTimeout(): void {
    const timeout = this.config.readyTimeout;
    if (timeout === undefined) return;
    clearTimeout(this.#readyTimer);
    this.#readyTimer = setTimeout(() => {
      this.#readyTimer = undefined;
      if (this.#stopRequested) return;
      if (this.#state === 'pending') {
        const waiting = [...this.dependencies].join(', ');
        this.#set('failed', `ready timeout (waiting on ${waiting})`);
        this.#settleStartup();
        this.host.failedForGood(this);
      } else if (this.#state === 'starting') {
        void this.#fail('ready timeout');
      }
    }, timeout);
  }

  #firstServe(): void {
    this.#clearReadyTimer();
    if (this.#everReady) return;
    this.#everReady = true;
    this.#settleStartup();
    this.host.served(this);
  }

  #settleStartup(): void {
    if (this.#startupSettled) return;
    this.#startupSettled = true;
    this.host.settledStartup(this);
  }

  #clearReadyTimer(): void {
    clearTimeout(this.#readyTimer);
    this.#readyTimer = undefined;
  }

  #clearTimers(): void {
    this.#clearReadyTimer();
    clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
  }

  #set(state: ServiceState, reason: string | undefined): void {
    const previous = this.#state;
    if (previous === state && this.#reason === reason) return;
    this.#state = state;
    this.#reason = reason;
    this.host.events.emit('service-state', { name: this.name, state, previous, reason, instance: this.#instance, at: now() });
  }

  /** True when the service counts as serving for its dependents. */
  get serving(): boolean {
    return this.#everReady || isServing(this.#state);
  }
}
