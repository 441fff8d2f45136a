// Bundles during rotations and across clusters: the library functions, the `bundle` command,
// fingerprints against OpenSSL's, and the trust-manager Bundle parsed back field by field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  addToBundle,
  certificateFingerprint,
  createTrustAnchor,
  diffBundles,
  normalizeFingerprint,
  parseBundle,
  pruneBundle,
  removeFromBundle,
  renewCertificate,
  writeBundle,
} from '../src/anchor';
import { createCsr } from '../src/csr';
import { createIssuer } from '../src/issuer';
import { toYaml, trustManagerBundle } from '../src/k8s';
import { generateKeyPair } from '../src/keys';
import { issueLeaf } from '../src/leaf';
import { verifyChain } from '../src/verify';
import { type CliRun, cliScript, runCli } from './helpers/cli-run';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { codeOf, NOW, WEB_IDENTITY } from './helpers/pki';

const DAY = 86_400_000;

describe('bundle functions', () => {
  it('fingerprints as openssl x509 -fingerprint -sha256 prints them', async () => {
    const anchor = await createTrustAnchor();
    const fp = certificateFingerprint(anchor.certificate);
    expect(fp).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(certificateFingerprint(anchor.pem)).toBe(fp);
    expect(certificateFingerprint(anchor.der)).toBe(fp);
    if (hasOpenssl) {
      const dir = new OpensslDir();
      try {
        dir.write('a.pem', anchor.pem);
        const out = dir.run(['x509', '-in', 'a.pem', '-noout', '-fingerprint', '-sha256']).stdout.trim();
        expect(out).toBe(`sha256 Fingerprint=${fp}`);
        expect(normalizeFingerprint(out)).toBe(fp);
      } finally {
        dir.cleanup();
      }
    }
    expect(normalizeFingerprint(fp.replace(/:/g, '').toLowerCase())).toBe(fp);
    expect(codeOf(() => normalizeFingerprint(fp.slice(0, 20)))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('adds, removes by fingerprint, prunes and de-duplicates, telling same-name anchors apart', async () => {
    const old = await createTrustAnchor({ now: NOW, lifetime: 30 * DAY });
    const next = await createTrustAnchor({ now: NOW });
    expect(old.certificate.subject.commonName).toBe(next.certificate.subject.commonName);
    const added = addToBundle({ bundle: old.pem + old.pem, add: next.pem, now: NOW });
    expect(added.duplicates).toBe(1);
    expect(added.changed.map((e) => e.fingerprint)).toEqual([certificateFingerprint(next.der)]);
    expect(parseBundle(added.pem).map((c) => certificateFingerprint(c))).toEqual([
      certificateFingerprint(old.der),
      certificateFingerprint(next.der),
    ]);
    // Adding it again changes nothing.
    const again = addToBundle({ bundle: added.pem, add: [next.certificate], now: NOW });
    expect(again.changed).toEqual([]);
    expect(again.unchanged).toHaveLength(1);
    expect(again.pem).toBe(added.pem);

    const removed = removeFromBundle({ bundle: added.pem, fingerprints: [certificateFingerprint(old.der)] });
    expect(removed.pem).toBe(writeBundle([next.certificate]));
    expect(
      codeOf(() =>
        removeFromBundle({ bundle: removed.pem, fingerprints: [certificateFingerprint(old.der)] }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        removeFromBundle({ bundle: removed.pem, fingerprints: [certificateFingerprint(next.der)] }),
      ),
    ).toBe('ERR_BUNDLE_EMPTY');

    const later = new Date(NOW.getTime() + 40 * DAY);
    const pruned = pruneBundle({ bundle: added.pem + next.pem, now: later });
    expect(pruned.changed.map((e) => e.fingerprint)).toEqual([certificateFingerprint(old.der)]);
    expect(pruned.duplicates).toBe(1);
    expect(pruned.pem).toBe(next.pem);
    expect(codeOf(() => pruneBundle({ bundle: old.pem, now: later }))).toBe('ERR_BUNDLE_EMPTY');
  });

  it('refuses to add a certificate that is not a CA, or has expired', async () => {
    const anchor = await createTrustAnchor({ now: NOW, lifetime: DAY });
    const issuer = await createIssuer({ anchor, now: NOW, lifetime: DAY / 2 });
    const key = await generateKeyPair();
    const leaf = await issueLeaf({
      issuer,
      csr: (await createCsr({ key, identity: WEB_IDENTITY })).der,
      identity: WEB_IDENTITY,
      now: NOW,
    });
    expect(codeOf(() => addToBundle({ bundle: anchor.pem, add: leaf.pem, now: NOW }))).toBe(
      'ERR_BUNDLE_INVALID',
    );
    const other = await createTrustAnchor({ now: NOW, lifetime: DAY });
    expect(
      codeOf(() =>
        addToBundle({ bundle: anchor.pem, add: other.pem, now: new Date(NOW.getTime() + 2 * DAY) }),
      ),
    ).toBe('ERR_BUNDLE_INVALID');
  });

  it('diffs two clusters: shared, only in each, renewed anchors, and whether trust is shared', async () => {
    const shared = await createTrustAnchor({ now: NOW, lifetime: 100 * DAY });
    const east = await createTrustAnchor({ now: NOW });
    const west = await createTrustAnchor({ now: NOW });
    const d = diffBundles({ a: shared.pem + east.pem, b: west.pem + shared.pem, now: NOW });
    expect(d.shared.map((e) => e.fingerprint)).toEqual([certificateFingerprint(shared.der)]);
    expect(d.onlyA.map((e) => e.fingerprint)).toEqual([certificateFingerprint(east.der)]);
    expect(d.onlyB.map((e) => e.fingerprint)).toEqual([certificateFingerprint(west.der)]);
    expect(d.shareTrust).toBe(true);
    expect(d.sharedUntil).toEqual(shared.certificate.notAfter);
    // Once the shared anchor has expired, the clusters no longer share trust.
    const after = diffBundles({
      a: shared.pem + east.pem,
      b: west.pem + shared.pem,
      now: new Date(NOW.getTime() + 200 * DAY),
    });
    expect(after.shareTrust).toBe(false);
    expect(diffBundles({ a: east.pem, b: west.pem, now: NOW })).toMatchObject({
      shareTrust: false,
      sharedUntil: null,
    });
    // An anchor renewed in place (same subject and key) is shared trust: chains verify under either.
    const renewed = await renewCertificate({ certificate: east.certificate, key: east.key, now: NOW });
    const r = diffBundles({ a: east.pem, b: renewed.pem, now: NOW });
    expect(r.shared).toEqual([]);
    expect(r.renewed).toHaveLength(1);
    expect(r.shareTrust).toBe(true);
  });

  // The only anchor named as the issuer holds another key (its key identifier says so): an unknown
  // issuer, not a bad signature.
  it('reports a chain under another anchor of the same name as an unknown issuer', async () => {
    const a = await createTrustAnchor();
    const b = await createTrustAnchor();
    const issuer = await createIssuer({ anchor: a });
    const result = await verifyChain({ bundle: [b.certificate], leaf: issuer.certificate.der });
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.code).toBe('UNKNOWN_ISSUER');
  });

  it('makes the trust-manager Bundle of Linkerd’s guide', async () => {
    const other = await createTrustAnchor();
    const docs = parseAllDocuments(
      toYaml(trustManagerBundle({ previousSecretName: 'linkerd-previous-anchor', inLine: other.pem })),
    );
    expect(docs).toHaveLength(1);
    const b = docs[0]!.toJS();
    expect(b.apiVersion).toBe('trust.cert-manager.io/v1alpha1');
    expect(b.kind).toBe('Bundle');
    expect(b.metadata).toEqual({ name: 'linkerd-identity-trust-roots' });
    expect(b.spec.sources).toEqual([
      { secret: { name: 'linkerd-trust-anchor', key: 'tls.crt' } },
      { secret: { name: 'linkerd-previous-anchor', key: 'tls.crt' } },
      { inLine: other.pem },
    ]);
    expect(b.spec.target).toEqual({
      configMap: { key: 'ca-bundle.crt' },
      namespaceSelector: { matchLabels: { 'linkerd.io/is-control-plane': 'true' } },
    });
    expect(codeOf(() => trustManagerBundle({ inLine: 'not a certificate' }))).toBe('ERR_BUNDLE_EMPTY');
    expect(codeOf(() => trustManagerBundle({ secretKey: 'a/b' }))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('the bundle command, fingerprints in inspect and verify, manifests trust-manager', () => {
  let script = '';
  let made: string | undefined;
  let work = '';
  const run = (args: string | readonly string[]): Promise<CliRun> => runCli(script, work, args);

  beforeAll(async () => {
    ({ script, made } = await cliScript());
    work = mkdtempSync(join(tmpdir(), 'l5d-pki-bundle-cli-'));
    for (const line of ['init --out east', 'init --out west']) {
      const r = await run(line);
      expect(r.status, r.stderr).toBe(0);
    }
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (made) rmSync(made, { recursive: true, force: true });
  });

  const fp = (path: string) => certificateFingerprint(readFileSync(join(work, path), 'utf8'));

  it('adds an anchor to a bundle on stdout, then in place with --force', async () => {
    const r = await run('bundle add --bundle east/ca.crt --cert west/ca.crt');
    expect(r.status, r.stderr).toBe(0);
    expect(parseBundle(r.stdout).map((c) => certificateFingerprint(c))).toEqual([
      fp('east/ca.crt'),
      fp('west/ca.crt'),
    ]);
    expect(r.stderr).toContain(`added CN=root.linkerd.cluster.local`);
    expect(r.stderr).toContain(fp('west/ca.crt'));
    writeFileSync(join(work, 'bundle.crt'), readFileSync(join(work, 'east/ca.crt')));
    const refused = await run('bundle add --bundle bundle.crt --cert west/ca.crt --out bundle.crt');
    expect(refused.status).toBe(2);
    const inPlace = await run(
      'bundle add --bundle bundle.crt --cert west/ca.crt --out bundle.crt --force --json',
    );
    expect(inPlace.status, inPlace.stderr).toBe(0);
    expect(JSON.parse(inPlace.stdout).anchors).toHaveLength(2);
    expect(parseBundle(readFileSync(join(work, 'bundle.crt'), 'utf8'))).toHaveLength(2);
    // A workload leaf is no anchor: refused.
    expect((await run(`csr --identity ${WEB_IDENTITY} --key-out k0.p8 --csr-out c0.der`)).status).toBe(0);
    const leaf = await run(
      `issue --issuer-cert east/issuer.crt --issuer-key east/issuer.key --csr c0.der --identity ${WEB_IDENTITY} --out leaf0.crt`,
    );
    expect(leaf.status, leaf.stderr).toBe(0);
    const notAnchor = await run('bundle add --bundle east/ca.crt --cert leaf0.crt');
    expect(notAnchor.status).toBe(2);
    expect(notAnchor.stderr).toContain('[ERR_BUNDLE_INVALID]');
  });

  it('removes an anchor by the fingerprint OpenSSL prints, and refuses an unknown one', async () => {
    let openssl = fp('east/ca.crt');
    if (hasOpenssl) {
      const dir = new OpensslDir();
      try {
        dir.write('a.pem', readFileSync(join(work, 'east/ca.crt')));
        openssl = dir
          .run(['x509', '-in', 'a.pem', '-noout', '-fingerprint', '-sha256'])
          .stdout.trim()
          .split('=')[1]!;
      } finally {
        dir.cleanup();
      }
    }
    writeFileSync(
      join(work, 'both.crt'),
      readFileSync(join(work, 'east/ca.crt')) + readFileSync(join(work, 'west/ca.crt'), 'utf8'),
    );
    const r = await run(['bundle', 'remove', '--bundle', 'both.crt', '--fingerprint', openssl]);
    expect(r.status, r.stderr).toBe(0);
    expect(parseBundle(r.stdout).map((c) => certificateFingerprint(c))).toEqual([fp('west/ca.crt')]);
    const unknown = await run(['bundle', 'remove', '--bundle', 'west/ca.crt', '--fingerprint', openssl]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no certificate with fingerprint .* \[ERR_INVALID_ARGUMENT\]/);
    const all = await run([
      'bundle',
      'remove',
      '--bundle',
      'west/ca.crt',
      '--fingerprint',
      fp('west/ca.crt'),
    ]);
    expect(all.status).toBe(2);
    expect(all.stderr).toContain('[ERR_BUNDLE_EMPTY]');
  });

  it('prunes expired anchors', async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const soon = await createTrustAnchor({ lifetime: DAY });
    writeFileSync(
      join(work, 'mixed.crt'),
      soon.pem + readFileSync(join(work, 'east/ca.crt'), 'utf8') + soon.pem,
    );
    const kept = await run(['bundle', 'prune', '--bundle', 'mixed.crt', '--now', now]);
    expect(kept.status, kept.stderr).toBe(0);
    expect(parseBundle(kept.stdout)).toHaveLength(2);
    expect(kept.stderr).toContain('dropped 1 duplicate');
    const later = new Date(Date.now() + 3 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await run(['bundle', 'prune', '--bundle', 'mixed.crt', '--now', later]);
    expect(r.status, r.stderr).toBe(0);
    expect(parseBundle(r.stdout).map((c) => certificateFingerprint(c))).toEqual([fp('east/ca.crt')]);
    expect(r.stderr).toContain(`dropped CN=root.linkerd.cluster.local  expired`);
  });

  it('diffs two clusters’ bundles: exit 0 when they share an anchor, 1 when not', async () => {
    writeFileSync(
      join(work, 'east-both.crt'),
      readFileSync(join(work, 'east/ca.crt'), 'utf8') + readFileSync(join(work, 'west/ca.crt'), 'utf8'),
    );
    const shared = await run('bundle diff east-both.crt west/ca.crt');
    expect(shared.status, shared.stderr).toBe(0);
    expect(shared.stdout).toMatch(/^the bundles share a trust anchor, valid until /);
    expect(shared.stdout).toContain(
      `only in east-both.crt (1)\n  CN=root.linkerd.cluster.local  valid until`,
    );
    const apart = await run('bundle diff east/ca.crt west/ca.crt --json');
    expect(apart.status).toBe(1);
    const j = JSON.parse(apart.stdout);
    expect(j.shareTrust).toBe(false);
    expect(j.onlyA[0].sha256Fingerprint).toBe(fp('east/ca.crt'));
    expect(j.onlyB[0].sha256Fingerprint).toBe(fp('west/ca.crt'));
    expect((await run('bundle diff east/ca.crt')).status).toBe(2);
    expect((await run('bundle')).status).toBe(2);
  });

  it('inspect prints the fingerprint OpenSSL prints; verify names the anchor the path ended at', async () => {
    const r = await run('inspect east/ca.crt --json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).sha256Fingerprint).toBe(fp('east/ca.crt'));
    const text = await run('inspect east/ca.crt');
    expect(text.stdout).toContain(`fingerprint    SHA256 ${fp('east/ca.crt')}`);
    for (const line of [`csr --identity ${WEB_IDENTITY} --key-out k.p8 --csr-out c.der`]) {
      expect((await run(line)).status).toBe(0);
    }
    const issued = await run(
      `issue --issuer-cert west/issuer.crt --issuer-key west/issuer.key --csr c.der --identity ${WEB_IDENTITY} --out l.crt --chain-out chain.crt`,
    );
    expect(issued.status, issued.stderr).toBe(0);
    // Both anchors are named CN=root.linkerd.cluster.local: only the fingerprint says which one.
    const v = await run('verify --bundle east-both.crt --chain chain.crt');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain(`anchor       CN=root.linkerd.cluster.local  sha256 ${fp('west/ca.crt')}`);
    const vj = await run('verify --bundle east-both.crt --chain chain.crt --json');
    expect(JSON.parse(vj.stdout).anchor.sha256Fingerprint).toBe(fp('west/ca.crt'));
  });

  it('manifests trust-manager prints the Bundle, with extra anchors checked', async () => {
    const r = await run(
      'manifests trust-manager --previous-secret linkerd-previous-anchor --anchors west/ca.crt',
    );
    expect(r.status, r.stderr).toBe(0);
    const b = parseAllDocuments(r.stdout)[0]!.toJS();
    expect(b.kind).toBe('Bundle');
    expect(b.metadata.name).toBe('linkerd-identity-trust-roots');
    expect(b.spec.sources[0]).toEqual({ secret: { name: 'linkerd-trust-anchor', key: 'tls.crt' } });
    expect(b.spec.sources[1]).toEqual({ secret: { name: 'linkerd-previous-anchor', key: 'tls.crt' } });
    expect(certificateFingerprint(b.spec.sources[2].inLine)).toBe(fp('west/ca.crt'));
    expect(b.spec.target.configMap.key).toBe('ca-bundle.crt');
    const bad = await run('manifests trust-manager --anchors east/ca.key');
    expect(bad.status).toBe(2);
  });
});
