import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { format, inspect } from 'node:util';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { createCsr, parseCsr, verifyCsr } from '../src/csr';
import { integer, octetString, oid, sequence } from '../src/der';
import { generateKeyPair, importPrivateKey, importPublicKey, PrivateKey } from '../src/keys';
import { encodePkcs8, encodeSec1, encodeSpki } from '../src/keys/pkcs8';
import { base64UrlDecode, decodePem, encodePem } from '../src/pem';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { codeOf, hex, IDENTITY, seededRandom } from './helpers/pki';

const P256_N = p256.Point.CURVE().n;

function scalarBytes(n: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
}

/** The scalar of `key`, read back through its JWK. */
function scalarOf(key: PrivateKey): Uint8Array {
  return base64UrlDecode(key.exportJwk().d);
}

describe.skipIf(!hasOpenssl)('keys against openssl', () => {
  let ossl: OpensslDir;
  let key: PrivateKey;

  beforeAll(async () => {
    ossl = new OpensslDir();
    key = await generateKeyPair();
  });
  afterAll(() => ossl.cleanup());

  /** The SPKI DER openssl derives from a private key file. */
  function opensslSpki(file: string, inform: 'PEM' | 'DER' = 'PEM'): Uint8Array {
    return ossl.run(['pkey', '-inform', inform, '-in', file, '-pubout', '-outform', 'DER']).bytes;
  }

  it('openssl pkey loads our PKCS#8 PEM and checks it; its re-encoding imports as the same key', () => {
    const f = ossl.write('ours.p8.pem', key.exportPkcs8Pem());
    const check = ossl.run(['pkey', '-in', f, '-check', '-noout']);
    expect(check.stdout + check.stderr).toContain('Key is valid');
    expect(opensslSpki(f)).toEqual(key.publicKey.spki);
    // OpenSSL re-encodes with the curve repeated inside the ECPrivateKey; same key either way.
    const again = importPrivateKey(ossl.run(['pkey', '-in', f, '-outform', 'DER']).bytes);
    expect(again.exportPkcs8()).toEqual(key.exportPkcs8());
  });

  it('our PKCS#8 layout is the one openssl genpkey writes as PEM', () => {
    ossl.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'layout.pem']);
    const theirs = decodePem(ossl.readText('layout.pem'))[0]!.der;
    expect(importPrivateKey(theirs).exportPkcs8()).toEqual(theirs);
  });

  it('openssl pkey loads our PKCS#8 DER (key.p8)', () => {
    const f = ossl.write('ours.p8', key.exportPkcs8());
    expect(opensslSpki(f, 'DER')).toEqual(key.publicKey.spki);
    expect(key.exportPkcs8()).toEqual(key.pkcs8);
  });

  it('openssl ec loads our SEC1 PEM and re-encodes it byte for byte', () => {
    const f = ossl.write('ours.sec1.pem', key.exportSec1Pem());
    expect(key.exportSec1Pem()).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    const check = ossl.run(['ec', '-in', f, '-check', '-noout']);
    expect(check.stdout + check.stderr).toContain('EC Key valid');
    expect(opensslSpki(f)).toEqual(key.publicKey.spki);
    expect(ossl.run(['ec', '-in', f, '-outform', 'DER']).bytes).toEqual(key.exportSec1());
  });

  it('openssl reads our public key PEM', () => {
    const f = ossl.write('ours.pub.pem', key.publicKey.toPem());
    expect(ossl.run(['pkey', '-pubin', '-in', f, '-outform', 'DER']).bytes).toEqual(key.publicKey.spki);
  });

  const opensslKeys: [string, string[], 'PEM' | 'DER'][] = [
    [
      'genpkey P-256 (PKCS#8 PEM)',
      ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      'PEM',
    ],
    ['ecparam -genkey (EC PARAMETERS + SEC1)', ['ecparam', '-genkey', '-name', 'prime256v1'], 'PEM'],
    ['ecparam -genkey -noout (SEC1 only)', ['ecparam', '-genkey', '-noout', '-name', 'prime256v1'], 'PEM'],
    [
      'genpkey P-256 -outform DER (PKCS#8 DER)',
      ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-outform', 'DER'],
      'DER',
    ],
  ];

  it.each(opensslKeys)(
    'imports an openssl key: %s, and signs a CSR openssl accepts',
    async (name, args, form) => {
      const file = `${name.replace(/\W+/g, '_')}.key`;
      ossl.run([...args, '-out', file]);
      const imported = importPrivateKey(form === 'PEM' ? ossl.readText(file) : ossl.readBytes(file));
      expect(imported.publicKey.spki).toEqual(opensslSpki(file, form));
      const csr = await createCsr({ key: imported, identity: IDENTITY });
      ossl.write(`${file}.csr`, csr.pem);
      const v = ossl.run(['req', '-verify', '-noout', '-in', `${file}.csr`]);
      expect(v.stdout + v.stderr).toContain('verify OK');
      expect(await verifyCsr(parseCsr(csr.der))).toBe(true);
    },
  );

  it('imports openssl re-encodings: PKCS#8/SEC1 DER, no public key, compressed public key, PKCS#8 v2', () => {
    ossl.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'g.pem']);
    const spki = opensslSpki('g.pem');
    const variants = {
      pkcs8: ossl.run(['pkey', '-in', 'g.pem', '-outform', 'DER']).bytes,
      sec1: ossl.run(['ec', '-in', 'g.pem', '-outform', 'DER']).bytes,
      sec1NoPublic: ossl.run(['ec', '-in', 'g.pem', '-no_public', '-outform', 'DER']).bytes,
      sec1NoPublicPem: ossl.run(['ec', '-in', 'g.pem', '-no_public']).stdout,
      sec1Compressed: ossl.run(['ec', '-in', 'g.pem', '-conv_form', 'compressed', '-outform', 'DER']).bytes,
      sec1CompressedPem: ossl.run(['ec', '-in', 'g.pem', '-conv_form', 'compressed']).stdout,
      pkcs8Compressed: ossl.run(['pkey', '-in', 'g.pem', '-ec_conv_form', 'compressed', '-outform', 'DER'])
        .bytes,
    };
    for (const [name, input] of Object.entries(variants)) {
      expect(importPrivateKey(input).publicKey.spki, name).toEqual(spki);
    }
    // RFC 5958 OneAsymmetricKey (v2) with the [1] publicKey field.
    const k = importPrivateKey(variants.pkcs8);
    const v2 = sequence(
      integer(1),
      sequence(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')),
      octetString(encodeSec1(scalarOf(k), k.publicKey.point)),
      Uint8Array.from([0x81, 0x42, 0x00, ...k.publicKey.point]),
    );
    expect(importPrivateKey(v2).publicKey.spki).toEqual(spki);
  });

  const refused: [string, string[]][] = [
    ['ecparam secp384r1 (SEC1)', ['ecparam', '-genkey', '-name', 'secp384r1']],
    ['genpkey P-384 (PKCS#8)', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']],
    ['genpkey P-521 (PKCS#8)', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521']],
    ['ecparam secp256k1 (SEC1)', ['ecparam', '-genkey', '-noout', '-name', 'secp256k1']],
    ['genpkey RSA (PKCS#8)', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']],
    ['genrsa -traditional (RSA PRIVATE KEY)', ['genrsa', '-traditional', '-out', '{out}', '1024']],
    ['genpkey Ed25519', ['genpkey', '-algorithm', 'ED25519']],
    ['genpkey Ed448', ['genpkey', '-algorithm', 'ED448']],
    [
      'ecparam P-256 with explicit parameters',
      ['ecparam', '-genkey', '-noout', '-name', 'prime256v1', '-param_enc', 'explicit'],
    ],
  ];

  it.each(refused)('refuses %s with ERR_KEY_UNSUPPORTED (PEM and DER)', (name, args) => {
    const file = `${name.replace(/\W+/g, '_')}.pem`;
    ossl.run(args.includes('{out}') ? args.map((a) => (a === '{out}' ? file : a)) : [...args, '-out', file]);
    expect(codeOf(() => importPrivateKey(ossl.readText(file)))).toBe('ERR_KEY_UNSUPPORTED');
    const blocks = decodePem(ossl.readText(file)).filter((b) => b.label.endsWith('PRIVATE KEY'));
    if (blocks[0]?.label === 'PRIVATE KEY' || blocks[0]?.label === 'EC PRIVATE KEY') {
      expect(codeOf(() => importPrivateKey(blocks[0]!.der))).toBe('ERR_KEY_UNSUPPORTED');
    }
    const pub = ossl.run(['pkey', '-in', file, '-pubout']).stdout;
    expect(codeOf(() => importPublicKey(pub))).toBe('ERR_KEY_UNSUPPORTED');
  });

  it('refuses an encrypted PKCS#8 key with ERR_KEY_UNSUPPORTED', () => {
    const enc = ossl.run(
      ['pkcs8', '-topk8', '-v2', 'aes-128-cbc', '-passout', 'pass:secret'],
      key.exportPkcs8Pem(),
    ).stdout;
    expect(enc).toContain('ENCRYPTED PRIVATE KEY');
    expect(codeOf(() => importPrivateKey(enc))).toBe('ERR_KEY_UNSUPPORTED');
  });
});

describe('keys against node:crypto', () => {
  it('Node loads our PKCS#8 (PEM, DER) and SEC1 (PEM, DER) with the same public point', async () => {
    const key = await generateKeyPair();
    const loaded = [
      createPrivateKey(key.exportPkcs8Pem()),
      createPrivateKey({ key: Buffer.from(key.exportPkcs8()), format: 'der', type: 'pkcs8' }),
      createPrivateKey(key.exportSec1Pem()),
      createPrivateKey({ key: Buffer.from(key.exportSec1()), format: 'der', type: 'sec1' }),
    ];
    for (const k of loaded) {
      expect(k.asymmetricKeyType).toBe('ec');
      expect(k.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      const spki = createPublicKey(k).export({ type: 'spki', format: 'der' });
      expect(new Uint8Array(spki)).toEqual(key.publicKey.spki);
    }
    const pub = createPublicKey(key.publicKey.toPem());
    expect(new Uint8Array(pub.export({ type: 'spki', format: 'der' }))).toEqual(key.publicKey.spki);
  });

  it('imports keys Node makes, in every encoding', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const inputs: (string | Uint8Array)[] = [
      privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
      privateKey.export({ type: 'sec1', format: 'pem' }) as string,
      new Uint8Array(privateKey.export({ type: 'sec1', format: 'der' })),
    ];
    for (const input of inputs) expect(importPrivateKey(input).publicKey.spki).toEqual(spki);
    expect(importPublicKey(publicKey.export({ type: 'spki', format: 'pem' }) as string).spki).toEqual(spki);
    expect(importPublicKey(spki).spki).toEqual(spki);
  });

  it('exports the JWK Node exports, and Node imports ours', async () => {
    const key = await generateKeyPair();
    const nodeJwk = createPrivateKey(key.exportPkcs8Pem()).export({ format: 'jwk' });
    expect({ ...key.exportJwk() }).toEqual(nodeJwk);
    const nodePub = createPublicKey(key.publicKey.toPem()).export({ format: 'jwk' });
    expect({ ...key.publicKey.toJwk() }).toEqual(nodePub);
    const back = createPrivateKey({ key: { ...key.exportJwk() } as JsonWebKey, format: 'jwk' });
    expect(new Uint8Array(back.export({ type: 'pkcs8', format: 'der' }))).toEqual(key.exportPkcs8());
  });

  it('signs with ecdsa-with-SHA256 that Node verifies', async () => {
    const { verify } = await import('node:crypto');
    const key = await generateKeyPair();
    const data = new TextEncoder().encode('proof of possession');
    const sig = await key.sign(data);
    expect(verify('sha256', data, { key: key.publicKey.toPem(), dsaEncoding: 'der' }, sig)).toBe(true);
  });
});

describe('corrupt and hostile key encodings', () => {
  let key: PrivateKey;
  let other: PrivateKey;
  beforeAll(async () => {
    key = await generateKeyPair({ random: seededRandom('corrupt-a') });
    other = await generateKeyPair({ random: seededRandom('corrupt-b') });
  });

  it('bad base64 inside the PEM is ERR_BASE64', () => {
    const pem = key.exportPkcs8Pem();
    const lines = pem.split('\n');
    lines[1] = `${lines[1]!.slice(0, 10)}*${lines[1]!.slice(11)}`;
    expect(codeOf(() => importPrivateKey(lines.join('\n')))).toBe('ERR_BASE64');
    const pub = key.publicKey.toPem().split('\n');
    pub[1] = `${pub[1]!.slice(0, 5)}!${pub[1]!.slice(6)}`;
    expect(codeOf(() => importPublicKey(pub.join('\n')))).toBe('ERR_BASE64');
  });

  it('a wrong PEM label is ERR_PEM_LABEL', () => {
    expect(codeOf(() => importPrivateKey(encodePem('CERTIFICATE', key.exportPkcs8())))).toBe('ERR_PEM_LABEL');
    expect(codeOf(() => importPrivateKey(key.publicKey.toPem()))).toBe('ERR_PEM_LABEL');
    expect(codeOf(() => importPublicKey(key.exportPkcs8Pem()))).toBe('ERR_PEM_LABEL');
    expect(codeOf(() => importPublicKey(encodePem('CERTIFICATE', key.publicKey.spki)))).toBe('ERR_PEM_LABEL');
  });

  it('a SEC1 body under the PKCS#8 label (and the reverse) is ERR_KEY_INVALID', () => {
    expect(codeOf(() => importPrivateKey(encodePem('PRIVATE KEY', key.exportSec1())))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(codeOf(() => importPrivateKey(encodePem('EC PRIVATE KEY', key.exportPkcs8())))).toBe(
      'ERR_KEY_INVALID',
    );
  });

  it('trailing bytes after the DER are ERR_KEY_INVALID (the documented code for corrupt encodings)', () => {
    const trail = (der: Uint8Array) => Uint8Array.from([...der, 0x00, 0x00]);
    expect(codeOf(() => importPrivateKey(trail(key.exportPkcs8())))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(trail(key.exportSec1())))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(encodePem('PRIVATE KEY', trail(key.exportPkcs8()))))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(codeOf(() => importPublicKey(trail(key.publicKey.spki)))).toBe('ERR_KEY_INVALID');
  });

  it('truncated DER is ERR_KEY_INVALID', () => {
    expect(codeOf(() => importPrivateKey(key.exportPkcs8().subarray(0, 60)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPublicKey(key.publicKey.spki.subarray(0, 40)))).toBe('ERR_KEY_INVALID');
  });

  it('a public point off the curve is ERR_KEY_INVALID, in an SPKI and stored with a private key', () => {
    const point = key.publicKey.point.slice();
    point[64]! ^= 0x01;
    expect(codeOf(() => importPublicKey(encodeSpki(point)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(encodePkcs8(scalarOf(key), point)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(encodeSec1(scalarOf(key), point)))).toBe('ERR_KEY_INVALID');
    // Node (OpenSSL) refuses the same bytes.
    expect(() =>
      createPublicKey({ key: Buffer.from(encodeSpki(point)), format: 'der', type: 'spki' }),
    ).toThrow();
  });

  it('a point of the wrong form or length is ERR_KEY_INVALID', () => {
    const infinity = Uint8Array.of(0x00);
    const short = key.publicKey.point.subarray(0, 64);
    for (const p of [infinity, short, Uint8Array.of(0x05, ...key.publicKey.point.subarray(1))]) {
      expect(codeOf(() => importPublicKey(encodeSpki(p)))).toBe('ERR_KEY_INVALID');
    }
  });

  it.each([
    ['0', 0n],
    ['n', P256_N],
    ['n + 1', P256_N + 1n],
    ['2^256 - 1', (1n << 256n) - 1n],
  ])('a scalar of %s is ERR_KEY_INVALID', (_name, d) => {
    const point = key.publicKey.point;
    expect(codeOf(() => importPrivateKey(encodePkcs8(scalarBytes(d), point)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(encodeSec1(scalarBytes(d), point)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => new PrivateKey(scalarBytes(d)))).toBe('ERR_KEY_INVALID');
  });

  it('scalars 1 and n − 1 are keys', () => {
    for (const d of [1n, P256_N - 1n]) {
      const k = new PrivateKey(scalarBytes(d));
      expect(importPrivateKey(k.exportPkcs8()).publicKey.point).toEqual(k.publicKey.point);
      expect(createPrivateKey(k.exportPkcs8Pem()).asymmetricKeyType).toBe('ec');
    }
  });

  it('a scalar longer than 32 bytes is ERR_KEY_INVALID; a short one is left-padded', () => {
    const long = sequence(
      integer(1),
      octetString(Uint8Array.of(0, ...scalarOf(key))),
      Uint8Array.from([0xa0, 0x0a, ...oid('1.2.840.10045.3.1.7')]),
    );
    expect(codeOf(() => importPrivateKey(long))).toBe('ERR_KEY_INVALID');
    const small = new PrivateKey(scalarBytes(0x1234n));
    const shortSec1 = sequence(
      integer(1),
      octetString(Uint8Array.of(0x12, 0x34)),
      Uint8Array.from([0xa0, 0x0a, ...oid('1.2.840.10045.3.1.7')]),
    );
    expect(importPrivateKey(shortSec1).publicKey.point).toEqual(small.publicKey.point);
  });

  it('a stored public key that is not the scalar’s is ERR_KEY_MISMATCH', () => {
    const wrong = other.publicKey.point;
    expect(codeOf(() => importPrivateKey(encodePkcs8(scalarOf(key), wrong)))).toBe('ERR_KEY_MISMATCH');
    expect(codeOf(() => importPrivateKey(encodeSec1(scalarOf(key), wrong)))).toBe('ERR_KEY_MISMATCH');
    expect(
      codeOf(() => importPrivateKey(encodePem('EC PRIVATE KEY', encodeSec1(scalarOf(key), wrong)))),
    ).toBe('ERR_KEY_MISMATCH');
  });

  it('an SPKI with a non-octet-aligned BIT STRING is ERR_KEY_INVALID', () => {
    const spki = sequence(
      sequence(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')),
      Uint8Array.from([0x03, 0x42, 0x01, ...key.publicKey.point]),
    );
    expect(codeOf(() => importPublicKey(spki))).toBe('ERR_KEY_INVALID');
  });

  it('non-key input is refused with a PkiError', () => {
    expect(codeOf(() => importPrivateKey('not a key'))).toBe('ERR_PEM_INVALID');
    expect(codeOf(() => importPrivateKey(new Uint8Array(0)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPrivateKey(42 as unknown as string))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('reproducible keys', () => {
  it('the same random source gives the same key; another gives another', async () => {
    const a = await generateKeyPair({ random: seededRandom('repro') });
    const b = await generateKeyPair({ random: seededRandom('repro') });
    const c = await generateKeyPair({ random: seededRandom('other') });
    expect(a.exportPkcs8()).toEqual(b.exportPkcs8());
    expect(a.exportPkcs8()).not.toEqual(c.exportPkcs8());
    expect(createPrivateKey(a.exportPkcs8Pem()).asymmetricKeyType).toBe('ec');
  });

  it('a random source returning the wrong length is ERR_INVALID_ARGUMENT', async () => {
    await expect(generateKeyPair({ random: () => new Uint8Array(16) })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});

describe('private key material stays private', () => {
  it('String, JSON.stringify, util.inspect and util.format never show the scalar', async () => {
    const key = await generateKeyPair();
    const anchor = await createTrustAnchor({ key });
    const d = scalarOf(key);
    const secrets = [
      hex(d),
      hex(d).toUpperCase(),
      Buffer.from(d).toString('base64'),
      key.exportJwk().d,
      // The PKCS#8 body's base64 holds the scalar too; any 16-character run of it is a leak.
      Buffer.from(key.exportPkcs8()).toString('base64').slice(48, 64),
      // Uint8Array rendering: the first bytes, comma-separated as util.inspect prints them.
      Array.from(d.subarray(0, 6)).join(', '),
    ];
    const views = [
      String(key),
      `${key}`,
      JSON.stringify(key),
      JSON.stringify({ key }),
      JSON.stringify(anchor),
      inspect(key, { depth: 20, showHidden: true }),
      inspect({ nested: { key } }, { depth: 20, showHidden: true }),
      inspect(anchor, { depth: 20, showHidden: true, getters: true }),
      inspect(key, { depth: 20, showHidden: true, customInspect: false }),
      format('%o %O %s %j', key, key, key, key),
      Object.keys(key).join(','),
      JSON.stringify({ ...key }),
    ];
    for (const view of views) {
      for (const s of secrets) expect(view.includes(s), `${view.slice(0, 80)} leaks`).toBe(false);
    }
    expect(String(key)).toBe('PrivateKey(P-256, redacted)');
  });
});
