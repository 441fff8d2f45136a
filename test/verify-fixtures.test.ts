import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodePem } from '../src/pem';
import { matchMemberOf } from '../src/spiffe';
import { type VerifyResult, verifyChain, verifyLinkerdPeer, verifySvid } from '../src/verify';
import { parseCertificate } from '../src/x509/certificate';
import { dataText } from './helpers/fixtures';
import { gn, leaf, type Minted } from './verify-certs';

function outcome(result: VerifyResult): string | [string, number] {
  return result.ok ? 'ok' : [result.code, result.certIndex];
}

describe('linkerd check fixtures', () => {
  const file = (name: string) => dataText(`fixtures/linkerd-check/${name}.pem`);
  const verify = (crt: string, anchors: string, at = new Date('2026-03-01T00:00:00Z')) =>
    verifyChain({ leaf: file(`${crt}-crt`), bundle: file(`${anchors}-trust-anchors`), at });

  it('verifies the issuer certificates against their trust anchors', async () => {
    const valid = await verify('valid', 'valid');
    expect(valid.ok && valid.path.length).toBe(2);
    expect(valid.ok && valid.identity).toEqual({ dns: ['identity.linkerd.cluster.local'] });
    expect(outcome(await verify('valid-with-rsa-anchor', 'valid-with-rsa-anchor'))).toBe('ok');
    expect(outcome(await verify('wrong-domain', 'wrong-domain'))).toBe('ok');
  });

  it('fails expired, not yet valid, P-521 and foreign certificates with their codes', async () => {
    expect(outcome(await verify('expired', 'expired'))).toEqual(['EXPIRED', 0]);
    expect(outcome(await verify('expired', 'expired', new Date('1989-06-01T00:00:00Z')))).not.toEqual([
      'EXPIRED',
      0,
    ]);
    expect(outcome(await verify('not-valid-yet', 'not-valid-yet'))).toEqual(['NOT_YET_VALID', 0]);
    expect(outcome(await verify('wrong-algo', 'wrong-algo'))).toEqual(['UNSUPPORTED_ALGORITHM', 0]);
    expect(outcome(await verify('wrong-domain', 'valid'))).toEqual(['UNKNOWN_ISSUER', 0]);
    expect(outcome(await verify('valid', 'wrong-domain'))).toEqual(['UNKNOWN_ISSUER', 0]);
  });

  it('checks a peer identity the way the proxy does, for a leaf of the fixture issuer', async () => {
    const issuerCert = parseCertificate(file('valid-crt'));
    const issuer: Minted = {
      cert: issuerCert,
      der: issuerCert.der,
      pem: file('valid-crt'),
      key: {
        privateKey: createPrivateKey(file('valid-key')),
        spki: issuerCert.publicKey.der,
        keyId: issuerCert.subjectKeyId!,
      },
    };
    const identity = 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local';
    const spiffeId = 'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/web';
    const peerLeaf = leaf(issuer, identity, { san: [gn.dns(identity), gn.uri(spiffeId)] });
    const peer = (leafPem: string, expectedIdentity: string) =>
      verifyLinkerdPeer({
        leaf: leafPem,
        intermediates: [file('valid-crt')],
        bundle: file('valid-trust-anchors'),
        expectedIdentity,
        at: new Date('2026-03-01T00:00:00Z'),
      });
    expect(outcome(await peer(peerLeaf.pem, identity))).toBe('ok');
    expect(outcome(await peer(peerLeaf.pem, spiffeId))).toBe('ok');
    expect(outcome(await peer(peerLeaf.pem, identity.toUpperCase()))).toBe('ok'); // DNS names ignore case
    expect(
      outcome(await peer(peerLeaf.pem, 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local')),
    ).toEqual(['NAME_MISMATCH', 0]);
    expect(outcome(await peer(file('valid-crt'), 'identity.linkerd.cluster.local'))).toEqual([
      'PROFILE_VIOLATION',
      0,
    ]);
  });
});

describe('go-spiffe x509svid fixtures', () => {
  /** The certificates of a fixture file, in order. */
  const certs = (name: string) =>
    decodePem(dataText(`fixtures/x509svid/${name}.pem`))
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => b.der);
  /**
   * Verifies a fixture's chain against its own root (the file's last certificate) as the bundle of
   * `trustDomain` (the fixtures' IDs are in example.org).
   */
  const verifyOwn = (
    name: string,
    at: string,
    expectedId?: string | ((id: string) => boolean),
    trustDomain = 'example.org',
  ) => {
    const [leafDer, ...rest] = certs(name);
    return verifySvid({
      leaf: leafDer!,
      intermediates: rest,
      bundle: [certs(name).at(-1)!],
      trustDomain,
      at: new Date(at),
      ...(expectedId === undefined ? {} : { expectedId }),
    });
  };

  it('accepts the good SVIDs, with their SPIFFE ID', async () => {
    for (const [name, at] of [
      ['good-leaf-only', '2024-01-01T00:00:00Z'],
      ['good-leaf-and-intermediate', '2020-03-24T14:30:00Z'],
      ['good-cert-and-key', '2020-03-24T14:30:00Z'],
      ['good-key-and-cert', '2020-03-24T14:30:00Z'],
    ] as const) {
      const result = await verifyOwn(name, at);
      expect(outcome(result), name).toBe('ok');
      expect(result.ok && result.spiffeId, name).toBe('spiffe://example.org/workload-1');
    }
  });

  it('refuses every wrong SVID with SVID_INVALID, naming the certificate', async () => {
    const at = '2024-01-01T00:00:00Z';
    for (const [name, index] of [
      ['wrong-leaf-ca-true', 0],
      ['wrong-leaf-cert-sign', 0],
      ['wrong-leaf-crl-sign', 0],
      ['wrong-leaf-empty-id', 0],
      ['wrong-leaf-no-digital-signature', 0],
      ['wrong-intermediate-no-ca', 1],
      ['wrong-intermediate-no-key-cert-sign', 1],
    ] as const) {
      expect(outcome(await verifyOwn(name, at)), name).toEqual(['SVID_INVALID', index]);
    }
  });

  it('checks the expected ID, as a string or a matcher', async () => {
    const at = '2024-01-01T00:00:00Z';
    expect(outcome(await verifyOwn('good-leaf-only', at, 'spiffe://example.org/workload-1'))).toBe('ok');
    expect(outcome(await verifyOwn('good-leaf-only', at, 'spiffe://example.org/workload-2'))).toEqual([
      'NAME_MISMATCH',
      0,
    ]);
    expect(outcome(await verifyOwn('good-leaf-only', at, matchMemberOf('example.org')))).toBe('ok');
    expect(outcome(await verifyOwn('good-leaf-only', at, matchMemberOf('example.com')))).toEqual([
      'NAME_MISMATCH',
      0,
    ]);
  });

  it("refuses a good SVID when the bundle is another trust domain's, as go-spiffe does", async () => {
    const at = '2024-01-01T00:00:00Z';
    for (const name of ['good-leaf-only', 'good-leaf-and-intermediate'] as const) {
      const when = name === 'good-leaf-only' ? at : '2020-03-24T14:30:00Z';
      expect(outcome(await verifyOwn(name, when, undefined, 'example.com')), name).toEqual([
        'TRUST_DOMAIN_UNKNOWN',
        0,
      ]);
    }
    // An SVID rule is still reported first, as go-spiffe checks the leaf before looking up its bundle.
    expect(outcome(await verifyOwn('wrong-leaf-ca-true', at, undefined, 'example.com'))).toEqual([
      'SVID_INVALID',
      0,
    ]);
  });

  it('reports a corrupt certificate as MALFORMED and an expired SVID as EXPIRED', async () => {
    const corrupt = await verifySvid({
      leaf: dataText('fixtures/x509svid/corrupt-cert.pem'),
      bundle: certs('good-leaf-only'),
      trustDomain: 'example.org',
    });
    expect(outcome(corrupt)).toEqual(['MALFORMED', 0]);
    expect(outcome(await verifyOwn('good-leaf-and-intermediate', '2026-01-01T00:00:00Z'))).toEqual([
      'EXPIRED',
      0,
    ]);
  });
});
