// Both builds of the package loaded in one process, as a dual package often is (an ESM app with a CJS
// dependency that requires l5d-pki): each copy recognises the other's errors, trust stores and bundle
// sets. Runs against dist/ (`npm run build`); CI builds before it tests.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const dist = new URL('../dist/', import.meta.url);
const built = ['index.js', 'index.cjs', 'node.cjs'].every((f) => existsSync(new URL(f, dist)));

type Lib = typeof import('../src/index');

async function builds(): Promise<{ esm: Lib; cjs: Lib; nodeCjs: Lib }> {
  const require = createRequire(import.meta.url);
  const esm = (await import(new URL('index.js', dist).href)) as Lib;
  const cjs = require(new URL('index.cjs', dist).pathname) as Lib;
  const nodeCjs = require(new URL('node.cjs', dist).pathname) as Lib;
  return { esm, cjs, nodeCjs };
}

const IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const NOW = new Date('2026-03-01T12:00:00Z');

describe.skipIf(!built && !process.env.CI)('the ESM and the CJS build in one process', () => {
  it('are distinct copies (instanceof does not cross them)', async () => {
    const { esm, cjs } = await builds();
    expect(esm.PkiError).not.toBe(cjs.PkiError);
    expect(new cjs.PkiError('ERR_DER', 'x') instanceof esm.PkiError).toBe(false);
  });

  it('isPkiError recognises the other copy’s errors, both ways, with their code', async () => {
    const { esm, cjs, nodeCjs } = await builds();
    const fromCjs = (() => {
      try {
        cjs.parseCertificate(new Uint8Array([1, 2, 3]));
      } catch (e) {
        return e;
      }
    })();
    const fromEsm = (() => {
      try {
        esm.parseDuration('1d');
      } catch (e) {
        return e;
      }
    })();
    expect(esm.isPkiError(fromCjs)).toBe(true);
    expect(esm.isPkiError(fromCjs, 'ERR_CERT_INVALID')).toBe(true);
    expect(esm.isPkiError(fromCjs, 'ERR_DER')).toBe(false);
    expect(cjs.isPkiError(fromEsm, 'ERR_DURATION_INVALID')).toBe(true);
    expect(nodeCjs.isPkiError(fromEsm, 'ERR_DURATION_INVALID')).toBe(true);
    expect(esm.isPkiError(new nodeCjs.PkiError('ERR_KEY_INVALID', 'x'), 'ERR_KEY_INVALID')).toBe(true);
    // The brand alone is not enough: the code must be one of the library's.
    const forged = Object.assign(new Error('x'), { code: 'ERR_NOT_A_CODE' });
    Object.defineProperty(forged, Symbol.for('l5d-pki.PkiError'), { value: true });
    expect(esm.isPkiError(forged)).toBe(false);
    expect(cjs.isPkiError(Object.assign(new Error('x'), { code: 'ERR_DER' }))).toBe(false);
  });

  it('a TrustStore of one copy verifies in the other, both ways, rebuilt from its anchors', async () => {
    const { esm, cjs, nodeCjs } = await builds();
    const anchor = await cjs.createTrustAnchor({ now: NOW });
    const issuer = await cjs.createIssuer({ anchor, now: NOW });
    const key = await cjs.generateKeyPair();
    const leaf = await cjs.issueLeafForKey({
      issuer,
      publicKey: key.publicKey,
      identity: IDENTITY,
      now: NOW,
    });
    const input = { leaf: leaf.der, intermediates: leaf.chain, at: NOW, name: IDENTITY };

    const cjsStore = cjs.createTrustStore(anchor.pem);
    const esmStore = esm.createTrustStore(anchor.pem);
    expect((await esm.verifyChain({ ...input, bundle: cjsStore })).ok).toBe(true);
    expect((await new esm.Verifier({ bundle: cjsStore }).verify(input)).ok).toBe(true);
    expect((await cjs.verifyChain({ ...input, bundle: esmStore })).ok).toBe(true);
    expect((await new nodeCjs.Verifier({ bundle: esmStore }).verify(input)).ok).toBe(true);

    // A copy of the anchors, not the other store itself: nothing is shared between the copies.
    const adopted = esm.createTrustStore(cjsStore);
    expect(adopted).not.toBe(cjsStore);
    expect(adopted).toBeInstanceOf(esm.TrustStore);
    expect(adopted.size).toBe(1);
    expect(adopted.has(anchor.der)).toBe(true);

    // And it still decides: a store of another anchor, from the other copy, refuses the leaf.
    const stranger = await esm.createTrustAnchor({ now: NOW });
    const strangerStore = esm.createTrustStore([stranger.certificate]);
    const refused = await cjs.verifyChain({ ...input, bundle: strangerStore });
    expect(refused.ok).toBe(false);
  });

  it('a TrustBundleSet of one copy is accepted by the other', async () => {
    const { esm, cjs } = await builds();
    const anchor = await esm.createTrustAnchor({ now: NOW });
    const issuer = await esm.createIssuer({ anchor, now: NOW });
    const key = await esm.generateKeyPair();
    const leaf = await esm.issueLeafForKey({
      issuer,
      publicKey: key.publicKey,
      identity: IDENTITY,
      now: NOW,
    });
    const set = esm.createTrustBundleSet({ 'identity.linkerd.cluster.local': anchor.pem });
    const adopted = cjs.createTrustBundleSet(set);
    expect(adopted).not.toBe(set);
    expect(adopted.trustDomains).toEqual(['identity.linkerd.cluster.local']);
    const result = await cjs.verifySvid({ leaf: leaf.der, intermediates: leaf.chain, bundles: set, at: NOW });
    expect(result.ok).toBe(true);
  });
});
