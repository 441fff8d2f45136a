/**
 * The crypto backends remember imported public keys by their SPKI bytes. A key object whose fields
 * disagree with its bytes, or whose bytes change while a check waits, must never leave a handle that
 * vouches for another key: each check here is a wrong accept on a backend that trusted the fields.
 */
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cryptoBackend } from '../src/crypto';
import { webCryptoBackend } from '../src/crypto/webcrypto';
import { parsePublicKeyInfo } from '../src/x509/spki';
import type { PublicKeyInfo, SignatureAlgorithm } from '../src/x509/types';
import { mint } from './verify-certs';

const ecdsa = mint().cert.signatureAlgorithm as SignatureAlgorithm;

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  return { privateKey, info: parsePublicKeyInfo(spki) };
}

const BACKENDS = [
  ['node:crypto', () => cryptoBackend()],
  ['WebCrypto', () => webCryptoBackend(globalThis.crypto.subtle)],
] as const;

describe.each(BACKENDS)('public key handles (%s)', (_, backendOf) => {
  /** A backend, two key pairs and `data` signed by the first. */
  function setup(...data: number[]) {
    const signer = keyPair();
    const bytes = new Uint8Array(data);
    return {
      backend: backendOf(),
      signer,
      other: keyPair(),
      data: bytes,
      signature: new Uint8Array(sign('sha256', bytes, signer.privateKey)),
    };
  }

  it('reads the key from the SPKI bytes, never from the parsed point beside them', async () => {
    const { backend, signer, other, data, signature } = setup(1, 2, 3);
    // The other key's SPKI with the signer's point next to it: this names the other key.
    const forged: PublicKeyInfo = { ...other.info, key: signer.info.key };
    for (const check of [backend.verifySync, backend.verify]) {
      if (check === undefined) continue;
      expect(await check(ecdsa, forged, signature, data)).toBe(false);
      // And nothing was remembered for the other key's bytes.
      expect(await check(ecdsa, other.info, signature, data)).toBe(false);
      expect(await check(ecdsa, signer.info, signature, data)).toBe(true);
    }
  });

  it('remembers what it imported, whatever the caller writes into the key while the check waits', async () => {
    const { backend, signer, other, data, signature } = setup(4, 5, 6);
    const der = new Uint8Array(signer.info.der);
    const key: PublicKeyInfo = { ...parsePublicKeyInfo(der), der };
    const pending = backend.verify(ecdsa, key, signature, data);
    der.set(other.info.der);
    expect(await pending).toBe(true);
    // The other key's bytes find no handle of the signer's.
    expect(await backend.verify(ecdsa, other.info, signature, data)).toBe(false);
  });

  it('answers as a cold check does, whatever keys come back, in flight together, changed mid-check (property)', async () => {
    const data = new Uint8Array([10, 11, 12]);
    /** One call: check the signature of key `by` under key `key`, its SPKI bytes changed to `to` mid-check. */
    const step = fc.record({
      key: fc.nat(2),
      by: fc.nat(2),
      to: fc.option(fc.nat(2), { nil: undefined }),
      sync: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { maxLength: 6 }),
        async (rounds) => {
          // New keys every run: first sights, second sights (remembered then) and later ones.
          const { backend } = setup();
          const keys = [keyPair(), keyPair(), keyPair()];
          const signatures = keys.map((k) => new Uint8Array(sign('sha256', data, k.privateKey)));
          for (const calls of rounds) {
            const verdicts = calls.map(({ key, by, to, sync }) => {
              const der = new Uint8Array(keys[key]!.info.der);
              // The cold answer, from a private copy of the bytes as they are when the call starts.
              const cold = verify(
                'sha256',
                data,
                createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }),
                signatures[by]!,
              );
              const check = sync && backend.verifySync ? backend.verifySync : backend.verify;
              const warm = check(ecdsa, { ...parsePublicKeyInfo(der), der }, signatures[by]!, data);
              if (to !== undefined) der.set(keys[to]!.info.der);
              return { cold, warm };
            });
            for (const { cold, warm } of verdicts) expect(await warm).toBe(cold);
          }
        },
      ),
      { numRuns: 60, endOnFailure: true },
    );
  });

  it('gives the same verdicts when a key comes back (remembered then), its bytes changed mid-check each time', async () => {
    const { backend, signer, other, data, signature } = setup(7, 8, 9);
    const otherSignature = new Uint8Array(sign('sha256', data, other.privateKey));
    // First sight, second sight (where the asynchronous path remembers the handle), and after.
    for (let sight = 0; sight < 4; sight++) {
      const der = new Uint8Array(signer.info.der);
      const pending = backend.verify(ecdsa, { ...parsePublicKeyInfo(der), der }, signature, data);
      der.set(other.info.der);
      expect(await pending).toBe(true);
      expect(await backend.verify(ecdsa, other.info, signature, data)).toBe(false);
      expect(await backend.verify(ecdsa, signer.info, otherSignature, data)).toBe(false);
      expect(await backend.verify(ecdsa, other.info, otherSignature, data)).toBe(true);
    }
  });
});
