// Federation: trust domains each with their own SPIFFE bundle, built from documents, PEM or both; an SVID
// verifies against its own trust domain's bundle and no other's; bundles rotate with overlapping anchors
// and are updated only by newer sequence numbers. Run on the node:crypto and the WebCrypto backends.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/run';
import { setCryptoBackend } from '../src/crypto/backend';
import { webCryptoBackend } from '../src/crypto/webcrypto';
import { matchMemberOf } from '../src/spiffe';
import {
  bundleRefreshDelay,
  createSpiffeBundleSet,
  parseSpiffeBundle,
  spiffeBundleFromPem,
  writeSpiffeBundle,
} from '../src/spiffe-bundle';
import { type SvidVerifyResult, TrustBundleSet, verifySvid } from '../src/verify';
import { codeOf } from './helpers/pki';
import { AT, gn, intermediate, type Minted, mint, root } from './verify-certs';

const EAST = 'east.example';
const WEST = 'west.example';
const SPIRE = 'spire.example.org';

/** An X509-SVID for `id` under `issuer`. */
function svid(issuer: Minted, id: string): Minted {
  return mint({ cn: 'svid', issuer, san: [gn.uri(id)] });
}

function outcome(result: SvidVerifyResult): string | [string, number] {
  return result.ok ? `ok ${result.trustDomain}` : [result.code, result.certIndex];
}

/** A trust domain: its root, an intermediate, a workload SVID. */
function domain(td: string) {
  const ca = root(`${td} root`);
  const inter = intermediate(ca, `${td} issuer`);
  const leaf = svid(inter, `spiffe://${td}/workload`);
  return {
    td,
    ca,
    inter,
    leaf,
    document: (sequence: number) => writeSpiffeBundle({ bundle: [ca.pem], sequence }),
  };
}

const east = domain(EAST);
const west = domain(WEST);
const spire = domain(SPIRE);

const verify = (d: { leaf: Minted; inter: Minted }, bundles: TrustBundleSet) =>
  verifySvid({ leaf: d.leaf.der, intermediates: [d.inter.der], bundles, at: AT });

for (const backend of ['node:crypto', 'WebCrypto'] as const) {
  describe(`federation (${backend})`, () => {
    beforeAll(() => {
      if (backend === 'WebCrypto') setCryptoBackend(webCryptoBackend(globalThis.crypto.subtle));
    });
    afterAll(() => setCryptoBackend(undefined));

    it('two trust domains: each SVID verifies against its own bundle only', async () => {
      const bundles = createSpiffeBundleSet({ [EAST]: east.document(1), [WEST]: west.document(1) });
      expect(outcome(await verify(east, bundles))).toBe(`ok ${EAST}`);
      expect(outcome(await verify(west, bundles))).toBe(`ok ${WEST}`);
      // Each domain alone knows only its own SVIDs.
      expect(outcome(await verify(west, bundles.without(WEST)))).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
    });

    it('three trust domains from documents, PEM and a parsed bundle together', async () => {
      const bundles = createSpiffeBundleSet(
        new Map<string, string | ReturnType<typeof parseSpiffeBundle>>([
          [EAST, east.document(4)],
          [WEST, west.ca.pem],
          [SPIRE, parseSpiffeBundle({ trustDomain: SPIRE, document: spire.document(9) })],
        ]),
      );
      expect(bundles.trustDomains).toEqual([EAST, WEST, SPIRE]);
      expect([
        bundles.get(EAST)?.sequence,
        bundles.get(WEST)?.sequence,
        bundles.get(SPIRE)?.sequence,
      ]).toEqual([4, undefined, 9]);
      for (const d of [east, west, spire]) {
        expect(outcome(await verify(d, bundles)), d.td).toBe(`ok ${d.td}`);
        const expected = await verifySvid({
          leaf: d.leaf.der,
          intermediates: [d.inter.der],
          bundles,
          at: AT,
          expectedId: matchMemberOf(d.td),
        });
        expect(outcome(expected)).toBe(`ok ${d.td}`);
      }
    });

    it("an SVID presented to the wrong domain's bundle is refused, even when that bundle trusts its CA", async () => {
      // west's SVID is filed under east's trust domain only: no bundle of its own.
      const only = createSpiffeBundleSet({ [EAST]: east.document(1) });
      expect(outcome(await verify(west, only))).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
      // east's bundle holds west's root too: still west's SVID needs west's bundle.
      const both = createSpiffeBundleSet({
        [EAST]: writeSpiffeBundle({ bundle: [east.ca.pem, west.ca.pem] }),
      });
      expect(outcome(await verify(west, both))).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
      // A bundle for west that holds only east's root: west's SVID does not chain to it.
      const swapped = createSpiffeBundleSet({ [EAST]: east.document(1), [WEST]: east.ca.pem });
      expect(outcome(await verify(west, swapped))).toEqual(['UNKNOWN_ISSUER', 1]);
      // An SVID of east signed by west's CA: east's bundle does not trust west's CA.
      const forged = svid(west.inter, `spiffe://${EAST}/workload`);
      const bundles = createSpiffeBundleSet({ [EAST]: east.document(1), [WEST]: west.document(1) });
      const result = await verifySvid({ leaf: forged.der, intermediates: [west.inter.der], bundles, at: AT });
      expect(outcome(result)).toEqual(['UNKNOWN_ISSUER', 1]);
    });

    it('a rotated bundle with overlapping anchors verifies old and new SVIDs, then drops the old', async () => {
      const next = root(`${EAST} next root`);
      const nextInter = intermediate(next, `${EAST} next issuer`);
      const nextLeaf = { leaf: svid(nextInter, `spiffe://${EAST}/workload`), inter: nextInter };
      let bundles = createSpiffeBundleSet({ [EAST]: east.document(1), [WEST]: west.document(1) });
      expect(outcome(await verify(nextLeaf, bundles))).toEqual(['UNKNOWN_ISSUER', 1]);
      // Step 1: both anchors, sequence 2.
      const overlap = parseSpiffeBundle({
        trustDomain: EAST,
        document: writeSpiffeBundle({ bundle: [east.ca.pem, next.pem], sequence: 2, refreshHint: '1m' }),
      });
      const step1 = bundles.update(overlap);
      expect(step1.ok && step1.changed).toBe(true);
      bundles = step1.bundles;
      expect(outcome(await verify(east, bundles))).toBe(`ok ${EAST}`);
      expect(outcome(await verify(nextLeaf, bundles))).toBe(`ok ${EAST}`);
      expect(bundleRefreshDelay({ bundle: bundles.get(EAST)! })).toBe(60_000);
      // Step 2: the new anchor only, sequence 3.
      const step2 = bundles.update(
        parseSpiffeBundle({
          trustDomain: EAST,
          document: writeSpiffeBundle({ bundle: [next.pem], sequence: 3 }),
        }),
      );
      expect(step2.ok).toBe(true);
      bundles = step2.bundles;
      expect(outcome(await verify(east, bundles))).toEqual(['UNKNOWN_ISSUER', 1]);
      expect(outcome(await verify(nextLeaf, bundles))).toBe(`ok ${EAST}`);
      // The overlapping bundle again (an old response replayed): refused, the set unchanged.
      const replay = bundles.update(overlap);
      expect(replay.ok ? 'ok' : replay.code).toBe('SEQUENCE_STALE');
      expect(replay.bundles).toBe(bundles);
      expect(outcome(await verify(east, replay.bundles))).toEqual(['UNKNOWN_ISSUER', 1]);
      // West was never touched.
      expect(outcome(await verify(west, bundles))).toBe(`ok ${WEST}`);
    });
  });
}

describe('sequence-aware updates', () => {
  const a = root('Seq A');
  const b = root('Seq B');
  const at = (sequence: number | undefined, anchors: Minted[], refreshHint?: number) =>
    spiffeBundleFromPem({
      trustDomain: EAST,
      bundle: anchors.map((m) => m.pem).join(''),
      ...(sequence === undefined ? {} : { sequence }),
      ...(refreshHint === undefined ? {} : { refreshHint }),
    });
  const base = new TrustBundleSet({ [EAST]: at(5, [a]) });

  it('a newer sequence replaces, an older one is refused, the same one is no change', () => {
    const newer = base.update(at(6, [b]));
    expect(newer.ok && newer.changed).toBe(true);
    expect(newer.bundles.get(EAST)?.sequence).toBe(6);
    expect(newer.bundles.get(EAST)?.store.anchors.map((c) => c.der)).toEqual([b.der]);
    const older = base.update(at(4, [b]));
    expect(older.ok ? 'ok' : [older.code, older.reason]).toEqual([
      'SEQUENCE_STALE',
      `the bundle of trust domain "${EAST}" has sequence 4, older than the 5 held`,
    ]);
    const same = base.update(at(5, [a]));
    expect(same.ok && !same.changed && same.bundles === base).toBe(true);
  });

  it('the same sequence with other anchors or hint is a conflict; no sequence after one is refused', () => {
    const other = base.update(at(5, [a, b]));
    expect(other.ok ? 'ok' : other.code).toBe('SEQUENCE_CONFLICT');
    const hint = base.update(at(5, [a], 60_000));
    expect(hint.ok ? 'ok' : hint.code).toBe('SEQUENCE_CONFLICT');
    const missing = base.update(at(undefined, [b]));
    expect(missing.ok ? 'ok' : missing.code).toBe('SEQUENCE_MISSING');
    // `with` replaces whatever the sequence.
    expect(base.with(EAST, b.pem).get(EAST)?.sequence).toBeUndefined();
  });

  it('takes any bundle for a new trust domain, or over one without a sequence', () => {
    const added = base.update({ trustDomain: WEST, x509Authorities: [b.pem], sequence: 0 });
    expect(added.ok && added.bundles.trustDomains).toEqual([EAST, WEST]);
    const plain = new TrustBundleSet({ [EAST]: a.pem });
    expect(plain.update(at(1, [b])).ok).toBe(true);
    expect(plain.update(at(undefined, [b])).ok).toBe(true);
  });

  it('an empty bundle empties the domain but keeps its sequence, so an older one stays refused', async () => {
    const emptied = base.update(
      parseSpiffeBundle({ trustDomain: EAST, document: '{"keys":[],"spiffe_sequence":7}' }),
    );
    expect(emptied.ok).toBe(true);
    const set = emptied.bundles;
    expect([set.has(EAST), set.size, set.trustDomains]).toEqual([false, 0, []]);
    const leaf = svid(a, `spiffe://${EAST}/w`);
    const result = await verifySvid({ leaf: leaf.der, bundles: set, at: AT });
    expect(outcome(result)).toEqual(['TRUST_DOMAIN_UNKNOWN', 0]);
    // The old anchors cannot come back with an older sequence; a newer one restores the domain.
    expect(set.update(at(6, [a])).ok).toBe(false);
    const restored = set.update(at(8, [a]));
    expect(restored.ok && restored.bundles.has(EAST)).toBe(true);
    // Defederating forgets the sequence.
    expect(set.without(EAST).update(at(1, [a])).ok).toBe(true);
  });

  it('keeps sequence and hint through with, without and a set given to a set', () => {
    const two = base.with(WEST, { x509Authorities: [b.pem], sequence: 2, refreshHint: '30s' });
    expect([two.get(WEST)?.sequence, two.get(WEST)?.refreshHint]).toEqual([2, 30_000]);
    expect(two.get(EAST)?.sequence).toBe(5);
    expect(new TrustBundleSet(two).get(EAST)?.sequence).toBe(5);
    expect(two.without(WEST).get(EAST)?.sequence).toBe(5);
  });

  it('checks what it is given', () => {
    expect(codeOf(() => base.update({ x509Authorities: [a.pem] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => base.update({ trustDomain: EAST, x509Authorities: [a.pem], sequence: -1 }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => base.update({ trustDomain: EAST, x509Authorities: [a.pem], sequence: 2 ** 53 })),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => base.update({ trustDomain: EAST, x509Authorities: 'pem' as never }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => base.update({ trustDomain: EAST, x509Authorities: ['not pem'] }))).toBe(
      'ERR_BUNDLE_INVALID',
    );
    // A bundle filed under another trust domain's name.
    expect(codeOf(() => new TrustBundleSet({ [WEST]: at(1, [a]) }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => createSpiffeBundleSet({ [EAST]: '{"keys": 1}' }))).toBe('ERR_SPIFFE_BUNDLE_INVALID');
    expect(() => createSpiffeBundleSet({ [EAST]: '{"keys": 1}' })).toThrow(`trust domain "${EAST}"`);
  });
});

describe('from a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'l5d-pki-federation-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, data: string) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const status = await run(argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      errIsTty: false,
    });
    return { status, out, err };
  }
  const eastJson = file('east.json', east.document(3));
  const westPem = file('west.pem', west.ca.pem);
  const chain = (d: { leaf: Minted; inter: Minted }, name: string) => file(name, d.leaf.pem + d.inter.pem);
  const at = AT.toISOString();

  it('verify --spiffe-bundle: each SVID against its own trust domain, documents and PEM mixed', async () => {
    const bundles = ['--spiffe-bundle', `${EAST}=${eastJson}`, '--spiffe-bundle', `${WEST}=${westPem}`];
    const ok = await cli('verify', '--chain', chain(west, 'west-chain.pem'), ...bundles, '--at', at);
    expect([ok.status, ok.err]).toEqual([0, '']);
    expect(ok.out).toContain(`SPIFFE ID     spiffe://${WEST}/workload`);
    const json = await cli(
      'verify',
      '--chain',
      chain(east, 'east-chain.pem'),
      ...bundles,
      '--at',
      at,
      '--json',
    );
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, trustDomain: EAST });
    const expected = await cli(
      'verify',
      '--chain',
      chain(east, 'east-chain.pem'),
      ...bundles,
      '--at',
      at,
      '--spiffe',
      `spiffe://${WEST}/workload`,
    );
    expect(expected.status).toBe(1);
    expect(expected.err).toContain('[NAME_MISMATCH]');
    // Only east's bundle: west's SVID has none.
    const wrong = await cli(
      'verify',
      '--chain',
      chain(west, 'west-chain.pem'),
      '--spiffe-bundle',
      `${EAST}=${eastJson}`,
      '--at',
      at,
    );
    expect(wrong.status).toBe(1);
    expect(wrong.err).toBe(
      `l5d-pki: invalid: leaf: no X.509 bundle for trust domain "${WEST}": the bundles are of 1 other trust domain [TRUST_DOMAIN_UNKNOWN]\n`,
    );
    // West's SVID filed under west's name with east's anchors.
    const swapped = await cli(
      'verify',
      '--chain',
      chain(west, 'west-chain.pem'),
      '--spiffe-bundle',
      `${WEST}=${eastJson}`,
      '--at',
      at,
    );
    expect([swapped.status, swapped.err.includes('[UNKNOWN_ISSUER]')]).toEqual([1, true]);
  });

  it('verify --spiffe-bundle: usage errors and unreadable bundles exit 2', async () => {
    const c = chain(east, 'east-chain.pem');
    for (const argv of [
      ['--spiffe-bundle', eastJson],
      ['--spiffe-bundle', `${EAST}=`],
      ['--spiffe-bundle', `${EAST}=${eastJson}`, '--spiffe-bundle', `${EAST}=${westPem}`],
      ['--spiffe-bundle', `${EAST}=${eastJson}`, '--bundle', westPem],
      [
        '--spiffe-bundle',
        `${EAST}=${eastJson}`,
        '--identity',
        'web.shop.serviceaccount.identity.linkerd.cluster.local',
      ],
      ['--spiffe-bundle', `spiffe://${EAST}=${eastJson}`],
      ['--spiffe-bundle', `${EAST}=${file('bad.json', '{"keys": [{"use": "jwt-svid", "kty": "EC"}]}')}`],
      ['--spiffe-bundle', `${EAST}=${join(dir, 'missing.json')}`],
    ]) {
      const r = await cli('verify', '--chain', c, ...argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err.split('\n')).toHaveLength(2);
    }
    const bad = await cli('verify', '--chain', c, '--spiffe-bundle', `${EAST}=${join(dir, 'bad.json')}`);
    expect(bad.err).toContain('key 0 (jwt-svid): keyID cannot be empty');
    expect(bad.err).toContain('[ERR_SPIFFE_BUNDLE_KEY]');
  });

  it('inspect summarises a bundle document', async () => {
    const doc = file(
      'rich.json',
      writeSpiffeBundle({
        bundle: [east.ca.pem, west.ca.pem],
        jwtAuthorities: [
          {
            kty: 'EC',
            kid: 'jwt-1',
            crv: 'P-256',
            x: JSON.parse(east.document(1)).keys[0].x,
            y: JSON.parse(east.document(1)).keys[0].y,
          },
        ],
        sequence: 12,
        refreshHint: '5m',
      }),
    );
    const text = await cli('inspect', doc, '--trust-domain', EAST);
    expect(text.status).toBe(0);
    expect(text.out).toContain(`trust domain   ${EAST}`);
    expect(text.out).toContain('sequence       12');
    expect(text.out).toContain('refresh hint   5m0s');
    expect(text.out).toContain('X.509 authorities: 2');
    expect(text.out).toContain(`CN=${EAST} root`);
    expect(text.out).toContain('jwt-1 (EC P-256)');
    const json = JSON.parse((await cli('inspect', doc, '--json')).out);
    expect(json).toMatchObject({
      kind: 'spiffe-bundle',
      trustDomain: null,
      sequence: 12,
      refreshHint: '5m0s',
    });
    expect(json.x509Authorities.map((c: { sha256: string }) => c.sha256)).toEqual(
      [east.ca.der, west.ca.der].map((d) => createHash('sha256').update(d).digest('hex')),
    );
    expect(json.jwtAuthorities).toEqual([{ kid: 'jwt-1', kty: 'EC', crv: 'P-256' }]);
    expect((await cli('inspect', file('nokeys.json', '{}'))).status).toBe(2);
    expect((await cli('inspect', westPem, '--trust-domain', EAST)).status).toBe(2);
  });

  it('manifests spiffe-bundle prints the document for the anchors', async () => {
    const anchors = file('anchors.pem', east.ca.pem + west.ca.pem);
    const r = await cli(
      'manifests',
      'spiffe-bundle',
      '--anchors',
      anchors,
      '--trust-domain',
      EAST,
      '--sequence',
      '3',
      '--refresh-hint',
      '5m',
    );
    expect(r.status).toBe(0);
    expect(r.out).toBe(
      writeSpiffeBundle({ bundle: [east.ca.pem, west.ca.pem], sequence: 3, refreshHint: 300_000 }),
    );
    const back = parseSpiffeBundle({ trustDomain: EAST, document: r.out });
    expect([back.x509Authorities.length, back.sequence, back.refreshHint]).toEqual([2, 3, 300_000]);
    for (const argv of [
      ['--anchors', anchors],
      ['--trust-domain', EAST],
      ['--anchors', anchors, '--trust-domain', 'Not A Domain'],
      ['--anchors', anchors, '--trust-domain', EAST, '--sequence', '-1'],
      ['--anchors', anchors, '--trust-domain', EAST, '--refresh-hint', '1500ms'],
    ]) {
      expect((await cli('manifests', 'spiffe-bundle', ...argv)).status, argv.join(' ')).toBe(2);
    }
    expect((await cli('manifests', 'spiffe-bundle', '--help')).out).toContain('--refresh-hint DUR');
  });
});
