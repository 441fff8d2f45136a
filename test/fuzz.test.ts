/**
 * Mutation fuzzing of every parser that reads untrusted input. From valid seeds (our own certificates,
 * CSR and keys, plus certificates from x509-limbo when its data is present), random byte, length and
 * structure edits must end in a value or a PkiError with a documented code: never another exception,
 * never a hang. Mutated certificates and CSRs that still parse never verify. Fixed seeds and iteration
 * counts keep runs deterministic.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTrustAnchor, parseBundle } from '../src/anchor';
import { cryptoBackend } from '../src/crypto/backend';
import { nobleBackend } from '../src/crypto/noble';
import type { CryptoBackend } from '../src/crypto/types';
import { webCryptoBackend } from '../src/crypto/webcrypto';
import { createCsr, parseCsr, verifyCsr } from '../src/csr';
import { sameBytes } from '../src/der';
import { ERROR_CODES, PkiError, type PkiErrorCode } from '../src/errors';
import { createIssuer } from '../src/issuer';
import { generateKeyPair, importPrivateKey, importPublicKey } from '../src/keys';
import { readPkcs8 } from '../src/keys/pkcs8';
import { issueLeafForKey } from '../src/leaf';
import { decodePem, encodePem } from '../src/pem';
import {
  formatSpiffeId,
  linkerdIdentityToSpiffeId,
  parseLinkerdIdentity,
  parseSpiffeId,
  parseTrustDomain,
  spiffeIdToLinkerdIdentity,
} from '../src/spiffe';
import { type Certificate, parseCertificate } from '../src/x509';
import { dataPath } from './helpers/fixtures';
import {
  applyMutations,
  applyTextMutations,
  MAX_MUTANT_SIZE,
  mutationsArb,
  nestedSequences,
  type Outcome,
  outcome,
  seededBytes,
  textMutationsArb,
} from './helpers/mutate';
import { WEB_IDENTITY as IDENTITY, NOW } from './helpers/pki';

// Deterministic by default; FUZZ_SEED and FUZZ_RUNS explore further locally.
const SEED = Number(process.env.FUZZ_SEED ?? 0x15d9c1);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const params = { seed: SEED, numRuns: RUNS, endOnFailure: true } as const;

const anchor = await createTrustAnchor({ now: NOW, random: seededBytes(1), serial: 1n });
const issuer = await createIssuer({ anchor, now: NOW, random: seededBytes(2), serial: 2n });
const leafKey = await generateKeyPair({ random: seededBytes(3) });
const leaf = await issueLeafForKey({ issuer, publicKey: leafKey.publicKey, identity: IDENTITY, now: NOW });
const csr = await createCsr({ key: leafKey, identity: IDENTITY, dnsNames: ['extra.example'] });

const limboPath = dataPath('conformance/limbo-dev.json.gz');

interface LimboCase {
  readonly id: string;
  readonly peer_certificate: string;
  readonly trusted_certs: readonly string[];
  readonly untrusted_intermediates: readonly string[];
}

/** Every certificate PEM in the limbo suite, peers first. */
function limboPems(): { peers: string[]; others: string[] } {
  const suite = JSON.parse(gunzipSync(readFileSync(limboPath)).toString('utf8')) as {
    testcases: LimboCase[];
  };
  const peers = suite.testcases.map((c) => c.peer_certificate);
  const others = suite.testcases.flatMap((c) => [...c.trusted_certs, ...c.untrusted_intermediates]);
  return { peers, others };
}

const limbo = limboPems();
/** A few limbo certificates as extra seeds: every 700th peer, decoded when it is PEM at all. */
const limboSeeds: Uint8Array[] = limbo.peers
  .filter((_, i) => i % 700 === 0)
  .flatMap((pem) => {
    try {
      return decodePem(pem).map((b) => b.der);
    } catch {
      return [];
    }
  });

const CERT_SEEDS: readonly Uint8Array[] = [anchor.der, issuer.der, leaf.der, ...limboSeeds];
const KEY_SEEDS: readonly Uint8Array[] = [
  leafKey.exportPkcs8(),
  leafKey.exportSec1(),
  anchor.key.exportPkcs8(),
];

const known = new Set<string>(ERROR_CODES);

/** Tallies outcomes and checks each thrown code is one the parser documents. */
class Tally {
  readonly codes = new Map<string, number>();
  ok = 0;

  constructor(private readonly allowed: readonly PkiErrorCode[]) {}

  record(o: Outcome): void {
    if (o.ok) {
      this.ok++;
      return;
    }
    expect(known.has(o.code), `unknown code ${o.code}`).toBe(true);
    expect(this.allowed, `undocumented code ${o.code}`).toContain(o.code);
    this.codes.set(o.code, (this.codes.get(o.code) ?? 0) + 1);
  }

  get total(): number {
    let n = this.ok;
    for (const v of this.codes.values()) n += v;
    return n;
  }
}

const seedIndex = (seeds: readonly unknown[]) => fc.nat(seeds.length - 1);

describe('mutated DER never escapes as another exception', () => {
  it(`parseCertificate: ${RUNS} mutants of ${CERT_SEEDS.length} seeds`, () => {
    const tally = new Tally(['ERR_CERT_INVALID', 'ERR_TRAILING_DATA', 'ERR_INPUT_TOO_LARGE']);
    fc.assert(
      fc.property(seedIndex(CERT_SEEDS), mutationsArb, (i, ms) => {
        const input = applyMutations(CERT_SEEDS[i]!, ms);
        const o = outcome(() => {
          const cert = parseCertificate(input);
          // A result is the whole input, never a prefix or a repaired copy.
          expect(sameBytes(cert.der, input)).toBe(true);
        });
        tally.record(o);
      }),
      params,
    );
    expect(tally.total).toBe(RUNS);
    // The mutations reach past the outer structure: some mutants still parse, and several codes occur.
    expect(tally.ok).toBeGreaterThan(50);
    expect(tally.codes.get('ERR_CERT_INVALID') ?? 0).toBeGreaterThan(RUNS / 4);
  });

  it(`parseCsr: ${RUNS} mutants`, () => {
    const tally = new Tally(['ERR_CSR_INVALID', 'ERR_TRAILING_DATA', 'ERR_INPUT_TOO_LARGE']);
    fc.assert(
      fc.property(mutationsArb, (ms) => {
        const input = applyMutations(csr.der, ms);
        tally.record(outcome(() => expect(sameBytes(parseCsr(input).der, input)).toBe(true)));
      }),
      params,
    );
    expect(tally.ok).toBeGreaterThan(50);
  });

  it(`importPrivateKey: ${RUNS} mutants of PKCS#8 and SEC1`, () => {
    const tally = new Tally([
      'ERR_KEY_INVALID',
      'ERR_KEY_UNSUPPORTED',
      'ERR_KEY_MISMATCH',
      'ERR_INPUT_TOO_LARGE',
    ]);
    fc.assert(
      fc.property(seedIndex(KEY_SEEDS), mutationsArb, (i, ms) => {
        tally.record(outcome(() => importPrivateKey(applyMutations(KEY_SEEDS[i]!, ms))));
      }),
      params,
    );
    expect(tally.ok).toBeGreaterThan(10);
  });

  it(`importPublicKey: ${RUNS} mutants of SPKI`, () => {
    const tally = new Tally(['ERR_KEY_INVALID', 'ERR_KEY_UNSUPPORTED', 'ERR_INPUT_TOO_LARGE']);
    fc.assert(
      fc.property(mutationsArb, (ms) => {
        tally.record(outcome(() => importPublicKey(applyMutations(leafKey.publicKey.spki, ms))));
      }),
      params,
    );
    expect(tally.ok).toBeGreaterThan(10);
  });

  it('wrong argument types are ERR_INVALID_ARGUMENT (or the documented empty-bundle code)', () => {
    const junk: unknown[] = [
      null,
      undefined,
      0,
      1n,
      {},
      [],
      new ArrayBuffer(4),
      new DataView(new ArrayBuffer(4)),
    ];
    const calls: [string, (x: unknown) => unknown, PkiErrorCode][] = [
      ['parseCertificate', (x) => parseCertificate(x as Uint8Array), 'ERR_INVALID_ARGUMENT'],
      ['parseCsr', (x) => parseCsr(x as Uint8Array), 'ERR_INVALID_ARGUMENT'],
      ['importPrivateKey', (x) => importPrivateKey(x as Uint8Array), 'ERR_INVALID_ARGUMENT'],
      ['importPublicKey', (x) => importPublicKey(x as Uint8Array), 'ERR_INVALID_ARGUMENT'],
      ['decodePem', (x) => decodePem(x as string), 'ERR_INVALID_ARGUMENT'],
      ['parseSpiffeId', (x) => parseSpiffeId(x as string), 'ERR_INVALID_ARGUMENT'],
      ['parseBundle', (x) => parseBundle(x as string), 'ERR_BUNDLE_EMPTY'],
    ];
    for (const [name, call, code] of calls) {
      for (const x of junk) {
        const o = outcome(() => call(x));
        expect(o, `${name}(${Object.prototype.toString.call(x)})`).toEqual({ ok: false, code });
      }
    }
  });
});

describe('mutated text never escapes as another exception', () => {
  const bundleText = anchor.pem + issuer.pem;
  const keyTexts = [leafKey.exportPkcs8Pem(), leafKey.exportSec1Pem(), leafKey.publicKey.toPem()];

  it(`decodePem and parseBundle: ${RUNS} mutants of a two-certificate bundle`, () => {
    const pem = new Tally(['ERR_PEM_INVALID', 'ERR_BASE64', 'ERR_INPUT_TOO_LARGE']);
    const bundle = new Tally([
      'ERR_BUNDLE_EMPTY',
      'ERR_BUNDLE_INVALID',
      'ERR_INPUT_TOO_LARGE',
      'ERR_PEM_INVALID',
      'ERR_BASE64',
      'ERR_CERT_INVALID',
      'ERR_TRAILING_DATA',
    ]);
    fc.assert(
      fc.property(textMutationsArb, (ms) => {
        const text = applyTextMutations(bundleText, ms);
        pem.record(
          outcome(() => {
            const blocks = decodePem(text);
            // Every BEGIN line opened a block that was read in full: nothing skipped, nothing partial.
            expect(blocks.length).toBe(text.split('-----BEGIN ').length - 1);
          }),
        );
        bundle.record(
          outcome(() => {
            const certs = parseBundle(text);
            const distinct = new Set(decodePem(text).map((b) => encodePem('', b.der)));
            expect(certs.length).toBe(distinct.size);
          }),
        );
      }),
      params,
    );
    expect(pem.ok).toBeGreaterThan(20);
    expect(bundle.ok).toBeGreaterThan(20);
  });

  it(`parseBundle: ${RUNS} bundles with a mutated certificate`, () => {
    const bundle = new Tally(['ERR_CERT_INVALID', 'ERR_TRAILING_DATA', 'ERR_INPUT_TOO_LARGE']);
    fc.assert(
      fc.property(seedIndex(CERT_SEEDS), mutationsArb, (i, ms) => {
        const der = applyMutations(CERT_SEEDS[i]!, ms);
        const text = anchor.pem + encodePem('CERTIFICATE', der.length ? der : new Uint8Array([0]));
        bundle.record(outcome(() => expect(parseBundle(text).length).toBeGreaterThanOrEqual(1)));
      }),
      params,
    );
  });

  it(`PEM key and certificate readers: ${RUNS} mutants of PEM text`, () => {
    const texts = [...keyTexts, leaf.pem, csr.pem];
    const tally = new Tally([
      'ERR_PEM_INVALID',
      'ERR_PEM_LABEL',
      'ERR_BASE64',
      'ERR_INPUT_TOO_LARGE',
      'ERR_KEY_INVALID',
      'ERR_KEY_UNSUPPORTED',
      'ERR_KEY_MISMATCH',
      'ERR_CERT_INVALID',
      'ERR_CSR_INVALID',
      'ERR_TRAILING_DATA',
    ]);
    fc.assert(
      fc.property(seedIndex(texts), textMutationsArb, (i, ms) => {
        const text = applyTextMutations(texts[i]!, ms);
        tally.record(outcome(() => importPrivateKey(text)));
        tally.record(outcome(() => importPublicKey(text)));
        tally.record(outcome(() => parseCertificate(text)));
        tally.record(outcome(() => parseCsr(text)));
      }),
      params,
    );
    expect(tally.ok).toBeGreaterThan(20);
  });

  it(`SPIFFE and Linkerd identity parsers: ${RUNS} mutants`, () => {
    const seeds = [
      'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default',
      'spiffe://example.org',
      IDENTITY,
      'cluster.local',
    ];
    const tally = new Tally(['ERR_SPIFFE_ID_INVALID', 'ERR_TRUST_DOMAIN_INVALID', 'ERR_IDENTITY_INVALID']);
    fc.assert(
      fc.property(seedIndex(seeds), textMutationsArb, (i, ms) => {
        const s = applyTextMutations(seeds[i]!, ms);
        tally.record(
          outcome(() => {
            const id = parseSpiffeId(s);
            // A parsed ID prints back exactly as given, and rebuilds from its parts.
            expect(String(id)).toBe(s);
            expect(formatSpiffeId(id.trustDomain, id.path)).toBe(s);
          }),
        );
        tally.record(outcome(() => parseTrustDomain(s)));
        tally.record(outcome(() => parseLinkerdIdentity(s)));
        tally.record(outcome(() => linkerdIdentityToSpiffeId(s)));
        tally.record(outcome(() => spiffeIdToLinkerdIdentity(s)));
      }),
      params,
    );
    expect(tally.ok).toBeGreaterThan(100);
  });
});

describe('x509-limbo certificates as hostile input', () => {
  it('every certificate in the suite parses or fails with a certificate code', () => {
    const tally = new Tally([
      'ERR_CERT_INVALID',
      'ERR_TRAILING_DATA',
      'ERR_INPUT_TOO_LARGE',
      'ERR_PEM_INVALID',
      'ERR_PEM_LABEL',
      'ERR_BASE64',
    ]);
    const all = new Set([...limbo.peers, ...limbo.others]);
    for (const pem of all) tally.record(outcome(() => parseCertificate(pem)));
    expect(tally.total).toBe(all.size);
    expect(tally.ok).toBeGreaterThan(all.size / 2);
  });
});

/** Backends to check signatures with: the default, WebCrypto, and the pure-JS one. */
const backends: readonly CryptoBackend[] = [
  cryptoBackend(),
  webCryptoBackend(globalThis.crypto.subtle),
  nobleBackend((pkcs8) => readPkcs8(pkcs8).scalar),
];

async function verifiesUnder(cert: Certificate, signer: Certificate): Promise<boolean[]> {
  const alg = cert.signatureAlgorithm;
  // Verification accepts ECDSA with SHA-2 only for these keys; any other algorithm is a refusal.
  if (alg.kind !== 'ecdsa' || alg.hash === undefined || alg.hash === 'SHA-1' || alg.hash === 'MD5') {
    return backends.map(() => false);
  }
  return Promise.all(backends.map((b) => b.verify(alg, signer.publicKey, cert.signature, cert.tbs)));
}

describe('mutated signatures and TBS never verify', () => {
  it('the unmutated leaf and CSR verify under every backend', async () => {
    expect(await verifiesUnder(leaf.certificate, issuer.certificate)).toEqual([true, true, true]);
    expect(await verifyCsr(parseCsr(csr.der))).toBe(true);
  });

  it(`${RUNS} mutants of a minted leaf`, async () => {
    let changed = 0;
    await fc.assert(
      fc.asyncProperty(mutationsArb, async (ms) => {
        const input = applyMutations(leaf.der, ms);
        let cert: Certificate;
        try {
          cert = parseCertificate(input);
        } catch (e) {
          expect(e).toBeInstanceOf(PkiError);
          return;
        }
        const same =
          sameBytes(cert.tbs, leaf.certificate.tbs) && sameBytes(cert.signature, leaf.certificate.signature);
        const results = await verifiesUnder(cert, issuer.certificate);
        if (same) {
          expect(results).toEqual([true, true, true]);
          return;
        }
        changed++;
        expect(results).toEqual([false, false, false]);
      }),
      params,
    );
    expect(changed).toBeGreaterThan(100);
  });

  it(`${RUNS} mutants of a CSR`, async () => {
    let changed = 0;
    const original = parseCsr(csr.der);
    await fc.assert(
      fc.asyncProperty(mutationsArb, async (ms) => {
        const input = applyMutations(csr.der, ms);
        let parsed: ReturnType<typeof parseCsr>;
        try {
          parsed = parseCsr(input);
        } catch (e) {
          expect(e).toBeInstanceOf(PkiError);
          return;
        }
        if (sameBytes(parsed.info, original.info) && sameBytes(parsed.signature, original.signature)) return;
        changed++;
        expect(await verifyCsr(parsed)).toBe(false);
      }),
      params,
    );
    expect(changed).toBeGreaterThan(100);
  });
});

// Each refusal below is reached without work growing with the input (a hang would meet the runner's
// test timeout); how long they take is a benchmark matter, not a test's.
describe('pathological nesting and lengths are refused', () => {
  // [name, parser, code for malformed DER, nesting depth that stays within the parser's size limit]
  const parsers: [string, (b: Uint8Array) => unknown, PkiErrorCode, number][] = [
    ['parseCertificate', parseCertificate, 'ERR_CERT_INVALID', 10_000],
    ['parseCsr', parseCsr, 'ERR_CSR_INVALID', 10_000],
    ['importPrivateKey', importPrivateKey, 'ERR_KEY_INVALID', 3_000],
    ['importPublicKey', importPublicKey, 'ERR_KEY_INVALID', 3_000],
  ];

  it.each(parsers)('%s: thousands of nested SEQUENCEs', (_, parse, code, depth) => {
    const deep = nestedSequences(depth);
    expect(deep.length).toBeLessThan(depth === 10_000 ? 64 * 1024 : 16 * 1024);
    expect(outcome(() => parse(deep))).toEqual({ ok: false, code });
  });

  it.each(parsers)('%s: thousands of nested indefinite-length SEQUENCEs', (_, parse, code, depth) => {
    const deep = new Uint8Array(2 * depth).map((_, i) => (i % 2 ? 0x80 : 0x30));
    expect(outcome(() => parse(deep))).toEqual({ ok: false, code });
  });

  const hugeLengths: [string, number[]][] = [
    ['4-octet 0xffffffff', [0x30, 0x84, 0xff, 0xff, 0xff, 0xff]],
    ['5-octet length', [0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00]],
    ['127-octet length', [0x30, 0xff, ...new Array<number>(127).fill(0xff)]],
    ['length past the end', [0x30, 0x82, 0x7f, 0xff, 0x02, 0x01, 0x00]],
    ['inner length past its parent', [0x30, 0x05, 0x30, 0x83, 0x01, 0x00, 0x00]],
    ['truncated length octets', [0x30, 0x84, 0x00]],
  ];

  it.each(hugeLengths)('a %s is refused as malformed DER', (_, bytes) => {
    const input = new Uint8Array(bytes);
    for (const [, parse, code] of parsers) expect(outcome(() => parse(input))).toEqual({ ok: false, code });
  });

  it('a mutant never exceeds the fuzzing bound', () => {
    const big = applyMutations(leaf.der, [{ kind: 'wrap', depth: 2000, indefinite: false }]);
    expect(big.length).toBeLessThanOrEqual(MAX_MUTANT_SIZE);
  });
});
