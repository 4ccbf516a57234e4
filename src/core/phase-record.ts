import { type Timestamp, now } from './clock.js';
import type { LifecycleEmitter } from './events.js';
import type { ServerPhase } from './states.js';

/**
 * The server's phase, drain included: the one record of where the server is.
 * The server moves it through starting, running, stopping and terminated; the
 * drain coordinator moves it into and out of draining and drained. Everything
 * else reads it ({@link Server.phase}, with `isShuttingDown` from states.ts).
 * Each move is kept for the exit report and announced as a `phase` event.
 */
export class PhaseRecord {
  readonly #history: Array<{ phase: ServerPhase; at: Timestamp }> = [];
  #current: ServerPhase | undefined;

  constructor(private readonly events: LifecycleEmitter) {}

  /** The current phase; `undefined` before the server runs. */
  get current(): ServerPhase | undefined {
    return this.#current;
  }

  /** Each phase entered so far, with when. */
  get history(): ReadonlyArray<{ readonly phase: ServerPhase; readonly at: Timestamp }> {
    return this.#history;
  }

  /** Enter `phase` (nothing happens when already there) and emit the `phase` event. */
  enter(phase: ServerPhase, reason: string | undefined): void {
    if (this.#current === phase) return;
    const previous = this.#current;
    this.#current = phase;
    const at = now();
    this.#history.push({ phase, at });
    this.events.emit('phase', { phase, previous, reason, at });
  }
}
