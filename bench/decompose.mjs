// Where a hot-path call's time goes beyond its node:crypto floor: the library's JavaScript on its own
// (crypto stubbed), and what running that JavaScript next to the crypto costs the crypto (caches).
//
//   node bench/run.mjs --decompose [--entry dist/node.js]     (DECOMPOSE_SECONDS=n to run longer than 12 s)
//
// Each case is a few operations; cases run in short chunks in turn (50 calls each) for a few seconds, so
// a load change on the machine hits them all alike, and each figure is the median chunk in µs per call.
// "with floor" cases do the library's stubbed work and then the floor's crypto in one call: the excess
// over the sum of the two alone is the slowdown one inflicts on the other.

import { pathToFileURL } from 'node:url';
import { CASES } from './cases.mjs';
import { makePki } from './fixtures.mjs';

const CHUNK = 50;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** `backend` with every signature check answering "valid" at once: verification's JavaScript alone. */
export function verifyStub(backend) {
  return {
    ...backend,
    name: 'stub',
    verify: async () => true,
    verifySync: backend.verifySync && (() => true),
  };
}

/** The cases, as functions of nothing, built from the benchmark's own cases (bench/cases.mjs). */
async function cases(L) {
  const pki = await makePki(L);
  const setup = (name) => CASES.find((c) => c.name === name).setup({ L, pki });
  const [floorSign, floorVerify, parse, verifyChain, issue] = await Promise.all(
    ['floor-sign', 'floor-verify', 'parse-cert', 'verify-chain', 'issue-from-csr'].map(setup),
  );
  const real = L.cryptoBackend();
  const someSignature = await real.signP256({ pkcs8: pki.issuer.key.exportPkcs8() }, new Uint8Array(1));
  const stub = { ...verifyStub(real), signP256: async () => someSignature };
  /** `fn` with the crypto backend stubbed: the library's JavaScript alone. */
  const stubbed = (fn) => async () => {
    L.setCryptoBackend(stub);
    try {
      await fn();
    } finally {
      L.setCryptoBackend(undefined);
    }
  };
  /** `fn`, then `floor`, in one call. */
  const withFloor = (fn, floor) => async () => {
    await fn();
    floor();
  };
  const floorIssue = () => {
    floorSign();
    floorVerify();
  };
  // verify-chain with each leaf handed over already parsed.
  const verifier = new L.Verifier({ bundle: pki.bundlePem, maxRepeatEntries: 0 });
  const parsedLeaves = pki.leaves.map((l) => ({ leaf: L.parseCertificate(l.der), name: l.identity }));
  let next = 0;
  const verifyParsed = async () => {
    const { leaf, name } = parsedLeaves[next++ % parsedLeaves.length];
    const r = await verifier.verify({ leaf, intermediates: [pki.issuer.der], name });
    if (!r.ok) throw new Error(r.reason);
  };
  return {
    'floor-verify': floorVerify,
    'parse-cert': parse,
    'parse-cert + floor': withFloor(parse, floorVerify),
    'verify-chain, crypto stubbed': stubbed(verifyChain),
    'verify-chain, crypto stubbed + floor': withFloor(stubbed(verifyChain), floorVerify),
    'verify-chain, leaf parsed': verifyParsed,
    'verify-chain': verifyChain,
    'floor-issue': floorIssue,
    'issue-from-csr, crypto stubbed': stubbed(issue),
    'issue-from-csr, crypto stubbed + floor': withFloor(stubbed(issue), floorIssue),
    'issue-from-csr': issue,
  };
}

export async function runDecompose(opts) {
  const L = await import(pathToFileURL(opts.entry).href);
  const all = await cases(L);
  const names = Object.keys(all);
  const times = new Map(names.map((n) => [n, []]));
  const seconds = Number(process.env.DECOMPOSE_SECONDS ?? 12);
  const stop = performance.now() + seconds * 1000;
  for (let round = 0; performance.now() < stop; round++) {
    for (const name of names) {
      const fn = all[name];
      const t0 = performance.now();
      for (let k = 0; k < CHUNK; k++) {
        const r = fn();
        if (r && typeof r.then === 'function') await r;
      }
      if (round >= 3) times.get(name).push(((performance.now() - t0) * 1000) / CHUNK);
    }
  }
  const us = Object.fromEntries(names.map((n) => [n, median(times.get(n))]));
  const width = Math.max(...names.map((n) => n.length));
  console.log(`l5d-pki decomposition — node ${process.version}; median µs per call over ${seconds} s`);
  for (const n of names) console.log(`${n.padEnd(width)}  ${us[n].toFixed(1).padStart(7)}`);
  const excess = (composite, alone, floor) => us[composite] - us[alone] - us[floor];
  console.log('');
  console.log(
    `slowdown from running next to the crypto: parse ${excess('parse-cert + floor', 'parse-cert', 'floor-verify').toFixed(1)} µs, ` +
      `verify JS ${excess('verify-chain, crypto stubbed + floor', 'verify-chain, crypto stubbed', 'floor-verify').toFixed(1)} µs, ` +
      `issue JS ${excess('issue-from-csr, crypto stubbed + floor', 'issue-from-csr, crypto stubbed', 'floor-issue').toFixed(1)} µs`,
  );
  console.log(
    `× floor: verify-chain ${(us['floor-verify'] / us['verify-chain']).toFixed(2)}, ` +
      `with the leaf already parsed ${(us['floor-verify'] / us['verify-chain, leaf parsed']).toFixed(2)}; ` +
      `issue-from-csr ${(us['floor-issue'] / us['issue-from-csr']).toFixed(2)}`,
  );
}
