import { performance } from 'node:perf_hooks';

/**
 * A moment, read from both clocks: `mono` (milliseconds on the monotonic
 * clock, for exact durations) and `wall` (Unix epoch milliseconds, for humans
 * and for Prometheus timestamps).
 */
export interface Timestamp {
  readonly mono: number;
  readonly wall: number;
}

/** Read both clocks now. */
export function now(): Timestamp {
  return { mono: performance.now(), wall: Date.now() };
}

/** Milliseconds from `from` to `to`, on the monotonic clock. */
export function elapsed(from: Timestamp, to: Timestamp = now()): number {
  return to.mono - from.mono;
}
