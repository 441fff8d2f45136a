// Malformed certificates that still carry a valid signature, against Go's crypto/x509: a Linkerd chain
// made by the library (anchor, issuer, workload leaf) or one whose issuer has name constraints of every
// form, then the leaf's, the issuer's or the anchor's TBSCertificate mutated (byte flips, lengths,
// truncations, DER tree edits: duplicated, removed, swapped or retagged fields, edge integers, times and
// strings) and signed again by its issuer's key, so that only the parse and the profile can refuse it.
// Every mutant l5d-pki accepts, Go must accept too.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { isPkiError } from '../src/errors';
import { createIssuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { issueLeafForKey } from '../src/leaf';
import { type Profile, verifyChain } from '../src/verify';
import { type GoVerifyQuestion, runGo, verifyWithGo } from './helpers/go';
import { applyMutations, type Mutation, mutationsArb } from './helpers/mutate';
import { signAgain, signedParts } from './helpers/resign';
import { gn, intermediate, leaf, root } from './verify-certs';

const SEED = 20_261_205;
const RUNS = 4000;
const IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
const NOW = new Date('2026-06-01T12:00:00Z');
const AT = new Date(NOW.getTime() + 3_600_000);

interface Mutant {
  readonly id: string;
  readonly base: 'linkerd' | 'constrained';
  readonly where: 'leaf' | 'issuer' | 'anchor';
  readonly mutations: readonly Mutation[];
  readonly usage: 'server' | 'client';
  readonly leaf: Uint8Array;
  readonly issuer: Uint8Array;
  readonly anchor: Uint8Array;
}

/** A chain to mutate, with the keys that sign its issuer and its leaf. */
interface Base {
  readonly anchor: Uint8Array;
  readonly issuer: Uint8Array;
  readonly leaf: Uint8Array;
  readonly anchorKey: KeyObject;
  readonly issuerKey: KeyObject;
}

/** A Linkerd chain as the library makes it. */
async function linkerdChain(): Promise<Base> {
  const anchor = await createTrustAnchor({ now: NOW });
  const issuer = await createIssuer({ anchor, now: NOW });
  const leaf = await issueLeafForKey({
    issuer,
    publicKey: (await generateKeyPair()).publicKey,
    identity: IDENTITY,
    now: NOW,
  });
  const keyOf = (pkcs8: Uint8Array) =>
    createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    anchor: anchor.certificate.der,
    issuer: issuer.certificate.der,
    leaf: leaf.der,
    anchorKey: keyOf(anchor.key.exportPkcs8()),
    issuerKey: keyOf(issuer.key.exportPkcs8()),
  };
}

/** A chain whose issuer carries name constraints of every form, over a leaf with a SPIFFE ID. */
function constrainedChain(): Base {
  const anchor = root('root.linkerd.cluster.local');
  const issuer = intermediate(anchor, 'identity.linkerd.cluster.local', {
    permitted: [
      gn.dns('identity.linkerd.cluster.local'),
      gn.uri('identity.linkerd.cluster.local'),
      gn.ip([10, 0, 0, 0, 255, 0, 0, 0]),
      gn.email('linkerd.io'),
    ],
    excluded: [gn.dns('evil.identity.linkerd.cluster.local'), gn.uri('.evil.local')],
  });
  const workload = leaf(issuer, IDENTITY, {
    san: [gn.dns(IDENTITY), gn.uri('spiffe://identity.linkerd.cluster.local/ns/shop/sa/web')],
  });
  return {
    anchor: anchor.der,
    issuer: issuer.der,
    leaf: workload.der,
    anchorKey: anchor.key.privateKey,
    issuerKey: issuer.key.privateKey,
  };
}

const shape = fc.record({
  base: fc.constantFrom<'linkerd' | 'constrained'>('linkerd', 'constrained'),
  where: fc.oneof(
    { arbitrary: fc.constant<'leaf'>('leaf'), weight: 3 },
    { arbitrary: fc.constant<'issuer'>('issuer'), weight: 2 },
    { arbitrary: fc.constant<'anchor'>('anchor'), weight: 1 },
  ),
  mutations: mutationsArb,
  usage: fc.constantFrom<'server' | 'client'>('server', 'client'),
});

/**
 * Why l5d-pki's default profile may refuse a mutant Go accepts: its DER reader is strict where Go 1.19's
 * is lenient (trailing data inside a structure, a string that breaks its type, a GeneralName of an
 * unknown form), so an unreadable issuer leaves its leaf without one (`UNKNOWN_ISSUER`) and an
 * unreadable anchor makes a bad bundle (`ERR_BUNDLE_INVALID`, thrown); its algorithm
 * policy refuses a leaf key it does not know, which Go does not need to verify the path; and its profile
 * refuses what rustls-webpki refuses (an extension that must not be critical) and a negative serial
 * number, as Go itself does since 1.23. Never a verdict about names, time, usage or signatures.
 */
const STRICTER_ENCODING: ReadonlySet<string> = new Set([
  'MALFORMED',
  'ERR_BUNDLE_INVALID',
  'UNKNOWN_ISSUER',
  'UNSUPPORTED_ALGORITHM',
  'PROFILE_VIOLATION',
]);

describe.skipIf(!runGo)("malformed but signed certificates against Go's crypto/x509", () => {
  it('finds no mutant l5d-pki accepts and Go refuses, on either profile', async () => {
    const bases = { linkerd: await linkerdChain(), constrained: constrainedChain() };
    const mutants: Mutant[] = fc.sample(shape, { seed: SEED, numRuns: RUNS }).map((s, i) => {
      const m = bases[s.base];
      const mutated = (der: Uint8Array, key: KeyObject) => {
        const { body, algorithm } = signedParts(der);
        return signAgain(applyMutations(body, s.mutations), algorithm, key);
      };
      const leaf = s.where === 'leaf' ? mutated(m.leaf, m.issuerKey) : m.leaf;
      const issuer = s.where === 'issuer' ? mutated(m.issuer, m.anchorKey) : m.issuer;
      const anchor = s.where === 'anchor' ? mutated(m.anchor, m.anchorKey) : m.anchor;
      return { id: `mutant-${i}`, ...s, leaf, issuer, anchor };
    });
    const question = (x: Mutant): GoVerifyQuestion => ({
      id: x.id,
      roots: [x.anchor],
      intermediates: [x.issuer],
      leaf: x.leaf,
      name: IDENTITY,
      usage: x.usage,
      at: AT,
    });
    const go = verifyWithGo(mutants.map(question));
    // An anchor that does not parse is a bad bundle, which verifyChain throws on: a refusal here.
    const ours = (x: Mutant, profile: Profile): Promise<{ ok: boolean; code?: string; reason?: string }> =>
      verifyChain({
        leaf: x.leaf,
        intermediates: [x.issuer],
        bundle: [x.anchor],
        at: AT,
        usage: x.usage,
        name: IDENTITY,
        profile,
      }).catch((e: unknown) => {
        if (!isPkiError(e, 'ERR_BUNDLE_INVALID')) throw e;
        return { ok: false, code: e.code, reason: e.message };
      });
    const wrongAccepts: string[] = [];
    const unexplained: string[] = [];
    let goAccepted = 0;
    for (const [i, x] of mutants.entries()) {
      const theirs = go[i]!;
      if (theirs.ok) goAccepted++;
      for (const profile of ['linkerd', 'strict'] as const) {
        const r = await ours(x, profile);
        const row = `${x.id} (${x.where}, ${JSON.stringify(x.mutations)}) ${profile}: l5d-pki ${r.ok ? 'accepts' : `${r.code} (${r.reason})`}, Go ${theirs.ok ? 'accepts' : theirs.err}`;
        if (r.ok && !theirs.ok) wrongAccepts.push(row);
        if (!r.ok && theirs.ok && profile === 'linkerd' && !STRICTER_ENCODING.has(r.code ?? ''))
          unexplained.push(row);
      }
    }
    expect(wrongAccepts).toEqual([]);
    expect(unexplained).toEqual([]);
    // The mutants reach past the parsers: some still verify.
    expect(goAccepted).toBeGreaterThan(RUNS / 50);
  });
});
