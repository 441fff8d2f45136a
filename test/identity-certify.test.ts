// The identity service's handler: every step of Linkerd's Certify, in its order, with its gRPC codes and
// messages, on the synchronous (node:crypto) and the asynchronous (WebCrypto) backend.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { setCryptoBackend, webCryptoBackend } from '../src/crypto';
import { createCsr } from '../src/csr';
import {
  type CertifyFailure,
  type CertifyOptions,
  type CertifyResult,
  certify,
  decodeCertifyRequest,
  decodeCertifyResponse,
  encodeCertifyRequest,
  encodeCertifyResponse,
  GRPC_STATUS,
  staticTokenAuthenticator,
  type TokenAuthenticator,
} from '../src/identity';
import { createIssuer, type Issuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { encodePem } from '../src/pem';
import { verifyLinkerdPeer } from '../src/verify';
import { parseCertificate } from '../src/x509';
import { OpensslDir } from './helpers/openssl';
import { NOW, WEB_IDENTITY } from './helpers/pki';

const TOKEN = new TextEncoder().encode('token-of-web');
const HOUR = 3_600_000;

interface Pki {
  anchorPem: string;
  issuer: Issuer;
  otherIssuer: Issuer;
  csr: Uint8Array;
}

async function makePki(): Promise<Pki> {
  const anchor = await createTrustAnchor({ now: new Date(NOW.getTime() - HOUR) });
  const issuer = await createIssuer({ anchor, now: new Date(NOW.getTime() - HOUR), lifetime: '48h' });
  const other = await createTrustAnchor({ now: new Date(NOW.getTime() - HOUR) });
  const otherIssuer = await createIssuer({ anchor: other, now: new Date(NOW.getTime() - HOUR) });
  const key = await generateKeyPair();
  const { der } = await createCsr({ key, identity: WEB_IDENTITY });
  return { anchorPem: anchor.pem, issuer, otherIssuer, csr: der };
}

/** OpenSSL, an independent implementation, makes CSRs with any SANs, CN and key. */
const openssl = new OpensslDir('l5d-identity-certify-');
const KEY_ARGS = {
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
} as const;
let csrCount = 0;

function opensslCsr(options: {
  cn?: string | undefined;
  sans?: { type: 'DNS' | 'email' | 'IP' | 'URI'; value: string }[];
  key?: keyof typeof KEY_ARGS;
}): Uint8Array {
  const key = `${options.key ?? 'p256'}.pem`;
  if (!existsSync(openssl.path(key)))
    openssl.run(['genpkey', ...KEY_ARGS[options.key ?? 'p256'], '-out', key]);
  const out = `csr-${csrCount++}.der`;
  const sans = options.sans?.map((n) => `${n.type}:${n.value}`).join(',');
  openssl.run([
    'req',
    '-new',
    '-key',
    key,
    '-subj',
    options.cn === undefined ? '/' : `/CN=${options.cn}`,
    ...(sans ? ['-addext', `subjectAltName=${sans}`] : []),
    '-outform',
    'DER',
    '-out',
    out,
  ]);
  return openssl.readBytes(out);
}

afterAll(() => openssl.cleanup());

const authenticator = staticTokenAuthenticator({
  'token-of-web': 'system:serviceaccount:shop:web',
  'token-of-api': 'system:serviceaccount:shop:api',
  expired: { ok: false, reason: 'invalid', message: '[invalid bearer token, token has expired]' },
  'three-parts': 'system:serviceaccount:web',
  'not-system': 'user:serviceaccount:shop:web',
  'bad-label': 'system:serviceaccount:Shop:web',
  'other-type': 'system:robot:shop:web',
});

const throwing: TokenAuthenticator = {
  async authenticate() {
    throw new Error('connection refused');
  },
};

function failureOf(result: CertifyResult): Pick<CertifyFailure, 'code' | 'status' | 'message'> {
  if (result.ok) throw new Error('issued, expected a refusal');
  return { code: result.code, status: result.status, message: result.message };
}

const BACKENDS = [
  { name: 'node:crypto', install: () => setCryptoBackend(undefined) },
  { name: 'WebCrypto', install: () => setCryptoBackend(webCryptoBackend(globalThis.crypto.subtle)) },
] as const;

afterAll(() => setCryptoBackend(undefined));

describe.each(BACKENDS)('certify on $name', ({ install }) => {
  let pki: Pki;
  let base: CertifyOptions;
  beforeAll(async () => {
    install();
    pki = await makePki();
    base = {
      request: { identity: WEB_IDENTITY, token: TOKEN, csr: pki.csr },
      authenticator,
      issuer: pki.issuer,
      bundle: pki.anchorPem,
      now: NOW,
    };
  });
  afterAll(() => setCryptoBackend(undefined));

  const request = (patch: Partial<CertifyOptions['request']>) => ({ ...base.request, ...patch });

  it('issues a leaf as Linkerd does: DER leaf, the issuer as intermediate, valid_until = notAfter', async () => {
    const result = await certify(base);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const leaf = parseCertificate(result.response.leafCertificate);
    expect(result.response.intermediateCertificates).toEqual([pki.issuer.der]);
    expect(leaf.subject.commonName).toBe(WEB_IDENTITY);
    expect(leaf.subjectAltNames).toEqual([{ type: 'dns', value: WEB_IDENTITY }]);
    // 24 h lifetime and the Helm chart's 20 s skew allowance.
    expect(leaf.notBefore.getTime()).toBe(NOW.getTime() - 20_000);
    expect(leaf.notAfter.getTime()).toBe(NOW.getTime() + 24 * HOUR + 20_000);
    expect(result.response.validUntil.getTime()).toBe(leaf.notAfter.getTime());
    expect(result.identity).toBe(WEB_IDENTITY);
    const peer = await verifyLinkerdPeer({
      leaf: result.response.leafCertificate,
      intermediates: result.response.intermediateCertificates,
      bundle: pki.anchorPem,
      expectedIdentity: WEB_IDENTITY,
      at: NOW,
    });
    expect(peer.ok).toBe(true);
  });

  it('applies the settings: lifetime, skew, control-plane namespace, trust domain, SPIFFE', async () => {
    const identity = 'web.shop.serviceaccount.identity.l5d.example.org';
    const csr = (await createCsr({ key: await generateKeyPair(), identity })).der;
    const result = await certify({
      ...base,
      request: request({ identity, csr }),
      settings: {
        trustDomain: 'example.org',
        controlPlaneNamespace: 'l5d',
        issuanceLifetime: '1h',
        clockSkewAllowance: 0,
        spiffe: true,
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.leaf.certificate.notAfter.getTime() - result.leaf.certificate.notBefore.getTime()).toBe(
      HOUR,
    );
    expect(result.leaf.certificate.subjectAltNames).toEqual([
      { type: 'dns', value: identity },
      { type: 'uri', value: 'spiffe://identity.l5d.example.org/ns/shop/sa/web' },
    ]);
  });

  it('cuts valid_until to the issuer’s notAfter', async () => {
    const result = await certify({
      ...base,
      now: new Date(pki.issuer.certificate.notAfter.getTime() - HOUR),
    });
    expect(result.ok && result.response.validUntil.getTime()).toBe(pki.issuer.certificate.notAfter.getTime());
  });

  it('1. no issuer: UNAVAILABLE, before anything else', async () => {
    const r = await certify({
      ...base,
      issuer: undefined,
      request: request({ identity: '', csr: new Uint8Array(0) }),
    });
    expect(failureOf(r)).toEqual({ code: 'UNAVAILABLE', status: 14, message: 'cert issuer not ready yet' });
  });

  it('2. missing fields and an unreadable CSR: INVALID_ARGUMENT, in field order', async () => {
    const empty = new Uint8Array(0);
    expect(failureOf(await certify({ ...base, request: request({ identity: '', token: empty }) }))).toEqual({
      code: 'INVALID_ARGUMENT',
      status: 3,
      message: 'missing identity',
    });
    expect(
      failureOf(await certify({ ...base, request: request({ token: empty, csr: empty }) })).message,
    ).toBe('missing token');
    expect(failureOf(await certify({ ...base, request: request({ csr: empty }) })).message).toBe(
      'missing certificate signing request',
    );
    const garbage = failureOf(
      await certify({ ...base, request: request({ csr: new Uint8Array([0x30, 3, 1, 2]) }) }),
    );
    expect(garbage.code).toBe('INVALID_ARGUMENT');
    // A CSR that does not parse comes before the issuer's re-verification.
    const both = await certify({
      ...base,
      issuer: pki.otherIssuer,
      request: request({ csr: new Uint8Array([1]) }),
    });
    expect(failureOf(both).code).toBe('INVALID_ARGUMENT');
  });

  it('3. an issuer that no longer verifies against the anchors: UNKNOWN and IssuerValidationFailed', async () => {
    const r = await certify({ ...base, issuer: pki.otherIssuer });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.code, r.status, r.event]).toEqual(['UNKNOWN', 2, 'IssuerValidationFailed']);
    expect(r.message).toContain(`CSR Identity : ${WEB_IDENTITY}`);
    // Expired by the time of the call.
    const late = new Date(pki.issuer.certificate.notAfter.getTime() + 1000);
    expect(failureOf(await certify({ ...base, now: late })).code).toBe('UNKNOWN');
    // Before the CSR checks.
    const badCsr = opensslCsr({ sans: [{ type: 'DNS', value: 'other.name' }] });
    expect(
      failureOf(await certify({ ...base, issuer: pki.otherIssuer, request: request({ csr: badCsr }) })).code,
    ).toBe('UNKNOWN');
  });

  it('4. the CSR checks: FAILED_PRECONDITION with Linkerd’s messages, in its order', async () => {
    const cases: [Parameters<typeof opensslCsr>[0], string][] = [
      [{ cn: WEB_IDENTITY }, 'CSR must have exactly one DNSName'],
      [
        {
          sans: [
            { type: 'DNS', value: WEB_IDENTITY },
            { type: 'DNS', value: 'b.shop' },
          ],
        },
        'CSR must have exactly one DNSName',
      ],
      [
        { sans: [{ type: 'DNS', value: 'api.shop.serviceaccount.identity.linkerd.cluster.local' }] },
        `CSR name does not match requested identity: csr=api.shop.serviceaccount.identity.linkerd.cluster.local; req=${WEB_IDENTITY}`,
      ],
      [{ cn: 'someone', sans: [{ type: 'DNS', value: WEB_IDENTITY }] }, 'invalid CommonName: someone'],
      [
        {
          sans: [
            { type: 'DNS', value: WEB_IDENTITY },
            { type: 'email', value: 'a@b.example' },
            { type: 'URI', value: 'spiffe://x/y' },
          ],
        },
        'cannot validate email addresses',
      ],
      [
        {
          sans: [
            { type: 'DNS', value: WEB_IDENTITY },
            { type: 'IP', value: '10.0.0.1' },
            { type: 'URI', value: 'spiffe://x/y' },
          ],
        },
        'cannot validate IP addresses',
      ],
      [
        {
          sans: [
            { type: 'DNS', value: WEB_IDENTITY },
            { type: 'URI', value: 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web' },
          ],
        },
        'cannot validate URIs',
      ],
    ];
    for (const [spec, message] of cases) {
      const csr = opensslCsr(spec);
      // A token that would be refused too: the CSR is checked first.
      const r = await certify({
        ...base,
        request: request({ csr, token: new TextEncoder().encode('unknown') }),
      });
      expect(failureOf(r)).toEqual({ code: 'FAILED_PRECONDITION', status: 9, message });
    }
    // An empty CN and the identity as CN are both fine.
    for (const cn of [undefined, WEB_IDENTITY]) {
      const csr = opensslCsr({ cn, sans: [{ type: 'DNS', value: WEB_IDENTITY }] });
      expect((await certify({ ...base, request: request({ csr }) })).ok).toBe(true);
    }
  });

  it('4. l5d-pki also checks the proof of possession: a CSR whose signature fails is refused', async () => {
    const csr = pki.csr.slice();
    csr[csr.length - 5]! ^= 0x01;
    expect(failureOf(await certify({ ...base, request: request({ csr }) }))).toEqual({
      code: 'FAILED_PRECONDITION',
      status: 9,
      message: 'CSR signature does not verify under its own key',
    });
  });

  it('5. the token: refused INVALID_ARGUMENT, unknown FAILED_PRECONDITION, bad usernames, errors INTERNAL', async () => {
    const token = (t: string) => request({ token: new TextEncoder().encode(t) });
    expect(failureOf(await certify({ ...base, request: token('expired') }))).toEqual({
      code: 'INVALID_ARGUMENT',
      status: 3,
      message: '[invalid bearer token, token has expired]',
    });
    expect(failureOf(await certify({ ...base, request: token('nobody') }))).toEqual({
      code: 'FAILED_PRECONDITION',
      status: 9,
      message: 'authentication token could not be authenticated',
    });
    expect(failureOf(await certify({ ...base, request: token('three-parts') }))).toEqual({
      code: 'INVALID_ARGUMENT',
      status: 3,
      message: 'Username must be in form system:TYPE:NS:SA: system:serviceaccount:web',
    });
    expect(failureOf(await certify({ ...base, request: token('not-system') })).message).toBe(
      'Username must be in form system:TYPE:NS:SA: user:serviceaccount:shop:web',
    );
    expect(failureOf(await certify({ ...base, request: token('bad-label') }))).toEqual({
      code: 'INVALID_ARGUMENT',
      status: 3,
      message: 'Not a label: Shop',
    });
    const internal = failureOf(await certify({ ...base, authenticator: throwing }));
    expect(internal).toEqual({
      code: 'INTERNAL',
      status: 13,
      message: `error validating token for ${WEB_IDENTITY}: connection refused`,
    });
  });

  it('6. the identity the token proves must be the one requested: FAILED_PRECONDITION', async () => {
    const api = 'api.shop.serviceaccount.identity.linkerd.cluster.local';
    expect(
      failureOf(
        await certify({ ...base, request: request({ token: new TextEncoder().encode('token-of-api') }) }),
      ),
    ).toEqual({
      code: 'FAILED_PRECONDITION',
      status: 9,
      message: `requested identity did not match provided token: requested=${WEB_IDENTITY}; found=${api}`,
    });
    // The username's TYPE becomes the third label, as in Linkerd.
    const r = await certify({ ...base, request: request({ token: new TextEncoder().encode('other-type') }) });
    expect(failureOf(r).message).toContain('found=web.shop.robot.identity.linkerd.cluster.local');
    // Another trust domain in the settings.
    const r2 = await certify({ ...base, settings: { trustDomain: 'example.org' } });
    expect(failureOf(r2).message).toContain('found=web.shop.serviceaccount.identity.linkerd.example.org');
  });

  it('7. a key that is not ECDSA P-256 is refused at issuance: INTERNAL, after the token', async () => {
    for (const key of ['p384', 'rsa'] as const) {
      const csr = opensslCsr({ key, sans: [{ type: 'DNS', value: WEB_IDENTITY }] });
      const r = failureOf(await certify({ ...base, request: request({ csr }) }));
      expect([r.code, r.status]).toEqual(['INTERNAL', 13]);
      expect(r.message).toMatch(/^CSR must contain an ECDSA P-256 public key/);
      const first = await certify({
        ...base,
        request: request({ csr, token: new TextEncoder().encode('nobody') }),
      });
      expect(failureOf(first).code).toBe('FAILED_PRECONDITION');
    }
  });

  it('hands the authenticator a copy of the token and never puts it in a message', async () => {
    const seen: Uint8Array[] = [];
    const spy: TokenAuthenticator = {
      async authenticate(token) {
        seen.push(token);
        token.fill(0);
        return { ok: false, reason: 'unauthenticated' };
      },
    };
    const secret = new TextEncoder().encode('very-secret-token');
    const r = failureOf(await certify({ ...base, authenticator: spy, request: request({ token: secret }) }));
    expect(new TextDecoder().decode(secret)).toBe('very-secret-token');
    expect(seen).toHaveLength(1);
    expect(r.message).not.toContain('very-secret-token');
  });
});

describe('certify misuse', () => {
  it('throws PkiError for bad options and settings, never for a bad request', async () => {
    const pki = await makePki();
    const ok = {
      request: { identity: 'x', token: TOKEN, csr: pki.csr },
      authenticator,
      issuer: pki.issuer,
      bundle: pki.anchorPem,
    };
    await expect(certify(undefined as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(certify({ ...ok, authenticator: {} as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(certify({ ...ok, settings: { trustDomain: 'Bad..Domain' } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(certify({ ...ok, settings: { issuanceLifetime: 'soon' } })).rejects.toMatchObject({
      code: 'ERR_DURATION_INVALID',
    });
    expect((await certify(ok)).ok).toBe(false);
  });

  it('GRPC_STATUS has gRPC’s numbers', () => {
    expect(GRPC_STATUS).toEqual({
      OK: 0,
      UNKNOWN: 2,
      INVALID_ARGUMENT: 3,
      FAILED_PRECONDITION: 9,
      INTERNAL: 13,
      UNAVAILABLE: 14,
    });
  });
});

describe('the Certify messages on the wire', () => {
  it('round-trips requests and responses', () => {
    const req = { identity: WEB_IDENTITY, token: TOKEN, csr: new Uint8Array([1, 2, 3]) };
    expect(decodeCertifyRequest(encodeCertifyRequest(req))).toEqual(req);
    const res = {
      leafCertificate: new Uint8Array(300).fill(7),
      intermediateCertificates: [new Uint8Array([1]), new Uint8Array([2, 2])],
      validUntil: new Date('2026-03-02T12:00:20.000Z'),
    };
    expect(decodeCertifyResponse(encodeCertifyResponse(res))).toEqual(res);
  });

  it('matches protobuf’s encoding byte for byte', () => {
    // identity "a", token "b", csr [0x30]: tags 0x0a, 0x12, 0x1a.
    expect([
      ...encodeCertifyRequest({ identity: 'a', token: new Uint8Array([0x62]), csr: new Uint8Array([0x30]) }),
    ]).toEqual([0x0a, 1, 0x61, 0x12, 1, 0x62, 0x1a, 1, 0x30]);
    // valid_until 1970-01-01T00:02:30.5Z: seconds 150 (varint 0x96 0x01), nanos 500000000.
    const body = encodeCertifyResponse({
      leafCertificate: new Uint8Array([9]),
      intermediateCertificates: [],
      validUntil: new Date(150_500),
    });
    expect([...body]).toEqual([0x0a, 1, 9, 0x1a, 9, 0x08, 0x96, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01]);
    expect(decodeCertifyResponse(body).validUntil?.getTime()).toBe(150_500);
  });

  it('reads absent fields as empty, skips unknown fields, and refuses malformed messages', () => {
    expect(decodeCertifyRequest(new Uint8Array(0))).toEqual({
      identity: '',
      token: new Uint8Array(0),
      csr: new Uint8Array(0),
    });
    // Unknown field 9 (varint) and 10 (fixed32) before identity.
    expect(decodeCertifyRequest(new Uint8Array([0x48, 0x01, 0x55, 1, 2, 3, 4, 0x0a, 1, 0x61])).identity).toBe(
      'a',
    );
    expect(decodeCertifyResponse(new Uint8Array(0)).validUntil).toBeUndefined();
    for (const bad of [
      [0x0a, 5, 0x61], // length past the end
      [0x08, 1], // identity as a varint
      [0x0b], // a group
      [0x0a, 1, 0xff], // identity not UTF-8
      [0x00, 0x00], // field 0
    ]) {
      expect(() => decodeCertifyRequest(new Uint8Array(bad))).toThrow(
        expect.objectContaining({ code: 'ERR_DER' }),
      );
    }
    expect(() => decodeCertifyResponse(new Uint8Array([0x1a, 2, 0x10, 0x7f]))).not.toThrow();
    expect(() => decodeCertifyResponse(new Uint8Array([0x1a, 3, 0x10, 0xff, 0x7f]))).not.toThrow();
    // Nanos out of range.
    expect(() =>
      decodeCertifyResponse(new Uint8Array([0x1a, 6, 0x10, 0x80, 0x94, 0xeb, 0xdc, 0x03])),
    ).toThrow(expect.objectContaining({ code: 'ERR_DER' }));
  });

  it('encodePem of a returned leaf reads as a certificate', async () => {
    const pki = await makePki();
    const r = await certify({
      request: { identity: WEB_IDENTITY, token: TOKEN, csr: pki.csr },
      authenticator,
      issuer: pki.issuer,
      bundle: pki.anchorPem,
      now: NOW,
    });
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(parseCertificate(encodePem('CERTIFICATE', r.response.leafCertificate)).der).toEqual(
        r.response.leafCertificate,
      );
  });
});
