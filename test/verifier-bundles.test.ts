/**
 * A `Verifier` over SPIFFE bundles keyed by trust domain: each leaf is verified against its own trust
 * domain's anchors only, warm as cold, on both crypto backends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setCryptoBackend } from '../src/crypto/backend';
import { webCryptoBackend } from '../src/crypto/webcrypto';
import { isPkiError } from '../src/errors';
import { TrustBundleSet, Verifier, verifyChain } from '../src/verify';
import { gn, intermediate, leaf, type Minted, root } from './verify-certs';

const at = new Date('2026-01-01T00:00:00Z');
const mesh = 'identity.linkerd.cluster.local';
const partner = 'example.org';
const meshAnchor = root('Mesh root', { notAfter: '2034-01-01T00:00:00Z' });
const meshIssuer = intermediate(meshAnchor, 'Mesh issuer', { notAfter: '2030-01-01T00:00:00Z' });
const partnerAnchor = root('Partner root', { notAfter: '2034-01-01T00:00:00Z' });
const partnerIssuer = intermediate(partnerAnchor, 'Partner issuer', { notAfter: '2030-01-01T00:00:00Z' });

function svid(issuer: Minted, id: string): Minted {
  return leaf(issuer, 'svid.example', { san: [gn.uri(id)] });
}

const cases = {
  'a mesh SVID under the mesh issuer': [svid(meshIssuer, `spiffe://${mesh}/ns/shop/sa/web`), meshIssuer],
  'a partner SVID under the partner issuer': [
    svid(partnerIssuer, `spiffe://${partner}/billing`),
    partnerIssuer,
  ],
  'a mesh ID signed by the partner issuer': [
    svid(partnerIssuer, `spiffe://${mesh}/ns/shop/sa/admin`),
    partnerIssuer,
  ],
  'a partner ID signed by the mesh issuer': [svid(meshIssuer, `spiffe://${partner}/billing`), meshIssuer],
  'an ID of a trust domain without a bundle': [svid(meshIssuer, 'spiffe://other.example/x'), meshIssuer],
  'a leaf without a SPIFFE ID': [leaf(meshIssuer, 'web.example'), meshIssuer],
} as const;

const expected: Record<keyof typeof cases, string> = {
  'a mesh SVID under the mesh issuer': 'ok',
  'a partner SVID under the partner issuer': 'ok',
  'a mesh ID signed by the partner issuer': 'refused by the mesh anchors',
  'a partner ID signed by the mesh issuer': 'refused by the partner anchors',
  'an ID of a trust domain without a bundle': 'TRUST_DOMAIN_UNKNOWN',
  'a leaf without a SPIFFE ID': 'TRUST_DOMAIN_UNKNOWN',
};

afterEach(() => setCryptoBackend(undefined));

describe.each([
  ['node:crypto', () => undefined],
  ['WebCrypto', () => webCryptoBackend(globalThis.crypto.subtle)],
])('Verifier with bundles keyed by trust domain (%s)', (_, backend) => {
  it('verifies each leaf against its own trust domain only, warm as cold', async () => {
    setCryptoBackend(backend());
    const bundles = { [mesh]: meshAnchor.pem, [partner]: partnerAnchor.pem };
    const verifier = new Verifier({ bundles });
    expect(verifier.store).toBeUndefined();
    expect(verifier.bundles?.trustDomains).toEqual([mesh, partner]);
    for (let round = 0; round < 2; round++) {
      for (const [name, [peer, issuer]] of Object.entries(cases)) {
        const result = await verifier.verify({ leaf: peer.der, intermediates: [issuer.der], at });
        const want = expected[name as keyof typeof cases];
        if (want === 'ok') expect(result.ok, name).toBe(true);
        else if (want === 'TRUST_DOMAIN_UNKNOWN') {
          expect(result.ok ? 'ok' : result.code, name).toBe('TRUST_DOMAIN_UNKNOWN');
        } else {
          // The one trust domain's anchors decide, exactly as a cold verification against them alone.
          const domain = want.includes('mesh') ? meshAnchor : partnerAnchor;
          const cold = await verifyChain({
            leaf: peer.der,
            intermediates: [issuer.der],
            bundle: domain.pem,
            at,
          });
          expect(cold.ok, name).toBe(false);
          expect(result, name).toEqual(cold);
        }
      }
    }
    expect(verifier.cacheSize).toBe(2);
    verifier.clearCache();
    expect(verifier.cacheSize).toBe(0);
  });

  it('takes a TrustBundleSet, and refuses both or neither of bundle and bundles', () => {
    setCryptoBackend(backend());
    const set = new TrustBundleSet({ [mesh]: meshAnchor.pem });
    expect(new Verifier({ bundles: set }).bundles?.has(mesh)).toBe(true);
    for (const options of [{}, { bundle: meshAnchor.pem, bundles: set }]) {
      let code: string | undefined;
      try {
        new Verifier(options);
      } catch (e) {
        if (isPkiError(e)) code = e.code;
      }
      expect(code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});
