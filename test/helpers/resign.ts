// Signed DER (a certificate or a CSR: SEQUENCE { body, AlgorithmIdentifier, BIT STRING }) taken apart
// and put together again, so that a test can change the body and sign it anew.
import { type KeyObject, sign } from 'node:crypto';
import { bitString, sequence } from '../../src/der';
import { readTlv } from './mutate';

/** The signed body (a TBSCertificate, a CertificationRequestInfo) and the AlgorithmIdentifier after it. */
export function signedParts(der: Uint8Array): { body: Uint8Array; algorithm: Uint8Array } {
  const outer = readTlv(der, 0, der.length);
  const body = outer && readTlv(der, outer.contentStart, outer.end);
  const algorithm = outer && body && readTlv(der, body.end, outer.end);
  if (!body || !algorithm) throw new Error('not signed DER');
  return { body: der.slice(body.start, body.end), algorithm: der.slice(algorithm.start, algorithm.end) };
}

/** `body` signed by `key` (ECDSA with SHA-256) and put together under `algorithm`. */
export function signAgain(body: Uint8Array, algorithm: Uint8Array, key: KeyObject): Uint8Array {
  const signature = sign('sha256', body, { key, dsaEncoding: 'der' });
  return sequence(body, algorithm, bitString(new Uint8Array(signature)));
}
