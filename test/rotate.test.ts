import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, createTrustAnchor, parseBundle, writeBundle } from '../src/anchor';
import { createIssuer, type Issuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { type IssuedLeaf, issueLeafForKey } from '../src/leaf';
import { formatRotationPlan, planAnchorRotation, rotateIssuer } from '../src/rotate';
import { verifyChain } from '../src/verify';
import { codeOf, codeOfAsync, IDENTITY, NOW, seededRandom, WEB_IDENTITY } from './helpers/pki';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function at(offset: number): Date {
  return new Date(NOW.getTime() + offset);
}

async function leafOf(issuer: Issuer, identity: string, when: Date, seed: string): Promise<IssuedLeaf> {
  const key = await generateKeyPair({ random: seededRandom(seed) });
  return issueLeafForKey({
    issuer,
    publicKey: key.publicKey,
    identity,
    now: when,
    random: seededRandom(`${seed} serial`),
  });
}

describe('rotateIssuer', () => {
  let anchor: CertificateAuthority;
  let oldIssuer: Issuer;

  beforeAll(async () => {
    anchor = await createTrustAnchor({ now: NOW, random: seededRandom('rotate anchor') });
    oldIssuer = await createIssuer({
      anchor,
      now: NOW,
      commonName: 'identity.linkerd.example.org',
      random: seededRandom('rotate old issuer'),
    });
  });

  it('makes a new issuer under the same anchor: leaves of both verify under the unchanged bundle', async () => {
    const when = at(200 * DAY);
    const newIssuer = await rotateIssuer({
      anchor,
      current: oldIssuer,
      now: when,
      random: seededRandom('rotate new'),
    });
    expect(newIssuer.certificate.subject.commonName).toBe('identity.linkerd.example.org');
    expect(newIssuer.key.publicKey.equals(oldIssuer.key.publicKey)).toBe(false);
    expect(newIssuer.certificate.notBefore.getTime()).toBe(when.getTime() - 10_000);

    const oldLeaf = await leafOf(oldIssuer, IDENTITY, at(200 * DAY - HOUR), 'old leaf');
    const newLeaf = await leafOf(newIssuer, WEB_IDENTITY, when, 'new leaf');
    for (const leaf of [oldLeaf, newLeaf]) {
      const result = await verifyChain({
        leaf: leaf.certificate,
        intermediates: leaf.chain,
        bundle: anchor.pem,
        at: when,
      });
      expect(result.ok).toBe(true);
    }
  });

  it('takes an explicit CN over the current one, and works without a current issuer', async () => {
    const named = await rotateIssuer({
      anchor,
      current: oldIssuer.certificate,
      commonName: 'other',
      now: NOW,
    });
    expect(named.certificate.subject.commonName).toBe('other');
    const fresh = await rotateIssuer({ anchor, now: NOW });
    expect(fresh.certificate.subject.commonName).toBe('identity.linkerd.cluster.local');
  });

  it('refuses a current issuer from another anchor', async () => {
    const other = await createTrustAnchor({
      now: NOW,
      commonName: 'other-root',
      random: seededRandom('other'),
    });
    expect(await codeOfAsync(() => rotateIssuer({ anchor: other, current: oldIssuer, now: NOW }))).toBe(
      'ERR_ISSUER_CHAIN',
    );
  });
});

describe('planAnchorRotation: old anchor to new, end to end', () => {
  const MARGIN = HOUR;
  let oldAnchor: CertificateAuthority;
  let newAnchor: CertificateAuthority;
  let oldIssuer: Issuer;
  let newIssuer: Issuer;
  let oldLeaves: IssuedLeaf[];

  beforeAll(async () => {
    oldAnchor = await createTrustAnchor({
      now: at(-100 * DAY),
      commonName: 'root-2025',
      random: seededRandom('old a'),
    });
    oldIssuer = await createIssuer({ anchor: oldAnchor, now: at(-100 * DAY), random: seededRandom('old i') });
    newAnchor = await createTrustAnchor({ now: NOW, commonName: 'root-2026', random: seededRandom('new a') });
    newIssuer = await createIssuer({ anchor: newAnchor, now: NOW, random: seededRandom('new i') });
    oldLeaves = [
      await leafOf(oldIssuer, IDENTITY, at(-2 * HOUR), 'leaf 1'),
      await leafOf(oldIssuer, WEB_IDENTITY, at(-HOUR), 'leaf 2'),
    ];
  });

  function plan() {
    return planAnchorRotation({
      currentBundle: oldAnchor.pem,
      newAnchor,
      newIssuer,
      margin: MARGIN,
      now: NOW,
    });
  }

  it('lays out three dated steps with their bundles', () => {
    const p = plan();
    expect(p.steps.map((s) => s.id)).toEqual(['add-new-anchor', 'switch-issuer', 'remove-old-anchor']);
    const [add, switchIssuer, remove] = p.steps;
    expect(parseBundle(add.bundle!).map((c) => c.subject.commonName)).toEqual(['root-2025', 'root-2026']);
    expect(switchIssuer.bundle).toBeUndefined();
    expect(parseBundle(remove.bundle!).map((c) => c.subject.commonName)).toEqual(['root-2026']);
    expect(add.notBefore).toEqual(NOW);
    expect(switchIssuer.notBefore).toEqual(NOW); // the new issuer's notBefore (NOW − 10 s) is already past
    expect(remove.notBefore).toEqual(at(DAY + MARGIN));
    expect(p.oldAnchors.map((c) => c.subject.commonName)).toEqual(['root-2025']);
    expect(p.newAnchor.subject.commonName).toBe('root-2026');
  });

  it('step 1 is safe: running leaves and the old issuer verify under old + new', async () => {
    const [add] = plan().steps;
    const result = await add.check({ leaves: oldLeaves, issuers: [oldIssuer], at: NOW });
    expect(result.ok).toBe(true);
    expect(result.items.map((i) => [i.kind, i.index, i.ok])).toEqual([
      ['leaf', 0, true],
      ['leaf', 1, true],
      ['issuer', 0, true],
    ]);
    expect(result.items[0]!.validUntil).toEqual(oldLeaves[0]!.validUntil);
  });

  it('step 2 is safe for the new issuer and refuses an issuer that is not the new anchor’s', async () => {
    const [, switchIssuer] = plan().steps;
    const planned = await switchIssuer.check({ leaves: [oldLeaves[0]!.chainPem], at: NOW });
    expect(planned.ok).toBe(true);
    expect(planned.items.map((i) => `${i.kind}:${i.subject}`)).toEqual([
      `leaf:${IDENTITY}`,
      'issuer:identity.linkerd.cluster.local',
    ]);
    const wrong = await switchIssuer.check({ issuers: [oldIssuer], at: NOW });
    expect(wrong.ok).toBe(false);
    expect(wrong.items[0]).toMatchObject({ kind: 'issuer', ok: false, code: 'UNKNOWN_ISSUER' });
    expect(wrong.items[0]!.reason).toMatch(/^under the new anchor alone: /);
  });

  it('step 3 is safe once every leaf comes from the new issuer, and fails while one chains only to the old anchor', async () => {
    const [, , remove] = plan().steps;
    const when = remove.notBefore;
    const refreshed = [
      await leafOf(newIssuer, IDENTITY, at(20 * HOUR), 'refreshed 1'),
      await leafOf(newIssuer, WEB_IDENTITY, at(22 * HOUR), 'refreshed 2'),
    ];
    const safe = await remove.check({ leaves: refreshed, issuers: [newIssuer], at: when });
    expect(safe.ok).toBe(true);

    // A straggler still holding a leaf from the old issuer (issued late, so not yet expired).
    const straggler = await leafOf(oldIssuer, WEB_IDENTITY, at(20 * HOUR), 'straggler');
    const unsafe = await remove.check({ leaves: [...refreshed, straggler], issuers: [newIssuer], at: when });
    expect(unsafe.ok).toBe(false);
    expect(unsafe.items.filter((i) => !i.ok)).toEqual([
      expect.objectContaining({ kind: 'leaf', index: 2, code: 'UNKNOWN_ISSUER', subject: WEB_IDENTITY }),
    ]);
    // The same straggler was fine under the combined bundle of step 1.
    const [add] = plan().steps;
    expect((await add.check({ leaves: [straggler], at: when })).ok).toBe(true);
  });

  it('dates step 3 from a new issuer that starts later, and takes the anchor as PEM', async () => {
    // Made 2 days and 10 s from now, so its notBefore (backdated 10 s) is 2 days from now.
    const later = await createIssuer({
      anchor: newAnchor,
      now: at(2 * DAY + 10_000),
      random: seededRandom('later i'),
    });
    const p = planAnchorRotation({
      currentBundle: writeBundle([oldAnchor.certificate, newAnchor.certificate]),
      newAnchor: newAnchor.pem,
      newIssuer: { certificate: later.certificate },
      leafLifetime: '12h',
      margin: 0,
      now: NOW,
    });
    expect(p.oldAnchors).toHaveLength(1);
    expect(p.steps[1].notBefore).toEqual(at(2 * DAY));
    expect(p.steps[2].notBefore).toEqual(at(2 * DAY + 12 * HOUR));
  });

  it('formats the plan', () => {
    const text = formatRotationPlan(plan());
    expect(text).toContain('anchor rotation\n  retiring:    root-2025 (serial ');
    expect(text).toContain('  introducing: root-2026 (serial ');
    expect(text).toContain(
      '1. Add the new anchor to the trust bundle [add-new-anchor]\n   not before: 2026-03-01T12:00:00Z\n',
    );
    expect(text).toContain('   bundle:     root-2025, root-2026\n');
    expect(text).toContain(
      '3. Drop the old anchor from the trust bundle [remove-old-anchor]\n   not before: 2026-03-02T13:00:00Z\n',
    );
    expect(text).toContain('At least 25h0m0s (one leaf lifetime and the margin)');
  });

  it('refuses bad input', () => {
    const base = { currentBundle: oldAnchor.pem, newAnchor, margin: MARGIN, now: NOW };
    expect(codeOf(() => planAnchorRotation({ ...base, newIssuer: oldIssuer }))).toBe('ERR_ISSUER_CHAIN');
    expect(codeOf(() => planAnchorRotation({ ...base, newAnchor: oldLeaves[0]!.certificate }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => planAnchorRotation({ ...base, margin: -1 }))).toBe('ERR_DURATION_INVALID');
    expect(codeOf(() => planAnchorRotation({ ...base, margin: '1d' }))).toBe('ERR_DURATION_INVALID');
    expect(codeOf(() => planAnchorRotation({ ...base, leafLifetime: 0 }))).toBe('ERR_LIFETIME_INVALID');
    expect(codeOf(() => planAnchorRotation({ ...base, now: new Date(Number.NaN) }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => planAnchorRotation({ ...base, currentBundle: '' }))).toBe('ERR_BUNDLE_EMPTY');
  });
});
