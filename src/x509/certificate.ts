import {
  readIntegerBytes,
  readOctetAlignedBits,
  readSmallInteger,
  readTime,
  readTopLevel,
  sameBytes,
  TAG,
  toHex,
} from '../der';
import { PkiError } from '../errors';
import { decodePemBlock, isPemText } from '../pem';
import { readSignatureAlgorithm } from './algorithm';
import { decodeKnownExtensions, readExtensions } from './extensions';
import { readIssuerName, readName } from './name';
import { readPublicKeyInfo } from './spki';
import type { Certificate, Extension } from './types';

/** Largest certificate l5d-pki parses (64 KiB). */
export const MAX_CERTIFICATE_SIZE = 64 * 1024;

/**
 * Parses an X.509 certificate from DER bytes or a PEM `CERTIFICATE` block. Strict DER: a malformed or
 * trailing-garbage input, a duplicate extension, a malformed well-known extension, differing inner and
 * outer signature algorithms, or an EC key that is not an uncompressed point on its curve all throw
 * `PkiError` (`ERR_CERT_INVALID`, `ERR_TRAILING_DATA`,
 * `ERR_INPUT_TOO_LARGE`, or a PEM code). The result owns its bytes: it views a private copy of the input,
 * so later changes to the caller's buffer do not reach it.
 *
 * @example
 * ```ts
 * const cert = parseCertificate(pemText);
 * cert.subject.commonName; // 'identity.linkerd.cluster.local'
 * cert.basicConstraints?.ca; // true
 * ```
 */
export function parseCertificate(input: Uint8Array | string): Certificate {
  const der = typeof input === 'string' ? certificateDerFromText(input) : input;
  if (!(der instanceof Uint8Array))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'certificate must be bytes or PEM text');
  if (der.length > MAX_CERTIFICATE_SIZE) {
    throw new PkiError(
      'ERR_INPUT_TOO_LARGE',
      `certificate is ${der.length} bytes; the limit is ${MAX_CERTIFICATE_SIZE}`,
    );
  }
  try {
    // A private copy of the bytes themselves: `new Uint8Array` copies whatever the array's class says
    // (a Buffer's `slice` is a view of the caller's memory, a subclass's may be anything).
    return parseDer(typeof input === 'string' ? der : new Uint8Array(der));
  } catch (e) {
    if (e instanceof PkiError && e.code === 'ERR_DER') {
      throw new PkiError('ERR_CERT_INVALID', `invalid certificate: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function certificateDerFromText(text: string): Uint8Array {
  if (!isPemText(text)) throw new PkiError('ERR_PEM_INVALID', 'certificate text is not PEM');
  return decodePemBlock(text, ['CERTIFICATE']).der;
}

function parseDer(der: Uint8Array): Certificate {
  const cert = readTopLevel(der, TAG.SEQUENCE, 'Certificate');
  cert.next(TAG.SEQUENCE, 'TBSCertificate');
  const tbsBytes = der.subarray(cert.lastStart, cert.pos);
  const tbs = cert.enterLast('TBSCertificate');
  const signatureAlgorithm = readSignatureAlgorithm(cert, 'signatureAlgorithm');
  const outerAlgorithm = cert.bytes.subarray(cert.lastStart, cert.pos);
  const signature = readOctetAlignedBits(cert, 'signatureValue');
  cert.expectEnd('Certificate');

  let version = 1;
  if (tbs.peekTag() === 0xa0) {
    const vr = tbs.enterNext(0xa0, 'version');
    version = readSmallInteger(vr, 'version', 2) + 1;
    vr.expectEnd('version');
  }
  const serialNumber = readIntegerBytes(tbs, 'serialNumber');
  readSignatureAlgorithm(tbs, 'TBS signature');
  // The certificate's own bytes decide (the algorithm objects are shared).
  if (!sameBytes(tbs.bytes.subarray(tbs.lastStart, tbs.pos), outerAlgorithm)) {
    throw new PkiError('ERR_CERT_INVALID', 'invalid certificate: TBS and outer signature algorithms differ');
  }
  const issuer = readIssuerName(tbs, 'issuer');
  const validity = tbs.enterNext(TAG.SEQUENCE, 'validity');
  const notBefore = readTime(validity, 'notBefore');
  const notAfter = readTime(validity, 'notAfter');
  validity.expectEnd('validity');
  const subject = readName(tbs, 'subject');
  const publicKey = readPublicKeyInfo(tbs, 'subjectPublicKeyInfo');
  const issuerUid = tbs.readOptional(0x81, 'issuerUniqueID');
  const subjectUid = tbs.readOptional(0x82, 'subjectUniqueID');
  if ((issuerUid || subjectUid) && version < 2) {
    throw new PkiError('ERR_CERT_INVALID', 'invalid certificate: unique identifiers in a v1 certificate');
  }
  let extensions: Extension[] = [];
  if (tbs.peekTag() === 0xa3) {
    const wrapper = tbs.enterNext(0xa3, 'extensions');
    if (version !== 3)
      throw new PkiError('ERR_CERT_INVALID', 'invalid certificate: extensions in a pre-v3 certificate');
    extensions = readExtensions(wrapper.enterNext(TAG.SEQUENCE, 'extensions'), 'extensions');
    wrapper.expectEnd('extensions');
  }
  tbs.expectEnd('TBSCertificate');
  const known = decodeKnownExtensions(extensions);
  return {
    der,
    tbs: tbsBytes,
    version,
    serialNumber,
    serialHex: toHex(serialNumber),
    signatureAlgorithm,
    signature,
    issuer,
    subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey,
    extensions,
    selfIssued: sameBytes(issuer.der, subject.der),
    // Named one by one: a spread here goes through V8's generic property copying.
    basicConstraints: known.basicConstraints,
    keyUsage: known.keyUsage,
    extKeyUsage: known.extKeyUsage,
    subjectAltNames: known.subjectAltNames,
    subjectKeyId: known.subjectKeyId,
    authorityKeyId: known.authorityKeyId,
    nameConstraints: known.nameConstraints,
  };
}
