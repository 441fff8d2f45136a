import { defaultBackend } from './default';
import type { CryptoBackend } from './types';

let chosen: CryptoBackend | undefined;

/**
 * The crypto backend in use.
 *
 * @example
 * ```ts
 * cryptoBackend().name; // 'node' in Node, 'webcrypto' elsewhere
 * ```
 */
export function cryptoBackend(): CryptoBackend {
  chosen ??= defaultBackend();
  return chosen;
}

/**
 * Replaces the crypto backend (for example with `webCryptoBackend(new Crypto().subtle)` from
 * @peculiar/webcrypto, or a hardware-backed one); `undefined` restores the runtime's default.
 *
 * @example
 * ```ts
 * setCryptoBackend(webCryptoBackend(globalThis.crypto.subtle)); // WebCrypto even in Node
 * setCryptoBackend(undefined); // back to the default
 * ```
 */
export function setCryptoBackend(backend: CryptoBackend | undefined): void {
  chosen = backend;
}
