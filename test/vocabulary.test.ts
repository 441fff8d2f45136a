// One vocabulary across the API (docs/architecture.md "One vocabulary"): every function that takes
// certificate material takes parsed, DER and PEM alike; keys and issuers in every form; durations as
// milliseconds or Go duration text; results in whole milliseconds.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, createTrustAnchor, writeBundle } from '../src/anchor';
import { checkDataPlaneAnchors, checkIdentity } from '../src/check';
import { createCsr } from '../src/csr';
import { isPkiError, PkiError } from '../src/errors';
import { checkSigner, createIssuer, type Issuer, loadIssuer } from '../src/issuer';
import {
  helmValues,
  issuerRotationManifests,
  issuerSecret,
  readHelmValues,
  readIssuerSecret,
  readTrustAnchorSecret,
  readTrustRootsConfigMap,
  trustRootsConfigMap,
} from '../src/k8s';
import { generateKeyPair, importPrivateKey, type PrivateKey } from '../src/keys';
import { checkLinkerdCsr, issueLeaf, issueLeafForKey } from '../src/leaf';
import { planAnchorRotation, rotateIssuer } from '../src/rotate';
import {
  certManagerRenewalTime,
  formatDuration,
  planHierarchy,
  proxyRefreshDelay,
  validateCertManagerSpec,
} from '../src/schedule';
import { createTrustStore, verifyChain } from '../src/verify';
import { codeOf, codeOfAsync, IDENTITY, NOW, seededRandom } from './helpers/pki';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let anchor: CertificateAuthority;
let issuer: Issuer;
let workload: PrivateKey;

beforeAll(async () => {
  anchor = await createTrustAnchor({ now: NOW, random: seededRandom('vocab anchor') });
  issuer = await createIssuer({ anchor, now: NOW, random: seededRandom('vocab issuer') });
  workload = await generateKeyPair({ random: seededRandom('vocab workload') });
});

describe('durations: milliseconds or Go duration text, everywhere', () => {
  it('createTrustAnchor({ lifetime: "87600h" }) is the same anchor as 87,600 h in milliseconds', async () => {
    const random = () => seededRandom('same anchor');
    const fromText = await createTrustAnchor({ now: NOW, lifetime: '87600h', random: random() });
    const fromMs = await createTrustAnchor({ now: NOW, lifetime: 87_600 * HOUR, random: random() });
    expect(fromText.pem).toBe(fromMs.pem);
  });

  it('issuers and leaves take lifetimes and clock skews as text', async () => {
    const i = await createIssuer({ anchor, now: NOW, lifetime: '48h', clockSkew: '1m' });
    expect(i.certificate.notBefore.getTime()).toBe(NOW.getTime() - 60_000);
    expect(i.certificate.notAfter.getTime()).toBe(NOW.getTime() + 48 * HOUR + 60_000);
    const leaf = await issueLeafForKey({
      issuer,
      publicKey: workload.publicKey,
      identity: IDENTITY,
      now: NOW,
      lifetime: '1h30m',
      clockSkew: '0s',
    });
    expect(leaf.validUntil.getTime()).toBe(NOW.getTime() + 90 * 60_000);
  });

  it('text that is not a Go duration is ERR_DURATION_INVALID; a lifetime text that is no lifetime ERR_LIFETIME_INVALID', async () => {
    expect(await codeOfAsync(() => createTrustAnchor({ lifetime: '10y' }))).toBe('ERR_DURATION_INVALID');
    expect(await codeOfAsync(() => createTrustAnchor({ lifetime: '-1h' }))).toBe('ERR_LIFETIME_INVALID');
  });

  it('cert-manager and rotation durations take text too', () => {
    const notBefore = NOW;
    const notAfter = new Date(NOW.getTime() + 2 * DAY);
    expect(certManagerRenewalTime({ notBefore, notAfter, renewBefore: '25h' })).toEqual(
      certManagerRenewalTime({ notBefore, notAfter, renewBefore: 25 * HOUR }),
    );
    expect(validateCertManagerSpec({ duration: '48h', renewBefore: '25h' }).ok).toBe(true);
    expect(validateCertManagerSpec({ duration: '48h', renewBefore: '49h' }).ok).toBe(false);
    const plan = planAnchorRotation({
      currentBundle: anchor.pem,
      newAnchor: anchor.certificate,
      margin: '1h',
      leafLifetime: '12h',
      now: NOW,
    });
    expect(plan.steps[2].notBefore.getTime()).toBe(NOW.getTime() + 13 * HOUR);
  });
});

describe('proxyRefreshDelay: one options object, whole milliseconds', () => {
  it('rounds 70% of the remaining time down to a whole millisecond', () => {
    // 70% of 24h0m9.926s is 16h48m6.9482s: the delay is 16h48m6.948s.
    const notAfter = new Date(NOW.getTime() + 24 * HOUR + 9_926);
    const delay = proxyRefreshDelay({ notAfter, now: NOW });
    expect(delay).toBe(60_486_948);
    expect(formatDuration(delay)).toBe('16h48m6.948s');
  });

  it('planHierarchy reports a whole-millisecond refresh interval', () => {
    const plan = planHierarchy({
      anchors: [anchor.certificate],
      issuer: issuer.certificate,
      now: NOW,
      leafLifetime: 86_400_001,
    });
    expect(Number.isInteger(plan.leafRefreshEvery)).toBe(true);
  });
});

describe('certificate material: parsed, DER and PEM alike', () => {
  it('planHierarchy takes the library’s Certificate objects, DER, PEM and issuers, labelled by CN', () => {
    const fromObjects = planHierarchy({
      anchors: [anchor.certificate],
      issuer: issuer.certificate,
      now: NOW,
    });
    const fromText = planHierarchy({ anchors: [anchor.pem], issuer: issuer.der, now: NOW });
    const fromCa = planHierarchy({ anchors: [anchor], issuer, now: NOW });
    expect(fromText).toEqual(fromObjects);
    expect(fromCa).toEqual(fromObjects);
    const notes = fromObjects.events.map((e) => e.note).join('\n');
    expect(notes).not.toContain('[object Object]');
    expect(notes).toContain('rotate identity.linkerd.cluster.local');
    expect(fromObjects.events.some((e) => e.subject === 'root.linkerd.cluster.local')).toBe(true);
    // A label that is not text is misuse, not "[object Object]".
    expect(
      codeOf(() =>
        planHierarchy({
          anchors: [anchor.certificate],
          issuer: { subject: {} as never, notBefore: NOW, notAfter: issuer.certificate.notAfter },
          now: NOW,
        }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
  });

  it('planHierarchy reads a certificate’s own dates from its DER, not edited fields', () => {
    const edited = { ...issuer.certificate, notAfter: new Date(NOW.getTime() + 10 * 365 * DAY) };
    const plan = planHierarchy({ anchors: [anchor.certificate], issuer: edited, now: NOW });
    const expiry = plan.events.find((e) => e.kind === 'issuer-expiry');
    expect(expiry?.at).toEqual(issuer.certificate.notAfter);
  });

  it('planAnchorRotation takes the current bundle as a list or a TrustStore, and the new anchor as DER', async () => {
    const next = await createTrustAnchor({
      now: NOW,
      commonName: 'root-2',
      random: seededRandom('vocab next'),
    });
    const fromList = planAnchorRotation({
      currentBundle: [anchor.der],
      newAnchor: next.der,
      margin: 0,
      now: NOW,
    });
    const fromStore = planAnchorRotation({
      currentBundle: createTrustStore([anchor.certificate]),
      newAnchor: next,
      margin: 0,
      now: NOW,
    });
    expect(fromList.steps[0].bundle).toBe(writeBundle([anchor.certificate, next.certificate]));
    expect(fromStore.steps[0].bundle).toBe(fromList.steps[0].bundle);
    expect(fromStore.steps[2].bundle).toBe(next.pem);
  });

  it("Node's X509Certificate is a CertificateInput, read as its raw DER", async () => {
    const leaf = await issueLeafForKey({
      issuer,
      publicKey: workload.publicKey,
      identity: IDENTITY,
      now: NOW,
    });
    const result = await verifyChain({
      leaf: new X509Certificate(leaf.pem),
      intermediates: [new X509Certificate(issuer.pem)],
      bundle: [new X509Certificate(anchor.pem)],
      at: NOW,
    });
    expect(result.ok).toBe(true);
    expect(writeBundle([new X509Certificate(anchor.pem)])).toBe(anchor.pem);
  });

  it('writeBundle and TrustStore.has take PEM text and DER too', () => {
    const text = writeBundle([anchor.pem, anchor.der, issuer.certificate]);
    expect(text).toBe(anchor.pem + issuer.pem);
    const store = createTrustStore([anchor.pem]);
    expect(store.has(anchor.pem)).toBe(true);
    expect(store.has(issuer.pem)).toBe(false);
  });

  it('checkSigner takes one options object with the issuer in any form', () => {
    expect(() => checkSigner({ issuer, now: NOW })).not.toThrow();
    expect(() =>
      checkSigner({ issuer: { certificate: anchor.pem, key: anchor.key.exportPkcs8Pem() }, now: NOW }),
    ).not.toThrow();
    const late = new Date(issuer.certificate.notAfter.getTime() + 1000);
    expect(codeOf(() => checkSigner({ issuer, now: late }))).toBe('ERR_ISSUER_EXPIRED');
    expect(codeOf(() => checkSigner({ issuer: { certificate: issuer.pem, key: workload } }))).toBe(
      'ERR_KEY_MISMATCH',
    );
  });

  it('rotateIssuer takes the current issuer as PEM', async () => {
    const next = await rotateIssuer({ anchor, current: issuer.pem, now: NOW });
    expect(next.certificate.subject.commonName).toBe(issuer.certificate.subject.commonName);
  });

  it('checkIdentity takes an Issuer and a TrustStore; checkDataPlaneAnchors lists of certificates', async () => {
    const results = await checkIdentity({ bundle: createTrustStore([anchor.der]), issuer, now: NOW });
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('ok'));
    const withDer = await checkIdentity({
      bundle: [anchor.certificate],
      issuer: { certificate: issuer.der, key: issuer.key.exportSec1() },
      now: NOW,
    });
    expect(withDer.map((r) => r.status)).toEqual(Array(8).fill('ok'));
    const stranger = await generateKeyPair({ random: seededRandom('vocab stranger') });
    const wrongKey = await checkIdentity({
      bundle: anchor.pem,
      issuer: { certificate: issuer.certificate, key: stranger },
      now: NOW,
    });
    expect(wrongKey[0]?.message).toBe('tls: Public and private key do not match');
    expect(checkDataPlaneAnchors({ proxyBundle: [anchor.certificate], bundle: anchor.pem }).status).toBe(
      'ok',
    );
  });
});

describe('keys and issuers in every form', () => {
  it('importPrivateKey takes a PrivateKey, PKCS#8 and SEC1, DER and PEM', () => {
    expect(importPrivateKey(workload)).toBe(workload);
    for (const form of [
      workload.exportPkcs8(),
      workload.exportSec1(),
      workload.exportPkcs8Pem(),
      workload.exportSec1Pem(),
    ]) {
      expect(importPrivateKey(form).publicKey.equals(workload.publicKey)).toBe(true);
    }
  });

  it('loadIssuer returns an Issuer as it is, and reads every other form', () => {
    expect(loadIssuer(issuer)).toBe(issuer);
    const forms = [
      { certificate: issuer.pem, key: issuer.key.exportSec1Pem() },
      { certificate: issuer.der, key: issuer.key.exportPkcs8() },
      { certificate: issuer.certificate, key: issuer.key },
      { certificate: issuer.pem + anchor.pem, key: issuer.key.exportPkcs8Pem() },
      { certificate: issuer.pem, key: issuer.key, chain: [anchor.der] },
    ];
    for (const form of forms) {
      const loaded = loadIssuer(form);
      expect(loaded.certificate.der).toEqual(issuer.certificate.der);
      expect(loaded.key.publicKey.equals(issuer.key.publicKey)).toBe(true);
    }
    expect(loadIssuer(forms[3]!).chain.map((c) => c.subject.commonName)).toEqual([
      'root.linkerd.cluster.local',
    ]);
    expect(loadIssuer(forms[4]!).chain).toHaveLength(1);
    expect(codeOf(() => loadIssuer({ certificate: issuer.pem, key: workload }))).toBe('ERR_KEY_MISMATCH');
    // The names of earlier releases are refused with a message naming the new ones.
    const old = { certificatePem: issuer.pem, key: issuer.key } as never;
    expect(codeOf(() => loadIssuer(old))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('createIssuer and issueLeaf take their signer as PEM texts, and sign the same certificate', async () => {
    const fromText = await createIssuer({
      anchor: { certificate: anchor.pem, key: anchor.key.exportPkcs8Pem() },
      key: issuer.key.exportSec1(),
      now: NOW,
      random: seededRandom('vocab same issuer'),
    });
    const fromObjects = await createIssuer({
      anchor,
      key: issuer.key,
      now: NOW,
      random: seededRandom('vocab same issuer'),
    });
    expect(fromText.pem).toBe(fromObjects.pem);
    const csr = await createCsr({ key: workload, identity: IDENTITY });
    const leaf = await issueLeaf({
      issuer: { certificate: issuer.pem, key: issuer.key.exportPkcs8Pem() },
      csr: csr.der,
      identity: IDENTITY,
      now: NOW,
    });
    expect(
      (await verifyChain({ leaf: leaf.der, intermediates: leaf.chain, bundle: anchor.pem, at: NOW })).ok,
    ).toBe(true);
  });

  it('checkLinkerdCsr takes one options object', async () => {
    const csr = await createCsr({ key: workload, identity: IDENTITY });
    expect((await checkLinkerdCsr({ csr: csr.pem, identity: IDENTITY })).subject.commonName).toBe(IDENTITY);
    expect(await codeOfAsync(() => checkLinkerdCsr(csr.pem as never))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('Kubernetes material: the same nouns, read back as inputs', () => {
  it('the issuer Secret takes an Issuer and a bundle, and reads back as an IssuerInput', () => {
    const secret = issuerSecret({ issuer, bundle: [anchor.certificate] });
    const read = readIssuerSecret(secret);
    expect('bundle' in read && read.bundle).toBe(anchor.pem);
    // The self-signed anchor of the chain is not written after the issuer: peers hold it.
    expect(read.issuer.certificate).toBe(issuer.pem);
    expect(loadIssuer(read.issuer).certificate.der).toEqual(issuer.certificate.der);
    expect(readIssuerSecret(issuerSecret(read))).toEqual(read);
  });

  it('the trust-roots ConfigMap, Helm values and cert-manager manifests take the same forms', () => {
    const store = createTrustStore([anchor.der]);
    expect(readTrustRootsConfigMap(trustRootsConfigMap({ bundle: store })).bundle).toBe(anchor.pem);
    const values = readHelmValues(helmValues({ bundle: anchor.pem, issuer }));
    expect(values.bundle).toBe(anchor.pem);
    expect(loadIssuer(values.issuer).key.publicKey.equals(issuer.key.publicKey)).toBe(true);
    const [secret] = issuerRotationManifests({ anchor, duration: '48h', renewBefore: 25 * HOUR });
    const { anchor: written } = readTrustAnchorSecret(secret);
    expect(written.certificate).toBe(anchor.pem);
    expect(importPrivateKey(written.key).publicKey.equals(anchor.key.publicKey)).toBe(true);
  });
});

describe('errors and stores across copies of the library (brands)', () => {
  it('isPkiError recognises a branded error with a known code, and nothing else', () => {
    const other = Object.assign(new Error('from another copy'), { code: 'ERR_DER' });
    expect(isPkiError(other)).toBe(false);
    Object.defineProperty(other, Symbol.for('l5d-pki.PkiError'), { value: true });
    expect(isPkiError(other, 'ERR_DER')).toBe(true);
    expect(isPkiError(other, 'ERR_PEM_INVALID')).toBe(false);
    const unknownCode = Object.assign(new Error('x'), { code: 'ERR_SOMETHING' });
    Object.defineProperty(unknownCode, Symbol.for('l5d-pki.PkiError'), { value: true });
    expect(isPkiError(unknownCode)).toBe(false);
    const plainObject = { code: 'ERR_DER', [Symbol.for('l5d-pki.PkiError')]: true };
    expect(isPkiError(plainObject)).toBe(false);
    expect(
      (new PkiError('ERR_DER', 'x') as unknown as Record<symbol, unknown>)[Symbol.for('l5d-pki.PkiError')],
    ).toBe(true);
  });

  it('a branded store of another copy is rebuilt from its anchors, which are copied', async () => {
    const anchorCert = { ...anchor.certificate, der: anchor.certificate.der.slice() };
    const foreign = { [Symbol.for('l5d-pki.TrustStore')]: true, anchors: [anchorCert] };
    const store = createTrustStore(foreign as never);
    expect(store).not.toBe(foreign);
    expect(store.size).toBe(1);
    const key = await generateKeyPair();
    const leaf = await issueLeafForKey({ issuer, publicKey: key.publicKey, identity: IDENTITY, now: NOW });
    const result = await verifyChain({
      leaf: leaf.der,
      intermediates: leaf.chain,
      bundle: foreign as never,
      at: NOW,
    });
    expect(result.ok).toBe(true);
    anchorCert.der.fill(0); // later changes to what the other copy handed out do not reach the store
    expect(store.has(anchor.der)).toBe(true);
    const kept = await verifyChain({ leaf: leaf.der, intermediates: leaf.chain, bundle: store, at: NOW });
    expect(kept.ok).toBe(true);
    // An unbranded object is not a store.
    expect(codeOf(() => createTrustStore({ anchors: [anchor.certificate] } as never))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});
