import { describe, expect, it } from 'vitest';
import {
  CERT_MANAGER_DEFAULT_DURATION_MS,
  CERT_MANAGER_MIN_DURATION_MS,
  CERT_MANAGER_MIN_RENEW_BEFORE_MS,
  certManagerRenewalTime,
  formatDuration,
  PROXY_REFRESH_MAX_MS,
  PROXY_REFRESH_MIN_MS,
  parseDuration,
  proxyRefreshDelay,
  validateCertManagerSpec,
} from '../src/schedule';
import { codeOf } from './helpers/pki';

const NS = 1e-6;
const US = 1e-3;
const MS = 1;
const S = 1_000;
const M = 60 * S;
const H = 60 * M;
/** ±2^63 ns, Go's duration limits, in milliseconds (as close as a float64 gets). */
const MAX_GO_MS = 9_223_372_036_854 + 0.775807;
const MIN_GO_MS = -(9_223_372_036_854 + 0.775808);

describe('parseDuration (Go time.ParseDuration test table)', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['5s', 5 * S],
    ['30s', 30 * S],
    ['1478s', 1478 * S],
    ['-5s', -5 * S],
    ['+5s', 5 * S],
    ['-0', 0],
    ['+0', 0],
    ['5.0s', 5 * S],
    ['5.6s', 5 * S + 600 * MS],
    ['5.s', 5 * S],
    ['.5s', 500 * MS],
    ['1.0s', 1 * S],
    ['1.00s', 1 * S],
    ['1.004s', 1 * S + 4 * MS],
    ['1.0040s', 1 * S + 4 * MS],
    ['100.00100s', 100 * S + 1 * MS],
    ['10ns', 10 * NS],
    ['11us', 11 * US],
    ['12\u00b5s', 12 * US],
    ['12\u03bcs', 12 * US],
    ['13ms', 13 * MS],
    ['14s', 14 * S],
    ['15m', 15 * M],
    ['16h', 16 * H],
    ['3h30m', 3 * H + 30 * M],
    ['10.5s4m', 4 * M + 10 * S + 500 * MS],
    ['-2m3.4s', -(2 * M + 3 * S + 400 * MS)],
    ['1h2m3s4ms5us6ns', 1 * H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS],
    ['39h9m14.425s', 39 * H + 9 * M + 14 * S + 425 * MS],
    ['52763797000ns', 52763.797],
    ['0.3333333333333333333h', 20 * M],
    ['9007199254740993ns', 9007199254.740993],
    ['9223372036854775807ns', MAX_GO_MS],
    ['9223372036854775.807us', MAX_GO_MS],
    ['9223372036s854ms775us807ns', MAX_GO_MS],
    ['-9223372036854775808ns', MIN_GO_MS],
    ['-9223372036854775.808us', MIN_GO_MS],
    ['-9223372036s854ms775us808ns', MIN_GO_MS],
    ['-2562047h47m16.854775808s', MIN_GO_MS],
    ['0.100000000000000000000h', 6 * M],
    ['0.830103483285477580700h', 49 * M + 48 * S + 372.539827],
    // The forms this library meets in practice.
    ['24h', 24 * H],
    ['87600h', 87600 * H],
    ['90m', 90 * M],
    ['1h30m', 90 * M],
    ['1.5h', 90 * M],
    ['300ms', 300],
    ['1us', US],
    ['1\u00b5s', US],
    ['1ns', NS],
    ['48h0m0s', 48 * H],
  ])('%s', (input, ms) => {
    expect(parseDuration(input)).toBeCloseTo(ms, 6);
  });

  it.each([
    '',
    '3',
    '-',
    's',
    '.',
    '-.',
    '.s',
    '+.s',
    '1d',
    '\x85\x85',
    '\xffff',
    'hello \xffff world',
    '\uFFFD',
    '\uFFFD hello \uFFFD world',
    '9223372036854775810ns',
    '9223372036854775808ns',
    '-9223372036854775809ns',
    '9223372036854776us',
    '3000000h',
    '9223372036854775.808us',
    '9223372036854ms775us808ns',
    '1h 30m',
    ' 1h',
    '1H',
    '1e3s',
  ])('refuses %j', (input) => {
    expect(codeOf(() => parseDuration(input))).toBe('ERR_DURATION_INVALID');
  });

  it('names the problem like Go does', () => {
    expect(() => parseDuration('1d')).toThrow('unknown unit "d" in duration "1d"');
    expect(() => parseDuration('3')).toThrow('missing unit in duration "3"');
    expect(() => parseDuration('')).toThrow('invalid duration ""');
  });

  it('refuses a non-string', () => {
    expect(codeOf(() => parseDuration(5 as unknown as string))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('formatDuration (Go Duration.String test table)', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [1 * NS, '1ns'],
    [1100 * NS, '1.1\u00b5s'],
    [2200 * US, '2.2ms'],
    [3300 * MS, '3.3s'],
    [4 * M + 5 * S, '4m5s'],
    [4 * M + 5001 * MS, '4m5.001s'],
    [5 * H + 6 * M + 7001 * MS, '5h6m7.001s'],
    [8 * M + 1 * NS, '8m0.000000001s'],
    [2562047 * H, '2562047h0m0s'],
    [-(2562047 * H + 47 * M + 16 * S), '-2562047h47m16s'],
    [24 * H, '24h0m0s'],
    [90 * M, '1h30m0s'],
    [-1 * M, '-1m0s'],
    [1 * US, '1\u00b5s'],
    [300, '300ms'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([0, 1, 999, 1_000, 59_999, 3_600_000, 86_400_000, 90 * 86_400_000, -1234.5])(
    'round-trips %d',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );

  it('refuses values Go cannot hold and non-finite numbers', () => {
    expect(codeOf(() => formatDuration(1e16))).toBe('ERR_DURATION_INVALID');
    expect(codeOf(() => formatDuration(Number.NaN))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => formatDuration(Number.POSITIVE_INFINITY))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('proxyRefreshDelay (linkerd2-proxy refresh_in)', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const at = (ms: number) => new Date(now.getTime() + ms);

  it.each<[string, number, number]>([
    ['70% of a fresh 24h leaf', 24 * H, 16.8 * H],
    ['70% of 24h10s', 24 * H + 10 * S, 60_487_000],
    ['70% of the remaining 1h', 1 * H, 42 * M],
    ['clamped to max', 48 * H, PROXY_REFRESH_MAX_MS],
    ['just over max', Math.ceil((24 * H * 10) / 7), PROXY_REFRESH_MAX_MS],
    ['just under max', Math.floor((24 * H * 10) / 7), 86_399_999],
    ['clamped to min', 5 * S, PROXY_REFRESH_MIN_MS],
    ['expiring now', 0, PROXY_REFRESH_MIN_MS],
    ['expired', -1 * H, PROXY_REFRESH_MIN_MS],
    ['sub-millisecond 70%, rounded down to whole ms', 20 * S + 1, 14_000],
  ])('%s', (_name, remaining, expected) => {
    const delay = proxyRefreshDelay({ notAfter: at(remaining), now });
    expect(delay).toBe(expected);
    expect(Number.isInteger(delay)).toBe(true);
  });

  it('honours custom bounds', () => {
    expect(proxyRefreshDelay({ notAfter: at(24 * H), now, max: 1 * H })).toBe(1 * H);
    expect(proxyRefreshDelay({ notAfter: at(10 * S), now, min: 30 * S })).toBe(30 * S);
    expect(proxyRefreshDelay({ notAfter: at(-1), now, min: 1 * S, max: 2 * S })).toBe(1 * S);
    expect(proxyRefreshDelay({ notAfter: at(24 * H), now, min: '1m', max: '1h' })).toBe(1 * H);
    expect(proxyRefreshDelay({ notAfter: at(10 * S), now, min: '30s' })).toBe(30 * S);
  });

  it('refuses bad input', () => {
    expect(codeOf(() => proxyRefreshDelay({ notAfter: new Date(Number.NaN), now }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => proxyRefreshDelay({ notAfter: now, now: 'now' as unknown as Date }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => proxyRefreshDelay({ notAfter: now, now, min: -1 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => proxyRefreshDelay({ notAfter: now, now, min: '1d' }))).toBe('ERR_DURATION_INVALID');
    expect(codeOf(() => proxyRefreshDelay({ notAfter: now, now, min: 2, max: 1 }))).toBe(
      'ERR_SCHEDULE_INVALID',
    );
    // The positional form of earlier releases is misuse, not a silent wrong answer.
    expect(codeOf(() => proxyRefreshDelay(now as never))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('certManagerRenewalTime (cert-manager RenewalTime)', () => {
  const nb = new Date('2025-03-10T12:00:00Z');
  const plus = (ms: number) => new Date(nb.getTime() + ms);
  type Case = [string, number, { renewBefore?: number; renewBeforePercentage?: number }, number];

  // Cases from cert-manager's renewaltime_test.go, plus the edges of each fallback.
  it.each<Case>([
    ['3h cert, nothing set: 2/3 through', 3 * H, {}, 2 * H],
    ['6-month cert, nothing set', 4380 * H, {}, 2920 * H],
    ['renewBefore 20h of 24h', 24 * H, { renewBefore: 20 * H }, 4 * H],
    ['1-month cert renewed daily', 730 * H, { renewBefore: 706 * H }, 24 * H],
    ['renewBefore > lifetime falls back to d/3', 24 * H, { renewBefore: 25 * H }, 16 * H],
    ['renewBefore == lifetime falls back to d/3', 24 * H, { renewBefore: 24 * H }, 16 * H],
    ['renewBefore 0 falls back to d/3', 24 * H, { renewBefore: 0 }, 16 * H],
    ['negative renewBefore falls back to d/3', 24 * H, { renewBefore: -1 * H }, 16 * H],
    ['renewBefore just under lifetime', 24 * H + 3 * M, { renewBefore: 24 * H }, 3 * M],
    ['percentage 30 of a month', 730 * H, { renewBeforePercentage: 30 }, 511 * H],
    ['percentage 25 of 3h', 3 * H, { renewBeforePercentage: 25 }, 2 * H + 15 * M],
    ['percentage 100 falls back to d/3', 3 * H, { renewBeforePercentage: 100 }, 2 * H],
    ['percentage 0 falls back to d/3', 3 * H, { renewBeforePercentage: 0 }, 2 * H],
    [
      'valid renewBefore wins over percentage',
      24 * H,
      { renewBefore: 1 * H, renewBeforePercentage: 50 },
      23 * H,
    ],
    [
      'invalid renewBefore yields to percentage',
      24 * H,
      { renewBefore: 30 * H, renewBeforePercentage: 50 },
      12 * H,
    ],
    ['percentage 99 of 10 years (no int64 overflow)', 87600 * H, { renewBeforePercentage: 99 }, 876 * H],
    ['Linkerd issuer 48h/25h', 48 * H, { renewBefore: 25 * H }, 23 * H],
  ])('%s', (_name, lifetime, opts, expectedAfterNotBefore) => {
    const got = certManagerRenewalTime({ notBefore: nb, notAfter: plus(lifetime), ...opts });
    expect(got.getTime()).toBe(nb.getTime() + expectedAfterNotBefore);
  });

  it('truncates the renewal time (not renewBefore) down to the second', () => {
    // 24h − 1s lifetime: d/3 = 7h59m59.666s; notAfter − d/3 = 16h − 0.333s → truncated to 15h59m59s.
    const skewed = certManagerRenewalTime({ notBefore: nb, notAfter: plus(24 * H - 1 * S) });
    expect(skewed.getTime()).toBe(nb.getTime() + 16 * H - 1 * S);
    // Sub-second notAfter: 1.7s past a second boundary, renewBefore 1h → truncated to the boundary.
    const subSecond = certManagerRenewalTime({
      notBefore: nb,
      notAfter: plus(2 * H + 1700),
      renewBefore: 1 * H,
    });
    expect(subSecond.getTime()).toBe(nb.getTime() + 1 * H + 1 * S);
    // A renewBefore with a sub-millisecond part lands one second earlier when it crosses the boundary.
    const ns = certManagerRenewalTime({ notBefore: nb, notAfter: plus(2 * H), renewBefore: 1 * H + NS });
    expect(ns.getTime()).toBe(nb.getTime() + 1 * H - 1 * S);
    for (const t of [skewed, subSecond, ns]) expect(t.getTime() % 1000).toBe(0);
  });

  it('refuses bad input', () => {
    expect(codeOf(() => certManagerRenewalTime({ notBefore: new Date(Number.NaN), notAfter: nb }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => certManagerRenewalTime({ notBefore: nb, notAfter: nb, renewBeforePercentage: 33.5 })),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() => certManagerRenewalTime({ notBefore: nb, notAfter: nb, renewBefore: Number.NaN })),
    ).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('validateCertManagerSpec (cert-manager ValidateDuration)', () => {
  const DAY = 24 * H;
  type Case = [string, Parameters<typeof validateCertManagerSpec>[0], string[]];

  // Scenarios from cert-manager's TestValidateDuration, then boundaries.
  it.each<Case>([
    ['defaults', {}, []],
    ['valid duration and renewBefore', { duration: 365 * DAY, renewBefore: 180 * DAY }, []],
    ['unset duration, renewBefore valid for the 90d default', { renewBefore: 30 * DAY }, []],
    ['unset renewBefore', { duration: 365 * DAY }, []],
    ['renewBefore beyond the default duration', { renewBefore: 3650 * DAY }, ['spec.renewBefore']],
    ['renewBefore beyond the duration', { duration: 30 * DAY, renewBefore: 365 * DAY }, ['spec.renewBefore']],
    ['renewBefore below the minimum', { renewBefore: 1 * S }, ['spec.renewBefore']],
    [
      'renewBefore and renewBeforePercentage both set',
      { renewBefore: 30 * DAY, renewBeforePercentage: 95 },
      ['spec.renewBefore', 'spec.renewBeforePercentage'],
    ],
    ['valid duration and percentage', { duration: 365 * DAY, renewBeforePercentage: 95 }, []],
    ['percentage valid for the default duration', { renewBeforePercentage: 95 }, []],
    [
      'percentage 0 derives renewBefore == duration',
      { renewBeforePercentage: 0 },
      ['spec.renewBeforePercentage'],
    ],
    ['percentage 100 derives renewBefore 0', { renewBeforePercentage: 100 }, ['spec.renewBeforePercentage']],
    ['duration below the minimum', { duration: 30 * M, renewBefore: 10 * M }, ['spec.duration']],
    ['duration exactly 1h', { duration: 1 * H }, []],
    ['duration 0', { duration: 0 }, ['spec.duration']],
    ['renewBefore exactly 5m', { duration: 1 * H, renewBefore: 5 * M }, []],
    ['renewBefore equal to duration', { duration: 48 * H, renewBefore: 48 * H }, ['spec.renewBefore']],
    ['Linkerd 48h/25h', { duration: 48 * H, renewBefore: 25 * H }, []],
    ['percentage 91 of 1h (complement 5m24s)', { duration: 1 * H, renewBeforePercentage: 91 }, []],
    [
      'percentage 92 of 1h (complement 4m48s)',
      { duration: 1 * H, renewBeforePercentage: 92 },
      ['spec.renewBeforePercentage'],
    ],
    ['negative percentage', { renewBeforePercentage: -5 }, ['spec.renewBeforePercentage']],
    ['fractional percentage', { renewBeforePercentage: 33.3 }, ['spec.renewBeforePercentage']],
    [
      'short duration breaks both',
      { duration: 4 * M, renewBefore: 4 * M },
      ['spec.duration', 'spec.renewBefore', 'spec.renewBefore'],
    ],
  ])('%s', (_name, spec, fields) => {
    const result = validateCertManagerSpec(spec);
    expect(result.errors.map((e) => e.field)).toEqual(fields);
    expect(result.ok).toBe(fields.length === 0);
  });

  it("uses cert-manager's messages and stable rule codes", () => {
    const { errors } = validateCertManagerSpec({ duration: 30 * M, renewBefore: 1 * H });
    expect(errors).toEqual([
      {
        field: 'spec.duration',
        rule: 'DURATION_TOO_SHORT',
        message: 'certificate duration must be greater than 1h0m0s',
      },
      {
        field: 'spec.renewBefore',
        rule: 'RENEW_BEFORE_NOT_BELOW_DURATION',
        message: 'certificate duration 30m0s must be greater than renewBefore 1h0m0s',
      },
    ]);
    expect(validateCertManagerSpec({ renewBefore: 1 * M }).errors[0]?.message).toBe(
      'certificate renewBefore must be greater than 5m0s',
    );
    expect(validateCertManagerSpec({ renewBeforePercentage: 0 }).errors[0]?.rule).toBe(
      'PERCENTAGE_NOT_BELOW_DURATION',
    );
    expect(validateCertManagerSpec({ renewBeforePercentage: 100 }).errors[0]?.rule).toBe(
      'PERCENTAGE_TOO_SHORT',
    );
  });

  it('exports the limits it applies', () => {
    expect(CERT_MANAGER_DEFAULT_DURATION_MS).toBe(2160 * H);
    expect(CERT_MANAGER_MIN_DURATION_MS).toBe(1 * H);
    expect(CERT_MANAGER_MIN_RENEW_BEFORE_MS).toBe(5 * M);
  });

  it('refuses non-numbers', () => {
    expect(codeOf(() => validateCertManagerSpec({ duration: Number.NaN }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => validateCertManagerSpec({ renewBefore: Number.POSITIVE_INFINITY }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});
