/**
 * PKI material as Kubernetes objects hold it: PEM text. Text given by the caller is kept as it is (the
 * exact bytes of a Secret or a bundle file); certificates, keys and stores given as objects or DER are
 * encoded.
 *
 * @module
 */
import { writeBundle } from '../anchor/bundle';
import { PkiError } from '../errors';
import type { IssuerInput } from '../issuer/issuer';
import { importPrivateKey, type KeyInput } from '../keys';
import { requireObject } from '../validate';
import { createTrustStore, type TrustBundleInput } from '../verify/store';
import { type CertificateInput, toCertificate } from '../x509/input';
import { requireText } from './manifest';

/**
 * An issuer (or a trust anchor) as PEM texts: what Linkerd's Secrets and Helm values hold, and what
 * their readers return. It is an `IssuerInput` too, so `loadIssuer(readIssuerSecret(yaml).issuer)` works.
 *
 * @example
 * ```ts
 * const { issuer } = readIssuerSecret(secretYaml); // { certificate: '-----BEGIN CERTIFICATE-----...', key: '...' }
 * ```
 */
export interface PemCredentials {
  /** The certificate, optionally followed by the certificates above it (`tls.crt`). */
  certificate: string;
  /** The private key (`tls.key`). */
  key: string;
}

/** PEM text of a certificate in any form; text is kept as it is (it must not be empty). */
export function certificateText(input: CertificateInput, field: string): string {
  if (typeof input === 'string') return requireText(input, field);
  return writeBundle([toCertificate(input)]);
}

/** PEM text of a private key in any form; text is kept as it is, other forms are written as PKCS#8. */
export function keyText(input: KeyInput, field: string): string {
  if (typeof input === 'string') return requireText(input, field);
  return importPrivateKey(input).exportPkcs8Pem();
}

/** PEM text of a trust bundle in any form; text is kept as it is. */
export function bundleText(input: TrustBundleInput, field: string): string {
  if (typeof input === 'string') return requireText(input, field);
  return writeBundle(createTrustStore(input).anchors);
}

/**
 * The PEM texts of an issuer or anchor in any {@link IssuerInput} form: its certificate followed by the
 * certificates of `chain` that are not self-signed (peers hold the root already), and its key.
 */
export function credentialTexts(input: IssuerInput, field: string): PemCredentials {
  const given = requireObject(input, `\`${field}\``) as {
    certificate?: unknown;
    key?: unknown;
    chain?: unknown;
  };
  if (given.certificate === undefined || given.key === undefined)
    throw new PkiError('ERR_INVALID_ARGUMENT', `\`${field}\` needs a certificate and a key`);
  let certificate = certificateText(given.certificate as CertificateInput, `${field}.certificate`);
  if (given.chain !== undefined) {
    if (!Array.isArray(given.chain))
      throw new PkiError('ERR_INVALID_ARGUMENT', `\`${field}.chain\` must be an array`);
    const above = (given.chain as CertificateInput[])
      .map((c) => toCertificate(c))
      .filter((c) => !c.selfIssued);
    if (above.length > 0) certificate += `${certificate.endsWith('\n') ? '' : '\n'}${writeBundle(above)}`;
  }
  return { certificate, key: keyText(given.key as KeyInput, `${field}.key`) };
}
