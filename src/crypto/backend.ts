import { optionalFunction, requireFunction, requireObject, requireString } from '../validate';
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
  if (backend !== undefined) {
    const b = requireObject(backend, 'the crypto backend') as Partial<Record<keyof CryptoBackend, unknown>>;
    requireString(b.name, 'the crypto backend `name`');
    for (const m of ['generateP256', 'signP256', 'verify', 'digest'] as const) {
      requireFunction(b[m], `the crypto backend \`${m}\``);
    }
    optionalFunction(b.verifySync, 'the crypto backend `verifySync`');
  }
  chosen = backend;
}
