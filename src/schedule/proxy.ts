import type { DurationInput } from '../duration';
import { PkiError } from '../errors';
import { requireOptions } from '../validate';
import { durationOption, HOUR_MS, SECOND_MS, timeOf } from './time';

/**
 * The proxy's default shortest wait before refreshing its certificate (`LINKERD2_PROXY_IDENTITY_MIN_REFRESH`):
 * 10 s.
 *
 * @example
 * ```ts
 * proxyRefreshDelay({ notAfter: expiredAt, now }) === PROXY_REFRESH_MIN_MS; // true
 * ```
 */
export const PROXY_REFRESH_MIN_MS = 10 * SECOND_MS;
/**
 * The proxy's default longest wait before refreshing its certificate (`LINKERD2_PROXY_IDENTITY_MAX_REFRESH`):
 * 24 h.
 *
 * @example
 * ```ts
 * proxyRefreshDelay({ notAfter: inTenYears, now }) === PROXY_REFRESH_MAX_MS; // true
 * ```
 */
export const PROXY_REFRESH_MAX_MS = 24 * HOUR_MS;

/** Input of {@link proxyRefreshDelay}: the certificate's expiry, the current time and the bounds. */
export interface ProxyRefreshOptions {
  /** The current certificate's expiry (the identity service's `valid_until`). */
  readonly notAfter: Date;
  /** The current time; never read from the clock. */
  readonly now: Date;
  /** Shortest wait, milliseconds or Go duration text; default {@link PROXY_REFRESH_MIN_MS}. */
  readonly min?: DurationInput;
  /** Longest wait, milliseconds or Go duration text; default {@link PROXY_REFRESH_MAX_MS}. */
  readonly max?: DurationInput;
}

/**
 * How long a Linkerd proxy waits before asking the identity service for a new certificate, as
 * linkerd2-proxy computes it after each attempt (`refresh_in`): 70% of the time *remaining* until
 * `notAfter`, clamped to `[min, max]`. An expired certificate (or one expiring exactly now) gives `min`.
 * The proxy adds no jitter and no backoff; after a failed attempt it keeps the previous expiry, so the
 * same rule applies to the old certificate.
 *
 * @returns the delay in whole milliseconds (70% of the remaining time, rounded down).
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for invalid dates or bounds; `ERR_DURATION_INVALID` for
 * bounds that are not Go duration text; `ERR_SCHEDULE_INVALID` when `min > max`.
 * @example
 * ```ts
 * const now = new Date('2025-01-01T00:00:00Z');
 * proxyRefreshDelay({ notAfter: new Date('2025-01-02T00:00:00Z'), now }); // 60480000 (16h48m)
 * proxyRefreshDelay({ notAfter: new Date('2024-12-31T00:00:00Z'), now }); // 10000 (expired: min)
 * proxyRefreshDelay({ notAfter, now, min: '1m', max: '1h' });
 * ```
 */
export function proxyRefreshDelay(options: ProxyRefreshOptions): number {
  requireOptions(options, 'proxyRefreshDelay');
  const min = Math.ceil(durationOption(options.min ?? PROXY_REFRESH_MIN_MS, 'min', 0));
  const max = Math.floor(durationOption(options.max ?? PROXY_REFRESH_MAX_MS, 'max', 0));
  if (min > max)
    throw new PkiError('ERR_SCHEDULE_INVALID', `min (${min} ms) must not exceed max (${max} ms)`);
  const remaining = timeOf(options.notAfter, 'notAfter') - timeOf(options.now, 'now');
  if (remaining < 0) return min;
  const lifetime = Math.floor((remaining * 7) / 10);
  if (lifetime < min) return min;
  if (lifetime > max) return max;
  return lifetime;
}
