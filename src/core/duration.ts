import ms from 'ms';
import { podwardenError } from '../errors.js';

/** A duration: milliseconds as a number, or a string such as `250ms`, `5s`, `1m`. */
export type Duration = number | string;

/** Parse a {@link Duration} to milliseconds; `where` names the option in the error. */
export function toMilliseconds(value: Duration, where: string): number {
  const parsed = typeof value === 'number' ? value : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw podwardenError(
      'PODWARDEN_ERR_INVALID_OPTION',
      where,
      `${JSON.stringify(value)} is not a duration; use milliseconds (a number ≥ 0) or a string like "250ms", "5s", "1m"`,
    );
  }
  return parsed;
}
