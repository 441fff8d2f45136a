import type { CryptoBackend } from './types';
import { webCryptoBackend } from './webcrypto';

/**
 * A backend that loads @noble/curves on first use, so bundles that never run without WebCrypto do not
 * carry it.
 */
function lazyNobleBackend(): CryptoBackend {
  let loaded: Promise<CryptoBackend> | undefined;
  const load = () => {
    // The PKCS#8 reader comes along: it checks keys with @noble/curves too.
    loaded ??= Promise.all([import('./noble'), import('../keys/pkcs8')]).then(([m, keys]) =>
      m.nobleBackend((pkcs8) => keys.readPkcs8(pkcs8).scalar),
    );
    return loaded;
  };
  return {
    name: 'noble',
    generateP256: async () => (await load()).generateP256(),
    signP256: async (key, data) => (await load()).signP256(key, data),
    verify: async (alg, key, sig, data) => (await load()).verify(alg, key, sig, data),
    digest: async (hash, data) => (await load()).digest(hash, data),
  };
}

/**
 * The backend used unless {@link setCryptoBackend} says otherwise: WebCrypto where the runtime has it,
 * else @noble/curves.
 */
export function defaultBackend(): CryptoBackend {
  const subtle = globalThis.crypto?.subtle;
  return subtle ? webCryptoBackend(subtle) : lazyNobleBackend();
}
