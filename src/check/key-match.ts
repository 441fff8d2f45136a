import { p384, p521 } from '@noble/curves/nist.js';
import { DerReader, readIntegerBytes, readOid, readSmallInteger, readTopLevel, sameBytes, TAG } from '../der';
import { isPkiError, PkiError } from '../errors';
import { importPrivateKey, type KeyInput, PrivateKey } from '../keys';
import { decodePem } from '../pem';
import { OID } from '../x509/oids';
import type { Certificate } from '../x509/types';
import { errorText } from './result';

/** What Linkerd says when the issuer key does not belong to the issuer certificate. */
const KEY_MISMATCH = 'tls: Public and private key do not match';

/** The curves an issuer key may be on besides P-256, which `importPrivateKey` reads itself. */
const OTHER_CURVES: ReadonlyMap<string, typeof p384> = new Map([
  [OID.p384, p384],
  [OID.p521, p521],
]);

function otherCurve(curveOid: string | undefined): typeof p384 {
  const curve = curveOid === undefined ? undefined : OTHER_CURVES.get(curveOid);
  if (!curve) throw new PkiError('ERR_KEY_UNSUPPORTED', `EC keys on curve ${curveOid ?? '(none named)'}`);
  return curve;
}

/** Whether a SEC1 `ECPrivateKey` on P-384 or P-521 holds the certificate's key. */
function ecKeyMatches(der: Uint8Array, wrapperCurve: string | undefined, cert: Certificate): boolean {
  const seq = readTopLevel(der, TAG.SEQUENCE, 'ECPrivateKey');
  readSmallInteger(seq, 'ECPrivateKey version');
  const d = seq.content(seq.read(TAG.OCTET_STRING, 'ECPrivateKey privateKey'));
  const params = seq.readOptional(0xa0, 'ECPrivateKey parameters');
  const curve = otherCurve(params ? readOid(seq.enter(params, 'parameters'), 'namedCurve') : wrapperCurve);
  const scalar = new Uint8Array(curve.Point.Fn.BYTES);
  if (d.length > scalar.length) throw new PkiError('ERR_KEY_INVALID', 'EC private scalar is too long');
  scalar.set(d, scalar.length - d.length);
  return sameBytes(curve.getPublicKey(scalar, false), cert.publicKey.key);
}

/** Whether a PKCS#1 `RSAPrivateKey` holds the certificate's key (same modulus and exponent). */
function rsaKeyMatches(der: Uint8Array, cert: Certificate): boolean {
  if (cert.publicKey.kind !== 'rsa') return false;
  const priv = readTopLevel(der, TAG.SEQUENCE, 'RSAPrivateKey');
  readSmallInteger(priv, 'RSAPrivateKey version');
  const pub = new DerReader(cert.publicKey.key).enterNext(TAG.SEQUENCE, 'RSAPublicKey');
  return (
    sameBytes(readIntegerBytes(priv, 'modulus'), readIntegerBytes(pub, 'modulus')) &&
    sameBytes(readIntegerBytes(priv, 'publicExponent'), readIntegerBytes(pub, 'publicExponent'))
  );
}

/** Whether a PKCS#8 key (EC on another curve, or RSA) holds the certificate's key. */
function pkcs8KeyMatches(der: Uint8Array, cert: Certificate): boolean {
  const seq = readTopLevel(der, TAG.SEQUENCE, 'PrivateKeyInfo');
  readSmallInteger(seq, 'PrivateKeyInfo version');
  const alg = seq.enterNext(TAG.SEQUENCE, 'PrivateKeyInfo algorithm');
  const algorithm = readOid(alg, 'PrivateKeyInfo algorithm');
  const curve = alg.peekTag() === TAG.OID ? readOid(alg, 'PrivateKeyInfo curve') : undefined;
  const inner = seq.content(seq.read(TAG.OCTET_STRING, 'PrivateKeyInfo privateKey'));
  if (algorithm === OID.ecPublicKey) return ecKeyMatches(inner, curve, cert);
  if (algorithm === OID.rsaEncryption) return rsaKeyMatches(inner, cert);
  throw new PkiError('ERR_KEY_UNSUPPORTED', `keys of algorithm ${algorithm}`);
}

/** Reads a key l5d-pki cannot sign with (P-384, P-521, RSA) only to compare it with the certificate. */
function foreignKeyMatches(key: string | Uint8Array, cert: Certificate): boolean {
  if (key instanceof Uint8Array) return pkcs8KeyMatches(key, cert);
  const keyPem = key;
  const block = decodePem(keyPem).find((b) => b.label.endsWith('PRIVATE KEY'));
  switch (block?.label) {
    case 'EC PRIVATE KEY':
      return ecKeyMatches(block.der, undefined, cert);
    case 'RSA PRIVATE KEY':
      return rsaKeyMatches(block.der, cert);
    case 'PRIVATE KEY':
      return pkcs8KeyMatches(block.der, cert);
    default:
      throw new PkiError('ERR_KEY_UNSUPPORTED', `"${block?.label ?? 'no'}" private key blocks`);
  }
}

/**
 * Why `key` (a `PrivateKey`, PEM text or PKCS#8 or SEC1 DER) cannot serve as the key of `cert`, `undefined`
 * when it is its private key. Like Linkerd, it accepts any EC or RSA key here: whether the algorithm is
 * supported is a later check's business.
 *
 * @example
 * ```ts
 * issuerKeyProblem(otherKey.exportPkcs8Pem(), issuer.certificate); // 'tls: Public and private key do not match'
 * ```
 */
export function issuerKeyProblem(key: KeyInput, cert: Certificate): string | undefined {
  try {
    let matches: boolean;
    try {
      matches = importPrivateKey(key).publicKey.equals(cert.publicKey);
    } catch (e) {
      if (!isPkiError(e, 'ERR_KEY_UNSUPPORTED') || key instanceof PrivateKey) throw e;
      matches = foreignKeyMatches(key, cert);
    }
    return matches ? undefined : KEY_MISMATCH;
  } catch (e) {
    return `could not read the issuer key: ${errorText(e)}`;
  }
}
