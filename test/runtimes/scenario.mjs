// The one scenario every runtime runs against the built package (Node ESM and CJS, Deno, Bun, Chromium).
// Plain JavaScript with no runtime-specific import: `lib` is the package as the runtime resolved it.
// It never throws: every step is a check in the report, which is JSON-able.

/** The workload identity the scenario issues for. */
export const IDENTITY = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
/** Its SPIFFE ID (the leaf's URI SAN). */
export const SPIFFE_ID = 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web';
/** The fixed issuance time of the deterministic part. */
export const FIXED_NOW = new Date('2026-01-01T00:00:00Z');

/** Which runtime this is, as `name version`. */
export function runtimeName() {
  const g = globalThis;
  if (g.Deno?.version) return `deno ${g.Deno.version.deno}`;
  if (g.Bun?.version) return `bun ${g.Bun.version}`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  const ua = g.navigator?.userAgent;
  const chrome = ua?.match(/Chrom(?:e|ium)\/([\d.]+)/);
  if (chrome) return `chromium ${chrome[1]}`;
  if (ua) return `browser ${ua}`;
  return 'unknown';
}

/** A seeded byte source (SplitMix32), so keys, serials and signatures come out the same everywhere. */
function seededRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const word = next();
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  };
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const sans = (cert) => (cert.subjectAltNames ?? []).map((n) => `${n.type}:${String(n.value)}`);

/**
 * Verifies the leaf in `chainPem` (the issuer after it) against `bundlePem` for `name`: through the
 * package's `verifyChain` when it exports one, else by checking each signature on the path with the
 * backend. Returns `{ via, ok, code?, detail, result? }`.
 */
async function verifyAgainst(lib, { chainPem, bundlePem, identity }, name = identity) {
  const [leaf, ...intermediates] = lib.parseBundle(chainPem);
  if (typeof lib.verifyChain === 'function') {
    const result = await lib.verifyChain({ leaf, intermediates, bundle: bundlePem, name, usage: 'server' });
    return result.ok
      ? { via: 'verifyChain', ok: true, detail: `path of ${result.path.length}`, result }
      : { via: 'verifyChain', ok: false, code: result.code, detail: `${result.code}: ${result.reason}` };
  }
  const anchors = lib.parseBundle(bundlePem);
  const backend = lib.cryptoBackend();
  const path = [leaf, ...intermediates];
  for (let i = 0; i < path.length; i++) {
    const cert = path[i];
    const signer =
      intermediates[i] ?? anchors.find((a) => lib.formatName(a.subject) === lib.formatName(cert.issuer));
    if (!signer)
      return { via: 'signatures', ok: false, code: 'UNKNOWN_ISSUER', detail: `no issuer for ${i}` };
    if (!(await backend.verify(cert.signatureAlgorithm, signer.publicKey, cert.signature, cert.tbs))) {
      return {
        via: 'signatures',
        ok: false,
        code: 'BAD_SIGNATURE',
        detail: `bad signature on certificate ${i}`,
      };
    }
  }
  const named = (leaf.subjectAltNames ?? []).some((n) => n.value === name);
  return named
    ? { via: 'signatures', ok: true, detail: `path of ${path.length + 1}` }
    : { via: 'signatures', ok: false, code: 'NAME_MISMATCH', detail: `${name} not in SANs` };
}

/**
 * Runs the scenario. `options.foreign` is `{ chainPem, bundlePem, identity }` issued by another runtime,
 * to verify here as well.
 */
export async function scenario(lib, options = {}) {
  const started = Date.now();
  const checks = [];
  const report = { runtime: runtimeName(), backend: undefined, ok: false, checks };
  const step = async (name, fn) => {
    try {
      const detail = await fn();
      const ok = detail !== false;
      checks.push(ok && detail !== true && detail !== undefined ? { name, ok, detail } : { name, ok });
    } catch (e) {
      checks.push({
        name,
        ok: false,
        detail: `${e?.code ?? e?.name ?? 'Error'}: ${e?.message ?? String(e)}`,
      });
    }
  };

  let anchor;
  let issuer;
  let key;
  let csr;
  let leaf;
  let parsed;
  await step('backend', () => {
    report.backend = lib.cryptoBackend().name;
    return report.backend;
  });
  await step('trust anchor', async () => {
    anchor = await lib.createTrustAnchor();
    return anchor.certificate.basicConstraints?.ca === true && anchor.certificate.selfIssued;
  });
  await step('issuer', async () => {
    issuer = await lib.createIssuer({ anchor });
    return issuer.certificate.subject.commonName === 'identity.linkerd.cluster.local';
  });
  await step('proxy key and CSR', async () => {
    key = await lib.generateKeyPair();
    csr = await lib.createCsr({ key, identity: IDENTITY });
    const request = lib.parseCsr(csr.der);
    return (await lib.verifyCsr(request)) && request.subject.commonName === IDENTITY;
  });
  await step('key round trip', () => {
    const again = lib.importPrivateKey(key.exportPkcs8Pem());
    return (
      again.publicKey.equals(key.publicKey) &&
      lib.importPublicKey(key.publicKey.toPem()).equals(key.publicKey)
    );
  });
  await step('leaf from CSR', async () => {
    leaf = await lib.issueLeaf({ issuer, csr: csr.der, identity: IDENTITY });
    return key.publicKey.equals(leaf.certificate.publicKey);
  });
  await step('parse leaf', () => {
    parsed = lib.parseCertificate(leaf.pem);
    report.leaf = {
      subject: lib.formatName(parsed.subject),
      issuer: lib.formatName(parsed.issuer),
      sans: sans(parsed),
      notAfter: parsed.notAfter.toISOString(),
    };
    return parsed.serialHex === leaf.certificate.serialHex;
  });
  await step('SANs', () => {
    const got = sans(parsed);
    const want = [`dns:${IDENTITY}`, `uri:${SPIFFE_ID}`];
    return got.length === want.length && want.every((s) => got.includes(s)) ? got.join(', ') : false;
  });
  const bundlePem = anchor ? lib.writeBundle([anchor.certificate]) : '';
  report.issued = { identity: IDENTITY, chainPem: leaf?.chainPem ?? '', bundlePem };
  await step('verify leaf against bundle', async () => {
    const v = await verifyAgainst(lib, report.issued);
    report.verifiedWith = v.via;
    if (!v.ok) return false;
    const identity = v.result?.identity;
    if (identity && !(identity.dns?.includes(IDENTITY) && identity.spiffeId === SPIFFE_ID)) return false;
    return `${v.via}: ${v.detail}`;
  });
  await step('verify by SPIFFE ID', async () => {
    const v = await verifyAgainst(lib, report.issued, SPIFFE_ID);
    return v.ok ? v.detail : false;
  });
  await step('refuse another identity', async () => {
    const v = await verifyAgainst(
      lib,
      report.issued,
      'db.shop.serviceaccount.identity.linkerd.cluster.local',
    );
    return v.code === 'NAME_MISMATCH' ? v.code : false;
  });
  await step('refuse a foreign anchor', async () => {
    const other = await lib.createTrustAnchor();
    const v = await verifyAgainst(lib, { ...report.issued, bundlePem: lib.writeBundle([other.certificate]) });
    // Same subject name, other key: refused as an unknown issuer or a bad signature.
    return v.code === 'UNKNOWN_ISSUER' || v.code === 'BAD_SIGNATURE' ? v.code : false;
  });
  if (typeof lib.writeSpiffeBundle === 'function') {
    await step(
      'SPIFFE bundle: write, read back, verify the SVID against its own trust domain only',
      async () => {
        const td = 'identity.linkerd.cluster.local';
        const document = lib.writeSpiffeBundle({ bundle: bundlePem, sequence: 1 });
        const parsed = lib.parseSpiffeBundle({ trustDomain: td, document });
        const bundles = lib.createSpiffeBundleSet({ [td]: document, 'example.org': bundlePem });
        const [leaf, ...intermediates] = lib.parseBundle(report.issued.chainPem);
        const own = await lib.verifySvid({ leaf, intermediates, bundles, expectedId: SPIFFE_ID });
        const other = await lib.verifySvid({
          leaf,
          intermediates,
          bundle: bundlePem,
          trustDomain: 'example.org',
        });
        const ok = parsed.sequence === 1 && own.ok && !other.ok && other.code === 'TRUST_DOMAIN_UNKNOWN';
        return ok ? `sequence ${parsed.sequence}; other domain: ${other.code}` : false;
      },
    );
  }
  if (options.foreign) {
    await step(`verify a leaf issued by ${options.foreign.by ?? 'another runtime'}`, async () => {
      const v = await verifyAgainst(lib, options.foreign);
      return v.ok ? `${v.via}: ${v.detail}` : false;
    });
  }
  await step('deterministic issuance', async () => {
    const random = seededRandom(0x15d);
    const now = FIXED_NOW;
    const a = await lib.createTrustAnchor({ now, random });
    const i = await lib.createIssuer({ anchor: a, now, random });
    const k = await lib.generateKeyPair({ random });
    const l = await lib.issueLeafForKey({
      issuer: i,
      publicKey: k.publicKey,
      identity: IDENTITY,
      now,
      random,
    });
    const digest = async (der) => hex(await lib.cryptoBackend().digest('SHA-256', der)).slice(0, 16);
    report.deterministic = {
      anchor: await digest(a.der),
      issuer: await digest(i.der),
      leaf: await digest(l.der),
    };
    return true;
  });

  report.ok = checks.every((c) => c.ok);
  report.ms = Date.now() - started;
  return report;
}
