import { podwardenError } from '../errors.js';
import { type Timestamp, elapsed, now } from './clock.js';
import type { LifecycleEmitter } from './events.js';

/** Releases a hold. Idempotent: later calls do nothing. */
export type ReleaseHold = () => void;

/**
 * What became of a hold the stop phase met: `released` by its owner,
 * `expired` (its time ran out: the stop budget for a server hold, the
 * service's `stopTimeout` for a service hold), or `abandoned` (not waited
 * for: a fast shutdown, or its service was not running).
 */
export type HoldOutcome = 'released' | 'expired' | 'abandoned';

/** A hold the stop phase met, as the {@link ExitReport} shows it. */
export interface HoldSnapshot {
  readonly reason: string;
  /** The service it holds; `undefined` for a server-level hold. */
  readonly service: string | undefined;
  readonly acquiredAt: Timestamp;
  /** When it was released or given up. */
  readonly endedAt: Timestamp | undefined;
  readonly outcome: HoldOutcome | undefined;
  /** How long the stop phase waited on it, in milliseconds (0 when it did not wait). */
  readonly waitedMs: number;
}

interface Hold {
  readonly reason: string;
  readonly service: string | undefined;
  readonly acquiredAt: Timestamp;
  endedAt: Timestamp | undefined;
  outcome: HoldOutcome | undefined;
  /** When the stop phase began waiting on it. */
  waitFrom: Timestamp | undefined;
  /** Kept for the exit report: the stop phase met it. */
  met: boolean;
}

/** The scope of a hold: a service's name, or `undefined` for the server. */
type Scope = string | undefined;

const noRelease: ReleaseHold = () => {};

/**
 * Every hold of a server: server-level holds delay the stop phase, service
 * holds delay their service's stop. Active holds are kept per scope; the
 * holds the stop phase met are kept for the exit report (and nothing else,
 * so holds taken and released per request cost nothing once released).
 */
export class HoldRegistry {
  readonly #active = new Map<Scope, Set<Hold>>();
  /** Holds the stop phase waited on or gave up, in order. */
  readonly #met: Hold[] = [];
  /** Called when the last hold of a scope ends. */
  readonly #emptied = new Map<Scope, () => void>();
  #refused = 0;

  constructor(
    private readonly events: LifecycleEmitter,
    /** False once the stop phase has begun: holds asked for then are refused. */
    private readonly accepting: () => boolean,
  ) {}

  /** Holds refused because the stop phase had begun. */
  get refused(): number {
    return this.#refused;
  }

  /** Take a hold on `scope`; a refused one returns a release that does nothing. */
  acquire(scope: Scope, reason: string): ReleaseHold {
    if (typeof reason !== 'string' || reason.trim() === '') {
      const where = scope === undefined ? 'server.hold(reason)' : `hold(reason) of service "${scope}"`;
      throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `${JSON.stringify(reason)}: give the hold a reason (what it waits for), shown in the log and the exit report`);
    }
    if (!this.accepting()) {
      this.#refused++;
      this.#emit('refused', scope, reason, undefined);
      return noRelease;
    }
    const hold: Hold = { reason, service: scope, acquiredAt: now(), endedAt: undefined, outcome: undefined, waitFrom: undefined, met: false };
    let set = this.#active.get(scope);
    if (!set) {
      set = new Set();
      this.#active.set(scope, set);
    }
    set.add(hold);
    this.#emit('acquired', scope, reason, undefined);
    return () => this.#end(hold, 'released');
  }

  /** Holds of `scope` active now. */
  count(scope: Scope): number {
    return this.#active.get(scope)?.size ?? 0;
  }

  /** Every active hold, named for the deadline's `waitingOn` list. */
  describeActive(): string[] {
    const names: string[] = [];
    for (const [scope, set] of this.#active) {
      for (const hold of set) names.push(scope === undefined ? `hold "${hold.reason}"` : `hold "${hold.reason}" on service "${scope}"`);
    }
    return names;
  }

  /**
   * Resolve `true` once no hold of `scope` is active, or `false` at
   * `deadline` (monotonic ms) or when `abort` fires, whichever comes first.
   * The holds active now are kept for the exit report.
   */
  waitReleased(scope: Scope, deadline: number, abort: AbortSignal): Promise<boolean> {
    const set = this.#active.get(scope);
    if (!set || set.size === 0) return Promise.resolve(true);
    const from = now();
    for (const hold of set) {
      hold.waitFrom ??= from;
      this.#keep(hold);
    }
    this.events.emit('hold-wait', { service: scope, reasons: [...set].map((h) => h.reason), at: from });
    if (abort.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (released: boolean) => {
        clearTimeout(timer);
        abort.removeEventListener('abort', onAbort);
        this.#emptied.delete(scope);
        resolve(released);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, deadline - from.mono));
      abort.addEventListener('abort', onAbort, { once: true });
      this.#emptied.set(scope, () => done(true));
    });
  }

  /** End every hold of `scope` still active with `outcome`: `expired` (its time ran out) or `abandoned` (not waited for). */
  giveUp(scope: Scope, outcome: 'expired' | 'abandoned'): void {
    for (const hold of [...(this.#active.get(scope) ?? [])]) {
      this.#keep(hold);
      this.#end(hold, outcome);
    }
  }

  /** Give up every hold still active, of every scope (the server terminates). */
  giveUpAll(outcome: 'expired' | 'abandoned'): void {
    for (const scope of [...this.#active.keys()]) this.giveUp(scope, outcome);
  }

  /** The holds the stop phase met, for the exit report. */
  snapshot(): HoldSnapshot[] {
    return this.#met.map((h) => ({
      reason: h.reason,
      service: h.service,
      acquiredAt: h.acquiredAt,
      endedAt: h.endedAt,
      outcome: h.outcome,
      waitedMs: h.waitFrom ? elapsed(h.waitFrom, h.endedAt ?? now()) : 0,
    }));
  }

  #keep(hold: Hold): void {
    if (hold.met) return;
    hold.met = true;
    this.#met.push(hold);
  }

  #end(hold: Hold, outcome: HoldOutcome): void {
    if (hold.outcome !== undefined) return;
    hold.outcome = outcome;
    hold.endedAt = now();
    const set = this.#active.get(hold.service);
    set?.delete(hold);
    if (set?.size === 0) this.#active.delete(hold.service);
    this.#emit(outcome, hold.service, hold.reason, elapsed(hold.acquiredAt, hold.endedAt));
    if (!set || set.size === 0) this.#emptied.get(hold.service)?.();
  }

  #emit(kind: 'acquired' | 'refused' | HoldOutcome, scope: Scope, reason: string, heldMs: number | undefined): void {
    this.events.emit('hold', { kind, service: scope, reason, active: this.count(scope), heldMs, at: now() });
  }
}
