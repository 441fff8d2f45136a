// X509-SVIDs verify only against the anchors of their own trust domain: a bundle is bound to one trust
// domain (go-spiffe's x509bundle.Bundle and Set), and an SVID of any other domain is refused.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { setCryptoBackend } from '../src/crypto/backend';
import { webCryptoBackend } from '../src/crypto/webcrypto';
import { matchMemberOf } from '../src/spiffe';
import {
  createTrustBundleSet,
  createTrustStore,
  MAX_TRUST_DOMAINS,
  type SvidVerifyResult,
  TrustBundleSet,
  type TrustBundleSetInput,
  VERIFY_FAILURE_CODES,
  type VerifySvidOptions,
  verifySvid,
} from '../src/verify';
import { codeOf, codeOfAsync } from './helpers/pki';
import { AT, gn, intermediate, type Minted, mint, root } from './verify-certs';

const MESH = 'identity.linkerd.cluster.local';
const MESH_ID = `spiffe://${MESH}/ns/shop/sa/web`;
const PARTNER = 'example.org';
const PARTNER_ID = `spiffe://${PARTNER}/workload-1`;

/** An X509-SVID: one URI SAN, keyUsage digitalSignature, not a CA. */
function svid(issuer: Minted, id: string): Minted {
  return mint({ cn: 'svid', issuer, san: [gn.uri(id)] });
}

function outcome(result: SvidVerifyResult): string | [string, number] {
  return result.ok ? 'ok' : [result.code, result.certIndex];
}

/** `options` with the validation time of the minted certificates. */
function verify(options: Omit<VerifySvidOptions, 'at'>): Promise<SvidVerifyResult> {
  return verifySvid({ ...options, at: AT });
}

const meshCa = root('Mesh Root');
const partnerCa = root('Partner Root');
const otherCa = root('Other Root');

describe('a single bundle is bound to one trust domain', () => {
  it('verifies an SVID of the bundle trust domain, and reports that domain', async () => {
    const result = await verify({ leaf: svid(meshCa, MESH_ID).der, bundle: meshCa.pem, trustDomain: MESH });
    expect(outcome(result)).toBe('ok');
    expect(result.ok && [result.spiffeId, result.trustDomain]).toEqual([MESH_ID, MESH]);
  });

  it('refuses an SVID of another trust domain signed under the bundle (TRUST_DOMAIN_UNKNOWN)', async () => {
    // The same CA signed it: before trust domains bound bundles, this verified.
    const foreign = svid(meshCa, PARTNER_ID);
    const result = await verify({ leaf: foreign.der, bundle: meshCa.pem, trustDomain: MESH });
    expect(outcome(result)).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
    expect(!result.ok && result.reason).toBe(
      `no X.509 bundle for trust domain "${PARTNER}": the bundle is trust domain "${MESH}"'s`,
    );
    expect(VERIFY_FAILURE_CODES).toContain('TRUST_DOMAIN_UNKNOWN');
  });

  it('compares trust domains exactly: no suffix, prefix or case games', async () => {
    for (const id of [
      `spiffe://${MESH}.evil/ns/shop/sa/web`,
      `spiffe://evil.${MESH}/ns/shop/sa/web`,
      'spiffe://identity.linkerd.cluster/ns/shop/sa/web',
      'spiffe://identity.linkerd.cluster.local./ns/shop/sa/web',
    ]) {
      const result = await verify({ leaf: svid(meshCa, id).der, bundle: meshCa.pem, trustDomain: MESH });
      expect(outcome(result), id).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
    }
  });

  it('a bundle alone binds nothing: the call throws instead of trusting any trust domain', async () => {
    const foreign = svid(meshCa, PARTNER_ID);
    // Without a trust domain, this verified an SVID of any trust domain before.
    expect(await codeOfAsync(() => verifySvid({ leaf: foreign.der, bundle: meshCa.pem, at: AT }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    // A matcher is opaque: it implies no trust domain.
    expect(
      await codeOfAsync(() =>
        verifySvid({ leaf: foreign.der, bundle: meshCa.pem, at: AT, expectedId: matchMemberOf(MESH) }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
  });

  it('an expectedId SPIFFE ID implies the bundle trust domain', async () => {
    const web = svid(meshCa, MESH_ID);
    expect(outcome(await verify({ leaf: web.der, bundle: meshCa.pem, expectedId: MESH_ID }))).toBe('ok');
    const foreign = svid(meshCa, PARTNER_ID);
    expect(outcome(await verify({ leaf: foreign.der, bundle: meshCa.pem, expectedId: MESH_ID }))).toEqual([
      'TRUST_DOMAIN_UNKNOWN',
      0,
    ]);
    expect(
      outcome(
        await verify({ leaf: web.der, bundle: meshCa.pem, expectedId: `spiffe://${MESH}/ns/shop/sa/api` }),
      ),
    ).toEqual(['NAME_MISMATCH', 0]);
    // With both, they must agree.
    expect(
      await codeOfAsync(() =>
        verify({ leaf: web.der, bundle: meshCa.pem, trustDomain: PARTNER, expectedId: MESH_ID }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      outcome(await verify({ leaf: web.der, bundle: meshCa.pem, trustDomain: MESH, expectedId: MESH_ID })),
    ).toBe('ok');
  });

  it('a CA of another trust domain does not verify an SVID of the bound one (go-spiffe "verification fails")', async () => {
    // go-spiffe: ca2's roots as the bundle of domain1.test, an SVID of domain1.test from ca1.
    const result = await verify({
      leaf: svid(meshCa, MESH_ID).der,
      bundle: partnerCa.pem,
      trustDomain: MESH,
    });
    expect(outcome(result)).toEqual(['UNKNOWN_ISSUER', 0]);
  });

  it('reports the SVID rules before the trust domain, as go-spiffe checks the leaf first', async () => {
    const caLeaf = mint({ cn: 'svid', issuer: meshCa, ca: true, san: [gn.uri(PARTNER_ID)] });
    expect(outcome(await verify({ leaf: caLeaf.der, bundle: meshCa.pem, trustDomain: MESH }))).toEqual([
      'SVID_INVALID',
      0,
    ]);
  });
});

describe('a set of bundles keyed by trust domain', () => {
  const forms: [string, TrustBundleSetInput][] = [
    ['an object', { [MESH]: meshCa.pem, [PARTNER]: [partnerCa.der] }],
    [
      'a Map',
      new Map([
        [MESH, meshCa.pem],
        [PARTNER, partnerCa.pem],
      ]),
    ],
    [
      'a TrustBundleSet',
      new TrustBundleSet({ [MESH]: createTrustStore(meshCa.pem), [PARTNER]: partnerCa.pem }),
    ],
  ];

  it.each(forms)(
    'given as %s, verifies each trust domain against its own anchors only',
    async (_, bundles) => {
      const cases: [Minted, string, string | [string, number]][] = [
        [meshCa, MESH_ID, 'ok'],
        [partnerCa, PARTNER_ID, 'ok'],
        // Signed by the mesh CA (in the set) but carrying the partner's ID: only the partner's anchors count.
        [meshCa, PARTNER_ID, ['UNKNOWN_ISSUER', 0]],
        [partnerCa, MESH_ID, ['UNKNOWN_ISSUER', 0]],
        // A trust domain without a bundle.
        [meshCa, 'spiffe://other.test/x', ['TRUST_DOMAIN_UNKNOWN', 0]],
        [otherCa, 'spiffe://other.test/x', ['TRUST_DOMAIN_UNKNOWN', 0]],
      ];
      for (const [signer, id, expected] of cases) {
        const result = await verify({ leaf: svid(signer, id).der, bundles });
        expect(outcome(result), `${id} from ${signer.cert.subject.commonName}`).toEqual(expected);
        if (result.ok) expect([result.spiffeId, result.trustDomain]).toEqual([id, id.split('/')[2]]);
      }
    },
  );

  it('an intermediate under one domain CA does not carry an SVID of another domain', async () => {
    const bundles = new TrustBundleSet({ [MESH]: meshCa.pem, [PARTNER]: partnerCa.pem });
    const issuer = intermediate(meshCa, 'Mesh Issuer');
    const own = svid(issuer, MESH_ID);
    const foreign = svid(issuer, PARTNER_ID);
    expect(outcome(await verify({ leaf: own.der, intermediates: [issuer.der], bundles }))).toBe('ok');
    expect(outcome(await verify({ leaf: foreign.der, intermediates: [issuer.der], bundles }))).toEqual([
      'UNKNOWN_ISSUER',
      1,
    ]);
  });

  it('a CA trusted by two domains verifies the SVIDs of both (the binding is per domain, not per CA)', async () => {
    const bundles = new TrustBundleSet({ [MESH]: meshCa.pem, [PARTNER]: [partnerCa.pem, meshCa.pem] });
    expect(outcome(await verify({ leaf: svid(meshCa, PARTNER_ID).der, bundles }))).toBe('ok');
    expect(outcome(await verify({ leaf: svid(partnerCa, MESH_ID).der, bundles }))).toEqual([
      'UNKNOWN_ISSUER',
      0,
    ]);
  });

  it('names the missing trust domain; an empty set trusts nothing (go-spiffe "no roots for leaf cert domain")', async () => {
    const result = await verify({ leaf: svid(otherCa, 'spiffe://domain1.test/workload').der, bundles: {} });
    expect(outcome(result)).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
    expect(!result.ok && result.reason).toBe(
      'no X.509 bundle for trust domain "domain1.test": the bundles are of 0 other trust domains',
    );
    const one = await verify({
      leaf: svid(otherCa, 'spiffe://domain1.test/workload').der,
      bundles: { [MESH]: meshCa.pem },
    });
    expect(!one.ok && one.reason).toContain('1 other trust domain');
  });

  it('matches the expected ID after the trust domain', async () => {
    const bundles = new TrustBundleSet({ [MESH]: meshCa.pem, [PARTNER]: partnerCa.pem });
    const leaf = svid(partnerCa, PARTNER_ID).der;
    expect(outcome(await verify({ leaf, bundles, expectedId: matchMemberOf(PARTNER) }))).toBe('ok');
    expect(outcome(await verify({ leaf, bundles, expectedId: matchMemberOf(MESH) }))).toEqual([
      'NAME_MISMATCH',
      0,
    ]);
    expect(outcome(await verify({ leaf, bundles, expectedId: PARTNER_ID }))).toBe('ok');
  });
});

describe('TrustBundleSet', () => {
  it('holds each domain as a TrustStore, with read-only accessors', () => {
    const set = new TrustBundleSet({ [MESH]: meshCa.pem, [PARTNER]: [partnerCa.pem, otherCa.pem] });
    expect(set.size).toBe(2);
    expect(set.trustDomains).toEqual([MESH, PARTNER]);
    expect(set.has(PARTNER)).toBe(true);
    expect(set.has('other.test')).toBe(false);
    expect(set.get('other.test')).toBeUndefined();
    expect(set.get(PARTNER)?.store.anchors.map((a) => a.subject.der)).toEqual([
      partnerCa.cert.subject.der,
      otherCa.cert.subject.der,
    ]);
    expect([...set].map((e) => e.trustDomain)).toEqual([MESH, PARTNER]);
    expect(Object.isFrozen(set)).toBe(true);
    expect(Object.isFrozen(set.trustDomains)).toBe(true);
    expect(Object.isFrozen(set.get(MESH))).toBe(true);
    expect(() => {
      (set.trustDomains as string[]).push('evil.test');
    }).toThrow(TypeError);
    expect(createTrustBundleSet(set)).toBe(set);
  });

  it('is a snapshot: later changes to the Map it was built from do not reach it', async () => {
    const input = new Map([[MESH, meshCa.pem]]);
    const set = new TrustBundleSet(input);
    input.set(MESH, otherCa.pem);
    input.set('other.test', otherCa.pem);
    expect(set.has('other.test')).toBe(false);
    expect(outcome(await verify({ leaf: svid(meshCa, MESH_ID).der, bundles: set }))).toBe('ok');
  });

  it('with and without return new sets, leaving the original as it was', async () => {
    const set = new TrustBundleSet({ [MESH]: meshCa.pem });
    const added = set.with(PARTNER, partnerCa.pem);
    const replaced = added.with(MESH, otherCa.pem);
    const removed = added.without(MESH);
    expect([set.trustDomains, added.trustDomains, replaced.trustDomains, removed.trustDomains]).toEqual([
      [MESH],
      [MESH, PARTNER],
      [MESH, PARTNER],
      [PARTNER],
    ]);
    expect(added.get(MESH)?.store).toBe(set.get(MESH)?.store); // shared, not parsed again
    const mesh = svid(meshCa, MESH_ID).der;
    expect(outcome(await verify({ leaf: mesh, bundles: set }))).toBe('ok');
    expect(outcome(await verify({ leaf: mesh, bundles: replaced }))).toEqual(['UNKNOWN_ISSUER', 0]);
    expect(outcome(await verify({ leaf: mesh, bundles: removed }))).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
    expect(set.without('other.test').trustDomains).toEqual([MESH]);
  });

  it('accepts only bare trust domain names as keys', () => {
    for (const key of [
      'Example.org',
      `spiffe://${PARTNER}`,
      `spiffe://${PARTNER}/x`,
      'example.org:443',
      '',
      'a b',
    ]) {
      expect(
        codeOf(() => new TrustBundleSet({ [key]: meshCa.pem })),
        key,
      ).toBe('ERR_TRUST_DOMAIN_INVALID');
      expect(
        codeOf(() => new TrustBundleSet({}).with(key, meshCa.pem)),
        key,
      ).toBe('ERR_TRUST_DOMAIN_INVALID');
    }
    expect(codeOf(() => new TrustBundleSet(new Map([[7 as unknown as string, meshCa.pem]])))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    const nullProto = Object.assign(Object.create(null) as Record<string, string>, { [MESH]: meshCa.pem });
    expect(new TrustBundleSet(nullProto).trustDomains).toEqual([MESH]);
  });

  it('refuses inputs that are one bundle, not a set (their indexes and fields would read as trust domains)', () => {
    const misuse: unknown[] = [
      [meshCa.pem],
      meshCa.pem,
      createTrustStore(meshCa.pem),
      undefined,
      null,
      7,
      new (class Bundles {
        [MESH] = meshCa.pem;
      })(),
    ];
    for (const input of misuse) {
      expect(
        codeOf(() => new TrustBundleSet(input as TrustBundleSetInput)),
        String(input),
      ).toBe('ERR_INVALID_ARGUMENT');
    }
  });

  it('keeps the bundle errors, naming the trust domain', () => {
    const empty = new TrustBundleSet({});
    for (const [bundle, code] of [
      ['-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n', 'ERR_BUNDLE_INVALID'],
      ['no PEM block', 'ERR_BUNDLE_EMPTY'],
      [[], 'ERR_BUNDLE_EMPTY'],
      [undefined, 'ERR_INVALID_ARGUMENT'],
      [{}, 'ERR_INVALID_ARGUMENT'],
    ] as const) {
      const build = () => new TrustBundleSet({ [PARTNER]: bundle as unknown as string });
      expect(codeOf(build), String(bundle)).toBe(code);
      expect(codeOf(() => empty.with(PARTNER, bundle as unknown as string))).toBe(code);
      expect(() => build()).toThrow(`trust domain "${PARTNER}"`);
    }
  });

  it(`holds at most MAX_TRUST_DOMAINS (${MAX_TRUST_DOMAINS}) trust domains, counted before any bundle is parsed`, () => {
    const store = createTrustStore(meshCa.pem);
    const full = new Map<string, typeof store>();
    for (let i = 0; i < MAX_TRUST_DOMAINS; i++) full.set(`td${i}.test`, store);
    expect(new TrustBundleSet(full).size).toBe(MAX_TRUST_DOMAINS);
    const over: Record<string, string> = {};
    for (let i = 0; i <= MAX_TRUST_DOMAINS; i++) over[`td${i}.test`] = 'not pem';
    expect(codeOf(() => new TrustBundleSet(over))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => new TrustBundleSet(full).with('one-more.test', store))).toBe('ERR_INPUT_TOO_LARGE');
  });
});

describe('verifySvid options', () => {
  const leaf = svid(meshCa, MESH_ID).der;
  it.each([
    [
      'bundle and bundles',
      { bundle: meshCa.pem, trustDomain: MESH, bundles: { [MESH]: meshCa.pem } },
      'ERR_INVALID_ARGUMENT',
    ],
    ['neither bundle nor bundles', { trustDomain: MESH }, 'ERR_INVALID_ARGUMENT'],
    [
      'trustDomain with bundles',
      { bundles: { [MESH]: meshCa.pem }, trustDomain: MESH },
      'ERR_INVALID_ARGUMENT',
    ],
    [
      'an uppercase trustDomain',
      { bundle: meshCa.pem, trustDomain: 'Identity.linkerd.cluster.local' },
      'ERR_TRUST_DOMAIN_INVALID',
    ],
    [
      'a SPIFFE ID as trustDomain',
      { bundle: meshCa.pem, trustDomain: `spiffe://${MESH}` },
      'ERR_TRUST_DOMAIN_INVALID',
    ],
    ['a non-string trustDomain', { bundle: meshCa.pem, trustDomain: 7 }, 'ERR_INVALID_ARGUMENT'],
    [
      'an invalid expectedId string',
      { bundle: meshCa.pem, trustDomain: MESH, expectedId: 'web' },
      'ERR_SPIFFE_ID_INVALID',
    ],
    [
      'an expectedId of another type',
      { bundle: meshCa.pem, trustDomain: MESH, expectedId: 7 },
      'ERR_INVALID_ARGUMENT',
    ],
    [
      'intermediates as a string',
      { bundle: meshCa.pem, trustDomain: MESH, intermediates: meshCa.pem },
      'ERR_INVALID_ARGUMENT',
    ],
    ['bundles as a list', { bundles: [meshCa.pem] }, 'ERR_INVALID_ARGUMENT'],
  ])('%s throws', async (_, options, code) => {
    expect(
      await codeOfAsync(() => verifySvid({ leaf, at: AT, ...(options as object) } as VerifySvidOptions)),
    ).toBe(code);
  });

  it('throws on misuse whatever the leaf, even one that does not parse', async () => {
    expect(await codeOfAsync(() => verifySvid({ leaf: new Uint8Array([1, 2, 3]), bundle: meshCa.pem }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(await codeOfAsync(() => verifySvid(undefined as unknown as VerifySvidOptions))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('reads each option once, so a getter cannot bind one trust domain and verify against another', async () => {
    const reads = new Map<PropertyKey, number>();
    const options = new Proxy(
      { leaf, bundle: meshCa.pem, trustDomain: MESH, expectedId: MESH_ID, at: AT, intermediates: [] },
      {
        get(target, key, receiver) {
          reads.set(key, (reads.get(key) ?? 0) + 1);
          return Reflect.get(target, key, receiver);
        },
      },
    );
    expect(outcome(await verifySvid(options))).toBe('ok');
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
  });

  it('an expectedId predicate accepts only when it returns true (a promise or a truthy value is not a yes)', async () => {
    const base = { leaf, bundle: meshCa.pem, trustDomain: MESH } as const;
    for (const answer of [Promise.resolve(true), 1, 'yes', {}]) {
      const expectedId = (() => answer) as unknown as (id: string) => boolean;
      expect(outcome(await verify({ ...base, expectedId })), String(answer)).toEqual(['NAME_MISMATCH', 0]);
    }
    expect(outcome(await verify({ ...base, expectedId: () => true }))).toBe('ok');
  });
});

describe('property: an SVID verifies iff its signer is an anchor of its own trust domain', () => {
  afterEach(() => setCryptoBackend(undefined));

  const cas = [meshCa, partnerCa, otherCa, root('Fourth Root')];
  const issuers = cas.map((ca, i) => intermediate(ca, `Issuer ${i}`));
  const label = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,6}$/);
  const trustDomain = fc.oneof(
    fc.constantFrom(MESH, PARTNER, 'example.com', 'example.org.evil', 'org'),
    fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')),
  );
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
  interface Scenario {
    readonly domains: readonly (readonly [string, readonly number[]])[];
    readonly svidDomain: number | string;
    readonly path: readonly string[];
    readonly signer: number;
    readonly viaIntermediate: boolean;
  }
  const scenario: fc.Arbitrary<Scenario> = fc.record({
    /** Each domain with the indexes of the CAs in its bundle. */
    domains: fc.uniqueArray(
      fc.tuple(trustDomain, fc.uniqueArray(fc.nat({ max: cas.length - 1 }), { minLength: 1, maxLength: 3 })),
      { selector: ([td]) => td, minLength: 0, maxLength: 4 },
    ),
    /** The SVID's trust domain: one of the set's (by index) or any. */
    svidDomain: fc.oneof(fc.nat(), trustDomain),
    path: fc.array(segment, { maxLength: 3 }),
    signer: fc.nat({ max: cas.length - 1 }),
    viaIntermediate: fc.boolean(),
  });

  /** How often each verdict was expected: every one must come up. */
  const seen = new Map<string, number>();

  async function check(s: Scenario): Promise<void> {
    const td =
      typeof s.svidDomain === 'number'
        ? (s.domains[s.svidDomain % Math.max(s.domains.length, 1)]?.[0] ?? 'none.test')
        : s.svidDomain;
    const id = `spiffe://${td}${s.path.map((p) => `/${p}`).join('')}`;
    const leaf = svid(s.viaIntermediate ? issuers[s.signer]! : cas[s.signer]!, id);
    const intermediates = s.viaIntermediate ? [issuers[s.signer]!.der] : [];
    const own = s.domains.find(([d]) => d === td);
    const expected =
      own === undefined ? 'TRUST_DOMAIN_UNKNOWN' : own[1].includes(s.signer) ? 'ok' : 'UNKNOWN_ISSUER';
    const code = (r: SvidVerifyResult) => (r.ok ? 'ok' : r.code);
    seen.set(expected, (seen.get(expected) ?? 0) + 1);

    const set = new TrustBundleSet(new Map(s.domains.map(([d, idx]) => [d, idx.map((i) => cas[i]!.der)])));
    const fromSet = await verify({ leaf: leaf.der, intermediates, bundles: set });
    expect(code(fromSet), id).toBe(expected);
    if (fromSet.ok) expect([fromSet.spiffeId, fromSet.trustDomain]).toEqual([id, td]);

    // Each domain's bundle on its own, as a single bound bundle: the same verdict for its domain,
    // TRUST_DOMAIN_UNKNOWN for every other.
    for (const [d, idx] of s.domains) {
      const single = await verify({
        leaf: leaf.der,
        intermediates,
        bundle: idx.map((i) => cas[i]!.pem),
        trustDomain: d,
      });
      expect(code(single), `${id} against ${d}`).toBe(d === td ? expected : 'TRUST_DOMAIN_UNKNOWN');
    }
    // Every anchor of every domain together, bound to another domain, never verifies it.
    const all = [...new Set(s.domains.flatMap(([, idx]) => idx))].map((i) => cas[i]!.der);
    if (all.length > 0) {
      const elsewhere = await verify({
        leaf: leaf.der,
        intermediates,
        bundle: all,
        trustDomain: `not-${td}`,
      });
      expect(code(elsewhere)).toBe('TRUST_DOMAIN_UNKNOWN');
    }
  }

  it('node:crypto', async () => {
    seen.clear();
    await fc.assert(fc.asyncProperty(scenario, check), { numRuns: 300 });
    for (const verdict of ['ok', 'UNKNOWN_ISSUER', 'TRUST_DOMAIN_UNKNOWN']) {
      expect(seen.get(verdict) ?? 0, verdict).toBeGreaterThan(20);
    }
  });

  it('WebCrypto', async () => {
    setCryptoBackend(webCryptoBackend(globalThis.crypto.subtle));
    await fc.assert(fc.asyncProperty(scenario, check), { numRuns: 100 });
  });
});
