// Long Linkerd identity names (70, 120 and 253 characters, a 63-character label) in CSRs and leaves, read
// and verified by OpenSSL, Node's X509Certificate and Go's crypto/x509.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { type CsrOutput, createCsr } from '../src/csr';
import { createIssuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { type IssuedLeaf, issueLeaf } from '../src/leaf';
import { linkerdIdentity, linkerdIdentityToSpiffeId } from '../src/spiffe';
import { goEnv, runGo } from './helpers/go';
import { hasOpenssl, OpensslDir } from './helpers/openssl';

const SUFFIX = '.serviceaccount.identity.linkerd.cluster.local';
const NAMES: readonly (readonly [string, string])[] = [
  ['identity-service', `linkerd-identity.linkerd${SUFFIX}`],
  ['long-120', linkerdIdentity({ serviceAccount: 's'.repeat(36), namespace: 'n'.repeat(37) })],
  ['label-63', linkerdIdentity({ serviceAccount: 'a'.repeat(63), namespace: 'shop' })],
  [
    'long-253',
    linkerdIdentity({
      serviceAccount: 'a'.repeat(63),
      namespace: 'b'.repeat(63),
      trustDomain: `${'c'.repeat(63)}.${'d'.repeat(29)}`,
    }),
  ],
];
/** CA names longer than X.520's 64 characters too, as Go writes them. */
const ANCHOR_CN = `root.${'r'.repeat(63)}.linkerd.cluster.local`;
const ISSUER_CN = `identity.${'i'.repeat(63)}.linkerd.cluster.local`;

interface Case {
  readonly file: string;
  readonly name: string;
  readonly spiffeId: string;
  readonly csr: CsrOutput;
  readonly leaf: IssuedLeaf;
}

let ossl: OpensslDir | undefined;
const cases: Case[] = [];

/** The scratch directory's runner (made in beforeAll). */
function dir(): OpensslDir {
  if (ossl === undefined) throw new Error('no scratch directory');
  return ossl;
}

beforeAll(async () => {
  ossl = new OpensslDir('l5d-pki-long-names-');
  const anchor = await createTrustAnchor({ commonName: ANCHOR_CN });
  const issuer = await createIssuer({ anchor, commonName: ISSUER_CN });
  ossl.write('anchors.pem', anchor.pem);
  ossl.write('issuer.pem', issuer.pem);
  for (const [file, name] of NAMES) {
    const key = await generateKeyPair();
    const csr = await createCsr({ key, identity: name });
    const leaf = await issueLeaf({ issuer, csr: csr.der, identity: name });
    ossl.write(`${file}.csr`, csr.pem);
    ossl.write(`${file}.csr.der`, csr.der);
    ossl.write(`${file}.crt`, leaf.pem);
    cases.push({ file, name, spiffeId: linkerdIdentityToSpiffeId(name).toString(), csr, leaf });
  }
});

afterAll(() => ossl?.cleanup());

it('the names are as long as they claim', () => {
  expect(NAMES.map(([, n]) => n.length)).toEqual([70, 120, 114, 253]);
  expect(NAMES[2]![1].split('.')[0]).toHaveLength(63);
  expect(cases).toHaveLength(NAMES.length);
});

/** The same name with its first character changed. */
const other = (name: string) => `x${name.slice(1)}`;

describe.skipIf(!hasOpenssl)('OpenSSL', () => {
  it('verifies each CSR and reads its CN and DNS SAN', () => {
    for (const c of cases) {
      const r = dir().run([
        'req',
        '-in',
        `${c.file}.csr`,
        '-noout',
        '-verify',
        '-subject',
        '-nameopt',
        'RFC2253',
      ]);
      expect(r.stderr + r.stdout, c.file).toMatch(/verif(y|ication) OK/i);
      expect(r.stdout).toContain(`subject=CN=${c.name}\n`);
      const text = dir().run(['req', '-in', `${c.file}.csr`, '-noout', '-text']).stdout;
      expect(text).toContain(`DNS:${c.name}\n`);
    }
  });

  it('verifies each leaf up to the anchor for its DNS name, and reads CN and SANs', () => {
    const verify = (host: string, file: string) =>
      dir().tryRun([
        'verify',
        '-CAfile',
        'anchors.pem',
        '-untrusted',
        'issuer.pem',
        '-verify_hostname',
        host,
        file,
      ]);
    for (const c of cases) {
      const r = verify(c.name, `${c.file}.crt`);
      expect(r.stdout.trim(), `${c.file}: ${r.stderr}`).toBe(`${c.file}.crt: OK`);
      expect(verify(other(c.name), `${c.file}.crt`).status, c.file).not.toBe(0);
      const names = dir().run([
        'x509',
        '-in',
        `${c.file}.crt`,
        '-noout',
        '-subject',
        '-issuer',
        '-nameopt',
        'RFC2253',
      ]);
      expect(names.stdout).toBe(`subject=CN=${c.name}\nissuer=CN=${ISSUER_CN}\n`);
      const sans = dir().run(['x509', '-in', `${c.file}.crt`, '-noout', '-ext', 'subjectAltName']).stdout;
      expect(sans).toContain(`DNS:${c.name}, URI:${c.spiffeId}`);
    }
    const issuer = dir().run(['x509', '-in', 'issuer.pem', '-noout', '-issuer', '-nameopt', 'RFC2253']);
    expect(issuer.stdout).toBe(`issuer=CN=${ANCHOR_CN}\n`);
  });
});

describe("Node's X509Certificate", () => {
  it('reads CN and SANs of each leaf, matches the host, and checks the signature', () => {
    for (const c of cases) {
      const cert = new X509Certificate(c.leaf.der);
      expect(cert.subject).toBe(`CN=${c.name}`);
      expect(cert.subjectAltName).toBe(`DNS:${c.name}, URI:${c.spiffeId}`);
      expect(cert.checkHost(c.name)).toBe(c.name);
      expect(cert.checkHost(other(c.name))).toBeUndefined();
      const issuer = new X509Certificate(c.leaf.chain[0]!.der);
      expect(issuer.subject).toBe(`CN=${ISSUER_CN}`);
      expect(issuer.issuer).toBe(`CN=${ANCHOR_CN}`);
      expect(cert.verify(issuer.publicKey)).toBe(true);
    }
  });
});

describe.skipIf(!runGo)("Go's crypto/x509", () => {
  let goDir: string | undefined;
  afterAll(() => {
    if (goDir !== undefined) rmSync(goDir, { recursive: true, force: true });
  });

  it('parses each CSR (CheckSignature) and verifies each leaf chain for its DNS name', () => {
    goDir = mkdtempSync(join(tmpdir(), 'l5d-pki-go-'));
    const manifest = {
      anchors: dir().path('anchors.pem'),
      intermediates: dir().path('issuer.pem'),
      cases: cases.flatMap((c) => [
        { name: c.name, csr: dir().path(`${c.file}.csr.der`), leaf: dir().path(`${c.file}.crt`) },
        { name: other(c.name), csr: dir().path(`${c.file}.csr`), leaf: dir().path(`${c.file}.crt`) },
      ]),
    };
    const manifestPath = dir().write('manifest.json', JSON.stringify(manifest));
    const program = resolve(import.meta.dirname, 'peers', 'go', 'longnames', 'main.go');
    const r = spawnSync('go', ['run', program, manifestPath], {
      encoding: 'utf8',
      cwd: goDir,
      env: goEnv(goDir),
      maxBuffer: 16 << 20,
    });
    if (r.error) throw r.error;
    expect(r.status, r.stderr).toBe(0);
    const verdicts = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(verdicts).toHaveLength(2 * cases.length);
    cases.forEach((c, i) => {
      const fields = {
        csrError: '',
        csrCommonName: c.name,
        csrDnsNames: [c.name],
        leafCommonName: c.name,
        leafDnsNames: [c.name],
        leafUris: [c.spiffeId],
      };
      expect(verdicts[2 * i]).toEqual({ name: c.name, ...fields, leafError: '', chainDepth: 3 });
      // Another name: the same parse, and Go refuses the leaf for it.
      expect(verdicts[2 * i + 1]).toMatchObject({ name: other(c.name), ...fields, chainDepth: 0 });
      expect(verdicts[2 * i + 1]!.leafError).toMatch(/certificate is valid for/);
    });
  }, 300_000);
});
