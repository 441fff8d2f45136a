import { bundleDer, MAX_BUNDLE_CERTIFICATES } from '../anchor/bundle';
import { sameBytes } from '../der';
import { isPkiError, PkiError } from '../errors';
import { decodePemBlock } from '../pem';
import { parseCertificate } from '../x509/certificate';
import { type CertificateInput, certificateDer, toCertificate } from '../x509/input';
import type { Certificate } from '../x509/types';
import { ByteIndex } from './bytes';

export { type CertificateInput, certificateDer, toCertificate };

/**
 * Trust anchors in any of the forms l5d-pki accepts: a PEM bundle, a list of certificates (parsed, DER
 * or PEM), or a {@link TrustStore} built earlier (the cheapest: anchors are parsed once).
 *
 * @example
 * ```ts
 * const bundle: TrustBundleInput = readFileSync('ca-bundle.crt', 'utf8');
 * ```
 */
export type TrustBundleInput = string | readonly CertificateInput[] | TrustStore;

/**
 * The brand of a {@link TrustStore}, the same in every copy of l5d-pki in the process (the ESM and the CJS
 * build of a dual package), so a store made by another copy is recognised. Only the brand is shared: a
 * store from another copy is rebuilt from its public `anchors` (fresh copies), never from its internals.
 */
const TRUST_STORE_BRAND: unique symbol = Symbol.for('l5d-pki.TrustStore') as never;

/** Each store's private anchors and their indexes (out of every caller's reach). */
const internals = new WeakMap<TrustStore, StoreIndex>();

interface StoreIndex {
  readonly anchors: readonly Certificate[];
  readonly bySubject: ByteIndex<Certificate>;
  readonly byKeyId: ByteIndex<Certificate>;
}

/**
 * A set of trust anchors, parsed once from private copies and indexed by subject name (DER) and
 * subjectKeyIdentifier. Immutable: nothing a caller holds, the input it was built from or the
 * certificates {@link TrustStore.anchors} hands out, reaches the copies verification uses.
 *
 * @example
 * ```ts
 * const store = createTrustStore(readFileSync('ca-bundle.crt', 'utf8'));
 * store.size; // 1
 * const result = await verifyChain({ leaf, intermediates, bundle: store });
 * ```
 */
export class TrustStore {
  /**
   * Parses private copies of `anchors` (later changes to the caller's buffers or objects cannot touch
   * them), dropping duplicates. Throws `ERR_BUNDLE_EMPTY` without anchors, `ERR_INPUT_TOO_LARGE` beyond
   * {@link MAX_BUNDLE_CERTIFICATES} distinct ones, `ERR_INVALID_ARGUMENT` for anything but a list of
   * certificates. Prefer {@link createTrustStore} for unparsed input.
   */
  constructor(anchors: readonly (Certificate | Uint8Array)[]) {
    if (!Array.isArray(anchors)) throw new PkiError('ERR_INVALID_ARGUMENT', 'anchors must be an array');
    const ders = distinctDer(anchors.map((a: Certificate | Uint8Array) => certificateDer(a)));
    const own = ders.map((der, i) => bundleCertificates(() => parseCertificate(der), `bundle entry ${i}`));
    const bySubject = new ByteIndex<Certificate>();
    const byKeyId = new ByteIndex<Certificate>();
    for (const anchor of own) {
      bySubject.add(anchor.subject.der, anchor);
      if (anchor.subjectKeyId) byKeyId.add(anchor.subjectKeyId, anchor);
    }
    internals.set(this, { anchors: own, bySubject, byKeyId });
    Object.defineProperty(this, TRUST_STORE_BRAND, { value: true });
    Object.freeze(this);
  }

  /**
   * How many distinct anchors the store holds.
   *
   * @example
   * ```ts
   * createTrustStore([anchorPem, anchorPem, nextAnchorPem]).size; // 2
   * ```
   */
  get size(): number {
    return storeIndex(this).anchors.length;
  }

  /**
   * The anchors in bundle order, duplicates dropped: fresh copies on every call, the caller's to keep
   * or change.
   *
   * @example
   * ```ts
   * store.anchors.map((a) => a.subject.commonName); // ['root.linkerd.cluster.local']
   * ```
   */
  get anchors(): readonly Certificate[] {
    return storeIndex(this).anchors.map((a) => parseCertificate(a.der));
  }

  /**
   * Whether `cert` is byte for byte one of the anchors. Throws `ERR_INVALID_ARGUMENT` for anything but a
   * certificate, parsed, DER or PEM text (and the PEM codes for text that is not one certificate).
   *
   * @example
   * ```ts
   * store.has(parseCertificate(anchorPem)); // true
   * ```
   */
  has(cert: CertificateInput): boolean {
    const der = typeof cert === 'string' ? decodePemBlock(cert, ['CERTIFICATE']).der : certificateDer(cert);
    for (const anchor of storeIndex(this).anchors) if (sameBytes(anchor.der, der)) return true;
    return false;
  }
}

/** The index of a store built by this module. */
function storeIndex(store: TrustStore): StoreIndex {
  const index = internals.get(store);
  if (!index) throw new PkiError('ERR_INVALID_ARGUMENT', 'not a TrustStore');
  return index;
}

/** The anchors (private parses) whose subject name is `subjectDer`, byte for byte. */
export function anchorsNamed(store: TrustStore, subjectDer: Uint8Array): readonly Certificate[] {
  return storeIndex(store).bySubject.get(subjectDer);
}

/** The anchors (private parses) whose subjectKeyIdentifier is `keyId`. */
export function anchorsWithKeyId(store: TrustStore, keyId: Uint8Array): readonly Certificate[] {
  return storeIndex(store).byKeyId.get(keyId);
}

/** Whether `cert` is one of the store's own private anchor objects. */
export function isOwnAnchor(store: TrustStore, cert: Certificate): boolean {
  return storeIndex(store).anchors.includes(cert);
}

/**
 * Whether `cert` is byte for byte one of the anchors. (Other copies of an anchor need no lookup: a
 * certificate naming an anchor's subject as issuer, with a signature its key verifies, chains to it.)
 */
export function isAnchor(store: TrustStore, cert: Certificate): boolean {
  for (const anchor of anchorsNamed(store, cert.subject.der))
    if (sameBytes(anchor.der, cert.der)) return true;
  return false;
}

/**
 * `ders` without repeats, in order, found by a hash of each (linear in the input). Throws
 * `ERR_BUNDLE_EMPTY` when nothing is left and `ERR_INPUT_TOO_LARGE` beyond
 * {@link MAX_BUNDLE_CERTIFICATES} distinct certificates.
 */
function distinctDer(ders: readonly Uint8Array[]): Uint8Array[] {
  const seen = new ByteIndex<true>();
  const out: Uint8Array[] = [];
  for (const der of ders) {
    if (seen.get(der).length > 0) continue;
    if (out.length === MAX_BUNDLE_CERTIFICATES) {
      throw new PkiError(
        'ERR_INPUT_TOO_LARGE',
        `a bundle holds at most ${MAX_BUNDLE_CERTIFICATES} certificates`,
      );
    }
    seen.add(der, true);
    out.push(der);
  }
  if (out.length === 0) throw new PkiError('ERR_BUNDLE_EMPTY', 'the trust bundle holds no certificate');
  return out;
}

/**
 * Whether `value` carries the {@link TrustStore} brand: a store of this copy of l5d-pki or of another one
 * loaded in the same process.
 *
 * @example
 * ```ts
 * isTrustStore(createTrustStore(anchorPem)); // true
 * ```
 */
export function isTrustStore(value: unknown): value is TrustStore {
  if (value instanceof TrustStore) return true;
  if (typeof value !== 'object' || value === null) return false;
  try {
    return (value as Record<symbol, unknown>)[TRUST_STORE_BRAND] === true;
  } catch {
    return false;
  }
}

/**
 * A store of this copy made from a store of another copy of l5d-pki: its `anchors` (which that copy hands
 * out as fresh copies) are read once, copied and parsed again, so nothing of the other store is shared.
 */
function adoptStore(foreign: object): TrustStore {
  let anchors: unknown;
  try {
    anchors = (foreign as { anchors?: unknown }).anchors;
  } catch (e) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'the TrustStore of another l5d-pki copy cannot be read', {
      cause: e,
    });
  }
  if (!Array.isArray(anchors)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'the TrustStore of another l5d-pki copy has no anchors list');
  }
  return new TrustStore(anchors.map((a: unknown) => new Uint8Array(certificateDer(a as Certificate))));
}

/**
 * Builds a {@link TrustStore} from a PEM bundle or a list of certificates; a store is returned as is, and
 * a store made by another copy of l5d-pki in the process (its ESM or CJS build) is rebuilt from its
 * anchors.
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
  if (isTrustStore(input)) return adoptStore(input);
  if (typeof input === 'string') {
    return new TrustStore(bundleCertificates(() => bundleDer(input), 'bundle'));
  }
  if (!Array.isArray(input)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'bundle must be PEM text, a list of certificates or a TrustStore',
    );
  }
  // DER first, so repeats and the size limit are settled before anything is parsed.
  const ders = input.map((entry: CertificateInput, i) =>
    typeof entry === 'string'
      ? bundleCertificates(() => decodePemBlock(entry, ['CERTIFICATE']).der, `bundle entry ${i}`)
      : certificateDer(entry),
  );
  return new TrustStore(ders);
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
