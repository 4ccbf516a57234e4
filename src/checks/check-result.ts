import type { Timestamp } from '../core/clock.js';
import type { CheckTiming } from './periodic-check.js';

/** The outcome of one run of a built-in check. */
export interface CheckResult {
  /** The check's service name. */
  readonly name: string;
  /** The check type (`http`, `tcp`, …). */
  readonly type: string;
  readonly ok: boolean;
  /** How long the attempt took, on the monotonic clock. */
  readonly durationMs: number;
  /** Why it failed; never contains header values or tokens. */
  readonly error: string | undefined;
  readonly at: Timestamp;
  /** The interval, timeout and thresholds the check runs with (the same object for every result of a check); unset for results reported by hand. */
  readonly timing?: CheckTiming;
}

/** Receives every check result; the metrics and logging layers subscribe here, the core never does. */
export type CheckResultListener = (result: CheckResult) => void;

/** Fan-out of check results to listeners. One per process, passed to every check. */
export class CheckResults {
  readonly #listeners: CheckResultListener[] = [];

  /** Subscribe; returns the function that unsubscribes. */
  on(listener: CheckResultListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i !== -1) this.#listeners.splice(i, 1);
    };
  }

  /** Report a result to every listener. */
  report(result: CheckResult): void {
    for (const listener of this.#listeners) listener(result);
  }
}
