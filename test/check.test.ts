import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, createTrustAnchor, writeBundle } from '../src/anchor';
import {
  type CheckResult,
  checkDataPlaneAnchors,
  checkIdentity,
  checksPassed,
  formatCheckResults,
  type IdentityCheckInput,
} from '../src/check';
import { createIssuer, type Issuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { parseCertificate } from '../src/x509';
import { dataText } from './helpers/fixtures';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { NOW, seededRandom } from './helpers/pki';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const NAMES = [
  'certificate config is valid',
  'trust anchors are using supported crypto algorithm',
  'trust anchors are within their validity period',
  'trust anchors are valid for at least 60 days',
  'issuer cert is using supported crypto algorithm',
  'issuer cert is within its validity period',
  'issuer cert is valid for at least 60 days',
  'issuer cert is issued by the trust anchor',
];

/** The result of check number `n` (1-based, Linkerd's order). */
function nth(results: readonly CheckResult[], n: number): CheckResult {
  const r = results[n - 1];
  if (!r) throw new Error(`no check ${n}`);
  return r;
}

function statuses(results: readonly CheckResult[]): string[] {
  return results.map((r) => r.status);
}

/** Go's decimal form of a hex serial, as Linkerd prints it. */
function decimal(hexSerial: string): string {
  return BigInt(`0x${hexSerial}`).toString();
}

function fixture(name: string): PemCheckInput {
  const read = (suffix: string) => dataText(`fixtures/linkerd-check/${name}-${suffix}.pem`);
  return { bundle: read('trust-anchors'), issuer: { certificate: read('crt'), key: read('key') } };
}

/** A check input whose issuer is PEM text, so tests can replace one part of it. */
type PemCheckInput = IdentityCheckInput & { issuer: { certificate: string; key: string } };

/** Inside every fixture's intended window: after the "expired" ones, before the "not valid yet" ones. */
const FIXTURE_NOW = new Date('2025-01-01T00:00:00Z');

describe('checkIdentity: the linkerd-check fixtures', () => {
  it('passes every check for "valid", with Linkerd names, order, severities and hint anchors', async () => {
    const results = await checkIdentity({ ...fixture('valid'), now: FIXTURE_NOW });
    expect(results.map((r) => r.name)).toEqual(NAMES);
    expect(results.map((r) => r.severity)).toEqual([
      'fatal',
      'fatal',
      'fatal',
      'warning',
      'fatal',
      'fatal',
      'warning',
      'error',
    ]);
    expect(statuses(results)).toEqual(Array(8).fill('ok'));
    expect(results.every((r) => r.message === undefined && r.category === 'linkerd-identity')).toBe(true);
    expect(nth(results, 3).hintUrl).toBe(
      'https://linkerd.io/checks/#l5d-identity-trustAnchors-are-time-valid',
    );
    expect(nth(results, 8).hintUrl).toBe(
      'https://linkerd.io/checks/#l5d-identity-issuer-cert-issued-by-trust-anchor',
    );
  });

  it('passes every check for "valid-with-rsa-anchor" (an RSA 4096 anchor over a P-256 issuer)', async () => {
    const results = await checkIdentity({ ...fixture('valid-with-rsa-anchor'), now: FIXTURE_NOW });
    expect(statuses(results)).toEqual(Array(8).fill('ok'));
  });

  it('fails "expired" on checks 3 and 6 with Linkerd messages', async () => {
    const input = { ...fixture('expired'), now: FIXTURE_NOW };
    const linkerd = await checkIdentity(input);
    expect(statuses(linkerd)).toEqual(['ok', 'ok', 'error', ...Array(5).fill('skipped')]);
    expect(nth(linkerd, 3).message).toBe(
      'Invalid anchors:\n\t* 1 identity.linkerd.cluster.local not valid anymore. Expired on 1990-01-01T01:01:11Z',
    );
    expect(nth(linkerd, 4).message).toBe('not run: "trust anchors are within their validity period" failed');

    const all = await checkIdentity({ ...input, stopOnFatal: false });
    expect(nth(all, 6)).toMatchObject({
      status: 'error',
      message: 'issuer certificate is not valid anymore. Expired on 1990-01-01T01:01:11Z',
    });
    expect(nth(all, 4).message).toBe(
      'Anchors expiring soon:\n\t* 1 identity.linkerd.cluster.local will expire on 1990-01-01T01:01:11Z',
    );
    expect(nth(all, 7).message).toBe('issuer certificate will expire on 1990-01-01T01:01:11Z');
    expect(nth(all, 8).status).toBe('error');
  });

  it('fails "not-valid-yet" on checks 3 and 6 with Linkerd messages', async () => {
    const input = { ...fixture('not-valid-yet'), now: FIXTURE_NOW };
    expect(nth(await checkIdentity(input), 3).message).toBe(
      'Invalid anchors:\n\t* 1 identity.linkerd.cluster.local not valid before: 2100-01-01T01:00:51Z',
    );
    const all = await checkIdentity({ ...input, stopOnFatal: false });
    expect(nth(all, 6)).toMatchObject({
      status: 'error',
      message: 'issuer certificate is not valid before: 2100-01-01T01:00:51Z',
    });
    expect(nth(all, 4).status).toBe('ok');
  });

  it('fails "wrong-algo" (P-521, ECDSA-SHA512) on check 5, after check 1 matched the P-521 key', async () => {
    const input = { ...fixture('wrong-algo'), now: FIXTURE_NOW };
    const all = await checkIdentity({ ...input, stopOnFatal: false });
    expect(nth(all, 1).status).toBe('ok');
    expect(nth(all, 5)).toMatchObject({
      status: 'error',
      message: 'issuer certificate must use P-256 curve for public key, instead P-521 was used',
    });
    expect(nth(all, 2).message).toBe(
      `Invalid trustAnchors:\n\t* ${decimal('4F8A99B4152DE35BB8655038BA5E7352')} identity.linkerd.cluster.local ` +
        'must use P-256 curve for public key, instead P-521 was used',
    );
    // As `linkerd check` runs them, the anchors' fatal failure stops the rest.
    expect(statuses(await checkIdentity(input))).toEqual(['ok', 'error', ...Array(6).fill('skipped')]);
  });

  it('passes "wrong-domain" as current linkerd check does (no issuer name), and fails it when a name is asked', async () => {
    const input = { ...fixture('wrong-domain'), now: FIXTURE_NOW };
    // linkerd2 #5237 dropped the issuer-name check: the chain itself is sound.
    expect(statuses(await checkIdentity(input))).toEqual(Array(8).fill('ok'));
    expect(statuses(await checkIdentity({ ...input, issuerName: null }))).toEqual(Array(8).fill('ok'));
    // The name `linkerd check` required before 2020, asked for explicitly.
    const named = await checkIdentity({ ...input, issuerName: 'identity.linkerd.cluster.local' });
    expect(statuses(named)).toEqual([...Array(7).fill('ok'), 'error']);
    expect(nth(named, 8).message).toBe('issuer certificate is not valid for identity.linkerd.cluster.local');
    // Another control-plane namespace or trust domain changes the name.
    const other = await checkIdentity({ ...input, issuerName: 'wrong.linkerd.cluster.local' });
    expect(nth(other, 8).status).toBe('ok');
  });

  it('finds the valid issuer is not issued by another fixture anchor', async () => {
    const results = await checkIdentity({
      ...fixture('valid'),
      bundle: fixture('wrong-domain').bundle,
      now: FIXTURE_NOW,
    });
    expect(statuses(results)).toEqual([...Array(7).fill('ok'), 'error']);
  });
});

/** A CA minted by OpenSSL under `anchor`, for key types l5d-pki does not mint; `now` is inside its validity. */
function foreignIssuer(
  anchor: CertificateAuthority,
  genpkey: readonly string[],
): { certPem: string; keyPem: string; now: Date } {
  const dir = new OpensslDir();
  try {
    dir.write('ca.crt', anchor.pem);
    dir.write('ca.key', anchor.key.exportSec1Pem());
    dir.write(
      'ext.cnf',
      'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' +
        'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n',
    );
    dir.run(['genpkey', ...genpkey, '-out', 'issuer.key']);
    dir.run([
      'req',
      '-new',
      '-key',
      'issuer.key',
      '-subj',
      '/CN=identity.linkerd.cluster.local',
      '-out',
      'i.csr',
    ]);
    dir.run([
      'x509',
      '-req',
      '-in',
      'i.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      '0x1a2b3c',
      '-days',
      '365',
      '-sha256',
      '-extfile',
      'ext.cnf',
      '-out',
      'issuer.crt',
    ]);
    const certPem = dir.readText('issuer.crt');
    const now = new Date(parseCertificate(certPem).notBefore.getTime() + HOUR);
    return { certPem, keyPem: dir.readText('issuer.key'), now };
  } finally {
    dir.cleanup();
  }
}

describe('checkIdentity: hierarchies minted here', () => {
  let anchor: CertificateAuthority;
  let issuer: Issuer;
  let healthy: PemCheckInput & { now: Date };

  beforeAll(async () => {
    anchor = await createTrustAnchor({ now: NOW, random: seededRandom('check anchor') });
    issuer = await createIssuer({ anchor, now: NOW, random: seededRandom('check issuer') });
    healthy = {
      bundle: anchor.pem,
      issuer: { certificate: issuer.pem, key: issuer.key.exportSec1Pem() },
      now: NOW,
    };
  });

  it('passes a fresh anchor and issuer, with a PKCS#8 key too', async () => {
    expect(statuses(await checkIdentity(healthy))).toEqual(Array(8).fill('ok'));
    const pkcs8 = await checkIdentity({
      ...healthy,
      issuer: { ...healthy.issuer, key: issuer.key.exportPkcs8Pem() },
    });
    expect(statuses(pkcs8)).toEqual(Array(8).fill('ok'));
    expect(checksPassed(pkcs8)).toBe(true);
  });

  it('warns on check 4 for an anchor expiring in 30 days, and passes the run', async () => {
    const short = await createTrustAnchor({ now: NOW, lifetime: 30 * DAY, random: seededRandom('short') });
    const shortIssuer = await createIssuer({ anchor: short, now: NOW, random: seededRandom('short issuer') });
    const results = await checkIdentity({
      bundle: short.pem,
      issuer: { certificate: shortIssuer.pem, key: shortIssuer.key.exportSec1Pem() },
      now: NOW,
    });
    const notAfter = short.certificate.notAfter.toISOString().replace('.000Z', 'Z');
    expect(nth(results, 4)).toMatchObject({
      status: 'warning',
      severity: 'warning',
      message: `Anchors expiring soon:\n\t* ${decimal(short.certificate.serialHex)} root.linkerd.cluster.local will expire on ${notAfter}`,
    });
    // The issuer was cut to the anchor's notAfter, so it warns too.
    expect(nth(results, 7)).toMatchObject({
      status: 'warning',
      message: `issuer certificate will expire on ${notAfter}`,
    });
    expect(checksPassed(results)).toBe(true);
  });

  it('counts validity bounds as Linkerd does: notAfter itself is still valid', async () => {
    const notAfter = issuer.certificate.notAfter;
    const atEnd = await checkIdentity({ ...healthy, now: notAfter, stopOnFatal: false });
    expect(nth(atEnd, 6).status).toBe('ok');
    const after = await checkIdentity({
      ...healthy,
      now: new Date(notAfter.getTime() + 1000),
      stopOnFatal: false,
    });
    expect(nth(after, 6).status).toBe('error');
    const later = await createIssuer({
      anchor,
      now: new Date(NOW.getTime() + DAY),
      random: seededRandom('later'),
    });
    const before = await checkIdentity({
      ...healthy,
      issuer: { certificate: later.pem, key: later.key.exportSec1Pem() },
      now: new Date(later.certificate.notBefore.getTime() - 1000),
    });
    expect(statuses(before)).toEqual([...Array(5).fill('ok'), 'error', 'skipped', 'skipped']);
  });

  it('fails check 8 (an error, not fatal) for an issuer signed by a different anchor', async () => {
    const other = await createTrustAnchor({ now: NOW, random: seededRandom('other anchor') });
    const results = await checkIdentity({ ...healthy, bundle: other.pem });
    expect(statuses(results)).toEqual([...Array(7).fill('ok'), 'error']);
    expect(nth(results, 8).message).toMatch(
      /^issuer certificate does not verify against the trust anchors: /,
    );
    expect(checksPassed(results)).toBe(false);
    // With both anchors in the bundle, it chains again.
    const both = await checkIdentity({
      ...healthy,
      bundle: writeBundle([other.certificate, anchor.certificate]),
    });
    expect(statuses(both)).toEqual(Array(8).fill('ok'));
  });

  it.skipIf(!hasOpenssl)('fails check 5 for a P-384 issuer (check 1 still matches its key)', async () => {
    const p384 = foreignIssuer(anchor, ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    const input = { ...healthy, issuer: { certificate: p384.certPem, key: p384.keyPem }, now: p384.now };
    const results = await checkIdentity(input);
    expect(statuses(results)).toEqual(['ok', 'ok', 'ok', 'ok', 'error', 'skipped', 'skipped', 'skipped']);
    expect(nth(results, 5).message).toBe(
      'issuer certificate must use P-256 curve for public key, instead P-384 was used',
    );
    const all = await checkIdentity({ ...input, stopOnFatal: false });
    expect(statuses(all)).toEqual(['ok', 'ok', 'ok', 'ok', 'error', 'ok', 'ok', 'ok']);
    // The same certificate with another P-384 key does not pass check 1.
    const other = foreignIssuer(anchor, ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    expect(
      nth(await checkIdentity({ ...input, issuer: { ...input.issuer, key: other.keyPem } }), 1).message,
    ).toBe('tls: Public and private key do not match');
  });

  it.skipIf(!hasOpenssl)(
    'fails check 5 for an RSA issuer (check 1 matches PKCS#8 and PKCS#1 keys)',
    async () => {
      const rsa = foreignIssuer(anchor, ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
      const input = { ...healthy, issuer: { certificate: rsa.certPem, key: rsa.keyPem }, now: rsa.now };
      const results = await checkIdentity(input);
      expect(nth(results, 1).status).toBe('ok');
      expect(nth(results, 5).message).toBe(
        'issuer certificate must use ECDSA for public key algorithm, instead RSA was used',
      );
      const dir = new OpensslDir();
      try {
        dir.write('k.pem', rsa.keyPem);
        const pkcs1 = dir.run(['rsa', '-in', 'k.pem', '-traditional']).stdout;
        expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
        expect(
          nth(await checkIdentity({ ...input, issuer: { ...input.issuer, key: pkcs1 } }), 1).status,
        ).toBe('ok');
      } finally {
        dir.cleanup();
      }
    },
  );

  it('fails check 1 for a key that is not the issuer certificate’s, and skips the rest', async () => {
    const stranger = await generateKeyPair({ random: seededRandom('stranger') });
    const results = await checkIdentity({
      ...healthy,
      issuer: { ...healthy.issuer, key: stranger.exportPkcs8Pem() },
    });
    expect(nth(results, 1)).toMatchObject({
      status: 'error',
      message: 'tls: Public and private key do not match',
      hintUrl: 'https://linkerd.io/checks/#l5d-identity-cert-config-valid',
    });
    expect(statuses(results).slice(1)).toEqual(Array(7).fill('skipped'));
    expect(nth(results, 8).message).toBe('not run: "certificate config is valid" failed');
    // Nothing can run without the material, even when asked to go on.
    const all = await checkIdentity({
      ...healthy,
      issuer: { ...healthy.issuer, key: stranger.exportPkcs8Pem() },
      stopOnFatal: false,
    });
    expect(statuses(all).slice(1)).toEqual(Array(7).fill('skipped'));
  });

  it('fails check 1 with a message for unreadable material', async () => {
    const message = async (patch: Partial<PemCheckInput>) =>
      nth(await checkIdentity({ ...healthy, ...patch }), 1).message;
    expect(await message({ issuer: { ...healthy.issuer, certificate: '' } })).toMatch(
      /^could not parse issuer certificate: no PEM block/,
    );
    expect(await message({ issuer: { ...healthy.issuer, certificate: healthy.issuer.key } })).toBe(
      'could not parse issuer certificate: no certificates found',
    );
    expect(
      await message({
        issuer: {
          ...healthy.issuer,
          certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        },
      }),
    ).toMatch(/^could not parse issuer certificate: /);
    expect(await message({ issuer: { ...healthy.issuer, key: 'not a key' } })).toMatch(
      /^could not read the issuer key: /,
    );
    expect(await message({ bundle: '' })).toMatch(/^could not parse the trust anchors: /);
  });

  it('reads an issuer chain after the issuer certificate as intermediates', async () => {
    const sub = await createIssuer({ anchor: issuer, now: NOW, pathLen: null, random: seededRandom('sub') });
    const results = await checkIdentity({
      ...healthy,
      issuer: { certificate: sub.pem + issuer.pem, key: sub.key.exportSec1Pem() },
    });
    expect(nth(results, 8).status).toBe('ok');
    const alone = await checkIdentity({
      ...healthy,
      issuer: { certificate: sub.pem, key: sub.key.exportSec1Pem() },
    });
    expect(nth(alone, 8).status).toBe('error');
  });

  it('refuses an invalid `now`', async () => {
    await expect(checkIdentity({ ...healthy, now: new Date(Number.NaN) })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});

describe('checkDataPlaneAnchors', () => {
  let a: CertificateAuthority;
  let b: CertificateAuthority;

  beforeAll(async () => {
    a = await createTrustAnchor({ now: NOW, commonName: 'root-a', random: seededRandom('dp a') });
    b = await createTrustAnchor({ now: NOW, commonName: 'root-b', random: seededRandom('dp b') });
  });

  it('passes when the proxy trusts the same certificates, whatever the formatting or order', () => {
    const result = checkDataPlaneAnchors({
      proxyBundle: `\n${b.pem}\n\n${a.pem}${a.pem}  `,
      bundle: writeBundle([a.certificate, b.certificate]),
    });
    expect(result).toMatchObject({
      category: 'linkerd-identity-data-plane',
      name: 'data plane proxies certificate match CA',
      severity: 'warning',
      status: 'ok',
      hintUrl: 'https://linkerd.io/checks/#l5d-identity-data-plane-proxies-certs-match-ca',
    });
    expect(result.message).toBeUndefined();
  });

  it('warns with Linkerd’s message, naming the anchors that differ', () => {
    const result = checkDataPlaneAnchors({
      proxyBundle: a.pem,
      bundle: b.pem,
      pod: 'shop/web-0',
    });
    expect(result.status).toBe('warning');
    expect(result.message).toBe(
      'Some pods do not have the current trust bundle and must be restarted:\n\t* shop/web-0\n' +
        `\t  missing from the proxy: root-b (serial ${b.certificate.serialHex})\n` +
        `\t  no longer in the bundle: root-a (serial ${a.certificate.serialHex})`,
    );
    expect(checksPassed([result])).toBe(true);
  });

  it('warns when either side cannot be read', () => {
    const proxy = checkDataPlaneAnchors({ proxyBundle: 'garbage', bundle: a.pem });
    expect(proxy.status).toBe('warning');
    expect(proxy.message).toContain("\t* proxy\n\t  the proxy's trust anchors cannot be read: ");
    const bundle = checkDataPlaneAnchors({ proxyBundle: a.pem, bundle: '' });
    expect(bundle.message).toContain('the current bundle cannot be read');
  });
});

describe('formatCheckResults', () => {
  let anchor: CertificateAuthority;
  let results: CheckResult[];

  beforeAll(async () => {
    anchor = await createTrustAnchor({ now: NOW, random: seededRandom('format anchor') });
    const issuer = await createIssuer({ anchor, now: NOW, random: seededRandom('format issuer') });
    const late = new Date(issuer.certificate.notAfter.getTime() + DAY);
    results = await checkIdentity({
      bundle: anchor.pem,
      issuer: { certificate: issuer.pem, key: issuer.key.exportSec1Pem() },
      now: late,
    });
  });

  it('prints a linkerd check table, leaving out skipped checks', () => {
    const expiry = results[5]!.message!;
    const text = formatCheckResults(results, { output: 'table' });
    expect(text).toBe(
      [
        'linkerd-identity',
        '----------------',
        '√ certificate config is valid',
        '√ trust anchors are using supported crypto algorithm',
        '√ trust anchors are within their validity period',
        '√ trust anchors are valid for at least 60 days',
        '√ issuer cert is using supported crypto algorithm',
        '× issuer cert is within its validity period',
        `    ${expiry}`,
        `    ${results[5]!.hint}`,
        '    see https://linkerd.io/checks/#l5d-identity-issuer-cert-is-time-valid for hints',
        '',
        'Status check results are ×',
        '',
      ].join('\n'),
    );
    expect(expiry).toMatch(
      /^issuer certificate is not valid anymore\. Expired on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(formatCheckResults(results)).toBe(text);
  });

  it('prints warnings with ‼, categories apart, and a passing status', () => {
    const warning = checkDataPlaneAnchors({ proxyBundle: anchor.pem, bundle: anchor.pem });
    const text = formatCheckResults([results[0]!, { ...warning, status: 'warning', message: 'stale' }]);
    expect(text).toContain(
      '√ certificate config is valid\n\nlinkerd-identity-data-plane\n---------------------------\n',
    );
    expect(text).toContain('‼ data plane proxies certificate match CA\n    stale\n');
    expect(text.endsWith('Status check results are √\n')).toBe(true);
  });

  it('prints linkerd check -o json', () => {
    const doc = JSON.parse(formatCheckResults(results, { output: 'json' }));
    expect(doc.success).toBe(false);
    expect(doc.categories).toHaveLength(1);
    expect(doc.categories[0].categoryName).toBe('linkerd-identity');
    expect(doc.categories[0].checks).toHaveLength(6);
    expect(doc.categories[0].checks[0]).toEqual({
      description: 'certificate config is valid',
      result: 'success',
    });
    expect(doc.categories[0].checks[5]).toEqual({
      description: 'issuer cert is within its validity period',
      hint: 'https://linkerd.io/checks/#l5d-identity-issuer-cert-is-time-valid',
      error: results[5]!.message,
      result: 'error',
    });
  });

  it('refuses an unknown output', () => {
    expect(() => formatCheckResults(results, { output: 'yaml' as 'json' })).toThrow(/output must be/);
  });
});
