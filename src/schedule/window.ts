import { parseDuration } from '../duration';
import { PkiError, quoteInput } from '../errors';
import { requireOptions } from '../validate';
import { type CertificateInput, toCertificate } from '../x509/input';
import type { Certificate } from '../x509/types';
import { checkMs, DAY_MS, timeOf } from './time';

/**
 * How long before an anchor or issuer expires `linkerd check` starts warning ("valid for at least 60
 * days", checks 4 and 7 of its `linkerd-identity` category), and so the latest time to rotate or renew
 * one by hand: advice that waits longer leaves the mesh with a warning `check` cannot clear. `check`,
 * `schedule`'s rotation date and `needs-renewal`'s default all use this one window.
 *
 * @example
 * ```ts
 * const rotateBy = new Date(issuer.certificate.notAfter.getTime() - EXPIRY_WARNING_WINDOW_MS);
 * ```
 */
export const EXPIRY_WARNING_WINDOW_MS = 60 * DAY_MS;

/**
 * When a certificate counts as due for renewal: a duration before its notAfter (`{ before }`), or a
 * share of its lifetime left (`{ percentLeft }`, 0 to 100).
 */
export type RenewalThreshold = { readonly before: number } | { readonly percentLeft: number };

/**
 * Reads a renewal threshold as `step certificate needs-renewal --expires-in` takes it, plus days: a
 * duration (`720h`, `30d`, `1d12h`) or a percentage of the lifetime (`25%`).
 *
 * @throws {@link PkiError} `ERR_DURATION_INVALID` for anything else, or a value not above zero (or a
 * percentage over 100).
 * @example
 * ```ts
 * parseRenewalThreshold('30d'); // { before: 2592000000 }
 * parseRenewalThreshold('25%'); // { percentLeft: 25 }
 * ```
 */
export function parseRenewalThreshold(text: string): RenewalThreshold {
  if (typeof text !== 'string')
    throw new PkiError('ERR_INVALID_ARGUMENT', 'a renewal threshold must be text');
  const percent = /^(\d{1,3}(?:\.\d+)?)%$/.exec(text);
  if (percent !== null) {
    const p = Number(percent[1]);
    if (!(p > 0 && p <= 100)) {
      throw new PkiError(
        'ERR_DURATION_INVALID',
        `${quoteInput(text)}: a percentage must be above 0 and at most 100`,
      );
    }
    return { percentLeft: p };
  }
  const days = /^(\d{1,5})d(.*)$/.exec(text);
  let ms: number;
  try {
    ms =
      days === null
        ? parseDuration(text)
        : Number(days[1]) * DAY_MS + (days[2] === '' ? 0 : parseDuration(days[2]!));
  } catch (e) {
    throw new PkiError(
      'ERR_DURATION_INVALID',
      `${quoteInput(text)} is neither a duration (30d, 720h) nor a percentage (25%)`,
      { cause: e },
    );
  }
  if (!(ms > 0)) throw new PkiError('ERR_DURATION_INVALID', `${quoteInput(text)} must be more than zero`);
  return { before: Math.round(ms) };
}

/**
 * The threshold a certificate is held to when none is given: {@link EXPIRY_WARNING_WINDOW_MS} (the
 * window in which `linkerd check` warns), or, for a certificate whose whole lifetime is not longer than
 * that window (a cert-manager issuer of 48 h, a leaf), a third of its lifetime, cert-manager's default
 * `renewBefore`: the 60-day rule would call such a certificate due from the moment it is issued.
 *
 * @example
 * ```ts
 * defaultRenewalThreshold(365 * DAY_MS); // { before: EXPIRY_WARNING_WINDOW_MS }
 * defaultRenewalThreshold(48 * HOUR_MS); // { before: 16 * HOUR_MS }
 * ```
 */
export function defaultRenewalThreshold(lifetimeMs: number): RenewalThreshold {
  checkMs(lifetimeMs, 'the lifetime', 0);
  return lifetimeMs > EXPIRY_WARNING_WINDOW_MS
    ? { before: EXPIRY_WARNING_WINDOW_MS }
    : { before: Math.floor(lifetimeMs / 3) };
}

/** Options of {@link needsRenewal}. */
export interface NeedsRenewalOptions {
  /** The certificate, in any `CertificateInput` form, or its validity. */
  readonly certificate: CertificateInput | { readonly notBefore: Date; readonly notAfter: Date };
  /** A {@link RenewalThreshold}, or its text (`30d`, `720h`, `25%`). Default: {@link defaultRenewalThreshold}. */
  readonly threshold?: RenewalThreshold | string;
  /** Default: the current time. */
  readonly now?: Date;
}

/** What {@link needsRenewal} decided. */
export interface RenewalVerdict {
  /** Whether the certificate is due: at or past `renewAt`, or expired. */
  readonly needsRenewal: boolean;
  /** Whether it has expired at `now`. */
  readonly expired: boolean;
  /** When it becomes due. */
  readonly renewAt: Date;
  readonly notAfter: Date;
  /** Milliseconds left until notAfter (negative once expired). */
  readonly remaining: number;
  /** The threshold applied. */
  readonly threshold: RenewalThreshold;
}

/**
 * Whether a certificate needs renewal now, as `step certificate needs-renewal` decides it, with
 * `linkerd check`'s 60-day window as the default threshold ({@link defaultRenewalThreshold}).
 *
 * @example
 * ```ts
 * needsRenewal({ certificate: issuerPem, now: new Date() }).needsRenewal; // true within 60 days of expiry
 * needsRenewal({ certificate: issuerPem, threshold: '25%' });
 * ```
 */
export function needsRenewal(options: NeedsRenewalOptions): RenewalVerdict {
  requireOptions(options, 'needsRenewal');
  const times = certificateTimes(options.certificate);
  const now = options.now === undefined ? Date.now() : timeOf(options.now, '`now`');
  const notBefore = timeOf(times.notBefore, 'notBefore');
  const notAfter = timeOf(times.notAfter, 'notAfter');
  const lifetime = notAfter - notBefore;
  const threshold =
    options.threshold === undefined
      ? defaultRenewalThreshold(lifetime)
      : typeof options.threshold === 'string'
        ? parseRenewalThreshold(options.threshold)
        : checkThreshold(options.threshold);
  const before =
    'before' in threshold ? threshold.before : Math.floor((lifetime * threshold.percentLeft) / 100);
  const renewAt = notAfter - before;
  return {
    needsRenewal: now >= renewAt || now > notAfter,
    expired: now > notAfter,
    renewAt: new Date(renewAt),
    notAfter: new Date(notAfter),
    remaining: notAfter - now,
    threshold,
  };
}

function checkThreshold(t: RenewalThreshold): RenewalThreshold {
  requireOptions(t, 'the threshold');
  if ('before' in t && typeof t.before === 'number' && t.before > 0 && Number.isFinite(t.before)) return t;
  if ('percentLeft' in t && typeof t.percentLeft === 'number' && t.percentLeft > 0 && t.percentLeft <= 100)
    return t;
  throw new PkiError(
    'ERR_INVALID_ARGUMENT',
    'a threshold is { before: ms > 0 } or { percentLeft: 0 < p ≤ 100 }',
  );
}

function certificateTimes(input: NeedsRenewalOptions['certificate']): {
  readonly notBefore: Date;
  readonly notAfter: Date;
} {
  const maybe = input as { notBefore?: unknown; notAfter?: unknown; der?: unknown };
  if (
    typeof input === 'object' &&
    input !== null &&
    !(input instanceof Uint8Array) &&
    maybe.der === undefined &&
    maybe.notBefore instanceof Date &&
    maybe.notAfter instanceof Date
  ) {
    return { notBefore: maybe.notBefore, notAfter: maybe.notAfter };
  }
  const cert: Certificate = toCertificate(input as CertificateInput);
  return cert;
}
