import { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, createTrustAnchor, parseBundle, writeBundle } from '../src/anchor';
import { createCsr, parseCsr } from '../src/csr';
import { bitString, integer, oid, sequence, setOf, tlv } from '../src/der';
import { createIssuer, type Issuer, loadIssuer } from '../src/issuer';
import { generateKeyPair, type PrivateKey } from '../src/keys';
import { type IssuedLeaf, issueLeaf, issueLeafForKey } from '../src/leaf';
import { encodePem } from '../src/pem';
import {
  authorityKeyIdExtension,
  caBasicConstraints,
  ECDSA_WITH_SHA256,
  encodeCommonNameOnly,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdExtension,
} from '../src/x509/encode';
import { keyIdentifier, signCertificate } from '../src/x509/mint';
import { OID } from '../src/x509/oids';
import { KeyUsage } from '../src/x509/types';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import {
  codeOf,
  codeOfAsync,
  hex,
  IDENTITY,
  NOW,
  SPIFFE_ID,
  seededRandom,
  WEB_IDENTITY,
  WEB_SPIFFE_ID,
} from './helpers/pki';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Unix seconds, for `openssl verify -attime`. */
const epoch = (d: Date | number) => String(Math.floor(new Date(d).getTime() / 1000));

/** One extension as `openssl x509 -text` prints it. */
interface PrintedExtension {
  readonly name: string;
  readonly critical: boolean;
  readonly value: string;
}

/** The X509v3 extensions section of `openssl x509 -text`, in order. */
function printedExtensions(text: string): PrintedExtension[] {
  const start = text.indexOf('        X509v3 extensions:\n');
  expect(start).toBeGreaterThan(0);
  const lines = text.slice(start).split('\n').slice(1);
  const out: { name: string; critical: boolean; value: string[] }[] = [];
  for (const line of lines) {
    const head = /^ {12}(\S[^:]*):( critical)?\s*$/.exec(line);
    if (head) out.push({ name: head[1]!, critical: head[2] !== undefined, value: [] });
    else if (line.startsWith('                ') && out.length) out.at(-1)!.value.push(line.trim());
    else break;
  }
  return out.map((e) => ({ name: e.name, critical: e.critical, value: e.value.join('\n') }));
}

/** `AB:CD:...` as openssl prints key identifiers. */
const colonHex = (b: Uint8Array | undefined) => (b ? hex(b).toUpperCase().match(/../g)!.join(':') : '');

/** Extension OIDs and critical flags as pkijs reads them. */
function pkijsExtensions(der: Uint8Array): [string, boolean][] {
  const cert = pkijs.Certificate.fromBER(der.slice());
  return (cert.extensions ?? []).map((e) => [e.extnID, e.critical]);
}

/** A CSR with any subject and SANs, signed by `key`. */
async function craftCsr(
  key: PrivateKey,
  subject: Uint8Array,
  sans: Parameters<typeof subjectAltNameExtension>[0],
) {
  const info = sequence(
    integer(0),
    subject,
    key.publicKey.spki,
    tlv(0xa0, sequence(oid(OID.extensionRequest), setOf(sequence(subjectAltNameExtension(sans))))),
  );
  return sequence(info, ECDSA_WITH_SHA256, bitString(await key.sign(info)));
}

/** A CA under `signer` made without createIssuer's checks, to show what they prevent. */
async function forceSubCa(signer: Issuer, commonName: string): Promise<Issuer> {
  const key = await generateKeyPair();
  const issued = await signCertificate(
    {
      serial: Uint8Array.of(0x11),
      issuer: signer.certificate.subject.der,
      subject: encodeCommonNameOnly(commonName),
      notBefore: NOW.getTime() - 10 * SECOND,
      notAfter: NOW.getTime() + DAY,
      spki: key.publicKey.spki,
      extensions: [
        keyUsageExtension(KeyUsage.keyCertSign | KeyUsage.cRLSign),
        caBasicConstraints(0),
        subjectKeyIdExtension(await keyIdentifier(key.publicKey.point)),
        authorityKeyIdExtension(signer.certificate.subjectKeyId!),
      ],
    },
    signer.key,
    {},
  );
  return { ...issued, key, chain: [signer.certificate, ...signer.chain], notAfterCut: false };
}

describe('minting: anchors, issuers and leaves', () => {
  let ossl: OpensslDir;
  let anchorA: CertificateAuthority;
  let anchorB: CertificateAuthority;
  let foreign: CertificateAuthority;
  let issuer: Issuer;
  let workloadKey: PrivateKey;
  let leaf: IssuedLeaf;
  let linkerdLeaf: IssuedLeaf;
  let bundlePem: string;

  beforeAll(async () => {
    ossl = new OpensslDir();
    anchorA = await createTrustAnchor({ now: NOW, commonName: 'root-a.linkerd.cluster.local' });
    anchorB = await createTrustAnchor({ now: NOW });
    foreign = await createTrustAnchor({ now: NOW, commonName: 'root.linkerd.cluster.local' });
    issuer = await createIssuer({ anchor: anchorB, now: NOW });
    workloadKey = await generateKeyPair();
    const csr = await createCsr({ key: workloadKey, identity: IDENTITY });
    leaf = await issueLeaf({ issuer, csr: csr.der, identity: IDENTITY, now: NOW });
    linkerdLeaf = await issueLeaf({ issuer, csr: csr.pem, identity: IDENTITY, now: NOW, spiffe: false });
    bundlePem = writeBundle([anchorA.certificate, anchorB.certificate]);
    ossl.write('bundle.pem', bundlePem);
    ossl.write('foreign.pem', foreign.pem);
    ossl.write('issuer.pem', issuer.pem);
    ossl.write('leaf.pem', leaf.pem);
    ossl.write('linkerd-leaf.pem', linkerdLeaf.pem);
    ossl.write('anchor-b.pem', anchorB.pem);
  });
  afterAll(() => ossl.cleanup());

  function verify(
    caFile: string,
    untrusted: string,
    leafFile: string,
    at: Date | number,
    extra: string[] = [],
  ) {
    return ossl.tryRun([
      'verify',
      '-x509_strict',
      '-attime',
      epoch(at),
      '-CAfile',
      caFile,
      '-untrusted',
      untrusted,
      ...extra,
      leafFile,
    ]);
  }

  describe.skipIf(!hasOpenssl)('openssl verify', () => {
    it('accepts leaf → issuer → the SECOND anchor of a two-anchor bundle, as server and client', () => {
      expect(parseBundle(bundlePem).map((c) => c.subject.commonName)).toEqual([
        'root-a.linkerd.cluster.local',
        'root.linkerd.cluster.local',
      ]);
      for (const purpose of [[], ['-purpose', 'sslserver'], ['-purpose', 'sslclient']]) {
        const r = verify('bundle.pem', 'issuer.pem', 'leaf.pem', NOW.getTime() + HOUR, purpose);
        expect(r.stdout + r.stderr, purpose.join(' ')).toContain('leaf.pem: OK');
        expect(r.status).toBe(0);
      }
      const linkerd = verify('bundle.pem', 'issuer.pem', 'linkerd-leaf.pem', NOW.getTime() + HOUR);
      expect(linkerd.status).toBe(0);
    });

    it('accepts the leaf chainPem as the untrusted set, and the issuer against the bundle', () => {
      ossl.write('chain.pem', leaf.chainPem);
      expect(verify('bundle.pem', 'chain.pem', 'leaf.pem', NOW.getTime() + HOUR).status).toBe(0);
      const r = ossl.tryRun([
        'verify',
        '-x509_strict',
        '-attime',
        epoch(NOW),
        '-CAfile',
        'bundle.pem',
        'issuer.pem',
      ]);
      expect(r.stdout).toContain('issuer.pem: OK');
    });

    it('refuses the chain against a foreign anchor with the same name', () => {
      const r = verify('foreign.pem', 'issuer.pem', 'leaf.pem', NOW.getTime() + HOUR);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(
        /unable to get local issuer certificate|certificate signature failure/,
      );
    });

    it('refuses an expired leaf and a leaf not yet valid (-attime)', () => {
      const after = verify(
        'bundle.pem',
        'issuer.pem',
        'leaf.pem',
        leaf.certificate.notAfter.getTime() + SECOND,
      );
      expect(after.status).not.toBe(0);
      expect(after.stdout + after.stderr).toContain('certificate has expired');
      const before = verify(
        'bundle.pem',
        'issuer.pem',
        'leaf.pem',
        leaf.certificate.notBefore.getTime() - SECOND,
      );
      expect(before.status).not.toBe(0);
      expect(before.stdout + before.stderr).toContain('certificate is not yet valid');
      const last = verify(
        'bundle.pem',
        'issuer.pem',
        'leaf.pem',
        leaf.certificate.notAfter.getTime() - SECOND,
      );
      expect(last.status).toBe(0);
    });
  });

  describe.skipIf(!hasOpenssl)('openssl x509 -text shows exactly the expected extensions', () => {
    const text = (file: string) => ossl.run(['x509', '-in', file, '-noout', '-text']).stdout;

    it('leaf: KU critical, EKU, AKI = issuer SKI, SAN DNS + SPIFFE URI; no basicConstraints', () => {
      const t = text('leaf.pem');
      expect(t).toContain(`Subject: CN = ${IDENTITY}`);
      expect(t).toContain('Issuer: CN = identity.linkerd.cluster.local');
      expect(t).toContain('Signature Algorithm: ecdsa-with-SHA256');
      expect(t).toContain('Version: 3 (0x2)');
      expect(printedExtensions(t)).toEqual([
        { name: 'X509v3 Key Usage', critical: true, value: 'Digital Signature, Key Encipherment' },
        {
          name: 'X509v3 Extended Key Usage',
          critical: false,
          value: 'TLS Web Server Authentication, TLS Web Client Authentication',
        },
        {
          name: 'X509v3 Authority Key Identifier',
          critical: false,
          value: colonHex(issuer.certificate.subjectKeyId),
        },
        {
          name: 'X509v3 Subject Alternative Name',
          critical: false,
          value: `DNS:${IDENTITY}, URI:${SPIFFE_ID}`,
        },
      ]);
      expect(issuer.certificate.subjectKeyId).toHaveLength(20);
    });

    it('issuer: CA:TRUE pathlen:0 critical, KU certSign+cRLSign critical, SKI, AKI = anchor SKI, SAN = CN', () => {
      const t = text('issuer.pem');
      expect(t).toContain('Subject: CN = identity.linkerd.cluster.local');
      expect(t).toContain('Issuer: CN = root.linkerd.cluster.local');
      expect(printedExtensions(t)).toEqual([
        { name: 'X509v3 Key Usage', critical: true, value: 'Certificate Sign, CRL Sign' },
        { name: 'X509v3 Basic Constraints', critical: true, value: 'CA:TRUE, pathlen:0' },
        {
          name: 'X509v3 Subject Key Identifier',
          critical: false,
          value: colonHex(issuer.certificate.subjectKeyId),
        },
        {
          name: 'X509v3 Authority Key Identifier',
          critical: false,
          value: colonHex(anchorB.certificate.subjectKeyId),
        },
        // Its name as a DNS SAN, as Linkerd's issuers carry it.
        {
          name: 'X509v3 Subject Alternative Name',
          critical: false,
          value: 'DNS:identity.linkerd.cluster.local',
        },
      ]);
    });

    it('anchor: CA:TRUE pathlen:1 by default, no pathlen with pathLen null; SKI and no AKI', async () => {
      const t = text('anchor-b.pem');
      expect(t).toContain('Subject: CN = root.linkerd.cluster.local');
      expect(t).toContain('Issuer: CN = root.linkerd.cluster.local');
      const expected = (bc: string) => [
        { name: 'X509v3 Key Usage', critical: true, value: 'Certificate Sign, CRL Sign' },
        { name: 'X509v3 Basic Constraints', critical: true, value: bc },
        {
          name: 'X509v3 Subject Key Identifier',
          critical: false,
          value: expect.stringMatching(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/),
        },
      ];
      expect(printedExtensions(t)).toEqual(expected('CA:TRUE, pathlen:1'));
      const noPathLen = await createTrustAnchor({ now: NOW, pathLen: null });
      ossl.write('anchor-nopathlen.pem', noPathLen.pem);
      expect(printedExtensions(text('anchor-nopathlen.pem'))).toEqual(expected('CA:TRUE'));
      expect(noPathLen.certificate.basicConstraints).toEqual({ ca: true, pathLen: undefined });
    });

    it('spiffe: false gives exactly Linkerd’s leaf: KU, EKU, AKI, SAN with one DNS name', () => {
      const t = text('linkerd-leaf.pem');
      const printed = printedExtensions(t);
      expect(printed.map((e) => [e.name, e.critical])).toEqual([
        ['X509v3 Key Usage', true],
        ['X509v3 Extended Key Usage', false],
        ['X509v3 Authority Key Identifier', false],
        ['X509v3 Subject Alternative Name', false],
      ]);
      expect(printed[3]!.value).toBe(`DNS:${IDENTITY}`);
      expect(pkijsExtensions(linkerdLeaf.der)).toEqual([
        [OID.keyUsage, true],
        [OID.extKeyUsage, false],
        [OID.authorityKeyIdentifier, false],
        [OID.subjectAltName, false],
      ]);
    });
  });

  describe('node:crypto X509Certificate', () => {
    it('parses every certificate; checkIssued and verify hold along the chain', () => {
      const a = new X509Certificate(anchorB.der);
      const b = new X509Certificate(anchorA.der);
      const i = new X509Certificate(issuer.der);
      const l = new X509Certificate(leaf.der);
      const ll = new X509Certificate(linkerdLeaf.der);
      expect([a.ca, b.ca, i.ca, l.ca, ll.ca]).toEqual([true, true, true, false, false]);
      expect(a.checkIssued(a)).toBe(true);
      expect(i.checkIssued(a)).toBe(true);
      expect(i.checkIssued(b)).toBe(false);
      expect(l.checkIssued(i)).toBe(true);
      expect(ll.checkIssued(i)).toBe(true);
      expect(l.checkIssued(a)).toBe(false);
      expect(i.verify(a.publicKey)).toBe(true);
      expect(l.verify(i.publicKey)).toBe(true);
      expect(l.verify(new X509Certificate(foreign.der).publicKey)).toBe(false);
      expect(l.subjectAltName).toBe(`DNS:${IDENTITY}, URI:${SPIFFE_ID}`);
      expect(ll.subjectAltName).toBe(`DNS:${IDENTITY}`);
      expect(l.subject).toBe(`CN=${IDENTITY}`);
      expect(l.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
      expect(l.serialNumber.toLowerCase()).toBe(leaf.certificate.serialHex);
      expect(new Date(l.validFrom).getTime()).toBe(leaf.certificate.notBefore.getTime());
      expect(new Date(l.validTo).getTime()).toBe(leaf.certificate.notAfter.getTime());
      expect(new Uint8Array(l.publicKey.export({ type: 'spki', format: 'der' }))).toEqual(
        workloadKey.publicKey.spki,
      );
    });

    it('the leaf chain carries the issuer and not the anchor', () => {
      expect(leaf.chain.map((c) => c.subject.commonName)).toEqual(['identity.linkerd.cluster.local']);
      expect(leaf.chainPem).toBe(leaf.pem + issuer.pem);
    });
  });

  describe('reproducible output', () => {
    it('same now, serial, random and keys give byte-identical DER, which openssl accepts', async () => {
      const mint = async () => {
        const random = seededRandom('repro');
        const anchorKey = await generateKeyPair({ random: seededRandom('anchor-key') });
        const issuerKey = await generateKeyPair({ random: seededRandom('issuer-key') });
        const anchor = await createTrustAnchor({ now: NOW, key: anchorKey, serial: 1n, random });
        const iss = await createIssuer({ anchor, key: issuerKey, now: NOW, serial: 2n, random });
        const l = await issueLeafForKey({
          issuer: iss,
          publicKey: workloadKey.publicKey,
          identity: IDENTITY,
          now: NOW,
          serial: 3n,
          random,
        });
        return [anchor.der, iss.der, l.der] as const;
      };
      const first = await mint();
      const second = await mint();
      for (let k = 0; k < 3; k++) expect(hex(second[k]!)).toBe(hex(first[k]!));
      const i = new X509Certificate(first[1]);
      expect(new X509Certificate(first[2]).verify(i.publicKey)).toBe(true);
      expect(i.verify(new X509Certificate(first[0]).publicKey)).toBe(true);
    });

    it('random alone (keys and serials drawn from it) reproduces the whole hierarchy', async () => {
      const mint = async () => {
        const random = seededRandom('whole');
        const anchor = await createTrustAnchor({ now: NOW, random });
        const iss = await createIssuer({ anchor, now: NOW, random });
        const l = await issueLeafForKey({
          issuer: iss,
          publicKey: workloadKey.publicKey,
          identity: IDENTITY,
          now: NOW,
          random,
        });
        return hex(anchor.der) + hex(iss.der) + hex(l.der);
      };
      expect(await mint()).toBe(await mint());
    });

    it('without random, everything but the signature is identical', async () => {
      const a = await issueLeafForKey({
        issuer,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
        serial: 9n,
      });
      const b = await issueLeafForKey({
        issuer,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
        serial: 9n,
      });
      expect(hex(a.certificate.tbs)).toBe(hex(b.certificate.tbs));
    });
  });

  describe('validity maths', () => {
    it('anchor and issuer: notBefore = now − 10 s, notAfter = now + lifetime + 10 s', () => {
      expect(anchorB.certificate.notBefore.getTime()).toBe(NOW.getTime() - 10 * SECOND);
      expect(anchorB.certificate.notAfter.getTime()).toBe(NOW.getTime() + 87_600 * HOUR + 10 * SECOND);
      expect(issuer.certificate.notBefore.getTime()).toBe(NOW.getTime() - 10 * SECOND);
      expect(issuer.certificate.notAfter.getTime()).toBe(NOW.getTime() + 8_760 * HOUR + 10 * SECOND);
      expect(issuer.notAfterCut).toBe(false);
    });

    it('leaf: notBefore = now − 10 s, notAfter = validUntil = now + 24 h + 10 s', () => {
      expect(leaf.certificate.notBefore.getTime()).toBe(NOW.getTime() - 10 * SECOND);
      expect(leaf.certificate.notAfter.getTime()).toBe(NOW.getTime() + DAY + 10 * SECOND);
      expect(leaf.validUntil.getTime()).toBe(leaf.certificate.notAfter.getTime());
    });

    it('sub-second now is truncated to whole seconds', async () => {
      const now = new Date(NOW.getTime() + 750);
      const l = await issueLeafForKey({ issuer, publicKey: workloadKey.publicKey, identity: IDENTITY, now });
      expect(l.certificate.notBefore.getTime()).toBe(NOW.getTime() - 10 * SECOND);
      expect(l.certificate.notAfter.getTime()).toBe(NOW.getTime() + DAY + 10 * SECOND);
      expect(l.validUntil.getTime()).toBe(l.certificate.notAfter.getTime());
    });

    it('the leaf is cut to the issuer notAfter, and validUntil equals it', async () => {
      const shortIssuer = await createIssuer({ anchor: anchorB, now: NOW, lifetime: HOUR });
      const l = await issueLeafForKey({
        issuer: shortIssuer,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: new Date(NOW.getTime() + 30 * 60_000),
      });
      expect(l.certificate.notAfter.getTime()).toBe(shortIssuer.certificate.notAfter.getTime());
      expect(l.validUntil.getTime()).toBe(shortIssuer.certificate.notAfter.getTime());
      expect(new X509Certificate(l.der).validTo).toBe(new X509Certificate(shortIssuer.der).validTo);
    });

    it('the issuer is cut to the anchor notAfter (notAfterCut)', async () => {
      const shortAnchor = await createTrustAnchor({ now: NOW, lifetime: 2 * DAY });
      const cut = await createIssuer({ anchor: shortAnchor, now: new Date(NOW.getTime() + DAY) });
      expect(cut.notAfterCut).toBe(true);
      expect(cut.certificate.notAfter.getTime()).toBe(shortAnchor.certificate.notAfter.getTime());
      const l = await issueLeafForKey({
        issuer: cut,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: new Date(shortAnchor.certificate.notAfter.getTime() - HOUR),
      });
      expect(l.validUntil.getTime()).toBe(shortAnchor.certificate.notAfter.getTime());
    });

    it('clockSkew and lifetime options move the bounds', async () => {
      const l = await issueLeafForKey({
        issuer,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
        clockSkew: 20 * SECOND,
        lifetime: 2 * HOUR,
      });
      expect(l.certificate.notBefore.getTime()).toBe(NOW.getTime() - 20 * SECOND);
      expect(l.certificate.notAfter.getTime()).toBe(NOW.getTime() + 2 * HOUR + 20 * SECOND);
    });
  });

  describe('issuance refusals', () => {
    it('identity mismatch: the CSR names another workload', async () => {
      const csr = await createCsr({ key: workloadKey, identity: WEB_IDENTITY });
      expect(await codeOfAsync(() => issueLeaf({ issuer, csr: csr.der, identity: IDENTITY, now: NOW }))).toBe(
        'ERR_CSR_IDENTITY_MISMATCH',
      );
    });

    it('CN mismatch (SAN right, CN another name) is refused; an empty CN is accepted', async () => {
      const bad = await craftCsr(workloadKey, encodeCommonNameOnly('someone.else'), { dns: [IDENTITY] });
      expect(await codeOfAsync(() => issueLeaf({ issuer, csr: bad, identity: IDENTITY, now: NOW }))).toBe(
        'ERR_CSR_IDENTITY_MISMATCH',
      );
      const empty = await craftCsr(workloadKey, sequence(), { dns: [IDENTITY] });
      expect(parseCsr(empty).subject.commonName).toBeUndefined();
      const ok = await issueLeaf({ issuer, csr: empty, identity: IDENTITY, now: NOW });
      expect(ok.certificate.subject.commonName).toBe(IDENTITY);
    });

    it('two DNS SANs, or none, are an identity mismatch', async () => {
      const two = await createCsr({ key: workloadKey, identity: IDENTITY, dnsNames: ['extra.example.com'] });
      expect(await codeOfAsync(() => issueLeaf({ issuer, csr: two.der, identity: IDENTITY, now: NOW }))).toBe(
        'ERR_CSR_IDENTITY_MISMATCH',
      );
    });

    it.each([
      ['URI', { dns: [IDENTITY], uri: [SPIFFE_ID] }],
      ['IP', { dns: [IDENTITY], ip: [Uint8Array.of(10, 0, 0, 1)] }],
      ['email', { dns: [IDENTITY], email: ['ops@example.com'] }],
    ])('a %s SAN in the CSR is ERR_CSR_FORBIDDEN_SAN', async (_kind, sans) => {
      const csr = await craftCsr(workloadKey, encodeCommonNameOnly(IDENTITY), sans);
      expect(await codeOfAsync(() => issueLeaf({ issuer, csr, identity: IDENTITY, now: NOW }))).toBe(
        'ERR_CSR_FORBIDDEN_SAN',
      );
    });

    it('a CSR whose signature does not verify is ERR_CSR_SIGNATURE', async () => {
      const csr = await createCsr({ key: workloadKey, identity: IDENTITY });
      const bad = csr.der.slice();
      bad[bad.length - 1]! ^= 1;
      expect(await codeOfAsync(() => issueLeaf({ issuer, csr: bad, identity: IDENTITY, now: NOW }))).toBe(
        'ERR_CSR_SIGNATURE',
      );
    });

    it.skipIf(!hasOpenssl)(
      'RSA and P-384 CSR keys are ERR_CSR_KEY_UNSUPPORTED (and ERR_KEY_UNSUPPORTED by key)',
      async () => {
        for (const [name, newkey] of [
          ['rsa', ['-newkey', 'rsa:1024']],
          ['p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
        ] as const) {
          ossl.run([
            'req',
            '-new',
            ...newkey,
            '-nodes',
            '-keyout',
            `${name}.key`,
            '-subj',
            `/CN=${IDENTITY}`,
            '-addext',
            `subjectAltName=DNS:${IDENTITY}`,
            '-out',
            `${name}.csr`,
          ]);
          const csr = ossl.readText(`${name}.csr`);
          expect(
            await codeOfAsync(() => issueLeaf({ issuer, csr, identity: IDENTITY, now: NOW })),
            name,
          ).toBe('ERR_CSR_KEY_UNSUPPORTED');
          const publicKey = parseCsr(csr).publicKey;
          expect(
            await codeOfAsync(() => issueLeafForKey({ issuer, publicKey, identity: IDENTITY, now: NOW })),
          ).toBe('ERR_KEY_UNSUPPORTED');
        }
      },
    );

    it('an expired or not-yet-valid issuer is refused', async () => {
      const csr = (await createCsr({ key: workloadKey, identity: IDENTITY })).der;
      const late = new Date(issuer.certificate.notAfter.getTime() + SECOND);
      const early = new Date(issuer.certificate.notBefore.getTime() - SECOND);
      expect(await codeOfAsync(() => issueLeaf({ issuer, csr, identity: IDENTITY, now: late }))).toBe(
        'ERR_ISSUER_EXPIRED',
      );
      expect(await codeOfAsync(() => issueLeaf({ issuer, csr, identity: IDENTITY, now: early }))).toBe(
        'ERR_ISSUER_NOT_YET_VALID',
      );
      const pk = workloadKey.publicKey;
      expect(
        await codeOfAsync(() => issueLeafForKey({ issuer, publicKey: pk, identity: IDENTITY, now: late })),
      ).toBe('ERR_ISSUER_EXPIRED');
      expect(
        await codeOfAsync(() =>
          createIssuer({ anchor: anchorB, now: new Date(anchorB.certificate.notAfter.getTime() + SECOND) }),
        ),
      ).toBe('ERR_ISSUER_EXPIRED');
      // The last second of validity still issues.
      const edge = await issueLeaf({ issuer, csr, identity: IDENTITY, now: issuer.certificate.notAfter });
      expect(edge.validUntil.getTime()).toBe(issuer.certificate.notAfter.getTime());
    });

    it('a certificate that is not a CA cannot issue', async () => {
      const pem = leaf.pem;
      expect(codeOf(() => loadIssuer({ certificate: pem, key: workloadKey.exportPkcs8Pem() }))).toBe(
        'ERR_ISSUER_NOT_CA',
      );
      const fake: Issuer = { ...issuer, certificate: leaf.certificate, der: leaf.der, pem, key: workloadKey };
      const csr = (await createCsr({ key: workloadKey, identity: IDENTITY })).der;
      expect(await codeOfAsync(() => issueLeaf({ issuer: fake, csr, identity: IDENTITY, now: NOW }))).toBe(
        'ERR_ISSUER_NOT_CA',
      );
      expect(await codeOfAsync(() => createIssuer({ anchor: fake, now: NOW }))).toBe('ERR_ISSUER_NOT_CA');
    });

    it('an issuer key that does not match its certificate is refused', async () => {
      const other = await generateKeyPair();
      expect(codeOf(() => loadIssuer({ certificate: issuer.pem, key: other.exportPkcs8Pem() }))).toBe(
        'ERR_KEY_MISMATCH',
      );
      const swapped: Issuer = { ...issuer, key: other };
      const pk = workloadKey.publicKey;
      expect(
        await codeOfAsync(() =>
          issueLeafForKey({ issuer: swapped, publicKey: pk, identity: IDENTITY, now: NOW }),
        ),
      ).toBe('ERR_KEY_MISMATCH');
      expect(await codeOfAsync(() => createIssuer({ anchor: { ...anchorB, key: other }, now: NOW }))).toBe(
        'ERR_KEY_MISMATCH',
      );
    });

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
      'a lifetime of %s is ERR_LIFETIME_INVALID',
      async (lifetime) => {
        const pk = workloadKey.publicKey;
        expect(
          await codeOfAsync(() =>
            issueLeafForKey({ issuer, publicKey: pk, identity: IDENTITY, now: NOW, lifetime }),
          ),
        ).toBe('ERR_LIFETIME_INVALID');
        expect(await codeOfAsync(() => createIssuer({ anchor: anchorB, now: NOW, lifetime }))).toBe(
          'ERR_LIFETIME_INVALID',
        );
        expect(await codeOfAsync(() => createTrustAnchor({ now: NOW, lifetime }))).toBe(
          'ERR_LIFETIME_INVALID',
        );
      },
    );

    it('an identity with no SPIFFE form needs spiffe: false', async () => {
      const pk = workloadKey.publicKey;
      expect(
        await codeOfAsync(() =>
          issueLeafForKey({ issuer, publicKey: pk, identity: 'web.example.com', now: NOW }),
        ),
      ).toBe('ERR_IDENTITY_INVALID');
      const plain = await issueLeafForKey({
        issuer,
        publicKey: pk,
        identity: 'web.example.com',
        now: NOW,
        spiffe: false,
      });
      expect(new X509Certificate(plain.der).subjectAltName).toBe('DNS:web.example.com');
      const td = await issueLeafForKey({
        issuer,
        publicKey: pk,
        identity: WEB_IDENTITY,
        now: NOW,
        spiffe: { trustDomain: 'example.org' },
      });
      expect(new X509Certificate(td.der).subjectAltName).toBe(
        `DNS:${WEB_IDENTITY}, URI:spiffe://example.org/ns/shop/sa/web`,
      );
      const dflt = await issueLeafForKey({ issuer, publicKey: pk, identity: WEB_IDENTITY, now: NOW });
      expect(new X509Certificate(dflt.der).subjectAltName).toBe(`DNS:${WEB_IDENTITY}, URI:${WEB_SPIFFE_ID}`);
    });
  });

  describe.skipIf(!hasOpenssl)('issuers in deeper hierarchies', () => {
    it('an issuer loaded from PEM (tls.crt + ca.crt, tls.key) issues leaves openssl accepts', async () => {
      const loaded = loadIssuer({
        certificate: issuer.pem,
        key: issuer.key.exportSec1Pem(),
        chain: [anchorB.pem],
      });
      expect(loaded.chain.map((c) => c.subject.commonName)).toEqual(['root.linkerd.cluster.local']);
      const l = await issueLeafForKey({
        issuer: loaded,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
      });
      expect(l.chainPem).toBe(l.pem + issuer.pem);
      ossl.write('loaded-leaf.pem', l.pem);
      ossl.write('loaded-chain.pem', l.chainPem);
      expect(verify('bundle.pem', 'loaded-chain.pem', 'loaded-leaf.pem', NOW).status).toBe(0);
    });

    it('anchor (pathLen 2) → intermediate (pathLen 1) → issuer → leaf verifies', async () => {
      const root = await createTrustAnchor({ now: NOW, pathLen: 2 });
      const mid = await createIssuer({
        anchor: root,
        now: NOW,
        pathLen: 1,
        commonName: 'mid.linkerd.cluster.local',
      });
      const iss = await createIssuer({ anchor: mid, now: NOW });
      expect(iss.chain.map((c) => c.subject.commonName)).toEqual([
        'mid.linkerd.cluster.local',
        'root.linkerd.cluster.local',
      ]);
      const l = await issueLeafForKey({
        issuer: iss,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
      });
      expect(l.chain).toHaveLength(2);
      ossl.write('deep-root.pem', root.pem);
      ossl.write('deep-chain.pem', l.chainPem);
      ossl.write('deep-leaf.pem', l.pem);
      expect(verify('deep-root.pem', 'deep-chain.pem', 'deep-leaf.pem', NOW).status).toBe(0);
    });

    it('an issuer with pathLen 0 cannot sign another CA (ERR_ISSUER_CHAIN)', async () => {
      expect(issuer.certificate.basicConstraints?.pathLen).toBe(0);
      const sub = { anchor: issuer, now: NOW, commonName: 'sub.linkerd.cluster.local' };
      expect(await codeOfAsync(() => createIssuer(sub))).toBe('ERR_ISSUER_CHAIN');
      // Nor can a CA two levels down from an anchor with pathLen 1.
      const mid = await createIssuer({ anchor: anchorB, now: NOW, pathLen: null, commonName: 'mid.example' });
      expect(await codeOfAsync(() => createIssuer({ anchor: mid, now: NOW }))).toBe('ERR_ISSUER_CHAIN');
      // openssl agrees: the CA the check refuses, signed by hand, gives a chain it rejects.
      const forced = await forceSubCa(issuer, 'sub.linkerd.cluster.local');
      const l0 = await issueLeafForKey({
        issuer: forced,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
      });
      ossl.write('toolong-chain.pem', l0.chainPem);
      ossl.write('toolong-leaf.pem', l0.pem);
      const r = verify('bundle.pem', 'toolong-chain.pem', 'toolong-leaf.pem', NOW);
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('path length constraint exceeded');
      // A self-issued CA (same name as its signer, as Linkerd's own fixtures have) does not count.
      const same = await createIssuer({
        anchor: anchorB,
        now: NOW,
        pathLen: null,
        commonName: 'root.linkerd.cluster.local',
      });
      const below = await createIssuer({ anchor: same, now: NOW });
      const l = await issueLeafForKey({
        issuer: below,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
      });
      ossl.write('pathlen-chain.pem', below.pem + same.pem);
      ossl.write('pathlen-leaf.pem', l.pem);
      expect(verify('anchor-b.pem', 'pathlen-chain.pem', 'pathlen-leaf.pem', NOW).status).toBe(0);
    });

    it('a self-issued intermediate (same name as its signer, not self-signed) stays in the leaf chain', async () => {
      const same = await createIssuer({
        anchor: anchorB,
        now: NOW,
        pathLen: null,
        commonName: 'root.linkerd.cluster.local',
      });
      expect(same.certificate.selfIssued).toBe(true);
      const below = await createIssuer({ anchor: same, now: NOW });
      const l = await issueLeafForKey({
        issuer: below,
        publicKey: workloadKey.publicKey,
        identity: IDENTITY,
        now: NOW,
      });
      // Only the self-signed anchor may be left out: `same` is signed by anchorB's key, not its own.
      expect(l.chain.map((c) => c.der)).toEqual([below.der, same.der]);
      ossl.write('selfissued-chain.pem', l.chainPem);
      ossl.write('selfissued-leaf.pem', l.pem);
      expect(verify('anchor-b.pem', 'selfissued-chain.pem', 'selfissued-leaf.pem', NOW).status).toBe(0);
    });
  });
});

describe('bundles', () => {
  let a: CertificateAuthority;
  let b: CertificateAuthority;
  let c: CertificateAuthority;
  beforeAll(async () => {
    a = await createTrustAnchor({ now: NOW, commonName: 'a.example' });
    b = await createTrustAnchor({ now: NOW, commonName: 'b.example' });
    c = await createTrustAnchor({ now: NOW, commonName: 'c.example' });
  });

  it('writes and parses back in order, dropping duplicates by DER', () => {
    const pem = writeBundle([b.certificate, a.certificate, b, c.certificate, a]);
    expect(pem).toBe(b.pem + a.pem + c.pem);
    const parsed = parseBundle(pem);
    expect(parsed.map((x) => x.subject.commonName)).toEqual(['b.example', 'a.example', 'c.example']);
    expect(
      parseBundle(`# comment\n${a.pem}\n${a.pem}junk between blocks\n${b.pem}`).map(
        (x) => x.subject.commonName,
      ),
    ).toEqual(['a.example', 'b.example']);
  });

  it('CRLF line ends parse', () => {
    expect(parseBundle((a.pem + b.pem).replace(/\n/g, '\r\n'))).toHaveLength(2);
  });

  it('refuses a block that is not a CERTIFICATE', async () => {
    const key = await generateKeyPair();
    expect(codeOf(() => parseBundle(a.pem + key.exportPkcs8Pem()))).toBe('ERR_BUNDLE_INVALID');
    expect(codeOf(() => parseBundle(encodePem('X509 CRL', a.der)))).toBe('ERR_BUNDLE_INVALID');
  });

  it('refuses an empty bundle and corrupt certificates', () => {
    expect(codeOf(() => parseBundle(''))).toBe('ERR_BUNDLE_EMPTY');
    expect(codeOf(() => parseBundle('no pem here'))).toBe('ERR_BUNDLE_EMPTY');
    expect(codeOf(() => writeBundle([]))).toBe('ERR_BUNDLE_EMPTY');
    expect(codeOf(() => parseBundle(encodePem('CERTIFICATE', a.der.subarray(0, 100))))).toBe(
      'ERR_CERT_INVALID',
    );
  });

  it.skipIf(!hasOpenssl)('openssl reads every certificate of a written bundle', () => {
    const ossl = new OpensslDir();
    try {
      ossl.write('b.pem', writeBundle([a, b, c]));
      const r = ossl.run(['storeutl', '-noout', '-certs', 'b.pem']);
      expect(r.stdout + r.stderr).toContain('Total found: 3');
    } finally {
      ossl.cleanup();
    }
  });
});
