import { podwardenError } from '../errors.js';

/**
 * A duration as the library takes it: milliseconds as a number, or a string
 * in podwarden's one duration grammar ({@link durationGrammar}), such as
 * `"250ms"`, `"1.5s"`, `"10m"`, `"1h"` or `"0"`. The config file, the
 * environment and the CLI flags take only the string form (and `0`).
 */
export type Duration = number | string;

/** The duration grammar, as messages and docs state it. */
export const durationGrammar = 'a decimal number with a unit (ms, s, m or h), such as 250ms, 1.5s, 10m or 1h; or 0';

/** The longest duration accepted: Node's timers overflow past 2^31 − 1 ms (about 24.8 days) and fire at once. */
export const maxDurationMs = 24 * 24 * 3600_000;

/** Milliseconds per unit. */
const unitMs = { h: 3600_000, m: 60_000, s: 1000, ms: 1 } as const;

/** The grammar: a decimal with a unit, or `0`. */
const durationPattern = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h)|0)$/;

/** Rounds to the microsecond, so `1.1s` is 1100 ms and not 1100.0000000000002. */
const toMicroseconds = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Parse text in the duration grammar to milliseconds: `250ms`, `1.5s`, `10m`,
 * `1h`, or `0`. No spaces, no other units, no sign. Undefined when `text`
 * does not follow the grammar; bounds are not checked.
 */
export function parseDuration(text: string): number | undefined {
  const match = durationPattern.exec(text);
  if (!match) return undefined;
  const [, amount, unit] = match;
  return unit === undefined ? 0 : toMicroseconds(Number(amount) * unitMs[unit as keyof typeof unitMs]);
}

/**
 * Milliseconds as text in the duration grammar, for messages and docs:
 * `0s`, `250ms`, `1.5s`, `90s`, `2m`, `24h`. Whole hours or minutes take
 * that unit; anything else from one second up is seconds (to the
 * millisecond), and less than a second is milliseconds.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${toMicroseconds(ms)}ms`;
  if (ms % unitMs.h === 0) return `${ms / unitMs.h}h`;
  if (ms % unitMs.m === 0) return `${ms / unitMs.m}m`;
  return `${Math.round(ms) / 1000}s`;
}

/** Milliseconds as seconds, to the microsecond: what the metrics report. */
export function toSeconds(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}

/** Bounds of a duration, in milliseconds. */
export interface DurationLimits {
  /** The shortest accepted (default 0). */
  readonly min?: number;
  /** The longest accepted (default, and at most, {@link maxDurationMs}). */
  readonly max?: number;
}

/** A duration in milliseconds, or the problem with it. */
export type DurationRead = { readonly ms: number; readonly problem?: undefined } | { readonly ms?: undefined; readonly problem: string };

/**
 * A duration written as text (config file, environment, flag) in
 * milliseconds, or why it is not one. `value` is a string in the grammar or
 * the number `0` (YAML reads `0` as a number); any other number is refused,
 * since a bare number could be seconds or milliseconds. The problem follows
 * the value in a message: `"1sec" <problem>`, and says how to write it.
 */
export function readDuration(value: unknown, limits: DurationLimits = {}): DurationRead {
  let ms: number | undefined;
  if (value === 0) ms = 0;
  else if (typeof value === 'string') ms = parseDuration(value);
  else if (typeof value === 'number') return { problem: `has no unit; write ${durationGrammar}` };
  if (ms === undefined) return { problem: `is not a duration; write ${durationGrammar}` };
  return withinLimits(ms, limits);
}

function withinLimits(ms: number, limits: DurationLimits): DurationRead {
  const max = Math.min(limits.max ?? maxDurationMs, maxDurationMs);
  if (limits.min !== undefined && ms < limits.min) return { problem: `is too short; the minimum is ${formatDuration(limits.min)}` };
  if (ms > max) {
    const why = max === maxDurationMs ? ' (24 days: Node\'s timers overflow beyond)' : '';
    return { problem: `is too long; the maximum is ${formatDuration(max)}${why}` };
  }
  return { ms };
}

/**
 * Resolve a library option's {@link Duration} to milliseconds: a number is
 * milliseconds (finite, ≥ 0), a string follows the duration grammar. At
 * most {@link maxDurationMs}. Throws `PODWARDEN_ERR_INVALID_OPTION` naming
 * `where` and the grammar.
 */
export function toMilliseconds(value: Duration, where: string): number {
  const read =
    typeof value === 'number'
      ? Number.isFinite(value) && value >= 0
        ? withinLimits(value, {})
        : { problem: `is not a duration; use milliseconds (a number ≥ 0) or a string: ${durationGrammar}` }
      : readDuration(value);
  if (read.problem !== undefined) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `${shown} ${read.problem}`);
  }
  return read.ms;
}
