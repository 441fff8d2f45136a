/**
 * Durations: Go's `time.ParseDuration` and `Duration.String()`, and {@link DurationInput}, the one form every
 * duration option of the library takes (whole milliseconds or Go duration text).
 *
 * @module
 */
import { PkiError, type PkiErrorCode, quoteInput } from './errors';

/** 2^63: Go durations are int64 nanoseconds, so magnitudes above this cannot exist. */
const LIMIT = 1n << 63n;
const NS_PER_MS = 1_000_000n;
const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MINUTE = 60n * NS_PER_SECOND;

/** Go's unit table; both micro signs (U+00B5 and U+03BC) are accepted, as Go does. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', NS_PER_MS],
  ['s', NS_PER_SECOND],
  ['m', NS_PER_MINUTE],
  ['h', 60n * NS_PER_MINUTE],
]);

function invalid(message: string): PkiError {
  return new PkiError('ERR_DURATION_INVALID', message);
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function digitAt(s: string, i: number): bigint {
  return BigInt(s.charCodeAt(i) - 48);
}

/**
 * Go's `time.ParseDuration`, in exact integer nanoseconds: the same grammar
 * (`[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare `0`), the same overflow limits, and the same float64
 * arithmetic for fractions, so every input Go accepts gives the same nanosecond count here.
 */
function parseNanos(orig: string): bigint {
  const shown = quoteInput(orig);
  const bad = () => invalid(`invalid duration ${shown}`);
  let s = orig;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw bad();

  let total = 0n;
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '.' && !isDigit(s, i)) throw bad();

    // Integer part: [0-9]*
    const intStart = i;
    let v = 0n;
    for (; i < s.length && isDigit(s, i); i++) {
      if (v > LIMIT / 10n) throw bad();
      v = v * 10n + digitAt(s, i);
      if (v > LIMIT) throw bad();
    }
    const pre = i > intStart;

    // Fraction: (\.[0-9]*)? — digits past int64 precision are read but ignored, like Go.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      let overflow = false;
      for (; i < s.length && isDigit(s, i); i++) {
        if (overflow) continue;
        const y = f * 10n + digitAt(s, i);
        if (f > (LIMIT - 1n) / 10n || y > LIMIT) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > fracStart;
    }
    if (!pre && !post) throw bad();

    // Unit: everything up to the next digit or dot.
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s, i)) i++;
    if (i === unitStart) throw invalid(`missing unit in duration ${shown}`);
    const unitName = s.slice(unitStart, i);
    const unit = UNITS.get(unitName);
    if (unit === undefined) {
      // The unit is a piece of the input, so it is shown only when the whole input is.
      const named = shown === JSON.stringify(orig) ? ` ${JSON.stringify(unitName)}` : '';
      throw invalid(`unknown unit${named} in duration ${shown}`);
    }

    if (v > LIMIT / unit) throw bad();
    v *= unit;
    if (f > 0n) {
      // Go: uint64(float64(f) * (float64(unit) / scale)), nanosecond-accurate for fractions of hours.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw bad();
    }
    total += v;
    if (total > LIMIT) throw bad();
  }
  if (neg) return -total;
  if (total > LIMIT - 1n) throw bad();
  return total;
}

/**
 * Parses a duration with the syntax of Go's `time.ParseDuration` (what Kubernetes, cert-manager and
 * Linkerd's flags accept): a sign, then one or more decimal numbers each with a unit among `ns`, `us`
 * (or `µs`), `ms`, `s`, `m`, `h`. A bare `0` needs no unit. Days are not a unit.
 *
 * The value is computed in exact nanoseconds, with Go's overflow limits (±2^63 ns), then returned in
 * milliseconds, so sub-millisecond inputs give fractional results (`1us` → `0.001`).
 *
 * @returns the duration in milliseconds (may be fractional or negative).
 * @throws {@link PkiError} `ERR_DURATION_INVALID` for empty input, a missing or unknown unit, a malformed
 * number, or a value out of Go's range; `ERR_INVALID_ARGUMENT` for a non-string.
 * @example
 * ```ts
 * parseDuration('24h'); // 86400000
 * parseDuration('1h30m'); // 5400000
 * parseDuration('1.5h'); // 5400000
 * parseDuration('-300ms'); // -300
 * parseDuration('1d'); // throws ERR_DURATION_INVALID (unknown unit "d")
 * ```
 */
export function parseDuration(s: string): number {
  if (typeof s !== 'string') throw new PkiError('ERR_INVALID_ARGUMENT', 'duration must be a string');
  const ns = parseNanos(s);
  return Number(ns / NS_PER_MS) + Number(ns % NS_PER_MS) / 1e6;
}

/** `value / 10^prec` in decimal, without trailing zeros in the fraction (Go's fmtFrac + fmtInt). */
function decimal(value: bigint, prec: number): string {
  const unit = 10n ** BigInt(prec);
  const frac = (value % unit).toString().padStart(prec, '0').replace(/0+$/, '');
  return frac === '' ? `${value / unit}` : `${value / unit}.${frac}`;
}

function formatNanos(ns: bigint): string {
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let out: string;
  if (u === 0n) {
    out = '0s';
  } else if (u < 1_000n) {
    out = `${u}ns`;
  } else if (u < NS_PER_MS) {
    out = `${decimal(u, 3)}\u00b5s`;
  } else if (u < NS_PER_SECOND) {
    out = `${decimal(u, 6)}ms`;
  } else {
    const minutes = u / NS_PER_MINUTE;
    const hours = minutes / 60n;
    out = `${decimal(u % NS_PER_MINUTE, 9)}s`;
    if (minutes > 0n) out = `${minutes % 60n}m${out}`;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return neg ? `-${out}` : out;
}

/**
 * Formats milliseconds exactly as Go's `time.Duration.String()` does: `24h0m0s`, `1h30m0s`, `1.5s`,
 * `300ms`, `1µs`, `0s`. The input is rounded to the nearest nanosecond. {@link parseDuration} reads the
 * result back to the same value, and also accepts short forms such as `24h`.
 *
 * @throws {@link PkiError} `ERR_INVALID_ARGUMENT` for a non-finite number; `ERR_DURATION_INVALID` when the
 * value does not fit a Go duration (about ±292 years).
 * @example
 * ```ts
 * formatDuration(86_400_000); // '24h0m0s'
 * formatDuration(5_400_000); // '1h30m0s'
 * formatDuration(1_500); // '1.5s'
 * formatDuration(0.001); // '1µs'
 * ```
 */
export function formatDuration(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'duration must be a finite number of milliseconds');
  }
  const whole = Math.trunc(ms);
  const ns = BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
  if (ns >= LIMIT || ns < -LIMIT) throw invalid(`duration of ${ms} ms is out of Go's range`);
  return formatNanos(ns);
}

/**
 * A duration as every option of l5d-pki takes it: a number of milliseconds, or Go duration text
 * (`'24h'`, `'1h30m'`, `'87600h'`) as Kubernetes, cert-manager and Linkerd's flags write it.
 *
 * @example
 * ```ts
 * const lifetime: DurationInput = '87600h'; // the same as 87_600 * 3_600_000
 * await createTrustAnchor({ lifetime });
 * ```
 */
export type DurationInput = number | string;

/**
 * The whole milliseconds of a {@link DurationInput}: a number is taken as it is, text is read with
 * {@link parseDuration}. Anything that is not a whole number of milliseconds of at least `min` (a
 * fraction, NaN, an infinity, sub-millisecond text) throws `code`, naming `what`; text that is not a Go
 * duration throws `ERR_DURATION_INVALID`, anything but a number or a string `ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * durationMs('24h', 'leaf lifetime', 'ERR_LIFETIME_INVALID', 1); // 86400000
 * durationMs(1.5, 'margin', 'ERR_DURATION_INVALID', 0); // throws ERR_DURATION_INVALID
 * ```
 */
export function durationMs(
  input: DurationInput,
  what: string,
  code: PkiErrorCode = 'ERR_DURATION_INVALID',
  min = Number.NEGATIVE_INFINITY,
): number {
  let ms: number;
  if (typeof input === 'number') ms = input;
  else if (typeof input === 'string') ms = parseDuration(input);
  else
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `${what} must be a number of milliseconds or Go duration text (such as "24h")`,
    );
  if (!Number.isSafeInteger(ms) || ms < min) {
    const shown = typeof input === 'string' ? quoteInput(input) : String(ms);
    const floor = min === Number.NEGATIVE_INFINITY ? '' : ` of at least ${min}`;
    throw new PkiError(code, `${what} must be a whole number of milliseconds${floor}, got ${shown}`);
  }
  return ms;
}
