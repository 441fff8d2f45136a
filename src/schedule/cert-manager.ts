import { type DurationInput, formatDuration } from '../duration';
import { PkiError } from '../errors';
import { requireOptions } from '../validate';
import { checkMs, DAY_MS, durationOption, HOUR_MS, MINUTE_MS, SECOND_MS, timeOf } from './time';

/**
 * cert-manager's `spec.duration` when unset: 90 days (`DefaultCertificateDuration`).
 *
 * @example
 * ```ts
 * formatDuration(CERT_MANAGER_DEFAULT_DURATION_MS); // '2160h0m0s'
 * ```
 */
export const CERT_MANAGER_DEFAULT_DURATION_MS = 90 * DAY_MS;
/**
 * cert-manager's smallest accepted `spec.duration`: 1 hour (`MinimumCertificateDuration`).
 *
 * @example
 * ```ts
 * validateCertManagerSpec({ duration: CERT_MANAGER_MIN_DURATION_MS }).ok; // true
 * ```
 */
export const CERT_MANAGER_MIN_DURATION_MS = HOUR_MS;
/**
 * cert-manager's smallest accepted `spec.renewBefore`: 5 minutes (`MinimumRenewBefore`).
 *
 * @example
 * ```ts
 * validateCertManagerSpec({ renewBefore: CERT_MANAGER_MIN_RENEW_BEFORE_MS - 1 }).ok; // false
 * ```
 */
export const CERT_MANAGER_MIN_RENEW_BEFORE_MS = 5 * MINUTE_MS;

/** A certificate's validity and the renewal fields of the cert-manager `Certificate` that owns it. */
export interface CertManagerRenewalInput {
  notBefore: Date;
  notAfter: Date;
  /** `spec.renewBefore`: milliseconds or Go duration text. */
  renewBefore?: DurationInput;
  /** `spec.renewBeforePercentage`, an integer. */
  renewBeforePercentage?: number;
}

function checkPercentage(pct: number | undefined): void {
  if (pct !== undefined && !Number.isInteger(pct)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'renewBeforePercentage must be an integer (an int32 in cert-manager)',
    );
  }
}

/**
 * When cert-manager renews a certificate (`pkg/util/pki/renewaltime.go`, `RenewalTime` without renewal
 * windows). With `d = notAfter − notBefore` (the actual certificate's lifetime, not `spec.duration`):
 *
 * 1. if `0 < renewBefore < d`, renew `renewBefore` before `notAfter`;
 * 2. else if `0 < renewBeforePercentage < 100`, renew `d × pct / 100` before `notAfter`;
 * 3. else renew `d / 3` before `notAfter` (two thirds through the lifetime).
 *
 * A `renewBefore` that is not shorter than the lifetime is silently ignored, never an error. The
 * renewal *time* (`notAfter − renewBefore`), not the `renewBefore` duration, is then truncated down to
 * the whole second (Go `Time.Truncate(time.Second)`), because cert-manager stores it in
 * `status.renewalTime` at second precision. The sums are exact: older cert-manager releases overflowed
 * int64 in `d × pct` for lifetimes over about 2.9 years; this follows the fixed behaviour. Like Go, a
 * certificate whose notAfter is not after its notBefore is not refused (its renewal time is notAfter or later).
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for invalid dates, a non-finite `renewBefore`, or a
 * non-integer percentage.
 * @example
 * ```ts
 * const notBefore = new Date('2025-01-01T00:00:00Z');
 * const notAfter = new Date('2025-01-03T00:00:00Z'); // 48h
 * certManagerRenewalTime({ notBefore, notAfter, renewBefore: '25h' }).toISOString();
 * // '2025-01-01T23:00:00.000Z'
 * certManagerRenewalTime({ notBefore, notAfter }).toISOString(); // '2025-01-02T08:00:00.000Z' (d/3 before)
 * ```
 */
export function certManagerRenewalTime(input: CertManagerRenewalInput): Date {
  requireOptions(input, 'certManagerRenewalTime');
  const notBefore = timeOf(input.notBefore, 'notBefore');
  const notAfter = timeOf(input.notAfter, 'notAfter');
  const { renewBeforePercentage: pct } = input;
  const renewBefore =
    input.renewBefore === undefined ? undefined : durationOption(input.renewBefore, 'renewBefore');
  checkPercentage(pct);

  const lifetime = notAfter - notBefore;
  let before: number;
  if (renewBefore !== undefined && renewBefore > 0 && renewBefore < lifetime) before = renewBefore;
  else if (pct !== undefined && pct > 0 && pct < 100) before = (lifetime * pct) / 100;
  else before = lifetime / 3;
  // floor((notAfter − before) / 1 s), exact even when `before` has a sub-millisecond part: Date
  // instants are whole milliseconds, so subtracting ceil(before) lands in the same second.
  return new Date(Math.floor((notAfter - Math.ceil(before)) / SECOND_MS) * SECOND_MS);
}

/** The renewal fields of a cert-manager `Certificate` spec, durations in milliseconds or Go duration text. */
export interface CertManagerSpecInput {
  /** `spec.duration`; cert-manager uses {@link CERT_MANAGER_DEFAULT_DURATION_MS} when unset. */
  duration?: DurationInput;
  /** `spec.renewBefore`. */
  renewBefore?: DurationInput;
  /** `spec.renewBeforePercentage`, an integer. */
  renewBeforePercentage?: number;
}

/** Which cert-manager rule a spec breaks; stable, for matching in code. */
export type CertManagerSpecRule =
  | 'DURATION_TOO_SHORT'
  | 'RENEW_BEFORE_EXCLUSIVE'
  | 'RENEW_BEFORE_TOO_SHORT'
  | 'RENEW_BEFORE_NOT_BELOW_DURATION'
  | 'PERCENTAGE_NOT_INTEGER'
  | 'PERCENTAGE_TOO_SHORT'
  | 'PERCENTAGE_NOT_BELOW_DURATION';

/** One broken rule, with the field path cert-manager's webhook reports it under. */
export interface CertManagerSpecError {
  field: 'spec.duration' | 'spec.renewBefore' | 'spec.renewBeforePercentage';
  rule: CertManagerSpecRule;
  /** cert-manager's own message. */
  message: string;
}

/** The result of {@link validateCertManagerSpec}: `ok` exactly when `errors` is empty. */
export interface CertManagerSpecValidation {
  ok: boolean;
  errors: CertManagerSpecError[];
}

/**
 * Checks a `Certificate`'s duration fields as cert-manager's admission webhook does
 * (`internal/apis/certmanager/validation/certificate.go`, `ValidateDuration`), with its messages:
 *
 * - `duration` (default 90 days) must be at least 1 h;
 * - `renewBefore` and `renewBeforePercentage` are mutually exclusive (both fields are reported);
 * - `renewBefore` must be at least 5 min and strictly less than `duration`;
 * - for `renewBeforePercentage`, cert-manager checks `duration × (100 − pct) / 100` (note: the complement
 *   of the percentage, as its code does) is at least 5 min and less than `duration`, which confines the
 *   percentage to 1‥99 in practice.
 *
 * Differences, all stricter or safer: the webhook only runs these checks when `duration` or
 * `renewBefore` is set, this always does; a non-integer percentage is reported (the API field is an
 * int32); and the arithmetic cannot overflow as Go's int64 nanoseconds can for decade-long durations.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` when a value is not a finite number.
 * @example
 * ```ts
 * validateCertManagerSpec({ duration: '48h', renewBefore: 25 * 3_600_000 }).ok; // true
 * validateCertManagerSpec({ duration: 30 * 60_000 }).errors[0]?.message;
 * // 'certificate duration must be greater than 1h0m0s'
 * ```
 */
export function validateCertManagerSpec(spec: CertManagerSpecInput): CertManagerSpecValidation {
  requireOptions(spec, 'validateCertManagerSpec');
  const duration = durationOption(spec.duration ?? CERT_MANAGER_DEFAULT_DURATION_MS, 'duration');
  const { renewBeforePercentage: pct } = spec;
  const renewBefore =
    spec.renewBefore === undefined ? undefined : durationOption(spec.renewBefore, 'renewBefore');
  if (pct !== undefined) checkMs(pct, 'renewBeforePercentage');

  const errors: CertManagerSpecError[] = [];
  const add = (field: CertManagerSpecError['field'], rule: CertManagerSpecRule, message: string) =>
    errors.push({ field, rule, message });
  const minRenew = formatDuration(CERT_MANAGER_MIN_RENEW_BEFORE_MS);

  if (duration < CERT_MANAGER_MIN_DURATION_MS) {
    add(
      'spec.duration',
      'DURATION_TOO_SHORT',
      `certificate duration must be greater than ${formatDuration(CERT_MANAGER_MIN_DURATION_MS)}`,
    );
  }
  if (renewBefore !== undefined && pct !== undefined) {
    const message = 'renewBefore and renewBeforePercentage are mutually exclusive and cannot both be set';
    add('spec.renewBefore', 'RENEW_BEFORE_EXCLUSIVE', message);
    add('spec.renewBeforePercentage', 'RENEW_BEFORE_EXCLUSIVE', message);
  }
  if (renewBefore !== undefined) {
    if (renewBefore < CERT_MANAGER_MIN_RENEW_BEFORE_MS) {
      add(
        'spec.renewBefore',
        'RENEW_BEFORE_TOO_SHORT',
        `certificate renewBefore must be greater than ${minRenew}`,
      );
    }
    if (renewBefore >= duration) {
      add(
        'spec.renewBefore',
        'RENEW_BEFORE_NOT_BELOW_DURATION',
        `certificate duration ${formatDuration(duration)} must be greater than renewBefore ${formatDuration(renewBefore)}`,
      );
    }
  }
  if (pct !== undefined && !Number.isInteger(pct)) {
    add('spec.renewBeforePercentage', 'PERCENTAGE_NOT_INTEGER', 'renewBeforePercentage must be an integer');
  } else if (pct !== undefined) {
    const derived = (duration * (100 - pct)) / 100;
    if (derived < CERT_MANAGER_MIN_RENEW_BEFORE_MS) {
      add(
        'spec.renewBeforePercentage',
        'PERCENTAGE_TOO_SHORT',
        `certificate renewBeforePercentage must result in a renewBefore greater than ${minRenew}`,
      );
    }
    if (derived >= duration) {
      add(
        'spec.renewBeforePercentage',
        'PERCENTAGE_NOT_BELOW_DURATION',
        'certificate renewBeforePercentage must result in a renewBefore less than duration',
      );
    }
  }
  return { ok: errors.length === 0, errors };
}
