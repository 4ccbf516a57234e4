import type { LifecycleEmitter } from './events.js';
import { isShuttingDown } from './states.js';

/** The server's drain as a service sees it through its {@link ShutdownWatch}. */
export interface DrainView {
  /** True from the moment a drain (or a fast stop) begins until the server terminates, unless the drain is let go. */
  readonly draining: boolean;
  /** Call `listener` each time `draining` changes; returns the function that unsubscribes. */
  on(listener: (draining: boolean) => void): () => void;
}

/**
 * Follows the server's phase and tells each subscribed service when the
 * drain begins and when a drain is let go, so a service can keep serving
 * while it sends its clients elsewhere (HTTP's `Connection: close`) before
 * its watch fires.
 */
export class DrainBroadcast implements DrainView {
  readonly #listeners = new Set<(draining: boolean) => void>();
  #draining = false;

  constructor(events: LifecycleEmitter) {
    events.on('phase', (event) => {
      const draining = isShuttingDown(event.phase);
      if (draining === this.#draining) return;
      this.#draining = draining;
      for (const listener of [...this.#listeners]) {
        try {
          listener(draining);
        } catch (err) {
          process.emitWarning(`podwarden: a drain listener threw: ${String(err)}`, 'PodwardenListenerWarning');
        }
      }
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  on(listener: (draining: boolean) => void): () => void {
    // Wrapped, so the same function subscribed twice is two subscriptions.
    const entry = (draining: boolean) => listener(draining);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }
}
