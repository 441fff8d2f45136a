import { sameBytes } from '../der/bytes';
import { PkiError } from '../errors';
import { requireFunction, requireObject } from '../validate';
import type { HashName, PublicKeyInfo, SignatureAlgorithm } from '../x509/types';
import { CURVE_SIZE } from './curves';
import { derToRawSignature, rawToDerSignature } from './ecdsa-sig';
import type { CryptoBackend, SigningKey } from './types';

const privateHandles = new WeakMap<SigningKey, Promise<CryptoKey>>();
/**
 * Imported keys by key object and algorithm, each with a copy of the SPKI it was imported from: a handle
 * is used only while the object still holds those bytes, so a key object someone changed is imported anew.
 */
const publicHandles = new WeakMap<
  PublicKeyInfo,
  { readonly spki: Uint8Array; readonly byAlg: Map<string, Promise<CryptoKey>> }
>();

function importParams(
  alg: SignatureAlgorithm,
  key: PublicKeyInfo,
): EcKeyImportParams | RsaHashedImportParams {
  if (alg.kind === 'ecdsa') return { name: 'ECDSA', namedCurve: key.curve ?? '' };
  return { name: alg.kind === 'rsa-pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5', hash: alg.hash ?? '' };
}

function publicHandle(subtle: SubtleCrypto, alg: SignatureAlgorithm, key: PublicKeyInfo): Promise<CryptoKey> {
  const params = importParams(alg, key);
  const cacheKey = `${params.name}/${'hash' in params ? String(params.hash) : ''}`;
  let known = publicHandles.get(key);
  if (!known || !sameBytes(known.spki, key.der)) {
    known = { spki: new Uint8Array(key.der), byAlg: new Map() };
    publicHandles.set(key, known);
  }
  let handle = known.byAlg.get(cacheKey);
  if (!handle) {
    // Imported from the copy: the bytes checked above are the bytes imported, whatever happens next.
    handle = subtle.importKey('spki', known.spki as BufferSource, params, false, ['verify']);
    known.byAlg.set(cacheKey, handle);
  }
  return handle;
}

/**
 * The WebCrypto backend, over a given `SubtleCrypto`.
 *
 * @example
 * ```ts
 * setCryptoBackend(webCryptoBackend(globalThis.crypto.subtle));
 * ```
 */
export function webCryptoBackend(subtle: SubtleCrypto): CryptoBackend {
  const s = requireObject(subtle, 'the SubtleCrypto') as Partial<Record<keyof SubtleCrypto, unknown>>;
  for (const m of ['digest', 'exportKey', 'generateKey', 'importKey', 'sign', 'verify'] as const) {
    requireFunction(s[m], `SubtleCrypto \`${m}\``);
  }
  /** Private keys this backend generated, by the PKCS#8 bytes it returned for them. */
  const generatedHandles = new WeakMap<Uint8Array, CryptoKey>();
  const signingHandle = (key: SigningKey): Promise<CryptoKey> => {
    let h = privateHandles.get(key);
    if (!h) {
      const made = generatedHandles.get(key.pkcs8);
      h = made
        ? Promise.resolve(made)
        : subtle.importKey(
            'pkcs8',
            key.pkcs8 as BufferSource,
            { name: 'ECDSA', namedCurve: 'P-256' },
            false,
            ['sign'],
          );
      privateHandles.set(key, h);
    }
    return h;
  };
  return {
    name: 'webcrypto',
    async generateP256() {
      const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
      generatedHandles.set(pkcs8, pair.privateKey);
      return pkcs8;
    },
    async signP256(key, data) {
      const bytes = new Uint8Array(data); // a copy (Buffer's slice is a view): what was given at the call
      const raw = await subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        await signingHandle(key),
        bytes as BufferSource,
      );
      return rawToDerSignature(new Uint8Array(raw));
    },
    async verify(alg, key, signature, data) {
      // Copied before the first wait: the verdict is about the bytes given at the call.
      const bytes = new Uint8Array(data);
      let sig: Uint8Array = new Uint8Array(signature);
      let params: AlgorithmIdentifier | EcdsaParams | RsaPssParams = { name: 'RSASSA-PKCS1-v1_5' };
      if (alg.kind === 'ecdsa') {
        const raw = derToRawSignature(signature, CURVE_SIZE[key.curve ?? ''] ?? 0);
        if (!raw) return false;
        sig = raw;
        params = { name: 'ECDSA', hash: alg.hash ?? '' };
      } else if (alg.kind === 'rsa-pss') {
        params = { name: 'RSA-PSS', saltLength: alg.saltLength ?? 0 };
      }
      let handle: CryptoKey;
      try {
        handle = await publicHandle(subtle, alg, key);
      } catch {
        return false;
      }
      try {
        return await subtle.verify(params, handle, sig as BufferSource, bytes as BufferSource);
      } catch {
        return false;
      }
    },
    async digest(hash: Exclude<HashName, 'MD5'>, data) {
      return new Uint8Array(await subtle.digest(hash, data as BufferSource));
    },
  };
}

/** The platform's `SubtleCrypto`, or a typed error when the runtime has none. */
export function platformSubtle(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new PkiError('ERR_CRYPTO_UNAVAILABLE', 'this runtime has no WebCrypto (crypto.subtle)');
  return subtle;
}
