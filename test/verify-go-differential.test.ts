// Path validation against Go's crypto/x509 on random chains of Linkerd's shape: an anchor, zero to two
// intermediates and a workload leaf, each with random basic constraints, key usage, extended key usage,
// name constraints, validity, names, signature algorithms, unknown critical extensions and wrong signers,
// with re-keyed anchors and issuers of the same names beside them.
// Every chain l5d-pki accepts, Go must accept too (no wrong accept); where Go accepts and l5d-pki does
// not, the test says why, class by class.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Profile, type VerifyResult, verifyChain } from '../src/verify';
import { OID } from '../src/x509/oids';
import { KeyUsage } from '../src/x509/types';
import { type GoVerifyAnswer, runGo, verifyWithGo } from './helpers/go';
import { AT, extension, gn, type Minted, mint, name, newKey, type SigAlg, type Spec } from './verify-certs';

const SEED = 20_261_204;
const RUNS = 2000;

const IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const OTHER = 'api.shop.serviceaccount.identity.linkerd.cluster.local';
const SPIFFE = 'spiffe://cluster.local/ns/shop/sa/web';

const VALIDITY = {
  ok: {},
  expired: { notBefore: '2020-01-01T00:00:00Z', notAfter: '2025-06-01T00:00:00Z' },
  future: { notBefore: '2027-01-01T00:00:00Z', notAfter: '2035-01-01T00:00:00Z' },
  // The edges, to the second (AT is 2026-03-01T00:00:00Z).
  endsAtTheTime: { notAfter: '2026-03-01T00:00:00Z' },
  endedASecondBefore: { notAfter: '2026-02-28T23:59:59Z' },
  startsAtTheTime: { notBefore: '2026-03-01T00:00:00Z' },
  startsASecondAfter: { notBefore: '2026-03-01T00:00:01Z' },
} as const;

const EKUS = {
  none: undefined,
  both: [OID.serverAuth, OID.clientAuth],
  server: [OID.serverAuth],
  client: [OID.clientAuth],
  codeSigning: ['1.3.6.1.5.5.7.3.3'],
  any: ['2.5.29.37.0'],
} as const;

const CONSTRAINTS = {
  none: {},
  permitMesh: { permitted: [gn.dns('identity.linkerd.cluster.local')] },
  permitElsewhere: { permitted: [gn.dns('example.org')] },
  excludeShop: { excluded: [gn.dns('shop.serviceaccount.identity.linkerd.cluster.local')] },
  excludeElsewhere: { excluded: [gn.dns('example.org')] },
  permitTrustDomain: { permitted: [gn.uri('cluster.local')] },
  excludeTrustDomain: { excluded: [gn.uri('cluster.local')] },
  permitDirectoryName: { permitted: [gn.dn(name(IDENTITY))] },
} as const;

/** Mostly `usual`, sometimes one of `others`: most chains stay valid, so accepts are compared too. */
function mostly<T>(usual: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { arbitrary: fc.constant(usual), weight: 10 },
    { arbitrary: fc.constantFrom(...others), weight: 1 },
  );
}

const common = {
  validity: mostly<keyof typeof VALIDITY>(
    'ok',
    'expired',
    'future',
    'endsAtTheTime',
    'endedASecondBefore',
    'startsAtTheTime',
    'startsASecondAfter',
  ),
  eku: mostly<keyof typeof EKUS>('none', 'both', 'server', 'client', 'codeSigning', 'any'),
  criticalUnknown: mostly(false, true),
  wrongSigner: mostly(false, true),
};

const caShape = fc.record({
  ...common,
  ca: mostly(true, false),
  keyUsage: mostly<'default' | 'none' | 'digitalSignature'>('default', 'none', 'digitalSignature'),
  pathLen: mostly<number | undefined>(undefined, 0, 1),
  constraints: mostly<keyof typeof CONSTRAINTS>(
    'none',
    'permitMesh',
    'permitElsewhere',
    'excludeShop',
    'excludeElsewhere',
    'permitTrustDomain',
    'permitDirectoryName',
    'excludeTrustDomain',
  ),
});

const leafShape = fc.record({
  ...common,
  eku: mostly<keyof typeof EKUS>('both', 'none', 'server', 'client', 'codeSigning', 'any'),
  san: mostly<'identity' | 'identity+spiffe' | 'other' | 'wildcard' | 'none'>(
    'identity',
    'identity+spiffe',
    'other',
    'wildcard',
    'none',
  ),
  keyUsage: mostly<'default' | 'none' | 'keyCertSign' | 'keyEncipherment'>(
    'default',
    'none',
    'keyCertSign',
    'keyEncipherment',
  ),
  ca: mostly(false, true),
  sigAlg: mostly<SigAlg>('ecdsa-sha256', 'ecdsa-sha384', 'ecdsa-sha1'),
});

const chainShape = fc.record({
  cas: fc.array(caShape, { minLength: 1, maxLength: 3 }),
  leaf: leafShape,
  usage: fc.constantFrom<'server' | 'client'>('server', 'client'),
  /** Another anchor with the root's name and another key, first in the bundle (an anchor rotation). */
  rekeyedAnchor: mostly(false, true),
  /** A CA with the name of the leaf's issuer and another key, presented first (an issuer rotation). */
  rekeyedIssuer: mostly(false, true),
  /** A self-issued CA (the last CA's name, a key of its own) between the last CA and the leaf. */
  selfIssued: mostly(false, true),
  /** The intermediates as issued (leaf side first) or the other way round. */
  order: mostly<'leafward' | 'rootward'>('leafward', 'rootward'),
});

type CaShape = typeof caShape extends fc.Arbitrary<infer T> ? T : never;
type LeafShape = typeof leafShape extends fc.Arbitrary<infer T> ? T : never;
type ChainShape = typeof chainShape extends fc.Arbitrary<infer T> ? T : never;

const UNKNOWN_CRITICAL = extension('1.3.6.1.4.1.55555.1', true, new Uint8Array([0x05, 0x00]));

/** `parent` as the issuer, but signing with another key (its name and key identifier kept). */
function signer(parent: Minted, wrong: boolean): Minted {
  if (!wrong) return parent;
  return { ...parent, key: { ...newKey(), keyId: parent.key.keyId } };
}

function commonSpec(shape: CaShape | LeafShape, parent: Minted | undefined): Spec {
  const eku = EKUS[shape.eku];
  return {
    ...VALIDITY[shape.validity],
    ...(eku ? { eku } : {}),
    ...(shape.criticalUnknown ? { extensions: [UNKNOWN_CRITICAL] } : {}),
    ...(parent ? { issuer: signer(parent, shape.wrongSigner) } : {}),
  };
}

function mintCa(shape: CaShape, parent: Minted | undefined, depth: number): Minted {
  const keyUsage = { default: undefined, none: null, digitalSignature: KeyUsage.digitalSignature }[
    shape.keyUsage
  ];
  return mint({
    ...commonSpec(shape, parent),
    ...CONSTRAINTS[shape.constraints],
    cn: depth === 0 ? 'root.linkerd.cluster.local' : `identity-${depth}.linkerd.cluster.local`,
    ca: shape.ca,
    ...(shape.pathLen === undefined ? {} : { pathLen: shape.pathLen }),
    ...(keyUsage === undefined ? {} : { keyUsage }),
  });
}

function mintLeaf(shape: LeafShape, parent: Minted): Minted {
  const san = {
    identity: [gn.dns(IDENTITY)],
    'identity+spiffe': [gn.dns(IDENTITY), gn.uri(SPIFFE)],
    other: [gn.dns(OTHER)],
    wildcard: [gn.dns(`*.${IDENTITY.slice(IDENTITY.indexOf('.') + 1)}`)],
    none: undefined,
  }[shape.san];
  const keyUsage = {
    default: KeyUsage.digitalSignature | KeyUsage.keyEncipherment,
    none: null,
    keyCertSign: KeyUsage.keyCertSign,
    keyEncipherment: KeyUsage.keyEncipherment,
  }[shape.keyUsage];
  return mint({
    ...commonSpec(shape, parent),
    cn: IDENTITY,
    ...(san ? { san } : {}),
    keyUsage,
    ca: shape.ca,
    sigAlg: shape.sigAlg,
  });
}

interface Case {
  readonly id: string;
  readonly shape: ChainShape;
  readonly anchors: readonly Minted[];
  readonly intermediates: readonly Minted[];
  readonly leaf: Minted;
}

/** A CA with `of`'s subject, a key of its own, signed by `issuer` (or by itself). */
function rekeyed(of: Minted, issuer: Minted | undefined): Minted {
  return mint({ subject: of.cert.subject.der, ca: true, ...(issuer ? { issuer } : {}) });
}

function build(shape: ChainShape, index: number): Case {
  const cas: Minted[] = [];
  shape.cas.forEach((ca, depth) => {
    cas.push(mintCa(ca, cas[depth - 1], depth));
  });
  if (shape.selfIssued) cas.push(rekeyed(cas[cas.length - 1]!, cas[cas.length - 1]));
  const issuer = cas[cas.length - 1]!;
  const leaf = mintLeaf(shape.leaf, issuer);
  const root = cas[0]!;
  const anchors = shape.rekeyedAnchor ? [rekeyed(root, undefined), root] : [root];
  const issued = cas.slice(1).reverse();
  const presented = shape.order === 'leafward' ? issued : [...issued].reverse();
  const intermediates = shape.rekeyedIssuer
    ? [rekeyed(issuer, cas[cas.length - 2]), ...presented]
    : presented;
  return { id: `case-${index}`, shape, anchors, intermediates, leaf };
}

const cases = fc.sample(chainShape, { seed: SEED, numRuns: RUNS }).map(build);

function ours(c: Case, profile: Profile): Promise<VerifyResult> {
  return verifyChain({
    leaf: c.leaf.der,
    intermediates: c.intermediates.map((m) => m.der),
    bundle: c.anchors.map((m) => m.der),
    at: AT,
    usage: c.shape.usage,
    name: IDENTITY,
    profile,
  });
}

function askGo(): GoVerifyAnswer[] {
  return verifyWithGo(
    cases.map((c) => ({
      id: c.id,
      roots: c.anchors.map((m) => m.der),
      intermediates: c.intermediates.map((m) => m.der),
      leaf: c.leaf.der,
      name: IDENTITY,
      usage: c.shape.usage,
      at: AT,
    })),
  );
}

/**
 * Where l5d-pki refuses on purpose what Go accepts (docs/conformance.md, "The profile l5d-pki enforces"):
 * - a leaf that is a CA (basicConstraints cA) with a keyUsage lacking keyCertSign: a CA's keyUsage must
 *   allow keyCertSign, as rustls-webpki (Linkerd's proxy) requires; Go reads a CA's keyUsage only when
 *   it checks a signature the CA made, and nothing is signed by a leaf;
 * - a leaf whose extKeyUsage lists anyExtendedKeyUsage but not the usage asked for: rustls-webpki does
 *   not count it, Go does;
 * - with `profile: 'strict'`, RFC 5280's key usage: a CA without a keyUsage extension, or a leaf whose
 *   keyUsage lacks digitalSignature.
 */
function stricterOnPurpose(c: Case, profile: Profile, r: VerifyResult): boolean {
  if (r.ok) return false;
  if (r.code === 'EXT_KEY_USAGE') return c.shape.leaf.eku === 'any';
  if (r.code !== 'KEY_USAGE') return false;
  const leafKeyUsage = c.shape.leaf.keyUsage;
  if (c.shape.leaf.ca && leafKeyUsage !== 'none' && leafKeyUsage !== 'keyCertSign') return true;
  if (profile !== 'strict') return false;
  const caWithoutKeyUsage = c.shape.cas.some((ca) => ca.keyUsage === 'none');
  const leafWithoutDigitalSignature = leafKeyUsage === 'keyCertSign' || leafKeyUsage === 'keyEncipherment';
  return caWithoutKeyUsage || leafWithoutDigitalSignature;
}

/**
 * Where the strict profile accepts on purpose what Go refuses, following RFC 5280 where the default
 * profile follows Go and rustls-webpki: it processes directoryName name constraints (x509-limbo's
 * `rfc5280::nc::permitted-dn-match`), which Go leaves unprocessed and so refuses in a critical
 * extension; and it does not count self-issued intermediates towards a pathLenConstraint
 * (`pathlen::self-issued-certs-pathlen`), which Go counts.
 */
function followsRfc5280(c: Case, profile: Profile, go: GoVerifyAnswer): boolean {
  if (profile !== 'strict') return false;
  if (c.shape.cas.some((ca) => ca.constraints === 'permitDirectoryName')) return true;
  return c.shape.selfIssued && go.kind === 'TooManyIntermediates';
}

describe.skipIf(!runGo)("path validation against Go's crypto/x509", () => {
  it('finds no chain l5d-pki accepts and Go refuses, on either profile', async () => {
    const go = askGo();
    const tally = { goAccepted: 0, refusedByBoth: 0 };
    const wrongAccepts: string[] = [];
    const unexplained: string[] = [];
    for (const [i, c] of cases.entries()) {
      const theirs = go[i]!;
      if (theirs.ok) tally.goAccepted++;
      for (const profile of ['linkerd', 'strict'] as const) {
        const r = await ours(c, profile);
        const row = `${c.id} ${profile}: l5d-pki ${r.ok ? 'accepts' : r.code}, Go ${theirs.ok ? 'accepts' : theirs.kind} ${JSON.stringify(c.shape)}`;
        if (r.ok) {
          if (!theirs.ok && !followsRfc5280(c, profile, theirs)) wrongAccepts.push(row);
        } else if (theirs.ok) {
          if (!stricterOnPurpose(c, profile, r)) unexplained.push(row);
        } else tally.refusedByBoth++;
      }
    }
    expect(wrongAccepts).toEqual([]);
    expect(unexplained).toEqual([]);
    // The sample exercises both verdicts: a good share of chains valid, a good share not.
    expect(tally.goAccepted).toBeGreaterThan(RUNS / 5);
    expect(tally.refusedByBoth).toBeGreaterThan(RUNS / 5);
  });
});
