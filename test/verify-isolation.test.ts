/**
 * The library's own state is out of every caller's reach: inputs are read at the call, results and trust
 * stores hand out copies, and shared decoded objects are frozen. Each test here would pass a forged or
 * expired chain (or corrupt another certificate) on code that shared those objects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cryptoBackend, setCryptoBackend } from '../src/crypto/backend';
import type { CryptoBackend } from '../src/crypto/types';
import { isPkiError } from '../src/errors';
import { createTrustStore, TrustStore, Verifier, verifyChain } from '../src/verify';
import { parseCertificate } from '../src/x509/certificate';
import { gn, intermediate, leaf, type Minted, newKey, root } from './verify-certs';

const at = new Date('2026-01-01T00:00:00Z');
const anchor = root('Root', { notBefore: '2019-01-01T00:00:00Z', notAfter: '2034-01-01T00:00:00Z' });
const issuer = intermediate(anchor, 'Issuer', {
  notBefore: '2025-06-01T00:00:00Z',
  notAfter: '2027-01-01T00:00:00Z',
});
const peer = leaf(issuer, 'web.example', { san: [gn.dns('web.example')] });

/** `make()` until it gives DER of `length` bytes (ECDSA signatures vary by a byte or two). */
function ofLength(length: number, make: () => Minted): Minted {
  for (;;) {
    const m = make();
    if (m.der.length === length) return m;
  }
}

// Named as `issuer` and its anchor, signed by a key that is not the anchor's: a forgery the same size as
// `issuer`, and a leaf under it the size of `peer`, so a caller can swap one into the other's buffer.
const rogueSigner: Minted = { ...anchor, key: newKey() };
const rogue = ofLength(issuer.der.length, () =>
  intermediate(rogueSigner, 'Issuer', {
    notBefore: '2025-06-01T00:00:00Z',
    notAfter: '2027-01-01T00:00:00Z',
  }),
);
const forgedPeer = ofLength(peer.der.length, () =>
  leaf(rogue, 'web.example', { san: [gn.dns('web.example')] }),
);

/** A backend whose verify waits a turn and then runs `during` once, as a caller might while a call is pending. */
function slowBackend(during: () => void): CryptoBackend {
  const base = cryptoBackend();
  let pending: (() => void) | undefined = during;
  return {
    ...base,
    verifySync: undefined,
    async verify(...args) {
      const run = pending;
      pending = undefined;
      await Promise.resolve();
      run?.();
      return base.verify(...args);
    },
  };
}

afterEach(() => setCryptoBackend(undefined));

describe('inputs are read at the call', () => {
  it('verifies the bytes given, whatever the caller writes into them while the call is pending', async () => {
    for (const target of ['leaf', 'intermediate'] as const) {
      const verifier = new Verifier({ bundle: anchor.pem });
      const leafBuf = peer.der.slice();
      const issuerBuf = issuer.der.slice();
      const forged = target === 'leaf' ? forgedPeer.der : rogue.der;
      const buf = target === 'leaf' ? leafBuf : issuerBuf;
      setCryptoBackend(
        slowBackend(() => {
          buf.set(forged);
        }),
      );
      const first = await verifier.verify({ leaf: leafBuf, intermediates: [issuerBuf], at });
      expect(first.ok).toBe(true);
      setCryptoBackend(undefined);
      // The warm call on the forged pair gives what a cold one gives.
      const cold = await verifyChain({
        leaf: forgedPeer.der,
        intermediates: [rogue.der],
        bundle: anchor.pem,
        at,
      });
      const warm = await verifier.verify({ leaf: forgedPeer.der, intermediates: [rogue.der], at });
      expect(cold.ok).toBe(false);
      expect(warm).toEqual(cold);
    }
  });

  it('reads a parsed certificate as its DER, not its fields', async () => {
    const expired = intermediate(anchor, 'Issuer', {
      notBefore: '2020-01-01T00:00:00Z',
      notAfter: '2021-01-01T00:00:00Z',
    });
    const underExpired = leaf(expired, 'web.example', { san: [gn.dns('web.example')] });
    const edited = { ...parseCertificate(expired.der), notAfter: new Date('2030-01-01T00:00:00Z') };
    const result = await verifyChain({
      leaf: underExpired.der,
      intermediates: [edited],
      bundle: anchor.pem,
      at,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe('EXPIRED');
  });
});

describe('results share nothing with the caches', () => {
  it('keeps later verdicts when a result path is edited every way', async () => {
    const expired = intermediate(anchor, 'Old issuer', {
      notBefore: '2020-01-01T00:00:00Z',
      notAfter: '2021-01-01T00:00:00Z',
    });
    const oldPeer = leaf(expired, 'web.example', {
      san: [gn.dns('web.example')],
      notBefore: '2020-01-01T00:00:00Z',
      notAfter: '2020-12-01T00:00:00Z',
    });
    const verifier = new Verifier({ bundle: anchor.pem });
    const then = new Date('2020-06-01T00:00:00Z');
    const ok = await verifier.verify({ leaf: oldPeer.der, intermediates: [expired.der], at: then });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    for (const cert of ok.path) {
      cert.notAfter.setUTCFullYear(2100);
      Date.prototype.setTime.call(cert.notBefore, 0);
      cert.der.fill(0);
      cert.tbs.fill(0);
      cert.publicKey.der.fill(0);
      try {
        (cert as { basicConstraints: unknown }).basicConstraints = { ca: true, pathLen: undefined };
      } catch {}
    }
    // The copies the caller edited are its own: a second read still gives them, the caches do not.
    expect(ok.path[1]!.notAfter.getUTCFullYear()).toBe(2100);
    const later = await verifier.verify({ leaf: oldPeer.der, intermediates: [expired.der], at });
    expect(later).toEqual(
      await verifyChain({ leaf: oldPeer.der, intermediates: [expired.der], bundle: anchor.pem, at }),
    );
    expect(later.ok).toBe(false);
    const again = await verifier.verify({ leaf: oldPeer.der, intermediates: [expired.der], at: then });
    expect(again.ok).toBe(true);
  });

  it('hands out copies of a trust store anchors, and keeps its own', async () => {
    const store = createTrustStore(anchor.pem);
    const copies = store.anchors;
    expect(copies).toHaveLength(1);
    expect(store.anchors[0]).not.toBe(copies[0]);
    copies[0]!.notAfter.setUTCFullYear(1990);
    copies[0]!.der.fill(0);
    (store.anchors as unknown as unknown[]).push(rogue.cert);
    const result = await verifyChain({ leaf: peer.der, intermediates: [issuer.der], bundle: store, at });
    expect(result.ok).toBe(true);
    expect(store.size).toBe(1);
    expect(Object.isFrozen(store)).toBe(true);
  });

  it('copies a trust store input: later writes into the caller buffers change nothing', async () => {
    const buf = anchor.der.slice();
    const store = new TrustStore([buf]);
    buf.fill(0);
    const result = await verifyChain({ leaf: peer.der, intermediates: [issuer.der], bundle: store, at });
    expect(result.ok).toBe(true);
  });

  it('freezes what parsed certificates share', () => {
    const a = parseCertificate(peer.der);
    const b = parseCertificate(leaf(issuer, 'other.example', { san: [gn.dns('other.example')] }).der);
    expect(a.signatureAlgorithm).toBe(b.signatureAlgorithm);
    expect(Object.isFrozen(a.signatureAlgorithm)).toBe(true);
    expect(Object.isFrozen(a.issuer.rdns)).toBe(true);
    expect(() => {
      (a.signatureAlgorithm as { hash: string }).hash = 'SHA-1';
    }).toThrow(TypeError);
    expect(b.signatureAlgorithm.hash).toBe('SHA-256');
  });

  it('parses into its own memory', () => {
    const buf = peer.der.slice();
    const cert = parseCertificate(buf);
    buf.fill(0);
    expect(cert.der).toEqual(peer.der);
    expect(cert.subject.commonName).toBe(peer.cert.subject.commonName);
  });
});

describe('trust stores are built in linear time within the documented limit', () => {
  it('drops repeats by hash and refuses more than 100 distinct anchors in every form', () => {
    const repeats = Array.from({ length: 20_000 }, () => anchor.der);
    expect(createTrustStore(repeats).size).toBe(1);
    expect(new TrustStore(repeats).size).toBe(1);
    const many = Array.from({ length: 101 }, (_, i) => root(`Root ${i}`).der);
    for (const build of [() => createTrustStore(many), () => new TrustStore(many)]) {
      let code: string | undefined;
      try {
        build();
      } catch (e) {
        if (isPkiError(e)) code = e.code;
      }
      expect(code).toBe('ERR_INPUT_TOO_LARGE');
    }
    expect(createTrustStore(many.slice(0, 100)).size).toBe(100);
  });
});
