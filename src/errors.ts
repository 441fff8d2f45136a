/**
 * Every error code l5d-pki throws. Codes are stable: match on them, not on messages.
 * `docs/errors.md` explains each one.
 */
export const ERROR_CODES = [
  // Encodings
  'ERR_PEM_INVALID',
  'ERR_PEM_LABEL',
  'ERR_BASE64',
  'ERR_DER',
  'ERR_TRAILING_DATA',
  'ERR_INPUT_TOO_LARGE',
  // Keys
  'ERR_KEY_INVALID',
  'ERR_KEY_UNSUPPORTED',
  'ERR_KEY_MISMATCH',
  'ERR_KEY_PASSWORD',
  // Certificates and CSRs
  'ERR_CERT_INVALID',
  'ERR_CSR_INVALID',
  'ERR_CSR_SIGNATURE',
  'ERR_CSR_KEY_UNSUPPORTED',
  'ERR_CSR_IDENTITY_MISMATCH',
  'ERR_CSR_FORBIDDEN_SAN',
  // Minting
  'ERR_ISSUER_NOT_CA',
  'ERR_ISSUER_EXPIRED',
  'ERR_ISSUER_NOT_YET_VALID',
  'ERR_ISSUER_CHAIN',
  'ERR_LIFETIME_INVALID',
  'ERR_SERIAL_INVALID',
  'ERR_NAME_INVALID',
  // Identities
  'ERR_SPIFFE_ID_INVALID',
  'ERR_TRUST_DOMAIN_INVALID',
  'ERR_IDENTITY_INVALID',
  'ERR_SERVICE_ACCOUNT_INVALID',
  'ERR_SVID_INVALID',
  // Bundles and verification input
  'ERR_BUNDLE_EMPTY',
  'ERR_BUNDLE_INVALID',
  'ERR_SPIFFE_BUNDLE_INVALID',
  'ERR_SPIFFE_BUNDLE_KEY',
  // Schedules and manifests
  'ERR_SCHEDULE_INVALID',
  'ERR_DURATION_INVALID',
  'ERR_MANIFEST_INVALID',
  // Misuse and platform
  'ERR_INVALID_ARGUMENT',
  'ERR_CRYPTO_UNAVAILABLE',
] as const;

/** A stable, machine-readable error code. */
export type PkiErrorCode = (typeof ERROR_CODES)[number];

/**
 * The brand every {@link PkiError} carries, the same in every copy of l5d-pki loaded in a process (its
 * ESM and CJS builds, or two versions), so that {@link isPkiError} recognises them all.
 */
const PKI_ERROR_BRAND: unique symbol = Symbol.for('l5d-pki.PkiError') as never;

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * The one error type l5d-pki throws, for bad input or misuse. Verification failures are results, not
 * exceptions. Messages name what was wrong and where, and never include key material.
 *
 * @example
 * ```ts
 * try {
 *   parseCertificate(new Uint8Array([1, 2, 3]));
 * } catch (e) {
 *   if (e instanceof PkiError && e.code === 'ERR_DER') console.log('not DER');
 * }
 * ```
 */
export class PkiError extends Error {
  /** The stable code; see `docs/errors.md`. */
  readonly code: PkiErrorCode;

  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    // String() rather than the implicit conversion, which throws a TypeError for a Symbol.
    super(typeof message === 'string' ? message : String(message), options);
    this.name = 'PkiError';
    this.code = code;
    Object.defineProperty(this, PKI_ERROR_BRAND, { value: true });
  }
}

/**
 * Whether `value` is a {@link PkiError}, optionally with the given code. It recognises the errors of every
 * copy of l5d-pki in the process (the ESM and the CJS build of a dual package, where `instanceof` fails):
 * an `Error` carrying the library's `Symbol.for` brand and a known `code`.
 *
 * @example
 * ```ts
 * if (isPkiError(e, 'ERR_KEY_UNSUPPORTED')) console.error('bring a P-256 key');
 * ```
 */
export function isPkiError(value: unknown, code?: PkiErrorCode): value is PkiError {
  if (!(value instanceof PkiError)) {
    if (!(value instanceof Error)) return false;
    let branded: unknown;
    let found: unknown;
    try {
      branded = (value as unknown as Record<symbol, unknown>)[PKI_ERROR_BRAND];
      found = (value as { code?: unknown }).code;
    } catch {
      return false;
    }
    if (branded !== true || typeof found !== 'string' || !KNOWN_CODES.has(found)) return false;
  }
  return code === undefined || (value as PkiError).code === code;
}

/** Longest untrusted text {@link quoteInput} shows. */
const MAX_QUOTED = 64;

/**
 * Untrusted input for an error message: JSON-quoted when it is short and on one line, otherwise only its
 * length, so that a private key pasted in the wrong place never ends up in a message or a log.
 *
 * @example
 * ```ts
 * quoteInput('1d'); // '"1d"'
 * quoteInput(keyPem); // '(a 227-character text)'
 * ```
 */
export function quoteInput(text: string): string {
  return text.length <= MAX_QUOTED && !/[\r\n\u2028\u2029]/.test(text)
    ? JSON.stringify(text)
    : `(a ${text.length}-character text)`;
}
