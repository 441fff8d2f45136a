import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import type { PublicKeyInfo } from '../x509/types';
import { CURVE_SIZE } from './curves';
import { derToRawSignature } from './ecdsa-sig';
import type { CryptoBackend, SigningKey } from './types';

const NODE_HASH = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

const privateHandles = new WeakMap<SigningKey, KeyObject>();
const publicHandles = new WeakMap<PublicKeyInfo, KeyObject | null>();

function privateHandle(key: SigningKey): KeyObject {
  let h = privateHandles.get(key);
  if (!h) {
    h = createPrivateKey({ key: Buffer.from(key.pkcs8), format: 'der', type: 'pkcs8' });
    privateHandles.set(key, h);
  }
  return h;
}

function publicHandle(key: PublicKeyInfo): KeyObject | null {
  let h = publicHandles.get(key);
  if (h === undefined) {
    try {
      h = createPublicKey({ key: Buffer.from(key.der), format: 'der', type: 'spki' });
    } catch {
      h = null;
    }
    publicHandles.set(key, h);
  }
  return h;
}

/** The `node:crypto` backend: OpenSSL's ECDSA and RSA, synchronous under the hood. */
export const nodeBackend: CryptoBackend = {
  name: 'node',
  async generateP256() {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  },
  async signP256(key, data) {
    return new Uint8Array(sign('sha256', data, { key: privateHandle(key), dsaEncoding: 'der' }));
  },
  async verify(alg, key, signature, data) {
    if (!alg.hash || alg.hash === 'MD5') return false;
    const handle = publicHandle(key);
    if (!handle) return false;
    const hash = NODE_HASH[alg.hash];
    try {
      if (alg.kind === 'ecdsa') {
        // Same strictness as the WebCrypto path: only canonical DER that fits the curve.
        if (!derToRawSignature(signature, CURVE_SIZE[key.curve ?? ''] ?? 0)) return false;
        return verify(hash, data, { key: handle, dsaEncoding: 'der' }, signature);
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
  },
  async digest(hash, data) {
    return new Uint8Array(createHash(NODE_HASH[hash]).update(data).digest());
  },
};

/** The backend used unless {@link setCryptoBackend} says otherwise; in Node, `node:crypto`. */
export function defaultBackend(): CryptoBackend {
  return nodeBackend;
}
