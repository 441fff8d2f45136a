// Renewal in place: same subject and key, new validity; chains under the old certificate keep
// verifying, with verifyChain and with OpenSSL; the `renew` command, with encrypted keys.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFingerprint, createTrustAnchor, renewCertificate } from '../src/anchor';
import { createCsr } from '../src/csr';
import { createIssuer } from '../src/issuer';
import { encryptPrivateKey, generateKeyPair } from '../src/keys';
import { issueLeaf } from '../src/leaf';
import { verifyChain } from '../src/verify';
import { parseCertificate } from '../src/x509';
import { type CliRun, cliScript, runCli } from './helpers/cli-run';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { codeOfAsync, NOW, WEB_IDENTITY } from './helpers/pki';

const DAY = 86_400_000;

async function hierarchy() {
  const anchor = await createTrustAnchor({ now: NOW, lifetime: 90 * DAY });
  const issuer = await createIssuer({ anchor, now: NOW, lifetime: 30 * DAY });
  const key = await generateKeyPair();
  const csr = await createCsr({ key, identity: WEB_IDENTITY });
  const leaf = await issueLeaf({ issuer, csr: csr.der, identity: WEB_IDENTITY, now: NOW });
  return { anchor, issuer, leaf };
}

describe('renewCertificate', () => {
  it('renews an anchor with the same subject, key and extensions; old chains verify under it after the old one expires', async () => {
    const { anchor, issuer, leaf } = await hierarchy();
    const later = new Date(NOW.getTime() + 80 * DAY);
    const renewed = await renewCertificate({
      certificate: anchor.certificate,
      key: anchor.key,
      now: later,
      lifetime: '87600h',
    });
    const c = renewed.certificate;
    expect(c.subject.der).toEqual(anchor.certificate.subject.der);
    expect(c.issuer.der).toEqual(anchor.certificate.subject.der);
    expect(c.publicKey.der).toEqual(anchor.certificate.publicKey.der);
    expect(c.subjectKeyId).toEqual(anchor.certificate.subjectKeyId);
    expect(c.extensions).toEqual(anchor.certificate.extensions);
    expect(c.serialHex).not.toBe(anchor.certificate.serialHex);
    expect(c.notBefore.getTime()).toBe(later.getTime() - 10_000);
    expect(c.notAfter.getTime()).toBe(later.getTime() + 87_600 * 3_600_000 + 10_000);
    // An issuer renewed under the renewed anchor, and the old leaf under the old issuer: all verify
    // against a bundle holding only the renewed anchor, past the old anchor's expiry.
    const issuer2 = await renewCertificate({
      certificate: issuer.certificate,
      signer: { certificate: renewed.pem, key: anchor.key },
      now: later,
    });
    expect(issuer2.certificate.publicKey.der).toEqual(issuer.certificate.publicKey.der);
    expect(issuer2.certificate.authorityKeyId).toEqual(issuer.certificate.authorityKeyId);
    expect(issuer2.notAfterCut).toBe(false);
    const at = new Date(NOW.getTime() + 95 * DAY); // old anchor expired, old issuer too
    const leafNow = await issueLeaf({
      issuer: { certificate: issuer2.pem, key: issuer.key },
      csr: (await createCsr({ key: await generateKeyPair(), identity: WEB_IDENTITY })).der,
      identity: WEB_IDENTITY,
      now: at,
    });
    const ok = await verifyChain({
      bundle: [renewed.certificate],
      leaf: leafNow.der,
      intermediates: [issuer2.certificate],
      at,
    });
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    // A leaf the old issuer signed verifies through an issuer and an anchor renewed during its life.
    const soon = new Date(NOW.getTime() + 12 * 3_600_000);
    const check = new Date(NOW.getTime() + 20 * 3_600_000);
    const anchorSoon = await renewCertificate({
      certificate: anchor.certificate,
      key: anchor.key,
      now: soon,
    });
    const issuerSoon = await renewCertificate({
      certificate: issuer.certificate,
      signer: { certificate: anchorSoon.pem, key: anchor.key },
      now: soon,
    });
    for (const intermediate of [issuerSoon.certificate, issuer.certificate]) {
      const r = await verifyChain({
        bundle: [anchorSoon.certificate],
        leaf: leaf.der,
        intermediates: [intermediate],
        at: check,
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
    if (hasOpenssl) {
      const dir = new OpensslDir();
      try {
        dir.write('ca.pem', anchorSoon.pem);
        dir.write('issuer-old.pem', issuer.pem);
        dir.write('issuer-new.pem', issuerSoon.pem);
        dir.write('leaf.pem', leaf.pem);
        const attime = String(Math.floor(check.getTime() / 1000));
        for (const untrusted of ['issuer-old.pem', 'issuer-new.pem']) {
          const r = dir.tryRun([
            'verify',
            '-attime',
            attime,
            '-CAfile',
            'ca.pem',
            '-untrusted',
            untrusted,
            'leaf.pem',
          ]);
          expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
        }
        // The renewed anchor and issuer themselves, as OpenSSL reads them.
        const text = dir.run(['x509', '-in', 'ca.pem', '-noout', '-text']).stdout;
        expect(text).toContain('CA:TRUE');
      } finally {
        dir.cleanup();
      }
    }
  });

  it('cuts a renewed issuer to the anchor, and refuses another anchor, a wrong key, a leaf', async () => {
    const { anchor, issuer, leaf } = await hierarchy();
    const cut = await renewCertificate({
      certificate: issuer.certificate,
      signer: anchor,
      lifetime: '8760h',
      now: NOW,
    });
    expect(cut.notAfterCut).toBe(true);
    expect(cut.certificate.notAfter).toEqual(anchor.certificate.notAfter);
    const other = await createTrustAnchor({ now: NOW });
    expect(
      await codeOfAsync(() => renewCertificate({ certificate: issuer.certificate, signer: other, now: NOW })),
    ).toBe('ERR_ISSUER_CHAIN');
    expect(
      await codeOfAsync(() =>
        renewCertificate({ certificate: anchor.certificate, key: other.key, now: NOW }),
      ),
    ).toBe('ERR_KEY_MISMATCH');
    expect(await codeOfAsync(() => renewCertificate({ certificate: anchor.certificate, now: NOW }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(await codeOfAsync(() => renewCertificate({ certificate: issuer.certificate, now: NOW }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(
      await codeOfAsync(() => renewCertificate({ certificate: leaf.der, signer: issuer, now: NOW })),
    ).toBe('ERR_ISSUER_NOT_CA');
  });
});

describe('the renew command', () => {
  let script = '';
  let made: string | undefined;
  let work = '';
  const run = (args: string | readonly string[]): Promise<CliRun> => runCli(script, work, args);

  beforeAll(async () => {
    ({ script, made } = await cliScript());
    work = mkdtempSync(join(tmpdir(), 'l5d-pki-renew-'));
    expect((await run('init --out pki')).status).toBe(0);
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (made) rmSync(made, { recursive: true, force: true });
  });

  it('renews the anchor (key encrypted, --password-file) and the issuer; the old chain verifies with the renewed anchor', async () => {
    const { importPrivateKey } = await import('../src/keys');
    const anchorKey = importPrivateKey(readFileSync(join(work, 'pki/ca.key'), 'utf8'));
    writeFileSync(join(work, 'pass.txt'), 's3cret-pass\n');
    writeFileSync(
      join(work, 'ca-enc.key'),
      (await encryptPrivateKey(anchorKey, { password: 's3cret-pass', iterations: 2000 })).pem,
    );
    const noPass = await run('renew --cert pki/ca.crt --key pki/../ca-enc.key --out ca2.crt');
    expect(noPass.status).toBe(2);
    expect(noPass.stderr).toContain('--password-file');
    writeFileSync(join(work, 'wrong.txt'), 'not-it\n');
    const wrong = await run(
      'renew --cert pki/ca.crt --key ca-enc.key --password-file wrong.txt --out ca2.crt',
    );
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/wrong password.*\[ERR_KEY_PASSWORD\]/);
    expect(wrong.stderr).not.toContain('not-it');
    const r = await run(
      'renew --cert pki/ca.crt --key ca-enc.key --password-file pass.txt --out ca2.crt --lifetime 100000h --json',
    );
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.kind).toBe('trust anchor');
    const old = parseCertificate(readFileSync(join(work, 'pki/ca.crt'), 'utf8'));
    const renewed = parseCertificate(readFileSync(join(work, 'ca2.crt'), 'utf8'));
    expect(renewed.publicKey.der).toEqual(old.publicKey.der);
    expect(j.sha256Fingerprint).toBe(certificateFingerprint(renewed));
    expect(j.previousSha256Fingerprint).toBe(certificateFingerprint(old));
    expect(renewed.notAfter.getTime()).toBeGreaterThan(old.notAfter.getTime());

    const issuerRenewed = await run(
      'renew --cert pki/issuer.crt --anchor-cert ca2.crt --anchor-key pki/ca.key --out issuer2.der --format der',
    );
    expect(issuerRenewed.status, issuerRenewed.stderr).toBe(0);
    const issuer2 = parseCertificate(new Uint8Array(readFileSync(join(work, 'issuer2.der'))));
    expect(issuer2.subject.der).toEqual(
      parseCertificate(readFileSync(join(work, 'pki/issuer.crt'), 'utf8')).subject.der,
    );

    expect(
      (
        await run(
          'csr --identity web.shop.serviceaccount.identity.linkerd.cluster.local --key-out k.p8 --csr-out c.der',
        )
      ).status,
    ).toBe(0);
    const issued = await run(
      'issue --issuer-cert pki/issuer.crt --issuer-key pki/issuer.key --csr c.der --identity web.shop.serviceaccount.identity.linkerd.cluster.local --chain-out chain.crt',
    );
    expect(issued.status, issued.stderr).toBe(0);
    const v = await run('verify --bundle ca2.crt --chain chain.crt');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain(certificateFingerprint(renewed));

    // Under another anchor: refused, exit 1.
    expect((await run('init --out other')).status).toBe(0);
    const foreign = await run(
      'renew --cert pki/issuer.crt --anchor-cert other/ca.crt --anchor-key other/ca.key --out x.crt',
    );
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toContain('[ERR_ISSUER_CHAIN]');
  });
});
