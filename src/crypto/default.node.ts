import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  KeyObject,
  sign,
  verify,
  webcrypto,
} from 'node:crypto';
import { hashBytes, sameBytes } from '../der';
import { encodeSpki, readPkcs8 } from '../keys/pkcs8';
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

/** The SubjectPublicKeyInfo of every P-256 key, up to its uncompressed point (the last 65 bytes). */
const P256_SPKI_PREFIX = encodeSpki(new Uint8Array(65)).slice(0, -65);

/**
 * The uncompressed point of a P-256 SPKI, read from the SPKI bytes themselves (never from a parsed
 * object's other fields, which a caller could set apart from them), or undefined for any other key.
 */
function p256PointOf(spki: Uint8Array): Uint8Array | undefined {
  if (spki.length !== P256_SPKI_PREFIX.length + 65) return undefined;
  for (let i = 0; i < P256_SPKI_PREFIX.length; i++) if (spki[i] !== P256_SPKI_PREFIX[i]) return undefined;
  return spki[P256_SPKI_PREFIX.length] === 0x04 ? spki.subarray(P256_SPKI_PREFIX.length) : undefined;
}

/** A handle for the key `spki` holds: the bytes the handle is then remembered under. */
function importPublic(spki: Uint8Array): KeyObject {
  const point = p256PointOf(spki);
  const jwk = point === undefined ? undefined : p256Jwk(point);
  // Same acceptance as the SPKI path: a point off the curve (or a coordinate ≥ p) throws either way.
  if (jwk) return createPublicKey({ key: jwk, format: 'jwk' });
  return createPublicKey({ key: bufferOf(spki), format: 'der', type: 'spki' });
}

/** The handle remembered for `spki`, if any (keys can collide: the bytes must match too). */
function cachedHandle(spki: Uint8Array, id: number): KeyObject | undefined {
  const cached = handlesBySpki.get(id);
  return cached && sameBytes(cached.spki, spki) ? cached.handle : undefined;
}

/**
 * Hashes of keys the asynchronous path imported once without remembering them, oldest first. A key in
 * a fresh CSR is usually never seen again (every proxy has its own), and a remembered handle lives on
 * in the old generation until it leaves the cache, where each one costs the collector dearly (measured:
 * pauses of 35–90 ms every second at 5,000 issuances/s, against about 1 ms without). So a key is
 * remembered only when it comes back: a proxy renewing, a CSR checked twice.
 */
const seenOnce = new Set<number>();
/** At most this many hashes of keys seen once are kept (numbers only: no key material). */
const SEEN_ONCE_SIZE = 4096;

/** {@link rememberHandle} for a key met on the asynchronous path: only the second time it is met. */
function rememberIfSeenBefore(own: Uint8Array, id: number, handle: KeyObject): void {
  if (seenOnce.delete(id)) {
    rememberHandle(own, id, handle);
    return;
  }
  if (seenOnce.size >= SEEN_ONCE_SIZE) seenOnce.delete(seenOnce.values().next().value as number);
  seenOnce.add(id);
}

/** Remembers `handle` under `own`, a copy of the SPKI it was made from that nobody else holds. */
function rememberHandle(own: Uint8Array, id: number, handle: KeyObject): void {
  handlesBySpki.delete(id);
  if (handlesBySpki.size >= SPKI_HANDLE_CACHE_SIZE) {
    handlesBySpki.delete(handlesBySpki.keys().next().value as number);
  }
  handlesBySpki.set(id, { spki: own, handle });
}

function publicHandle(key: PublicKeyInfo): KeyObject | null {
  // Keyed by a hash of the SPKI and confirmed by its bytes; a colliding key just takes the slot over.
  const id = hashBytes(key.der);
  const cached = cachedHandle(key.der, id);
  if (cached) return cached;
  const own = new Uint8Array(key.der);
  let handle: KeyObject;
  try {
    handle = importPublic(own);
  } catch {
    return null;
  }
  rememberHandle(own, id, handle);
  return handle;
}

const RAW_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * A P-256 public key's handle made the cheapest way Node offers: WebCrypto's `raw` import of the
 * uncompressed point, then `KeyObject.from`. About 40 µs, against about 50 µs from JWK and 105 µs from
 * SPKI DER, and a handle made so verifies its first signature sooner than a JWK-made one (import and
 * verification: about 90 µs against 115 µs). The same points are refused: OpenSSL decodes the point (coordinates below p, on the
 * curve) and Node checks it again (`EVP_PKEY_public_check_quick`), as the JWK route does, but without
 * the order check n·Q = O, which on P-256 (cofactor 1) no point on the curve can fail. Resolves to
 * `null` for a key OpenSSL refuses.
 */
async function importP256Raw(point: Uint8Array): Promise<KeyObject | null> {
  try {
    return KeyObject.from(await webcrypto.subtle.importKey('raw', point, RAW_P256, false, ['verify']));
  } catch {
    return null;
  }
}

/**
 * Asynchronous signature operations in flight: started, and not yet handed back to their caller (an
 * answer found at once counts until the next microtask, when its caller resumes). One that starts while
 * others are in flight (many issuances at once) runs on libuv's thread pool, where Node runs its
 * asynchronous `sign` and `verify`, so that every core works; one alone runs at once on this thread,
 * which spares the round trip to another thread.
 */
let inFlight = 0;

function release(): void {
  inFlight--;
}

/** Settled already: `then` on it runs at the next microtask (Node's `queueMicrotask` allocates more). */
const SETTLED = Promise.resolve();

/** A result found at once, handed back when the caller resumes (after which this call is no longer in flight). */
function answered<T>(value: T): Promise<T> {
  SETTLED.then(release);
  return Promise.resolve(value);
}

/**
 * An ECDSA P-256 / SHA-256 check with `handle`, for a call counted in {@link inFlight}; `owned` when
 * `signature` and `data` are copies nobody else holds.
 */
function verifyP256(
  handle: KeyObject,
  signature: Uint8Array,
  data: Uint8Array,
  owned = false,
): Promise<boolean> {
  if (inFlight > 1) {
    // The thread pool reads the bytes later: it gets copies of what was given.
    const sig = owned ? signature : new Uint8Array(signature);
    const bytes = owned ? data : new Uint8Array(data);
    return new Promise((resolve) => {
      try {
        verify('sha256', bytes, handle, sig, (err, ok) => {
          release();
          resolve(!err && ok);
        });
      } catch {
        release();
        resolve(false);
      }
    });
  }
  let ok = false;
  try {
    ok = verify('sha256', data, handle, signature);
  } catch {
    ok = false;
  }
  return answered(ok);
}

/**
 * The asynchronous check: as {@link verifyNow}, but a P-256 key not remembered is imported by
 * {@link importP256Raw} (and remembered only when met again, {@link rememberIfSeenBefore}), and the
 * ECDSA check runs on the thread pool when other calls are in flight.
 */
function verifyLater(
  alg: SignatureAlgorithm,
  key: PublicKeyInfo,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  const point = alg.kind === 'ecdsa' && alg.hash === 'SHA-256' ? p256PointOf(key.der) : undefined;
  if (point === undefined) return Promise.resolve(verifyNow(alg, key, signature, data));
  // Same strictness as the WebCrypto path: only canonical DER that fits the curve.
  if (!isEcdsaSigDer(signature, 32)) return Promise.resolve(false);
  const id = hashBytes(key.der);
  const cached = cachedHandle(key.der, id);
  inFlight++;
  if (cached) return verifyP256(cached, signature, data);
  // Everything is read now: the import waits, and what is checked (and remembered) is what was given.
  const own = new Uint8Array(key.der);
  const sig = new Uint8Array(signature);
  const bytes = new Uint8Array(data);
  return importP256Raw(own.subarray(own.length - 65)).then((handle) => {
    if (!handle) {
      release();
      return false;
    }
    rememberIfSeenBefore(own, id, handle);
    return verifyP256(handle, sig, bytes, true);
  });
}

/** ecdsa-with-SHA256 with `handle`: at once when alone, on the thread pool when others are in flight. */
function signP256With(handle: KeyObject, data: Uint8Array): Promise<Uint8Array> {
  inFlight++;
  if (inFlight > 1) {
    return new Promise((resolve, reject) => {
      try {
        // A copy: the thread pool reads the bytes later.
        sign('sha256', new Uint8Array(data), handle, (err, signature) => {
          release();
          if (err) reject(err);
          else resolve(viewOf(signature));
        });
      } catch (e) {
        release();
        reject(e);
      }
    });
  }
  let signature: Buffer;
  try {
    signature = sign('sha256', data, handle);
  } catch (e) {
    release();
    return Promise.reject(e);
  }
  return answered(viewOf(signature));
}

/** A signature as a view of node:crypto's buffer (no copy). */
function viewOf(signature: Buffer): Uint8Array {
  return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
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
  signP256(key, data) {
    // DER is node:crypto's default signature encoding; a bare KeyObject skips parsing an options object.
    try {
      return signP256With(privateHandle(key), data);
    } catch (e) {
      return Promise.reject(e);
    }
  },
  verify(alg, key, signature, data) {
    try {
      return verifyLater(alg, key, signature, data);
    } catch {
      return Promise.resolve(false);
    }
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
