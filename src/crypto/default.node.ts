import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { hashBytes, sameBytes } from '../der';
import { readPkcs8 } from '../keys/pkcs8';
import type { PublicKeyInfo, SignatureAlgorithm } from '../x509/types';
import { CURVE_SIZE } from './curves';
import { isEcdsaSigDer } from './ecdsa-sig';
import type { CryptoBackend, SigningKey } from './types';

const NODE_HASH = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

const privateHandles = new WeakMap<SigningKey, KeyObject>();

/**
 * Public key handles by SubjectPublicKeyInfo bytes, oldest first. Making a KeyObject costs more than the
 * verification it serves (OpenSSL 3's decoders), and the same keys come back under new objects: issuers
 * and anchors in every chain checked, a proxy's CSR at each renewal. The cache is bounded (a handle holds
 * about 4 KB of OpenSSL memory) and entries leave in insertion order, so a key in constant use is made
 * again at most once per {@link SPKI_HANDLE_CACHE_SIZE} new keys.
 */
const handlesBySpki = new Map<number, { readonly spki: Uint8Array; readonly handle: KeyObject }>();
/** At most this many public key handles are kept (about 4 MB). */
const SPKI_HANDLE_CACHE_SIZE = 1024;

function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Base64url of `bytes[start, end)`, left-padded with zeros to `size` bytes. */
function fixed(bytes: Buffer, start: number, end: number, size: number): string {
  const n = end - start;
  if (n === size) return bytes.toString('base64url', start, end);
  const out = Buffer.alloc(size);
  bytes.copy(out, size - n, start, end);
  return out.toString('base64url');
}

/** An uncompressed P-256 point as a JWK: Node imports it several times faster than SPKI DER. */
function p256Jwk(point: Uint8Array): JsonWebKey | undefined {
  if (point.length !== 65 || point[0] !== 0x04) return undefined;
  const b = bufferOf(point);
  return { kty: 'EC', crv: 'P-256', x: fixed(b, 1, 33, 32), y: fixed(b, 33, 65, 32) };
}

function importPublic(key: PublicKeyInfo): KeyObject {
  const jwk = key.kind === 'ec' && key.curve === 'P-256' ? p256Jwk(key.key) : undefined;
  // Same acceptance as the SPKI path: a point off the curve (or a coordinate ≥ p) throws either way.
  if (jwk) return createPublicKey({ key: jwk, format: 'jwk' });
  return createPublicKey({ key: bufferOf(key.der), format: 'der', type: 'spki' });
}

function publicHandle(key: PublicKeyInfo): KeyObject | null {
  // Keyed by a hash of the SPKI and confirmed by its bytes; a colliding key just takes the slot over.
  const id = hashBytes(key.der);
  const cached = handlesBySpki.get(id);
  if (cached && sameBytes(cached.spki, key.der)) return cached.handle;
  let handle: KeyObject;
  try {
    handle = importPublic(key);
  } catch {
    return null;
  }
  handlesBySpki.delete(id);
  if (handlesBySpki.size >= SPKI_HANDLE_CACHE_SIZE) {
    handlesBySpki.delete(handlesBySpki.keys().next().value as number);
  }
  handlesBySpki.set(id, { spki: key.der.slice(), handle });
  return handle;
}

function importPrivate(pkcs8: Uint8Array): KeyObject {
  // PKCS#8 DER goes through OpenSSL 3's decoder search, which costs several signatures; the same key as
  // a JWK does not. Anything unusual keeps the DER path, and with it OpenSSL's own verdict.
  try {
    const { scalar, publicPoint } = readPkcs8(pkcs8);
    const jwk = publicPoint ? p256Jwk(publicPoint) : undefined;
    if (jwk)
      return createPrivateKey({ key: { ...jwk, d: fixed(bufferOf(scalar), 0, 32, 32) }, format: 'jwk' });
  } catch {
    // fall through
  }
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

function privateHandle(key: SigningKey): KeyObject {
  let h = privateHandles.get(key);
  if (!h) {
    h = importPrivate(key.pkcs8);
    privateHandles.set(key, h);
  }
  return h;
}

/** A signature check through OpenSSL, which answers synchronously. */
function verifyNow(
  alg: SignatureAlgorithm,
  key: PublicKeyInfo,
  signature: Uint8Array,
  data: Uint8Array,
): boolean {
  if (!alg.hash || alg.hash === 'MD5') return false;
  const handle = publicHandle(key);
  if (!handle) return false;
  const hash = NODE_HASH[alg.hash];
  try {
    if (alg.kind === 'ecdsa') {
      // Same strictness as the WebCrypto path: only canonical DER that fits the curve.
      if (!isEcdsaSigDer(signature, CURVE_SIZE[key.curve ?? ''] ?? 0)) return false;
      return verify(hash, data, handle, signature); // DER signatures: the default
    }
    if (alg.kind === 'rsa-pss') {
      return verify(
        hash,
        data,
        { key: handle, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? 0 },
        signature,
      );
    }
    return verify(hash, data, handle, signature);
  } catch {
    return false;
  }
}

/** The `node:crypto` backend: OpenSSL's ECDSA and RSA, synchronous under the hood. */
export const nodeBackend: CryptoBackend = {
  name: 'node',
  async generateP256() {
    // Encoded by the key-generation job itself: exporting from the generated KeyObject (JWK in
    // particular) can deadlock Node 20 when a GC runs the job's destructor during the export.
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      publicKeyEncoding: { type: 'spki', format: 'der' },
    });
    return new Uint8Array(privateKey.buffer, privateKey.byteOffset, privateKey.byteLength);
  },
  async signP256(key, data) {
    // DER is node:crypto's default signature encoding; a bare KeyObject skips parsing an options object.
    const signature = sign('sha256', data, privateHandle(key));
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength); // no copy
  },
  async verify(alg, key, signature, data) {
    return verifyNow(alg, key, signature, data);
  },
  verifySync: verifyNow,
  async digest(hash, data) {
    return new Uint8Array(createHash(NODE_HASH[hash]).update(data).digest());
  },
};

/** The backend used unless {@link setCryptoBackend} says otherwise; in Node, `node:crypto`. */
export function defaultBackend(): CryptoBackend {
  return nodeBackend;
}
