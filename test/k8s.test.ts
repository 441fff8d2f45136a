import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { isPkiError } from '../src/errors';
import {
  certManagerCertificate,
  certManagerIssuer,
  fromYaml,
  helmValues,
  issuerRotationManifests,
  issuerSecret,
  readHelmValues,
  readIssuerSecret,
  readTrustAnchorSecret,
  readTrustRootsConfigMap,
  toYaml,
  trustAnchorSecret,
  trustRootsConfigMap,
} from '../src/k8s';
import { decodeBase64, encodeBase64 } from '../src/k8s/base64';
import { dataText } from './helpers/fixtures';

const fixture = (name: string) => dataText(`fixtures/linkerd-check/${name}.pem`);
const certPem = fixture('valid-crt');
const keyPem = fixture('valid-key');
const caPem = fixture('valid-trust-anchors');
const bundlePem = caPem + fixture('valid-with-rsa-anchor-trust-anchors');

function errorOf(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (e) {
    return isPkiError(e)
      ? { code: e.code, message: e.message }
      : { code: 'not a PkiError', message: String(e) };
  }
  return undefined;
}

describe('base64', () => {
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('RFC 4648 vector %j', (text, b64) => {
    expect(encodeBase64(text)).toBe(b64);
    expect(decodeBase64(b64)).toBe(text);
  });

  it('matches Buffer on PEM, Unicode and every byte length', () => {
    for (const text of [certPem, keyPem, 'µs — ünïcødé 🔐', '\ufeffBOM kept', 'x'.repeat(1000)]) {
      const b64 = Buffer.from(text, 'utf8').toString('base64');
      expect(encodeBase64(text)).toBe(b64);
      expect(decodeBase64(b64)).toBe(text);
    }
  });

  it.each([
    ['Zg=', 'length'],
    ['Zh==', 'unused bits'],
    ['Zm9=', 'unused bits'],
    ['Zm9v\n', 'whitespace'],
    ['Zm 9', 'space'],
    ['Zm-_', 'URL-safe alphabet'],
    ['Z===', 'three pads'],
    ['=Zm9', 'leading pad'],
    ['Zg==Zg==', 'pad in the middle'],
    ['/w==', 'invalid UTF-8'],
  ])('refuses %j (%s)', (b64) => {
    expect(errorOf(() => decodeBase64(b64))?.code).toBe('ERR_BASE64');
  });
});

describe('YAML', () => {
  it('writes a multi-document stream and reads it back', () => {
    const objects = [
      issuerSecret({ issuer: { certificate: certPem, key: keyPem }, bundle: caPem }),
      trustRootsConfigMap({ bundle: bundlePem }),
    ];
    const text = toYaml(objects);
    expect(text.split('\n---\n')).toHaveLength(2);
    expect(fromYaml(text)).toEqual(objects);
  });

  it('keeps long base64 on one line and PEM as a literal block', () => {
    const text = toYaml([
      issuerSecret({ issuer: { certificate: certPem, key: keyPem }, bundle: caPem }),
      trustRootsConfigMap({ bundle: bundlePem }),
    ]);
    expect(text).toContain(`tls.crt: ${encodeBase64(certPem)}\n`);
    expect(text).toContain('ca-bundle.crt: |\n    -----BEGIN CERTIFICATE-----\n');
  });

  it('skips empty documents and refuses bad ones', () => {
    expect(fromYaml('')).toEqual([]);
    expect(fromYaml('---\n---\nkind: Secret\n')).toEqual([{ kind: 'Secret' }]);
    expect(errorOf(() => fromYaml('a: [1'))?.code).toBe('ERR_MANIFEST_INVALID');
    expect(errorOf(() => fromYaml('- 1\n- 2\n'))?.message).toBe('YAML document 1 is not a mapping');
    expect(errorOf(() => fromYaml('a: 1\na: 2\n'))?.code).toBe('ERR_MANIFEST_INVALID');
    expect(errorOf(() => fromYaml('a: 1\na: 2\n'))?.message).toBe(
      'YAML document 1 is invalid at line 2, column 1 (DUPLICATE_KEY)',
    );
    expect(errorOf(() => fromYaml(42 as unknown as string))?.code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('refuses alias bombs', () => {
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      rows.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    expect(errorOf(() => fromYaml(rows.join('\n')))?.code).toBe('ERR_MANIFEST_INVALID');
  });
});

describe('issuer Secret', () => {
  it('has the shape cert-manager writes', () => {
    expect(issuerSecret({ issuer: { certificate: certPem, key: keyPem }, bundle: caPem })).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' },
      data: {
        'tls.crt': Buffer.from(certPem).toString('base64'),
        'tls.key': Buffer.from(keyPem).toString('base64'),
        'ca.crt': Buffer.from(caPem).toString('base64'),
      },
    });
    expect(
      issuerSecret({
        issuer: { certificate: certPem, key: keyPem },
        bundle: caPem,
        namespace: 'mesh',
        name: 'issuer',
      }).metadata,
    ).toEqual({
      name: 'issuer',
      namespace: 'mesh',
    });
  });

  it('round-trips through YAML', () => {
    const input = { issuer: { certificate: certPem, key: keyPem }, bundle: caPem };
    expect(readIssuerSecret(fromYaml(toYaml(issuerSecret(input)))[0])).toEqual(input);
    expect(readIssuerSecret(toYaml(issuerSecret(input)))).toEqual(input);
  });

  it('reads stringData, which wins over data', () => {
    const secret = {
      ...issuerSecret({ issuer: { certificate: 'old', key: keyPem }, bundle: caPem }),
      stringData: { 'tls.crt': certPem },
    };
    expect(readIssuerSecret(secret).issuer.certificate).toBe(certPem);
  });

  const good = issuerSecret({ issuer: { certificate: certPem, key: keyPem }, bundle: caPem });
  it.each<[string, unknown, string]>([
    ['wrong kind', { ...good, kind: 'ConfigMap' }, 'kind must be Secret, found "ConfigMap"'],
    ['missing kind', { ...good, kind: undefined }, 'kind must be Secret'],
    ['wrong apiVersion', { ...good, apiVersion: 'v2' }, 'apiVersion of a Secret must be v1'],
    ['wrong type', { ...good, type: 'Opaque' }, 'type must be kubernetes.io/tls, found "Opaque"'],
    [
      'missing tls.key',
      { ...good, data: { ...good.data, 'tls.key': undefined } },
      'data[tls.key] is missing',
    ],
    [
      'missing ca.crt',
      { ...good, data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } },
      'data[ca.crt] is missing',
    ],
    ['no data', { ...good, data: undefined }, 'data[tls.crt] is missing'],
    ['data not a mapping', { ...good, data: ['x'] }, 'data must be a mapping'],
    [
      'empty value',
      { ...good, data: { ...good.data, 'tls.crt': '' } },
      'data[tls.crt] must be a non-empty string',
    ],
    [
      'number value',
      { ...good, data: { ...good.data, 'tls.crt': 5 } },
      'data[tls.crt] must be a non-empty string',
    ],
    [
      'bad base64',
      { ...good, data: { ...good.data, 'tls.crt': 'not base64!' } },
      'data[tls.crt] is not valid base64',
    ],
    [
      'empty stringData value',
      { ...good, stringData: { 'tls.key': '' } },
      'stringData[tls.key] must be a non-empty string',
    ],
    ['not an object', 42, 'expected a Secret object'],
    ['a YAML scalar', 'just text', 'YAML document 1 is not a mapping'],
    [
      'two documents',
      `${toYaml(good)}---\n${toYaml(good)}`,
      'expected one YAML document (a Secret), found 2',
    ],
  ])('refuses %s', (_name, input, message) => {
    const err = errorOf(() => readIssuerSecret(input));
    expect(err?.code).toBe('ERR_MANIFEST_INVALID');
    expect(err?.message).toContain(message);
  });

  it('refuses empty PEM and bad names when writing', () => {
    expect(
      errorOf(() => issuerSecret({ issuer: { certificate: '', key: keyPem }, bundle: caPem }))?.code,
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      errorOf(() =>
        issuerSecret({ issuer: { certificate: certPem, key: keyPem }, bundle: caPem, namespace: 'Linkerd' }),
      )?.code,
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      errorOf(() =>
        issuerSecret({ issuer: { certificate: certPem, key: keyPem }, bundle: caPem, name: 'bad_name' }),
      )?.code,
    ).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('trust-anchor Secret', () => {
  it('round-trips through YAML', () => {
    const input = { anchor: { certificate: caPem, key: keyPem } };
    const secret = trustAnchorSecret(input);
    expect(secret.metadata).toEqual({ name: 'linkerd-trust-anchor', namespace: 'linkerd' });
    expect(Object.keys(secret.data)).toEqual(['tls.crt', 'tls.key']);
    expect(readTrustAnchorSecret(toYaml(secret))).toEqual(input);
  });

  it('refuses a Secret without a key', () => {
    const secret = trustAnchorSecret({ anchor: { certificate: caPem, key: keyPem } });
    const err = errorOf(() =>
      readTrustAnchorSecret({ ...secret, data: { 'tls.crt': secret.data['tls.crt'] } }),
    );
    expect(err).toEqual({ code: 'ERR_MANIFEST_INVALID', message: 'data[tls.key] is missing' });
  });
});

describe('trust-roots ConfigMap', () => {
  it('round-trips through YAML', () => {
    const cm = trustRootsConfigMap({ bundle: bundlePem });
    expect(cm).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'linkerd-identity-trust-roots', namespace: 'linkerd' },
      data: { 'ca-bundle.crt': bundlePem },
    });
    expect(readTrustRootsConfigMap(toYaml(cm))).toEqual({ bundle: bundlePem });
  });

  it.each<[string, unknown, string]>([
    [
      'wrong kind',
      { ...trustRootsConfigMap({ bundle: bundlePem }), kind: 'Secret' },
      'kind must be ConfigMap',
    ],
    ['missing bundle', { apiVersion: 'v1', kind: 'ConfigMap', data: {} }, 'data[ca-bundle.crt] is missing'],
    ['empty YAML', '', 'expected one YAML document (a ConfigMap), found 0'],
  ])('refuses %s', (_name, input, message) => {
    const err = errorOf(() => readTrustRootsConfigMap(input));
    expect(err?.code).toBe('ERR_MANIFEST_INVALID');
    expect(err?.message).toContain(message);
  });
});

describe('cert-manager resources', () => {
  it("match Linkerd's guide by default", () => {
    expect(fromYaml(toYaml([certManagerIssuer(), certManagerCertificate()]))).toEqual([
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: { name: 'linkerd-trust-anchor', namespace: 'linkerd' },
        spec: { ca: { secretName: 'linkerd-trust-anchor' } },
      },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' },
        spec: {
          secretName: 'linkerd-identity-issuer',
          duration: '48h',
          renewBefore: '25h',
          issuerRef: { name: 'linkerd-trust-anchor', kind: 'Issuer' },
          commonName: 'identity.linkerd.cluster.local',
          dnsNames: ['identity.linkerd.cluster.local'],
          isCA: true,
          privateKey: { algorithm: 'ECDSA' },
          usages: ['cert sign', 'crl sign', 'server auth', 'client auth'],
        },
      },
    ]);
  });

  it('takes overrides, durations as text or milliseconds', () => {
    const cert = certManagerCertificate({
      namespace: 'mesh',
      duration: 72 * 3_600_000,
      renewBefore: '30h',
      issuerRef: { name: 'root-ca', kind: 'ClusterIssuer' },
      commonName: 'identity.mesh.example.org',
      usages: ['cert sign'],
    });
    expect(cert.metadata.namespace).toBe('mesh');
    expect(cert.spec).toMatchObject({
      duration: '72h0m0s',
      renewBefore: '30h',
      issuerRef: { name: 'root-ca', kind: 'ClusterIssuer' },
      dnsNames: ['identity.mesh.example.org'],
      usages: ['cert sign'],
    });
  });

  it('drops the default renewBefore when a percentage is given', () => {
    const { spec } = certManagerCertificate({ renewBeforePercentage: 50 });
    expect(spec.renewBeforePercentage).toBe(50);
    expect('renewBefore' in spec).toBe(false);
  });

  it.each<[string, Parameters<typeof certManagerCertificate>[0], string]>([
    [
      'renewBefore ≥ duration',
      { duration: '24h', renewBefore: '25h' },
      'spec.renewBefore: certificate duration 24h0m0s',
    ],
    [
      'duration below 1h',
      { duration: '30m', renewBefore: '10m' },
      'spec.duration: certificate duration must be',
    ],
    [
      'renewBefore below 5m',
      { renewBefore: '1m' },
      'spec.renewBefore: certificate renewBefore must be greater than 5m0s',
    ],
    [
      'both renewBefore and percentage',
      { renewBefore: '25h', renewBeforePercentage: 50 },
      'mutually exclusive',
    ],
  ])('refuses %s', (_name, opts, message) => {
    const err = errorOf(() => certManagerCertificate(opts));
    expect(err?.code).toBe('ERR_SCHEDULE_INVALID');
    expect(err?.message).toContain(message);
  });

  it('refuses unreadable durations and bad names', () => {
    expect(errorOf(() => certManagerCertificate({ duration: '2d' }))?.code).toBe('ERR_DURATION_INVALID');
    expect(errorOf(() => certManagerCertificate({ secretName: 'Bad' }))?.code).toBe('ERR_INVALID_ARGUMENT');
    expect(errorOf(() => certManagerIssuer({ namespace: '' }))?.code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('bundles the anchor Secret, the Issuer and the Certificate consistently', () => {
    const [secret, issuer, cert] = issuerRotationManifests({
      anchor: { certificate: caPem, key: keyPem },
      anchorName: 'mesh-root',
      namespace: 'mesh',
      renewBefore: '24h',
    });
    expect(secret.metadata).toEqual({ name: 'mesh-root', namespace: 'mesh' });
    expect(issuer.metadata).toEqual({ name: 'mesh-root', namespace: 'mesh' });
    expect(issuer.spec.ca.secretName).toBe('mesh-root');
    expect(cert.metadata.namespace).toBe('mesh');
    expect(cert.spec.issuerRef).toEqual({ name: 'mesh-root', kind: 'Issuer' });
    expect(cert.spec.renewBefore).toBe('24h');
    expect(readTrustAnchorSecret(secret)).toEqual({ anchor: { certificate: caPem, key: keyPem } });
  });
});

describe('Helm values', () => {
  it('have the chart layout and round-trip through YAML', () => {
    const pems = { bundle: bundlePem, issuer: { certificate: certPem, key: keyPem } };
    const values = helmValues(pems);
    expect(values).toEqual({
      identityTrustAnchorsPEM: bundlePem,
      identity: { issuer: { tls: { crtPEM: certPem, keyPEM: keyPem } } },
    });
    expect(readHelmValues(toYaml(values))).toEqual(pems);
    expect(readHelmValues({ ...values, proxy: { logLevel: 'debug' } })).toEqual(pems);
  });

  it.each<[string, unknown, string]>([
    [
      'missing anchors',
      { identity: { issuer: { tls: { crtPEM: 'a', keyPEM: 'b' } } } },
      'identityTrustAnchorsPEM is missing',
    ],
    [
      'cert-manager scheme, no tls',
      { identityTrustAnchorsPEM: 'x', identity: { issuer: { scheme: 'kubernetes.io/tls' } } },
      'identity.issuer.tls.crtPEM is missing',
    ],
    [
      'tls not a mapping',
      { identityTrustAnchorsPEM: 'x', identity: { issuer: { tls: 'nope' } } },
      'identity.issuer.tls must be a mapping',
    ],
    ['a list', '- a\n', 'YAML document 1 is not a mapping'],
  ])('refuses %s', (_name, input, message) => {
    const err = errorOf(() => readHelmValues(input));
    expect(err?.code).toBe('ERR_MANIFEST_INVALID');
    expect(err?.message).toContain(message);
  });

  it('refuses empty PEM when writing', () => {
    expect(
      errorOf(() => helmValues({ bundle: '', issuer: { certificate: certPem, key: keyPem } }))?.code,
    ).toBe('ERR_INVALID_ARGUMENT');
  });
});
