import { describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { createIssuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { issueLeafForKey } from '../src/leaf';
import { createTrustStore, type VerifyChainOptions, type VerifyResult, verifyChain } from '../src/verify';
import { OID } from '../src/x509/oids';
import { KeyUsage } from '../src/x509/types';
import { codeOfAsync } from './helpers/pki';
import { AT, extension, gn, intermediate, leaf, mint, newKey, root } from './verify-certs';

/** verifyChain at {@link AT}. */
function verify(options: Omit<VerifyChainOptions, 'at'> & { at?: Date }): Promise<VerifyResult> {
  return verifyChain({ at: AT, ...options });
}

function failureOf(result: VerifyResult): [string, number] | 'ok' {
  return result.ok ? 'ok' : [result.code, result.certIndex];
}

describe('verifyChain: a simple chain', () => {
  const anchor = root();
  const issuer = intermediate(anchor);
  const peer = leaf(issuer, 'web.example.com', {
    san: [gn.dns('web.example.com'), gn.uri('spiffe://example.org/web')],
  });

  it('builds leaf → issuer → anchor from any input form', async () => {
    for (const [l, i, b] of [
      [peer.pem, [issuer.pem], anchor.pem],
      [peer.der, [issuer.der], [anchor.der]],
      [peer.cert, [issuer.cert], createTrustStore([anchor.cert])],
    ] as const) {
      const result = await verify({ leaf: l, intermediates: i, bundle: b });
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(result.path.map((c) => c.subject.commonName)).toEqual([
        'web.example.com',
        'Test Intermediate',
        'Test Root',
      ]);
      expect(result.identity).toEqual({ dns: ['web.example.com'], spiffeId: 'spiffe://example.org/web' });
      expect(result.validUntil).toEqual(new Date('2035-01-01T00:00:00Z'));
    }
  });

  it('takes several certificates from one PEM string and ignores unparseable ones', async () => {
    const result = await verify({
      leaf: peer.pem,
      intermediates: [`${anchor.pem}${issuer.pem}`, 'junk', new Uint8Array([1])],
      bundle: anchor.pem,
    });
    expect(result.ok).toBe(true);
  });

  it('reports the earliest notAfter on the path as validUntil', async () => {
    const short = intermediate(anchor, 'Short', { notAfter: '2027-06-01T00:00:00Z' });
    const result = await verify({ leaf: leaf(short).pem, intermediates: [short.pem], bundle: anchor.pem });
    expect(result.ok && result.validUntil).toEqual(new Date('2027-06-01T00:00:00Z'));
  });

  it('fails UNKNOWN_ISSUER without the intermediate, or against another anchor', async () => {
    expect(failureOf(await verify({ leaf: peer.pem, bundle: anchor.pem }))).toEqual(['UNKNOWN_ISSUER', 0]);
    expect(
      failureOf(await verify({ leaf: peer.pem, intermediates: [issuer.pem], bundle: root('Other').pem })),
    ).toEqual(['UNKNOWN_ISSUER', 1]);
  });

  it('returns MALFORMED for an unparseable leaf and throws only for misuse', async () => {
    expect(failureOf(await verify({ leaf: new Uint8Array([0x30, 0]), bundle: anchor.pem }))).toEqual([
      'MALFORMED',
      0,
    ]);
    expect(await codeOfAsync(() => verify({ leaf: peer.pem, bundle: '' }))).toBe('ERR_BUNDLE_EMPTY');
    expect(await codeOfAsync(() => verify({ leaf: peer.pem, bundle: [] }))).toBe('ERR_BUNDLE_EMPTY');
    expect(await codeOfAsync(() => verify({ leaf: peer.pem, bundle: ['junk'] }))).toBe('ERR_BUNDLE_INVALID');
    expect(
      await codeOfAsync(() => verify({ leaf: peer.pem, bundle: anchor.pem, name: '*.example.com' })),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOfAsync(() => verify({ leaf: peer.pem, bundle: anchor.pem, maxDepth: -1 }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(
      await codeOfAsync(() => verify({ leaf: peer.pem, bundle: anchor.pem, at: new Date(Number.NaN) })),
    ).toBe('ERR_INVALID_ARGUMENT');
    for (const at of [Date.now(), '2026-01-01', null]) {
      expect(
        await codeOfAsync(() => verify({ leaf: peer.pem, bundle: anchor.pem, at: at as unknown as Date })),
      ).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(await codeOfAsync(() => verify({ leaf: 42 as never, bundle: anchor.pem }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('trusts a leaf that is itself an anchor, byte for byte', async () => {
    const selfSigned = mint({ cn: 'self.example.com', san: [gn.dns('self.example.com')] });
    const result = await verify({ leaf: selfSigned.pem, bundle: selfSigned.pem });
    expect(result.ok && result.path.length).toBe(1);
  });
});

describe('verifyChain: time', () => {
  const anchor = root('Root', { notBefore: '2025-01-01T00:00:00Z', notAfter: '2030-01-01T00:00:00Z' });
  const peer = leaf(anchor, 'a.example.com', {
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2026-02-01T00:00:00Z',
  });
  const at = (iso: string) => verify({ leaf: peer.pem, bundle: anchor.pem, at: new Date(iso) });

  it('treats notBefore and notAfter as inclusive, at whole seconds', async () => {
    expect((await at('2026-01-01T00:00:00Z')).ok).toBe(true);
    expect((await at('2026-02-01T00:00:00.999Z')).ok).toBe(true);
    expect(failureOf(await at('2026-02-01T00:00:01Z'))).toEqual(['EXPIRED', 0]);
    expect(failureOf(await at('2025-12-31T23:59:59.999Z'))).toEqual(['NOT_YET_VALID', 0]);
  });

  it('checks the anchor and intermediates too', async () => {
    const oldIssuer = intermediate(anchor, 'Old', { notAfter: '2025-06-01T00:00:00Z' });
    const result = await verify({
      leaf: leaf(oldIssuer).pem,
      intermediates: [oldIssuer.pem],
      bundle: anchor.pem,
    });
    expect(failureOf(result)).toEqual(['EXPIRED', 1]);
    const expiredRoot = root('Expired', { notAfter: '2025-06-01T00:00:00Z' });
    expect(failureOf(await verify({ leaf: leaf(expiredRoot).pem, bundle: expiredRoot.pem }))).toEqual([
      'EXPIRED',
      1,
    ]);
  });
});

describe('verifyChain: path building', () => {
  it('backtracks over an issuer of the same name and key id that did not sign (issuer rotation)', async () => {
    const anchor = root();
    const oldIssuer = intermediate(anchor, 'Issuer');
    const newIssuer = intermediate(anchor, 'Issuer', { key: { ...newKey(), keyId: oldIssuer.key.keyId } });
    const peer = leaf(newIssuer);
    const result = await verify({
      leaf: peer.pem,
      intermediates: [oldIssuer.pem, newIssuer.pem],
      bundle: anchor.pem,
    });
    expect(result.ok && result.path[1]?.der).toEqual(newIssuer.der);
  });

  it('verifies against any anchor of a multi-anchor bundle (anchor rotation)', async () => {
    const oldAnchor = root('Old Root');
    const newAnchor = root('New Root');
    const issuer = intermediate(newAnchor);
    const result = await verify({
      leaf: leaf(issuer).pem,
      intermediates: [issuer.pem],
      bundle: `${oldAnchor.pem}${newAnchor.pem}`,
    });
    expect(result.ok && result.path.at(-1)?.der).toEqual(newAnchor.der);
  });

  it('follows a cross-signature when the first path fails', async () => {
    const oldRoot = root('Old Root', { notAfter: '2025-06-01T00:00:00Z' });
    const newRoot = root('New Root');
    const key = newKey();
    const viaOld = intermediate(oldRoot, 'Issuer', { key });
    const viaNew = intermediate(newRoot, 'Issuer', { key });
    const peer = leaf(viaOld);
    const result = await verify({
      leaf: peer.pem,
      intermediates: [viaOld.pem, viaNew.pem],
      bundle: `${oldRoot.pem}${newRoot.pem}`,
    });
    expect(result.ok && result.path.map((c) => c.subject.commonName)).toEqual([
      'leaf.example.com',
      'Issuer',
      'New Root',
    ]);
  });

  it('ignores a presented copy of the anchor', async () => {
    const anchor = root();
    const issuer = intermediate(anchor);
    const result = await verify({
      leaf: leaf(issuer).pem,
      intermediates: [anchor.pem, issuer.pem],
      bundle: anchor.pem,
    });
    expect(result.ok && result.path.length).toBe(3);
  });
});

describe('verifyChain: issuer rules', () => {
  const anchor = root();
  async function viaIssuer(
    spec: Parameters<typeof intermediate>[2],
    leafSpec = {},
    profile: 'linkerd' | 'strict' = 'linkerd',
  ) {
    const issuer = intermediate(anchor, 'Issuer', spec);
    return failureOf(
      await verify({
        leaf: leaf(issuer, 'a.example.com', leafSpec).pem,
        intermediates: [issuer.pem],
        bundle: anchor.pem,
        profile,
      }),
    );
  }
  /** {@link viaIssuer} under the strict profile. */
  const strictly = (spec: Parameters<typeof intermediate>[2], leafSpec = {}) =>
    viaIssuer(spec, leafSpec, 'strict');

  it('needs a CA with keyCertSign; the strict profile also critical basicConstraints, a keyUsage and a subjectKeyIdentifier', async () => {
    expect(await viaIssuer({})).toBe('ok');
    expect(await viaIssuer({ ca: false, keyUsage: KeyUsage.digitalSignature })).toEqual(['NOT_A_CA', 1]);
    expect(await viaIssuer({ keyUsage: KeyUsage.cRLSign })).toEqual(['KEY_USAGE', 1]);
    expect(await viaIssuer({ keyUsage: null })).toBe('ok');
    expect(await strictly({ keyUsage: null })).toEqual(['KEY_USAGE', 1]);
    expect(await viaIssuer({ omitSki: true })).toBe('ok');
    expect(await strictly({ omitSki: true })).toEqual(['PROFILE_VIOLATION', 1]);
    expect(await viaIssuer({ omitAki: true })).toBe('ok');
    expect(await strictly({ omitAki: true })).toEqual(['PROFILE_VIOLATION', 1]);
    const nonCriticalBc = extension(OID.basicConstraints, false, new Uint8Array([0x30, 3, 1, 1, 0xff]));
    const nonCritical = { ca: false, keyUsage: KeyUsage.keyCertSign, extensions: [nonCriticalBc] };
    expect(await viaIssuer(nonCritical)).toBe('ok');
    expect(await strictly(nonCritical)).toEqual(['NOT_A_CA', 1]);
  });

  it('refuses unknown critical extensions on the path, and not elsewhere', async () => {
    const unknown = extension('1.3.6.1.4.1.55738.666.1', true, new Uint8Array([5, 0]));
    expect(await viaIssuer({ extensions: [unknown] })).toEqual(['UNKNOWN_CRITICAL_EXTENSION', 1]);
    expect(await viaIssuer({}, { extensions: [unknown] })).toEqual(['UNKNOWN_CRITICAL_EXTENSION', 0]);
    const unrelated = root('Unrelated', { extensions: [unknown] });
    const issuer = intermediate(anchor);
    const result = await verify({
      leaf: leaf(issuer).pem,
      intermediates: [issuer.pem],
      bundle: [unrelated.pem, anchor.pem],
    });
    expect(result.ok).toBe(true);
  });

  it('enforces pathLenConstraint, counting self-issued intermediates only by default (as Go and rustls-webpki)', async () => {
    const pl0 = intermediate(anchor, 'PL0', { pathLen: 0 });
    const below = intermediate(pl0, 'Below');
    const result = await verify({
      leaf: leaf(below).pem,
      intermediates: [pl0.pem, below.pem],
      bundle: anchor.pem,
    });
    expect(failureOf(result)).toEqual(['PATH_LEN_EXCEEDED', 2]);
    const pl1 = intermediate(anchor, 'PL1', { pathLen: 1 });
    const rekeyed = intermediate(pl1, 'PL1'); // self-issued: same name
    const last = intermediate(rekeyed, 'Last', { pathLen: 0 });
    const rekeyedChain = {
      leaf: leaf(last).pem,
      intermediates: [pl1.pem, rekeyed.pem, last.pem],
      bundle: anchor.pem,
    };
    // RFC 5280 (strict): the self-issued one does not count, so PL1's pathLenConstraint 1 holds.
    const ok = await verify({ ...rekeyedChain, profile: 'strict' });
    expect(ok.ok && ok.path.length).toBe(5);
    // By default it counts, as in Go and rustls-webpki: two intermediates below PL1.
    expect(failureOf(await verify(rekeyedChain))).toEqual(['PATH_LEN_EXCEEDED', 3]);
  });

  it('limits the number of intermediates with maxDepth', async () => {
    const a = intermediate(anchor, 'A');
    const b = intermediate(a, 'B');
    const peer = leaf(b).pem;
    const chain = { leaf: peer, intermediates: [a.pem, b.pem], bundle: anchor.pem };
    expect((await verify({ ...chain, maxDepth: 2 })).ok).toBe(true);
    expect(failureOf(await verify({ ...chain, maxDepth: 1 }))).toEqual(['DEPTH_EXCEEDED', 3]);
    expect(failureOf(await verify({ leaf: leaf(anchor).pem, bundle: anchor.pem, maxDepth: 0 }))).toBe('ok');
  });

  it('applies extended key usage to the leaf and, when present, to CAs', async () => {
    const serverOnly = { eku: [OID.serverAuth] };
    const issuer = intermediate(anchor);
    const run = async (leafSpec: object, usage: 'server' | 'client' | 'any', issuerCert = issuer) =>
      failureOf(
        await verify({
          leaf: leaf(issuerCert, 'a.example.com', leafSpec).pem,
          intermediates: [issuerCert.pem],
          bundle: anchor.pem,
          usage,
        }),
      );
    expect(await run(serverOnly, 'server')).toBe('ok');
    expect(await run(serverOnly, 'client')).toEqual(['EXT_KEY_USAGE', 0]);
    expect(await run(serverOnly, 'any')).toBe('ok');
    expect(await run({ eku: undefined }, 'client')).toBe('ok');
    expect(await run({ eku: [OID.anyExtendedKeyUsage] }, 'server')).toEqual(['EXT_KEY_USAGE', 0]);
    const serverCa = intermediate(anchor, 'Server CA', serverOnly);
    expect(await run({}, 'client', serverCa)).toEqual(['EXT_KEY_USAGE', 1]);
    expect(await run({}, 'server', serverCa)).toBe('ok');
    const anyCa = intermediate(anchor, 'Any CA', { eku: [OID.anyExtendedKeyUsage] });
    expect(await run({}, 'client', anyCa)).toBe('ok');
  });

  it('strict profile: refuses a leaf that claims to be a signer without being a CA, and name constraints outside CAs', async () => {
    expect(await strictly({}, { keyUsage: KeyUsage.keyCertSign })).toEqual(['KEY_USAGE', 0]);
    expect(await strictly({}, { permitted: [gn.dns('example.com')] })).toEqual(['PROFILE_VIOLATION', 0]);
    expect(await viaIssuer({}, { keyUsage: KeyUsage.keyCertSign })).toBe('ok');
    expect(await viaIssuer({}, { permitted: [gn.dns('example.com')] })).toBe('ok');
  });

  it('checks the serial numbers of issued certificates (zero and long ones under the strict profile)', async () => {
    expect(await strictly({}, { serial: new Uint8Array([0]) })).toEqual(['PROFILE_VIOLATION', 0]);
    expect(await viaIssuer({}, { serial: new Uint8Array([0]) })).toBe('ok');
    expect(await viaIssuer({}, { serial: new Uint8Array([0xff]) })).toEqual(['PROFILE_VIOLATION', 0]);
    expect(await strictly({}, { serial: new Uint8Array([0xff]) })).toEqual(['PROFILE_VIOLATION', 0]);
    expect(await strictly({}, { serial: new Uint8Array(21).fill(1) })).toEqual(['PROFILE_VIOLATION', 0]);
    expect(await viaIssuer({}, { serial: new Uint8Array(21).fill(1) })).toBe('ok');
    expect(await strictly({}, { serial: Uint8Array.from([0, 0x80, ...new Array(19).fill(1)]) })).toBe('ok');
  });

  it('strict profile: wants subjectAltName critical exactly when the subject is empty', async () => {
    expect(await strictly({}, { subject: new Uint8Array([0x30, 0]), sanCritical: true })).toBe('ok');
    expect(await strictly({}, { subject: new Uint8Array([0x30, 0]) })).toEqual(['PROFILE_VIOLATION', 0]);
    expect(await strictly({}, { sanCritical: true })).toEqual(['PROFILE_VIOLATION', 0]);
    expect(await viaIssuer({}, { subject: new Uint8Array([0x30, 0]) })).toBe('ok');
    expect(await viaIssuer({}, { sanCritical: true })).toBe('ok');
  });
});

describe('verifyChain: algorithm policy', () => {
  it('accepts ECDSA P-256/P-384 with SHA-256/384 and RSA-2048', async () => {
    for (const [kind, sigAlg] of [
      ['p256', 'ecdsa-sha384'],
      ['p384', 'ecdsa-sha256'],
      ['p384', 'ecdsa-sha384'],
      ['rsa2048', 'rsa-sha256'],
    ] as const) {
      const anchor = root('Root', { key: newKey(kind) });
      const result = await verify({
        leaf: leaf(anchor, 'a.example.com', { sigAlg }).pem,
        bundle: anchor.pem,
      });
      expect(failureOf(result), `${kind} ${sigAlg}`).toBe('ok');
    }
  });

  it('refuses SHA-1, P-521 and small RSA keys, on the path and in the leaf', async () => {
    const anchor = root();
    expect(
      failureOf(
        await verify({
          leaf: leaf(anchor, 'a.example.com', { sigAlg: 'ecdsa-sha1' }).pem,
          bundle: anchor.pem,
        }),
      ),
    ).toEqual(['UNSUPPORTED_ALGORITHM', 0]);
    const p521 = root('P-521', { key: newKey('p521'), sigAlg: 'ecdsa-sha256' });
    expect(failureOf(await verify({ leaf: leaf(p521).pem, bundle: p521.pem }))).toEqual([
      'UNSUPPORTED_ALGORITHM',
      1,
    ]);
    const weak = root('Weak', { key: newKey('rsa1024') });
    expect(failureOf(await verify({ leaf: leaf(weak).pem, bundle: weak.pem }))).toEqual(['WEAK_KEY', 1]);
    expect(
      failureOf(
        await verify({
          leaf: leaf(anchor, 'a.example.com', { key: newKey('rsa1024') }).pem,
          bundle: anchor.pem,
        }),
      ),
    ).toEqual(['WEAK_KEY', 0]);
  });

  it('fails BAD_SIGNATURE for a tampered signature', async () => {
    const anchor = root();
    const der = Uint8Array.from(leaf(anchor).der);
    der[der.length - 5]! ^= 1;
    expect(failureOf(await verify({ leaf: der, bundle: anchor.pem }))).toEqual(['BAD_SIGNATURE', 0]);
  });
});

describe('verifyChain: what l5d-pki mints', () => {
  it('verifies an anchor → issuer → workload leaf chain, and the issuer alone', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const anchor = await createTrustAnchor({ now });
    const issuer = await createIssuer({ anchor, now });
    const identity = 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local';
    const workload = await issueLeafForKey({
      issuer,
      identity,
      now,
      publicKey: (await generateKeyPair()).publicKey,
    });
    const at = new Date('2026-03-01T01:00:00Z');
    const result = await verifyChain({
      leaf: workload.der,
      intermediates: [issuer.der],
      bundle: anchor.pem,
      at,
      usage: 'server',
      name: identity,
    });
    expect(result.ok && result.identity).toEqual({
      dns: [identity],
      spiffeId: 'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/web',
    });
    expect((await verifyChain({ leaf: issuer.pem, bundle: anchor.pem, at })).ok).toBe(true);
  });
});
