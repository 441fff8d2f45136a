import { DerReader, readIntegerBytes, readOctetAlignedBits, readOid, TAG } from '../der';
import { OID } from './oids';
import type { PublicKeyInfo } from './types';

const CURVES: Readonly<Record<string, string>> = {
  [OID.p256]: 'P-256',
  [OID.p384]: 'P-384',
  [OID.p521]: 'P-521',
};

/** Reads a SubjectPublicKeyInfo element from `r`. */
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
  const key = readOctetAlignedBits(seq, `${what} subjectPublicKey`);
  seq.expectEnd(what);
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
