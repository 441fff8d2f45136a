// Per-call counts of the verification hot path under valgrind's cachegrind: instructions, L1
// instruction-cache misses, last-level misses and mispredicted branches, for the floor, the warm
// verification and its JavaScript alone. Wall-clock figures on a shared machine move by several percent
// from run to run; these do not (V8 runs with --predictable and fixed seeds, both runs of a case share
// one set of fixtures), so they tell whether a change makes the JavaScript smaller or lighter on the
// caches the crypto needs.
//
//   node bench/run.mjs --footprint [--entry dist/node.js]     (needs valgrind; a few minutes)
//   node bench/run.mjs --footprint --last-level 768           (a 768 KiB last level instead)
//
// Each case runs twice in a child process, CALLS and 3 × CALLS calls after the same warm-up; the
// difference divided by 2 × CALLS is the cost of one call, start-up and warm-up cancelling out. The
// simulated caches are this machine's: L1i and L1d 32 KB 8-way, last level 512 KB (one core's L2).
// `--last-level` simulates another last-level size: the size at which a case's misses fall away is
// the working set it needs between two calls.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CASES } from './cases.mjs';
import { verifyStub } from './decompose.mjs';
import { makePki } from './fixtures.mjs';

const CALLS = 1000;
const WARMUP = 4000;
const V8_FLAGS = ['--predictable', '--hash-seed=1', '--random-seed=1'];
/** This machine's L2, per core. */
const LAST_LEVEL_KIB = 512;

/** cachegrind's cache options, with a last level of `kib` KiB (8 to 16 ways, so that sets are a power of two). */
function cacheOptions(kib) {
  const lines = (kib * 1024) / 64;
  const ways = [8, 10, 12, 14, 16].find((w) => Number.isInteger(lines / w) && isPowerOfTwo(lines / w));
  if (ways === undefined)
    throw new Error(`--last-level ${kib}: no 8- to 16-way layout with a power-of-two set count`);
  return ['--I1=32768,8,64', '--D1=32768,8,64', `--LL=${kib * 1024},${ways},64`];
}

function isPowerOfTwo(n) {
  return n >= 1 && (n & (n - 1)) === 0;
}

/** The suffix of a case run with the signature checks stubbed. */
const STUBBED = ', crypto stubbed';
const NAMES = ['floor-verify', 'verify-chain', `verify-chain${STUBBED}`, 'verify-repeat', 'parse-cert'];

/** The fixtures the child processes share, as JSON: what the verification cases read of `makePki`'s PKI. */
function fixtureJson(pki) {
  const hex = (bytes) => Buffer.from(bytes).toString('hex');
  return JSON.stringify({
    bundlePem: pki.bundlePem,
    issuer: hex(pki.issuer.der),
    leaves: pki.leaves.map((l) => ({ der: hex(l.der), identity: l.identity })),
  });
}

/** The case `name` as a function of nothing, built from the benchmark's own case over the fixtures. */
function caseFrom(L, name, json) {
  const fixtures = JSON.parse(json);
  const bytes = (hex) => new Uint8Array(Buffer.from(hex, 'hex'));
  const issuerDer = bytes(fixtures.issuer);
  const pki = {
    bundlePem: fixtures.bundlePem,
    issuer: { der: issuerDer, certificate: L.parseCertificate(issuerDer) },
    leaves: fixtures.leaves.map((l) => ({ der: bytes(l.der), identity: l.identity })),
  };
  const stubbed = name.endsWith(STUBBED);
  if (stubbed) L.setCryptoBackend(verifyStub(L.cryptoBackend()));
  const benchName = stubbed ? name.slice(0, -STUBBED.length) : name;
  return CASES.find((c) => c.name === benchName).setup({ L, pki });
}

/** In a child process under valgrind: warm up, then `calls` calls of the case. */
async function child([entry, name, fixtures, calls]) {
  const L = await import(pathToFileURL(entry).href);
  const fn = caseFrom(L, name, readFileSync(fixtures, 'utf8'));
  for (let i = 0; i < WARMUP + Number(calls); i++) {
    const r = fn();
    if (r && typeof r.then === 'function') await r;
  }
}

/** Runs the case with `calls` calls under cachegrind; resolves to its event totals. */
function countEvents(entry, name, fixtures, calls, dir, caches) {
  const out = join(dir, `cachegrind.${name.replace(/\W+/g, '-')}.${calls}`);
  const args = [
    '--tool=cachegrind',
    '--cache-sim=yes',
    '--branch-sim=yes',
    ...caches,
    `--cachegrind-out-file=${out}`,
    process.execPath,
    ...V8_FLAGS,
    fileURLToPath(import.meta.url),
    '--child',
    entry,
    name,
    fixtures,
    String(calls),
  ];
  return new Promise((resolve, reject) => {
    const p = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`${name}: valgrind exited with ${code}\n${stderr.slice(-2000)}`));
      const text = readFileSync(out, 'utf8');
      const events = text.match(/^events: (.*)$/m)[1].split(' ');
      const totals = text
        .match(/^summary: (.*)$/m)[1]
        .split(' ')
        .map(Number);
      resolve(Object.fromEntries(events.map((e, i) => [e, totals[i]])));
    });
  });
}

/** Per-call counts of the case: the difference between a long and a short run. */
async function perCall(entry, name, fixtures, dir, caches) {
  const [short, long] = await Promise.all([
    countEvents(entry, name, fixtures, CALLS, dir, caches),
    countEvents(entry, name, fixtures, 3 * CALLS, dir, caches),
  ]);
  const per = (e) => (long[e] - short[e]) / (2 * CALLS);
  return {
    instructions: per('Ir'),
    l1iMisses: per('I1mr'),
    llMisses: per('ILmr') + per('DLmr') + per('DLmw'),
    mispredicted: per('Bcm') + per('Bim'),
  };
}

export async function runFootprint(opts) {
  const version = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) {
    console.error('--footprint needs valgrind (Debian: apt-get install valgrind)');
    process.exitCode = 2;
    return;
  }
  const lastLevel = opts.lastLevel ?? LAST_LEVEL_KIB;
  const caches = cacheOptions(lastLevel);
  const L = await import(pathToFileURL(opts.entry).href);
  const dir = mkdtempSync(join(tmpdir(), 'l5d-pki-footprint-'));
  try {
    const fixtures = join(dir, 'fixtures.json');
    writeFileSync(fixtures, fixtureJson(await makePki(L)));
    const rows = new Map();
    for (const name of NAMES) rows.set(name, await perCall(opts.entry, name, fixtures, dir, caches));
    const floor = rows.get('floor-verify');
    const warm = rows.get('verify-chain');
    rows.set(
      'verify-chain − floor-verify',
      Object.fromEntries(Object.keys(warm).map((k) => [k, warm[k] - floor[k]])),
    );
    print(rows, `${version.stdout.trim()} cachegrind (last level ${lastLevel} KiB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(rows, tool) {
  const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(12);
  const width = Math.max(...[...rows.keys()].map((n) => n.length));
  console.log(`l5d-pki footprint — ${tool}, node ${process.version} ${V8_FLAGS.join(' ')}; per call`);
  console.log(
    `${'case'.padEnd(width)}  ${'instructions'.padStart(12)}  ${'L1i misses'.padStart(12)}  ${'LL misses'.padStart(12)}  ${'mispredicted'.padStart(12)}`,
  );
  for (const [name, r] of rows) {
    console.log(
      `${name.padEnd(width)}  ${fmt(r.instructions)}  ${fmt(r.l1iMisses)}  ${fmt(r.llMisses)}  ${fmt(r.mispredicted)}`,
    );
  }
}

if (process.argv[2] === '--child') await child(process.argv.slice(3));
