// The benchmark cases. Each case: { name, what, setup(ctx) -> fn | { skip } }, and what its ratios compare to
// (`floor`, `peer`, and `reference`: another case the note column compares it with).

import { createPrivateKey, createPublicKey, KeyObject, sign, verify, webcrypto } from 'node:crypto';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { csrPool, IDENTITY } from './fixtures.mjs';

/** More distinct CSR keys than any key-handle cache in the library holds. */
const FRESH_CSRS = 4096;
/** Distinct leaves the verify cases cycle through. */
export const LEAF_POOL = 128;
/** Issuances per call of the concurrent cases (the harness counts each). */
const CONCURRENT_BATCH = 256;
/** Calls in flight in issue-concurrent and its floor. */
const CONCURRENT_WIDTH = 64;

/** The fresh CSRs, made once per run and shared by the cases that use them. */
let freshPool;
async function freshCsrs(L) {
  freshPool ??= await csrPool(L, IDENTITY, FRESH_CSRS);
  return freshPool;
}

/**
 * `count` issuances with `width` calls in flight: each finished call starts the next, as a server
 * answering many proxies does.
 */
async function inFlight(issue, count, width) {
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      await issue();
    }
  };
  const lanes = [];
  for (let i = 0; i < width; i++) lanes.push(lane());
  await Promise.all(lanes);
}

/**
 * A fresh-CSR issuance case with `width` calls in flight; at {@link CONCURRENT_WIDTH}, also compared with
 * node:crypto alone doing the same crypto the same way (floor-issue-concurrent).
 */
function concurrentCase(name, width) {
  return {
    name,
    ...(width === CONCURRENT_WIDTH ? { reference: 'floor-issue-concurrent' } : {}),
    what: `issueLeaf from fresh CSRs, ${width} call${width === 1 ? '' : 's'} in flight, by the wall clock (${CONCURRENT_BATCH} issuances per timed batch)`,
    floor: 'issue-fresh',
    batch: CONCURRENT_BATCH,
    setup: async ({ L, pki }) => {
      const next = cycle(await freshCsrs(L));
      const { issuer } = pki;
      return () =>
        inFlight(() => L.issueLeaf({ issuer, csr: next(), identity: IDENTITY }), CONCURRENT_BATCH, width);
    },
  };
}

/** Jobs per message to a worker of floor-issue-workers (measured: 8–16 do best at 64 in flight). */
const WORKER_BATCH = 16;

/**
 * One worker per core (bench/floor-worker.mjs), fed by `submit(job)`: the jobs submitted in one turn of
 * the event loop go out together, split into batches of {@link WORKER_BATCH} for the least-loaded workers.
 * The workers hold the process open only while jobs are out.
 */
function workerPool(workerData) {
  const workers = cpus().map(
    () => new Worker(new URL('./floor-worker.mjs', import.meta.url), { workerData }),
  );
  const load = workers.map(() => 0);
  const waiting = new Map();
  let nextId = 0;
  let queued = [];
  let out = 0;
  const flush = () => {
    const jobs = queued;
    queued = [];
    for (let i = 0; i < jobs.length; i += WORKER_BATCH) {
      const batch = jobs.slice(i, i + WORKER_BATCH);
      const w = load.indexOf(Math.min(...load));
      const id = nextId++;
      waiting.set(id, { w, resolves: batch.map((b) => b.resolve) });
      load[w] += batch.length;
      if (out++ === 0) for (const x of workers) x.ref();
      workers[w].postMessage({ id, jobs: batch.map((b) => b.job) });
    }
  };
  for (const worker of workers) {
    worker.unref();
    // A job left unanswered would hang the bench: a worker's failure ends it instead.
    worker.on('error', (e) => {
      console.error('floor-issue-workers:', e);
      process.exit(1);
    });
    worker.on('message', ({ id, ok }) => {
      const { w, resolves } = waiting.get(id);
      waiting.delete(id);
      load[w] -= resolves.length;
      if (--out === 0) for (const x of workers) x.unref();
      for (let i = 0; i < resolves.length; i++) resolves[i](ok[i]);
    });
  }
  return {
    submit: (job) =>
      new Promise((resolve) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push({ job, resolve });
      }),
  };
}

/** What node:crypto needs to check a fresh CSR's signature: its key's point, the signed bytes, the signature. */
async function freshKeys(L) {
  return (await freshCsrs(L)).map((der) => {
    const csr = L.parseCsr(der);
    const point = csr.publicKey.key;
    const b64 = (from, to) => Buffer.from(point.subarray(from, to)).toString('base64url');
    return {
      spki: Buffer.from(csr.publicKey.der),
      jwk: { kty: 'EC', crv: 'P-256', x: b64(1, 33), y: b64(33, 65) },
      point: Buffer.from(point),
      info: Buffer.from(csr.info),
      signature: Buffer.from(csr.signature),
    };
  });
}

const RAW_P256 = { name: 'ECDSA', namedCurve: 'P-256' };

/** The ways node:crypto turns a public point it has not seen into a KeyObject. */
const IMPORTS = {
  spki: (k) => createPublicKey({ key: k.spki, format: 'der', type: 'spki' }),
  jwk: (k) => createPublicKey({ key: k.jwk, format: 'jwk' }),
  raw: async (k) =>
    KeyObject.from(await webcrypto.subtle.importKey('raw', k.point, RAW_P256, false, ['verify'])),
};

/** A floor case: import a fresh key by `route`, check the CSR's signature with it. */
function importCase(route) {
  return {
    name: `floor-import-${route}`,
    what: `node:crypto alone: a fresh P-256 public key imported from ${route === 'raw' ? "WebCrypto 'raw' + KeyObject.from" : route.toUpperCase()}, one signature verified with it`,
    setup: async ({ L }) => {
      const next = cycle(await freshKeys(L));
      const load = IMPORTS[route];
      return async () => {
        const k = next();
        const key = await load(k);
        if (!verify('sha256', k.info, key, k.signature)) throw new Error(`floor-import-${route} failed`);
      };
    },
  };
}

/** The issuer's key as a prepared node:crypto KeyObject, and a leaf's TBS for it to sign. */
function issuerSigning(L, pki) {
  return {
    signing: createPrivateKey({
      key: Buffer.from(pki.issuer.key.exportPkcs8()),
      format: 'der',
      type: 'pkcs8',
    }),
    tbs: L.parseCertificate(pki.leaves[0].der).tbs,
  };
}

/** Whether the library build has path validation yet. */
export function hasVerify(L) {
  return typeof L.verifyChain === 'function' && typeof L.Verifier === 'function';
}

const VERIFY_MISSING = 'verify not built';

/** Cycles through `items`. */
function cycle(items) {
  let i = 0;
  return () => items[i++ % items.length];
}

/** A short case description and its comparison groups: `floor` is 'issue' or 'verify'; `peer` names a case. */
export const CASES = [
  {
    name: 'issue-from-csr',
    what: 'issueLeaf from CSR DER (parse, Linkerd checks, proof of possession, mint, sign, PEM); the same CSR each call, as a proxy renewing',
    floor: 'issue',
    peer: 'peer-x509-issue',
    setup: ({ L, pki }) => {
      const { issuer, csr } = pki;
      return () => L.issueLeaf({ issuer, csr, identity: IDENTITY });
    },
  },
  {
    name: 'issue-from-fresh-csr',
    what: `issueLeaf as above, a new key in every CSR (cycling ${FRESH_CSRS} CSRs, more than any key cache holds)`,
    floor: 'issue-fresh',
    peer: 'peer-x509-issue',
    setup: async ({ L, pki }) => {
      const next = cycle(await freshCsrs(L));
      const { issuer } = pki;
      return () => L.issueLeaf({ issuer, csr: next(), identity: IDENTITY });
    },
  },
  concurrentCase('issue-concurrent', CONCURRENT_WIDTH),
  concurrentCase('issue-inflight-1', 1),
  concurrentCase('issue-inflight-4', 4),
  concurrentCase('issue-inflight-16', 16),
  {
    name: 'verify-chain',
    what: `Verifier (warm): leaf DER + issuer DER against a two-anchor bundle, name = identity; ${LEAF_POOL} distinct leaves; every call verifies (no memory of questions: maxRepeatEntries 0)`,
    floor: 'verify',
    peer: 'peer-x509-verify',
    setup: ({ L, pki }) => {
      if (!hasVerify(L)) return { skip: VERIFY_MISSING };
      return warmVerify(L, pki, { maxRepeatEntries: 0 });
    },
  },
  {
    name: 'verify-repeat',
    what: `Verifier asked again: the same ${LEAF_POOL} leaves, issuer, name and usage as verify-chain, each verified before (answered from its memory of verified questions)`,
    floor: 'verify',
    setup: ({ L, pki }) => {
      if (!hasVerify(L)) return { skip: VERIFY_MISSING };
      return warmVerify(L, pki, {});
    },
  },
  {
    name: 'verify-chain-cold',
    what: 'verifyChain, nothing reused between calls: bundle and issuer parsed from PEM, two signature checks',
    floor: 'verify',
    peer: 'peer-x509-verify',
    setup: ({ L, pki }) => {
      if (!hasVerify(L)) return { skip: VERIFY_MISSING };
      return coldVerify(L, pki);
    },
  },
  {
    name: 'keygen-csr',
    what: 'generateKeyPair + createCsr (the proxy at start-up)',
    setup:
      ({ L }) =>
      async () =>
        L.createCsr({ key: await L.generateKeyPair(), identity: IDENTITY }),
  },
  {
    name: 'parse-cert',
    what: `parseCertificate(DER) of a leaf (${LEAF_POOL} distinct)`,
    setup: ({ L, pki }) => {
      const next = cycle(pki.leaves.map((l) => l.der));
      return () => L.parseCertificate(next());
    },
  },
  {
    name: 'floor-sign',
    what: 'one ECDSA P-256 / SHA-256 sign of a leaf TBS, node:crypto, prepared KeyObject',
    setup: ({ L, pki }) => {
      const { signing, tbs } = issuerSigning(L, pki);
      return () => sign('sha256', tbs, { key: signing, dsaEncoding: 'der' });
    },
  },
  {
    name: 'floor-issue-fresh',
    what: "node:crypto alone, per issuance from a fresh CSR: import its key the fastest way (WebCrypto 'raw' + KeyObject.from), verify its signature, sign a leaf TBS with a prepared key",
    setup: async ({ L, pki }) => {
      const next = cycle(await freshKeys(L));
      const { signing, tbs } = issuerSigning(L, pki);
      return async () => {
        const k = next();
        const key = await IMPORTS.raw(k);
        if (!verify('sha256', k.info, key, k.signature)) throw new Error('floor-issue-fresh failed');
        sign('sha256', tbs, signing);
      };
    },
  },
  {
    name: 'floor-issue-concurrent',
    what: `node:crypto alone, as floor-issue-fresh but ${CONCURRENT_WIDTH} in flight by the wall clock: each key imported on this thread, its check and the leaf signature run by node:crypto's asynchronous verify and sign on libuv's thread pool (${CONCURRENT_BATCH} per timed batch); no parsing, no certificate`,
    batch: CONCURRENT_BATCH,
    setup: async ({ L, pki }) => {
      const next = cycle(await freshKeys(L));
      const { signing, tbs } = issuerSigning(L, pki);
      const issue = async () => {
        const k = next();
        const key = await IMPORTS.raw(k);
        const ok = await new Promise((resolve, reject) =>
          verify('sha256', k.info, key, k.signature, (err, r) => (err ? reject(err) : resolve(r))),
        );
        if (!ok) throw new Error('floor-issue-concurrent failed');
        await new Promise((resolve, reject) =>
          sign('sha256', tbs, signing, (err, r) => (err ? reject(err) : resolve(r))),
        );
      };
      return () => inFlight(issue, CONCURRENT_BATCH, CONCURRENT_WIDTH);
    },
  },
  {
    name: 'floor-issue-workers',
    what: `node:crypto alone, floor-issue-fresh's work in one worker thread per core, ${CONCURRENT_WIDTH} in flight by the wall clock, handed over in batches of up to ${WORKER_BATCH} (${CONCURRENT_BATCH} per timed batch); no parsing, no certificate`,
    batch: CONCURRENT_BATCH,
    setup: async ({ L, pki }) => {
      const next = cycle(await freshKeys(L));
      const pool = workerPool({
        pkcs8: pki.issuer.key.exportPkcs8(),
        tbs: L.parseCertificate(pki.leaves[0].der).tbs,
      });
      const issue = async () => {
        const k = next();
        if (!(await pool.submit({ point: k.point, info: k.info, signature: k.signature })))
          throw new Error('floor-issue-workers failed');
      };
      return () => inFlight(issue, CONCURRENT_BATCH, CONCURRENT_WIDTH);
    },
  },
  importCase('spki'),
  importCase('jwk'),
  importCase('raw'),
  {
    name: 'floor-verify',
    what: 'one ECDSA P-256 / SHA-256 verify of a leaf signature, node:crypto, prepared KeyObject',
    setup: ({ L, pki }) => {
      const key = createPublicKey({
        key: Buffer.from(pki.issuer.certificate.publicKey.der),
        format: 'der',
        type: 'spki',
      });
      const leaves = pki.leaves.map((l) => L.parseCertificate(l.der));
      const next = cycle(leaves);
      return () => {
        const c = next();
        if (!verify('sha256', c.tbs, { key, dsaEncoding: 'der' }, c.signature))
          throw new Error('floor-verify failed');
      };
    },
  },
  {
    name: 'peer-x509-issue',
    what: '@peculiar/x509: parse + verify the CSR, check its SAN, X509CertificateGenerator.create with the same extensions, PEM',
    setup: peerX509Issue,
  },
  {
    name: 'peer-x509-verify',
    what: '@peculiar/x509: parse the leaf, X509ChainBuilder over issuer + bundle, dates, anchor and SAN checks',
    setup: peerX509Verify,
  },
  {
    name: 'peer-pkijs-verify',
    what: 'pkijs: parse the leaf, CertificateChainValidationEngine (issuer + two anchors), SAN check',
    setup: peerPkijsVerify,
  },
];

// --- verify (wired to the library's Verifier / verifyChain) ----------------------------------------

function warmVerify(L, pki, options) {
  const next = cycle(pki.leaves);
  const verifier = new L.Verifier({ bundle: pki.bundlePem, ...options });
  const intermediates = [pki.issuer.der];
  return async () => {
    const leaf = next();
    const r = await verifier.verify({ leaf: leaf.der, intermediates, name: leaf.identity });
    if (!r.ok) throw new Error(`verify-chain failed: ${r.code} ${r.reason}`);
  };
}

function coldVerify(L, pki) {
  const next = cycle(pki.leaves);
  const intermediates = [pki.issuer.pem];
  return async () => {
    const leaf = next();
    const r = await L.verifyChain({
      leaf: leaf.der,
      intermediates,
      bundle: pki.bundlePem,
      name: leaf.identity,
    });
    if (!r.ok) throw new Error(`verify-chain-cold failed: ${r.code} ${r.reason}`);
  };
}

// --- peers -----------------------------------------------------------------------------------------

async function loadX509() {
  await import('./reflect-metadata.mjs');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(globalThis.crypto);
  return x509;
}

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

async function peerX509Issue({ L, pki }) {
  const x509 = await loadX509();
  const subtle = globalThis.crypto.subtle;
  const issuerCert = new x509.X509Certificate(pki.issuer.der);
  const signingKey = await subtle.importKey(
    'pkcs8',
    pki.issuer.key.exportPkcs8(),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const aki = hex(pki.issuer.certificate.subjectKeyId);
  const spiffe = L.linkerdIdentityToSpiffeId(IDENTITY).toString();
  const csrDer = pki.csr;
  const usage = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  return async () => {
    const req = new x509.Pkcs10CertificateRequest(csrDer);
    if (!(await req.verify())) throw new Error('peer CSR signature');
    const san = req.getExtension('2.5.29.17');
    const dns = san?.names.items.filter((n) => n.type === 'dns').map((n) => n.value) ?? [];
    if (dns.length !== 1 || dns[0] !== IDENTITY) throw new Error('peer CSR SAN');
    const now = Date.now();
    const serial = new Uint8Array(16);
    globalThis.crypto.getRandomValues(serial);
    serial[0] = (serial[0] & 0x7f) | 0x40;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: hex(serial),
      subject: `CN=${IDENTITY}`,
      issuer: issuerCert.subject,
      notBefore: new Date(now - 10_000),
      notAfter: new Date(now + 86_410_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: req.publicKey,
      signingKey,
      extensions: [
        new x509.KeyUsagesExtension(usage, true),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.AuthorityKeyIdentifierExtension(aki),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: IDENTITY },
          { type: 'url', value: spiffe },
        ]),
      ],
    });
    cert.toString('pem');
  };
}

async function peerX509Verify({ pki }) {
  const x509 = await loadX509();
  const issuer = new x509.X509Certificate(pki.issuer.der);
  const anchors = [new x509.X509Certificate(pki.anchor.der), new x509.X509Certificate(pki.nextAnchor.der)];
  const anchorPrints = await Promise.all(anchors.map(async (a) => hex(await a.getThumbprint())));
  const next = cycle(pki.leaves);
  return async () => {
    const { der, identity } = next();
    const leaf = new x509.X509Certificate(der);
    const chain = await new x509.X509ChainBuilder({ certificates: [issuer, ...anchors] }).build(leaf);
    const top = chain[chain.length - 1];
    if (chain.length !== 3 || !anchorPrints.includes(hex(await top.getThumbprint()))) {
      throw new Error('peer chain does not end at an anchor');
    }
    const now = new Date();
    for (const c of chain) if (now < c.notBefore || now > c.notAfter) throw new Error('peer validity');
    const san = leaf.getExtension('2.5.29.17');
    if (!san?.names.items.some((n) => n.type === 'dns' && n.value === identity)) throw new Error('peer SAN');
  };
}

async function peerPkijsVerify({ pki }) {
  const pkijs = await import('pkijs');
  pkijs.setEngine('bench', new pkijs.CryptoEngine({ name: 'bench', crypto: globalThis.crypto }));
  const parse = (der) => pkijs.Certificate.fromBER(der);
  const issuer = parse(pki.issuer.der);
  const trustedCerts = [parse(pki.anchor.der), parse(pki.nextAnchor.der)];
  const next = cycle(pki.leaves);
  return async () => {
    const { der, identity } = next();
    const leaf = parse(der);
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts,
      certs: [leaf, issuer],
      checkDate: new Date(),
    });
    const r = await engine.verify();
    if (!r.result) throw new Error(`pkijs: ${r.resultMessage}`);
    const san = leaf.extensions?.find((e) => e.extnID === '2.5.29.17');
    const names = san?.parsedValue?.altNames ?? [];
    if (!names.some((n) => n.type === 2 && n.value === identity)) throw new Error('pkijs SAN');
  };
}
