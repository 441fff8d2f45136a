// SPIFFE bundle documents (SPIFFE Trust Domain and Bundle §4) read and written as go-spiffe's spiffebundle
// does, conversions to and from PEM, and X509-SVIDs with their keys read as go-spiffe's x509svid.Parse.
import { describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { PkiError } from '../src/errors';
import { decodePem } from '../src/pem';
import {
  BUNDLE_REFRESH_DEFAULT_MS,
  BUNDLE_REFRESH_MAX_MS,
  BUNDLE_REFRESH_MIN_MS,
  bundleRefreshDelay,
  MAX_SPIFFE_BUNDLE_KEYS,
  MAX_SPIFFE_BUNDLE_LENGTH,
  parseSpiffeBundle,
  type SpiffeBundle,
  spiffeBundleFromPem,
  spiffeBundleToPem,
  writeSpiffeBundle,
} from '../src/spiffe-bundle';
import { parseX509Svid, verifySvid } from '../src/verify';
import { parseCertificate } from '../src/x509/certificate';
import { dataText } from './helpers/fixtures';
import { codeOf } from './helpers/pki';
import { gn, type KeyKind, mint, newKey, root } from './verify-certs';

const TD = 'example.org';
const BUNDLES = 'fixtures/spiffebundle/';
const SVIDS = 'fixtures/x509svid/';

/** The error `fn` throws (a PkiError), for its code and message. */
function errorOf(fn: () => unknown): PkiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PkiError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

function counts(b: SpiffeBundle) {
  return {
    x509: b.x509Authorities.length,
    jwt: b.jwtAuthorities.length,
    wit: b.witAuthorities.length,
    refreshHint: b.refreshHint,
    sequence: b.sequence,
  };
}

const parse = (document: string | Uint8Array | object) => parseSpiffeBundle({ trustDomain: TD, document });

describe("go-spiffe's spiffebundle fixtures, with its verdicts", () => {
  const doc = (name: string) => dataText(`${BUNDLES}${name}.json`);

  it.each([
    ['spiffebundle_valid_1', { x509: 1, jwt: 1, wit: 0, refreshHint: undefined, sequence: undefined }],
    ['spiffebundle_valid_2', { x509: 1, jwt: 6, wit: 0, refreshHint: 60_000, sequence: 1 }],
    ['spiffebundle_valid_with_wit', { x509: 1, jwt: 2, wit: 2, refreshHint: 60_000, sequence: 1 }],
  ])('%s parses with go-spiffe authority counts, hint and sequence', (name, expected) => {
    const bundle = parse(doc(name));
    expect(counts(bundle)).toEqual(expected);
    expect(bundle.trustDomain).toBe(TD);
    const [ca] = bundle.x509Authorities;
    expect(ca!.publicKey.curve).toBe('P-384');
    expect(ca!.basicConstraints?.ca).toBe(true);
    expect(Object.isFrozen(bundle)).toBe(true);
    expect(Object.isFrozen(bundle.jwtAuthorities[0])).toBe(true);
  });

  it('keeps the JWT keys as public JWKs with their kid, in document order', () => {
    const bundle = parse(doc('spiffebundle_valid_2'));
    expect(bundle.jwtAuthorities.map((k) => k.kid)).toEqual([
      'IRsID4VIM3T11TsK43Ny1DgCD5UNWhva',
      'qjwWkiMpkHzIxsSrAsLxSZ2WZ8AyMESx',
      'uNhqAaPI7NDn7IHOsa2ac1BF4O5qGxjZ',
      'y3UHKFp0WqPpG7gVr3FKieiEzwH8fTMm',
      'mbrcuIaIUUapdCCmhQon4xJSicDmAVfK',
      'cHPeHMMEtvTeSMBc20DzPPhkF41BN2WJ',
    ]);
    expect(bundle.jwtAuthorities[0]).toEqual({
      kty: 'EC',
      kid: 'IRsID4VIM3T11TsK43Ny1DgCD5UNWhva',
      crv: 'P-256',
      x: '64Mm92hnvqSdLxl6XQVu32-3rydodal1S8JgGYg5AGk',
      y: 'x5hVyA9Z4OgQxpvkhTXwNsZACk1jz1xyuTDr6JdH3R0',
    });
  });

  it.each([
    // go-spiffe: "error adding authority 1 of JWKS: keyID cannot be empty"
    ['spiffebundle_missing_kid', 'ERR_SPIFFE_BUNDLE_KEY', 'key 1 (jwt-svid): keyID cannot be empty'],
    // go-spiffe: "no authorities found"
    ['spiffebundle_no_keys', 'ERR_SPIFFE_BUNDLE_INVALID', 'no authorities found'],
    // go-spiffe: "expected a single certificate in x509-svid entry 0; got 2"
    [
      'spiffebundle_multiple_x509',
      'ERR_SPIFFE_BUNDLE_KEY',
      'key 0 (x509-svid): expected a single certificate in x5c; got 2',
    ],
  ])('%s fails as go-spiffe fails it', (name, code, message) => {
    const e = errorOf(() => parse(doc(name)));
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
  });

  it.each(['spiffebundle_valid_1', 'spiffebundle_valid_2', 'spiffebundle_valid_with_wit'])(
    '%s round-trips: written, read back to the same bundle, written again to the same bytes',
    (name) => {
      const bundle = parse(doc(name));
      const written = writeSpiffeBundle({ bundle });
      const again = parse(written);
      expect(counts(again)).toEqual(counts(bundle));
      expect(again.x509Authorities.map((c) => c.der)).toEqual(bundle.x509Authorities.map((c) => c.der));
      expect(new Set(again.jwtAuthorities)).toEqual(new Set(bundle.jwtAuthorities));
      expect(writeSpiffeBundle({ bundle: again })).toBe(written);
      // The x509-svid key is written with the same JWK members the document had.
      const original = JSON.parse(doc(name)).keys[0];
      const key = JSON.parse(written).keys[0];
      expect(key).toEqual({ ...original, kid: undefined, use: 'x509-svid' });
    },
  );

  it('exposes the refresh hint as a delay in whole milliseconds', () => {
    expect(bundleRefreshDelay({ bundle: parse(doc('spiffebundle_valid_2')) })).toBe(60_000);
    expect(bundleRefreshDelay({ bundle: parse(doc('spiffebundle_valid_1')) })).toBe(
      BUNDLE_REFRESH_DEFAULT_MS,
    );
  });
});

/** A document with the keys given, a P-256 CA and a JWT key otherwise. */
const ca = root('Bundle Root');
const p256Jwk = (() => {
  const spki = ca.cert.publicKey.key;
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return { kty: 'EC', crv: 'P-256', x: b64(spki.subarray(1, 33)), y: b64(spki.subarray(33)) };
})();
const x509Key = (cert = ca) => ({
  use: 'x509-svid',
  ...JSON.parse(writeSpiffeBundle({ bundle: [cert.pem] })).keys[0],
});
const jwtKey = (kid = 'k1') => ({ use: 'jwt-svid', kid, ...p256Jwk });
const docOf = (keys: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ keys, ...extra });

describe('the SPIFFE bundle format rules', () => {
  it('ignores keys whose use is missing or unknown, or whose kty is unknown', () => {
    const bundle = parse(
      docOf([
        x509Key(),
        { ...p256Jwk, kid: 'no-use' },
        { use: 'enc', kid: 'other-use', ...p256Jwk },
        { use: 'jwt-svid', kid: 'strange', kty: 'PQC', pub: 'AAAA' },
        { use: 'x509-svid', kty: 'XYZ', x5c: ['not even base64'] },
        { use: 42, kty: 'EC' },
        jwtKey(),
      ]),
    );
    expect([bundle.x509Authorities.length, bundle.jwtAuthorities.map((k) => k.kid)]).toEqual([1, ['k1']]);
  });

  it('accepts an empty keys list: a bundle that trusts nothing', () => {
    expect(counts(parse('{"keys": [], "spiffe_sequence": 4}'))).toEqual({
      x509: 0,
      jwt: 0,
      wit: 0,
      refreshHint: undefined,
      sequence: 4,
    });
  });

  it('does not use the kid of an x509-svid key', () => {
    expect(parse(docOf([{ ...x509Key(), kid: 'ignored' }])).x509Authorities).toHaveLength(1);
  });

  it("refuses an x509-svid key whose JWK is not its certificate's key (naming the key)", () => {
    const other = root('Other Root');
    const wrong = { ...x509Key(), x: x509Key(other).x, y: x509Key(other).y };
    const e = errorOf(() => parse(docOf([jwtKey(), wrong])));
    expect([e.code, e.message]).toEqual([
      'ERR_SPIFFE_BUNDLE_KEY',
      "key 1 (x509-svid): the JWK's public key is not the one of its x5c certificate",
    ]);
  });

  it.each([
    ['no x5c', { x5c: undefined }, 'no "x5c" array'],
    ['an empty x5c', { x5c: [] }, 'expected a single certificate in x5c; got 0'],
    ['x5c of a number', { x5c: [7] }, 'x5c[0] is not a string'],
    ['base64url x5c', { x5c: ['-_-_'] }, 'x5c[0] is not a certificate'],
    ['a corrupt certificate', { x5c: ['MAA='] }, 'x5c[0] is not a certificate'],
    ['no JWK members', { x: undefined, y: undefined }, '"x" is missing'],
  ])('refuses an x509-svid key with %s', (_, change, message) => {
    const e = errorOf(() => parse(docOf([{ ...x509Key(), ...change }])));
    expect(e.code).toBe('ERR_SPIFFE_BUNDLE_KEY');
    expect(e.message).toContain('key 0 (x509-svid): ');
    expect(e.message).toContain(message);
  });

  it.each([
    ['no kid', { kid: undefined }, 'keyID cannot be empty'],
    ['an empty kid', { kid: '' }, 'keyID cannot be empty'],
    ['a private scalar', { d: 'c2VjcmV0LXNjYWxhci12YWx1ZS1ub3Qtc2hvd24' }, 'private key material ("d")'],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }, 'symmetric key'],
    ['another curve', { crv: 'secp256k1' }, 'P-256, P-384 or P-521'],
    ['a short coordinate', { x: 'AAAA' }, '"x" is 3 bytes, not 32'],
    ['padded base64url', { y: `${p256Jwk.y}=` }, '"y" is not base64url'],
    ['a point off the curve', { y: p256Jwk.x }, 'not a P-256 public key'],
    ['an RSA key without e', { kty: 'RSA', n: 'AQAB', crv: undefined }, '"e" is missing'],
    ['an RSA modulus with a leading zero', { kty: 'RSA', n: 'AAEC', e: 'AQAB' }, 'minimal'],
    ['an OKP key on X25519', { kty: 'OKP', crv: 'X25519' }, 'Ed25519 or Ed448'],
  ])('refuses a jwt-svid key with %s, naming it and never its material', (_, change, message) => {
    const e = errorOf(() => parse(docOf([x509Key(), { ...jwtKey(), ...change }])));
    expect(e.code).toBe('ERR_SPIFFE_BUNDLE_KEY');
    expect(e.message).toContain('key 1 (jwt-svid): ');
    expect(e.message).toContain(message);
    expect(e.message).not.toContain('c2VjcmV0');
  });

  it('keeps RSA and Ed25519 JWT keys, and alg', () => {
    const rsa = { use: 'jwt-svid', kid: 'rsa', kty: 'RSA', n: 'wAAAAQ', e: 'AQAB', alg: 'RS256' };
    const ed = {
      use: 'jwt-svid',
      kid: 'ed',
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.alloc(32, 1).toString('base64url'),
    };
    const bundle = parse(docOf([rsa, ed]));
    expect(bundle.jwtAuthorities).toEqual([
      { kty: 'RSA', kid: 'rsa', alg: 'RS256', n: 'wAAAAQ', e: 'AQAB' },
      { kty: 'OKP', kid: 'ed', crv: 'Ed25519', x: ed.x },
    ]);
  });

  it('drops repeated certificates and JWT keys; refuses one kid with two keys', () => {
    const bundle = parse(docOf([x509Key(), x509Key(), jwtKey(), jwtKey()]));
    expect([bundle.x509Authorities.length, bundle.jwtAuthorities.length]).toEqual([1, 1]);
    const other = { ...jwtKey(), ...x509Key(root('Other')), use: 'jwt-svid', kid: 'k1', x5c: undefined };
    const e = errorOf(() => parse(docOf([jwtKey(), other])));
    expect([e.code, e.message]).toEqual([
      'ERR_SPIFFE_BUNDLE_KEY',
      'key 1 (jwt-svid): another jwt-svid key holds kid "k1" with other material',
    ]);
  });

  it.each([
    ['not JSON', '{"keys": [', 'not JSON'],
    ['a JSON list', '[]', 'not a JSON object'],
    ['keys that are not a list', '{"keys": {}}', '"keys" is not an array'],
    ['a negative sequence', '{"keys": [], "spiffe_sequence": -1}', '"spiffe_sequence" must be'],
    ['a fractional sequence', '{"keys": [], "spiffe_sequence": 1.5}', '"spiffe_sequence" must be'],
    ['a sequence beyond 2^53', '{"keys": [], "spiffe_sequence": 18446744073709551615}', '"spiffe_sequence"'],
    ['a text hint', '{"keys": [], "spiffe_refresh_hint": "60"}', '"spiffe_refresh_hint" must be'],
    ['a negative hint', '{"keys": [], "spiffe_refresh_hint": -5}', '"spiffe_refresh_hint" must be'],
  ])('refuses a document with %s (ERR_SPIFFE_BUNDLE_INVALID)', (_, text, message) => {
    const e = errorOf(() => parse(text));
    expect(e.code).toBe('ERR_SPIFFE_BUNDLE_INVALID');
    expect(e.message).toContain(message);
  });

  it('refuses a key entry that is not an object, naming it', () => {
    const e = errorOf(() => parse(docOf([x509Key(), 'jwt'])));
    expect([e.code, e.message]).toEqual(['ERR_SPIFFE_BUNDLE_KEY', 'key 1: not a JSON object']);
  });

  it('reads text, UTF-8 bytes or a parsed object, null members as absent', () => {
    const text = docOf([x509Key()], { spiffe_sequence: null, spiffe_refresh_hint: 30 });
    for (const document of [text, new TextEncoder().encode(text), JSON.parse(text)]) {
      expect(counts(parse(document))).toEqual({
        x509: 1,
        jwt: 0,
        wit: 0,
        refreshHint: 30_000,
        sequence: undefined,
      });
    }
    expect(codeOf(() => parse(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe('ERR_SPIFFE_BUNDLE_INVALID');
  });

  it('bounds the document, its keys and its certificates before or while reading them', () => {
    expect(codeOf(() => parse(' '.repeat(MAX_SPIFFE_BUNDLE_LENGTH + 1)))).toBe('ERR_INPUT_TOO_LARGE');
    const many = docOf(Array.from({ length: MAX_SPIFFE_BUNDLE_KEYS + 1 }, () => ({})));
    expect(codeOf(() => parse(many))).toBe('ERR_INPUT_TOO_LARGE');
    const cas = Array.from({ length: 101 }, (_, i) => x509Key(root(`Root ${i}`)));
    expect(codeOf(() => parse(docOf(cas)))).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('checks its options', () => {
    expect(
      codeOf(() => parseSpiffeBundle({ trustDomain: 'spiffe://example.org', document: '{"keys":[]}' })),
    ).toBe('ERR_TRUST_DOMAIN_INVALID');
    expect(codeOf(() => parseSpiffeBundle(undefined as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => parseSpiffeBundle({ trustDomain: TD, document: 7 as never }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});

describe('writing a SPIFFE bundle', () => {
  const kinds: KeyKind[] = ['p256', 'p384', 'p521', 'rsa2048'];
  const roots = kinds.map((k) => root(`Root ${k}`, { key: newKey(k) }));

  it('writes anchors of every key type it reads, in a canonical order, and reads them back', () => {
    const jwt = [jwtKey('zz'), jwtKey('aa')].map(({ use: _, ...k }) => k);
    const text = writeSpiffeBundle({
      bundle: roots.map((r) => r.pem),
      jwtAuthorities: jwt,
      sequence: 7,
      refreshHint: '5m',
    });
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['keys', 'spiffe_refresh_hint', 'spiffe_sequence']);
    expect([doc.spiffe_refresh_hint, doc.spiffe_sequence]).toEqual([300, 7]);
    expect(doc.keys.map((k: { use: string; kty: string; kid?: string }) => [k.use, k.kty, k.kid])).toEqual([
      ['x509-svid', 'EC', undefined],
      ['x509-svid', 'EC', undefined],
      ['x509-svid', 'EC', undefined],
      ['x509-svid', 'RSA', undefined],
      ['jwt-svid', 'EC', 'aa'],
      ['jwt-svid', 'EC', 'zz'],
    ]);
    expect(Object.keys(doc.keys[0])).toEqual(['use', 'kty', 'crv', 'x', 'y', 'x5c']);
    expect(Object.keys(doc.keys[3])).toEqual(['use', 'kty', 'n', 'e', 'x5c']);
    expect(Object.keys(doc.keys[4])).toEqual(['use', 'kty', 'kid', 'crv', 'x', 'y']);
    expect(text.endsWith('}\n')).toBe(true);
    const back = parse(text);
    expect(back.x509Authorities.map((c) => c.der)).toEqual(roots.map((r) => r.der));
    expect([back.sequence, back.refreshHint]).toEqual([7, 300_000]);
    // The same bundle in any order of JWT keys writes the same bytes.
    expect(writeSpiffeBundle({ bundle: back })).toBe(text);
  });

  it('writes a library trust anchor, which reads back as the same certificate', async () => {
    const anchor = await createTrustAnchor();
    const text = writeSpiffeBundle({ bundle: anchor.pem });
    expect(parse(text).x509Authorities[0]!.der).toEqual(anchor.der);
  });

  it('overrides the sequence of a parsed bundle, keeping the rest', () => {
    const first = parse(writeSpiffeBundle({ bundle: [ca.pem], sequence: 1, refreshHint: 60_000 }));
    const next = parse(writeSpiffeBundle({ bundle: first, sequence: 2 }));
    expect([next.sequence, next.refreshHint, next.x509Authorities.length]).toEqual([2, 60_000, 1]);
  });

  it('writes an empty bundle only when asked for one', () => {
    expect(JSON.parse(writeSpiffeBundle({ bundle: [] }))).toEqual({ keys: [] });
    expect(codeOf(() => writeSpiffeBundle({} as never))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('refuses what it cannot write', () => {
    expect(codeOf(() => writeSpiffeBundle({ bundle: [ca.pem], refreshHint: 1500 }))).toBe(
      'ERR_SPIFFE_BUNDLE_INVALID',
    );
    expect(codeOf(() => writeSpiffeBundle({ bundle: [ca.pem], sequence: -1 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => writeSpiffeBundle({ bundle: [ca.pem], jwtAuthorities: [p256Jwk as never] }))).toBe(
      'ERR_SPIFFE_BUNDLE_KEY',
    );
    expect(codeOf(() => writeSpiffeBundle({ bundle: 'no PEM here' }))).toBe('ERR_BUNDLE_EMPTY');
  });
});

describe('PEM ca-bundle.crt and SPIFFE bundles', () => {
  const a = root('Rotation A');
  const b = root('Rotation B');

  it('converts PEM to a bundle and back, keeping the order and dropping repeats', () => {
    const pem = a.pem + b.pem + a.pem;
    const bundle = spiffeBundleFromPem({ trustDomain: TD, bundle: pem, sequence: 3, refreshHint: '1m' });
    expect(counts(bundle)).toEqual({ x509: 2, jwt: 0, wit: 0, refreshHint: 60_000, sequence: 3 });
    const back = spiffeBundleToPem(bundle);
    expect(decodePem(back).map((block) => block.der)).toEqual([a.der, b.der]);
    // And through a document.
    expect(spiffeBundleToPem(parse(writeSpiffeBundle({ bundle })))).toBe(back);
  });

  it('refuses what has no certificate', () => {
    expect(codeOf(() => spiffeBundleFromPem({ trustDomain: TD, bundle: '' }))).toBe('ERR_BUNDLE_EMPTY');
    expect(codeOf(() => spiffeBundleToPem(parse('{"keys":[]}')))).toBe('ERR_BUNDLE_EMPTY');
    expect(codeOf(() => spiffeBundleFromPem({ trustDomain: TD, bundle: a.pem, refreshHint: '1500ms' }))).toBe(
      'ERR_DURATION_INVALID',
    );
  });
});

describe('the refresh hint as a delay', () => {
  it('keeps the hint between min and max, and falls back without one', () => {
    expect(bundleRefreshDelay({ bundle: { refreshHint: 0 } })).toBe(BUNDLE_REFRESH_MIN_MS);
    expect(bundleRefreshDelay({ bundle: { refreshHint: 10 * BUNDLE_REFRESH_MAX_MS } })).toBe(
      BUNDLE_REFRESH_MAX_MS,
    );
    expect(bundleRefreshDelay({ bundle: {}, fallback: '2m' })).toBe(120_000);
    expect(bundleRefreshDelay({ bundle: { refreshHint: 1000 }, min: 0 })).toBe(1000);
    expect(codeOf(() => bundleRefreshDelay({ bundle: {}, min: '2h', max: '1h' }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => bundleRefreshDelay({ bundle: { refreshHint: 0.5 } }))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe("go-spiffe's x509svid fixtures, parsed with their keys", () => {
  const file = (name: string) => dataText(`${SVIDS}${name}`);
  const keyRSA = 'key-pkcs8-rsa.pem';
  const keyECDSA = 'key-pkcs8-ecdsa.pem';

  // go-spiffe's TestParse, case by case: certificates, key, then its result.
  it.each([
    ['Single certificate and key', 'good-leaf-only.pem', keyRSA, 1, 'RSA 2048'],
    ['Certificate with intermediate and key', 'good-leaf-and-intermediate.pem', keyECDSA, 2, 'EC P-256'],
    [
      'Key and certificate in the same byte array',
      'good-key-and-cert.pem',
      'good-key-and-cert.pem',
      1,
      'EC P-256',
    ],
    [
      'Certificate and Key in the same byte array',
      'good-cert-and-key.pem',
      'good-cert-and-key.pem',
      1,
      'EC P-256',
    ],
  ])('%s: accepted, the key paired with its leaf', (_, certs, key, count, keyType) => {
    const svid = parseX509Svid({ certificates: file(certs), key: file(key) });
    expect(svid.spiffeId).toBe('spiffe://example.org/workload-1');
    expect(svid.trustDomain).toBe('example.org');
    expect(svid.certificates).toHaveLength(count);
    expect(svid.keyType).toBe(keyType);
    if (keyType === 'EC P-256')
      expect(svid.privateKey?.publicKey.equals(svid.certificates[0]!.publicKey)).toBe(true);
    else expect(svid.privateKey).toBeUndefined();
    expect(JSON.stringify(svid)).not.toContain('PRIVATE');
  });

  it.each([
    ['Missing certificate', keyRSA, keyRSA, 'ERR_SVID_INVALID', 'no certificates found'],
    [
      'Missing private key',
      'good-leaf-only.pem',
      'good-leaf-only.pem',
      'ERR_KEY_INVALID',
      'no private key found',
    ],
    ['Private key not PEM', 'good-leaf-only.pem', 'not-pem', 'ERR_PEM_INVALID', 'no PEM block'],
    ['Certificate not PEM', 'not-pem', keyRSA, 'ERR_PEM_INVALID', 'no PEM block'],
    ['Corrupt private key', 'good-leaf-only.pem', 'corrupt-key.pem', 'ERR_KEY_INVALID', 'PKCS#8'],
    ['Corrupt certificate', 'corrupt-cert.pem', keyRSA, 'ERR_CERT_INVALID', ''],
    [
      'Certificate does not match private key',
      'good-leaf-and-intermediate.pem',
      keyRSA,
      'ERR_KEY_MISMATCH',
      'leaf certificate does not match private key',
    ],
    [
      'Certificate without SPIFFE ID',
      'wrong-leaf-empty-id.pem',
      keyRSA,
      'ERR_SVID_INVALID',
      'leaf certificate contains no URI SAN',
    ],
    [
      'Leaf certificate with CA flag set to true',
      'wrong-leaf-ca-true.pem',
      keyRSA,
      'ERR_SVID_INVALID',
      'leaf certificate must not have CA flag set to true',
    ],
    [
      'Leaf certificate without digitalSignature as key usage',
      'wrong-leaf-no-digital-signature.pem',
      keyRSA,
      'ERR_SVID_INVALID',
      "leaf certificate must have 'digitalSignature' set as key usage",
    ],
    [
      'Leaf certificate with certSign as key usage',
      'wrong-leaf-cert-sign.pem',
      keyRSA,
      'ERR_SVID_INVALID',
      "leaf certificate must not have 'keyCertSign' set as key usage",
    ],
    [
      'Leaf certificate with cRLSign as key usage',
      'wrong-leaf-crl-sign.pem',
      keyRSA,
      'ERR_SVID_INVALID',
      "leaf certificate must not have 'cRLSign' set as key usage",
    ],
    [
      'Signing certificate without CA flag',
      'wrong-intermediate-no-ca.pem',
      keyRSA,
      'ERR_SVID_INVALID',
      'certificate 1: signing certificate must have CA flag set to true',
    ],
    [
      "Signing certificate without 'keyCertSign' usage",
      'wrong-intermediate-no-key-cert-sign.pem',
      keyRSA,
      'ERR_SVID_INVALID',
      "certificate 1: signing certificate must have 'keyCertSign' set as key usage",
    ],
  ])('%s: refused as go-spiffe refuses it', (_, certs, key, code, message) => {
    const e = errorOf(() => parseX509Svid({ certificates: file(certs), key: file(key) }));
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
    expect(e.message).not.toMatch(/MII|PRIVATE KEY-----/);
  });

  it('verifySvid refuses every wrong-* SVID for the reason go-spiffe gives', async () => {
    const bundle = decodePem(file('good-leaf-only.pem'))[0]!.der;
    for (const [name, index, reason] of [
      ['wrong-leaf-ca-true', 0, 'leaf certificate must not have CA flag set to true'],
      ['wrong-leaf-cert-sign', 0, "leaf certificate must not have 'keyCertSign' set as key usage"],
      ['wrong-leaf-crl-sign', 0, "leaf certificate must not have 'cRLSign' set as key usage"],
      ['wrong-leaf-empty-id', 0, 'leaf certificate contains no URI SAN'],
      [
        'wrong-leaf-no-digital-signature',
        0,
        "leaf certificate must have 'digitalSignature' set as key usage",
      ],
      ['wrong-intermediate-no-ca', 1, 'signing certificate must have CA flag set to true'],
      [
        'wrong-intermediate-no-key-cert-sign',
        1,
        "signing certificate must have 'keyCertSign' set as key usage",
      ],
    ] as const) {
      const [leaf, ...intermediates] = decodePem(file(`${name}.pem`)).map((b) => b.der);
      const result = await verifySvid({ leaf: leaf!, intermediates, bundle: [bundle], trustDomain: TD });
      expect(result.ok ? 'ok' : [result.code, result.certIndex, result.reason], name).toEqual([
        'SVID_INVALID',
        index,
        reason,
      ]);
    }
  });

  it('reads the certificates as DER one after another or as a list, and the key as PKCS#8 DER', () => {
    const blocks = decodePem(file('good-leaf-and-intermediate.pem'));
    const keyDer = decodePem(file(keyECDSA))[0]!.der;
    const joined = new Uint8Array([...blocks[0]!.der, ...blocks[1]!.der]);
    for (const certificates of [
      joined,
      blocks.map((b) => b.der),
      blocks.map((b) => parseCertificate(b.der)),
    ]) {
      expect(parseX509Svid({ certificates, key: keyDer }).certificates).toHaveLength(2);
    }
  });
});

describe('X509-SVID keys paired with their leaves', () => {
  const kinds: KeyKind[] = ['p256', 'p384', 'p521', 'rsa2048'];
  const issuer = root('SVID CA');
  const svidOf = (kind: KeyKind) => {
    const key = newKey(kind);
    const cert = mint({ issuer, key, san: [gn.uri('spiffe://example.org/w')] });
    const pkcs8 = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    return { cert, pkcs8 };
  };
  const svids = Object.fromEntries(kinds.map((k) => [k, svidOf(k)] as const));

  it.each(kinds)('a %s key pairs with its own leaf, in either PEM order, and with no other', (kind) => {
    const { cert, pkcs8 } = svids[kind]!;
    expect(parseX509Svid({ certificates: cert.pem + pkcs8, key: cert.pem + pkcs8 }).spiffeId).toBe(
      'spiffe://example.org/w',
    );
    expect(
      parseX509Svid({ certificates: pkcs8 + cert.pem, key: pkcs8 + cert.pem }).certificates,
    ).toHaveLength(1);
    for (const other of kinds.filter((k) => k !== kind)) {
      expect(
        codeOf(() => parseX509Svid({ certificates: cert.pem, key: svids[other]!.pkcs8 })),
        other,
      ).toBe('ERR_KEY_MISMATCH');
    }
    // Another key of the same kind does not pair either.
    const again = newKey(kind === 'rsa2048' ? 'rsa1024' : kind);
    const pem = again.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(codeOf(() => parseX509Svid({ certificates: cert.pem, key: pem }))).toBe('ERR_KEY_MISMATCH');
  });

  it('refuses Ed25519 and SEC1 keys, and RSA keys whose primes are not their modulus', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const { cert } = svids.p256!;
    expect(codeOf(() => parseX509Svid({ certificates: cert.pem, key: ed }))).toBe('ERR_KEY_UNSUPPORTED');
    const sec1 = newKey('p256').privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    expect(codeOf(() => parseX509Svid({ certificates: cert.pem, key: sec1 }))).toBe('ERR_KEY_INVALID');
    // An RSA key with the leaf's modulus and exponent but a wrong prime: its public half cannot be trusted.
    const rsa = svids.rsa2048!;
    const der = decodePem(rsa.pkcs8)[0]!.der.slice();
    der[der.length - 1] = der[der.length - 1]! ^ 1; // the coefficient: still parses, primes unchanged, so it pairs
    expect(parseX509Svid({ certificates: rsa.cert.pem, key: der }).keyType).toBe('RSA 2048');
    const bad = decodePem(rsa.pkcs8)[0]!.der.slice();
    bad[bad.length - 400] = bad[bad.length - 400]! ^ 1; // inside a prime
    expect(codeOf(() => parseX509Svid({ certificates: rsa.cert.pem, key: bad }))).toMatch(
      /ERR_KEY_(INVALID|MISMATCH)/,
    );
  });
});
