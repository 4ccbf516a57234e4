import type { Timestamp } from './clock.js';
import type { ExitReport } from './exit-report.js';
import type { ServerPhase, ServiceState } from './states.js';

/** A service moved from one state to another. */
export interface ServiceStateEvent {
  readonly name: string;
  readonly state: ServiceState;
  readonly previous: ServiceState;
  /** Why, when there is a reason worth telling (a failure, a not-ready reason, a blocking dependency). */
  readonly reason: string | undefined;
  /** Which instance of the service (1 for the first; each restart adds one). */
  readonly instance: number;
  readonly at: Timestamp;
}

/** The server moved to a new phase. */
export interface PhaseEvent {
  readonly phase: ServerPhase;
  readonly previous: ServerPhase | undefined;
  readonly reason: string | undefined;
  readonly at: Timestamp;
}

/** A process signal was received. */
export interface SignalEvent {
  readonly signal: NodeJS.Signals;
  /** What the server does about it. */
  readonly action: 'graceful' | 'fast';
  readonly at: Timestamp;
}

/** Something happened to the one drain. */
export interface DrainEvent {
  /**
   * `started` (drain began), `completed` (drain delay passed), `undrained`
   * (let go: no shutdown within `maxHold`, or the app container came back).
   */
  readonly kind: 'started' | 'completed' | 'undrained';
  /** Who started it (`http`, `api`, a signal); for `undrained`, why it was let go: `maxHold` or `app-restarted`. */
  readonly source: string;
  readonly at: Timestamp;
  /** When the drain delay ends, on the monotonic clock (for `started`). */
  readonly drainEndsAt: number | undefined;
}

/** Something happened to the drain record in `drain.stateFile`. */
export interface DrainStateEvent {
  /**
   * `restored`: a recorded drain still within `maxHold`, so the server starts
   * drained; `ignored`: the file was stale or unreadable; `write-failed`: it
   * could not be written or removed (the drain goes on regardless).
   */
  readonly kind: 'restored' | 'ignored' | 'write-failed';
  readonly file: string;
  /** What was restored, or why the file was ignored or not written. */
  readonly detail: string;
  /** For `restored`: when the hold ends, wall-clock (Unix epoch ms). */
  readonly holdEndsAt: number | undefined;
  readonly at: Timestamp;
}

/** A service instance returned (or was given up on) during the stop phase. */
export interface ServiceStoppedEvent {
  readonly name: string;
  readonly durationMs: number;
  /** True when it did not return within its `stopTimeout` or the `stopBudget`. */
  readonly overran: boolean;
  readonly at: Timestamp;
}

/** A service instance will be restarted after a failure. */
export interface ServiceRestartEvent {
  readonly name: string;
  readonly restarts: number;
  readonly delayMs: number;
  readonly reason: string;
  readonly at: Timestamp;
}

/** A critical service failed for good: the server shuts down and exits 1. */
export interface CriticalFailureEvent {
  readonly name: string;
  /** Why it failed (`ready timeout`, the error it threw). */
  readonly reason: string | undefined;
  /** Restarts it had before this failure. */
  readonly restarts: number;
  readonly at: Timestamp;
}

/** Something happened to a hold (`server.hold(reason)`, `handle.hold(reason)`). */
export interface HoldEvent {
  /**
   * `acquired`; `released` by its owner; `refused` (asked for once the stop
   * phase had begun: never held, its release does nothing); `expired` (still
   * held when its time ran out: the stop budget for a server hold, the
   * service's `stopTimeout` for a service hold); `abandoned` (not waited for:
   * a fast shutdown, or its service was not running).
   */
  readonly kind: 'acquired' | 'released' | 'refused' | 'expired' | 'abandoned';
  readonly reason: string;
  /** The service it holds; `undefined` for a server-level hold. */
  readonly service: string | undefined;
  /** Holds of the same scope (the server, or that service) active after this event. */
  readonly active: number;
  /** How long it was held, once it ends. */
  readonly heldMs: number | undefined;
  readonly at: Timestamp;
}

/** The stop phase waits on holds before it goes on: the server's (before any watch fires) or one service's (before its watch fires). */
export interface HoldWaitEvent {
  /** The service whose stop waits; `undefined` for the server's holds. */
  readonly service: string | undefined;
  /** The reasons of the holds it waits on. */
  readonly reasons: readonly string[];
  readonly at: Timestamp;
}

/** The hard deadline passed while something was still running. */
export interface DeadlineEvent {
  readonly waitingOn: readonly string[];
  readonly at: Timestamp;
}

/** The typed lifecycle events a {@link Server} emits. Upper layers (HTTP, metrics, logs) subscribe to them. */
export interface LifecycleEvents {
  'service-state': ServiceStateEvent;
  'service-restart': ServiceRestartEvent;
  'service-stopped': ServiceStoppedEvent;
  phase: PhaseEvent;
  signal: SignalEvent;
  drain: DrainEvent;
  'drain-state': DrainStateEvent;
  deadline: DeadlineEvent;
  'critical-failure': CriticalFailureEvent;
  hold: HoldEvent;
  'hold-wait': HoldWaitEvent;
  terminated: ExitReport;
}

/** Listener for one lifecycle event. */
export type LifecycleListener<K extends keyof LifecycleEvents> = (event: LifecycleEvents[K]) => void;

/**
 * A small synchronous, typed emitter. Listeners run in registration order;
 * one that throws is reported as a process warning and never breaks the runner.
 */
export class LifecycleEmitter {
  readonly #listeners = new Map<keyof LifecycleEvents, Array<(event: never) => void>>();

  /** Subscribe; returns a function that unsubscribes. */
  on<K extends keyof LifecycleEvents>(event: K, listener: LifecycleListener<K>): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as (event: never) => void);
    this.#listeners.set(event, list);
    return () => {
      const current = this.#listeners.get(event);
      if (current) this.#listeners.set(event, current.filter((l) => l !== listener));
    };
  }

  /** @internal */
  emit<K extends keyof LifecycleEvents>(event: K, payload: LifecycleEvents[K]): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    for (const listener of list) {
      try {
        (listener as LifecycleListener<K>)(payload);
      } catch (err) {
        process.emitWarning(`podwarden: a "${event}" listener threw: ${String(err)}`, 'PodwardenListenerWarning');
      }
    }
  }
}
