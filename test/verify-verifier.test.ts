import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cryptoBackend, setCryptoBackend } from '../src/crypto/backend';
import type { CryptoBackend } from '../src/crypto/types';
import { Verifier, verifyChain } from '../src/verify';
import { countSignatureChecks } from './helpers/pki';
import { gn, intermediate, leaf, type Minted, mint, newKey, root, summary } from './verify-certs';

describe('Verifier', () => {
  let checks: () => number;
  beforeEach(() => {
    checks = countSignatureChecks();
  });
  afterEach(() => setCryptoBackend(undefined));

  const anchor = root('Root', { notAfter: '2034-01-01T00:00:00Z' });
  const issuer = intermediate(anchor, 'Issuer', {
    notBefore: '2025-06-01T00:00:00Z',
    notAfter: '2027-01-01T00:00:00Z',
  });
  const peer = (dns: string) =>
    leaf(issuer, dns, { san: [gn.dns(dns), gn.uri(`spiffe://example.org/${dns}`)] });

  it('checks one signature, the leaf’s, when the issuer is already known', async () => {
    const verifier = new Verifier({ bundle: anchor.pem });
    const at = new Date('2026-01-01T00:00:00Z');
    expect((await verifier.verify({ leaf: peer('a').der, intermediates: [issuer.der], at })).ok).toBe(true);
    expect(checks()).toBe(2);
    expect((await verifier.verify({ leaf: peer('b').der, intermediates: [issuer.der], at })).ok).toBe(true);
    expect(checks()).toBe(3);
    expect((await verifier.verify({ leaf: peer('c').pem, intermediates: [issuer.cert], at })).ok).toBe(true);
    expect(checks()).toBe(4);
    expect(verifier.cacheSize).toBe(1);
  });

  it('asks a backend that can answer synchronously through verifySync, and awaits one that cannot', async () => {
    const base = cryptoBackend();
    const seen: string[] = [];
    const verifyAsync: CryptoBackend['verify'] = async (...args) => {
      seen.push('async');
      return base.verify(...args);
    };
    const run = async () => {
      seen.length = 0;
      const at = new Date('2026-01-01T00:00:00Z');
      const result = await verifyChain({
        leaf: peer('a').der,
        intermediates: [issuer.der],
        bundle: anchor.pem,
        at,
      });
      return [result.ok, ...seen];
    };
    const verifySync = base.verifySync!;
    setCryptoBackend({
      ...base,
      verify: verifyAsync,
      verifySync: (...args) => {
        seen.push('sync');
        return verifySync(...args);
      },
    });
    expect(await run()).toEqual([true, 'sync', 'sync']);
    setCryptoBackend({ ...base, verify: verifyAsync, verifySync: undefined });
    expect(await run()).toEqual([true, 'async', 'async']);
  });

  it('gives the result a cold verifyChain gives, whatever the time, name and usage', async () => {
    const verifier = new Verifier({ bundle: anchor.pem });
    const other = root('Other');
    const cases = [
      { at: '2026-01-01T00:00:00Z', name: 'a' },
      { at: '2025-03-01T00:00:00Z', name: 'a' }, // before the issuer's notBefore
      { at: '2028-01-01T00:00:00Z', name: 'a' }, // after the issuer's notAfter
      { at: '2026-01-01T00:00:00Z', name: 'b' },
      { at: '2026-01-01T00:00:00Z', name: 'spiffe://example.org/a' },
      { at: '2026-01-01T00:00:00Z', name: 'a', usage: 'client' as const },
      { at: '2026-01-01T00:00:00Z', name: 'a', intermediates: [] },
      { at: '2026-01-01T00:00:00Z', name: 'a', maxSignatures: 1 },
    ];
    const a = peer('a');
    for (const round of [1, 2]) {
      for (const c of cases) {
        const input = {
          leaf: a.der,
          intermediates: c.intermediates ?? [issuer.der, intermediate(other).der],
          at: new Date(c.at),
          name: c.name,
          ...(c.usage ? { usage: c.usage } : {}),
        };
        const budget = c.maxSignatures ? { maxSignatureChecks: c.maxSignatures } : undefined;
        const warm = budget
          ? await new Verifier({ bundle: anchor.pem, budget }).verify(input)
          : await verifier.verify(input);
        const cold = await verifyChain({ ...input, bundle: anchor.pem, ...(budget ? { budget } : {}) });
        expect(summary(warm), `round ${round} ${JSON.stringify(c)}`).toEqual(summary(cold));
      }
    }
  });

  it('never lets a cached signature vouch for other bytes', async () => {
    const verifier = new Verifier({ bundle: anchor.pem });
    const at = new Date('2026-01-01T00:00:00Z');
    await verifier.verify({ leaf: peer('a').der, intermediates: [issuer.der], at });
    const forged = Uint8Array.from(issuer.der);
    forged[17]! ^= 1; // a bit of the serial number: same length, same signature, other bytes
    const result = await verifier.verify({ leaf: peer('b').der, intermediates: [forged], at });
    expect(result.ok ? 'ok' : [result.code, result.certIndex]).toEqual(['BAD_SIGNATURE', 1]);
  });

  it('keeps its own copy of what it remembers', async () => {
    const verifier = new Verifier({ bundle: anchor.pem });
    const at = new Date('2026-01-01T00:00:00Z');
    const buffer = Uint8Array.from(issuer.der);
    await verifier.verify({ leaf: peer('a').der, intermediates: [buffer], at });
    buffer.fill(0);
    expect((await verifier.verify({ leaf: peer('b').der, intermediates: [issuer.der], at })).ok).toBe(true);
    expect(checks()).toBe(3);
  });

  it('remembers at most maxCacheEntries intermediates, dropping the least recently used', async () => {
    const verifier = new Verifier({ bundle: anchor.pem, maxCacheEntries: 2 });
    const at = new Date('2026-01-01T00:00:00Z');
    const issuers = [1, 2, 3].map((i) => intermediate(anchor, `Issuer ${i}`));
    const run = (i: Minted) => verifier.verify({ leaf: leaf(i).der, intermediates: [i.der], at });
    for (const i of issuers) await run(i);
    expect(verifier.cacheSize).toBe(2);
    const before = checks();
    await run(issuers[2]!);
    expect(checks() - before).toBe(1);
    await run(issuers[0]!);
    expect(checks() - before).toBe(3);
    verifier.clearCache();
    expect(verifier.cacheSize).toBe(0);
  });

  it('holds 10,000 intermediates in well under 50 MB', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    // Re-issued copies of one CA (same name and key): one leaf chains through each of them.
    const signer = root('Root');
    const key = newKey();
    const copies = Array.from(
      { length: 10_000 },
      () => mint({ cn: 'Issuer', ca: true, issuer: signer, key }).der,
    );
    const peerDer = leaf(mint({ cn: 'Issuer', ca: true, issuer: signer, key })).der;
    const verifier = new Verifier({ bundle: signer.pem });
    const at = new Date('2026-01-01T00:00:00Z');
    const start = heap();
    for (const copy of copies) {
      const result = await verifier.verify({ leaf: peerDer, intermediates: [copy], at });
      if (!result.ok) throw new Error(result.reason);
    }
    // Keys are 32-bit hashes of random signatures: a collision (about one run in a hundred) replaces an
    // entry, which costs a miss and never a wrong answer.
    expect(verifier.cacheSize).toBeGreaterThan(9_990);
    expect(verifier.cacheSize).toBeLessThanOrEqual(10_000);
    expect(heap() - start).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);
});
