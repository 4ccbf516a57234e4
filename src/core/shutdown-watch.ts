import { now } from './clock.js';
import type { DrainView } from './drain-view.js';

/** Why a shutdown watch fired. Open-ended: custom reasons are allowed. */
export type ShutdownReason =
  | 'SIGTERM'
  | 'SIGINT'
  | 'api'
  | 'restart'
  | 'ready-timeout'
  | (string & {});

/**
 * Read-only view of a shutdown broadcast, handed to each service instance.
 *
 * Each instance gets its own watch, so the runner can stop services one at a
 * time (dependents first) and stop an instance it abandons (a restart, a
 * ready timeout) without touching the others.
 */
export interface ShutdownWatch {
  /** True once this instance has been asked to stop. */
  readonly isShuttingDown: boolean;
  /** Aborted when this instance is asked to stop; pass it to `fetch`, timers, streams. */
  readonly signal: AbortSignal;
  /** Why the instance is being stopped; `undefined` until then. */
  readonly reason: ShutdownReason | undefined;
  /** Resolves when this instance is asked to stop (at once if it already was). */
  wait(): Promise<void>;
  /**
   * True while the server drains: from the moment a drain begins (SIGTERM,
   * `/drain`, `server.drain()`; in a fast shutdown, the stop phase) until
   * the server terminates, or until a drain without a shutdown is let go.
   * The watch has not fired yet during the drain: keep serving, but tell
   * clients to go elsewhere (an HTTP server answers `Connection: close`).
   */
  readonly isDraining: boolean;
  /**
   * Call `listener` each time {@link ShutdownWatch.isDraining} changes:
   * `true` when a drain begins, `false` when one is let go. Returns the
   * function that unsubscribes; the listener is also dropped once this
   * instance returns.
   */
  onDrain(listener: (draining: boolean) => void): () => void;
  /**
   * Milliseconds left before the runner gives up on this instance: from when
   * its watch fired, its `stopTimeout` within the stop budget (time spent
   * waiting on the service's holds included). `Infinity` before the watch
   * fires; it shrinks when a second signal hurries the shutdown. A service
   * that must cut work short (open connections) does it before this reaches 0.
   */
  timeLeft(): number;
}

/** The sending side of a {@link ShutdownWatch}; the runner keeps it. */
export class ShutdownTrigger implements ShutdownWatch {
  readonly #controller = new AbortController();
  readonly #drain: DrainView | undefined;
  readonly #drainListeners = new Set<() => void>();
  #reason: ShutdownReason | undefined;
  #waiting: Promise<void> | undefined;
  /** When the runner gives up on this instance (monotonic ms); Infinity until known. */
  #deadline = Number.POSITIVE_INFINITY;

  /** `drain`: the server's drain, for {@link ShutdownWatch.isDraining}; without one, never draining. */
  constructor(drain?: DrainView) {
    this.#drain = drain;
  }

  get isShuttingDown(): boolean {
    return this.#controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get reason(): ShutdownReason | undefined {
    return this.#reason;
  }

  get isDraining(): boolean {
    return this.#drain?.draining ?? false;
  }

  wait(): Promise<void> {
    this.#waiting ??= this.isShuttingDown
      ? Promise.resolve()
      : new Promise((resolve) => this.#controller.signal.addEventListener('abort', () => resolve(), { once: true }));
    return this.#waiting;
  }

  onDrain(listener: (draining: boolean) => void): () => void {
    if (!this.#drain) return () => {};
    const off = this.#drain.on(listener);
    const unsubscribe = () => {
      off();
      this.#drainListeners.delete(unsubscribe);
    };
    this.#drainListeners.add(unsubscribe);
    return unsubscribe;
  }

  timeLeft(): number {
    return Math.max(0, this.#deadline - now().mono);
  }

  /** Set when the runner gives up on this instance (monotonic ms, the clock of `now().mono`). */
  setDeadline(mono: number): void {
    this.#deadline = mono;
  }

  /** Fire the watch. Later calls keep the first reason. */
  fire(reason: ShutdownReason): void {
    if (this.isShuttingDown) return;
    this.#reason = reason;
    this.#controller.abort(reason);
  }

  /** The instance returned: drop the drain listeners it left. */
  dispose(): void {
    for (const off of [...this.#drainListeners]) off();
  }

  /** The read-only face handed to the service: it can watch, never fire. */
  watch(): ShutdownWatch {
    const signal = this.#controller.signal;
    const reason = () => this.#reason;
    const draining = () => this.isDraining;
    return {
      get isShuttingDown() {
        return signal.aborted;
      },
      signal,
      get reason() {
        return reason();
      },
      get isDraining() {
        return draining();
      },
      wait: () => this.wait(),
      onDrain: (listener) => this.onDrain(listener),
      timeLeft: () => this.timeLeft(),
    };
  }
}
