/**
 * Round-trip properties over random valid inputs: encodings, keys, CSRs, minted certificates and SPIFFE
 * IDs. Every property runs a fixed number of times from a fixed seed.
 */
import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { derToRawSignature, isEcdsaSigDer, rawToDerSignature } from '../src/crypto/ecdsa-sig';
import { createCsr, parseCsr, summarizeSans, verifyCsr } from '../src/csr';
import { fromHex, sameBytes, toHex } from '../src/der';
import { PkiError } from '../src/errors';
import { createIssuer } from '../src/issuer';
import { generateKeyPair, importPrivateKey, importPublicKey, PrivateKey } from '../src/keys';
import { checkLinkerdCsr, issueLeafForKey } from '../src/leaf';
import {
  base64Decode,
  base64Encode,
  base64UrlDecode,
  base64UrlEncode,
  decodePem,
  decodePemBlock,
  encodePem,
} from '../src/pem';
import {
  formatSpiffeId,
  isValidSpiffeId,
  linkerdIdentity,
  linkerdIdentityToSpiffeId,
  parseLinkerdIdentity,
  parseSpiffeId,
  parseTrustDomain,
  spiffeIdFromSegments,
  spiffeIdToLinkerdIdentity,
} from '../src/spiffe';
import { type Certificate, KeyUsage, OID, parseCertificate } from '../src/x509';

const SEED = 0x5eed;
const run = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true }) as const;

// ---------------------------------------------------------------------------------------------------
// Arbitraries

/** 48 seed bytes for `generateKeyPair({ random })`. */
const keySeed = fc.uint8Array({ minLength: 48, maxLength: 48 });
const keyFrom = (seed: Uint8Array) => generateKeyPair({ random: () => seed.slice() });

const dnsLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
/** A DNS-style name of 1 to 4 labels, at most 64 characters (it becomes a CN). */
const dnsName = fc
  .array(dnsLabel, { minLength: 1, maxLength: 4 })
  .map((labels) => labels.join('.'))
  .filter((s) => s.length <= 64);

/** Labels short enough that `<sa>.<ns>.serviceaccount.identity.linkerd.cluster.local` fits a CN. */
const shortLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);

const trustDomain = fc.stringMatching(/^[a-z0-9._-]{1,30}$/);
const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
/** Common names: printable, UTF-8 and empty; never over X.520's 64 characters. */
const commonName = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[A-Za-z0-9 '()+,./:=?-]{1,64}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.length <= 64),
);

const SECOND = 1000;
const DAY = 86_400 * SECOND;
const YEAR = 365 * DAY;
/** Issuance times from 1960 to 2300: both UTCTime and GeneralizedTime, and times before the epoch. */
const instant = fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2300, 0, 1) });
const serial = fc.bigInt({ min: 1n, max: (1n << 159n) - 1n });

const wholeSeconds = (ms: number) => Math.floor(ms / SECOND) * SECOND;
const serialOf = (cert: Certificate) => BigInt(`0x${cert.serialHex}`);

// ---------------------------------------------------------------------------------------------------

describe('base64', () => {
  it('standard and url alphabets round-trip random bytes and match Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = base64Encode(bytes);
        expect(b64).toBe(Buffer.from(bytes).toString('base64'));
        expect(base64Decode(b64)).toEqual(bytes);
        const url = base64UrlEncode(bytes);
        expect(url).toBe(Buffer.from(bytes).toString('base64url'));
        expect(base64UrlDecode(url)).toEqual(bytes);
      }),
      run(500),
    );
  });

  it('decoding is canonical: any accepted text re-encodes to itself', () => {
    const std = fc.string({ unit: fc.constantFrom(...'AQgw+/=9Z'.split('')), maxLength: 16 });
    const url = fc.string({ unit: fc.constantFrom(...'AQgw-_=9Z'.split('')), maxLength: 16 });
    fc.assert(
      fc.property(std, url, (s, u) => {
        for (const [decode, encode, text] of [
          [base64Decode, base64Encode, s],
          [base64UrlDecode, base64UrlEncode, u],
        ] as const) {
          let bytes: Uint8Array;
          try {
            bytes = decode(text);
          } catch (e) {
            expect(e).toBeInstanceOf(PkiError);
            expect((e as PkiError).code).toBe('ERR_BASE64');
            continue;
          }
          expect(encode(bytes)).toBe(text);
        }
      }),
      run(2000),
    );
  });
});

describe('PEM', () => {
  const label = fc.stringMatching(/^[A-Z0-9]{1,10}( [A-Z0-9]{1,10}){0,3}$/);
  const block = fc.record({ label, der: fc.uint8Array({ minLength: 1, maxLength: 400 }) });
  /** Explanatory text between blocks: whole lines without dashes. */
  const between = fc.array(fc.stringMatching(/^[A-Za-z0-9 .:=]{0,30}$/), { maxLength: 2 });

  it('encodePem then decodePem gives back every label and byte', () => {
    fc.assert(
      fc.property(block, ({ label, der }) => {
        const text = encodePem(label, der);
        expect(decodePem(text)).toEqual([{ label, der }]);
        expect(decodePemBlock(text, [label])).toEqual({ label, der });
        // PEM to DER to PEM is the identity on our own output.
        expect(encodePem(label, decodePem(text)[0]!.der)).toBe(text);
      }),
      run(500),
    );
  });

  it('several blocks with CRLF, trailing blanks and text between them decode in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(block, between), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom('', ' ', '\t', ' \t '),
        (blocks, crlf, blank) => {
          let text = '';
          for (const [b, lines] of blocks) {
            for (const l of lines) text += `${l}\n`;
            text += encodePem(b.label, b.der).replaceAll('\n', `${blank}\n`);
          }
          if (crlf) text = text.replaceAll('\n', '\r\n');
          expect(decodePem(text)).toEqual(blocks.map(([b]) => b));
        },
      ),
      run(300),
    );
  });
});

describe('keys', () => {
  it('PKCS#8, SEC1 and SPKI (DER and PEM) round-trip, and JWK fields agree with the key', async () => {
    await fc.assert(
      fc.asyncProperty(keySeed, async (seed) => {
        const key = await keyFrom(seed);
        const p8 = key.exportPkcs8();
        for (const encoded of [p8, key.exportPkcs8Pem(), key.exportSec1(), key.exportSec1Pem()]) {
          const back = importPrivateKey(encoded);
          expect(back.exportPkcs8()).toEqual(p8);
          expect(back.publicKey.equals(key.publicKey)).toBe(true);
        }
        for (const encoded of [key.publicKey.spki, key.publicKey.toPem()]) {
          const pub = importPublicKey(encoded);
          expect(pub.point).toEqual(key.publicKey.point);
          expect(pub.spki).toEqual(key.publicKey.spki);
        }

        const jwk = key.exportJwk();
        const d = base64UrlDecode(jwk.d);
        expect([jwk.x.length, jwk.y.length, jwk.d.length]).toEqual([43, 43, 43]);
        expect(d.length).toBe(32);
        const point = key.publicKey.point;
        expect(base64UrlDecode(jwk.x)).toEqual(point.subarray(1, 33));
        expect(base64UrlDecode(jwk.y)).toEqual(point.subarray(33));
        expect(new PrivateKey(d).exportPkcs8()).toEqual(p8);
        expect(key.publicKey.toJwk()).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });

        // An independent implementation reads the same key and the same JWK out of our encodings.
        const native = createPrivateKey({ key: Buffer.from(p8), format: 'der', type: 'pkcs8' });
        expect(native.export({ format: 'jwk' })).toEqual(jwk);
        expect(new Uint8Array(native.export({ format: 'der', type: 'sec1' }))).toEqual(key.exportSec1());
      }),
      run(50),
    );
  });

  it('the same seed gives the same key', async () => {
    await fc.assert(
      fc.asyncProperty(keySeed, async (seed) => {
        const [a, b] = await Promise.all([keyFrom(seed), keyFrom(seed)]);
        expect(a.exportPkcs8()).toEqual(b.exportPkcs8());
      }),
      run(30),
    );
  });
});

describe('CSRs', () => {
  const extraDns = fc.array(dnsName, { maxLength: 3 });
  const uris = fc.array(
    fc
      .tuple(trustDomain, fc.array(segment, { maxLength: 3 }))
      .map(([td, segs]) => formatSpiffeId(td, segs.map((s) => `/${s}`).join(''))),
    { maxLength: 2 },
  );

  it('createCsr then parseCsr gives the identity, every SAN and a valid signature', async () => {
    await fc.assert(
      fc.asyncProperty(keySeed, dnsName, extraDns, uris, async (seed, identity, dnsNames, uriNames) => {
        const key = await keyFrom(seed);
        const out = await createCsr({ key, identity, dnsNames, uris: uriNames });
        for (const input of [out.der, out.pem]) {
          const csr = parseCsr(input);
          expect(csr.der).toEqual(out.der);
          expect(csr.subject.commonName).toBe(identity);
          expect(csr.publicKey.der).toEqual(key.publicKey.spki);
          const sans = summarizeSans(csr.subjectAltNames);
          expect(sans.dns).toEqual([identity, ...dnsNames]);
          expect(sans.uri).toEqual(uriNames);
          expect(sans.email).toEqual([]);
          expect(sans.ip).toEqual([]);
          expect(csr.attributes).toEqual([OID.extensionRequest]);
          expect(await verifyCsr(csr)).toBe(true);
        }
        // Only the plain form (one DNS SAN equal to the identity) passes the identity service's checks.
        const plain = dnsNames.length === 0 && uriNames.length === 0;
        const checked = await checkLinkerdCsr({ csr: out.der, identity }).then(
          () => 'ok',
          (e: unknown) => (e instanceof PkiError ? e.code : 'other'),
        );
        expect(checked).toBe(
          plain ? 'ok' : uriNames.length ? 'ERR_CSR_FORBIDDEN_SAN' : 'ERR_CSR_IDENTITY_MISMATCH',
        );
      }),
      run(100),
    );
  });
});

describe('minted certificates', () => {
  const lifetime = fc.integer({ min: SECOND, max: 30 * YEAR });
  const skew = fc.integer({ min: 0, max: 60 * SECOND });
  // An anchor with pathLen 0 may not sign an issuer, so anchors get at least 1.
  const anchorPathLen = fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 255 }));
  const pathLen = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 255 }));

  it('anchor, issuer and leaf parse back to exactly the fields asked for', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seeds: fc.tuple(keySeed, keySeed, keySeed),
          now: instant,
          serials: fc.tuple(serial, serial, serial),
          lifetimes: fc.tuple(lifetime, lifetime, lifetime),
          leafAfter: fc.integer({ min: 0, max: 1000 }),
          skew,
          names: fc.tuple(commonName, dnsName),
          identity: dnsName,
          pathLens: fc.tuple(anchorPathLen, pathLen),
        }),
        async (p) => {
          const [anchorKey, issuerKey, leafKey] = await Promise.all(p.seeds.map(keyFrom));
          const anchor = await createTrustAnchor({
            key: anchorKey!,
            now: new Date(p.now),
            serial: p.serials[0],
            lifetime: p.lifetimes[0],
            clockSkew: p.skew,
            commonName: p.names[0],
            pathLen: p.pathLens[0],
          });
          const a = parseCertificate(anchor.der);
          expect(parseCertificate(anchor.pem)).toEqual(a);
          expect(serialOf(a)).toBe(p.serials[0]);
          expect(a.version).toBe(3);
          expect(a.selfIssued).toBe(true);
          expect(a.subject.commonName).toBe(p.names[0] === '' ? undefined : p.names[0]);
          expect(a.issuer.der).toEqual(a.subject.der);
          expect(a.notBefore.getTime()).toBe(wholeSeconds(p.now - p.skew));
          expect(a.notAfter.getTime()).toBe(wholeSeconds(p.now + p.lifetimes[0] + p.skew));
          expect(a.basicConstraints).toEqual({ ca: true, pathLen: p.pathLens[0] ?? undefined });
          expect(a.keyUsage).toBe(KeyUsage.keyCertSign | KeyUsage.cRLSign);
          expect(a.publicKey.der).toEqual(anchorKey!.publicKey.spki);
          expect(a.subjectKeyId?.length).toBe(20);
          expect(a.authorityKeyId).toBeUndefined();

          const issuer = await createIssuer({
            anchor,
            key: issuerKey!,
            now: new Date(p.now),
            serial: p.serials[1],
            lifetime: p.lifetimes[1],
            clockSkew: p.skew,
            commonName: p.names[1],
            pathLen: p.pathLens[1],
          });
          const i = parseCertificate(issuer.der);
          expect(serialOf(i)).toBe(p.serials[1]);
          expect(i.issuer.der).toEqual(a.subject.der);
          expect(i.subject.commonName).toBe(p.names[1]);
          const wantedIssuerEnd = wholeSeconds(p.now + p.lifetimes[1] + p.skew);
          expect(i.notBefore.getTime()).toBe(wholeSeconds(p.now - p.skew));
          expect(i.notAfter.getTime()).toBe(Math.min(wantedIssuerEnd, a.notAfter.getTime()));
          expect(issuer.notAfterCut).toBe(wantedIssuerEnd > a.notAfter.getTime());
          expect(i.basicConstraints).toEqual({ ca: true, pathLen: p.pathLens[1] ?? undefined });
          expect(i.authorityKeyId).toEqual(a.subjectKeyId);
          expect(i.selfIssued).toBe(sameBytes(i.subject.der, a.subject.der));

          // The leaf is issued somewhere inside the issuer's validity.
          const leafNow = p.now + Math.floor(((i.notAfter.getTime() - p.now) * p.leafAfter) / 1000);
          const leaf = await issueLeafForKey({
            issuer,
            publicKey: leafKey!.publicKey,
            identity: p.identity,
            now: new Date(leafNow),
            serial: p.serials[2],
            lifetime: p.lifetimes[2],
            clockSkew: p.skew,
            spiffe: false,
          });
          const l = parseCertificate(leaf.der);
          expect(serialOf(l)).toBe(p.serials[2]);
          expect(l.subject.commonName).toBe(p.identity);
          expect(l.issuer.der).toEqual(i.subject.der);
          expect(l.notBefore.getTime()).toBe(wholeSeconds(leafNow - p.skew));
          expect(l.notAfter.getTime()).toBe(
            Math.min(wholeSeconds(leafNow + p.lifetimes[2] + p.skew), i.notAfter.getTime()),
          );
          expect(leaf.validUntil).toEqual(l.notAfter);
          expect(l.basicConstraints).toBeUndefined();
          expect(l.keyUsage).toBe(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
          expect(l.extKeyUsage).toEqual([OID.serverAuth, OID.clientAuth]);
          expect(l.subjectAltNames).toEqual([{ type: 'dns', value: p.identity }]);
          expect(l.authorityKeyId).toEqual(i.subjectKeyId);
          expect(l.publicKey.der).toEqual(leafKey!.publicKey.spki);
          expect(toHex(leaf.certificate.der)).toBe(toHex(leaf.der));
        },
      ),
      run(40),
    );
  });

  it('a Linkerd identity gets its SPIFFE ID as a URI SAN', async () => {
    const anchor = await createTrustAnchor({
      now: new Date('2026-01-01T00:00:00Z'),
      random: () => new Uint8Array(48).fill(7),
    });
    const issuer = await createIssuer({
      anchor,
      now: new Date('2026-01-01T00:00:00Z'),
      random: () => new Uint8Array(48).fill(8),
    });
    await fc.assert(
      fc.asyncProperty(keySeed, shortLabel, shortLabel, trustDomain, async (seed, sa, ns, td) => {
        const key = await keyFrom(seed);
        const identity = linkerdIdentity({ serviceAccount: sa, namespace: ns });
        const leaf = await issueLeafForKey({
          issuer,
          publicKey: key.publicKey,
          identity,
          now: new Date('2026-01-02T00:00:00Z'),
          spiffe: { trustDomain: td },
        });
        expect(leaf.certificate.subjectAltNames).toEqual([
          { type: 'dns', value: identity },
          { type: 'uri', value: `spiffe://${td}/ns/${ns}/sa/${sa}` },
        ]);
      }),
      run(50),
    );
  });
});

describe('SPIFFE IDs', () => {
  const segments = fc.array(segment, { maxLength: 5 });

  it('format, parse and build from segments agree', () => {
    fc.assert(
      fc.property(trustDomain, segments, (td, segs) => {
        const path = segs.map((s) => `/${s}`).join('');
        const uri = formatSpiffeId(td, path);
        expect(uri).toBe(`spiffe://${td}${path}`);
        expect(isValidSpiffeId(uri)).toBe(true);
        const id = parseSpiffeId(uri);
        expect({ trustDomain: id.trustDomain, path: id.path }).toEqual({ trustDomain: td, path });
        expect(String(id)).toBe(uri);
        expect(String(spiffeIdFromSegments(td, ...segs))).toBe(uri);
        expect(parseTrustDomain(uri)).toBe(td);
        expect(parseTrustDomain(td)).toBe(td);
      }),
      run(1000),
    );
  });

  it('Linkerd identities and their SPIFFE IDs map back and forth', () => {
    fc.assert(
      fc.property(dnsLabel, dnsLabel, dnsLabel, dnsName, trustDomain, (sa, ns, cp, td, spiffeTd) => {
        const identity = linkerdIdentity({
          serviceAccount: sa,
          namespace: ns,
          controlPlaneNamespace: cp,
          trustDomain: td,
        });
        expect(parseLinkerdIdentity(identity)).toEqual({
          serviceAccount: sa,
          namespace: ns,
          controlPlaneNamespace: cp,
          trustDomain: td,
        });
        const id = linkerdIdentityToSpiffeId(identity, { spiffeTrustDomain: spiffeTd });
        expect(String(id)).toBe(`spiffe://${spiffeTd}/ns/${ns}/sa/${sa}`);
        expect(
          spiffeIdToLinkerdIdentity(id, {
            controlPlaneNamespace: cp,
            trustDomain: td,
            spiffeTrustDomain: spiffeTd,
          }),
        ).toBe(identity);
      }),
      run(1000),
    );
  });
});

describe('ECDSA signature encodings', () => {
  /** A positive integer of up to `size` octets, as raw big-endian bytes of exactly `size`. */
  const scalar = (size: number) => fc.uint8Array({ minLength: size, maxLength: size });

  it('raw r || s survives DER and back, for every curve size', () => {
    const sizedPair = fc
      .constantFrom(32, 48, 66)
      .chain((size) => fc.tuple(fc.constant(size), scalar(size), scalar(size)));
    fc.assert(
      fc.property(sizedPair, ([size, r, s]) => {
        const bytes = new Uint8Array([...r, ...s]);
        const der = rawToDerSignature(bytes);
        expect(isEcdsaSigDer(der, size)).toBe(true);
        expect(derToRawSignature(der, size)).toEqual(bytes);
      }),
      run(300),
    );
  });

  it('the allocation-free check and the converter agree on hand-made edge cases', () => {
    const r32 = `0220${'11'.repeat(32)}`;
    const cases: [string, boolean][] = [
      ['3006020101020101', true],
      ['30070202008002017f', true], // a leading zero before a high bit is required, and allowed
      ['30050200020101', false], // empty INTEGER
      ['3006020181020101', false], // negative
      ['300702020001020101', false], // non-minimal
      ['30810602010102010101', false], // long-form length for a short SEQUENCE
      ['30060201010201010000', false], // trailing octets
      ['3007020101020101', false], // SEQUENCE longer than its content
      ['3009020101020101020101', false], // three INTEGERs
      [`3044${r32}${r32}`, true],
      [`3045022100${'ff'.repeat(32)}${r32}`, true],
      [`30450221${'11'.repeat(33)}${r32}`, false], // r wider than the curve
      ['3006020101030101', false], // not an INTEGER
    ];
    for (const [hex, valid] of cases) {
      const der = fromHex(hex);
      expect([hex, isEcdsaSigDer(der, 32)]).toEqual([hex, valid]);
      expect([hex, derToRawSignature(der, 32) !== undefined]).toEqual([hex, valid]);
    }
  });

  it('the allocation-free check accepts exactly what the converter accepts', () => {
    // Every single-octet change, truncation and extension of real signatures, plus arbitrary bytes.
    const signature = fc
      .tuple(scalar(32), scalar(32))
      .map(([r, s]) => rawToDerSignature(new Uint8Array([...r, ...s])));
    const mutated = fc.oneof(
      fc.tuple(signature, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([der, at, b]) => {
        const out = der.slice();
        out[at % out.length] = b;
        return out;
      }),
      fc.tuple(signature, fc.nat()).map(([der, n]) => der.subarray(0, n % der.length)),
      fc.tuple(signature, fc.uint8Array({ minLength: 1, maxLength: 3 })).map(([der, tail]) => {
        return new Uint8Array([...der, ...tail]);
      }),
      fc.uint8Array({ maxLength: 80 }),
    );
    fc.assert(
      fc.property(mutated, fc.constantFrom(32, 48), (der, size) => {
        expect(isEcdsaSigDer(der, size)).toBe(derToRawSignature(der, size) !== undefined);
      }),
      run(5000),
    );
  });
});
