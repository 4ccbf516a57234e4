import { now } from './clock.js';
import type { LifecycleEmitter } from './events.js';
import type { HoldRegistry } from './holds.js';
import type { ServiceSupervisor } from './service-supervisor.js';
import type { ShutdownReason } from './shutdown-watch.js';
import { settledWithin } from './timers.js';

/** What the stop phase needs from the server. */
export interface StopPhaseHost {
  readonly events: LifecycleEmitter;
  readonly holds: HoldRegistry;
  /**
   * The server's holds outlived the stop budget: the services are then
   * stopped as in a fast shutdown. Returns that budget (ms); the server
   * moves its hard deadline to match.
   */
  holdsExpired(): number;
}

/**
 * Stops services in reverse dependency order (dependents first), each within
 * its `stopTimeout`, all within the stop budget; ends as soon as every
 * service has returned. Before any watch fires it waits for the server's
 * holds (within the budget); before a service's watch fires, for the holds
 * on that service (within its `stopTimeout`). `hurry()` fires every
 * remaining watch at once, without waiting on holds, and shortens the budget
 * (a second signal).
 */
export class StopPhase {
  readonly #hurried = new AbortController();
  readonly #judged = new Set<ServiceSupervisor>();
  /** When the stop phase reached each service (monotonic ms): its `stopTimeout` counts from then. */
  readonly #reachedAt = new Map<ServiceSupervisor, number>();
  #budgetEnd = 0;

  constructor(
    private readonly supervisors: ReadonlyMap<string, ServiceSupervisor>,
    private readonly levels: readonly string[][],
    private readonly host: StopPhaseHost,
  ) {}

  async run(reason: ShutdownReason, budgetMs: number, fast: boolean): Promise<void> {
    this.#budgetEnd = now().mono + budgetMs;
    let orderly = !fast;
    if (orderly) {
      const released = await this.host.holds.waitReleased(undefined, this.#budgetEnd, this.#hurried.signal);
      if (!released && !this.#hurried.signal.aborted) {
        this.host.holds.giveUp(undefined, 'expired');
        this.#budgetEnd = now().mono + this.host.holdsExpired();
        orderly = false;
      }
    }
    this.host.holds.giveUp(undefined, 'abandoned');
    if (orderly) {
      for (const level of [...this.levels].reverse()) {
        if (this.#hurried.signal.aborted) break;
        await Promise.all(level.map((name) => this.#stopOne(this.#get(name), reason, this.#hurried.signal)));
      }
    }
    // Fast path, or what a hurry left: everything still running, at once.
    await Promise.all([...this.supervisors.values()].map((s) => this.#stopOne(s, reason, undefined)));
  }

  /** Fire every remaining watch now and end the stop phase within `budgetMs`. */
  hurry(budgetMs: number): void {
    this.#budgetEnd = Math.min(this.#budgetEnd, now().mono + budgetMs);
    this.#hurried.abort();
  }

  /**
   * Stop one service. `abort` is the hurry of an orderly pass: its holds are
   * waited for, and a hurry leaves the service to the final pass. Without
   * one (the final pass), nothing waits on holds.
   */
  async #stopOne(supervisor: ServiceSupervisor, reason: ShutdownReason, abort: AbortSignal | undefined): Promise<void> {
    if (this.#judged.has(supervisor)) return;
    if (!this.#reachedAt.has(supervisor)) {
      this.#reachedAt.set(supervisor, now().mono);
      supervisor.beginStop();
    }
    const reachedAt = this.#reachedAt.get(supervisor)!;
    const deadline = () => Math.min(reachedAt + supervisor.config.stopTimeout, this.#budgetEnd);
    const holds = this.host.holds;
    if (abort && supervisor.isRunning) {
      const released = await holds.waitReleased(supervisor.name, deadline(), abort);
      if (!released) {
        if (abort.aborted) return; // hurried: the final pass stops it
        // Held past its stopTimeout: it overran. Its watch still fires, so it can clean up; nothing waits for it.
        holds.giveUp(supervisor.name, 'expired');
        supervisor.requestStop(reason, deadline());
        this.#judge(supervisor, reachedAt, false);
        return;
      }
    }
    holds.giveUp(supervisor.name, 'abandoned');
    const running = supervisor.requestStop(reason, deadline());
    if (!running) {
      this.#judged.add(supervisor);
      return;
    }
    const settled = await settledWithin(running, deadline() - now().mono, abort);
    if (!settled && abort?.aborted) return; // hurried: judged in the final pass
    this.#judge(supervisor, reachedAt, settled);
  }

  #judge(supervisor: ServiceSupervisor, reachedAt: number, settled: boolean): void {
    if (this.#judged.has(supervisor)) return;
    this.#judged.add(supervisor);
    if (!settled) supervisor.markOverran();
    this.host.events.emit('service-stopped', {
      name: supervisor.name,
      durationMs: now().mono - reachedAt,
      overran: !settled,
      at: now(),
    });
  }

  #get(name: string): ServiceSupervisor {
    const supervisor = this.supervisors.get(name);
    if (!supervisor) throw new Error(`unknown service ${name}`);
    return supervisor;
  }
}
