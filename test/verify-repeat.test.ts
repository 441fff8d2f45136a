/**
 * The Verifier's memory of verified questions: a byte-identical question inside the window in which its
 * answer holds is answered without verifying again, with the verdict a cold `verifyChain` gives; anything
 * else verifies afresh. Every test compares with a cold verification of the same bytes.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChainInput,
  type CryptoBackend,
  cryptoBackend,
  OID,
  parseCertificate,
  parseCsr,
  setCryptoBackend,
  Verifier,
  type VerifyResult,
  verifyChain,
  webCryptoBackend,
} from '../src';
import { hashBytes } from '../src/der';
import { verdictOf } from './helpers/differential';
import { gn, type Minted, mint } from './verify-certs';

const NAME = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const SPIFFE = 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web';

function leafOf(issuer: Minted, notBefore: string, notAfter: string): Minted {
  return mint({
    cn: NAME,
    issuer,
    notBefore,
    notAfter,
    san: [gn.dns(NAME), gn.uri(SPIFFE)],
    eku: [OID.serverAuth, OID.clientAuth],
  });
}

const anchor = mint({
  cn: 'root',
  ca: true,
  notBefore: '2025-01-01T00:00:00Z',
  notAfter: '2035-01-01T00:00:00Z',
});
const issuer = mint({
  cn: 'identity.linkerd.cluster.local',
  ca: true,
  issuer: anchor,
  notBefore: '2025-01-01T00:00:00Z',
  notAfter: '2030-01-01T00:00:00Z',
});
const leaf = leafOf(issuer, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
const AT = new Date('2026-01-01T12:00:00Z');

/** A signature-counting backend over the default one. */
function counting(): { backend: CryptoBackend; count: () => number } {
  const base = cryptoBackend();
  let n = 0;
  const backend: CryptoBackend = {
    ...base,
    name: `${base.name} (counted)`,
    verify: (...args) => {
      n++;
      return base.verify(...args);
    },
    verifySync: base.verifySync
      ? (...args) => {
          n++;
          return (base.verifySync as NonNullable<CryptoBackend['verifySync']>)(...args);
        }
      : undefined,
  };
  return { backend, count: () => n };
}

afterEach(() => setCryptoBackend(undefined));

/** A question as DER buffers. */
type Ask = ChainInput & { readonly leaf: Uint8Array; readonly intermediates?: readonly Uint8Array[] };

/** `input` through `verifier`, and the same bytes through a cold verifyChain; both verdicts must agree. */
async function both(verifier: Verifier, bundle: Uint8Array[], input: Ask): Promise<VerifyResult> {
  const copy = (b: Uint8Array) => b.slice();
  const cold = await verifyChain({
    ...input,
    leaf: copy(input.leaf),
    intermediates: (input.intermediates ?? []).map(copy),
    bundle: bundle.map(copy),
  });
  const warm = await verifier.verify(input);
  expect(verdictOf(warm)).toEqual(verdictOf(cold));
  return warm;
}

describe('Verifier: repeated questions', () => {
  it('answers the same question again without a signature check, as a fresh result', async () => {
    const { backend, count } = counting();
    setCryptoBackend(backend);
    const verifier = new Verifier({ bundle: [anchor.der] });
    const ask = () => ({ leaf: leaf.der.slice(), intermediates: [issuer.der.slice()], at: AT, name: NAME });
    const first = await both(verifier, [anchor.der], ask());
    expect(first.ok).toBe(true);
    // A leaf is remembered when it comes back: the second question is verified afresh, the third is not.
    const once = count();
    await verifier.verify(ask());
    expect(count()).toBeGreaterThan(once);
    const before = count();
    const again = await verifier.verify(ask());
    expect(count()).toBe(before); // answered from memory
    expect(again).not.toBe(first);
    expect(verdictOf(again)).toEqual(verdictOf(first));
    if (!again.ok || !first.ok) throw new Error('expected successes');
    expect(again.identity).not.toBe(first.identity);
    expect(again.path).not.toBe(first.path);
    expect(again.path[0]).not.toBe(first.path[0]);
    expect(again.validUntil).not.toBe(first.validUntil);
  });

  it('hands out results that reach no later answer', async () => {
    const verifier = new Verifier({ bundle: [anchor.der] });
    const ask = () => ({ leaf: leaf.der.slice(), intermediates: [issuer.der.slice()], at: AT, name: NAME });
    await verifier.verify(ask());
    const first = await verifier.verify(ask());
    if (!first.ok) throw new Error(first.reason);
    (first.identity.dns as string[]).push('admin.linkerd.serviceaccount.identity.linkerd.cluster.local');
    (first.identity as { spiffeId?: string }).spiffeId = 'spiffe://evil/x';
    first.validUntil.setUTCFullYear(2100);
    first.path[0]!.der.fill(0);
    first.path[0]!.notAfter.setUTCFullYear(2100);
    const again = await both(verifier, [anchor.der], ask());
    const later = await both(verifier, [anchor.der], { ...ask(), at: new Date('2026-01-03T00:00:00Z') });
    expect(again.ok && again.identity).toEqual({ dns: [NAME], spiffeId: SPIFFE });
    expect(later.ok ? 'ok' : later.code).toBe('EXPIRED');
  });

  it('verifies afresh outside the window, with one leaf byte changed, or for another name or usage', async () => {
    const { backend, count } = counting();
    setCryptoBackend(backend);
    const verifier = new Verifier({ bundle: [anchor.der] });
    const ask = (over: Partial<ChainInput> = {}) =>
      ({
        leaf: leaf.der.slice(),
        intermediates: [issuer.der.slice()],
        at: AT,
        name: NAME,
        ...over,
      }) as Ask;
    await both(verifier, [anchor.der], ask());
    await both(verifier, [anchor.der], ask());
    const fresh = async (input: Ask) => {
      const before = count();
      const r = await both(verifier, [anchor.der], input);
      // A success found afresh checked the leaf's signature (failures are never remembered at all).
      if (r.ok) expect(count()).toBeGreaterThan(before);
      return r;
    };
    // The leaf's last second is inside, the next one outside.
    const last = await both(verifier, [anchor.der], ask({ at: new Date('2026-01-02T00:00:00Z') }));
    expect(last.ok).toBe(true);
    expect((await fresh(ask({ at: new Date('2026-01-02T00:00:01Z') }))).ok).toBe(false);
    expect((await fresh(ask({ at: new Date('2025-12-31T23:59:59Z') }))).ok).toBe(false);
    const changed = leaf.der.slice();
    changed[changed.length >> 1]! ^= 1;
    expect((await fresh(ask({ leaf: changed }))).ok).toBe(false);
    const other = await fresh(ask({ name: 'api.shop.serviceaccount.identity.linkerd.cluster.local' }));
    expect(other.ok ? 'ok' : other.code).toBe('NAME_MISMATCH');
    expect((await fresh(ask({ usage: 'client' }))).ok).toBe(true);
    expect((await fresh(ask({ intermediates: [] }))).ok).toBe(false);
    expect((await fresh(ask({ intermediates: [issuer.der.slice(), anchor.der.slice()] }))).ok).toBe(true);
    // Another backend does not reuse answers found with the first.
    await verifier.verify(ask());
    const remembered = count();
    await verifier.verify(ask());
    expect(count()).toBe(remembered);
    const other2 = counting();
    setCryptoBackend(other2.backend);
    expect((await verifier.verify(ask())).ok).toBe(true);
    expect(other2.count()).toBeGreaterThan(0);
  });

  it('remembers what was verified, not what the caller’s buffers hold afterwards', async () => {
    // On the asynchronous backend too, where the caller runs while the call is pending.
    for (const backend of [undefined, webCryptoBackend(globalThis.crypto.subtle)]) {
      setCryptoBackend(backend);
      await rememberedThenOverwritten();
    }
  });

  async function rememberedThenOverwritten(): Promise<void> {
    const verifier = new Verifier({ bundle: [anchor.der] });
    await verifier.verify({ leaf: leaf.der.slice(), intermediates: [issuer.der.slice()], at: AT });
    // The second sighting, which is remembered: its buffers are overwritten while it is pending.
    const given = { leaf: leaf.der.slice(), intermediates: [issuer.der.slice()], at: AT };
    const pending = verifier.verify(given);
    const forged = leafOf(issuer, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
    given.leaf.set(forged.der.subarray(0, given.leaf.length));
    given.intermediates[0]!.fill(7);
    expect((await pending).ok).toBe(true);
    await both(verifier, [anchor.der], {
      leaf: given.leaf.slice(),
      intermediates: given.intermediates,
      at: AT,
    });
    await both(verifier, [anchor.der], {
      leaf: leaf.der.slice(),
      intermediates: given.intermediates,
      at: AT,
    });
    // The real question is still answered (from memory: what was verified was the real bytes).
    const real = await both(verifier, [anchor.der], {
      leaf: leaf.der.slice(),
      intermediates: [issuer.der.slice()],
      at: AT,
    });
    expect(real.ok).toBe(true);
  }

  it('takes the window from every certificate presented, on the path or not', async () => {
    // Two issuers with one name and key: the older ends in mid-2026, the newer begins in 2026.
    const older = mint({
      cn: 'identity.linkerd.cluster.local',
      ca: true,
      issuer: anchor,
      key: issuer.key,
      notBefore: '2025-01-01T00:00:00Z',
      notAfter: '2026-06-01T00:00:00Z',
    });
    const newer = mint({
      cn: 'identity.linkerd.cluster.local',
      ca: true,
      issuer: anchor,
      key: issuer.key,
      notBefore: '2026-01-01T00:00:00Z',
      notAfter: '2028-01-01T00:00:00Z',
    });
    const long = leafOf(issuer, '2025-06-01T00:00:00Z', '2027-06-01T00:00:00Z');
    const verifier = new Verifier({ bundle: [anchor.der] });
    const ask = (at: string) => ({
      leaf: long.der.slice(),
      intermediates: [older.der.slice(), newer.der.slice()],
      at: new Date(at),
    });
    await verifier.verify(ask('2027-01-01T00:00:00Z'));
    const late = await both(verifier, [anchor.der], ask('2027-01-01T00:00:00Z'));
    expect(late.ok && late.path[1]!.notAfter.toISOString()).toBe('2028-01-01T00:00:00.000Z');
    // Inside the path's window, but the older issuer is valid again: a cold verification goes through it.
    const early = await both(verifier, [anchor.der], ask('2026-03-01T00:00:00Z'));
    expect(early.ok).toBe(true);
  });

  it('takes the window from every anchor of the bundle, on the path or not', async () => {
    // The same root key re-issued: the bundle lists the later one first.
    const rootKey = anchor.key;
    const first = mint({
      cn: 'root',
      ca: true,
      key: rootKey,
      notBefore: '2025-01-01T00:00:00Z',
      notAfter: '2030-01-01T00:00:00Z',
    });
    const second = mint({
      cn: 'root',
      ca: true,
      key: rootKey,
      notBefore: '2026-01-01T00:00:00Z',
      notAfter: '2035-01-01T00:00:00Z',
    });
    const bundle = [second.der, first.der];
    const long = leafOf(issuer, '2025-06-01T00:00:00Z', '2027-06-01T00:00:00Z');
    const verifier = new Verifier({ bundle: bundle.map((b) => b.slice()) });
    const ask = (at: string) => ({
      leaf: long.der.slice(),
      intermediates: [issuer.der.slice()],
      at: new Date(at),
    });
    await verifier.verify(ask('2025-09-01T00:00:00Z'));
    const early = await both(verifier, bundle, ask('2025-09-01T00:00:00Z'));
    expect(early.ok).toBe(true);
    const late = await both(verifier, bundle, ask('2026-09-01T00:00:00Z'));
    expect(late.ok).toBe(true);
  });

  it('keeps to its bounds in entries and bytes, and can be turned off', async () => {
    const leaves = Array.from({ length: 6 }, () =>
      leafOf(issuer, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'),
    );
    for (const options of [
      { maxRepeatEntries: 2 },
      { maxRepeatBytes: 3 * 4096 + 2 * 1500 },
      { maxRepeatEntries: 0 },
    ]) {
      const { backend, count } = counting();
      setCryptoBackend(backend);
      const verifier = new Verifier({ bundle: [anchor.der], ...options });
      const ask = (l: Minted) => ({ leaf: l.der.slice(), intermediates: [issuer.der.slice()], at: AT });
      for (const l of leaves) {
        await verifier.verify(ask(l));
        await verifier.verify(ask(l));
      }
      const before = count();
      await verifier.verify(ask(leaves[5]!)); // the newest
      const newest = count() - before;
      await verifier.verify(ask(leaves[0]!)); // the oldest: gone
      const oldest = count() - before - newest;
      expect([newest, oldest]).toEqual(options.maxRepeatEntries === 0 ? [1, 1] : [0, 1]);
    }
    expect(() => new Verifier({ bundle: [anchor.der], maxRepeatEntries: -1 })).toThrow(/maxRepeatEntries/);
    expect(() => new Verifier({ bundle: [anchor.der], maxRepeatBytes: 0.5 })).toThrow(/maxRepeatBytes/);
  });

  it('remembers every leaf that comes back, whatever its hash', async () => {
    // Two leaves whose keys share their low 12 bits (a slot of a 4,096-entry table) asked in turn: each
    // comes back, so each is remembered.
    const keyOf = (der: Uint8Array) =>
      (hashBytes(der, Math.max(0, der.length - 32)) ^ Math.imul(der.length, 0x9e3779b1)) >>> 0;
    const bySlot = new Map<number, Minted>();
    let pair: [Minted, Minted] | undefined;
    while (!pair) {
      const l = leafOf(issuer, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
      const slot = keyOf(l.der) & 4095;
      const other = bySlot.get(slot);
      if (other && keyOf(other.der) !== keyOf(l.der)) pair = [other, l];
      else bySlot.set(slot, l);
    }
    const { backend, count } = counting();
    setCryptoBackend(backend);
    const verifier = new Verifier({ bundle: [anchor.der] });
    const ask = (l: Minted) => ({ leaf: l.der.slice(), intermediates: [issuer.der.slice()], at: AT });
    for (let round = 0; round < 2; round++) for (const l of pair) await verifier.verify(ask(l));
    const before = count();
    for (const l of pair) expect((await both(verifier, [anchor.der], ask(l))).ok).toBe(true);
    // Only the cold references checked signatures (two each).
    expect(count() - before).toBe(4);
  });

  it('forgets with clearCache, and still refuses misuse on a repeat', async () => {
    const { backend, count } = counting();
    setCryptoBackend(backend);
    const verifier = new Verifier({ bundle: [anchor.der] });
    const ask = () => ({ leaf: leaf.der.slice(), intermediates: [issuer.der.slice()], at: AT });
    await verifier.verify(ask());
    await verifier.verify(ask());
    verifier.clearCache();
    const before = count();
    expect((await verifier.verify(ask())).ok).toBe(true);
    expect(count()).toBeGreaterThan(before);
    await expect(verifier.verify({ ...ask(), usage: 'peer' as never })).rejects.toThrow(/usage/);
    await expect(verifier.verify({ ...ask(), at: new Date(Number.NaN) })).rejects.toThrow(/at must/);
  });

  it('answers repeats in the bundles mode too', async () => {
    const { backend, count } = counting();
    setCryptoBackend(backend);
    const verifier = new Verifier({ bundles: { 'identity.linkerd.cluster.local': [anchor.der] } });
    const ask = () => ({ leaf: leaf.der.slice(), intermediates: [issuer.der.slice()], at: AT });
    await verifier.verify(ask());
    const a = await verifier.verify(ask());
    const before = count();
    const b = await verifier.verify(ask());
    expect(count()).toBe(before);
    expect(isDeepStrictEqual(verdictOf(a), verdictOf(b))).toBe(true);
    expect(a.ok).toBe(true);
  });
});

describe('parsers own their bytes', () => {
  it('copies a Buffer given to parseCertificate and parseCsr (a Buffer’s slice is a view)', async () => {
    const buffer = Buffer.from(leaf.der);
    const cert = parseCertificate(buffer);
    buffer.fill(0);
    expect(cert.der[0]).toBe(0x30);
    expect(cert.der).toEqual(leaf.der);
    const { createCsr, generateKeyPair } = await import('../src');
    const csr = await createCsr({ key: await generateKeyPair(), identity: NAME });
    const csrBuffer = Buffer.from(csr.der);
    const parsed = parseCsr(csrBuffer);
    csrBuffer.fill(0);
    expect(parsed.der).toEqual(csr.der);
    expect(parsed.info[0]).toBe(0x30);
  });
});

describe('node:crypto backend: fresh keys and many calls in flight', () => {
  it('checks fresh keys by the raw import, here or on the thread pool, and refuses points off the curve', async () => {
    const { nodeBackend } = await import('../src/crypto/default.node');
    const { generateKeyPairSync, sign } = await import('node:crypto');
    const data = new TextEncoder().encode('a CertificationRequestInfo');
    const cases = Array.from({ length: 24 }, (_, i) => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      const key = parseCertificate(
        mint({ key: { privateKey, spki, keyId: new Uint8Array(20) } }).der,
      ).publicKey;
      const signature = new Uint8Array(sign('sha256', data, privateKey));
      if (i % 3 === 1) signature[signature.length - 1]! ^= 1;
      return { key, signature, good: i % 3 !== 1 };
    });
    const alg = parseCertificate(leaf.der).signatureAlgorithm;
    // Alone, then all at once (the thread pool), each with its own verdict.
    for (const c of cases.slice(0, 3))
      expect(await nodeBackend.verify(alg, c.key, c.signature, data)).toBe(c.good);
    const verdicts = await Promise.all(cases.map((c) => nodeBackend.verify(alg, c.key, c.signature, data)));
    expect(verdicts).toEqual(cases.map((c) => c.good));
    // A point moved off the curve (a hand-made key info the parser would refuse) never verifies.
    const off = cases[0]!;
    const point = off.key.key.slice();
    point[64]! ^= 1;
    const der = off.key.der.slice();
    der.set(point, der.length - 65);
    const offKey = { ...off.key, key: point, der };
    expect(await nodeBackend.verify(alg, offKey, off.signature, data)).toBe(false);
    const many = await Promise.all([0, 1, 2].map(() => nodeBackend.verify(alg, offKey, off.signature, data)));
    expect(many).toEqual([false, false, false]);
  });

  it('signs correctly with many signatures in flight', async () => {
    const { nodeBackend } = await import('../src/crypto/default.node');
    const { createCsr, generateKeyPair } = await import('../src');
    const key = await generateKeyPair();
    const csrs = await Promise.all(Array.from({ length: 16 }, () => createCsr({ key, identity: NAME })));
    const alg = parseCertificate(leaf.der).signatureAlgorithm;
    const ok = await Promise.all(
      csrs.map((c) => {
        const csr = parseCsr(c.der);
        return nodeBackend.verify(alg, csr.publicKey, csr.signature, csr.info);
      }),
    );
    expect(ok.every(Boolean)).toBe(true);
  });
});
