import { type DurationInput, parseDuration } from '../duration';
import { PkiError } from '../errors';

/**
 * One second, in milliseconds.
 *
 * @example
 * ```ts
 * 3 * SECOND_MS;
 * ```
 */
export const SECOND_MS = 1_000;
/**
 * One minute, in milliseconds.
 *
 * @example
 * ```ts
 * 3 * MINUTE_MS;
 * ```
 */
export const MINUTE_MS = 60 * SECOND_MS;
/**
 * One hour, in milliseconds.
 *
 * @example
 * ```ts
 * 3 * HOUR_MS;
 * ```
 */
export const HOUR_MS = 60 * MINUTE_MS;
/**
 * One day of 24 hours, in milliseconds.
 *
 * @example
 * ```ts
 * 3 * DAY_MS;
 * ```
 */
export const DAY_MS = 24 * HOUR_MS;

/**
 * The instant of `date` in milliseconds since the Unix epoch, refusing anything that is not a valid `Date`.
 *
 * @param field - the argument's name, used in the error message.
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for a non-Date or an invalid Date.
 * @example
 * ```ts
 * timeOf(new Date('2025-01-01T00:00:00Z'), 'now'); // 1735689600000
 * ```
 */
export function timeOf(date: Date, field: string): number {
  const t = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new PkiError('ERR_INVALID_ARGUMENT', `${field} must be a valid Date`);
  return t;
}

/**
 * `value` unchanged if it is a finite number of milliseconds (`min` or more), else an error naming `field`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT`.
 * @example
 * ```ts
 * checkMs(10_000, 'min', 0); // 10000
 * ```
 */
export function checkMs(value: number, field: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${field} must be a finite number of milliseconds ≥ ${min}`);
  }
  return value;
}

/**
 * An RFC 3339 UTC timestamp, with milliseconds only when they are not zero (as Go prints `time.RFC3339`).
 *
 * @example
 * ```ts
 * rfc3339(Date.UTC(2025, 0, 1)); // '2025-01-01T00:00:00Z'
 * rfc3339(Date.UTC(2025, 0, 1, 0, 0, 0, 250)); // '2025-01-01T00:00:00.250Z'
 * ```
 */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * The milliseconds of a duration option given as a number or Go duration text, checked like
 * {@link checkMs}: finite and `min` or more.
 *
 * @throws {@link PkiError} `ERR_DURATION_INVALID` for text that is not a Go duration;
 * `ERR_INVALID_ARGUMENT` for anything else out of range.
 * @example
 * ```ts
 * durationOption('25h', 'renewBefore'); // 90000000
 * ```
 */
export function durationOption(value: DurationInput, field: string, min = Number.NEGATIVE_INFINITY): number {
  return checkMs(typeof value === 'string' ? parseDuration(value) : value, field, min);
}
