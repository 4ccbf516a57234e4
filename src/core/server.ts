import { podwardenError } from '../errors.js';
import type { BackgroundService } from './background-service.js';
import { assertBackgroundService } from './background-service.js';
import { type Timestamp, now } from './clock.js';
import { dependencyLevels } from './dependency-graph.js';
import { DrainCoordinator } from './drain-coordinator.js';
import { DrainBroadcast } from './drain-view.js';
import { LifecycleEmitter, type LifecycleEvents, type LifecycleListener } from './events.js';
import { type ExitReport, type ServiceSnapshot, assembleExitReport } from './exit-report.js';
import { HoldRegistry, type ReleaseHold } from './holds.js';
import { type ServerConfig, type ServerOptionsInput, type ServiceOptionsInput, resolveServerOptions, resolveServiceOptions } from './options.js';
import { PhaseRecord } from './phase-record.js';
import { ServiceSupervisor } from './service-supervisor.js';
import { listenForSignals } from './signals.js';
import type { ShutdownReason } from './shutdown-watch.js';
import { StartScheduler } from './start-scheduler.js';
import { type ServerPhase, isServing } from './states.js';
import { StopPhase } from './stop-phase.js';

/** A registered service: add dependencies, read its state. */
export interface ServiceHandle {
  readonly name: string;
  /** Start this service only after `other` is ready (or completed). Checked for cycles by `run()`. */
  addDependency(other: ServiceHandle | string): ServiceHandle;
  /** The service as it is now. */
  snapshot(): ServiceSnapshot;
  /**
   * Hold this service's stop while some work still needs it: when the stop
   * phase reaches the service, its watch fires once every hold on it is
   * released, within its `stopTimeout` (a hold still active then expires:
   * the service is named as overran and its watch fires anyway). Returns the
   * function that releases the hold (idempotent). Once the stop phase has
   * begun, a hold is refused: the refusal is logged (a `hold` event) and the
   * returned function does nothing.
   */
  hold(reason: string): ReleaseHold;
}

/** A hook run after every service has stopped, before the server terminates (e.g. closing a listener). */
export type CloseHook = () => Promise<void> | void;

/** How a shutdown proceeds. */
export interface ShutdownOptions {
  /** Skip the drain delay and stop everything at once within `fastStopBudget`. */
  readonly fast?: boolean;
}

/**
 * Runs {@link BackgroundService}s in dependency order and shuts them down in
 * phases: `starting` → `running` → `draining` → `drained` → `stopping` →
 * `terminated`. Knows nothing of HTTP, metrics or logging: subscribe to its
 * lifecycle events with {@link Server.on}.
 */
export class Server {
  readonly #config: ServerConfig;
  readonly #events = new LifecycleEmitter();
  readonly #supervisors = new Map<string, ServiceSupervisor>();
  readonly #closeHooks = new Map<string, CloseHook>();
  readonly #phase = new PhaseRecord(this.#events);
  readonly #starts = new StartScheduler(this.#supervisors);
  readonly #drainView = new DrainBroadcast(this.#events);
  readonly #holds = new HoldRegistry(this.#events, () => this.#phase.current !== 'stopping' && this.#phase.current !== 'terminated');
  readonly #drain: DrainCoordinator;
  #levels: string[][] = [];
  #shutdownReason: ShutdownReason | undefined;
  #fast = false;
  #stop: StopPhase | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #deadlineAt: number | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #removeSignals: (() => void) | undefined;
  #pendingCloseHooks = new Set<string>();
  #report: ExitReport | undefined;
  #resolveRun: ((report: ExitReport) => void) | undefined;
  #stopStartedAt: Timestamp | undefined;

  constructor(options: ServerOptionsInput = {}) {
    this.#config = resolveServerOptions(options);
    this.#drain = new DrainCoordinator(this.#config, {
      events: this.#events,
      phase: this.#phase,
      resumePhase: () => (this.#starts.settling ? 'starting' : 'running'),
      shutdownRequested: () => this.#shutdownReason !== undefined,
    });
    const offReady = this.#events.on('service-state', () => {
      if (!this.#readinessPassed()) return;
      this.#everReady = true;
      offReady();
    });
  }

  /** Whether readiness passed at some point: every readiness member serving at once. Before that, no balancer ever sent to the pod. */
  #everReady = false;

  #readinessPassed(): boolean {
    for (const supervisor of this.#supervisors.values()) {
      if (supervisor.config.probes.has('readiness') && !isServing(supervisor.state)) return false;
    }
    return true;
  }

  /** The resolved options (milliseconds). */
  get config(): ServerConfig {
    return this.#config;
  }

  /** The current phase; `undefined` before `run()`. */
  get phase(): ServerPhase | undefined {
    return this.#phase.current;
  }

  /** When the current drain delay ends (monotonic ms), while draining. */
  get drainEndsAt(): number | undefined {
    return this.#drain.endsAt;
  }

  /** When the hard deadline passes (monotonic ms), once a shutdown has armed it; `undefined` before and after. */
  get deadlineAt(): number | undefined {
    return this.#report ? undefined : this.#deadlineAt;
  }

  /** Why the server is shutting down; `undefined` until it is. */
  get shutdownReason(): ShutdownReason | undefined {
    return this.#shutdownReason;
  }

  /** Subscribe to a lifecycle event; returns the function that unsubscribes. */
  on<K extends keyof LifecycleEvents>(event: K, listener: LifecycleListener<K>): () => void {
    return this.#events.on(event, listener);
  }

  /** Register a service. Throws on a duplicate name or a service that implements neither or both start methods. */
  addService(service: BackgroundService, options: ServiceOptionsInput = {}): ServiceHandle {
    assertBackgroundService(service);
    if (this.#phase.current !== undefined) throw podwardenError('PODWARDEN_ERR_ALREADY_RUNNING');
    if (this.#supervisors.has(service.name)) throw podwardenError('PODWARDEN_ERR_DUPLICATE_SERVICE', service.name);
    const supervisor = new ServiceSupervisor(service, resolveServiceOptions(service.name, options, this.#config), {
      events: this.#events,
      drain: this.#drainView,
      served: (served) => this.#onServed(served.name),
      failedForGood: (failed) => {
        this.#starts.blockDependentsOf(failed.name);
        if (failed.config.critical) this.#criticalFailed(failed);
      },
      settledStartup: () => this.#onStartupSettled(),
    });
    this.#supervisors.set(service.name, supervisor);
    const handle: ServiceHandle = {
      name: service.name,
      addDependency: (other) => {
        this.#starts.addDependency(supervisor, typeof other === 'string' ? other : other.name);
        return handle;
      },
      snapshot: () => supervisor.snapshot(),
      hold: (reason) => this.#holds.acquire(service.name, reason),
    };
    return handle;
  }

  /**
   * Hold the stop phase while some work still runs (lightship's beacons): the
   * services' watches fire once every server hold is released, or when the
   * `stopBudget` is spent — the holds left then expire (exit code 1) and the
   * services are stopped as in a fast shutdown, within `fastStopBudget`. The
   * drain is not delayed: readiness fails and the drain delay runs as usual.
   * Returns the function that releases the hold (idempotent). Once the stop
   * phase has begun, a hold is refused: the refusal is logged (a `hold` event)
   * and the returned function does nothing. A fast shutdown does not wait.
   */
  hold(reason: string): ReleaseHold {
    return this.#holds.acquire(undefined, reason);
  }

  /** Run `hook` after every service has stopped, before `terminated`. */
  addCloseHook(name: string, hook: CloseHook): void {
    this.#closeHooks.set(name, hook);
  }

  /** Every service as it is now, in registration order. */
  services(): ServiceSnapshot[] {
    return [...this.#supervisors.values()].map((s) => s.snapshot());
  }

  /** One service as it is now, or undefined. */
  service(name: string): ServiceSnapshot | undefined {
    return this.#supervisors.get(name)?.snapshot();
  }

  /**
   * Start every service in dependency order and resolve with the
   * {@link ExitReport} once the server has terminated. Rejects before anything
   * starts on an unknown dependency or a cycle.
   */
  run(): Promise<ExitReport> {
    if (this.#phase.current !== undefined) return Promise.reject(podwardenError('PODWARDEN_ERR_ALREADY_RUNNING'));
    const graph = new Map([...this.#supervisors].map(([name, s]) => [name, s.dependencies as ReadonlySet<string>]));
    try {
      this.#levels = dependencyLevels(graph);
    } catch (err) {
      return Promise.reject(err);
    }
    const appCheck = this.#config.appCheck;
    if (appCheck !== undefined && !this.#supervisors.has(appCheck)) {
      const known = [...this.#supervisors.keys()].join(', ') || 'none';
      return Promise.reject(podwardenError('PODWARDEN_ERR_INVALID_OPTION', 'drain.appCheck', `"${appCheck}" is not a registered service (registered: ${known}); name the service that checks the app container`));
    }
    const finished = new Promise<ExitReport>((resolve) => (this.#resolveRun = resolve));
    // A running server keeps the process alive, as a listening socket would.
    this.#keepAlive = setInterval(() => {}, 2 ** 30);
    if (this.#config.handleSignals) this.#removeSignals = listenForSignals(this.#config.signals, (signal) => this.#onSignal(signal));
    this.#phase.enter('starting', undefined);
    // Before any service starts, so the listener's first answer already shows a restored drain.
    this.#drain.restore();
    this.#starts.begin();
    if (!this.#starts.settling && this.#phase.current === 'starting') this.#phase.enter('running', undefined);
    return finished;
  }

  /**
   * Start the one drain, or join it: readiness fails at once and the returned
   * promise resolves when the drain delay has passed. Stops nothing. What
   * `/drain` calls.
   */
  drain(source: string = 'api'): Promise<void> {
    const phase = this.#phase.current;
    if (phase === undefined) return Promise.reject(podwardenError('PODWARDEN_ERR_NOT_RUNNING', 'call run() first'));
    if (phase === 'stopping' || phase === 'terminated') return Promise.resolve();
    return this.#drain.join(source);
  }

  /**
   * Shut down: drain (unless `fast`), then stop services in reverse dependency
   * order. A second call makes a graceful shutdown fast. Resolves with the report.
   */
  shutdown(reason: ShutdownReason = 'api', options: ShutdownOptions = {}): Promise<ExitReport> {
    if (this.#phase.current === undefined) return Promise.reject(podwardenError('PODWARDEN_ERR_NOT_RUNNING', 'call run() first'));
    const finished = this.#report ? Promise.resolve(this.#report) : new Promise<ExitReport>((resolve) => this.#events.on('terminated', resolve));
    if (this.#report) return finished;
    if (this.#shutdownReason !== undefined) {
      this.#hurry();
      return finished;
    }
    this.#shutdownReason = reason;
    for (const supervisor of this.#supervisors.values()) if (supervisor.state === 'pending') supervisor.requestStop(reason);
    if (options.fast) {
      this.#fast = true;
      this.#armDeadline(this.#config.fastStopBudget + 1000);
      void this.#stopServices();
    } else {
      const drainLeft = this.#drain.remaining();
      this.#armDeadline(drainLeft + this.#config.stopBudget + 1000);
      void this.#drain.join(reason).then(() => this.#stopServices());
    }
    return finished;
  }

  /** A critical service failed for good: say which, and shut down (exit code 1, as for any failed service). */
  #criticalFailed(failed: ServiceSupervisor): void {
    if (this.#shutdownReason !== undefined || this.#report) return;
    const { reason, restarts } = failed.snapshot();
    this.#events.emit('critical-failure', { name: failed.name, reason, restarts, at: now() });
    void this.shutdown(`critical service "${failed.name}" failed`);
    // Readiness never passed, so no balancer ever sent to this pod: there is nothing to drain.
    if (!this.#everReady) this.#drain.finishNow();
  }

  #onSignal(signal: NodeJS.Signals): void {
    const fast = signal === 'SIGINT' || this.#shutdownReason !== undefined;
    this.#events.emit('signal', { signal, action: fast ? 'fast' : 'graceful', at: now() });
    if (signal === 'SIGINT') this.#sigint = true;
    void this.shutdown(signal, { fast });
  }
  #sigint = false;

  /** A second signal, or a fast shutdown requested mid-way: skip what is left of the drain and hurry the stop. */
  #hurry(): void {
    this.#fast = true;
    this.#armDeadline(this.#config.fastStopBudget + 1000);
    if (this.#stop) this.#stop.hurry(this.#config.fastStopBudget);
    else this.#drain.finishNow();
  }

  async #stopServices(): Promise<void> {
    if (this.#stop) return;
    this.#drain.clear();
    this.#stopStartedAt = now();
    this.#phase.enter('stopping', this.#shutdownReason);
    const stop = new StopPhase(this.#supervisors, this.#levels, {
      events: this.#events,
      holds: this.#holds,
      holdsExpired: () => {
        this.#armDeadline(this.#config.fastStopBudget + 1000);
        return this.#config.fastStopBudget;
      },
    });
    this.#stop = stop;
    await stop.run(this.#shutdownReason ?? 'api', this.#fast ? this.#config.fastStopBudget : this.#config.stopBudget, this.#fast);
    await this.#runCloseHooks();
    this.#terminate();
  }

  async #runCloseHooks(): Promise<void> {
    await Promise.all(
      [...this.#closeHooks].map(async ([name, hook]) => {
        this.#pendingCloseHooks.add(name);
        try {
          await hook();
        } catch (err) {
          process.emitWarning(`podwarden: close hook "${name}" failed: ${String(err)}`, 'PodwardenCloseWarning');
        } finally {
          this.#pendingCloseHooks.delete(name);
        }
      }),
    );
  }

  #armDeadline(wanted: number): void {
    // Past 2^31 − 1 ms Node's timers fire at once; durations are at most 24 days each, their sum may not be.
    const ms = Math.min(wanted, 2 ** 31 - 1);
    clearTimeout(this.#deadline);
    this.#deadlineAt = now().mono + ms;
    this.#deadline = setTimeout(() => this.#onDeadline(), ms);
    this.#deadline.unref();
  }

  #onDeadline(): void {
    if (this.#report) return;
    const waitingOn = [
      ...this.#holds.describeActive(),
      ...[...this.#supervisors.values()].filter((s) => s.isRunning).map((s) => `service "${s.name}"`),
      ...[...this.#pendingCloseHooks].map((name) => `close hook "${name}"`),
    ];
    this.#events.emit('deadline', { waitingOn, at: now() });
    for (const supervisor of this.#supervisors.values()) if (supervisor.isRunning) supervisor.markOverran();
    this.#terminate(true);
    this.#config.exit?.(1);
  }

  #terminate(deadlinePassed = false): void {
    if (this.#report) return;
    clearTimeout(this.#deadline);
    clearInterval(this.#keepAlive);
    this.#drain.clear();
    this.#holds.giveUpAll(deadlinePassed ? 'expired' : 'abandoned');
    this.#phase.enter('terminated', this.#shutdownReason);
    this.#report = assembleExitReport({
      reason: this.#shutdownReason ?? 'api',
      phases: this.#phase.history,
      services: this.services(),
      stopStartedAt: this.#stopStartedAt,
      sigint: this.#sigint,
      deadlinePassed,
      holds: this.#holds.snapshot(),
      refusedHolds: this.#holds.refused,
    });
    this.#events.emit('terminated', this.#report);
    // Only now: removed earlier, a signal arriving meanwhile would meet Node's default action and kill the process.
    this.#removeSignals?.();
    this.#resolveRun?.(this.#report);
  }

  #onServed(served: string): void {
    if (this.#shutdownReason === undefined) this.#starts.launchDependentsOf(served);
  }

  #onStartupSettled(): void {
    if (this.#starts.settled() && this.#phase.current === 'starting') this.#phase.enter('running', undefined);
  }
}
