import ms from 'ms';
import { podwardenError } from '../errors.js';

/** A duration: milliseconds as a number, or a string such as `250ms`, `5s`, `1m`. */
export type Duration = number | string;

/** The longest duration accepted: Node's timers overflow past 2^31 − 1 ms (about 24.8 days) and fire at once. */
export const maxDurationMs = 24 * 24 * 3600_000;

/** Parse a {@link Duration} to milliseconds; `where` names the option in the error. At most 24 days. */
export function toMilliseconds(value: Duration, where: string): number {
  const parsed = typeof value === 'number' ? value : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw podwardenError(
      'PODWARDEN_ERR_INVALID_OPTION',
      where,
      `${JSON.stringify(value)} is not a duration; use milliseconds (a number ≥ 0) or a string like "250ms", "5s", "1m"`,
    );
  }
  if (parsed > maxDurationMs) {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `${JSON.stringify(value)} is too long; the maximum is 24 days (Node's timers overflow beyond)`);
  }
  return parsed;
}
