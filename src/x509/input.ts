/**
 * Certificates as callers give them: parsed, DER or PEM, each read as its DER.
 *
 * @module
 */
import { PkiError } from '../errors';
import { decodePem, encodePem } from '../pem';
import { parseCertificate } from './certificate';
import type { Certificate } from './types';

/**
 * A certificate object that holds its DER as `raw`, as Node's `X509Certificate` does (described by its
 * shape, so that no `node:` type is needed). Read as its `raw` bytes, copied.
 *
 * @example
 * ```ts
 * const input: RawCertificate = new X509Certificate(pem);
 * ```
 */
export interface RawCertificate {
  readonly raw: Uint8Array;
}

/**
 * One certificate, in any form l5d-pki accepts: a parsed {@link Certificate} (read as its `der`), DER
 * bytes, PEM text, or Node's `X509Certificate` (read as its `raw` DER).
 *
 * @example
 * ```ts
 * const inputs: CertificateInput[] = [parseCertificate(pem), der, pem, new X509Certificate(pem)];
 * ```
 */
export type CertificateInput = Certificate | Uint8Array | string | RawCertificate;

/**
 * A private parse of `input`: DER is copied first and a parsed {@link Certificate} is read as its DER
 * (`input.der`, copied; its other fields are not trusted), so later changes to the caller's buffers or
 * objects cannot reach the result. Throws the parser's `PkiError`s, and `ERR_INVALID_ARGUMENT` for
 * anything else.
 *
 * @example
 * ```ts
 * toCertificate(issuer.certificate).subject.commonName; // 'identity.linkerd.cluster.local'
 * ```
 */
export function toCertificate(input: CertificateInput): Certificate {
  if (typeof input === 'string') return parseCertificate(input);
  return parseCertificate(certificateDer(input));
}

/**
 * The DER of a certificate given as bytes or parsed, without copying; throws `ERR_INVALID_ARGUMENT` for
 * anything else (PEM text included: callers split it first). Read once: a getter is not asked twice.
 *
 * @example
 * ```ts
 * certificateDer(issuer.certificate) === issuer.certificate.der; // true
 * ```
 */
export function certificateDer(input: Certificate | Uint8Array | RawCertificate): Uint8Array {
  if (input instanceof Uint8Array) return input;
  const der = typeof input === 'object' && input !== null ? readDer(input) : undefined;
  if (der instanceof Uint8Array) return der;
  const raw = der === undefined && typeof input === 'object' && input !== null ? readRaw(input) : undefined;
  if (raw instanceof Uint8Array) return raw;
  throw new PkiError('ERR_INVALID_ARGUMENT', 'a certificate must be given parsed, as DER or as PEM');
}

/** `input.raw` (Node's `X509Certificate`), or undefined when reading it throws. */
function readRaw(input: object): unknown {
  try {
    return (input as { raw?: unknown }).raw;
  } catch {
    return undefined;
  }
}

/** `input.der`, or undefined when reading it throws (a hostile getter or proxy is misuse, not a crash). */
function readDer(input: object): unknown {
  try {
    return (input as { der?: unknown }).der;
  } catch {
    return undefined;
  }
}

/**
 * The certificates of `input`, parsed from private copies: every `CERTIFICATE` block of PEM text (a
 * certificate followed by its chain, as `tls.crt` holds it), or the one certificate of DER bytes or a
 * parsed {@link Certificate}. Throws `ERR_CERT_INVALID` when PEM text holds no certificate, and the
 * parser's codes.
 *
 * @example
 * ```ts
 * const [issuerCert, ...chain] = certificateList(tlsCrt);
 * ```
 */
export function certificateList(input: CertificateInput, what = 'the certificate'): Certificate[] {
  if (typeof input !== 'string') return [toCertificate(input)];
  const certs = decodePem(input)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => parseCertificate(b.der));
  if (certs.length === 0) throw new PkiError('ERR_CERT_INVALID', `no CERTIFICATE block in ${what}`);
  return certs;
}

/**
 * PEM text of a certificate given in any form: text is returned as it is (after a check that it holds
 * a certificate), DER and parsed certificates are encoded.
 *
 * @example
 * ```ts
 * certificatePemText(issuer.certificate); // '-----BEGIN CERTIFICATE-----\n...'
 * ```
 */
export function certificatePemText(input: CertificateInput, what = 'the certificate'): string {
  if (typeof input === 'string') {
    certificateList(input, what);
    return input;
  }
  return encodePem('CERTIFICATE', toCertificate(input).der);
}
