import { PkiError } from '../errors';
import { optionalOptions } from '../validate';
import { checkMs, HOUR_MS, SECOND_MS, timeOf } from './time';

/**
 * The proxy's default shortest wait before refreshing its certificate (`LINKERD2_PROXY_IDENTITY_MIN_REFRESH`):
 * 10 s.
 *
 * @example
 * ```ts
 * proxyRefreshDelay(expiredAt, now) === PROXY_REFRESH_MIN_MS; // true
 * ```
 */
export const PROXY_REFRESH_MIN_MS = 10 * SECOND_MS;
/**
 * The proxy's default longest wait before refreshing its certificate (`LINKERD2_PROXY_IDENTITY_MAX_REFRESH`):
 * 24 h.
 *
 * @example
 * ```ts
 * proxyRefreshDelay(inTenYears, now) === PROXY_REFRESH_MAX_MS; // true
 * ```
 */
export const PROXY_REFRESH_MAX_MS = 24 * HOUR_MS;

/** Bounds for {@link proxyRefreshDelay}, in milliseconds. */
export interface ProxyRefreshOptions {
  /** Shortest wait; default {@link PROXY_REFRESH_MIN_MS}. */
  min?: number;
  /** Longest wait; default {@link PROXY_REFRESH_MAX_MS}. */
  max?: number;
}

/**
 * How long a Linkerd proxy waits before asking the identity service for a new certificate, as
 * linkerd2-proxy computes it after each attempt (`refresh_in`): 70% of the time *remaining* until
 * `notAfter`, clamped to `[min, max]`. An expired certificate (or one expiring exactly now) gives `min`.
 * The proxy adds no jitter and no backoff; after a failed attempt it keeps the previous expiry, so the
 * same rule applies to the old certificate.
 *
 * @param notAfter - the current certificate's expiry (the identity service's `valid_until`).
 * @param now - the current time; never read from the clock.
 * @returns the delay in milliseconds.
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for invalid dates or bounds; `ERR_SCHEDULE_INVALID`
 * when `min > max`.
 * @example
 * ```ts
 * const now = new Date('2025-01-01T00:00:00Z');
 * proxyRefreshDelay(new Date('2025-01-02T00:00:00Z'), now); // 60480000 (16h48m)
 * proxyRefreshDelay(new Date('2024-12-31T00:00:00Z'), now); // 10000 (expired: min)
 * ```
 */
export function proxyRefreshDelay(notAfter: Date, now: Date, opts: ProxyRefreshOptions = {}): number {
  optionalOptions(opts, 'proxyRefreshDelay');
  const min = checkMs(opts.min ?? PROXY_REFRESH_MIN_MS, 'min', 0);
  const max = checkMs(opts.max ?? PROXY_REFRESH_MAX_MS, 'max', 0);
  if (min > max)
    throw new PkiError('ERR_SCHEDULE_INVALID', `min (${min} ms) must not exceed max (${max} ms)`);
  const remaining = timeOf(notAfter, 'notAfter') - timeOf(now, 'now');
  if (remaining < 0) return min;
  const lifetime = (remaining * 7) / 10;
  if (lifetime < min) return min;
  if (lifetime > max) return max;
  return lifetime;
}
