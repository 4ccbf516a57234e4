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
}

/** The sending side of a {@link ShutdownWatch}; the runner keeps it. */
export class ShutdownTrigger implements ShutdownWatch {
  readonly #controller = new AbortController();
  #reason: ShutdownReason | undefined;
  #waiting: Promise<void> | undefined;

  get isShuttingDown(): boolean {
    return this.#controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get reason(): ShutdownReason | undefined {
    return this.#reason;
  }

  wait(): Promise<void> {
    this.#waiting ??= this.isShuttingDown
      ? Promise.resolve()
      : new Promise((resolve) => this.#controller.signal.addEventListener('abort', () => resolve(), { once: true }));
    return this.#waiting;
  }

  /** Fire the watch. Later calls keep the first reason. */
  fire(reason: ShutdownReason): void {
    if (this.isShuttingDown) return;
    this.#reason = reason;
    this.#controller.abort(reason);
  }

  /** The read-only face handed to the service: it can watch, never fire. */
  watch(): ShutdownWatch {
    const signal = this.#controller.signal;
    const reason = () => this.#reason;
    const wait = () => this.wait();
    return {
      get isShuttingDown() {
        return signal.aborted;
      },
      signal,
      get reason() {
        return reason();
      },
      wait,
    };
  }
}
