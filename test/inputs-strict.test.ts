import { generateKeyPairSync } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import type { CertificateAuthority } from '../src/anchor/anchor';
import { cryptoBackend, setCryptoBackend } from '../src/crypto/backend';
import { nobleBackend } from '../src/crypto/noble';
import { ecPointProblem } from '../src/crypto/point';
import type { CryptoBackend } from '../src/crypto/types';
import { webCryptoBackend } from '../src/crypto/webcrypto';
import { parseCsr, verifyCsr } from '../src/csr';
import { bitString, integer, octetString, oid, sequence, setOf, tlv } from '../src/der';
import { createIssuer, type Issuer } from '../src/issuer';
import { generateKeyPair, importPrivateKey, importPublicKey, type PrivateKey, PublicKey } from '../src/keys';
import { encodePkcs8, encodeSec1, encodeSpki, readPkcs8 } from '../src/keys/pkcs8';
import { issueLeaf, issueLeafForKey } from '../src/leaf';
import { verifyChain } from '../src/verify';
import { parseCertificate } from '../src/x509';
import {
  authorityKeyIdExtension,
  caBasicConstraints,
  ECDSA_WITH_SHA256,
  encodeCommonNameOnly,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdExtension,
} from '../src/x509/encode';
import { checkClockSkew, checkLifetime, signCertificateDer } from '../src/x509/mint';
import { OID } from '../src/x509/oids';
import { KeyUsage } from '../src/x509/types';
import { codeOf, codeOfAsync, IDENTITY, NOW } from './helpers/pki';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const P256_P = p256.Point.CURVE().p;

/** The uncompressed point `(x, y)` on a curve with `size`-byte coordinates (coordinates may exceed p). */
function uncompressed(x: bigint, y: bigint, size: number): Uint8Array {
  const hexOf = (v: bigint) => v.toString(16).padStart(2 * size, '0');
  return Uint8Array.from(Buffer.from(`04${hexOf(x)}${hexOf(y)}`, 'hex'));
}

function coordinates(point: Uint8Array): [bigint, bigint] {
  const size = (point.length - 1) / 2;
  const h = Buffer.from(point).toString('hex');
  return [BigInt(`0x${h.slice(2, 2 + 2 * size)}`), BigInt(`0x${h.slice(2 + 2 * size)}`)];
}

function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let r = 1n;
  let b = base % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
  }
  return r;
}

/** A P-256 point with a small x (below 2^256 − p), so that x + p still fits in 32 bytes. */
function smallXPoint(): [bigint, bigint] {
  const { p, b } = p256.Point.CURVE();
  for (let x = 1n; ; x++) {
    const rhs = ((((x * x - 3n) * x + b) % p) + p) % p;
    const y = powMod(rhs, (p + 1n) / 4n, p); // p ≡ 3 (mod 4)
    if ((y * y) % p === rhs) return [x, y];
  }
}

/** SubjectPublicKeyInfo for an EC `point` on the curve named by `curveOid`. */
function ecSpki(point: Uint8Array, curveOid: string = OID.p256): Uint8Array {
  return sequence(sequence(oid(OID.ecPublicKey), oid(curveOid)), bitString(point));
}

/** Every way a P-256 public point can be wrong, made from the valid `point`. */
function badP256Points(point: Uint8Array): Record<string, Uint8Array> {
  const [, y] = coordinates(point);
  const [sx, sy] = smallXPoint();
  const offCurve = point.slice();
  offCurve[64]! ^= 0x01;
  return {
    compressed: p256.Point.fromBytes(point).toBytes(true),
    hybrid: Uint8Array.from([y & 1n ? 0x07 : 0x06, ...point.subarray(1)]),
    'off the curve': offCurve,
    'truncated (64 bytes)': point.subarray(0, 64),
    'one byte too many': Uint8Array.from([...point, 0]),
    'x + p': uncompressed(sx + P256_P, sy, 32),
    'point at infinity': Uint8Array.from([0x00]),
    empty: new Uint8Array(0),
    'all zero coordinates': uncompressed(0n, 0n, 32),
  };
}

/** A node:crypto key's uncompressed point. */
function nodePoint(namedCurve: string): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return Uint8Array.from([0x04, ...x, ...y]);
}

const BACKENDS: readonly [string, () => CryptoBackend][] = [
  ['node:crypto', () => cryptoBackend()],
  ['WebCrypto', () => webCryptoBackend(globalThis.crypto.subtle)],
  ['@noble/curves', () => nobleBackend((pkcs8) => readPkcs8(pkcs8).scalar)],
];

let anchor: CertificateAuthority;
let issuer: Issuer;
let workload: PrivateKey;

beforeAll(async () => {
  anchor = await createTrustAnchor({ now: NOW });
  issuer = await createIssuer({ anchor, now: NOW });
  workload = await generateKeyPair();
});

afterEach(() => setCryptoBackend(undefined));

/** A leaf for IDENTITY with exactly `spki` as its key, signed by `signer` (the issuer by default). */
async function leafWithSpki(spki: Uint8Array, signer: CertificateAuthority = issuer): Promise<Uint8Array> {
  return signCertificateDer(
    {
      serial: Uint8Array.of(0x01, 0x23),
      issuer: signer.certificate.subject.der,
      notBefore: NOW.getTime() - HOUR,
      notAfter: NOW.getTime() + DAY,
      subject: encodeCommonNameOnly(IDENTITY),
      spki,
      extensions: [
        keyUsageExtension(KeyUsage.digitalSignature),
        extKeyUsageExtension([OID.serverAuth, OID.clientAuth]),
        authorityKeyIdExtension(signer.certificate.subjectKeyId!),
        subjectAltNameExtension({ dns: [IDENTITY] }),
      ],
    },
    signer.key,
    {},
  );
}

/** A CA certificate under the anchor with exactly `spki` as its key. */
async function caWithSpki(spki: Uint8Array): Promise<Uint8Array> {
  return signCertificateDer(
    {
      serial: Uint8Array.of(0x02, 0x34),
      issuer: anchor.certificate.subject.der,
      notBefore: NOW.getTime() - HOUR,
      notAfter: NOW.getTime() + DAY,
      subject: encodeCommonNameOnly('bad-key.identity.linkerd.cluster.local'),
      spki,
      extensions: [
        keyUsageExtension(KeyUsage.keyCertSign | KeyUsage.cRLSign),
        caBasicConstraints(0),
        subjectKeyIdExtension(new Uint8Array(20).fill(7)),
        authorityKeyIdExtension(anchor.certificate.subjectKeyId!),
      ],
    },
    anchor.key,
    {},
  );
}

/** A Linkerd-style CSR for IDENTITY carrying exactly `spki`, signed by `key` (a valid proof for `key`). */
async function csrWithSpki(spki: Uint8Array, key: PrivateKey): Promise<Uint8Array> {
  const san = subjectAltNameExtension({ dns: [IDENTITY] });
  const info = sequence(
    integer(0),
    encodeCommonNameOnly(IDENTITY),
    spki,
    tlv(0xa0, sequence(oid(OID.extensionRequest), setOf(sequence(san)))),
  );
  return sequence(info, ECDSA_WITH_SHA256, bitString(await key.sign(info)));
}

describe('EC points: ecPointProblem', () => {
  it('knows the NIST curves by the same parameters as @noble/curves', () => {
    const good = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;
    for (const [name, curve] of Object.entries(good)) {
      for (let i = 0; i < 20; i++) {
        const point = curve.getPublicKey(curve.utils.randomSecretKey(), false);
        expect(ecPointProblem(name, point), name).toBeUndefined();
        const off = point.slice();
        off[off.length - 1]! ^= 0x01;
        expect(ecPointProblem(name, off), name).toBe('the point is not on the curve');
      }
      // A valid point of one curve is not a point of another.
      const other = name === 'P-256' ? 'P-384' : 'P-256';
      expect(ecPointProblem(other, curve.getPublicKey(curve.utils.randomSecretKey(), false))).toBeDefined();
    }
  });

  it('a remembered point does not vouch for other bytes', () => {
    const point = workload.publicKey.point.slice();
    expect(ecPointProblem('P-256', point)).toBeUndefined();
    expect(ecPointProblem('P-256', point)).toBeUndefined();
    point[40]! ^= 0x80; // the caller's array changes after the check
    expect(ecPointProblem('P-256', point)).toBe('the point is not on the curve');
  });

  it('refuses compressed, hybrid, truncated, out-of-range and off-curve P-256 points', () => {
    for (const [name, bad] of Object.entries(badP256Points(workload.publicKey.point))) {
      expect(ecPointProblem('P-256', bad), name).toBeDefined();
    }
  });

  it('refuses a P-521 coordinate that is not below p (it still fits in 66 bytes)', () => {
    const point = p521.getPublicKey(p521.utils.randomSecretKey(), false);
    const [x, y] = coordinates(point);
    const p = p521.Point.CURVE().p;
    expect(ecPointProblem('P-521', uncompressed(x + p, y, 66))).toBe(
      'a coordinate is not below the field prime',
    );
    expect(ecPointProblem('P-521', uncompressed(x, y + p, 66))).toBe(
      'a coordinate is not below the field prime',
    );
  });
});

describe('certificates: an EC key that is not a point on its curve does not parse (as in Go)', () => {
  it('leaf SPKIs: every malformed P-256 point is ERR_CERT_INVALID; a good one parses', async () => {
    expect(parseCertificate(await leafWithSpki(workload.publicKey.spki)).publicKey.curve).toBe('P-256');
    for (const [name, bad] of Object.entries(badP256Points(workload.publicKey.point))) {
      const der = await leafWithSpki(ecSpki(bad));
      expect(
        codeOf(() => parseCertificate(der)),
        name,
      ).toBe('ERR_CERT_INVALID');
    }
  });

  it.each([
    ['P-384', 'secp384r1', OID.p384],
    ['P-521', 'secp521r1', OID.p521],
  ])('%s keys are checked too', async (curve, namedCurve, curveOid) => {
    const point = nodePoint(namedCurve);
    expect(parseCertificate(await leafWithSpki(ecSpki(point, curveOid))).publicKey.curve).toBe(curve);
    const off = point.slice();
    off[off.length - 1]! ^= 0x01;
    const compressed = Uint8Array.from([
      0x02 | (point.at(-1)! & 1),
      ...point.subarray(1, 1 + (point.length - 1) / 2),
    ]);
    for (const bad of [off, compressed, point.subarray(0, point.length - 1)]) {
      const der = await leafWithSpki(ecSpki(bad, curveOid));
      expect(codeOf(() => parseCertificate(der))).toBe('ERR_CERT_INVALID');
    }
  });

  describe.each(BACKENDS)('verification with %s', (_name, backend) => {
    it('a leaf with an off-curve, truncated or compressed key is MALFORMED; the same leaf with its key verifies', async () => {
      setCryptoBackend(backend());
      const bundle = [anchor.certificate.der];
      const intermediates = [issuer.der];
      const good = await leafWithSpki(workload.publicKey.spki);
      const ok = await verifyChain({ leaf: good, intermediates, bundle, at: NOW, name: IDENTITY });
      expect(ok.ok).toBe(true);
      for (const [what, bad] of Object.entries(badP256Points(workload.publicKey.point))) {
        const leaf = await leafWithSpki(ecSpki(bad));
        const r = await verifyChain({ leaf, intermediates, bundle, at: NOW, name: IDENTITY });
        expect(r.ok, what).toBe(false);
        if (!r.ok) {
          expect(r.code, what).toBe('MALFORMED');
          expect(r.certIndex, what).toBe(0);
        }
      }
    });

    it('a CA whose key is off the curve cannot be on a path, presented or as an anchor', async () => {
      setCryptoBackend(backend());
      const off = issuer.key.publicKey.point.slice();
      off[64]! ^= 0x01;
      const badCa = await caWithSpki(ecSpki(off));
      const leaf = await leafWithSpki(workload.publicKey.spki);
      const r = await verifyChain({ leaf, intermediates: [badCa], bundle: [anchor.der], at: NOW });
      expect(r.ok).toBe(false);
      const asAnchor = await codeOfAsync(async () => {
        const v = await verifyChain({ leaf, bundle: [badCa], at: NOW });
        if (v.ok) throw new Error('verified under an anchor with an off-curve key');
      });
      expect(asAnchor === undefined || asAnchor.startsWith('ERR_')).toBe(true);
    });
  });
});

describe('CSRs: only an uncompressed P-256 point on the curve (Go refuses the rest when it parses)', () => {
  it('the construction is sound: with the key uncompressed, the CSR parses, verifies and is issued', async () => {
    const der = await csrWithSpki(workload.publicKey.spki, workload);
    expect(await verifyCsr(parseCsr(der))).toBe(true);
    const leaf = await issueLeaf({ issuer, csr: der, identity: IDENTITY, now: NOW });
    expect(leaf.certificate.publicKey.der).toEqual(workload.publicKey.spki);
  });

  describe.each(BACKENDS)('with %s', (_name, backend) => {
    it('compressed, hybrid, off-curve and truncated keys are ERR_CSR_INVALID, and no leaf is issued', async () => {
      setCryptoBackend(backend());
      for (const [name, bad] of Object.entries(badP256Points(workload.publicKey.point))) {
        const der = await csrWithSpki(ecSpki(bad), workload);
        expect(
          codeOf(() => parseCsr(der)),
          name,
        ).toBe('ERR_CSR_INVALID');
        expect(
          await codeOfAsync(() => issueLeaf({ issuer, csr: der, identity: IDENTITY, now: NOW })),
          name,
        ).toBe('ERR_CSR_INVALID');
      }
    });

    it('verifyCsr reads the key from its DER: a parsed CSR given a compressed key proves nothing', async () => {
      setCryptoBackend(backend());
      const parsed = parseCsr(await csrWithSpki(workload.publicKey.spki, workload));
      const compressed = p256.Point.fromBytes(workload.publicKey.point).toBytes(true);
      const spki = ecSpki(compressed);
      const forged = { ...parsed, publicKey: { ...parsed.publicKey, der: spki, key: compressed } };
      expect(await verifyCsr(parsed)).toBe(true);
      expect(await verifyCsr(forged)).toBe(false);
      // The key fields disagreeing with the DER: the DER (what a leaf would carry) decides.
      const mixed = { ...parsed, publicKey: { ...parsed.publicKey, der: spki } };
      expect(await verifyCsr(mixed)).toBe(false);
      // Handed to issueLeaf already parsed, the forged key never reaches a leaf: it is refused, or the
      // CSR is read from its DER and the leaf carries the key that DER holds.
      for (const csr of [forged, mixed]) {
        try {
          const leaf = await issueLeaf({ issuer, csr, identity: IDENTITY, now: NOW });
          expect(leaf.certificate.publicKey.der).toEqual(workload.publicKey.spki);
        } catch (e) {
          expect((e as { code?: string }).code).toMatch(/^ERR_/);
        }
      }
    });
  });

  it('verifyCsr refuses what is not a parsed CSR with ERR_INVALID_ARGUMENT', async () => {
    for (const bad of [undefined, null, {}, 'csr', { signatureAlgorithm: {} }]) {
      expect(await codeOfAsync(() => verifyCsr(bad as never))).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('keys: every imported EC public key is a point on P-256', () => {
  it('SPKI and raw points: compressed, hybrid, out-of-range and off-curve points are ERR_KEY_INVALID', () => {
    for (const [name, bad] of Object.entries(badP256Points(workload.publicKey.point))) {
      expect(
        codeOf(() => importPublicKey(encodeSpki(bad))),
        name,
      ).toBe('ERR_KEY_INVALID');
      expect(
        codeOf(() => new PublicKey(bad)),
        name,
      ).toBe('ERR_KEY_INVALID');
    }
    expect(codeOf(() => new PublicKey('04ab' as never))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('a public key keeps the point it checked, whatever later happens to the caller’s bytes', () => {
    const raw = workload.publicKey.point.slice();
    const spki = workload.publicKey.spki.slice();
    const fromRaw = new PublicKey(raw);
    const fromSpki = importPublicKey(spki);
    raw[64]! ^= 0x01;
    spki[spki.length - 1]! ^= 0x01;
    for (const key of [fromRaw, fromSpki]) {
      expect(key.point).toEqual(workload.publicKey.point);
      expect(key.spki).toEqual(workload.publicKey.spki);
      expect(ecPointProblem('P-256', key.point)).toBeUndefined();
    }
  });

  it('PKCS#8 v2: the publicKey field beside the private key must be the same point', async () => {
    const other = await generateKeyPair();
    const scalar = Uint8Array.from(Buffer.from(workload.exportJwk().d, 'base64url'));
    const v2 = (inner: Uint8Array, point: Uint8Array) =>
      sequence(
        integer(1),
        sequence(oid(OID.ecPublicKey), oid(OID.p256)),
        octetString(inner),
        tlv(0x81, Uint8Array.of(0, ...point)),
      );
    const withPoint = encodeSec1(scalar, workload.publicKey.point);
    const withoutPoint = sequence(integer(1), octetString(scalar));
    const compressed = p256.Point.fromBytes(workload.publicKey.point).toBytes(true);
    // Agreeing (either encoding) is fine.
    expect(
      importPrivateKey(v2(withPoint, workload.publicKey.point)).publicKey.equals(workload.publicKey),
    ).toBe(true);
    expect(importPrivateKey(v2(withPoint, compressed)).publicKey.equals(workload.publicKey)).toBe(true);
    expect(
      importPrivateKey(v2(withoutPoint, workload.publicKey.point)).publicKey.equals(workload.publicKey),
    ).toBe(true);
    // Another key's point, beside or instead of the inner one.
    expect(codeOf(() => importPrivateKey(v2(withPoint, other.publicKey.point)))).toBe('ERR_KEY_MISMATCH');
    expect(codeOf(() => importPrivateKey(v2(withoutPoint, other.publicKey.point)))).toBe('ERR_KEY_MISMATCH');
    // A point off the curve, or no point at all.
    const off = workload.publicKey.point.slice();
    off[64]! ^= 0x01;
    expect(codeOf(() => importPrivateKey(v2(withPoint, off)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(v2(withoutPoint, off)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(v2(withPoint, new Uint8Array(0))))).toBe('ERR_KEY_INVALID');
  });

  it('PKCS#8 and SEC1: a stored point that is not the scalar’s is ERR_KEY_MISMATCH', async () => {
    const other = await generateKeyPair();
    const scalar = Uint8Array.from(Buffer.from(workload.exportJwk().d, 'base64url'));
    expect(codeOf(() => importPrivateKey(encodePkcs8(scalar, other.publicKey.point)))).toBe(
      'ERR_KEY_MISMATCH',
    );
    expect(codeOf(() => importPrivateKey(encodeSec1(scalar, other.publicKey.point)))).toBe(
      'ERR_KEY_MISMATCH',
    );
  });
});

describe('durations: lifetimes and clock skews a certificate can hold', () => {
  const skews: [string, unknown][] = [
    ['negative', -1],
    ['negative (10 s)', -10_000],
    ['fractional', 1.5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['a sub-millisecond text', '1.5ms'],
    ['a negative text', '-10s'],
    ['a bigint', 10_000n],
    ['beyond any validity', Number.MAX_SAFE_INTEGER],
  ];

  it.each(skews)(
    'an anchor or issuer clockSkew that is %s is ERR_INVALID_ARGUMENT',
    async (_name, clockSkew) => {
      const skew = clockSkew as number;
      expect(await codeOfAsync(() => createTrustAnchor({ now: NOW, clockSkew: skew }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
      expect(await codeOfAsync(() => createIssuer({ anchor, now: NOW, clockSkew: skew }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
    },
  );

  it.each(skews)(
    'checkClockSkew (for every minting function) refuses a skew that is %s',
    (_name, clockSkew) => {
      expect(codeOf(() => checkClockSkew(clockSkew as number, 'leaf', NOW.getTime(), DAY))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
    },
  );

  it('a duration text without a unit is ERR_DURATION_INVALID, for lifetimes and skews', async () => {
    expect(codeOf(() => checkLifetime('86400000', 'lifetime'))).toBe('ERR_DURATION_INVALID');
    expect(codeOf(() => checkClockSkew('10000', 'leaf', NOW.getTime(), DAY))).toBe('ERR_DURATION_INVALID');
    expect(await codeOfAsync(() => createTrustAnchor({ now: NOW, lifetime: '1d' }))).toBe(
      'ERR_DURATION_INVALID',
    );
  });

  it('a zero skew is allowed and gives notBefore = now', async () => {
    const a = await createTrustAnchor({ now: NOW, clockSkew: 0 });
    expect(a.certificate.notBefore.getTime()).toBe(NOW.getTime());
    const i = await createIssuer({ anchor, now: NOW, clockSkew: 0 });
    expect(i.certificate.notBefore.getTime()).toBe(NOW.getTime());
  });

  it.each([
    ['fractional', 1.5],
    ['fractional (a day and a half millisecond)', DAY + 0.5],
    ['beyond any validity', Number.MAX_SAFE_INTEGER],
    ['a sub-millisecond text', '24h0.5ms'],
    ['a zero text', '0s'],
    ['zero', 0],
    ['negative', -DAY],
  ])(
    'a lifetime that is %s is ERR_LIFETIME_INVALID for anchors, issuers and leaves',
    async (_name, value) => {
      const lifetime = value as number;
      expect(codeOf(() => checkLifetime(lifetime, 'lifetime'))).toBe('ERR_LIFETIME_INVALID');
      expect(await codeOfAsync(() => createTrustAnchor({ now: NOW, lifetime }))).toBe('ERR_LIFETIME_INVALID');
      expect(await codeOfAsync(() => createIssuer({ anchor, now: NOW, lifetime }))).toBe(
        'ERR_LIFETIME_INVALID',
      );
      const publicKey = workload.publicKey;
      expect(
        await codeOfAsync(() =>
          issueLeafForKey({ issuer, publicKey, identity: IDENTITY, now: NOW, lifetime }),
        ),
      ).toBe('ERR_LIFETIME_INVALID');
    },
  );

  it('a validity reaching past 9999-12-31T23:59:59Z or before 1950 is ERR_LIFETIME_INVALID', async () => {
    const end = Date.UTC(9999, 11, 31, 23, 59, 59);
    const lifetime = end - NOW.getTime(); // + the 10 s skew: one step too far
    expect(await codeOfAsync(() => createTrustAnchor({ now: NOW, lifetime }))).toBe('ERR_LIFETIME_INVALID');
    expect(await codeOfAsync(() => createIssuer({ anchor, now: NOW, lifetime }))).toBe(
      'ERR_LIFETIME_INVALID',
    );
    const exact = await createTrustAnchor({ now: NOW, lifetime: lifetime - 10_000 });
    expect(exact.certificate.notAfter.getTime()).toBe(end);
    const early = new Date(Date.UTC(1950, 0, 1, 0, 0, 5));
    expect(await codeOfAsync(() => createTrustAnchor({ now: early }))).toBe('ERR_LIFETIME_INVALID');
    expect(codeOf(() => checkClockSkew(10_000, 'leaf', early.getTime(), DAY))).toBe('ERR_LIFETIME_INVALID');
    expect(codeOf(() => checkClockSkew(10_000, 'leaf', NOW.getTime(), lifetime))).toBe(
      'ERR_LIFETIME_INVALID',
    );
    expect(checkClockSkew(10_000, 'leaf', NOW.getTime(), DAY)).toBe(10_000);
  });

  it('no certificate is signed whose notAfter precedes its notBefore (a leaf with a skew of minus its lifetime)', async () => {
    const publicKey = workload.publicKey;
    const code = await codeOfAsync(() =>
      issueLeafForKey({ issuer, publicKey, identity: IDENTITY, now: NOW, lifetime: HOUR, clockSkew: -HOUR }),
    );
    expect(code === 'ERR_LIFETIME_INVALID' || code === 'ERR_INVALID_ARGUMENT').toBe(true);
  });
});
