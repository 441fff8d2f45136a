/**
 * Documented input limits: just over each one is refused with ERR_INPUT_TOO_LARGE before any parsing
 * (an oversize buffer of zeros gets the size code, not a DER code), and just at each one is accepted.
 */
import { describe, expect, it } from 'vitest';
import { createTrustAnchor, MAX_BUNDLE_CERTIFICATES, parseBundle } from '../src/anchor';
import { createCsr, MAX_CSR_SIZE, parseCsr } from '../src/csr';
import { ERROR_CODES, type PkiErrorCode } from '../src/errors';
import { createIssuer } from '../src/issuer';
import { generateKeyPair, importPrivateKey, importPublicKey, MAX_KEY_SIZE } from '../src/keys';
import { issueLeafForKey } from '../src/leaf';
import { decodePem, encodePem, MAX_PEM_LENGTH } from '../src/pem';
import { MAX_CERTIFICATE_SIZE, parseCertificate } from '../src/x509';
import { type DerNode, encodeTree, outcome, parseTree, seededBytes } from './helpers/mutate';
import { WEB_IDENTITY as IDENTITY, NOW } from './helpers/pki';

const anchor = await createTrustAnchor({ now: NOW, random: seededBytes(11), serial: 1n });
const issuer = await createIssuer({ anchor, now: NOW, random: seededBytes(12), serial: 2n });
const leafKey = await generateKeyPair({ random: seededBytes(13) });
const leaf = await issueLeafForKey({ issuer, publicKey: leafKey.publicKey, identity: IDENTITY, now: NOW });
const csr = await createCsr({ key: leafKey, identity: IDENTITY });

const codeOf = (fn: () => unknown) => {
  const o = outcome(fn);
  return o.ok ? 'ok' : o.code;
};

/** A non-critical private extension whose value is `size` zero octets (an OCTET STRING inside). */
function paddingExtension(size: number): DerNode {
  const node = (tag: number, content: Uint8Array, children?: DerNode[]): DerNode => ({
    tag,
    content,
    prefix: new Uint8Array(0),
    children,
  });
  const oid = node(0x06, new Uint8Array([0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0x8d, 0x1f, 0x01]));
  return node(0x30, new Uint8Array(0), [oid, node(0x04, new Uint8Array(size))]);
}

/**
 * `der` with a padding extension appended to the extensions SEQUENCE found by `extensions`, grown until
 * the whole encoding is exactly `size` bytes. The signature no longer matches; parsing does not care.
 */
function padTo(der: Uint8Array, size: number, extensions: (root: DerNode) => DerNode): Uint8Array {
  let pad = 0;
  for (let round = 0; round < 8; round++) {
    const roots = parseTree(der)!;
    extensions(roots[0]!).children!.push(paddingExtension(pad));
    const out = encodeTree(roots);
    if (out.length === size) return out;
    pad += size - out.length;
  }
  throw new Error(`could not pad to ${size} bytes`);
}

const child = (n: DerNode, i: number): DerNode => n.children![i]!;
/** Certificate → TBSCertificate → [3] → Extensions. */
const certExtensions = (root: DerNode) => {
  const tbs = child(root, 0);
  return child(tbs.children!.find((n) => n.tag === 0xa3)!, 0);
};
/** CertificationRequest → info → [0] attributes → extensionRequest → SET → Extensions. */
const csrExtensions = (root: DerNode) => child(child(child(child(child(root, 0), 3), 0), 1), 0);

describe('certificates: 64 KiB', () => {
  const atLimit = padTo(leaf.der, MAX_CERTIFICATE_SIZE, certExtensions);
  const overLimit = padTo(leaf.der, MAX_CERTIFICATE_SIZE + 1, certExtensions);

  it('a certificate of exactly MAX_CERTIFICATE_SIZE bytes parses, as DER and as PEM', () => {
    expect(MAX_CERTIFICATE_SIZE).toBe(64 * 1024);
    expect(parseCertificate(atLimit).der.length).toBe(MAX_CERTIFICATE_SIZE);
    expect(parseCertificate(encodePem('CERTIFICATE', atLimit)).extensions.length).toBe(
      leaf.certificate.extensions.length + 1,
    );
  });

  it('one byte more is ERR_INPUT_TOO_LARGE, as DER and as PEM', () => {
    expect(codeOf(() => parseCertificate(overLimit))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => parseCertificate(encodePem('CERTIFICATE', overLimit)))).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('the size is checked before the DER: zeros are too large, not malformed', () => {
    expect(codeOf(() => parseCertificate(new Uint8Array(MAX_CERTIFICATE_SIZE + 1)))).toBe(
      'ERR_INPUT_TOO_LARGE',
    );
    expect(codeOf(() => parseCertificate(new Uint8Array(MAX_CERTIFICATE_SIZE)))).toBe('ERR_CERT_INVALID');
  });
});

describe('CSRs: 64 KiB', () => {
  const atLimit = padTo(csr.der, MAX_CSR_SIZE, csrExtensions);
  const overLimit = padTo(csr.der, MAX_CSR_SIZE + 1, csrExtensions);

  it('a CSR of exactly MAX_CSR_SIZE bytes parses, as DER and as PEM', () => {
    expect(MAX_CSR_SIZE).toBe(64 * 1024);
    expect(parseCsr(atLimit).der.length).toBe(MAX_CSR_SIZE);
    expect(parseCsr(encodePem('CERTIFICATE REQUEST', atLimit)).extensions.length).toBe(2);
  });

  it('one byte more is ERR_INPUT_TOO_LARGE, as DER and as PEM', () => {
    expect(codeOf(() => parseCsr(overLimit))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => parseCsr(encodePem('CERTIFICATE REQUEST', overLimit)))).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('the size is checked before the DER: zeros are too large, not malformed', () => {
    expect(codeOf(() => parseCsr(new Uint8Array(MAX_CSR_SIZE + 1)))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => parseCsr(encodePem('CERTIFICATE REQUEST', new Uint8Array(MAX_CSR_SIZE + 1))))).toBe(
      'ERR_INPUT_TOO_LARGE',
    );
    expect(codeOf(() => parseCsr(new Uint8Array(MAX_CSR_SIZE)))).toBe('ERR_CSR_INVALID');
  });
});

describe('PEM text: 1 MiB', () => {
  it('text of exactly MAX_PEM_LENGTH characters is read', () => {
    expect(MAX_PEM_LENGTH).toBe(1 << 20);
    const text = leaf.pem + ' '.repeat(MAX_PEM_LENGTH - leaf.pem.length);
    expect(text.length).toBe(MAX_PEM_LENGTH);
    expect(decodePem(text)).toHaveLength(1);
    expect(parseBundle(text)).toHaveLength(1);
    expect(parseCertificate(text).der).toEqual(leaf.der);
  });

  it('one character more is ERR_INPUT_TOO_LARGE for every reader of PEM text, before any decoding', () => {
    const text = leaf.pem + ' '.repeat(MAX_PEM_LENGTH + 1 - leaf.pem.length);
    // Not PEM at all past the limit: still the size code, so nothing was scanned.
    const junk = '!'.repeat(MAX_PEM_LENGTH + 1);
    const keyText = leafKey.exportPkcs8Pem() + ' '.repeat(MAX_PEM_LENGTH);
    for (const input of [text, junk.replace(/^!{11}/, '-----BEGIN ')]) {
      expect(codeOf(() => decodePem(input))).toBe('ERR_INPUT_TOO_LARGE');
      expect(codeOf(() => parseBundle(input))).toBe('ERR_INPUT_TOO_LARGE');
      expect(codeOf(() => parseCertificate(input))).toBe('ERR_INPUT_TOO_LARGE');
      expect(codeOf(() => parseCsr(input))).toBe('ERR_INPUT_TOO_LARGE');
    }
    expect(codeOf(() => decodePem(junk))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => importPrivateKey(keyText))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => importPublicKey(leafKey.publicKey.toPem() + ' '.repeat(MAX_PEM_LENGTH)))).toBe(
      'ERR_INPUT_TOO_LARGE',
    );
  });

  it('a long run of blanks inside a block is linear work (no backtracking)', () => {
    const body = `${' '.repeat(MAX_PEM_LENGTH - 64)}x`;
    const text = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    // Backtracking over the blanks would take hours at this size, far past the runner's test timeout.
    expect(codeOf(() => decodePem(text))).toBe('ERR_BASE64');
  });
});

/** MAX_BUNDLE_CERTIFICATES + 1 distinct leaves (serials differ), as PEM. */
const leaves: string[] = [];
for (let i = 0; i <= MAX_BUNDLE_CERTIFICATES; i++) {
  const l = await issueLeafForKey({
    issuer,
    publicKey: leafKey.publicKey,
    identity: IDENTITY,
    now: NOW,
    serial: BigInt(1000 + i),
  });
  leaves.push(l.pem);
}

describe(`bundles: ${MAX_BUNDLE_CERTIFICATES} certificates`, () => {
  it('exactly MAX_BUNDLE_CERTIFICATES distinct certificates are read', () => {
    expect(MAX_BUNDLE_CERTIFICATES).toBe(100);
    expect(parseBundle(leaves.slice(0, MAX_BUNDLE_CERTIFICATES).join(''))).toHaveLength(
      MAX_BUNDLE_CERTIFICATES,
    );
  });

  it('one more distinct certificate is ERR_INPUT_TOO_LARGE', () => {
    expect(codeOf(() => parseBundle(leaves.join('')))).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('the certificate past the limit is refused before it is parsed', () => {
    const bad = encodePem('CERTIFICATE', new Uint8Array(16));
    expect(codeOf(() => parseBundle(leaves.slice(0, MAX_BUNDLE_CERTIFICATES).join('') + bad))).toBe(
      'ERR_INPUT_TOO_LARGE',
    );
  });

  it('duplicates do not count', () => {
    const text = leaves.slice(0, MAX_BUNDLE_CERTIFICATES).join('') + leaves[0] + leaves[1];
    expect(parseBundle(text)).toHaveLength(MAX_BUNDLE_CERTIFICATES);
  });

  it('more distinct blocks than that are refused before any is parsed', () => {
    const garbage = (i: number) => encodePem('CERTIFICATE', Uint8Array.of(0xff, i >> 8, i & 0xff));
    const blocks = Array.from({ length: MAX_BUNDLE_CERTIFICATES + 1 }, (_, i) => garbage(i));
    expect(codeOf(() => parseBundle(blocks.join('')))).toBe('ERR_INPUT_TOO_LARGE');
    // The same block repeated is one certificate, so it gets parsed (and refused as garbage).
    expect(codeOf(() => parseBundle(garbage(0).repeat(MAX_BUNDLE_CERTIFICATES + 1)))).toBe(
      'ERR_CERT_INVALID',
    );
  });
});

describe('keys: 16 KiB', () => {
  it('key DER over MAX_KEY_SIZE is ERR_INPUT_TOO_LARGE before it is parsed', () => {
    expect(MAX_KEY_SIZE).toBe(16 * 1024);
    const zeros = new Uint8Array(MAX_KEY_SIZE + 1);
    expect(codeOf(() => importPrivateKey(zeros))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => importPublicKey(zeros))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => importPrivateKey(encodePem('PRIVATE KEY', zeros)))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => importPrivateKey(encodePem('EC PRIVATE KEY', zeros)))).toBe('ERR_INPUT_TOO_LARGE');
    expect(codeOf(() => importPublicKey(encodePem('PUBLIC KEY', zeros)))).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('at the limit the DER is parsed (and refused as a key)', () => {
    const zeros = new Uint8Array(MAX_KEY_SIZE);
    expect(codeOf(() => importPrivateKey(zeros))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => importPublicKey(zeros))).toBe('ERR_KEY_INVALID');
  });
});

describe('issuance refusals each have their own code', () => {
  // Behaviour is covered where minting is tested; this pins that every refusal is distinguishable.
  const refusals: Record<string, PkiErrorCode> = {
    'RSA or P-384 key in the CSR': 'ERR_CSR_KEY_UNSUPPORTED',
    'CSR signature does not verify': 'ERR_CSR_SIGNATURE',
    'CSR identity differs from the requested one': 'ERR_CSR_IDENTITY_MISMATCH',
    'URI, IP or email SAN in the CSR': 'ERR_CSR_FORBIDDEN_SAN',
    'issuer expired': 'ERR_ISSUER_EXPIRED',
    'issuer not yet valid': 'ERR_ISSUER_NOT_YET_VALID',
    'issuer key does not match its certificate': 'ERR_KEY_MISMATCH',
    'issuer is not a CA': 'ERR_ISSUER_NOT_CA',
    'lifetime of zero or less': 'ERR_LIFETIME_INVALID',
  };

  it('are distinct documented codes', () => {
    const codes = Object.values(refusals);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(ERROR_CODES).toContain(code);
  });

  it('the cheap ones come out as listed', async () => {
    const expired = new Date(issuer.certificate.notAfter.getTime() + 1000);
    const early = new Date(issuer.certificate.notBefore.getTime() - 1000);
    const base = { issuer, publicKey: leafKey.publicKey, identity: IDENTITY };
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as { code?: string }).code,
      );
    expect(await code(issueLeafForKey({ ...base, now: expired }))).toBe(refusals['issuer expired']);
    expect(await code(issueLeafForKey({ ...base, now: early }))).toBe(refusals['issuer not yet valid']);
    expect(await code(issueLeafForKey({ ...base, now: NOW, lifetime: 0 }))).toBe(
      refusals['lifetime of zero or less'],
    );
    expect(await code(issueLeafForKey({ ...base, now: NOW, lifetime: -1 }))).toBe(
      refusals['lifetime of zero or less'],
    );
    expect(await code(issueLeafForKey({ ...base, now: NOW, issuer: { ...issuer, key: leafKey } }))).toBe(
      refusals['issuer key does not match its certificate'],
    );
  });
});
