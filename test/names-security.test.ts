// Name types never cross, DNS names compare as DNS names, and only valid identity names are issued.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { identityFlag } from '../src/cli/args';
import { csr as csrCommand } from '../src/cli/commands/csr';
import { issue as issueCommand } from '../src/cli/commands/issue';
import { CliError } from '../src/cli/errors';
import type { Io } from '../src/cli/io';
import { cryptoBackend, setCryptoBackend } from '../src/crypto/backend';
import { createCsr, parseCsr, summarizeSans } from '../src/csr';
import { bitString, integer, octetString, oid, sequence, setOf, tlv } from '../src/der';
import { createIssuer, type Issuer } from '../src/issuer';
import { generateKeyPair, type PrivateKey } from '../src/keys';
import { checkLinkerdCsr, issueLeaf, issueLeafForKey } from '../src/leaf';
import { identityNameProblem, linkerdIdentity, requireIdentityName } from '../src/spiffe/linkerd';
import { Verifier, verifyChain, verifyLinkerdPeer } from '../src/verify';
import { dnsPatternMatches, parseReferenceName, sansMatch } from '../src/verify/names';
import { ECDSA_WITH_SHA256 } from '../src/x509/encode';
import { OID } from '../src/x509/oids';
import type { GeneralName } from '../src/x509/types';
import { codeOf, codeOfAsync, NOW, WEB_IDENTITY, WEB_SPIFFE_ID } from './helpers/pki';
import { AT, gn, intermediate, type Minted, leaf as mintLeaf, root } from './verify-certs';

const WEB = WEB_IDENTITY;
const SUFFIX = '.serviceaccount.identity.linkerd.cluster.local';
const ADMIN_SPIFFE_ID = 'spiffe://identity.linkerd.cluster.local/ns/linkerd/sa/admin';

/** Real names longer than 64 characters, and the longest a DNS name can be. */
const IDENTITY_SERVICE = `linkerd-identity.linkerd${SUFFIX}`; // 70
const METRICS_API = `metrics-api.linkerd-viz${SUFFIX}`; // 69
const NAME_120 = linkerdIdentity({ serviceAccount: 's'.repeat(36), namespace: 'n'.repeat(37) });
const LABEL_63 = linkerdIdentity({ serviceAccount: 'a'.repeat(63), namespace: 'shop' });
const NAME_253 = linkerdIdentity({
  serviceAccount: 'a'.repeat(63),
  namespace: 'b'.repeat(63),
  trustDomain: `${'c'.repeat(63)}.${'d'.repeat(29)}`,
});

/** Texts that are not Linkerd identity names, each for a reason the validator must catch. */
const NOT_IDENTITY_NAMES: readonly string[] = [
  `*.shop${SUFFIX}`,
  `Web.shop${SUFFIX}`,
  `${WEB}.`,
  `${WEB} `,
  ` ${WEB}`,
  `web\u0000.shop${SUFFIX}`,
  `${WEB}\u0000.evil.example`,
  ADMIN_SPIFFE_ID,
  'a,CN=admin',
  'Not A Name',
  'a..b',
  '.a.b',
  '-a.b',
  'a-.b',
  'web_shop.example.com',
  `wéb.shop${SUFFIX}`,
  `${'a'.repeat(64)}.shop${SUFFIX}`,
  `${'a'.repeat(254 - SUFFIX.length - 5)}.shop${SUFFIX}`,
];

/** Runs `fn` and gives its result, or `throws CODE` for a PkiError. */
async function outcome(fn: () => Promise<{ ok: boolean; code?: string } | { ok: true }>): Promise<string> {
  try {
    const r = (await fn()) as { ok: boolean; code?: string };
    return r.ok ? 'ok' : (r.code ?? 'failed');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return `throws ${typeof code === 'string' ? code : String(e)}`;
  }
}

describe('reference names and SANs of different types never match', () => {
  const anchor = root('Names Root');
  const ca = intermediate(anchor, 'Names Issuer');
  const verifier = new Verifier({ bundle: anchor.pem });
  const peer = (...san: Uint8Array[]): Minted => mintLeaf(ca, 'peer', { san });

  /** What verifyLinkerdPeer, verifyChain and a warm Verifier say about `p` and `name`. */
  async function verdicts(p: Minted, name: string): Promise<{ peer: string; chain: string; warm: string }> {
    const input = { leaf: p.der, intermediates: [ca.der], at: AT };
    return {
      peer: await outcome(() => verifyLinkerdPeer({ ...input, bundle: anchor.pem, expectedIdentity: name })),
      chain: await outcome(() => verifyChain({ ...input, bundle: anchor.pem, name })),
      warm: await outcome(async () => {
        await verifier.verify(input);
        return verifier.verify({ ...input, name });
      }),
    };
  }
  const all = (v: string) => ({ peer: v, chain: v, warm: v });

  it('a DNS SAN whose text is a SPIFFE ID is not that SPIFFE ID', async () => {
    const forged = peer(gn.dns(ADMIN_SPIFFE_ID));
    expect(await verdicts(forged, ADMIN_SPIFFE_ID)).toEqual(all('NAME_MISMATCH'));
    const both = peer(gn.dns(ADMIN_SPIFFE_ID), gn.uri(WEB_SPIFFE_ID));
    expect(await verdicts(both, ADMIN_SPIFFE_ID)).toEqual(all('NAME_MISMATCH'));
    expect(await verdicts(both, WEB_SPIFFE_ID)).toEqual(all('ok'));
  });

  it('a URI SAN whose text is a DNS name is not that DNS name', async () => {
    const forged = peer(gn.uri(WEB));
    expect(await verdicts(forged, WEB)).toEqual(all('NAME_MISMATCH'));
    expect(await verdicts(forged, WEB.toUpperCase())).toEqual(all('NAME_MISMATCH'));
  });

  it('an IP address matches only iPAddress SANs, never a DNS SAN that reads like one', async () => {
    expect(await verdicts(peer(gn.dns('10.0.0.1')), '10.0.0.1')).toEqual(all('NAME_MISMATCH'));
    expect(await verdicts(peer(gn.ip([10, 0, 0, 1])), '10.0.0.1')).toEqual(all('ok'));
    expect(await verdicts(peer(gn.ip([10, 0, 0, 1])), '10.0.0.2')).toEqual(all('NAME_MISMATCH'));
  });

  it('a DNS SAN whose text is not a DNS name or pattern matches nothing, not even its own text', async () => {
    for (const text of [
      `${WEB}.`,
      `${WEB} `,
      `${WEB}\u0000.evil.example`,
      'a,CN=admin',
      'Not A Name',
      'web_shop.example.com',
      `*.*.shop${SUFFIX}`,
      `w*.shop${SUFFIX}`,
      '*',
      '',
    ]) {
      const forged = peer(gn.dns(text));
      for (const name of new Set([text, text.trim(), text.replace(/\.$/, ''), WEB])) {
        if (name === '') continue;
        const v = await verdicts(forged, name);
        for (const [how, verdict] of Object.entries(v)) {
          expect(
            ['NAME_MISMATCH', 'throws ERR_INVALID_ARGUMENT'],
            `${how} ${JSON.stringify(text)} as ${JSON.stringify(name)}`,
          ).toContain(verdict);
        }
      }
    }
  });

  it('a wildcard is no identity: a Linkerd peer matches exactly, and a wildcard reference is refused', async () => {
    const wild = peer(gn.dns(`*.shop${SUFFIX}`));
    expect((await verdicts(wild, WEB)).peer).toBe('NAME_MISMATCH');
    expect((await verdicts(wild, WEB)).chain).toBe('ok'); // RFC 6125 for generic verification
    expect(await verdicts(wild, `*.shop${SUFFIX}`)).toEqual(all('throws ERR_INVALID_ARGUMENT'));
  });

  it('DNS names compare case-insensitively everywhere; URIs compare exactly', async () => {
    const mixed = peer(gn.dns(`Web.Shop.ServiceAccount.Identity.Linkerd.Cluster.Local`));
    expect(await verdicts(mixed, WEB)).toEqual(all('ok'));
    expect(await verdicts(peer(gn.dns(WEB)), WEB.toUpperCase())).toEqual(all('ok'));
    const spiffe = peer(gn.uri(WEB_SPIFFE_ID));
    expect(await verdicts(spiffe, WEB_SPIFFE_ID)).toEqual(all('ok'));
    expect(await verdicts(spiffe, WEB_SPIFFE_ID.replace('/sa/web', '/sa/Web'))).toEqual(all('NAME_MISMATCH'));
  });

  it("follows Go's trailing-dot rule: one dot off the reference name, none in the SAN", async () => {
    const plain = peer(gn.dns(WEB));
    expect(await verdicts(plain, `${WEB}.`)).toEqual(all('ok'));
    expect(await verdicts(plain, `${WEB.toUpperCase()}.`)).toEqual(all('ok'));
    expect(await verdicts(plain, `${WEB}..`)).toEqual(all('throws ERR_INVALID_ARGUMENT'));
    expect(await verdicts(plain, '.')).toEqual(all('throws ERR_INVALID_ARGUMENT'));
    const dotted = peer(gn.dns(`${WEB}.`));
    expect(await verdicts(dotted, WEB)).toEqual(all('NAME_MISMATCH'));
    expect(await verdicts(dotted, `${WEB}.`)).toEqual(all('NAME_MISMATCH'));
    const wildDotted = peer(gn.dns(`*.shop${SUFFIX}.`));
    expect((await verdicts(wildDotted, WEB)).chain).toBe('NAME_MISMATCH');
  });

  it('parseReferenceName, sansMatch and dnsPatternMatches keep the types and the dot rule', () => {
    expect(parseReferenceName('Example.COM.')).toEqual({ type: 'dns', value: 'example.com' });
    expect(codeOf(() => parseReferenceName('example.com..'))).toBe('ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        parseReferenceName(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(parseReferenceName(`${NAME_253}.`)).toEqual({ type: 'dns', value: NAME_253 });
    const sans: GeneralName[] = [
      { type: 'dns', value: ADMIN_SPIFFE_ID },
      { type: 'uri', value: WEB },
      { type: 'dns', value: '10.0.0.1' },
    ];
    expect(sansMatch(sans, parseReferenceName(ADMIN_SPIFFE_ID))).toBe(false);
    expect(sansMatch(sans, parseReferenceName(WEB))).toBe(false);
    expect(sansMatch(sans, parseReferenceName('10.0.0.1'))).toBe(false);
    expect(dnsPatternMatches('example.com.', 'example.com')).toBe(false);
    expect(dnsPatternMatches('*.example.com.', 'a.example.com')).toBe(false);
    expect(dnsPatternMatches('EXAMPLE.com', 'example.com')).toBe(true);
  });
});

/** A CSR with exactly one DNS SAN of any text and an empty subject, as a hostile workload could send. */
async function rawCsr(key: PrivateKey, dns: string): Promise<Uint8Array> {
  const san = sequence(
    oid(OID.subjectAltName),
    octetString(sequence(tlv(0x82, new TextEncoder().encode(dns)))),
  );
  const extensionRequest = sequence(oid(OID.extensionRequest), setOf(sequence(san)));
  const info = sequence(integer(0), sequence(), key.publicKey.spki, tlv(0xa0, extensionRequest));
  return sequence(info, ECDSA_WITH_SHA256, bitString(await key.sign(info)));
}

/** Counts P-256 signatures from now on (the backend is restored after each test). */
function countSignatures(): () => number {
  const base = cryptoBackend();
  let calls = 0;
  setCryptoBackend({
    ...base,
    signP256: (key, data) => {
      calls++;
      return base.signP256(key, data);
    },
  });
  return () => calls;
}

describe('issuance writes only valid identity names', () => {
  let issuer: Issuer;
  let key: PrivateKey;

  beforeAll(async () => {
    issuer = await createIssuer({ anchor: await createTrustAnchor({ now: NOW }), now: NOW });
    key = await generateKeyPair();
  });
  afterEach(() => setCryptoBackend(undefined));

  it('one validator says why a text is not a Linkerd identity name', () => {
    for (const good of [WEB, IDENTITY_SERVICE, METRICS_API, NAME_120, LABEL_63, NAME_253, 'x', 'a.b']) {
      expect(identityNameProblem(good), good).toBeUndefined();
      expect(requireIdentityName(good)).toBe(good);
    }
    expect(NAME_253).toHaveLength(253);
    for (const bad of NOT_IDENTITY_NAMES) {
      expect(identityNameProblem(bad), JSON.stringify(bad)).toMatch(/\S/);
      expect(
        codeOf(() => requireIdentityName(bad)),
        JSON.stringify(bad),
      ).toBe('ERR_IDENTITY_INVALID');
    }
    expect(identityNameProblem('')).toMatch(/empty/);
    expect(identityNameProblem(`*.shop${SUFFIX}`)).toMatch(/wildcard/);
    expect(identityNameProblem(`Web.shop${SUFFIX}`)).toMatch(/uppercase/);
    expect(identityNameProblem(`${WEB}.`)).toMatch(/dot/);
    expect(identityNameProblem(`${'a'.repeat(64)}.shop${SUFFIX}`)).toMatch(/63/);
    expect(identityNameProblem(NOT_IDENTITY_NAMES.at(-1)!)).toMatch(/253/);
    expect(codeOf(() => requireIdentityName(42 as unknown as string))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('issueLeaf refuses every invalid identity in every mode before anything is signed', async () => {
    for (const bad of NOT_IDENTITY_NAMES) {
      const csr = await rawCsr(key, bad);
      const signatures = countSignatures();
      for (const spiffe of [false, true, { trustDomain: 'example.org' }] as const) {
        const code = await codeOfAsync(() => issueLeaf({ issuer, csr, identity: bad, now: NOW, spiffe }));
        expect(code, `${JSON.stringify(bad)} spiffe: ${JSON.stringify(spiffe)}`).toBe('ERR_IDENTITY_INVALID');
      }
      expect(signatures(), JSON.stringify(bad)).toBe(0);
      setCryptoBackend(undefined);
    }
  });

  it('issueLeafForKey and checkLinkerdCsr refuse them too', async () => {
    for (const bad of NOT_IDENTITY_NAMES) {
      const csr = await rawCsr(key, bad);
      const signatures = countSignatures();
      for (const spiffe of [false, true] as const) {
        const code = await codeOfAsync(() =>
          issueLeafForKey({ issuer, publicKey: key.publicKey, identity: bad, now: NOW, spiffe }),
        );
        expect(code, JSON.stringify(bad)).toBe('ERR_IDENTITY_INVALID');
      }
      expect(await codeOfAsync(() => checkLinkerdCsr({ csr, identity: bad })), JSON.stringify(bad)).toBe(
        'ERR_IDENTITY_INVALID',
      );
      expect(signatures()).toBe(0);
      setCryptoBackend(undefined);
    }
  });

  it('createCsr refuses an invalid identity, extra DNS name or URI before signing', async () => {
    const signatures = countSignatures();
    for (const bad of NOT_IDENTITY_NAMES) {
      expect(await codeOfAsync(() => createCsr({ key, identity: bad })), JSON.stringify(bad)).toBe(
        'ERR_IDENTITY_INVALID',
      );
    }
    for (const dns of [ADMIN_SPIFFE_ID, 'a,CN=admin', `${WEB}.`, 'Web.example.com', '*.example.com', '']) {
      expect(await codeOfAsync(() => createCsr({ key, identity: WEB, dnsNames: [dns] })), dns).toBe(
        'ERR_NAME_INVALID',
      );
    }
    for (const uri of [WEB, '', 'spiffe://td/a b', 'spiffe://td/a\u0000', '://x', 'spiffe://td/é']) {
      expect(await codeOfAsync(() => createCsr({ key, identity: WEB, uris: [uri] })), uri).toBe(
        'ERR_NAME_INVALID',
      );
    }
    expect(await codeOfAsync(() => createCsr({ key, identity: 7 as unknown as string }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(signatures()).toBe(0);
    const fine = await createCsr({
      key,
      identity: WEB,
      dnsNames: ['web.example.com'],
      uris: [WEB_SPIFFE_ID],
    });
    expect(summarizeSans(parseCsr(fine.der).subjectAltNames)).toMatchObject({
      dns: [WEB, 'web.example.com'],
      uri: [WEB_SPIFFE_ID],
    });
  });
});

describe('identities longer than 64 characters', () => {
  let issuer: Issuer;
  let anchorPem: string;

  beforeAll(async () => {
    const anchor = await createTrustAnchor({ now: NOW });
    anchorPem = anchor.pem;
    issuer = await createIssuer({ anchor, now: NOW });
  });

  it.each([
    ['the identity service (70)', IDENTITY_SERVICE],
    ['metrics-api (69)', METRICS_API],
    ['120 characters', NAME_120],
    ['a 63-character label', LABEL_63],
    ['253 characters', NAME_253],
  ])('createCsr, issueLeaf and the verifiers take %s', async (_, identity) => {
    const key = await generateKeyPair();
    const csr = await createCsr({ key, identity });
    const parsed = parseCsr(csr.der);
    expect(parsed.subject.commonName).toBe(identity);
    expect(summarizeSans(parsed.subjectAltNames).dns).toEqual([identity]);
    for (const spiffe of [true, false] as const) {
      const leaf = await issueLeaf({ issuer, csr: csr.der, identity, now: NOW, spiffe });
      expect(leaf.certificate.subject.commonName).toBe(identity);
      const input = { leaf: leaf.der, intermediates: leaf.chain, bundle: anchorPem, at: NOW };
      expect((await verifyLinkerdPeer({ ...input, expectedIdentity: identity })).ok).toBe(true);
      expect((await verifyChain({ ...input, name: identity })).ok).toBe(true);
    }
  });

  it('refuses names over DNS limits: 254 characters, or a 64-character label', async () => {
    const key = await generateKeyPair();
    const over = `${'a'.repeat(254 - SUFFIX.length - 5)}.shop${SUFFIX}`;
    expect(over).toHaveLength(254);
    for (const identity of [over, `${'a'.repeat(64)}.shop${SUFFIX}`]) {
      expect(await codeOfAsync(() => createCsr({ key, identity }))).toBe('ERR_IDENTITY_INVALID');
      expect(
        await codeOfAsync(() =>
          issueLeafForKey({ issuer, publicKey: key.publicKey, identity, now: NOW, spiffe: false }),
        ),
      ).toBe('ERR_IDENTITY_INVALID');
    }
  });

  it('anchors and issuers take long explicit common names, as Go writes them', async () => {
    const long = `${'Long Anchor Name '.repeat(8)}end`;
    const anchor = await createTrustAnchor({ now: NOW, commonName: long });
    expect(anchor.certificate.subject.commonName).toBe(long);
    const issuerName = `issuer.${'i'.repeat(63)}.${'j'.repeat(40)}.linkerd.cluster.local`;
    const longIssuer = await createIssuer({ anchor, now: NOW, commonName: issuerName });
    expect(longIssuer.certificate.subject.commonName).toBe(issuerName);
    const leaf = await issueLeafForKey({
      issuer: longIssuer,
      publicKey: (await generateKeyPair()).publicKey,
      identity: IDENTITY_SERVICE,
      now: NOW,
    });
    const result = await verifyChain({
      leaf: leaf.der,
      intermediates: leaf.chain,
      bundle: anchor.pem,
      at: NOW,
    });
    expect(result.ok).toBe(true);
  });
});

describe('the CLI takes long identities and validates with the library', () => {
  let dir: string;
  const io: Io = { out: () => {}, err: () => {}, errIsTty: false };
  const path = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l5d-pki-names-'));
    const issuer = await createIssuer({ anchor: await createTrustAnchor() });
    writeFileSync(path('issuer.crt'), issuer.pem);
    writeFileSync(path('issuer.key'), issuer.key.exportPkcs8Pem());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The exit status, or the CliError's status and library code. */
  async function cli(command: typeof csrCommand, args: string[]): Promise<string> {
    try {
      return String(await command(args, io));
    } catch (e) {
      if (e instanceof CliError) return `${e.status} ${e.code ?? ''}`.trim();
      throw e;
    }
  }

  it.each([
    ['70', IDENTITY_SERVICE],
    ['120', NAME_120],
    ['253', NAME_253],
  ])('csr and issue accept a %s-character identity', async (n, identity) => {
    const files = ['--key-out', path(`key-${n}.p8`), '--csr-out', path(`csr-${n}.der`)];
    expect(await cli(csrCommand, ['--identity', identity, ...files])).toBe('0');
    expect(parseCsr(new Uint8Array(readFileSync(path(`csr-${n}.der`)))).subject.commonName).toBe(identity);
    const out = path(`leaf-${n}.crt`);
    const issueArgs = ['--issuer-cert', path('issuer.crt'), '--issuer-key', path('issuer.key')];
    expect(
      await cli(issueCommand, [
        ...issueArgs,
        '--csr',
        path(`csr-${n}.der`),
        '--identity',
        identity,
        '--out',
        out,
      ]),
    ).toBe('0');
    expect(readFileSync(out, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('never echoes a long text, such as a key pasted as the identity', async () => {
    const pasted = (await generateKeyPair()).exportPkcs8Pem().replace(/\n/g, '');
    const secret = pasted.slice(30, 90);
    for (const fn of [() => identityFlag(pasted, 'csr'), () => requireIdentityName(pasted)]) {
      let message = '';
      try {
        fn();
      } catch (e) {
        message = String((e as Error).message);
      }
      expect(message).toMatch(/-character text/);
      expect(message).not.toContain(secret);
    }
  });

  it('csr and issue refuse what the library refuses, as usage errors', async () => {
    for (const bad of [
      `Web.shop${SUFFIX}`,
      `${WEB}.`,
      `*.shop${SUFFIX}`,
      ADMIN_SPIFFE_ID,
      NOT_IDENTITY_NAMES.at(-1)!,
    ]) {
      const files = ['--key-out', path('never.p8'), '--csr-out', path('never.der')];
      expect(await cli(csrCommand, ['--identity', bad, ...files]), bad).toMatch(/^2\b/);
      const issueArgs = ['--issuer-cert', path('issuer.crt'), '--issuer-key', path('issuer.key')];
      expect(
        await cli(issueCommand, [
          ...issueArgs,
          '--csr',
          path('csr-70.der'),
          '--identity',
          bad,
          '--no-spiffe',
        ]),
        bad,
      ).toMatch(/^2\b/);
    }
  });
});
