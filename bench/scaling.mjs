// How verification cost grows: bundle size (1 → 100 anchors), chain depth (1 → 4 CAs below the anchor),
// and the memory of a Verifier remembering 10,000 distinct intermediates (run in a child process with
// --expose-gc, so the heap can be measured after full collections).
//
//   node bench/run.mjs --scaling [--json out.json] [--entry dist/node.js]

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasVerify, LEAF_POOL } from './cases.mjs';
import { identities } from './fixtures.mjs';
import { measureAll } from './harness.mjs';

const MEMORY_INTERMEDIATES = 10_000;

function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A P-256 key for the library without going through its (slower) key generation. */
function quickKey(L) {
  const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'der',
    type: 'pkcs8',
  });
  return L.importPrivateKey(new Uint8Array(pkcs8));
}

/** A P-256 public key for a leaf. */
function quickPublicKey(L) {
  const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    format: 'der',
    type: 'spki',
  });
  return L.importPublicKey(new Uint8Array(spki));
}

/** Leaves for distinct workloads under `issuer`. */
async function leavesUnder(L, issuer, count) {
  const out = [];
  for (const identity of identities(count)) {
    const leaf = await L.issueLeafForKey({ issuer, publicKey: quickPublicKey(L), identity });
    out.push({ der: leaf.der, identity });
  }
  return out;
}

function cycle(items) {
  let i = 0;
  return () => items[i++ % items.length];
}

/** Warm (one Verifier) and cold (verifyChain) cases over `leaves`, with `intermediates` DER and `bundlePem`. */
function verifyCases(L, label, { leaves, intermediates, bundlePem }) {
  const verifier = new L.Verifier({ bundle: bundlePem, maxRepeatEntries: 0 });
  const warmNext = cycle(leaves);
  const coldNext = cycle(leaves);
  const check = (r) => {
    if (!r.ok) throw new Error(`${label}: ${r.code} ${r.reason}`);
  };
  return [
    {
      name: `${label} warm`,
      fn: async () => {
        const l = warmNext();
        check(await verifier.verify({ leaf: l.der, intermediates, name: l.identity }));
      },
    },
    {
      name: `${label} cold`,
      fn: async () => {
        const l = coldNext();
        check(await L.verifyChain({ leaf: l.der, intermediates, bundle: bundlePem, name: l.identity }));
      },
    },
  ];
}

async function bundleSizes(L, opts) {
  const anchor = await L.createTrustAnchor();
  const issuer = await L.createIssuer({ anchor });
  const leaves = await leavesUnder(L, issuer, LEAF_POOL);
  const others = [];
  for (let i = 0; i < 99; i++) {
    others.push(await L.createTrustAnchor({ key: quickKey(L), commonName: `root-${i}.example.org` }));
  }
  const cases = [];
  for (const n of [1, 2, 10, 100]) {
    // The real anchor last: a lookup by name must not depend on its place.
    const bundlePem = others
      .slice(0, n - 1)
      .map((a) => a.pem)
      .join('')
      .concat(anchor.pem);
    cases.push(...verifyCases(L, `bundle ${n}`, { leaves, intermediates: [issuer.der], bundlePem }));
  }
  return measure(cases, opts);
}

async function chainDepths(L, opts) {
  const anchor = await L.createTrustAnchor({ pathLen: null });
  const cases = [];
  let above = anchor;
  const chain = [];
  for (let depth = 1; depth <= 4; depth++) {
    const ca = await L.createIssuer({
      anchor: above,
      key: quickKey(L),
      pathLen: null,
      commonName: `ca-${depth}.linkerd.cluster.local`,
    });
    chain.unshift(ca.der);
    above = ca;
    const leaves = await leavesUnder(L, ca, LEAF_POOL);
    cases.push(
      ...verifyCases(L, `depth ${depth}`, { leaves, intermediates: [...chain], bundlePem: anchor.pem }),
    );
  }
  return measure(cases, opts);
}

async function measure(cases, opts) {
  for (const c of cases) await c.fn();
  const res = await measureAll(cases, {
    warmupMs: 200,
    sliceMs: Math.min(opts.slice, 300),
    rounds: opts.rounds,
  });
  const out = {};
  for (const [name, r] of res) {
    out[name] = {
      opsPerSec: Math.round(r.opsPerSec),
      cpuOpsPerSec: Math.round(r.cpuOpsPerSec),
      p50us: Number(r.p50us.toFixed(1)),
      p99us: Number(r.p99us.toFixed(1)),
    };
  }
  return out;
}

/** Child process: a Verifier that remembers `count` distinct intermediates; prints JSON figures. */
async function memoryChild(entry, count) {
  const L = await import(pathToFileURL(entry).href);
  const gc = globalThis.gc;
  const anchor = await L.createTrustAnchor();
  const leaves = [];
  for (let i = 0; i < count; i++) {
    const issuer = await L.createIssuer({
      anchor,
      key: quickKey(L),
      commonName: `issuer-${i}.linkerd.cluster.local`,
    });
    const identity = `sa${i}.ns.serviceaccount.identity.linkerd.cluster.local`;
    const leaf = await L.issueLeafForKey({ issuer, publicKey: quickPublicKey(L), identity });
    leaves.push({ leaf: leaf.der, intermediates: [issuer.der], name: identity });
  }
  const settle = () => {
    for (let i = 0; i < 4; i++) gc();
    return process.memoryUsage();
  };
  // First the same 10,000 verifications through a verifier that remembers nothing: code paths, the
  // process-wide key-handle cache, V8's heap and malloc's arenas all reach their working size, so what the
  // second verifier adds afterwards is what its cache holds.
  const run = async (verifier) => {
    const t0 = performance.now();
    for (const input of leaves) {
      const r = await verifier.verify(input);
      if (!r.ok) throw new Error(`memory run: ${r.code} ${r.reason}`);
    }
    return performance.now() - t0;
  };
  await run(new L.Verifier({ bundle: anchor.pem, maxCacheEntries: 0 }));
  const before = settle();
  const verifier = new L.Verifier({ bundle: anchor.pem });
  const ms = await run(verifier);
  const after = settle();
  const mb = (n) => Number((n / 1048576).toFixed(1));
  console.log(
    JSON.stringify({
      intermediates: verifier.cacheSize,
      heapUsedMB: mb(after.heapUsed - before.heapUsed),
      externalMB: mb(after.external - before.external),
      rssMB: mb(after.rss - before.rss),
      totalHeapUsedMB: mb(after.heapUsed),
      totalRssMB: mb(after.rss),
      verifyMs: Math.round(ms),
    }),
  );
}

export async function runScaling(opts) {
  const L = await import(pathToFileURL(opts.entry).href);
  if (!hasVerify(L)) {
    console.log('scaling: verify not built');
    return;
  }
  const log = (m) => process.stderr.write(`  ${m}\n`);
  log('bundle sizes');
  const bundle = await bundleSizes(L, opts);
  log('chain depths');
  const depth = await chainDepths(L, opts);
  log(`memory: ${MEMORY_INTERMEDIATES} intermediates (child process)`);
  const raw = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      fileURLToPath(import.meta.url),
      '--memory-child',
      opts.entry,
      String(MEMORY_INTERMEDIATES),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  const memory = JSON.parse(raw.trim().split('\n').pop());

  const table = (title, rows) => {
    console.log(`\n${title}`);
    console.log(
      `${'case'.padEnd(16)}${'ops/s'.padStart(10)}${'ops/cpu-s'.padStart(11)}${'p50 µs'.padStart(10)}${'p99 µs'.padStart(10)}`,
    );
    for (const [name, r] of Object.entries(rows)) {
      console.log(
        `${name.padEnd(16)}${fmt(r.opsPerSec).padStart(10)}${fmt(r.cpuOpsPerSec).padStart(11)}${fmt(r.p50us, 1).padStart(10)}${fmt(r.p99us, 1).padStart(10)}`,
      );
    }
  };
  table('bundle size (anchors in the bundle; the right one last)', bundle);
  table('chain depth (CAs between leaf and anchor)', depth);
  console.log(
    `\nmemory: a Verifier remembering ${fmt(memory.intermediates)} intermediates: heap +${memory.heapUsedMB} MB, ` +
      `external (array buffers included) +${memory.externalMB} MB, RSS +${memory.rssMB} MB (after full GCs, against a verifier that remembers nothing; ${memory.verifyMs} ms to verify them all)`,
  );
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify({ bundle, depth, memory }, null, 2)}\n`);
    log(`wrote ${opts.json}`);
  }
}

if (process.argv[2] === '--memory-child') {
  memoryChild(process.argv[3], Number(process.argv[4])).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
