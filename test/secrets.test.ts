/**
 * Private keys never leak: not in error messages (a key given where something else is expected, a key
 * whose public point does not match, corrupt keys), not in a PkiError's cause chain, and not in the
 * ways a key object gets printed or serialized.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTrustAnchor, parseBundle } from '../src/anchor';
import { parseCsr } from '../src/csr';
import { PkiError } from '../src/errors';
import { createIssuer, loadIssuer } from '../src/issuer';
import { generateKeyPair, importPrivateKey, importPublicKey, type PrivateKey } from '../src/keys';
import { encodePkcs8, encodeSec1 } from '../src/keys/pkcs8';
import { issueLeafForKey } from '../src/leaf';
import {
  base64Encode,
  base64UrlDecode,
  base64UrlEncode,
  decodePem,
  decodePemBlock,
  encodePem,
} from '../src/pem';
import { parseCertificate } from '../src/x509';
import {
  applyMutations,
  applyTextMutations,
  mutationsArb,
  seededBytes,
  textMutationsArb,
} from './helpers/mutate';

const NOW = new Date('2026-03-01T12:00:00Z');

const key = await generateKeyPair({ random: seededBytes(21) });
const other = await generateKeyPair({ random: seededBytes(22) });
const anchor = await createTrustAnchor({ key: other, now: NOW, serial: 1n });

const scalar = base64UrlDecode(key.exportJwk().d);
const hex = Buffer.from(scalar).toString('hex');
const text = new TextEncoder();

/**
 * Every 16-character run, of every encoding of the key a message could carry, that holds at least 8
 * characters encoding the private scalar: its hex, decimal, base64 and base64url, the base64 of the
 * PKCS#8 and SEC1 DER (as in PEM bodies) and of their PEM texts (as in a Kubernetes Secret's `data`).
 */
function secretWindows(k: PrivateKey): Set<string> {
  const d = base64UrlDecode(k.exportJwk().d);
  const out = new Set<string>();
  const addWindows = (encoded: string, secretStart: number, secretEnd: number) => {
    for (let i = 0; i + 16 <= encoded.length; i++) {
      const overlap = Math.min(i + 16, secretEnd) - Math.max(i, secretStart);
      if (overlap >= 8) out.add(encoded.slice(i, i + 16));
    }
  };
  /** base64 of `bytes`, with the scalar at byte offset `at`. */
  const addBase64Of = (bytes: Uint8Array, at: number) => {
    const b64 = base64Encode(bytes);
    addWindows(b64, Math.floor(at / 3) * 4, Math.ceil((at + 32) / 3) * 4);
  };
  const hexD = Buffer.from(d).toString('hex');
  addWindows(hexD, 0, hexD.length);
  const dec = BigInt(`0x${hexD}`).toString();
  addWindows(dec, 0, dec.length);
  addWindows(base64Encode(d), 0, 44);
  addWindows(base64UrlEncode(d), 0, 43);
  for (const der of [k.exportPkcs8(), k.exportSec1()]) {
    addBase64Of(der, indexOfBytes(der, d));
    const pem = k.exportPkcs8().length === der.length ? k.exportPkcs8Pem() : k.exportSec1Pem();
    const pemBytes = text.encode(pem);
    // The scalar's base64 characters inside the PEM text, which then gets base64-encoded again.
    const body = base64Encode(der);
    const start = pem.indexOf(body.slice(0, 64)) + Math.floor(indexOfBytes(der, d) / 3) * 4;
    addBase64Of(pemBytes, start);
  }
  return out;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

const windows = secretWindows(key);

/** Text to search: as printed, and with blanks and escaped line breaks removed (PEM lines rejoined). */
function searchable(s: string): string[] {
  return [s, s.replace(/\\[nrt]|\s|…/g, '')];
}

/** The secret windows found in `s`, if any. */
function leaks(s: string): string[] {
  const found: string[] = [];
  for (const t of searchable(s)) for (const w of windows) if (t.includes(w)) found.push(w);
  return found;
}

/** Everything an error shows: message, stack, own properties, and its cause chain, fully expanded. */
function everything(e: unknown): string {
  let s = inspect(e, { showHidden: true, depth: 10 });
  for (let c: unknown = e, i = 0; c instanceof Error && i < 10; c = c.cause, i++) {
    s += `\n${c.message}\n${String(c)}\n${JSON.stringify(c)}`;
  }
  return s;
}

/** Runs `fn`, which must throw a PkiError, and returns the secret windows the error shows. */
async function leaksOf(fn: () => unknown): Promise<string[]> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PkiError);
    return leaks(everything(e));
  }
  throw new Error('expected a PkiError');
}

describe('the detector', () => {
  it('finds the scalar in every encoding it covers (so a clean result means something)', () => {
    expect(windows.size).toBeGreaterThan(100);
    for (const s of [
      hex,
      key.exportJwk().d,
      key.exportPkcs8Pem(),
      key.exportSec1Pem(),
      JSON.stringify(key.exportPkcs8Pem()),
      base64Encode(text.encode(key.exportSec1Pem())),
      BigInt(`0x${hex}`).toString(),
    ]) {
      expect(leaks(s).length, s).toBeGreaterThan(0);
    }
    // The public key and a certificate are not secrets.
    expect(leaks(key.publicKey.toPem() + anchor.pem + hex.slice(0, 15))).toEqual([]);
  });
});

describe('error messages carry no key material', () => {
  const p8 = key.exportPkcs8();
  const sec1 = key.exportSec1();
  const p8Pem = key.exportPkcs8Pem();
  const sec1Pem = key.exportSec1Pem();
  const keyInputs: [string, string | Uint8Array][] = [
    ['PKCS#8 PEM', p8Pem],
    ['SEC1 PEM', sec1Pem],
    ['PKCS#8 DER', p8],
    ['SEC1 DER', sec1],
    ['PKCS#8 DER in a CERTIFICATE block', encodePem('CERTIFICATE', p8)],
    ['SEC1 DER in a CERTIFICATE block', encodePem('CERTIFICATE', sec1)],
  ];

  it.each(keyInputs)('a %s where a certificate, CSR, bundle or public key is expected', async (_, input) => {
    expect(await leaksOf(() => parseCertificate(input))).toEqual([]);
    expect(await leaksOf(() => parseCsr(input))).toEqual([]);
    expect(await leaksOf(() => importPublicKey(input))).toEqual([]);
    if (typeof input === 'string') {
      expect(await leaksOf(() => parseBundle(input))).toEqual([]);
      expect(await leaksOf(() => parseBundle(anchor.pem + input))).toEqual([]);
      expect(await leaksOf(() => decodePemBlock(input, ['X509 CRL']))).toEqual([]);
    }
  });

  it('a key whose stored public point belongs to another key (PKCS#8 and SEC1)', async () => {
    const wrongP8 = encodePkcs8(scalar, other.publicKey.point);
    const wrongSec1 = encodeSec1(scalar, other.publicKey.point);
    for (const input of [
      wrongP8,
      wrongSec1,
      encodePem('PRIVATE KEY', wrongP8),
      encodePem('EC PRIVATE KEY', wrongSec1),
    ]) {
      expect(await leaksOf(() => importPrivateKey(input))).toEqual([]);
      try {
        importPrivateKey(input);
      } catch (e) {
        expect((e as PkiError).code).toBe('ERR_KEY_MISMATCH');
      }
    }
  });

  it('keys that are corrupt, unsupported, encrypted or mislabelled', async () => {
    const b64 = base64Encode(p8);
    const cases: (string | Uint8Array)[] = [
      p8.subarray(0, p8.length - 1),
      Uint8Array.of(...p8, 0),
      sec1.subarray(0, 40),
      encodePem('ENCRYPTED PRIVATE KEY', p8),
      encodePem('RSA PRIVATE KEY', p8),
      encodePem('EC PRIVATE KEY', p8),
      encodePem('PRIVATE KEY', sec1),
      p8Pem + sec1Pem,
      p8Pem.replace('\n', '\nProc-Type: 4,ENCRYPTED\n\n'),
      p8Pem.replace(b64.slice(60, 62), '*!'),
      p8Pem.replace('-----END PRIVATE KEY-----', ''),
      // An unknown curve OID (1.2.840.10045.3.1.8) in place of P-256's, with the real scalar inside.
      p8.map((b, i) => (i === 26 && b === 0x07 ? 0x08 : b)),
    ];
    expect(cases[cases.length - 1]).not.toEqual(p8);
    for (const input of cases) expect(await leaksOf(() => importPrivateKey(input))).toEqual([]);
  });

  it('an issuer loaded or used with the wrong key', async () => {
    expect(await leaksOf(() => loadIssuer({ certificate: anchor.pem, key: key.exportPkcs8Pem() }))).toEqual(
      [],
    );
    expect(
      await leaksOf(() => loadIssuer({ certificate: key.exportSec1Pem(), key: key.exportSec1Pem() })),
    ).toEqual([]);
    expect(await leaksOf(() => createIssuer({ anchor: { ...anchor, key }, now: NOW }))).toEqual([]);
    const issuer = await createIssuer({ anchor, now: NOW, key });
    expect(
      await leaksOf(() =>
        issueLeafForKey({
          issuer: { ...issuer, key: other },
          publicKey: key.publicKey,
          identity: 'a.b',
          now: NOW,
        }),
      ),
    ).toEqual([]);
  });

  it('300 corrupted encodings of the key, as DER and as PEM', () => {
    const ders = [key.exportPkcs8(), key.exportSec1()];
    const pems = [key.exportPkcs8Pem(), key.exportSec1Pem()];
    const check = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(PkiError);
        expect(leaks(everything(e))).toEqual([]);
      }
    };
    fc.assert(
      fc.property(fc.nat(1), mutationsArb, textMutationsArb, (i, ms, ts) => {
        const der = applyMutations(ders[i]!, ms);
        check(() => importPrivateKey(der));
        check(() => parseCertificate(der));
        const pem = applyTextMutations(pems[i]!, ts);
        check(() => importPrivateKey(pem));
        check(() => decodePem(pem));
        check(() => parseCertificate(pem));
      }),
      { seed: 0x5ec, numRuns: 300 },
    );
  });
});

describe('key objects print and serialize without key material', () => {
  const views: [string, (k: PrivateKey) => string][] = [
    ['String()', (k) => String(k)],
    ['template literal', (k) => `${k}`],
    ['JSON.stringify', (k) => JSON.stringify(k)],
    ['JSON.stringify nested', (k) => JSON.stringify({ nested: { k } })],
    ['util.inspect showHidden depth 10', (k) => inspect(k, { showHidden: true, depth: 10 })],
    [
      'util.inspect without custom inspect, with getters',
      (k) => inspect(k, { showHidden: true, depth: 10, customInspect: false, getters: true }),
    ],
    ['util.inspect nested', (k) => inspect({ a: [{ k }] }, { showHidden: true, depth: 10 })],
    ['Object.entries', (k) => JSON.stringify(Object.entries(k))],
    ['spread', (k) => inspect({ ...k }, { showHidden: true, depth: 10 })],
    ['structuredClone', (k) => inspect(structuredClone(k), { showHidden: true, depth: 10 })],
  ];

  it.each(views)('%s of a private key', (_, view) => {
    expect(leaks(view(key))).toEqual([]);
  });

  it.each(views)('%s of a CA (certificate and key together)', async (_, view) => {
    const ca = await createTrustAnchor({ key, now: NOW, serial: 3n });
    const asKey = ca as unknown as PrivateKey;
    expect(leaks(view(asKey))).toEqual([]);
  });

  it('the explicit exports do reveal the key (the detector is not blind)', () => {
    expect(leaks(key.exportPkcs8Pem()).length).toBeGreaterThan(0);
    expect(leaks(JSON.stringify(key.exportJwk())).length).toBeGreaterThan(0);
  });
});

describe('identity and manifest parsers given a key', () => {
  // Parsers of names, durations and manifests show long or multi-line input by its length only, and
  // YAML errors by line and column.
  it('parseSpiffeId, parseTrustDomain, Linkerd identities, durations and YAML', async () => {
    const spiffe = await import('../src/spiffe');
    const schedule = await import('../src/schedule');
    const k8s = await import('../src/k8s');
    const pem = key.exportSec1Pem();
    const oneLine = pem.replace(/\n/g, '');
    for (const input of [pem, oneLine]) {
      for (const fn of [
        () => spiffe.parseSpiffeId(input),
        () => spiffe.parseTrustDomain(input),
        () => spiffe.parseLinkerdIdentity(input),
        () => spiffe.linkerdIdentityToSpiffeId(input),
        () => spiffe.parseServiceAccountUsername(input),
        () => schedule.parseDuration(input),
        () => schedule.parseDuration(`1${input}`),
        () => k8s.readIssuerSecret({ apiVersion: 'v1', kind: input }),
        () => k8s.readIssuerSecret({ apiVersion: 'v1', kind: 'Secret', type: input }),
        () => k8s.issuerSecret({ issuer: { certificate: 'x', key: 'x' }, bundle: 'x', name: input }),
      ]) {
        expect(await leaksOf(fn)).toEqual([]);
      }
    }
    for (const yaml of [`a: ${key.exportPkcs8Pem()}\n b: [`, `a: ${oneLine}\n b: [`, `a: *${oneLine}\n`]) {
      expect(await leaksOf(() => k8s.fromYaml(yaml))).toEqual([]);
    }
  });

  it('CLI flags and arguments', async () => {
    const args = await import('../src/cli/args');
    const oneLine = key.exportSec1Pem().replace(/\n/g, '');
    for (const fn of [
      () => args.durationFlag(oneLine, '--lifetime'),
      () => args.timeFlag(oneLine, '--now'),
      () => args.identityFlag(oneLine, 'issue'),
      () => args.maxPositionals(['a', oneLine], 1, 'inspect'),
    ]) {
      let message = '';
      try {
        fn();
      } catch (e) {
        message = everything(e);
      }
      expect(message).not.toBe('');
      expect(leaks(message)).toEqual([]);
    }
  });
});
