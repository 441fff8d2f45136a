import { type DurationInput, durationMs } from '../duration';
import { PkiError } from '../errors';
import { PROXY_REFRESH_MAX_MS, PROXY_REFRESH_MIN_MS, proxyRefreshDelay } from './proxy';
import { SECOND_MS } from './time';

/**
 * What a renewal obtains: anything with an expiry, as `validUntil` (an `IssuedLeaf`, Linkerd's
 * `valid_until`) or `notAfter` (a parsed `Certificate`).
 *
 * @example
 * ```ts
 * const renewed: RenewableCertificate = await issueLeaf({ issuer, csr, identity }); // has validUntil
 * ```
 */
export interface RenewableCertificate {
  readonly validUntil?: Date;
  readonly notAfter?: Date;
}

/**
 * A jittered exponential backoff between failed attempts, as linkerd2-proxy's `ExponentialBackoff`: the
 * n-th consecutive failure waits `min × 2^(n−1)`, at most `max`, plus a random part of up to
 * `jitter ×` that (still at most `max`).
 *
 * @example
 * ```ts
 * const backoff: RenewalBackoff = { min: '1s', max: '5s', jitter: 0.1 }; // the proxy's control-plane client
 * ```
 */
export interface RenewalBackoff {
  /** The first wait; default 1 s. */
  readonly min?: DurationInput;
  /** The longest wait; default 5 s. */
  readonly max?: DurationInput;
  /** The random part, as a ratio of the wait (0 to 100); default 0.1. */
  readonly jitter?: number;
}

/**
 * A successful renewal.
 *
 * @example
 * ```ts
 * onRenewal: (e: RenewalEvent<IssuedLeaf>) => console.log(`renewed until ${e.validUntil.toISOString()}`),
 * ```
 */
export interface RenewalEvent<T> {
  /** What `obtain` returned: now the loop's `current`. */
  readonly certificate: T;
  /** Its expiry. */
  readonly validUntil: Date;
  /** When the next renewal is due. */
  readonly renewAt: Date;
  /** The wait until then, in whole milliseconds. */
  readonly delay: number;
}

/**
 * A failed attempt: `obtain` threw or rejected, or returned a certificate without a valid expiry or one
 * already expired (which the proxy refuses too).
 *
 * @example
 * ```ts
 * onFailure: (e: RenewalFailure<IssuedLeaf>) => log.warn(`renewal failed ${e.failures}×, next at ${e.retryAt.toISOString()}`),
 * ```
 */
export interface RenewalFailure<T> {
  /** What `obtain` threw, or a `PkiError` about what it returned. */
  readonly error: unknown;
  /** Consecutive failures so far (1 for the first). */
  readonly failures: number;
  /** The certificate still in use (the last one obtained, or the one the loop started with). */
  readonly current: T | undefined;
  /** When the next attempt is due. */
  readonly retryAt: Date;
  /** The wait until then, in whole milliseconds. */
  readonly delay: number;
}

/**
 * Options of {@link startRenewal}.
 *
 * @example
 * ```ts
 * const options: RenewalOptions<IssuedLeaf> = { obtain: () => requestLeaf(), signal: controller.signal };
 * ```
 */
export interface RenewalOptions<T extends RenewableCertificate> {
  /** Obtains a new certificate; given the loop's signal, aborted when the loop stops. */
  readonly obtain: (signal: AbortSignal) => Promise<T>;
  /** The certificate in use now: the first renewal is scheduled from its expiry. Without it, `obtain` runs at once. */
  readonly current?: T;
  /** Stops the loop (and aborts a pending `obtain`). */
  readonly signal?: AbortSignal;
  /** The shortest wait (`LINKERD2_PROXY_IDENTITY_MIN_REFRESH`); default 10 s. */
  readonly minRefresh?: DurationInput;
  /** The longest wait (`LINKERD2_PROXY_IDENTITY_MAX_REFRESH`); default 24 h. */
  readonly maxRefresh?: DurationInput;
  /**
   * Retries sooner after a failure. Without it (the default) a failed attempt is retried as the proxy
   * does: at 70 % of the time left on the certificate still in use (clamped), or after `minRefresh` when
   * there is none or it has expired. With it, a retry comes after the backoff's wait or that time,
   * whichever is sooner.
   */
  readonly backoff?: RenewalBackoff;
  /** Called after each renewal. Exceptions it throws are ignored. */
  readonly onRenewal?: (event: RenewalEvent<T>) => void;
  /** Called after each failed attempt. Exceptions it throws are ignored. */
  readonly onFailure?: (event: RenewalFailure<T>) => void;
  /** The clock; default `() => new Date()`. */
  readonly now?: () => Date;
  /** Timers; default the global `setTimeout`/`clearTimeout`. */
  readonly setTimeout?: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout?: (handle: unknown) => void;
  /** Random numbers in [0, 1) for the backoff's jitter; default `Math.random`. */
  readonly random?: () => number;
}

/**
 * A running renewal loop.
 *
 * @example
 * ```ts
 * const loop = startRenewal({ obtain, current: leaf });
 * loop.renewAt; // when it will ask next
 * loop.stop();
 * await loop.stopped;
 * ```
 */
export interface RenewalLoop<T> {
  /** The certificate in use: the last one obtained, or `current` until then. */
  readonly current: T | undefined;
  /** When the next attempt is due; undefined while one is running or after the loop stopped. */
  readonly renewAt: Date | undefined;
  /** Settles when the loop has stopped (after `stop()` or the signal's abort); never rejects. */
  readonly stopped: Promise<void>;
  /** Stops the loop and aborts a pending `obtain`; nothing is reported afterwards. */
  stop(): void;
}

/**
 * linkerd2-proxy's refresh delay for `notAfter` at `now`, in whole milliseconds: the one call to
 * {@link proxyRefreshDelay}.
 */
function refreshDelay(notAfter: Date, now: Date, min: number, max: number): number {
  return proxyRefreshDelay({ notAfter, now, min, max });
}

/** The n-th (from 1) failure's wait under `backoff`. */
function backoffDelay(
  b: Required<{ min: number; max: number; jitter: number }>,
  n: number,
  random: () => number,
): number {
  const base = Math.min(b.min * 2 ** Math.min(n - 1, 52), b.max);
  const jitter = Math.min(Math.floor(base * b.jitter * random()), b.max - base);
  return base + Math.max(0, jitter);
}

/**
 * Runs `obtain` on linkerd2-proxy's schedule: after each certificate, again at 70 % of the time left
 * until its expiry, clamped to `[minRefresh, maxRefresh]` (10 s and 24 h by default, as the proxy). A
 * failure keeps the certificate in use, as the proxy does, and is retried on the same rule from its
 * expiry (after `minRefresh` once it has expired), or sooner with a `backoff`. A certificate returned
 * already expired is a failure (the proxy refuses it too). Universal: no timers but the ones given.
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` for a missing `obtain`, non-functions, an invalid `current`
 *   expiry or jitter; `ERR_DURATION_INVALID` for unreadable durations; `ERR_SCHEDULE_INVALID` when the
 *   shortest wait exceeds the longest.
 * @example
 * ```ts
 * const controller = new AbortController();
 * const loop = startRenewal({
 *   current: leaf,
 *   obtain: async () => issueLeaf({ issuer, csr: csr.der, identity }),
 *   signal: controller.signal,
 *   onRenewal: (e) => server.setSecureContext(tlsOptionsFor(e.certificate)),
 *   onFailure: (e) => console.warn(`renewal failed, retrying at ${e.retryAt.toISOString()}`),
 * });
 * // later
 * controller.abort();
 * await loop.stopped;
 * ```
 */
export function startRenewal<T extends RenewableCertificate>(options: RenewalOptions<T>): RenewalLoop<T> {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'startRenewal takes an options object');
  const obtain = fn(options.obtain, 'obtain');
  const onRenewal = optionalFn(options.onRenewal, 'onRenewal');
  const onFailure = optionalFn(options.onFailure, 'onFailure');
  const now = optionalFn(options.now, 'now') ?? (() => new Date());
  const setTimer =
    optionalFn(options.setTimeout, 'setTimeout') ?? ((cb, ms) => globalThis.setTimeout(cb, ms));
  const clearTimer =
    optionalFn(options.clearTimeout, 'clearTimeout') ??
    ((h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>));
  const random = optionalFn(options.random, 'random') ?? Math.random;
  const min = durationMs(options.minRefresh ?? PROXY_REFRESH_MIN_MS, 'minRefresh', 'ERR_DURATION_INVALID', 0);
  const max = durationMs(options.maxRefresh ?? PROXY_REFRESH_MAX_MS, 'maxRefresh', 'ERR_DURATION_INVALID', 0);
  if (min > max)
    throw new PkiError(
      'ERR_SCHEDULE_INVALID',
      `minRefresh (${min} ms) must not exceed maxRefresh (${max} ms)`,
    );
  const backoff = options.backoff === undefined ? undefined : readBackoff(options.backoff);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'signal must be an AbortSignal');

  let current: T | undefined;
  let currentExpiry: Date | undefined;
  if (options.current !== undefined) {
    currentExpiry = expiryOf(options.current);
    if (currentExpiry === undefined)
      throw new PkiError('ERR_INVALID_ARGUMENT', 'current must have a valid validUntil or notAfter Date');
    current = options.current;
  }

  const controller = new AbortController();
  let timer: unknown;
  let renewAt: Date | undefined;
  let failures = 0;
  let settle: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const stop = (): void => {
    if (controller.signal.aborted) return;
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
    renewAt = undefined;
    signal?.removeEventListener('abort', stop);
    controller.abort(signal?.aborted ? signal.reason : undefined);
    settle();
  };

  const schedule = (delay: number, at: Date): void => {
    renewAt = new Date(at.getTime() + delay);
    timer = setTimer(attempt, delay);
  };

  const failed = (error: unknown): void => {
    failures++;
    const at = now();
    let delay =
      currentExpiry === undefined || currentExpiry.getTime() <= at.getTime()
        ? min
        : refreshDelay(currentExpiry, at, min, max);
    if (backoff) delay = Math.min(delay, backoffDelay(backoff, failures, random));
    schedule(delay, at);
    report(onFailure, { error, failures, current, retryAt: renewAt!, delay });
  };

  const renewed = (certificate: T): void => {
    const validUntil = expiryOf(certificate);
    const at = now();
    if (validUntil === undefined) {
      failed(new PkiError('ERR_INVALID_ARGUMENT', 'obtain returned no valid validUntil or notAfter Date'));
      return;
    }
    if (validUntil.getTime() <= at.getTime()) {
      const when = validUntil.toISOString();
      failed(new PkiError('ERR_SCHEDULE_INVALID', `obtain returned a certificate that expired at ${when}`));
      return;
    }
    current = certificate;
    currentExpiry = validUntil;
    failures = 0;
    const delay = refreshDelay(validUntil, at, min, max);
    schedule(delay, at);
    report(onRenewal, { certificate, validUntil, renewAt: renewAt!, delay });
  };

  function attempt(): void {
    timer = undefined;
    renewAt = undefined;
    if (controller.signal.aborted) return;
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(obtain(controller.signal));
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      (certificate) => {
        if (!controller.signal.aborted) renewed(certificate);
      },
      (error: unknown) => {
        if (!controller.signal.aborted) failed(error);
      },
    );
  }

  const loop: RenewalLoop<T> = {
    get current() {
      return current;
    },
    get renewAt() {
      return renewAt === undefined ? undefined : new Date(renewAt.getTime());
    },
    stopped,
    stop,
  };

  if (signal?.aborted) {
    stop();
    return loop;
  }
  signal?.addEventListener('abort', stop, { once: true });
  const start = now();
  if (currentExpiry === undefined) schedule(0, start);
  else schedule(refreshDelay(currentExpiry, start, min, max), start);
  return loop;
}

/** The expiry of `cert` (`validUntil`, else `notAfter`), each read once; undefined unless a valid Date. */
function expiryOf(cert: unknown): Date | undefined {
  if (typeof cert !== 'object' || cert === null) return undefined;
  try {
    const c = cert as RenewableCertificate;
    const validUntil = c.validUntil;
    const expiry = validUntil === undefined ? c.notAfter : validUntil;
    return expiry instanceof Date && Number.isFinite(expiry.getTime())
      ? new Date(expiry.getTime())
      : undefined;
  } catch {
    return undefined;
  }
}

function readBackoff(b: RenewalBackoff): { min: number; max: number; jitter: number } {
  if (typeof b !== 'object' || b === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'backoff must be an object');
  const min = durationMs(b.min ?? SECOND_MS, 'backoff.min', 'ERR_DURATION_INVALID', 0);
  const max = durationMs(b.max ?? 5 * SECOND_MS, 'backoff.max', 'ERR_DURATION_INVALID', 1);
  if (min > max)
    throw new PkiError(
      'ERR_SCHEDULE_INVALID',
      `backoff.min (${min} ms) must not exceed backoff.max (${max} ms)`,
    );
  const jitter = b.jitter ?? 0.1;
  if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0 || jitter > 100)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'backoff.jitter must be a number from 0 to 100');
  return { min, max, jitter };
}

function fn<F>(value: F, what: string): NonNullable<F> {
  if (typeof value !== 'function') throw new PkiError('ERR_INVALID_ARGUMENT', `${what} must be a function`);
  return value as NonNullable<F>;
}

function optionalFn<F>(value: F | undefined, what: string): F | undefined {
  return value === undefined ? undefined : fn(value, what);
}

/** Calls a listener, ignoring what it throws (the loop goes on). */
function report<E>(listener: ((event: E) => void) | undefined, event: E): void {
  try {
    listener?.(event);
  } catch {
    // A listener's failure is its own.
  }
}
