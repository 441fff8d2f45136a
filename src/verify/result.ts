import { parseCertificate } from '../x509/certificate';
import type { Certificate } from '../x509/types';

/**
 * Every reason a verification can fail. Codes are stable: match on them, not on `reason` texts.
 *
 * @example
 * ```ts
 * VERIFY_FAILURE_CODES.includes('EXPIRED'); // true
 * ```
 */
export const VERIFY_FAILURE_CODES = [
  'MALFORMED',
  'EXPIRED',
  'NOT_YET_VALID',
  'UNKNOWN_ISSUER',
  'BAD_SIGNATURE',
  'UNSUPPORTED_ALGORITHM',
  'WEAK_KEY',
  'NOT_A_CA',
  'PATH_LEN_EXCEEDED',
  'KEY_USAGE',
  'EXT_KEY_USAGE',
  'NAME_CONSTRAINTS',
  'NAME_MISMATCH',
  'UNKNOWN_CRITICAL_EXTENSION',
  'PROFILE_VIOLATION',
  'DEPTH_EXCEEDED',
  'BUDGET_EXCEEDED',
  'SVID_INVALID',
  'TRUST_DOMAIN_UNKNOWN',
] as const;

/**
 * Why a chain was refused; see {@link VERIFY_FAILURE_CODES}.
 *
 * @example
 * ```ts
 * const code: VerifyFailureCode = 'UNKNOWN_ISSUER';
 * ```
 */
export type VerifyFailureCode = (typeof VERIFY_FAILURE_CODES)[number];

/**
 * The identities a verified leaf carries.
 *
 * @example
 * ```ts
 * const identity: VerifiedIdentity = { dns: ['web.default.serviceaccount.identity.linkerd.cluster.local'] };
 * ```
 */
export interface VerifiedIdentity {
  /** The leaf's DNS SANs, when it has any. */
  readonly dns?: readonly string[];
  /** The leaf's SPIFFE ID: its only URI SAN, when that is a valid `spiffe://` ID. */
  readonly spiffeId?: string;
}

/**
 * A chain that verified.
 *
 * @example
 * ```ts
 * if (result.ok) console.log(result.path.length, result.validUntil.toISOString());
 * ```
 */
export interface VerifySuccess {
  readonly ok: true;
  /** The validated path: the leaf first, the trust anchor last (a single element when the leaf is itself an anchor). */
  readonly path: readonly Certificate[];
  /** The leaf's identities. */
  readonly identity: VerifiedIdentity;
  /** The earliest notAfter on the path: the chain stops verifying after this instant. */
  readonly validUntil: Date;
}

/**
 * A chain that did not verify. Never thrown: verification failures are results.
 *
 * @example
 * ```ts
 * if (!result.ok && result.code === 'EXPIRED') console.log(`certificate ${result.certIndex} expired`);
 * ```
 */
export interface VerifyFailure {
  readonly ok: false;
  /** The stable code. */
  readonly code: VerifyFailureCode;
  /** A readable explanation (never key material). */
  readonly reason: string;
  /**
   * The certificate the failure is about: its index in the candidate path (leaf = 0, its issuer = 1, ...)
   * or, for SVID rules on presented intermediates, its index in the presented chain; -1 when no single
   * certificate is to blame.
   */
  readonly certIndex: number;
}

/**
 * The outcome of a verification.
 *
 * @example
 * ```ts
 * const result: VerifyResult = await verifyChain({ leaf, bundle });
 * ```
 */
export type VerifyResult = VerifySuccess | VerifyFailure;

/** The path a {@link VerifiedChain} was made with: the verifier's own objects, never handed out. */
let ownPath: (result: VerifiedChain) => readonly Certificate[];

/**
 * A {@link VerifySuccess} whose `path` is handed out as fresh copies, made on first read: the certificates
 * verification used (parsed from private copies of the input, some of them kept by a `Verifier` or a
 * `TrustStore`) never leave the library, so nothing a caller does with a result can change a later
 * verdict. A verification whose path is never read pays nothing for the copies.
 */
export class VerifiedChain implements VerifySuccess {
  static {
    ownPath = (result) => result.#own;
  }
  readonly ok = true;
  readonly identity: VerifiedIdentity;
  readonly validUntil: Date;
  readonly #own: readonly Certificate[];
  #copies: readonly Certificate[] | undefined;

  constructor(own: readonly Certificate[], identity: VerifiedIdentity, validUntil: Date) {
    this.#own = own;
    this.identity = identity;
    this.validUntil = validUntil;
  }

  /** The validated path, leaf first: copies the caller may keep or change. */
  get path(): readonly Certificate[] {
    this.#copies ??= Object.freeze(this.#own.map((c) => parseCertificate(c.der)));
    return this.#copies;
  }
}

/** The certificates `result` was verified with (for the verifier that made it; never handed out). */
export function verifiedPath(result: VerifiedChain): readonly Certificate[] {
  return ownPath(result);
}

/**
 * `result` as an X509-SVID's: a {@link VerifiedChain} (the path still copied on first read) carrying the
 * SPIFFE ID its leaf was verified for and that ID's trust domain.
 */
export function withSpiffeId(
  result: VerifiedChain,
  spiffeId: string,
  trustDomain: string,
): VerifiedChain & { readonly spiffeId: string; readonly trustDomain: string } {
  return new VerifiedSvid(ownPath(result), result.identity, result.validUntil, spiffeId, trustDomain);
}

class VerifiedSvid extends VerifiedChain {
  readonly spiffeId: string;
  readonly trustDomain: string;
  constructor(
    own: readonly Certificate[],
    identity: VerifiedIdentity,
    validUntil: Date,
    spiffeId: string,
    trustDomain: string,
  ) {
    super(own, identity, validUntil);
    this.spiffeId = spiffeId;
    this.trustDomain = trustDomain;
  }
}

/** A failed check before it is tied to a certificate. */
export interface Problem {
  readonly code: VerifyFailureCode;
  readonly reason: string;
}

/** A {@link VerifyFailure} for `problem` about the certificate at `certIndex`. */
export function failure(problem: Problem, certIndex: number): VerifyFailure {
  return { ok: false, code: problem.code, reason: problem.reason, certIndex };
}

/** A {@link Problem}. */
export function problem(code: VerifyFailureCode, reason: string): Problem {
  return { code, reason };
}
