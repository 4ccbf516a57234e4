import type { Timestamp } from '../core/clock.js';
import type { CheckResult, CheckResults } from './check-result.js';
import type { CheckTiming } from './periodic-check.js';

/** What the last results of one check say: the fields a health report shows with `exposeDetails`. */
export interface CheckDetail {
  /** The check type (`http`, `tcp`, …). */
  readonly type: string;
  /** Failed attempts in a row, up to now (0 after a success). */
  readonly consecutiveFailures: number;
  /** Successful attempts in a row, up to now (0 after a failure). */
  readonly consecutiveSuccesses: number;
  readonly lastSuccessAt: Timestamp | undefined;
  readonly lastFailureAt: Timestamp | undefined;
  /** Why the last failed attempt failed (kept after a recovery, with its time). */
  readonly lastError: string | undefined;
  readonly lastDurationMs: number;
  readonly timing: CheckTiming | undefined;
}

type MutableDetail = { -readonly [K in keyof CheckDetail]: CheckDetail[K] };

/**
 * The latest of every check's results, kept from a {@link CheckResults}
 * stream: one record per check name, updated in place, so memory stays
 * bounded by the number of checks whatever the number of attempts.
 */
export class CheckDetails {
  readonly #records = new Map<string, MutableDetail>();
  readonly #off: () => void;

  constructor(results: CheckResults) {
    this.#off = results.on((result) => this.#record(result));
  }

  /** The check's record; `undefined` before its first result, or for a service that is not a built-in check. */
  get(name: string): CheckDetail | undefined {
    return this.#records.get(name);
  }

  /** Stop following the results. */
  close(): void {
    this.#off();
  }

  #record(result: CheckResult): void {
    let detail = this.#records.get(result.name);
    if (detail === undefined) {
      detail = { type: result.type, consecutiveFailures: 0, consecutiveSuccesses: 0, lastSuccessAt: undefined, lastFailureAt: undefined, lastError: undefined, lastDurationMs: 0, timing: undefined };
      this.#records.set(result.name, detail);
    }
    detail.type = result.type;
    detail.lastDurationMs = result.durationMs;
    detail.timing = result.timing ?? detail.timing;
    if (result.ok) {
      detail.consecutiveSuccesses++;
      detail.consecutiveFailures = 0;
      detail.lastSuccessAt = result.at;
    } else {
      detail.consecutiveFailures++;
      detail.consecutiveSuccesses = 0;
      detail.lastFailureAt = result.at;
      detail.lastError = result.error;
    }
  }
}
