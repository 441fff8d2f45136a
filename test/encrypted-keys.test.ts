// Encrypted PKCS#8 (PBES2) against OpenSSL, both ways, on the node:crypto and a WebCrypto backend.

import { scryptAsync } from '@noble/hashes/scrypt.js';
import { Crypto as PeculiarCrypto } from '@peculiar/webcrypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { setCryptoBackend, webCryptoBackend } from '../src/crypto';
import { integer, octetString, oid, sequence } from '../src/der';
import { isPkiError } from '../src/errors';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  importPrivateKey,
  isEncryptedPrivateKey,
  MAX_PBKDF2_ITERATIONS,
} from '../src/keys';
import { hasOpenssl, OpensslDir } from './helpers/openssl';

// scrypt as usual, but counted: a refused work factor must not reach it.
vi.mock('@noble/hashes/scrypt.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/hashes/scrypt.js')>();
  return { ...real, scryptAsync: vi.fn(real.scryptAsync) };
});

const PASSWORD = 'correct horse battery staple';
const peculiar = new PeculiarCrypto().subtle;

const BACKENDS = [
  {
    name: 'node:crypto backend, runtime WebCrypto',
    install: () => setCryptoBackend(undefined),
    subtle: undefined,
  },
  {
    name: '@peculiar/webcrypto backend and WebCrypto',
    install: () => setCryptoBackend(webCryptoBackend(peculiar)),
    subtle: peculiar as SubtleCrypto,
  },
] as const;

afterAll(() => setCryptoBackend(undefined));

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

for (const backend of BACKENDS) {
  describe.skipIf(!hasOpenssl)(`encrypted PKCS#8 with OpenSSL (${backend.name})`, () => {
    const dir = new OpensslDir('l5d-pki-enc-');
    afterAll(() => dir.cleanup());
    const subtle = backend.subtle === undefined ? {} : { subtle: backend.subtle };

    it.each([
      ['PBKDF2-HMAC-SHA256, AES-256-CBC', ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256']],
      ['PBKDF2-HMAC-SHA256, AES-128-CBC', ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA256']],
      ['scrypt, AES-256-CBC', ['-scrypt']],
    ])('reads what openssl pkcs8 -topk8 writes: %s', async (_name, flags) => {
      backend.install();
      dir.run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'plain.pem']);
      dir.write('pass.txt', `${PASSWORD}\n`);
      const enc = dir.run([
        'pkcs8',
        '-topk8',
        '-in',
        'plain.pem',
        ...flags,
        '-passout',
        'file:pass.txt',
      ]).stdout;
      expect(enc).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
      expect(isEncryptedPrivateKey(enc)).toBe(true);
      const key = await decryptPrivateKey(enc, { password: PASSWORD, ...subtle });
      const plain = importPrivateKey(dir.readText('plain.pem'));
      expect(key.publicKey.equals(plain.publicKey)).toBe(true);
      // The key signs through the backend in use.
      const sig = await key.sign(new Uint8Array([1, 2, 3]));
      expect(sig.length).toBeGreaterThan(60);
    });

    it.each([
      ['pbkdf2', 'aes-256-cbc'],
      ['pbkdf2', 'aes-128-cbc'],
      ['scrypt', 'aes-256-cbc'],
    ] as const)('writes what OpenSSL reads: %s with %s', async (kdf, cipher) => {
      backend.install();
      const key = await generateKeyPair();
      const { pem, der } = await encryptPrivateKey(key, {
        password: PASSWORD,
        kdf,
        cipher,
        iterations: 10_000,
        scrypt: { N: 2 ** 14 },
        ...subtle,
      });
      expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
      expect(isEncryptedPrivateKey(der)).toBe(true);
      dir.write('enc.pem', pem);
      dir.write('pass.txt', PASSWORD);
      const out = dir.run([
        'pkey',
        '-in',
        'enc.pem',
        '-passin',
        'file:pass.txt',
        '-pubout',
        '-outform',
        'DER',
      ]);
      expect(Buffer.from(out.bytes).equals(Buffer.from(key.publicKey.spki))).toBe(true);
      const params = dir.run(['asn1parse', '-in', 'enc.pem']).stdout;
      expect(params).toContain(kdf === 'scrypt' ? ':scrypt' : 'hmacWithSHA256');
      expect(params).toContain(cipher === 'aes-256-cbc' ? 'aes-256-cbc' : 'aes-128-cbc');
      // A wrong password: OpenSSL refuses too.
      dir.write('wrong.txt', 'not the password');
      expect(dir.tryRun(['pkey', '-in', 'enc.pem', '-passin', 'file:wrong.txt', '-noout']).status).not.toBe(
        0,
      );
      // And l5d-pki reads its own output, PEM and DER.
      expect(
        (await decryptPrivateKey(der, { password: PASSWORD, ...subtle })).publicKey.equals(key.publicKey),
      ).toBe(true);
    });

    it('refuses a wrong password with a typed error that does not hold the password', async () => {
      backend.install();
      const key = await generateKeyPair();
      const { pem } = await encryptPrivateKey(key, { password: PASSWORD, iterations: 1000, ...subtle });
      for (const wrong of ['hunter2-secret-guess', '', PASSWORD.toUpperCase()]) {
        const e = await rejection(decryptPrivateKey(pem, { password: wrong, ...subtle }));
        expect(isPkiError(e, 'ERR_KEY_PASSWORD'), String(e)).toBe(true);
        const text = `${(e as Error).message} ${String(e)} ${JSON.stringify(e)}`;
        expect(text).toContain('wrong password');
        if (wrong !== '') expect(text).not.toContain(wrong);
        expect(text).not.toContain(PASSWORD);
      }
    });
  });
}

describe('encrypted PKCS#8 inputs', () => {
  it('refuses PBKDF2 with HMAC-SHA-1 and PKCS#5 v1.5 schemes as unsupported', async () => {
    const dir = new OpensslDir('l5d-pki-enc-');
    try {
      dir.run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'plain.pem']);
      const sha1 = dir.run([
        'pkcs8',
        '-topk8',
        '-in',
        'plain.pem',
        '-v2',
        'aes-256-cbc',
        '-v2prf',
        'hmacWithSHA1',
        '-passout',
        'pass:x',
      ]).stdout;
      const e = await rejection(decryptPrivateKey(sha1, { password: 'x' }));
      expect(isPkiError(e, 'ERR_KEY_UNSUPPORTED'), String(e)).toBe(true);
      expect((e as Error).message).toContain('HMAC-SHA-1');
    } finally {
      dir.cleanup();
    }
  });

  it('refuses work factors beyond the limits before doing the work', async () => {
    const pbes2 = (kdf: Uint8Array) =>
      sequence(
        sequence(
          oid('1.2.840.113549.1.5.13'),
          sequence(kdf, sequence(oid('2.16.840.1.101.3.4.1.42'), octetString(new Uint8Array(16)))),
        ),
        octetString(new Uint8Array(48)),
      );
    const hmac = sequence(oid('1.2.840.113549.2.9'), new Uint8Array([5, 0]));
    const pbkdf2 = (n: number) =>
      sequence(oid('1.2.840.113549.1.5.12'), sequence(octetString(new Uint8Array(16)), integer(n), hmac));
    const scrypt = (n: number, r: number) =>
      sequence(
        oid('1.3.6.1.4.1.11591.4.11'),
        sequence(octetString(new Uint8Array(16)), integer(n), integer(r), integer(1)),
      );
    // WebCrypto as usual, but every call counted: a refused work factor must not reach it either.
    const calls: string[] = [];
    const subtle = new Proxy(globalThis.crypto.subtle, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return value.apply(target, args);
        };
      },
    });
    vi.mocked(scryptAsync).mockClear();
    for (const [der, text] of [
      [pbes2(pbkdf2(MAX_PBKDF2_ITERATIONS + 1)), 'iteration count'],
      [pbes2(pbkdf2(0)), 'iteration count'],
      [pbes2(scrypt(2 ** 20, 8)), 'MiB'],
      [pbes2(scrypt(1000, 8)), 'power of two'],
    ] as const) {
      const e = await rejection(decryptPrivateKey(der, { password: 'p', subtle }));
      expect(isPkiError(e, 'ERR_KEY_INVALID'), String(e)).toBe(true);
      expect((e as Error).message).toContain(text);
    }
    expect(calls).toEqual([]);
    expect(vi.mocked(scryptAsync)).not.toHaveBeenCalled();
  });

  it('passes unencrypted keys through, so callers may pass whatever file they have', async () => {
    const key = await generateKeyPair();
    expect(
      (await decryptPrivateKey(key.exportPkcs8Pem(), { password: 'unused' })).publicKey.equals(key.publicKey),
    ).toBe(true);
    expect(isEncryptedPrivateKey(key.exportPkcs8())).toBe(false);
    expect(isEncryptedPrivateKey('not pem')).toBe(false);
  });
});
