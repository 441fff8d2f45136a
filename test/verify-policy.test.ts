/**
 * The two certificate profiles of path validation: the default one accepts what Linkerd's proxy
 * (rustls-webpki) and control plane (Go crypto/x509) accept; `profile: 'strict'` adds the strict
 * RFC 5280 / CA/Browser Forum rules x509-limbo scores. And the library never issues what it would not verify.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { setCryptoBackend } from '../src/crypto/backend';
import { webCryptoBackend } from '../src/crypto/webcrypto';
import { createCsr } from '../src/csr';
import { boolean, integer, octetString, sequence, tlv } from '../src/der';
import { createIssuer, type Issuer, loadIssuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { issueLeaf } from '../src/leaf';
import { Verifier, type VerifyResult, verifyChain } from '../src/verify';
import { OID } from '../src/x509/oids';
import { KeyUsage } from '../src/x509/types';
import { dataText } from './helpers/fixtures';
import { codeOfAsync, IDENTITY, NOW, SPIFFE_ID } from './helpers/pki';
import {
  extension,
  gn,
  intermediate,
  leaf,
  type Minted,
  mint,
  newKey,
  root,
  type Spec,
} from './verify-certs';

const AT = new Date('2026-03-01T12:00:00Z');

function outcome(result: VerifyResult): string {
  return result.ok ? 'ok' : result.code;
}

/** Verifies `chain` (leaf first, anchor last) under both profiles: [default, strict]. */
async function both(chain: readonly Minted[], more: { name?: string; usage?: 'server' } = {}) {
  const [first, ...rest] = chain;
  const anchor = rest.pop()!;
  const options = {
    leaf: first!.der,
    intermediates: rest.map((c) => c.der),
    bundle: [anchor.pem],
    at: AT,
    ...more,
  };
  return [outcome(await verifyChain(options)), outcome(await verifyChain({ ...options, profile: 'strict' }))];
}

/** basicConstraints cA, not critical. */
const nonCriticalCa = extension(OID.basicConstraints, false, sequence(boolean(true)));

describe('the default profile accepts CAs without key identifiers; the strict profile refuses them', () => {
  const anchor = root('Old Root', { omitSki: true });
  const issuer = intermediate(anchor, 'Old Issuer', { omitSki: true, omitAki: true });
  const workload = leaf(issuer, 'web.example.com', { omitAki: true });

  it('anchor without SKI, issuer without SKI and AKI, leaf without AKI', async () => {
    expect(await both([workload, issuer, anchor], { name: 'web.example.com' })).toEqual([
      'ok',
      'PROFILE_VIOLATION',
    ]);
  });

  it('each key identifier alone', async () => {
    const a = root('Root A');
    const noSki = intermediate(a, 'No SKI', { omitSki: true });
    expect(await both([leaf(noSki, 'a.example.com', { omitAki: true }), noSki, a])).toEqual([
      'ok',
      'PROFILE_VIOLATION',
    ]);
    const noAki = intermediate(a, 'No AKI', { omitAki: true });
    expect(await both([leaf(noAki, 'b.example.com'), noAki, a])).toEqual(['ok', 'PROFILE_VIOLATION']);
    const leafNoAki = leaf(noAki, 'c.example.com', { omitAki: true });
    const good = intermediate(a, 'Good');
    expect(await both([leaf(good, 'd.example.com', { omitAki: true }), good, a])).toEqual([
      'ok',
      'PROFILE_VIOLATION',
    ]);
    expect(await both([leafNoAki, noAki, a])).toEqual(['ok', 'PROFILE_VIOLATION']);
    // The anchor signing directly, without an SKI, and a leaf without an AKI.
    const bare = root('Bare Root', { omitSki: true });
    expect(await both([leaf(bare, 'e.example.com', { omitAki: true }), bare])).toEqual([
      'ok',
      'PROFILE_VIOLATION',
    ]);
  });

  it('never shares a memoized verdict between the profiles (same parsed objects, both orders)', async () => {
    const a = root('Memo Root', { omitSki: true });
    const i = intermediate(a, 'Memo Issuer', { omitSki: true, omitAki: true });
    const l = leaf(i, 'memo.example.com', { omitAki: true });
    const options = { leaf: l.cert, intermediates: [i.cert], bundle: [a.cert], at: AT };
    const strict = { ...options, profile: 'strict' as const };
    expect(outcome(await verifyChain(strict))).toBe('PROFILE_VIOLATION');
    expect(outcome(await verifyChain(options))).toBe('ok');
    expect(outcome(await verifyChain(strict))).toBe('PROFILE_VIOLATION');
    const b = root('Memo Root 2', { omitSki: true });
    const j = intermediate(b, 'Memo Issuer 2', { omitSki: true, omitAki: true });
    const m = leaf(j, 'memo2.example.com', { omitAki: true });
    const options2 = { leaf: m.cert, intermediates: [j.cert], bundle: [b.cert], at: AT };
    expect(outcome(await verifyChain(options2))).toBe('ok');
    expect(outcome(await verifyChain({ ...options2, profile: 'strict' }))).toBe('PROFILE_VIOLATION');
    expect(outcome(await verifyChain(options2))).toBe('ok');
  });

  it('a Verifier takes the policy too, cold and warm', async () => {
    const input = { leaf: workload.der, intermediates: [issuer.der], at: AT };
    const lenient = new Verifier({ bundle: [anchor.pem] });
    // The option is read by the shared limits, whatever the type of the Verifier's options says.
    const strict = new Verifier({ bundle: [anchor.pem], profile: 'strict' });
    for (let round = 0; round < 2; round++) {
      expect(outcome(await lenient.verify(input))).toBe('ok');
      expect(outcome(await strict.verify(input))).toBe('PROFILE_VIOLATION');
    }
  });

  it('refuses a profile it does not know', async () => {
    const a = root('Arg Root');
    const l = leaf(a, 'arg.example.com');
    for (const bad of ['yes', 1, null, true, 'STRICT']) {
      expect(
        await codeOfAsync(() => verifyChain({ leaf: l.der, bundle: [a.pem], at: AT, profile: bad as never })),
      ).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('rules stricter than Go, OpenSSL and rustls-webpki belong to the strict profile', () => {
  const a = root('Rules Root');
  const ku = KeyUsage.keyCertSign | KeyUsage.cRLSign;
  const akiWithIssuer = (issuer: Minted) =>
    extension(
      OID.authorityKeyIdentifier,
      false,
      sequence(
        tlv(0x80, issuer.key.keyId),
        tlv(0xa1, gn.dn(issuer.cert.subject.der)),
        tlv(0x82, Uint8Array.of(1)),
      ),
    );
  const issuerCases: [string, Spec][] = [
    ['CA without keyUsage (OpenSSL’s default CA profile)', { keyUsage: null }],
    ['CA with non-critical basicConstraints', { ca: false, keyUsage: ku, extensions: [nonCriticalCa] }],
    [
      'CA whose authorityKeyIdentifier names issuer and serial',
      { omitAki: true, extensions: [akiWithIssuer(a)] },
    ],
    ['intermediate with serial number 0', { serial: Uint8Array.of(0) }],
    [
      'intermediate with a 21-octet serial number',
      { serial: Uint8Array.from([0x01, ...new Array(20).fill(7)]) },
    ],
  ];
  for (const [what, spec] of issuerCases) {
    it(what, async () => {
      const i = intermediate(a, what.slice(0, 40), spec);
      expect(await both([leaf(i, 'rule.example.com'), i, a])).toEqual([
        'ok',
        expect.not.stringMatching(/^ok$/),
      ]);
    });
  }

  const leafCases: [string, Spec, { usage?: 'server' }][] = [
    ['leaf with keyCertSign but no cA', { keyUsage: KeyUsage.digitalSignature | KeyUsage.keyCertSign }, {}],
    [
      'leaf with a pathLenConstraint but no cA',
      { extensions: [extension(OID.basicConstraints, true, sequence(integer(0)))] },
      {},
    ],
    ['leaf with an empty subject and a non-critical subjectAltName', { subject: sequence() }, {}],
    ['leaf with a subject and a critical subjectAltName', { sanCritical: true }, {}],
    ['leaf with nameConstraints but no cA', { permitted: [gn.dns('example.com')] }, {}],
    ['server leaf whose commonName is a non-canonical IP address', { cn: '10.0.0.01' }, { usage: 'server' }],
  ];
  for (const [what, spec, more] of leafCases) {
    it(what, async () => {
      expect(await both([leaf(a, 'rule.example.com', spec), a], more)).toEqual([
        'ok',
        expect.not.stringMatching(/^ok$/),
      ]);
    });
  }

  it('a self-signed CA whose authorityKeyIdentifier names another key', async () => {
    const other = newKey();
    const r = mint({
      cn: 'Odd Root',
      ca: true,
      extensions: [extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, other.keyId)))],
    });
    expect(await both([leaf(r, 'odd.example.com'), r])).toEqual(['ok', 'PROFILE_VIOLATION']);
  });

  it('an empty issuer and an empty CA subject', async () => {
    const empty = mint({ subject: sequence(), ca: true, san: [gn.dns('ca.example.com')], sanCritical: true });
    expect(await both([leaf(empty, 'empty.example.com'), empty])).toEqual(['ok', 'PROFILE_VIOLATION']);
  });
});

describe('rules Linkerd’s proxy or control plane enforce stay in the default profile', () => {
  const a = root('Kept Root');
  const cases: [string, () => Minted[]][] = [
    [
      'a critical authorityKeyIdentifier (rustls-webpki: unsupported critical extension)',
      () => {
        const l = leaf(a, 'k.example.com', {
          omitAki: true,
          extensions: [extension(OID.authorityKeyIdentifier, true, sequence(tlv(0x80, a.key.keyId)))],
        });
        return [l, a];
      },
    ],
    [
      'a critical subjectKeyIdentifier',
      () => {
        const l = leaf(a, 'k.example.com', {
          omitSki: true,
          extensions: [extension(OID.subjectKeyIdentifier, true, octetString(Uint8Array.of(1, 2, 3)))],
        });
        return [l, a];
      },
    ],
    [
      'a CA whose keyUsage lacks keyCertSign (rustls-webpki)',
      () => {
        const i = intermediate(a, 'No CertSign', { keyUsage: KeyUsage.digitalSignature });
        return [leaf(i, 'k.example.com'), i, a];
      },
    ],
    [
      'a negative serial number (Go)',
      () => [leaf(a, 'k.example.com', { serial: Uint8Array.of(0x80, 1) }), a],
    ],
    [
      'an issuer that is not a CA',
      () => {
        const i = intermediate(a, 'Not CA', { ca: false, keyUsage: null });
        return [leaf(i, 'k.example.com'), i, a];
      },
    ],
  ];
  for (const [what, chain] of cases) {
    it(what, async () => {
      const [byDefault, strict] = await both(chain());
      expect(byDefault).not.toBe('ok');
      expect(strict).toBe(byDefault);
    });
  }
});

/** PKCS#8 PEM of a test key, for loadIssuer. */
function pkcs8(m: Minted): string {
  return m.key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** An issuer the library loads from a hand-made certificate, with the chain above it (anchor excluded). */
function loaded(cert: Minted, above: readonly Minted[] = []): Issuer {
  return loadIssuer({ certificate: cert.pem + above.map((c) => c.pem).join(''), key: pkcs8(cert) });
}

interface IssuerKind {
  readonly what: string;
  readonly make: () => Promise<{ issuer: Issuer; anchors: string[] }>;
}

const ISSUER_KINDS: readonly IssuerKind[] = [
  {
    what: 'createTrustAnchor + createIssuer',
    make: async () => {
      const anchor = await createTrustAnchor({ now: NOW });
      return { issuer: await createIssuer({ anchor, now: NOW }), anchors: [anchor.pem] };
    },
  },
  {
    what: 'a P-256 anchor issuing directly',
    make: async () => {
      const anchor = await createTrustAnchor({ now: NOW });
      const issuer = loadIssuer({ certificate: anchor.pem, key: anchor.key.exportPkcs8Pem() });
      return { issuer, anchors: [anchor.pem] };
    },
  },
  {
    what: 'an intermediate under an intermediate',
    make: async () => {
      const anchor = await createTrustAnchor({ now: NOW, pathLen: null });
      const middle = await createIssuer({
        anchor,
        now: NOW,
        pathLen: null,
        commonName: 'middle.linkerd.cluster.local',
      });
      return { issuer: await createIssuer({ anchor: middle, now: NOW }), anchors: [anchor.pem] };
    },
  },
  ...(
    [
      ['with SKI and AKI', {}],
      ['without SKI', { omitSki: true }],
      ['without AKI', { omitAki: true }],
      ['without SKI and AKI', { omitSki: true, omitAki: true }],
      ['pathLen 0', { pathLen: 0 }],
      ['without pathLen', {}],
      ['without keyUsage', { keyUsage: null }],
      [
        'with non-critical basicConstraints',
        { ca: false, keyUsage: KeyUsage.keyCertSign | KeyUsage.cRLSign, extensions: [nonCriticalCa] },
      ],
      [
        'name-constrained (DNS .cluster.local, URI identity.linkerd.cluster.local)',
        { permitted: [gn.dns('.cluster.local'), gn.uri('identity.linkerd.cluster.local')] },
      ],
      [
        'name-constrained (empty permitted DNS, excluded example.com)',
        { permitted: [gn.dns('')], excluded: [gn.dns('example.com')] },
      ],
    ] as const
  ).map(
    ([what, spec]): IssuerKind => ({
      what: `a hand-made issuer ${what}`,
      make: async () => {
        const anchor = root('Hand Root', { omitSki: what.includes('SKI') });
        const cert = intermediate(anchor, 'identity.linkerd.cluster.local', spec as Spec);
        return { issuer: loaded(cert), anchors: [anchor.pem] };
      },
    }),
  ),
  {
    what: 'a hand-made issuer under a hand-made intermediate without key identifiers',
    make: async () => {
      const anchor = root('Hand Root 2', { omitSki: true });
      const middle = intermediate(anchor, 'Middle', { omitSki: true, omitAki: true });
      const cert = intermediate(middle, 'identity.linkerd.cluster.local', { omitAki: true });
      return { issuer: loaded(cert, [middle]), anchors: [anchor.pem] };
    },
  },
  {
    what: 'a hand-made anchor without SKI issuing directly',
    make: async () => {
      const anchor = root('identity.linkerd.cluster.local', { omitSki: true });
      return { issuer: loaded(anchor), anchors: [anchor.pem] };
    },
  },
];

const BACKENDS: readonly [string, () => void][] = [
  ['node:crypto', () => setCryptoBackend(undefined)],
  ['WebCrypto', () => setCryptoBackend(webCryptoBackend(globalThis.crypto.subtle))],
];

describe('the library never issues what it would not verify', () => {
  afterEach(() => setCryptoBackend(undefined));
  for (const [backend, use] of BACKENDS) {
    for (const kind of ISSUER_KINDS) {
      it(`${backend}: ${kind.what}`, async () => {
        use();
        const { issuer, anchors } = await kind.make();
        const csr = await createCsr({ key: await generateKeyPair(), identity: IDENTITY });
        for (const spiffe of [true, false]) {
          const issued = await issueLeaf({ issuer, csr: csr.der, identity: IDENTITY, now: NOW, spiffe });
          const result = await verifyChain({
            leaf: issued.der,
            intermediates: issued.chain,
            bundle: anchors,
            at: NOW,
            name: IDENTITY,
            usage: 'client',
          });
          expect(result.ok ? 'ok' : `${result.code}: ${result.reason}`).toBe('ok');
          if (spiffe) {
            const bySpiffe = await verifyChain({
              leaf: issued.pem,
              intermediates: issued.chain,
              bundle: anchors,
              at: NOW,
              name: SPIFFE_ID,
              usage: 'server',
            });
            expect(bySpiffe.ok ? 'ok' : `${bySpiffe.code}: ${bySpiffe.reason}`).toBe('ok');
          }
        }
      });
    }
  }
});

describe('Linkerd’s own material (linkerd check fixtures)', () => {
  const file = (n: string) => dataText(`fixtures/linkerd-check/${n}.pem`);

  it('leaves issued under the fixture issuer verify', async () => {
    const issuer = loadIssuer({ certificate: file('valid-crt'), key: file('valid-key') });
    const csr = await createCsr({ key: await generateKeyPair(), identity: IDENTITY });
    const issued = await issueLeaf({ issuer, csr: csr.der, identity: IDENTITY, now: NOW });
    const result = await verifyChain({
      leaf: issued.der,
      intermediates: issued.chain,
      bundle: file('valid-trust-anchors'),
      at: NOW,
      name: SPIFFE_ID,
    });
    expect(outcome(result)).toBe('ok');
  });
});
