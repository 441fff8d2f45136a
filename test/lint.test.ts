import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, createTrustAnchor, writeBundle } from '../src/anchor';
import { createCsr } from '../src/csr';
import { createIssuer, type Issuer } from '../src/issuer';
import {
  certManagerCertificate,
  certManagerIssuer,
  helmValues,
  issuerSecret,
  type LintFinding,
  lintManifests,
  readIssuerSecret,
  toYaml,
  trustAnchorSecret,
  trustRootsConfigMap,
} from '../src/k8s';
import { generateKeyPair } from '../src/keys';
import { issueLeaf } from '../src/leaf';
import { decodePem, pemTextProblems } from '../src/pem';
import { dataText } from './helpers/fixtures';
import { NOW, seededRandom } from './helpers/pki';

const DAY = 86_400_000;
let anchor: CertificateAuthority;
let other: CertificateAuthority;
let issuer: Issuer;
let foreignIssuer: Issuer;
let caPem: string;

beforeAll(async () => {
  anchor = await createTrustAnchor({ now: NOW, random: seededRandom('lint anchor') });
  other = await createTrustAnchor({ now: NOW, random: seededRandom('lint other') });
  issuer = await createIssuer({ anchor, now: NOW, random: seededRandom('lint issuer') });
  foreignIssuer = await createIssuer({ anchor: other, now: NOW, random: seededRandom('lint foreign') });
  caPem = writeBundle([anchor.certificate]);
});

function creds(i: Issuer) {
  return { certificate: i.pem, key: i.key.exportPkcs8Pem() };
}

async function lint(text: string, extra: { bundle?: string; now?: Date } = {}) {
  return lintManifests({ input: [{ name: 'in.yaml', text }], now: extra.now ?? NOW, ...extra });
}

function codes(findings: readonly LintFinding[]): string[] {
  return findings.map((f) => f.code);
}

describe('lintManifests: clean material', () => {
  it('finds nothing in the Secret of either scheme with the trust-roots ConfigMap', async () => {
    for (const scheme of ['linkerd.io/tls', 'kubernetes.io/tls'] as const) {
      const secret =
        scheme === 'linkerd.io/tls'
          ? issuerSecret({ issuer: creds(issuer), scheme })
          : issuerSecret({ issuer: creds(issuer), bundle: caPem, scheme });
      const result = await lint(toYaml([secret, trustRootsConfigMap({ bundle: caPem })]));
      expect(result.findings, scheme).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.objects).toEqual([
        'Secret linkerd/linkerd-identity-issuer',
        'ConfigMap linkerd/linkerd-identity-trust-roots',
      ]);
    }
  });

  it('reads Lists, Helm values, and the cert-manager guide objects', async () => {
    const list = toYaml({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        issuerSecret({ issuer: creds(issuer), scheme: 'linkerd.io/tls' }),
        trustRootsConfigMap({ bundle: caPem }),
      ],
    });
    expect((await lint(list)).findings).toEqual([]);
    expect((await lint(toYaml(helmValues({ bundle: caPem, issuer: creds(issuer) })))).findings).toEqual([]);
    const guide = toYaml([
      trustAnchorSecret({ anchor: { certificate: anchor.pem, key: anchor.key.exportPkcs8Pem() } }),
      certManagerIssuer(),
      certManagerCertificate(),
      trustRootsConfigMap({ bundle: caPem }),
    ]);
    const result = await lint(guide);
    expect(result.findings).toEqual([]);
    expect(result.objects).toHaveLength(4);
  });
});

describe('lintManifests: findings name the object and field', () => {
  it('an issuer that does not chain to the anchors of the input, or of `bundle`', async () => {
    const text = toYaml([
      issuerSecret({ issuer: creds(foreignIssuer), scheme: 'linkerd.io/tls' }),
      trustRootsConfigMap({ bundle: caPem }),
    ]);
    const result = await lint(text);
    expect(result.ok).toBe(false);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      severity: 'error',
      code: 'NOT_CHAINED',
      source: 'in.yaml',
      object: 'Secret linkerd/linkerd-identity-issuer',
      field: 'data[crt.pem]',
    });
    const alone = toYaml(issuerSecret({ issuer: creds(foreignIssuer), scheme: 'linkerd.io/tls' }));
    expect(codes((await lint(alone)).findings)).toEqual(['NO_ANCHORS']);
    expect(codes((await lint(alone, { bundle: caPem })).findings)).toEqual(['NOT_CHAINED']);
    expect((await lint(alone, { bundle: writeBundle([other.certificate]) })).findings).toEqual([]);
  });

  it('a key that does not match, and a certificate that is not a CA', async () => {
    const mismatched = toYaml(
      issuerSecret({
        issuer: { certificate: issuer.pem, key: foreignIssuer.key.exportPkcs8Pem() },
        bundle: caPem,
      }),
    );
    const result = await lint(mismatched);
    expect(result.findings.map((f) => [f.code, f.field])).toEqual([['KEY_MISMATCH', 'data[tls.key]']]);
    expect(JSON.stringify(result)).not.toContain(foreignIssuer.key.exportPkcs8Pem().split('\n')[1]!);
    // A leaf where the issuer belongs: not a CA.
    const key = await generateKeyPair();
    const id = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
    const leaf = await issueLeaf({
      issuer,
      csr: (await createCsr({ key, identity: id })).der,
      identity: id,
      now: NOW,
    });
    const notCa = toYaml(
      issuerSecret({
        issuer: { certificate: leaf.pem, key: key.exportPkcs8Pem() },
        scheme: 'linkerd.io/tls',
      }),
    );
    const r2 = await lint(notCa, { bundle: caPem });
    expect(r2.findings.find((f) => f.code === 'NOT_A_CA')).toMatchObject({
      severity: 'error',
      field: 'data[crt.pem]',
    });
  });

  it('ca.crt that is not a root', async () => {
    const text = toYaml(issuerSecret({ issuer: creds(issuer), bundle: issuer.pem }));
    const result = await lint(text);
    const f = result.findings.find((x) => x.code === 'NOT_A_ROOT');
    expect(f).toMatchObject({ severity: 'error', field: 'data[ca.crt]' });
    expect(f?.message).toContain('issued by CN=root.linkerd.cluster.local');
  });

  it('a scheme mix-up: crt.pem in a kubernetes.io/tls Secret, tls.crt in an Opaque one', async () => {
    const secret = issuerSecret({ issuer: creds(issuer), scheme: 'linkerd.io/tls' });
    const typed = toYaml({ ...secret, type: 'kubernetes.io/tls' });
    expect((await lint(typed)).findings[0]).toMatchObject({ code: 'SCHEME_MISMATCH', field: 'data' });
    const tls = issuerSecret({ issuer: creds(issuer), bundle: caPem });
    const { type: _drop, ...opaque } = tls;
    expect((await lint(toYaml(opaque))).findings[0]).toMatchObject({
      code: 'SCHEME_MISMATCH',
      field: 'type',
    });
  });

  it('expired, not yet valid and expiring certificates, with the date', async () => {
    const text = toYaml([
      issuerSecret({ issuer: creds(issuer), scheme: 'linkerd.io/tls' }),
      trustRootsConfigMap({ bundle: caPem }),
    ]);
    const late = new Date(issuer.certificate.notAfter.getTime() - 10 * DAY);
    const expiring = (await lint(text, { now: late })).findings;
    expect(expiring).toHaveLength(1);
    expect(expiring[0]).toMatchObject({ severity: 'warning', code: 'EXPIRING', field: 'data[crt.pem]' });
    expect(expiring[0]!.message).toContain(issuer.certificate.notAfter.toISOString().replace('.000Z', 'Z'));
    const after = new Date(issuer.certificate.notAfter.getTime() + DAY);
    const expired = (await lint(text, { now: after })).findings;
    expect(expired.map((f) => [f.code, f.severity])).toEqual([['EXPIRED', 'error']]);
    expect(expired[0]!.message).toContain('expired on');
    const before = (await lint(text, { now: new Date(NOW.getTime() - DAY) })).findings;
    expect(codes(before)).toContain('NOT_YET_VALID');
  });

  it('cert-manager: privateKey, isCA, usages, and durations cert-manager refuses', async () => {
    const cert = certManagerCertificate();
    const bad = {
      ...cert,
      spec: {
        ...cert.spec,
        isCA: undefined,
        privateKey: { algorithm: 'RSA', size: 2048 },
        usages: ['client auth'],
        duration: '48h',
        renewBefore: '49h',
      },
    };
    const result = await lint(toYaml(JSON.parse(JSON.stringify(bad))));
    const by = (field: string) => result.findings.filter((f) => f.field === field).map((f) => f.code);
    expect(by('spec.isCA')).toEqual(['CERT_MANAGER_IS_CA']);
    expect(by('spec.privateKey.algorithm')).toEqual(['CERT_MANAGER_PRIVATE_KEY']);
    expect(by('spec.usages')).toEqual(['CERT_MANAGER_USAGES', 'CERT_MANAGER_USAGES']);
    expect(by('spec.renewBefore')).toEqual(['CERT_MANAGER_DURATION']);
    expect(result.findings.find((f) => f.field === 'spec.renewBefore')?.message).toContain(
      'must be greater than renewBefore',
    );
    const p384 = { ...cert, spec: { ...cert.spec, privateKey: { algorithm: 'ECDSA', size: 384 } } };
    expect((await lint(toYaml(p384))).findings.map((f) => f.field)).toEqual(['spec.privateKey.size']);
    const { privateKey: _pk, usages: _u, ...noKey } = cert.spec;
    const defaults = (await lint(toYaml({ ...cert, spec: noKey }))).findings;
    expect(defaults.map((f) => [f.code, f.severity])).toEqual([
      ['CERT_MANAGER_PRIVATE_KEY', 'error'],
      ['CERT_MANAGER_USAGES', 'warning'],
    ]);
    const short = { ...cert, spec: { ...cert.spec, duration: '30m', renewBefore: '1m' } };
    expect((await lint(toYaml(short))).findings.map((f) => f.field).sort()).toEqual([
      'spec.duration',
      'spec.renewBefore',
    ]);
  });

  it('trust-manager Bundle: target key, public CAs; its inLine anchors count', async () => {
    const bundle = {
      apiVersion: 'trust.cert-manager.io/v1alpha1',
      kind: 'Bundle',
      metadata: { name: 'linkerd-identity-trust-roots' },
      spec: {
        sources: [{ inLine: caPem }, { useDefaultCAs: true }],
        target: { configMap: { key: 'ca.crt' } },
      },
    };
    const text = toYaml([bundle, issuerSecret({ issuer: creds(foreignIssuer), scheme: 'linkerd.io/tls' })]);
    const result = await lint(text);
    expect(result.findings.map((f) => [f.object, f.field, f.code])).toEqual([
      ['Bundle linkerd-identity-trust-roots', 'spec.target.configMap.key', 'TRUST_MANAGER_BUNDLE'],
      ['Bundle linkerd-identity-trust-roots', 'spec.sources[1].useDefaultCAs', 'TRUST_MANAGER_BUNDLE'],
      ['Secret linkerd/linkerd-identity-issuer', 'data[crt.pem]', 'NOT_CHAINED'],
    ]);
  });

  it('Linkerd check fixtures: wrong-algo (P-521) and RSA anchors', async () => {
    const fx = (name: string, part: string) => dataText(`fixtures/linkerd-check/${name}-${part}.pem`);
    const at = new Date('2025-01-01T00:00:00Z');
    const values = (name: string) =>
      toYaml(
        helmValues({
          bundle: fx(name, 'trust-anchors'),
          issuer: { certificate: fx(name, 'crt'), key: fx(name, 'key') },
        }),
      );
    const algo = await lint(values('wrong-algo'), { now: at });
    expect(algo.findings.filter((f) => f.code === 'KEY_ALGORITHM').map((f) => f.field)).toEqual([
      'identityTrustAnchorsPEM',
      'identity.issuer.tls.crtPEM',
    ]);
    // Linkerd accepts RSA 2048/4096 anchors over a P-256 issuer, and so does lint.
    const rsa = await lint(values('valid-with-rsa-anchor'), { now: at });
    expect(codes(rsa.findings).filter((c) => c !== 'EXPIRING')).toEqual([]);
  });
});

describe('PEM damage, said exactly', () => {
  const pem = () => caPem;
  it('indented BEGIN/END lines (errors) and indented base64 (a warning)', () => {
    const indented = pem()
      .split('\n')
      .map((l) => (l === '' ? l : `    ${l}`))
      .join('\n');
    const problems = pemTextProblems(indented);
    expect(problems.map((p) => p.severity)).toEqual(['error', 'error', 'warning']);
    expect(problems[0]!.message).toBe(
      "line 1: the BEGIN line is indented by 4 characters; Go's PEM reader (Linkerd's control plane) does not find it",
    );
    // l5d-pki itself reads it, as RFC 7468 allows.
    expect(decodePem(indented)[0]!.der).toEqual(anchor.der);
  });

  it('CR CR LF, a lone CR, mixed line ends and text after the END line', () => {
    const lines = pem().trimEnd().split('\n');
    expect(pemTextProblems(`${lines.join('\r\r\n')}\n`)[0]!.message).toMatch(
      /^lines 1, 2, 3 and \d+ more end with two carriage returns/,
    );
    expect(
      pemTextProblems(`${lines[0]}\n${lines[1]}\rX\n${lines.slice(2).join('\n')}\n`).map((p) => p.message),
    ).toContain('line 2 hold a carriage return that is not part of a CRLF line end');
    expect(pemTextProblems(`${lines[0]}\r\n${lines.slice(1).join('\n')}\n`)[0]).toEqual({
      severity: 'warning',
      message: `line ends are mixed: 1 CRLF and ${lines.length - 1} LF`,
    });
    const tail = pemTextProblems(`${pem()}MIIBxz\n`);
    expect(tail).toEqual([
      {
        severity: 'error',
        message: `6 characters of text follow the last END line (line ${lines.length}), from line ${lines.length + 1}: a truncated or pasted-over block?`,
      },
    ]);
    expect(pemTextProblems(pem())).toEqual([]);
  });

  it('lint reports damage in a ConfigMap field', async () => {
    const damaged = caPem.replace(/\n/g, '\r\r\n');
    const result = await lint(toYaml(trustRootsConfigMap({ bundle: damaged })));
    expect(result.findings[0]).toMatchObject({
      code: 'PEM_DAMAGED',
      field: 'data[ca-bundle.crt]',
      severity: 'error',
    });
  });
});

describe('issuer Secret schemes in the library', () => {
  it('writes linkerd.io/tls as linkerd install does, and reads both back', () => {
    const secret = issuerSecret({ issuer: creds(issuer), scheme: 'linkerd.io/tls' });
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' },
      data: {
        'crt.pem': Buffer.from(issuer.pem).toString('base64'),
        'key.pem': Buffer.from(issuer.key.exportPkcs8Pem()).toString('base64'),
      },
    });
    expect(readIssuerSecret(toYaml(secret))).toEqual({ issuer: creds(issuer), scheme: 'linkerd.io/tls' });
    expect(readIssuerSecret(issuerSecret(readIssuerSecret(secret)))).toEqual(readIssuerSecret(secret));
  });

  it('refuses a bundle for linkerd.io/tls, none for kubernetes.io/tls, and unknown schemes', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    expect(err(() => issuerSecret({ issuer: creds(issuer), bundle: caPem, scheme: 'linkerd.io/tls' }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(err(() => issuerSecret({ issuer: creds(issuer) }))).toBe('ERR_INVALID_ARGUMENT');
    expect(err(() => issuerSecret({ issuer: creds(issuer), scheme: 'x' as never }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(err(() => readIssuerSecret({ apiVersion: 'v1', kind: 'Secret', type: 'x', data: {} }))).toBe(
      'ERR_MANIFEST_INVALID',
    );
  });
});
