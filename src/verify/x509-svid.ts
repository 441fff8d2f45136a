/**
 * Reading an X509-SVID and its key as go-spiffe's `x509svid.Parse` does: its own module, so that verifying
 * (which needs no private-key arithmetic) does not bring @noble/curves into a bundle.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { DerReader, readIntegerBytes, readOid, readSmallInteger, readTopLevel, sameBytes, TAG } from '../der';
import { isPkiError, PkiError } from '../errors';
import { importPrivateKey, MAX_KEY_SIZE, type PrivateKey } from '../keys';
import { decodePem } from '../pem';
import { parseSpiffeId } from '../spiffe';
import { parseCertificate } from '../x509/certificate';
import { OID } from '../x509/oids';
import type { Certificate } from '../x509/types';
import { type CertificateInput, certificateDer } from './store';
import { svidId, svidLeafProblem, svidSigningProblem } from './svid';

/**
 * Options of {@link parseX509Svid}: an X509-SVID's certificates and its private key, as go-spiffe's
 * `x509svid.Parse` and `ParseRaw` take them (one file may hold both, in either order).
 *
 * @example
 * ```ts
 * const options: ParseX509SvidOptions = { certificates: svidPem, key: keyPem };
 * const both: ParseX509SvidOptions = { certificates: certAndKeyPem, key: certAndKeyPem };
 * ```
 */
export interface ParseX509SvidOptions {
  /**
   * The leaf first, then the certificates above it: PEM text (its `CERTIFICATE` blocks, other blocks
   * skipped), DER certificates one after another, or a list of certificates (parsed, DER or PEM).
   */
  readonly certificates: string | Uint8Array | readonly CertificateInput[];
  /** The private key: PEM text (its first `PRIVATE KEY` block, other blocks skipped) or PKCS#8 DER. */
  readonly key: string | Uint8Array;
}

/**
 * An X509-SVID read by {@link parseX509Svid}: its SPIFFE ID, certificates and key. Frozen.
 *
 * @example
 * ```ts
 * const svid: X509Svid = parseX509Svid({ certificates: svidPem, key: keyPem });
 * svid.spiffeId; // 'spiffe://example.org/workload-1'
 * svid.keyType; // 'EC P-256'
 * ```
 */
export interface X509Svid {
  /** The leaf's SPIFFE ID. */
  readonly spiffeId: string;
  /** Its trust domain. */
  readonly trustDomain: string;
  /** The certificates, leaf first (private parses, the caller's to keep). */
  readonly certificates: readonly Certificate[];
  /** The key's algorithm: `EC P-256`, `EC P-384`, `EC P-521` or `RSA <bits>`. */
  readonly keyType: string;
  /** The key as a {@link PrivateKey} when it is ECDSA P-256 (the keys l5d-pki signs with), else `undefined`. */
  readonly privateKey: PrivateKey | undefined;
}

/**
 * Reads an X509-SVID and its private key exactly as go-spiffe's `x509svid.Parse` does: the certificates
 * and the key are parsed first, then the certificates must make an X509-SVID (the leaf: one URI SAN, a
 * SPIFFE ID; not a CA; keyUsage digitalSignature and neither keyCertSign nor cRLSign; every certificate
 * above it: a CA with keyCertSign), then the key must be the leaf's. ECDSA (P-256, P-384, P-521) and RSA
 * PKCS#8 keys are read: they are paired with the leaf by the public key their PKCS#8 structure holds (the
 * EC point derived from the private scalar, or the RSA modulus and exponent, whose primes must multiply
 * to the modulus), so no key needs to be imported for signing. Nothing is verified against a bundle:
 * use {@link verifySvid} for a peer's SVID. Synchronous.
 *
 * Throws `ERR_SVID_INVALID` for a broken SVID rule or no certificate (go-spiffe's message; `certificate
 * N` names one above the leaf), `ERR_KEY_MISMATCH` when the key is not the leaf's, `ERR_KEY_INVALID` for
 * no key or a corrupt one, `ERR_KEY_UNSUPPORTED` for another algorithm (Ed25519, encrypted keys), and
 * the parsers' errors (`ERR_PEM_INVALID`, `ERR_CERT_INVALID`, ...). Messages never show key material.
 *
 * @example
 * ```ts
 * const svid = parseX509Svid({ certificates: readFileSync('svid.pem', 'utf8'), key: readFileSync('svid.key', 'utf8') });
 * console.log(svid.spiffeId, svid.certificates.length, svid.keyType);
 * ```
 */
export function parseX509Svid(options: ParseX509SvidOptions): X509Svid {
  if (typeof options !== 'object' || options === null) {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'parseX509Svid takes an options object');
  }
  const { certificates: certInput, key: keyInput } = options;
  // go-spiffe's order: the certificates and the key are parsed, then the SVID rules, then the pairing.
  const certificates = svidCertificates(certInput);
  const keyDer = svidKeyDer(keyInput);
  const key = keyDer === undefined ? undefined : readPkcs8Public(keyDer);
  if (certificates.length === 0) throw new PkiError('ERR_SVID_INVALID', 'no certificates found');
  const leaf = certificates[0]!;
  const id = svidId(leaf);
  if (typeof id !== 'string') throw new PkiError('ERR_SVID_INVALID', id.reason);
  const leafRule = svidLeafProblem(leaf);
  if (leafRule) throw new PkiError('ERR_SVID_INVALID', leafRule.reason);
  for (const [i, cert] of certificates.entries()) {
    const rule = i === 0 ? undefined : svidSigningProblem(cert);
    if (rule) throw new PkiError('ERR_SVID_INVALID', `certificate ${i}: ${rule.reason}`);
  }
  if (key === undefined || keyDer === undefined) {
    throw new PkiError('ERR_KEY_INVALID', 'no private key found (a PRIVATE KEY PEM block)');
  }
  if (!key.matches(leaf)) {
    throw new PkiError('ERR_KEY_MISMATCH', 'leaf certificate does not match private key');
  }
  const privateKey = key.type === 'EC P-256' ? importPrivateKey(keyDer) : undefined;
  return Object.freeze({
    spiffeId: id,
    trustDomain: parseSpiffeId(id).trustDomain,
    certificates: Object.freeze(certificates),
    keyType: key.type,
    privateKey,
  });
}

/** The certificates of an SVID, leaf first, each a private parse. */
function svidCertificates(input: ParseX509SvidOptions['certificates']): Certificate[] {
  if (typeof input === 'string') {
    return pemBlocks(input, 'certificate')
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => parseCertificate(b.der));
  }
  if (input instanceof Uint8Array) {
    const own = new Uint8Array(input);
    const out: Certificate[] = [];
    for (let pos = 0; pos < own.length; ) {
      const r = new DerReader(own.subarray(pos));
      r.next(TAG.SEQUENCE, `certificate ${out.length}`);
      out.push(parseCertificate(own.subarray(pos, pos + r.pos)));
      pos += r.pos;
    }
    return out;
  }
  if (!Array.isArray(input)) {
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'certificates must be PEM text, DER or a list of certificates',
    );
  }
  return input.map((c: CertificateInput) => parseInputOrThrow(c));
}

function parseInputOrThrow(input: CertificateInput): Certificate {
  if (typeof input === 'string') return parseCertificate(input);
  return parseCertificate(certificateDer(input));
}

/** The PEM blocks of `text`; `ERR_PEM_INVALID` when it has none (go-spiffe: "no PEM blocks found"). */
function pemBlocks(text: string, what: string): ReturnType<typeof decodePem> {
  const blocks = decodePem(text);
  if (blocks.length === 0) throw new PkiError('ERR_PEM_INVALID', `the ${what} text has no PEM blocks`);
  return blocks;
}

/**
 * The PKCS#8 DER of the key (a copy), from its first `PRIVATE KEY` PEM block or DER; `undefined` when
 * the PEM text has no such block (go-spiffe reports that after the certificate rules).
 */
function svidKeyDer(input: ParseX509SvidOptions['key']): Uint8Array | undefined {
  let der: Uint8Array;
  if (typeof input === 'string') {
    const block = pemBlocks(input, 'private key').find((b) => b.label === 'PRIVATE KEY');
    if (block === undefined) return undefined;
    der = block.der;
  } else if (input instanceof Uint8Array) {
    der = new Uint8Array(input);
  } else {
    throw new PkiError('ERR_INVALID_ARGUMENT', 'key must be PEM text or PKCS#8 DER');
  }
  if (der.length > MAX_KEY_SIZE) {
    throw new PkiError('ERR_INPUT_TOO_LARGE', `the key is ${der.length} bytes; the limit is ${MAX_KEY_SIZE}`);
  }
  return der;
}

/** A private key's public half, as its PKCS#8 structure holds it, to pair with a certificate. */
interface KeyPublicHalf {
  readonly type: string;
  matches(cert: Certificate): boolean;
}

const EC_CURVES: ReadonlyMap<string, { readonly name: string; readonly curve: typeof p256 }> = new Map([
  [OID.p256, { name: 'P-256', curve: p256 }],
  [OID.p384, { name: 'P-384', curve: p384 }],
  [OID.p521, { name: 'P-521', curve: p521 }],
]);

/**
 * Reads a PKCS#8 `PrivateKeyInfo` (ECDSA on P-256, P-384 or P-521, or RSA) strictly and returns its public
 * half. Throws `ERR_KEY_INVALID` for a corrupt key, `ERR_KEY_UNSUPPORTED` for another algorithm.
 */
function readPkcs8Public(der: Uint8Array): KeyPublicHalf {
  try {
    const seq = readTopLevel(der, TAG.SEQUENCE, 'PrivateKeyInfo');
    const version = readSmallInteger(seq, 'PrivateKeyInfo version');
    if (version > 1) throw new PkiError('ERR_KEY_INVALID', `PrivateKeyInfo version ${version}`);
    const alg = seq.enterNext(TAG.SEQUENCE, 'PrivateKeyInfo algorithm');
    const algorithm = readOid(alg, 'PrivateKeyInfo algorithm');
    let curveOid: string | undefined;
    if (algorithm === OID.ecPublicKey) {
      if (alg.peekTag() !== TAG.OID) {
        throw new PkiError('ERR_KEY_UNSUPPORTED', 'EC keys with explicit curve parameters are not supported');
      }
      curveOid = readOid(alg, 'PrivateKeyInfo curve');
    } else if (algorithm === OID.rsaEncryption) {
      if (!alg.done) alg.next(TAG.NULL, 'PrivateKeyInfo parameters');
    } else {
      const name = algorithm === OID.ed25519 ? 'Ed25519' : `algorithm ${algorithm}`;
      throw new PkiError('ERR_KEY_UNSUPPORTED', `unsupported private key type: ${name}`);
    }
    alg.expectEnd('PrivateKeyInfo algorithm');
    const inner = seq.content(seq.read(TAG.OCTET_STRING, 'PrivateKeyInfo privateKey'));
    seq.readOptional(0xa0, 'PrivateKeyInfo attributes');
    seq.readOptional(0x81, 'PrivateKeyInfo publicKey');
    seq.expectEnd('PrivateKeyInfo');
    return curveOid === undefined ? rsaPublicHalf(inner) : ecPublicHalf(inner, curveOid);
  } catch (e) {
    if (isPkiError(e) && (e.code === 'ERR_DER' || e.code === 'ERR_TRAILING_DATA')) {
      throw new PkiError('ERR_KEY_INVALID', `invalid PKCS#8 key: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** The public point of an `ECPrivateKey` on `curveOid`, derived from its scalar (as Go derives it). */
function ecPublicHalf(der: Uint8Array, curveOid: string): KeyPublicHalf {
  const known = EC_CURVES.get(curveOid);
  if (known === undefined) throw new PkiError('ERR_KEY_UNSUPPORTED', `EC keys on curve ${curveOid}`);
  const seq = readTopLevel(der, TAG.SEQUENCE, 'ECPrivateKey');
  if (readSmallInteger(seq, 'ECPrivateKey version') !== 1) {
    throw new PkiError('ERR_KEY_INVALID', 'invalid ECPrivateKey: version must be 1');
  }
  const d = seq.content(seq.read(TAG.OCTET_STRING, 'ECPrivateKey privateKey'));
  const params = seq.readOptional(0xa0, 'ECPrivateKey parameters');
  if (params) {
    const p = seq.enter(params, 'ECPrivateKey parameters');
    if (readOid(p, 'ECPrivateKey namedCurve') !== curveOid) {
      throw new PkiError('ERR_KEY_INVALID', 'ECPrivateKey curve differs from the PKCS#8 wrapper');
    }
    p.expectEnd('ECPrivateKey parameters');
  }
  seq.readOptional(0xa1, 'ECPrivateKey publicKey');
  seq.expectEnd('ECPrivateKey');
  const size = known.curve.Point.Fn.BYTES;
  if (d.length === 0 || d.length > size) {
    throw new PkiError(
      'ERR_KEY_INVALID',
      `the ${known.name} private scalar is ${d.length} bytes, not ${size}`,
    );
  }
  const scalar = new Uint8Array(size);
  scalar.set(d, size - d.length);
  let point: Uint8Array;
  try {
    point = known.curve.getPublicKey(scalar, false);
  } catch {
    throw new PkiError('ERR_KEY_INVALID', `the ${known.name} private scalar is out of range`);
  } finally {
    scalar.fill(0);
  }
  return {
    type: `EC ${known.name}`,
    matches: (cert) =>
      cert.publicKey.kind === 'ec' &&
      cert.publicKey.curve === known.name &&
      sameBytes(cert.publicKey.key, point),
  };
}

/** The modulus and exponent of an `RSAPrivateKey` (two primes), checked against its primes. */
function rsaPublicHalf(der: Uint8Array): KeyPublicHalf {
  const seq = readTopLevel(der, TAG.SEQUENCE, 'RSAPrivateKey');
  if (readSmallInteger(seq, 'RSAPrivateKey version') !== 0) {
    throw new PkiError('ERR_KEY_UNSUPPORTED', 'multi-prime RSA keys are not supported');
  }
  const n = unsigned(readIntegerBytes(seq, 'RSAPrivateKey modulus'));
  const e = unsigned(readIntegerBytes(seq, 'RSAPrivateKey publicExponent'));
  readIntegerBytes(seq, 'RSAPrivateKey privateExponent');
  const p = unsigned(readIntegerBytes(seq, 'RSAPrivateKey prime1'));
  const q = unsigned(readIntegerBytes(seq, 'RSAPrivateKey prime2'));
  for (const part of ['exponent1', 'exponent2', 'coefficient'])
    readIntegerBytes(seq, `RSAPrivateKey ${part}`);
  seq.expectEnd('RSAPrivateKey');
  if (n <= 0n || e <= 1n || p <= 1n || q <= 1n || p * q !== n) {
    throw new PkiError('ERR_KEY_INVALID', 'invalid RSA private key: its primes do not make its modulus');
  }
  return {
    type: `RSA ${n.toString(2).length}`,
    matches: (cert) => {
      if (cert.publicKey.kind !== 'rsa') return false;
      const pub = new DerReader(cert.publicKey.key).enterNext(TAG.SEQUENCE, 'RSAPublicKey');
      return (
        unsigned(readIntegerBytes(pub, 'modulus')) === n && unsigned(readIntegerBytes(pub, 'exponent')) === e
      );
    },
  };
}

/** An INTEGER's content as a bigint (negative values, never valid here, read as their magnitude's complement). */
function unsigned(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return bytes.length > 0 && bytes[0]! & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v;
}
