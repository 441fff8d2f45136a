import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { PkiError } from '../errors';
import { CURVE_SIZE } from './curves';
import { derToRawSignature } from './ecdsa-sig';
import type { CryptoBackend } from './types';

const HASHES = { 'SHA-1': sha1, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;
const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

/** Reads the 32-byte private scalar from a PKCS#8 P-256 key (OpenSSL/WebCrypto layout). */
type ScalarReader = (pkcs8: Uint8Array) => Uint8Array;

/**
 * A pure-JavaScript backend on @noble/curves, for runtimes without WebCrypto (e.g. a page served over
 * plain HTTP). ECDSA only: RSA signatures verify as false there.
 */
export function nobleBackend(readScalar: ScalarReader): CryptoBackend {
  return {
    name: 'noble',
    async generateP256() {
      throw new PkiError(
        'ERR_CRYPTO_UNAVAILABLE',
        'key generation needs WebCrypto here; pass `random` to generateKeyPair',
      );
    },
    async signP256(key, data) {
      return p256.sign(data, readScalar(key.pkcs8), { format: 'der', lowS: false });
    },
    async verify(alg, key, signature, data) {
      if (alg.kind !== 'ecdsa' || alg.hash === 'MD5' || !alg.hash) return false;
      const curve = CURVES[key.curve as keyof typeof CURVES];
      if (!curve) return false;
      const raw = derToRawSignature(signature, CURVE_SIZE[key.curve ?? '']!);
      if (!raw) return false;
      try {
        const digest = HASHES[alg.hash](data);
        return curve.verify(raw, digest, key.key, { prehash: false, lowS: false, format: 'compact' });
      } catch {
        return false;
      }
    },
    async digest(hash, data) {
      return HASHES[hash](data);
    },
  };
}
