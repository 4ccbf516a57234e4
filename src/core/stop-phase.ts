import { now } from './clock.js';
import type { LifecycleEmitter } from './events.js';
import type { ServiceSupervisor } from './service-supervisor.js';
import type { ShutdownReason } from './shutdown-watch.js';
import { settledWithin } from './timers.js';

/**
 * Stops services in reverse dependency order (dependents first), each within
 * its `stopTimeout`, all within the stop budget; ends as soon as every
 * service has returned. `hurry()` fires every remaining watch at once and
 * shortens the budget (a second signal).
 */
export class StopPhase {
  readonly #hurried = new AbortController();
  readonly #judged = new Set<ServiceSupervisor>();
  #budgetEnd = 0;

  constructor(
    private readonly supervisors: ReadonlyMap<string, ServiceSupervisor>,
    private readonly levels: readonly string[][],
    private readonly events: LifecycleEmitter,
  ) {}

  async run(reason: ShutdownReason, budgetMs: number, fast: boolean): Promise<void> {
    this.#budgetEnd = now().mono + budgetMs;
    if (!fast) {
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

  async #stopOne(supervisor: ServiceSupervisor, reason: ShutdownReason, abort: AbortSignal | undefined): Promise<void> {
    if (this.#judged.has(supervisor)) return;
    const running = supervisor.requestStop(reason);
    if (!running) {
      this.#judged.add(supervisor);
      return;
    }
    const requestedAt = supervisor.snapshot().stopRequestedAt?.mono ?? now().mono;
    const timeLeft = Math.min(requestedAt + supervisor.config.stopTimeout, this.#budgetEnd) - now().mono;
    const settled = await settledWithin(running, timeLeft, abort);
    if (!settled && abort?.aborted) return; // hurried: judged in the final pass
    if (this.#judged.has(supervisor)) return;
    this.#judged.add(supervisor);
    if (!settled) supervisor.markOverran();
    this.events.emit('service-stopped', {
      name: supervisor.name,
      durationMs: now().mono - requestedAt,
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
