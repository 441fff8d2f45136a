import { ecPointProblem } from '../crypto/point';
import { DerReader, derError, readIntegerBytes, readOctetAlignedBits, readOid, TAG } from '../der';
import { OID } from './oids';
import type { PublicKeyInfo } from './types';

const CURVES: Readonly<Record<string, string>> = {
  [OID.p256]: 'P-256',
  [OID.p384]: 'P-384',
  [OID.p521]: 'P-521',
};

/**
 * Reads a SubjectPublicKeyInfo element from `r`. An EC key on P-256, P-384 or P-521 must be an
 * uncompressed point on its curve, as Go's crypto/x509 requires when it parses a certificate or a CSR:
 * anything else (compressed, hybrid, truncated, off the curve) throws `ERR_DER`, which the certificate
 * and CSR parsers report as their own parse error.
 */
export function readPublicKeyInfo(r: DerReader, what: string): PublicKeyInfo {
  r.next(TAG.SEQUENCE, what);
  const der = r.bytes.subarray(r.lastStart, r.pos);
  const seq = r.enterLast(what);
  const alg = seq.enterNext(TAG.SEQUENCE, `${what} algorithm`);
  const algorithmOid = readOid(alg, `${what} algorithm`);
  let kind: PublicKeyInfo['kind'] = 'unknown';
  let curve: string | undefined;
  if (algorithmOid === OID.ecPublicKey) {
    kind = 'ec';
    if (alg.peekTag() === TAG.OID) {
      const c = readOid(alg, `${what} curve`);
      curve = CURVES[c] ?? c;
    } else alg.next(undefined, `${what} curve`);
  } else if (algorithmOid === OID.rsaEncryption) {
    kind = 'rsa';
    if (!alg.done) alg.next(TAG.NULL, `${what} parameters`);
  } else if (algorithmOid === OID.ed25519) {
    kind = 'ed25519';
  } else if (!alg.done) {
    alg.next(undefined, `${what} parameters`);
  }
  alg.expectEnd(`${what} algorithm`);
  const keyStart = seq.pos;
  const key = readOctetAlignedBits(seq, `${what} subjectPublicKey`);
  seq.expectEnd(what);
  if (kind === 'ec') {
    const bad = ecPointProblem(curve, key);
    if (bad !== undefined)
      throw derError(`${what} subjectPublicKey`, keyStart, `not a ${curve} public key: ${bad}`);
  }
  return {
    der,
    kind,
    algorithmOid,
    curve,
    rsaBits: kind === 'rsa' ? rsaModulusBits(key) : undefined,
    key,
  };
}

/** Reads a standalone SubjectPublicKeyInfo DER. */
export function parsePublicKeyInfo(der: Uint8Array): PublicKeyInfo {
  const r = new DerReader(der);
  const info = readPublicKeyInfo(r, 'SubjectPublicKeyInfo');
  r.expectEnd('SubjectPublicKeyInfo');
  return info;
}

function rsaModulusBits(key: Uint8Array): number {
  const seq = new DerReader(key).enterNext(TAG.SEQUENCE, 'RSAPublicKey');
  const n = readIntegerBytes(seq, 'RSA modulus');
  readIntegerBytes(seq, 'RSA exponent');
  seq.expectEnd('RSAPublicKey');
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]!));
}
