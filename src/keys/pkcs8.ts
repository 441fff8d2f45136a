import { p256 } from '@noble/curves/nist.js';
import {
  bitString,
  DerReader,
  explicit,
  integer,
  octetString,
  oid,
  readOctetAlignedBits,
  readOid,
  readSmallInteger,
  readTopLevel,
  sequence,
  TAG,
} from '../der';
import { PkiError } from '../errors';
import { OID } from '../x509/oids';

/** The parts of an EC private key encoding. */
export interface EcKeyParts {
  /** The 32-byte private scalar. */
  readonly scalar: Uint8Array;
  /** The uncompressed public point, when the encoding carries it. */
  readonly publicPoint: Uint8Array | undefined;
}

function keyError(e: unknown, what: string): PkiError {
  if (e instanceof PkiError && (e.code === 'ERR_DER' || e.code === 'ERR_TRAILING_DATA')) {
    return new PkiError('ERR_KEY_INVALID', `invalid ${what}: ${e.message}`, { cause: e });
  }
  return e as PkiError;
}

function refuseAlgorithm(algorithmOid: string, curveOid: string | undefined): never {
  const names: Record<string, string> = {
    [OID.rsaEncryption]: 'RSA',
    [OID.ed25519]: 'Ed25519',
    '1.3.101.113': 'Ed448',
    [OID.p384]: 'ECDSA P-384',
    [OID.p521]: 'ECDSA P-521',
  };
  const name =
    names[curveOid ?? ''] ?? names[algorithmOid] ?? (curveOid ? `EC curve ${curveOid}` : algorithmOid);
  throw new PkiError('ERR_KEY_UNSUPPORTED', `${name} keys are not supported; l5d-pki keys are ECDSA P-256`);
}

/** Reads the ECPrivateKey structure (RFC 5915); `expectedCurve` comes from the PKCS#8 wrapper if any. */
function readEcPrivateKey(der: Uint8Array, expectedCurve: string | undefined): EcKeyParts {
  const seq = readTopLevel(der, TAG.SEQUENCE, 'ECPrivateKey');
  if (readSmallInteger(seq, 'ECPrivateKey version') !== 1) {
    throw new PkiError('ERR_KEY_INVALID', 'invalid ECPrivateKey: version must be 1');
  }
  const d = seq.content(seq.read(TAG.OCTET_STRING, 'ECPrivateKey privateKey'));
  let curve = expectedCurve;
  const params = seq.readOptional(0xa0, 'ECPrivateKey parameters');
  if (params) {
    const p = seq.enter(params, 'ECPrivateKey parameters');
    if (p.peekTag() !== TAG.OID)
      throw new PkiError('ERR_KEY_UNSUPPORTED', 'explicit curve parameters are not supported');
    const named = readOid(p, 'ECPrivateKey namedCurve');
    p.expectEnd('ECPrivateKey parameters');
    if (curve !== undefined && named !== curve)
      throw new PkiError('ERR_KEY_INVALID', 'ECPrivateKey curve differs from the wrapper');
    curve = named;
  }
  if (curve === undefined) throw new PkiError('ERR_KEY_INVALID', 'ECPrivateKey names no curve');
  if (curve !== OID.p256) refuseAlgorithm(OID.ecPublicKey, curve);
  let publicPoint: Uint8Array | undefined;
  const pub = seq.readOptional(0xa1, 'ECPrivateKey publicKey');
  if (pub) {
    const p = seq.enter(pub, 'ECPrivateKey publicKey');
    publicPoint = readOctetAlignedBits(p, 'ECPrivateKey publicKey');
    p.expectEnd('ECPrivateKey publicKey');
  }
  seq.expectEnd('ECPrivateKey');
  if (d.length === 0 || d.length > 32)
    throw new PkiError('ERR_KEY_INVALID', `private scalar is ${d.length} bytes; P-256 needs 32`);
  const scalar = new Uint8Array(32);
  scalar.set(d, 32 - d.length);
  return { scalar, publicPoint };
}

/** Reads a PKCS#8 PrivateKeyInfo holding a P-256 key. */
export function readPkcs8(der: Uint8Array): EcKeyParts {
  try {
    const seq = readTopLevel(der, TAG.SEQUENCE, 'PrivateKeyInfo');
    const version = readSmallInteger(seq, 'PrivateKeyInfo version');
    if (version > 1) throw new PkiError('ERR_KEY_INVALID', `invalid PrivateKeyInfo: version ${version}`);
    const alg = seq.enterNext(TAG.SEQUENCE, 'PrivateKeyInfo algorithm');
    const algorithmOid = readOid(alg, 'PrivateKeyInfo algorithm');
    const curveOid = alg.peekTag() === TAG.OID ? readOid(alg, 'PrivateKeyInfo curve') : undefined;
    if (algorithmOid !== OID.ecPublicKey || curveOid !== OID.p256) refuseAlgorithm(algorithmOid, curveOid);
    alg.expectEnd('PrivateKeyInfo algorithm');
    const inner = seq.content(seq.read(TAG.OCTET_STRING, 'PrivateKeyInfo privateKey'));
    seq.readOptional(0xa0, 'PrivateKeyInfo attributes');
    const publicKey = seq.readOptional(0x81, 'PrivateKeyInfo publicKey');
    seq.expectEnd('PrivateKeyInfo');
    const parts = readEcPrivateKey(inner, curveOid);
    if (publicKey === undefined) return parts;
    // RFC 5958 v2: the public key beside the private one is a public key too, held to the same rules.
    const bits = seq.content(publicKey);
    if (bits.length < 2 || bits[0] !== 0)
      throw new PkiError(
        'ERR_KEY_INVALID',
        'invalid PKCS#8 key: publicKey is not an octet-aligned BIT STRING',
      );
    const outer = bits.subarray(1);
    if (parts.publicPoint === undefined) return { scalar: parts.scalar, publicPoint: outer };
    if (!samePoint(parts.publicPoint, outer)) {
      throw new PkiError('ERR_KEY_MISMATCH', 'the two public keys stored with the private key differ');
    }
    return parts;
  } catch (e) {
    throw keyError(e, 'PKCS#8 key');
  }
}

/** Whether two encodings (uncompressed or compressed) are the same P-256 point; `ERR_KEY_INVALID` if one is none. */
function samePoint(a: Uint8Array, b: Uint8Array): boolean {
  try {
    return p256.Point.fromBytes(a).equals(p256.Point.fromBytes(b));
  } catch {
    throw new PkiError('ERR_KEY_INVALID', 'a public key stored with the private key is not a P-256 point');
  }
}

/** Reads a SEC1 ECPrivateKey (`EC PRIVATE KEY`) holding a P-256 key. */
export function readSec1(der: Uint8Array): EcKeyParts {
  try {
    return readEcPrivateKey(der, undefined);
  } catch (e) {
    throw keyError(e, 'SEC1 key');
  }
}

/** Reads a SubjectPublicKeyInfo holding a P-256 point; returns the point bytes. */
export function readSpkiPoint(der: Uint8Array): Uint8Array {
  try {
    const seq = readTopLevel(der, TAG.SEQUENCE, 'SubjectPublicKeyInfo');
    const alg = seq.enterNext(TAG.SEQUENCE, 'SubjectPublicKeyInfo algorithm');
    const algorithmOid = readOid(alg, 'SubjectPublicKeyInfo algorithm');
    const curveOid = alg.peekTag() === TAG.OID ? readOid(alg, 'SubjectPublicKeyInfo curve') : undefined;
    if (algorithmOid !== OID.ecPublicKey || curveOid !== OID.p256) refuseAlgorithm(algorithmOid, curveOid);
    alg.expectEnd('SubjectPublicKeyInfo algorithm');
    const point = readOctetAlignedBits(seq, 'SubjectPublicKeyInfo subjectPublicKey');
    seq.expectEnd('SubjectPublicKeyInfo');
    return point;
  } catch (e) {
    throw keyError(e, 'public key');
  }
}

const P256_ALGORITHM = () => sequence(oid(OID.ecPublicKey), oid(OID.p256));

/** SubjectPublicKeyInfo DER for an uncompressed P-256 point. */
export function encodeSpki(point: Uint8Array): Uint8Array {
  return sequence(P256_ALGORITHM(), bitString(point));
}

function ecPrivateKey(scalar: Uint8Array, point: Uint8Array, withCurve: boolean): Uint8Array {
  return sequence(
    integer(1),
    octetString(scalar),
    ...(withCurve ? [explicit(0, oid(OID.p256))] : []),
    explicit(1, bitString(point)),
  );
}

/** PKCS#8 DER for a P-256 key, laid out as OpenSSL and WebCrypto write it. */
export function encodePkcs8(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  return sequence(integer(0), P256_ALGORITHM(), octetString(ecPrivateKey(scalar, point, false)));
}

/** SEC1 ECPrivateKey DER for a P-256 key, with the named curve, as `openssl ecparam -genkey` writes it. */
export function encodeSec1(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  return ecPrivateKey(scalar, point, true);
}

/** Whether DER bytes look like PKCS#8 (version INTEGER then a SEQUENCE) rather than SEC1. */
export function looksLikePkcs8(der: Uint8Array): boolean {
  try {
    const r = new DerReader(der).enterNext(TAG.SEQUENCE, 'key');
    r.read(TAG.INTEGER, 'key');
    return r.peekTag() === TAG.SEQUENCE;
  } catch {
    return false;
  }
}
