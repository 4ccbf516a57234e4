import { now } from './clock.js';
import type { LifecycleEmitter } from './events.js';
import type { ServerConfig } from './options.js';
import type { ServerPhase } from './states.js';

/** What the drain needs from the server. */
export interface DrainHost {
  readonly events: LifecycleEmitter;
  setPhase(phase: ServerPhase, reason: string | undefined): void;
  /** The phase to return to when a drain is let go (`starting` or `running`). */
  resumePhase(): ServerPhase;
  shuttingDown(): boolean;
}

/**
 * The one drain. SIGTERM and `/drain` both join it; it is idempotent and the
 * order does not matter. When a drain completes and no shutdown follows within
 * `maxHold`, it is let go so a stray call cannot hold a pod out of service.
 */
export class DrainCoordinator {
  #state: 'idle' | 'draining' | 'drained' = 'idle';
  #endsAt: number | undefined;
  #completed: Promise<void> | undefined;
  #complete: (() => void) | undefined;
  #delayTimer: NodeJS.Timeout | undefined;
  #holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: Pick<ServerConfig, 'drainDelay' | 'maxHold'>,
    private readonly host: DrainHost,
  ) {}

  /** When the drain delay ends (monotonic ms), while draining. */
  get endsAt(): number | undefined {
    return this.#state === 'draining' ? this.#endsAt : undefined;
  }

  /** Milliseconds of drain still to come if a shutdown began now. */
  remainingFor(_phase: ServerPhase | undefined): number {
    if (this.#state === 'drained') return 0;
    if (this.#state === 'draining' && this.#endsAt !== undefined) return Math.max(0, this.#endsAt - now().mono);
    return this.config.drainDelay;
  }

  /** Start the drain or join the one in progress; resolves when the drain delay has passed. */
  join(source: string): Promise<void> {
    if (this.#state === 'drained') {
      if (this.host.shuttingDown()) this.#clearHold();
      return Promise.resolve();
    }
    if (this.#state === 'draining' && this.#completed) return this.#completed;
    this.#state = 'draining';
    const at = now();
    this.#endsAt = at.mono + this.config.drainDelay;
    this.#completed = new Promise((resolve) => (this.#complete = resolve));
    this.host.setPhase('draining', source);
    this.host.events.emit('drain', { kind: 'started', source, at, drainEndsAt: this.#endsAt });
    this.#delayTimer = setTimeout(() => this.#finish(source), this.config.drainDelay);
    return this.#completed;
  }

  /** End the drain delay now (a fast shutdown while draining). */
  finishNow(): void {
    if (this.#state === 'draining') this.#finish('fast shutdown');
  }

  /** Cancel pending timers (the stop phase has begun). */
  clear(): void {
    clearTimeout(this.#delayTimer);
    this.#clearHold();
  }

  #finish(source: string): void {
    clearTimeout(this.#delayTimer);
    this.#state = 'drained';
    this.host.setPhase('drained', source);
    this.host.events.emit('drain', { kind: 'completed', source, at: now(), drainEndsAt: undefined });
    this.#complete?.();
    if (!this.host.shuttingDown()) {
      this.#holdTimer = setTimeout(() => this.#letGo(), this.config.maxHold);
    }
  }

  #letGo(): void {
    if (this.host.shuttingDown() || this.#state !== 'drained') return;
    this.#state = 'idle';
    this.#completed = undefined;
    this.host.setPhase(this.host.resumePhase(), 'no shutdown within drain.maxHold');
    this.host.events.emit('drain', { kind: 'undrained', source: 'maxHold', at: now(), drainEndsAt: undefined });
  }

  #clearHold(): void {
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }
}
