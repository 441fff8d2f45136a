/**
 * Renewal in place: a CA certificate made again with the same subject, key and extensions and a new
 * validity, so every chain under it keeps verifying without a rotation.
 *
 * @module
 */
import { cryptoBackend } from '../crypto/backend';
import { sameBytes } from '../der';
import type { DurationInput } from '../duration';
import { PkiError } from '../errors';
import { type IssuerInput, requireSigner, toIssuer } from '../issuer/issuer';
import { importPrivateKey, type KeyInput } from '../keys';
import { requireOptions } from '../validate';
import { encodeExtension } from '../x509/encode';
import { type CertificateInput, toCertificate } from '../x509/input';
import {
  checkClockSkew,
  checkLifetime,
  type MintOptions,
  nowMs,
  serialBytes,
  signCertificate,
  wholeSeconds,
} from '../x509/mint';
import type { Certificate } from '../x509/types';
import { type CertificateAuthority, DEFAULT_CLOCK_SKEW_MS } from './anchor';

/** Options of {@link renewCertificate}. */
export interface RenewOptions extends MintOptions {
  /** The CA certificate to renew: a trust anchor (self-signed) or an issuer. */
  readonly certificate: CertificateInput;
  /**
   * For a self-signed anchor: its own private key (the key stays the same). For an issuer the key is
   * not needed (the signer signs) but, when given, must match.
   */
  readonly key?: KeyInput;
  /** For an issuer: the CA that signed it (the trust anchor), with its key. */
  readonly signer?: IssuerInput;
  /** The new lifetime: whole milliseconds or Go duration text. Default: the old certificate's lifetime. */
  readonly lifetime?: DurationInput;
  /** Clock-skew allowance: notBefore is backdated by this much. Default 10 s. */
  readonly clockSkew?: DurationInput;
}

/** The renewed certificate; `key` is set when the key was given. */
export interface RenewedCertificate extends Omit<CertificateAuthority, 'key'> {
  /** The unchanged private key, when it was given. */
  readonly key: CertificateAuthority['key'] | undefined;
  /** True when notAfter was cut to the signer's notAfter. */
  readonly notAfterCut: boolean;
}

/**
 * Renews a trust anchor or an issuer in place, as `step certificate create` does with an existing key:
 * the same subject, public key and extensions (so the same subjectKeyIdentifier and, for an issuer,
 * authorityKeyIdentifier), a new serial and a new validity from `now`. Leaves and issuers signed under
 * the old certificate verify under the new one, so no three-step rotation is needed: replace the
 * certificate where it is installed (for an anchor, in every bundle that trusts it: add the renewed
 * certificate beside the old one, then drop the old one before it expires).
 *
 * An anchor (self-signed) is signed with its own `key`; an issuer with `signer`, which must be the CA
 * that signed it (its signature on the old certificate is checked, `ERR_ISSUER_CHAIN` otherwise); an
 * issuer's notAfter is cut to the signer's. Refuses a certificate that is not a CA
 * (`ERR_ISSUER_NOT_CA`) and a key that does not match (`ERR_KEY_MISMATCH`).
 *
 * @example
 * ```ts
 * const renewed = await renewCertificate({ certificate: anchor.certificate, key: anchor.key, lifetime: '87600h' });
 * renewed.certificate.subjectKeyId; // the same as the old anchor's
 * const issuer2 = await renewCertificate({ certificate: issuer.certificate, signer: anchor });
 * ```
 */
export async function renewCertificate(options: RenewOptions): Promise<RenewedCertificate> {
  requireOptions(options, 'renewCertificate');
  const old = toCertificate(options.certificate);
  if (old.basicConstraints?.ca !== true) {
    throw new PkiError(
      'ERR_ISSUER_NOT_CA',
      'only CA certificates (anchors and issuers) are renewed in place',
    );
  }
  const key = options.key === undefined ? undefined : importPrivateKey(options.key);
  if (key !== undefined && !key.publicKey.equals(old.publicKey)) {
    throw new PkiError('ERR_KEY_MISMATCH', 'the private key does not match the certificate to renew');
  }
  const selfSigned = old.selfIssued && (await signedBy(old, old));
  const lifetime = checkLifetime(
    options.lifetime ?? old.notAfter.getTime() - old.notBefore.getTime() - 2 * DEFAULT_CLOCK_SKEW_MS,
    'renewed lifetime',
  );
  const now = nowMs(options);
  const skew = checkClockSkew(options.clockSkew ?? DEFAULT_CLOCK_SKEW_MS, 'renewed', now, lifetime);
  const wanted = wholeSeconds(now + lifetime + skew);
  let signingKey: NonNullable<typeof key>;
  let limit = Number.POSITIVE_INFINITY;
  if (selfSigned) {
    if (options.signer !== undefined) {
      throw new PkiError(
        'ERR_INVALID_ARGUMENT',
        'a self-signed anchor is renewed with its own `key`, not a `signer`',
      );
    }
    if (key === undefined) throw new PkiError('ERR_INVALID_ARGUMENT', 'renewing an anchor needs its `key`');
    signingKey = key;
  } else {
    if (options.signer === undefined) {
      throw new PkiError('ERR_INVALID_ARGUMENT', 'renewing an issuer needs the `signer` that signed it');
    }
    const signer = toIssuer(options.signer, '`signer`');
    requireSigner(signer.certificate, signer.key, now);
    if (
      !sameBytes(old.issuer.der, signer.certificate.subject.der) ||
      !(await signedBy(old, signer.certificate))
    ) {
      throw new PkiError(
        'ERR_ISSUER_CHAIN',
        'the certificate to renew was not signed by this signer; renewing it under another CA is a rotation',
      );
    }
    signingKey = signer.key;
    limit = signer.certificate.notAfter.getTime();
  }
  const issued = await signCertificate(
    {
      serial: serialBytes(options),
      issuer: old.issuer.der,
      subject: old.subject.der,
      notBefore: wholeSeconds(now - skew),
      notAfter: Math.min(wanted, limit),
      spki: old.publicKey.der,
      extensions: old.extensions.map((e) => encodeExtension(e.oid, e.critical, e.value)),
    },
    signingKey,
    options,
  );
  return { ...issued, key, notAfterCut: wanted > limit };
}

/** Whether `issuer`'s key verifies `cert`'s signature. */
async function signedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  try {
    return await cryptoBackend().verify(cert.signatureAlgorithm, issuer.publicKey, cert.signature, cert.tbs);
  } catch {
    return false;
  }
}
