import { cryptoBackend } from '../crypto/backend';
import { type DurationInput, parseDuration } from '../duration';
import { PkiError } from '../errors';
import type { PrivateKey } from '../keys';
import { encodePem } from '../pem';
import { optionalDate, optionalFunction } from '../validate';
import { parseCertificate } from './certificate';
import { ECDSA_WITH_SHA256, encodeCertificate, encodeTbs, type TbsFields } from './encode';
import type { Certificate } from './types';

/** A source of random bytes, `crypto.getRandomValues` by default. */
export type RandomSource = (length: number) => Uint8Array;

/** The options every minting function shares. */
export interface MintOptions {
  /** The time of issuance; the default is the current time. */
  readonly now?: Date;
  /** A fixed serial number (positive), or a function making one. Default: 128 random bits. */
  readonly serial?: bigint | (() => bigint);
  /**
   * Randomness for serials and keys made on the way. Default: `crypto.getRandomValues`. When given,
   * signatures use deterministic nonces (RFC 6979) too, so the same inputs give byte-identical output.
   */
  readonly random?: RandomSource;
}

/** A certificate as l5d-pki hands it out: parsed, and as DER and PEM. */
export interface IssuedCertificate {
  /** The parsed certificate. */
  readonly certificate: Certificate;
  /** DER bytes. */
  readonly der: Uint8Array;
  /** PEM text (`CERTIFICATE`). */
  readonly pem: string;
}

/** Random bytes drawn ahead for serials: one `getRandomValues` call serves hundreds of certificates. */
const RANDOM_POOL_SIZE = 4096;
let randomPool = new Uint8Array(0);
let randomPoolUsed = 0;

/** `crypto.getRandomValues` as a {@link RandomSource}, drawn in bulk (each call costs microseconds). */
export function platformRandom(length: number): Uint8Array {
  if (length > RANDOM_POOL_SIZE / 8) {
    const out = new Uint8Array(length);
    globalThis.crypto.getRandomValues(out);
    return out;
  }
  if (randomPoolUsed + length > randomPool.length) {
    randomPool = new Uint8Array(RANDOM_POOL_SIZE);
    globalThis.crypto.getRandomValues(randomPool);
    randomPoolUsed = 0;
  }
  const out = randomPool.slice(randomPoolUsed, randomPoolUsed + length);
  randomPool.fill(0, randomPoolUsed, randomPoolUsed + length); // handed out: not kept
  randomPoolUsed += length;
  return out;
}

/** The serial bytes for a new certificate: given, or 128 random bits with the top bit clear and never zero. */
export function serialBytes(options: MintOptions): Uint8Array {
  optionalFunction(options.random, '`random`');
  const s = typeof options.serial === 'function' ? options.serial() : options.serial;
  if (s !== undefined) {
    if (typeof s !== 'bigint' || s <= 0n || s >= 1n << 159n) {
      throw new PkiError('ERR_SERIAL_INVALID', 'serial must be a positive bigint below 2^159 (20 octets)');
    }
    let hex = s.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    return Uint8Array.from(hex.match(/../g)!, (h) => Number.parseInt(h, 16));
  }
  const drawn: unknown = (options.random ?? platformRandom)(16);
  if (!(drawn instanceof Uint8Array) || drawn.length < 16)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'random(16) must return 16 bytes');
  const bytes = drawn.slice(0, 16);
  bytes[0]! &= 0x7f;
  bytes[0]! |= 0x40; // keeps the full 127-bit width, and so never zero
  return bytes;
}

/** Milliseconds truncated to whole seconds, as certificates store time. */
export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** The issuance time in ms, from `now` or the clock. */
export function nowMs(options: MintOptions): number {
  optionalDate(options.now, '`now`');
  const t = options.now === undefined ? Date.now() : options.now.getTime();
  if (!Number.isFinite(t)) throw new PkiError('ERR_INVALID_ARGUMENT', '`now` is not a valid date');
  return t;
}

/**
 * The first instant a certificate's validity can hold as l5d-pki writes it: 1950-01-01T00:00:00Z, where
 * RFC 5280's UTCTime begins.
 *
 * @example
 * ```ts
 * new Date(MIN_CERTIFICATE_TIME_MS).toISOString(); // '1950-01-01T00:00:00.000Z'
 * ```
 */
export const MIN_CERTIFICATE_TIME_MS = Date.UTC(1950, 0, 1);
/**
 * The last instant an X.509 time can express: 9999-12-31T23:59:59Z (RFC 5280 §4.1.2.5).
 *
 * @example
 * ```ts
 * new Date(MAX_CERTIFICATE_TIME_MS).toISOString(); // '9999-12-31T23:59:59.000Z'
 * ```
 */
export const MAX_CERTIFICATE_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
const LONGEST_SPAN_MS = MAX_CERTIFICATE_TIME_MS - MIN_CERTIFICATE_TIME_MS;

/**
 * Checks a lifetime, given as milliseconds or Go duration text: a whole, positive number of milliseconds
 * that an X.509 validity can span. Anything else (zero, negative, fractional, NaN, infinite, not a number,
 * longer than 1950 to 9999) throws `ERR_LIFETIME_INVALID`; text that is not a Go duration throws
 * `ERR_DURATION_INVALID`.
 *
 * @example
 * ```ts
 * checkLifetime(24 * 3_600_000, 'leaf lifetime'); // 86400000
 * checkLifetime('24h', 'leaf lifetime'); // 86400000
 * checkLifetime(-1, 'leaf lifetime'); // throws ERR_LIFETIME_INVALID
 * ```
 */
export function checkLifetime(input: DurationInput, what: string): number {
  const lifetime = typeof input === 'string' ? parseDuration(input) : input;
  if (
    typeof lifetime !== 'number' ||
    !Number.isSafeInteger(lifetime) ||
    lifetime <= 0 ||
    lifetime > LONGEST_SPAN_MS
  ) {
    throw new PkiError(
      'ERR_LIFETIME_INVALID',
      `${what} must be a whole, positive number of milliseconds that a certificate can span, got ${describeNumber(lifetime)}`,
    );
  }
  return lifetime;
}

/**
 * Checks a clock-skew allowance (milliseconds or Go duration text) and the validity it makes with `now` and `lifetime` (already checked with
 * {@link checkLifetime}): the skew is a whole number of milliseconds, zero or more (`ERR_INVALID_ARGUMENT`
 * otherwise: a negative skew would put notBefore after now, or after notAfter), and
 * `[now − skew, now + lifetime + skew]` lies within what an X.509 time expresses, 1950 to 9999
 * (`ERR_LIFETIME_INVALID` otherwise). Returns the skew.
 *
 * @example
 * ```ts
 * const skew = checkClockSkew(options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS, 'leaf', now, lifetime);
 * ```
 */
export function checkClockSkew(input: DurationInput, what: string, now: number, lifetime: number): number {
  const skew = typeof input === 'string' ? parseDuration(input) : input;
  if (typeof skew !== 'number' || !Number.isSafeInteger(skew) || skew < 0 || skew > LONGEST_SPAN_MS) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      `${what} clockSkew must be a whole number of milliseconds, zero or more, got ${describeNumber(skew)}`,
    );
  }
  if (now - skew < MIN_CERTIFICATE_TIME_MS || now + lifetime + skew > MAX_CERTIFICATE_TIME_MS) {
    throw new PkiError(
      'ERR_LIFETIME_INVALID',
      `${what} validity would reach outside 1950-01-01 to 9999-12-31T23:59:59Z, which certificates cannot express`,
    );
  }
  return skew;
}

function describeNumber(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : `a ${typeof value}`;
}

/** The TBSCertificate for `fields`, to be signed with ecdsa-with-SHA256 ({@link signTbs}). */
export function ecdsaTbs(fields: TbsFields): Uint8Array {
  // Whatever the options were, nothing is signed whose validity ends before it begins.
  if (!(fields.notBefore <= fields.notAfter)) {
    throw new PkiError('ERR_LIFETIME_INVALID', 'the validity would end before it begins');
  }
  return encodeTbs(fields, ECDSA_WITH_SHA256);
}

/** Signs a TBSCertificate from {@link ecdsaTbs} (deterministically when `options.random` is set); returns the certificate DER. */
export async function signTbs(tbs: Uint8Array, key: PrivateKey, options: MintOptions): Promise<Uint8Array> {
  const signature = options.random ? key.signDeterministic(tbs) : await key.sign(tbs);
  return encodeCertificate(tbs, signature);
}

/** Signs TBS fields with ecdsa-with-SHA256 (deterministically when `options.random` is set); returns the certificate DER. */
export async function signCertificateDer(
  fields: TbsFields,
  key: PrivateKey,
  options: MintOptions,
): Promise<Uint8Array> {
  return signTbs(ecdsaTbs(fields), key, options);
}

/** Signs TBS fields with ecdsa-with-SHA256 (deterministically when `options.random` is set) and returns the certificate in all its forms. */
export async function signCertificate(
  fields: TbsFields,
  key: PrivateKey,
  options: MintOptions,
): Promise<IssuedCertificate> {
  const der = await signCertificateDer(fields, key, options);
  return { certificate: parseCertificate(der), der, pem: encodePem('CERTIFICATE', der) };
}

/** The key identifier l5d-pki writes: SHA-256 of the subjectPublicKey bits, first 160 bits (RFC 7093 §2 method 1). */
export async function keyIdentifier(point: Uint8Array): Promise<Uint8Array> {
  return (await cryptoBackend().digest('SHA-256', point)).slice(0, 20);
}
