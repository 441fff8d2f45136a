// Signed DER (a certificate or a CSR: SEQUENCE { body, AlgorithmIdentifier, BIT STRING }) taken apart
// and put together again, so that a test can change the body and sign it anew.
import { type KeyObject, sign } from 'node:crypto';
import { bitString, sequence } from '../../src/der';

/** The size of the header of the DER element at `start`, and where the element ends (definite lengths). */
function extent(der: Uint8Array, start: number): { header: number; end: number } {
  const first = der[start + 1]!;
  if (first < 0x80) return { header: 2, end: start + 2 + first };
  let length = 0;
  for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + der[start + 2 + i]!;
  const header = 2 + (first & 0x7f);
  return { header, end: start + header + length };
}

/** The signed body (a TBSCertificate, a CertificationRequestInfo) and the AlgorithmIdentifier after it. */
export function signedParts(der: Uint8Array): { body: Uint8Array; algorithm: Uint8Array } {
  const start = extent(der, 0).header;
  const end = extent(der, start).end;
  return { body: der.slice(start, end), algorithm: der.slice(end, extent(der, end).end) };
}

/** `body` signed by `key` (ECDSA with SHA-256) and put together under `algorithm`. */
export function signAgain(body: Uint8Array, algorithm: Uint8Array, key: KeyObject): Uint8Array {
  const signature = sign('sha256', body, { key, dsaEncoding: 'der' });
  return sequence(body, algorithm, bitString(new Uint8Array(signature)));
}
