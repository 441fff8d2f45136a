import { createHash } from 'node:crypto';
import { cryptoBackend, setCryptoBackend } from '../../src/crypto/backend';
import { PkiError } from '../../src/errors';

/** A Linkerd workload identity and its SPIFFE ID, as the proxy's tests use them. */
export const IDENTITY = 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local';
export const SPIFFE_ID = 'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default';
export const WEB_IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
export const WEB_SPIFFE_ID = 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web';

/** A fixed issuance time, so validity maths is exact. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** A reproducible byte source: SHA-256 in counter mode over `seed`. */
export function seededRandom(seed: string): (length: number) => Uint8Array {
  let counter = 0;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let o = 0; o < length; o += 32) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - o)), o);
    }
    return out;
  };
}

/** The PkiError code `fn` throws, `undefined` when it returns, or a marker for other errors. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof PkiError ? e.code : `not a PkiError: ${String(e)}`;
  }
  return undefined;
}

/** The PkiError code the promise rejects with, `undefined` when it resolves. */
export async function codeOfAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return e instanceof PkiError ? e.code : `not a PkiError: ${String(e)}`;
  }
  return undefined;
}

/** Lowercase hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Wraps the crypto backend to count the signature checks reaching it; restore with `setCryptoBackend(undefined)`. */
export function countSignatureChecks(): () => number {
  const base = cryptoBackend();
  const { verifySync } = base;
  let calls = 0;
  setCryptoBackend({
    ...base,
    verify: (...args) => {
      calls++;
      return base.verify(...args);
    },
    verifySync:
      verifySync &&
      ((...args) => {
        calls++;
        return verifySync(...args);
      }),
  });
  return () => calls;
}
