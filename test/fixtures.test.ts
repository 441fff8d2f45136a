import { X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../src/csr';
import { PkiError } from '../src/errors';
import { loadIssuer } from '../src/issuer';
import { generateKeyPair, importPrivateKey, type PrivateKey } from '../src/keys';
import { issueLeaf } from '../src/leaf';
import { decodePem } from '../src/pem';
import { parseCertificate } from '../src/x509';
import { dataPath, dataText } from './helpers/fixtures';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { codeOf, codeOfAsync, IDENTITY, SPIFFE_ID } from './helpers/pki';

const CHECK = 'fixtures/linkerd-check/';
const SVID = 'fixtures/x509svid/';

/** A time inside the 2020–2030 validity of Linkerd's `valid` fixtures. */
const INSIDE = new Date('2025-06-01T00:00:00Z');

describe('Linkerd issuer fixtures (linkerd check)', () => {
  let ossl: OpensslDir;
  let workload: PrivateKey;

  beforeAll(async () => {
    ossl = new OpensslDir();
    workload = await generateKeyPair();
  });
  afterAll(() => ossl?.cleanup());

  it.each([
    ['valid', INSIDE],
    ['valid-with-rsa-anchor', INSIDE],
  ])('the %s issuer loads and issues leaves openssl verifies against its anchors', async (name, now) => {
    const issuer = loadIssuer({
      certificate: dataText(`${CHECK}${name}-crt.pem`),
      key: dataText(`${CHECK}${name}-key.pem`),
    });
    expect(issuer.certificate.subject.commonName).toBe('identity.linkerd.cluster.local');
    expect(issuer.certificate.basicConstraints?.ca).toBe(true);
    const csr = await createCsr({ key: workload, identity: IDENTITY });
    const leaf = await issueLeaf({ issuer, csr: csr.der, identity: IDENTITY, now });
    expect(leaf.certificate.authorityKeyId).toEqual(issuer.certificate.subjectKeyId);
    expect(new X509Certificate(leaf.der).subjectAltName).toBe(`DNS:${IDENTITY}, URI:${SPIFFE_ID}`);
    expect(new X509Certificate(leaf.der).checkIssued(new X509Certificate(issuer.der))).toBe(true);
    // Node checks each signature on the path: leaf ← issuer ← anchor.
    const anchor = new X509Certificate(dataText(`${CHECK}${name}-trust-anchors.pem`));
    const nodeIssuer = new X509Certificate(issuer.der);
    expect(nodeIssuer.verify(anchor.publicKey)).toBe(true);
    expect(new X509Certificate(leaf.der).verify(nodeIssuer.publicKey)).toBe(true);
    if (!hasOpenssl) return;
    ossl.write(`${name}-leaf.pem`, leaf.pem);
    ossl.write(`${name}-chain.pem`, leaf.chainPem);
    const at = String(Math.floor(now.getTime() / 1000) + 3600);
    const anchors = dataPath(`${CHECK}${name}-trust-anchors.pem`);
    if (issuer.certificate.selfIssued && !issuer.certificate.authorityKeyId) {
      // Linkerd's `valid` issuer has its anchor's name and no AKI: OpenSSL 3.0 takes it for self-signed and
      // cannot build even issuer → anchor (error 18 on the issuer alone). Check the leaf against the issuer
      // as a trusted intermediate instead; Node checked the issuer's signature above.
      const alone = ossl.tryRun([
        'verify',
        '-attime',
        at,
        '-CAfile',
        anchors,
        dataPath(`${CHECK}${name}-crt.pem`),
      ]);
      expect(alone.stdout + alone.stderr).toContain('self-signed certificate');
      const r = ossl.tryRun([
        'verify',
        '-attime',
        at,
        '-partial_chain',
        '-CAfile',
        `${name}-chain.pem`,
        `${name}-leaf.pem`,
      ]);
      expect(r.stdout + r.stderr).toContain(`${name}-leaf.pem: OK`);
      return;
    }
    for (const untrusted of [dataPath(`${CHECK}${name}-crt.pem`), `${name}-chain.pem`]) {
      const r = ossl.tryRun([
        'verify',
        '-attime',
        at,
        '-CAfile',
        anchors,
        '-untrusted',
        untrusted,
        `${name}-leaf.pem`,
      ]);
      expect(r.stdout + r.stderr).toContain(`${name}-leaf.pem: OK`);
    }
  });

  it('the expired and not-yet-valid issuers load but do not issue', async () => {
    const csr = (await createCsr({ key: workload, identity: IDENTITY })).der;
    const expired = loadIssuer({
      certificate: dataText(`${CHECK}expired-crt.pem`),
      key: dataText(`${CHECK}expired-key.pem`),
    });
    expect(
      await codeOfAsync(() => issueLeaf({ issuer: expired, csr, identity: IDENTITY, now: INSIDE })),
    ).toBe('ERR_ISSUER_EXPIRED');
    const early = loadIssuer({
      certificate: dataText(`${CHECK}not-valid-yet-crt.pem`),
      key: dataText(`${CHECK}not-valid-yet-key.pem`),
    });
    expect(await codeOfAsync(() => issueLeaf({ issuer: early, csr, identity: IDENTITY, now: INSIDE }))).toBe(
      'ERR_ISSUER_NOT_YET_VALID',
    );
  });

  it('the wrong-algo (P-521) issuer is refused', () => {
    expect(
      codeOf(() =>
        loadIssuer({
          certificate: dataText(`${CHECK}wrong-algo-crt.pem`),
          key: dataText(`${CHECK}wrong-algo-key.pem`),
        }),
      ),
    ).toBe('ERR_KEY_UNSUPPORTED');
  });

  it('a fixture key with another fixture certificate is ERR_KEY_MISMATCH', () => {
    expect(
      codeOf(() =>
        loadIssuer({
          certificate: dataText(`${CHECK}valid-crt.pem`),
          key: dataText(`${CHECK}expired-key.pem`),
        }),
      ),
    ).toBe('ERR_KEY_MISMATCH');
  });

  it('every linkerd-check certificate parses as Node parses it', () => {
    const files = readdirSync(dataPath(CHECK)).filter((f) => !f.includes('-key'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const pem = dataText(`${CHECK}${f}`);
      const ours = parseCertificate(pem);
      const node = new X509Certificate(pem);
      expect(BigInt(`0x${ours.serialHex}`), f).toBe(BigInt(`0x${node.serialNumber}`));
      expect(ours.notAfter.getTime(), f).toBe(new Date(node.validTo).getTime());
      expect(ours.basicConstraints?.ca ?? false, f).toBe(node.ca);
    }
  });
});

describe('go-spiffe x509svid fixtures', () => {
  const certificates = (file: string) =>
    decodePem(dataText(`${SVID}${file}`))
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => parseCertificate(b.der));

  it.each([
    'good-leaf-only.pem',
    'good-leaf-and-intermediate.pem',
    'good-cert-and-key.pem',
    'good-key-and-cert.pem',
  ])('%s parses: the leaf has one SPIFFE URI SAN', (file) => {
    const certs = certificates(file);
    expect(certs.length).toBeGreaterThan(0);
    const leaf = certs[0]!;
    const uris = (leaf.subjectAltNames ?? []).filter((n) => n.type === 'uri');
    expect(uris).toHaveLength(1);
    expect(uris[0]!.type === 'uri' && uris[0]!.value.startsWith('spiffe://')).toBe(true);
    expect(leaf.basicConstraints?.ca ?? false).toBe(false);
    for (const c of certs.slice(1)) expect(c.basicConstraints?.ca).toBe(true);
  });

  it.each(['good-cert-and-key.pem', 'good-key-and-cert.pem'])(
    '%s: the key imports and matches the certificate',
    (file) => {
      const text = dataText(`${SVID}${file}`);
      const key = importPrivateKey(text);
      const [cert] = certificates(file);
      expect(key.publicKey.equals(cert!.publicKey)).toBe(true);
    },
  );

  it('key-pkcs8-ecdsa imports; key-pkcs8-rsa is ERR_KEY_UNSUPPORTED', () => {
    expect(importPrivateKey(dataText(`${SVID}key-pkcs8-ecdsa.pem`)).publicKey.curve).toBe('P-256');
    expect(codeOf(() => importPrivateKey(dataText(`${SVID}key-pkcs8-rsa.pem`)))).toBe('ERR_KEY_UNSUPPORTED');
  });

  it('the wrong-* SVIDs parse, and show what is wrong with them', () => {
    const leaf = (f: string) => certificates(f)[0]!;
    expect(leaf('wrong-leaf-ca-true.pem').basicConstraints?.ca).toBe(true);
    expect((leaf('wrong-leaf-cert-sign.pem').keyUsage ?? 0) & (1 << 5)).not.toBe(0);
    expect((leaf('wrong-leaf-crl-sign.pem').keyUsage ?? 0) & (1 << 6)).not.toBe(0);
    expect((leaf('wrong-leaf-no-digital-signature.pem').keyUsage ?? 1) & 1).toBe(0);
    const emptyId = leaf('wrong-leaf-empty-id.pem').subjectAltNames ?? [];
    expect(emptyId.filter((n) => n.type === 'uri' && n.value.startsWith('spiffe://'))).toHaveLength(0);
    expect(certificates('wrong-intermediate-no-ca.pem')[1]!.basicConstraints?.ca ?? false).toBe(false);
    expect((certificates('wrong-intermediate-no-key-cert-sign.pem')[1]!.keyUsage ?? 0) & (1 << 5)).toBe(0);
  });

  it.each([
    ['corrupt-cert.pem', (t: string) => parseCertificate(t)],
    ['corrupt-key.pem', (t: string) => importPrivateKey(t)],
    ['not-pem', (t: string) => parseCertificate(t)],
    ['not-pem', (t: string) => importPrivateKey(t)],
  ])('%s fails with a PkiError', (file, read) => {
    const text = dataText(`${SVID}${file}`);
    let error: unknown;
    try {
      read(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PkiError);
    expect((error as PkiError).code).toMatch(/^ERR_(CERT_INVALID|KEY_INVALID|PEM_INVALID|DER)$/);
  });
});
