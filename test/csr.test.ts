import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, parseCsr, summarizeSans, verifyCsr } from '../src/csr';
import { generateKeyPair, type PrivateKey } from '../src/keys';
import { checkLinkerdCsr } from '../src/leaf';
import { decodePem } from '../src/pem';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { codeOf, codeOfAsync, IDENTITY, SPIFFE_ID, seededRandom } from './helpers/pki';

/** Offset of `needle` in `haystack`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

/** Where the DER element starting at `start` has its content, and where it ends. */
function tlvAt(der: Uint8Array, start: number): { start: number; content: number; end: number } {
  const first = der[start + 1]!;
  const lengthBytes = first & 0x80 ? first & 0x7f : 0;
  let length = lengthBytes === 0 ? first : 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + der[start + 2 + i]!;
  const content = start + 2 + lengthBytes;
  return { start, content, end: content + length };
}

/** A copy of `der` with byte `at` XOR `mask`. */
function flip(der: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = der.slice();
  out[at]! ^= mask;
  return out;
}

/** Offset in the CSR DER of the last byte of the ECDSA signature's `r`. */
function lastByteOfR(der: Uint8Array): number {
  const csr = parseCsr(der);
  const sigAt = csr.signature.byteOffset - der.byteOffset;
  const sig = csr.signature;
  expect(sig[0]).toBe(0x30);
  const header = sig[1]! & 0x80 ? 2 + (sig[1]! & 0x7f) : 2;
  expect(sig[header]).toBe(0x02);
  const rLen = sig[header + 1]!;
  return sigAt + header + 2 + rLen - 1;
}

describe.skipIf(!hasOpenssl)('CSRs against openssl', () => {
  let ossl: OpensslDir;
  let key: PrivateKey;
  let keyFile: string;

  beforeAll(async () => {
    ossl = new OpensslDir();
    key = await generateKeyPair();
    keyFile = ossl.write('p256.pem', key.exportPkcs8Pem());
  });
  afterAll(() => ossl.cleanup());

  function opensslVerifies(pemOrDer: string | Uint8Array, name: string): boolean {
    const isPem = typeof pemOrDer === 'string';
    ossl.write(name, pemOrDer);
    const r = ossl.tryRun(['req', '-verify', '-noout', '-inform', isPem ? 'PEM' : 'DER', '-in', name]);
    return r.status === 0 && (r.stdout + r.stderr).includes('verify OK');
  }

  it('openssl req -verify accepts our CSR, and -text shows the CN and the one DNS SAN', async () => {
    const csr = await createCsr({ key, identity: IDENTITY });
    expect(opensslVerifies(csr.pem, 'ours.csr')).toBe(true);
    expect(opensslVerifies(csr.der, 'ours.csr.der')).toBe(true);
    const text = ossl.run(['req', '-in', 'ours.csr', '-noout', '-text']).stdout;
    expect(text).toContain(`Subject: CN = ${IDENTITY}`);
    expect(text).toMatch(/Version: 1 \(0x0\)/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(
      new RegExp(`X509v3 Subject Alternative Name: *\\n *DNS:${IDENTITY.replace(/\./g, '\\.')}\\n`),
    );
    const pub = ossl.run(['req', '-in', 'ours.csr', '-noout', '-pubkey']).stdout;
    expect(decodePem(pub)[0]!.der).toEqual(key.publicKey.spki);
  });

  it('openssl accepts our CSR with extra DNS and URI SANs, and lists them in order', async () => {
    const csr = await createCsr({
      key,
      identity: IDENTITY,
      dnsNames: ['web.example.com', 'alt.example.com'],
      uris: [SPIFFE_ID],
    });
    expect(opensslVerifies(csr.pem, 'extra.csr')).toBe(true);
    const text = ossl.run(['req', '-in', 'extra.csr', '-noout', '-text']).stdout;
    expect(text).toContain(`DNS:${IDENTITY}, DNS:web.example.com, DNS:alt.example.com, URI:${SPIFFE_ID}`);
    const sans = summarizeSans(parseCsr(csr.der).subjectAltNames);
    expect(sans).toEqual({
      dns: [IDENTITY, 'web.example.com', 'alt.example.com'],
      uri: [SPIFFE_ID],
      email: [],
      ip: [],
      other: 0,
    });
  });

  it('parses and verifies a CSR openssl req makes for a P-256 key', async () => {
    ossl.run([
      'req',
      '-new',
      '-key',
      keyFile,
      '-subj',
      '/CN=x',
      '-addext',
      'subjectAltName=DNS:x',
      '-out',
      'theirs.csr',
    ]);
    ossl.run(['req', '-in', 'theirs.csr', '-outform', 'DER', '-out', 'theirs.csr.der']);
    for (const input of [ossl.readText('theirs.csr'), ossl.readBytes('theirs.csr.der')]) {
      const csr = parseCsr(input);
      expect(csr.version).toBe(1);
      expect(csr.subject.commonName).toBe('x');
      expect(summarizeSans(csr.subjectAltNames).dns).toEqual(['x']);
      expect(csr.publicKey.der).toEqual(key.publicKey.spki);
      expect(key.publicKey.equals(csr.publicKey)).toBe(true);
      expect(csr.signatureAlgorithm.name).toBe('ecdsa-with-SHA256');
      expect(await verifyCsr(csr)).toBe(true);
      expect((await checkLinkerdCsr({ csr, identity: 'x' })).subject.commonName).toBe('x');
    }
  });

  it('parses an openssl CSR with no attributes, and one with a challengePassword too', async () => {
    ossl.run(['req', '-new', '-key', keyFile, '-subj', '/CN=plain', '-out', 'plain.csr']);
    const plain = parseCsr(ossl.readText('plain.csr'));
    expect(plain.attributes).toEqual([]);
    expect(plain.subjectAltNames).toEqual([]);
    expect(await verifyCsr(plain)).toBe(true);
    await expect(checkLinkerdCsr({ csr: plain, identity: 'plain' })).rejects.toMatchObject({
      code: 'ERR_CSR_IDENTITY_MISMATCH',
    });

    const cfg = ossl.write(
      'challenge.cnf',
      [
        '[req]',
        'distinguished_name = dn',
        'attributes = attrs',
        'prompt = no',
        '[dn]',
        'CN = x',
        '[attrs]',
        'challengePassword = swordfish',
      ].join('\n'),
    );
    ossl.run([
      'req',
      '-new',
      '-key',
      keyFile,
      '-config',
      cfg,
      '-addext',
      'subjectAltName=DNS:x',
      '-out',
      'challenge.csr',
    ]);
    const withChallenge = parseCsr(ossl.readText('challenge.csr'));
    expect(withChallenge.attributes).toContain('1.2.840.113549.1.9.7');
    expect(withChallenge.attributes).toContain('1.2.840.113549.1.9.14');
    expect(summarizeSans(withChallenge.subjectAltNames).dns).toEqual(['x']);
    expect(await verifyCsr(withChallenge)).toBe(true);
  });

  it('one flipped letter of the CN makes the signature fail, in ours and in openssl', async () => {
    const csr = await createCsr({ key, identity: IDENTITY });
    const cn = new TextEncoder().encode(IDENTITY);
    const at = indexOf(csr.der, cn);
    expect(at).toBeGreaterThan(0);
    // 'd' (0x64) -> 'e' (0x65): still a PrintableString, still valid DER.
    expect(csr.der[at]).toBe(0x64);
    const tampered = flip(csr.der, at);
    const parsed = parseCsr(tampered);
    expect(parsed.subject.commonName).toBe(`e${IDENTITY.slice(1)}`);
    expect(await verifyCsr(parsed)).toBe(false);
    expect(opensslVerifies(tampered, 'cn-flip.der')).toBe(false);
    await expect(checkLinkerdCsr({ csr: tampered, identity: IDENTITY })).rejects.toMatchObject({
      code: 'ERR_CSR_IDENTITY_MISMATCH',
    });
  });

  it('one flipped letter of the DNS SAN makes the signature fail', async () => {
    const csr = await createCsr({ key, identity: IDENTITY });
    const cn = new TextEncoder().encode(IDENTITY);
    const first = indexOf(csr.der, cn);
    const second = first + 1 + indexOf(csr.der.subarray(first + 1), cn);
    expect(second).toBeGreaterThan(first);
    const tampered = flip(csr.der, second + 3);
    const parsed = parseCsr(tampered);
    expect(summarizeSans(parsed.subjectAltNames).dns[0]).not.toBe(IDENTITY);
    expect(await verifyCsr(parsed)).toBe(false);
  });

  it('the last byte of r or s flipped makes the signature fail, in ours and in openssl', async () => {
    const csr = await createCsr({ key, identity: IDENTITY });
    const rAt = lastByteOfR(csr.der);
    const badR = flip(csr.der, rAt);
    expect(await verifyCsr(parseCsr(badR))).toBe(false);
    expect(opensslVerifies(badR, 'r-flip.der')).toBe(false);
    const badS = flip(csr.der, csr.der.length - 1);
    expect(await verifyCsr(parseCsr(badS))).toBe(false);
    expect(opensslVerifies(badS, 's-flip.der')).toBe(false);
    await expect(checkLinkerdCsr({ csr: badS, identity: IDENTITY })).rejects.toMatchObject({
      code: 'ERR_CSR_SIGNATURE',
    });
    // The untouched CSR still verifies.
    expect(await verifyCsr(parseCsr(csr.der))).toBe(true);
  });

  it('a flipped public key byte (point off the curve) is ERR_CSR_INVALID, as Go refuses to parse it', async () => {
    const csr = await createCsr({ key, identity: IDENTITY });
    const at = indexOf(csr.der, key.publicKey.point) + 64;
    expect(codeOf(() => parseCsr(flip(csr.der, at)))).toBe('ERR_CSR_INVALID');
  });

  it('structural flips are ERR_CSR_INVALID', async () => {
    // A fixed key whose public point holds a 0xa0 byte, so the attributes [0] must be found by structure.
    const seeded = await generateKeyPair({ random: seededRandom('csr structural flips 5') });
    const csr = await createCsr({ key: seeded, identity: IDENTITY });
    // CertificationRequest → CertificationRequestInfo → version, subject, subjectPKInfo, attributes [0].
    const info = tlvAt(csr.der, tlvAt(csr.der, 0).content);
    const version = tlvAt(csr.der, info.content);
    const subject = tlvAt(csr.der, version.end);
    const attrs = tlvAt(csr.der, subject.end).end;
    expect([csr.der[version.start], csr.der[attrs]]).toEqual([0x02, 0xa0]);
    expect(indexOf(csr.der, Uint8Array.of(0xa0))).toBeLessThan(attrs);
    // The outer SEQUENCE tag, the version INTEGER tag, and the length of the attributes [0].
    for (const [at, mask] of [
      [0, 0x01],
      [version.start, 0x04],
      [attrs + 1, 0x40],
    ] as const) {
      expect(
        codeOf(() => parseCsr(flip(csr.der, at, mask))),
        `byte ${at}`,
      ).toBe('ERR_CSR_INVALID');
    }
    expect(codeOf(() => parseCsr(csr.der.subarray(0, csr.der.length - 1)))).toBe('ERR_CSR_INVALID');
    expect(codeOf(() => parseCsr(Uint8Array.from([...csr.der, 0])))).toBe('ERR_TRAILING_DATA');
    expect(codeOf(() => parseCsr('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toBe(
      'ERR_PEM_LABEL',
    );
  });

  it('parses IP, email and URI SANs from an openssl CSR; checkLinkerdCsr refuses them', async () => {
    ossl.run([
      'req',
      '-new',
      '-key',
      keyFile,
      '-subj',
      '/CN=x',
      '-addext',
      `subjectAltName=DNS:x,IP:10.1.2.3,IP:2001:db8::1,email:ops@example.com,URI:${SPIFFE_ID}`,
      '-out',
      'mixed.csr',
    ]);
    const csr = parseCsr(ossl.readText('mixed.csr'));
    const sans = summarizeSans(csr.subjectAltNames);
    expect(sans.dns).toEqual(['x']);
    expect(sans.ip).toEqual([
      Uint8Array.of(10, 1, 2, 3),
      Uint8Array.from(Buffer.from('20010db8000000000000000000000001', 'hex')),
    ]);
    expect(sans.email).toEqual(['ops@example.com']);
    expect(sans.uri).toEqual([SPIFFE_ID]);
    expect(sans.other).toBe(0);
    expect(await verifyCsr(csr)).toBe(true);
    expect(await codeOfAsync(() => checkLinkerdCsr({ csr, identity: 'x' }))).toBe('ERR_CSR_FORBIDDEN_SAN');
    for (const san of ['IP:10.0.0.1', 'email:a@b.example', `URI:${SPIFFE_ID}`]) {
      const name = `one-${san.split(':')[0]}.csr`;
      ossl.run([
        'req',
        '-new',
        '-key',
        keyFile,
        '-subj',
        '/CN=x',
        '-addext',
        `subjectAltName=DNS:x,${san}`,
        '-out',
        name,
      ]);
      expect(await codeOfAsync(() => checkLinkerdCsr({ csr: ossl.readText(name), identity: 'x' })), san).toBe(
        'ERR_CSR_FORBIDDEN_SAN',
      );
    }
  });

  it('an RSA CSR parses and verifies (proof of possession) but is not a Linkerd CSR', async () => {
    ossl.run([
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'rsa.key',
      '-subj',
      '/CN=x',
      '-addext',
      'subjectAltName=DNS:x',
      '-out',
      'rsa.csr',
    ]);
    const csr = parseCsr(ossl.readText('rsa.csr'));
    expect(csr.publicKey.kind).toBe('rsa');
    expect(csr.publicKey.rsaBits).toBe(2048);
    expect(csr.signatureAlgorithm.name).toBe('sha256WithRSAEncryption');
    expect(await verifyCsr(csr)).toBe(true);
    expect(await verifyCsr(parseCsr(flip(csr.der, lastByteOfRsaSignature(csr.der))))).toBe(false);
    expect(await codeOfAsync(() => checkLinkerdCsr({ csr, identity: 'x' }))).toBe('ERR_CSR_KEY_UNSUPPORTED');
  });

  it('an RSA-PSS signed CSR verifies', async () => {
    ossl.run([
      'req',
      '-new',
      '-key',
      'rsa.key',
      '-subj',
      '/CN=x',
      '-sigopt',
      'rsa_padding_mode:pss',
      '-sigopt',
      'rsa_pss_saltlen:32',
      '-out',
      'pss.csr',
    ]);
    const csr = parseCsr(ossl.readText('pss.csr'));
    expect(csr.signatureAlgorithm.kind).toBe('rsa-pss');
    expect(await verifyCsr(csr)).toBe(true);
  });

  it.each([
    ['P-384 (SHA-256)', 'P-384', 'sha256'],
    ['P-384 (SHA-384)', 'P-384', 'sha384'],
    ['P-521 (SHA-512)', 'P-521', 'sha512'],
  ])('a %s CSR parses and verifies but is not a Linkerd CSR', async (_name, curve, digest) => {
    const file = `${curve}-${digest}.csr`;
    ossl.run([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      `ec_paramgen_curve:${curve}`,
      '-nodes',
      '-keyout',
      `${file}.key`,
      `-${digest}`,
      '-subj',
      '/CN=x',
      '-addext',
      'subjectAltName=DNS:x',
      '-out',
      file,
    ]);
    const csr = parseCsr(ossl.readText(file));
    expect(csr.publicKey.kind).toBe('ec');
    expect(csr.publicKey.curve).toBe(curve);
    expect(csr.signatureAlgorithm.hash).toBe(digest.replace('sha', 'SHA-'));
    expect(await verifyCsr(csr)).toBe(true);
    expect(await verifyCsr(parseCsr(flip(csr.der, lastByteOfR(csr.der))))).toBe(false);
    expect(await codeOfAsync(() => checkLinkerdCsr({ csr, identity: 'x' }))).toBe('ERR_CSR_KEY_UNSUPPORTED');
  });

  it('an Ed25519 CSR parses, verifies false (unsupported), and is not a Linkerd CSR', async () => {
    ossl.run(['genpkey', '-algorithm', 'ED25519', '-out', 'ed.key']);
    ossl.run([
      'req',
      '-new',
      '-key',
      'ed.key',
      '-subj',
      '/CN=x',
      '-addext',
      'subjectAltName=DNS:x',
      '-out',
      'ed.csr',
    ]);
    const csr = parseCsr(ossl.readText('ed.csr'));
    expect(csr.publicKey.kind).toBe('ed25519');
    expect(await verifyCsr(csr)).toBe(false);
    expect(await codeOfAsync(() => checkLinkerdCsr({ csr, identity: 'x' }))).toBe('ERR_CSR_KEY_UNSUPPORTED');
  });
});

/** Offset of the last byte of an RSA CSR's signature (the final byte of the DER). */
function lastByteOfRsaSignature(der: Uint8Array): number {
  return der.length - 1;
}

describe('createCsr input checks', () => {
  it('refuses an empty identity', async () => {
    const key = await generateKeyPair();
    expect(await codeOfAsync(() => createCsr({ key, identity: '' }))).toBe('ERR_IDENTITY_INVALID');
  });
});
