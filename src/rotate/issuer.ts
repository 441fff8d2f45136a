import { sameBytes } from '../der';
import { PkiError } from '../errors';
import { createIssuer, type Issuer, type IssuerOptions, toIssuer } from '../issuer/issuer';
import { requireObject, requireOptions } from '../validate';
import { type CertificateInput, toCertificate } from '../x509/input';
import type { Certificate } from '../x509/types';

/**
 * Options of {@link rotateIssuer}: those of `createIssuer`, plus the issuer being replaced.
 *
 * @example
 * ```ts
 * const options: RotateIssuerOptions = { anchor, current: oldIssuer, now: new Date() };
 * ```
 */
export interface RotateIssuerOptions extends IssuerOptions {
  /**
   * The issuer being replaced. The new one keeps its subject CN (unless `commonName` is given), and it
   * must have been signed by `anchor`: replacing the anchor too is an anchor rotation.
   */
  readonly current?: Issuer | CertificateInput;
}

/**
 * Rotates the issuer: a new issuer (new key, new validity) under the same trust anchor, so the trust
 * bundle does not change and leaves of the old and the new issuer both verify until the old ones expire.
 * Put the result in the issuer Secret; the identity service reloads it without a restart. Throws
 * `ERR_ISSUER_CHAIN` when `current` was not signed by `anchor`, and whatever `createIssuer` throws.
 *
 * @example
 * ```ts
 * const next = await rotateIssuer({ anchor, current: issuer, now: new Date() });
 * next.certificate.subject.commonName === issuer.certificate.subject.commonName; // true
 * ```
 */
export async function rotateIssuer(options: RotateIssuerOptions): Promise<Issuer> {
  requireOptions(options, 'rotateIssuer');
  const anchor = toIssuer(options.anchor, '`anchor`');
  const currentCert = options.current === undefined ? undefined : currentCertificate(options.current);
  const { current: _current, ...rest } = options;
  if (currentCert === undefined) return createIssuer({ ...rest, anchor });
  const anchorCert = anchor.certificate;
  const sameAnchor =
    sameBytes(currentCert.issuer.der, anchorCert.subject.der) &&
    (currentCert.authorityKeyId === undefined ||
      anchorCert.subjectKeyId === undefined ||
      sameBytes(currentCert.authorityKeyId, anchorCert.subjectKeyId));
  if (!sameAnchor) {
    throw new PkiError(
      'ERR_ISSUER_CHAIN',
      'the current issuer was not signed by this anchor; changing the anchor is an anchor rotation (planAnchorRotation)',
    );
  }
  const commonName = rest.commonName ?? currentCert.subject.commonName;
  return createIssuer(commonName === undefined ? { ...rest, anchor } : { ...rest, anchor, commonName });
}

/** The certificate of the issuer being replaced: an `Issuer`'s, or one given parsed, as DER or as PEM. */
function currentCertificate(current: Issuer | CertificateInput): Certificate {
  if (typeof current === 'string' || current instanceof Uint8Array) return toCertificate(current);
  const given = requireObject(current, '`current`');
  return toCertificate('certificate' in given ? (given as Issuer).certificate : (given as Certificate));
}
