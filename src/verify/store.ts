import { parseBundle } from '../anchor/bundle';
import { sameBytes } from '../der';
import { isPkiError, PkiError } from '../errors';
import { parseCertificate } from '../x509/certificate';
import type { Certificate } from '../x509/types';
import { ByteIndex } from './bytes';

/**
 * Trust anchors in any of the forms l5d-pki accepts: a PEM bundle, a list of certificates (parsed, DER
 * or PEM), or a {@link TrustStore} built earlier (the cheapest: anchors are parsed once).
 *
 * @example
 * ```ts
 * const bundle: TrustBundleInput = readFileSync('ca-bundle.crt', 'utf8');
 * ```
 */
export type TrustBundleInput = string | readonly (Certificate | Uint8Array | string)[] | TrustStore;

/**
 * A certificate given as parsed, DER or PEM (one certificate).
 *
 * @example
 * ```ts
 * const inputs: CertificateInput[] = [parseCertificate(pem), der, pem];
 * ```
 */
export type CertificateInput = Certificate | Uint8Array | string;

/**
 * Parses `input` unless it already is a {@link Certificate}. Throws the parser's `PkiError`s, and
 * `ERR_INVALID_ARGUMENT` for anything else.
 */
export function toCertificate(input: CertificateInput): Certificate {
  if (typeof input === 'string' || input instanceof Uint8Array) return parseCertificate(input);
  if (typeof input === 'object' && input !== null && input.der instanceof Uint8Array) return input;
  throw new PkiError('ERR_INVALID_ARGUMENT', 'a certificate must be given parsed, as DER or as PEM');
}

/**
 * A set of trust anchors, parsed once and indexed by subject name (DER) and subjectKeyIdentifier.
 *
 * @example
 * ```ts
 * const store = createTrustStore(readFileSync('ca-bundle.crt', 'utf8'));
 * store.anchors.length; // 1
 * const result = await verifyChain({ leaf, intermediates, bundle: store });
 * ```
 */
export class TrustStore {
  /** The anchors, duplicates dropped, in bundle order. */
  readonly anchors: readonly Certificate[];
  readonly #bySubject = new ByteIndex<Certificate>();
  readonly #byKeyId = new ByteIndex<Certificate>();

  /**
   * Keeps private copies of `anchors` (later changes to the caller's buffers cannot touch them). Throws
   * `ERR_BUNDLE_EMPTY` without anchors. Prefer {@link createTrustStore} for unparsed input.
   */
  constructor(anchors: readonly Certificate[]) {
    const unique = anchors.filter((a, i) => anchors.findIndex((b) => sameBytes(a.der, b.der)) === i);
    if (unique.length === 0) throw new PkiError('ERR_BUNDLE_EMPTY', 'the trust bundle holds no certificate');
    this.anchors = unique.map((a) => parseCertificate(a.der.slice()));
    for (const anchor of this.anchors) {
      this.#bySubject.add(anchor.subject.der, anchor);
      if (anchor.subjectKeyId) this.#byKeyId.add(anchor.subjectKeyId, anchor);
    }
  }

  /**
   * The anchors whose subject name is `subjectDer`, byte for byte.
   *
   * @example
   * ```ts
   * store.bySubject(issuerCert.subject.der).length; // 2 while two anchors share a name
   * ```
   */
  bySubject(subjectDer: Uint8Array): readonly Certificate[] {
    return this.#bySubject.get(subjectDer);
  }

  /**
   * The anchors whose subjectKeyIdentifier is `keyId`.
   *
   * @example
   * ```ts
   * if (leaf.authorityKeyId) store.bySubjectKeyId(leaf.authorityKeyId);
   * ```
   */
  bySubjectKeyId(keyId: Uint8Array): readonly Certificate[] {
    return this.#byKeyId.get(keyId);
  }

  /**
   * Whether `cert` is byte for byte one of the anchors. (Other copies of an anchor need no lookup: a
   * certificate naming an anchor's subject as issuer, with a signature its key verifies, chains to it.)
   *
   * @example
   * ```ts
   * store.has(parseCertificate(anchorPem)); // true
   * ```
   */
  has(cert: Certificate): boolean {
    for (const anchor of this.#bySubject.get(cert.subject.der))
      if (sameBytes(anchor.der, cert.der)) return true;
    return false;
  }
}

/**
 * Builds a {@link TrustStore} from a PEM bundle or a list of certificates; a store is returned as is.
 * Throws `ERR_BUNDLE_EMPTY` without certificates, `ERR_BUNDLE_INVALID` when one does not parse (or a PEM
 * block is not a certificate), `ERR_INPUT_TOO_LARGE` for oversized bundles.
 *
 * @example
 * ```ts
 * const store = createTrustStore([anchorPem, nextAnchorPem]); // during an anchor rotation
 * ```
 */
export function createTrustStore(input: TrustBundleInput): TrustStore {
  if (input instanceof TrustStore) return input;
  if (typeof input === 'string')
    return new TrustStore(bundleCertificates(() => parseBundle(input), 'bundle'));
  if (!Array.isArray(input)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'bundle must be PEM text, a list of certificates or a TrustStore',
    );
  }
  return new TrustStore(
    input.map((entry: CertificateInput, i) =>
      bundleCertificates(() => toCertificate(entry), `bundle entry ${i}`),
    ),
  );
}

/** Runs `parse`, turning parser errors into `ERR_BUNDLE_INVALID`. */
function bundleCertificates<T>(parse: () => T, what: string): T {
  try {
    return parse();
  } catch (e) {
    if (isPkiError(e, 'ERR_BUNDLE_EMPTY') || isPkiError(e, 'ERR_INPUT_TOO_LARGE')) throw e;
    throw new PkiError('ERR_BUNDLE_INVALID', `${what}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}
