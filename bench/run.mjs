#!/usr/bin/env node
// l5d-pki benchmarks against the Node build users get (dist/node.js, node:crypto backend).
//
//   npm run bench                       # build, then every case; prints a table
//   npm run bench -- --json out.json    # also writes { cases: { name: { opsPerSec, p50us, p99us, ... } } }
//   node bench/run.mjs --filter issue   # cases whose name matches a regular expression
//   node bench/run.mjs --rounds 9 --slice 600 --warmup 500
//   node bench/run.mjs --entry dist/index.js   # the WebCrypto build instead
//   node bench/run.mjs --scaling        # cost growth and memory (bench/scaling.mjs)
//   node bench/run.mjs --decompose      # JavaScript vs crypto time in the hot paths (bench/decompose.mjs)
//   node bench/run.mjs --footprint      # per-call instructions and cache misses under cachegrind (bench/footprint.mjs)
//   node bench/run.mjs --footprint --last-level 768   # the same with a 768 KiB last-level cache
//   node bench/run.mjs --certify        # Identity/Certify over TLS under load (bench/certify.mjs)
//   node bench/run.mjs --certify --generators 2 --channels 4   # its switches: see bench/certify.mjs
//
// Throughput is the best of the interleaved rounds (the least disturbed: the machine may be shared);
// the median round is printed too. Latency percentiles are over every timed call.

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CASES } from './cases.mjs';
import { makePki } from './fixtures.mjs';
import { measureAll } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The switches of `--certify`, each with a value, passed on to bench/certify.mjs. */
const CERTIFY_SWITCHES = new Set([
  '--servers',
  '--generators',
  '--channels',
  '--duration',
  '--max-calls',
  '--levels',
  '--client',
]);

function parseArgs(argv) {
  const opts = {
    rounds: 5,
    slice: 400,
    warmup: 300,
    entry: resolve(here, '../dist/node.js'),
    certifyArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') opts.json = value();
    else if (a === '--filter') opts.filter = new RegExp(value());
    else if (a === '--rounds') opts.rounds = Number(value());
    else if (a === '--slice') opts.slice = Number(value());
    else if (a === '--warmup') opts.warmup = Number(value());
    else if (a === '--entry') opts.entry = resolve(value());
    else if (a === '--scaling') opts.scaling = true;
    else if (a === '--decompose') opts.decompose = true;
    else if (a === '--footprint') opts.footprint = true;
    else if (a === '--last-level') opts.lastLevel = Number(value());
    else if (a === '--certify') opts.certify = true;
    else if (CERTIFY_SWITCHES.has(a)) opts.certifyArgs.push(a, value());
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node bench/run.mjs [--json file] [--filter regex] [--rounds n] [--slice ms] [--warmup ms] [--entry file] [--scaling] [--decompose] [--footprint [--last-level KiB]] [--certify [--servers n] [--generators n] [--channels n] [--duration ms] [--max-calls n] [--levels 1,16,64] [--client go|raw|library|connect]]',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

function fmt(n, digits = 0) {
  if (n === undefined || Number.isNaN(n)) return '';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The floor an issue or verify case is compared with, from the same run (`field`: which throughput). */
function floorOf(kind, results, field = 'opsPerSec') {
  const s = results.get('floor-sign')?.[field];
  const v = results.get('floor-verify')?.[field];
  if (kind === 'issue' && s && v) return 1 / (1 / s + 1 / v);
  if (kind === 'verify' && v) return v;
  if (kind === 'issue-fresh') return results.get('floor-issue-fresh')?.[field];
  return undefined;
}

function machine() {
  const cpu = cpus();
  return {
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.scaling) {
    const { runScaling } = await import('./scaling.mjs');
    await runScaling(opts);
    return;
  }
  if (opts.decompose) {
    const { runDecompose } = await import('./decompose.mjs');
    await runDecompose(opts);
    return;
  }
  if (opts.certify) {
    const { runCertify } = await import('./certify.mjs');
    await runCertify(opts, opts.certifyArgs);
    return;
  }
  if (opts.footprint) {
    const { runFootprint } = await import('./footprint.mjs');
    await runFootprint(opts);
    return;
  }
  const L = await import(pathToFileURL(opts.entry).href);
  const log = opts.quiet ? () => {} : (m) => process.stderr.write(`  ${m}\n`);
  log(`library: ${opts.entry} (backend: ${L.cryptoBackend().name})`);
  const pki = await makePki(L);
  const selected = CASES.filter((c) => !opts.filter || opts.filter.test(c.name));
  // Ratios need their references even when filtered out of the listing.
  const needed = new Set(selected.map((c) => c.name));
  for (const c of selected) {
    if (c.floor) needed.add('floor-sign').add('floor-verify');
    if (c.floor === 'issue-fresh') needed.add('floor-issue-fresh');
    if (c.peer) needed.add(c.peer);
    if (c.reference) needed.add(c.reference);
  }
  const active = [];
  const skipped = new Map();
  for (const c of CASES.filter((x) => needed.has(x.name))) {
    const r = await c.setup({ L, pki });
    if (typeof r === 'function') {
      await r(); // fail early, before any timing
      active.push({ name: c.name, fn: r, batch: c.batch ?? 1 });
    } else skipped.set(c.name, r.skip);
  }
  log(`cases: ${active.map((c) => c.name).join(', ')}`);
  const results = await measureAll(active, {
    warmupMs: opts.warmup,
    sliceMs: opts.slice,
    rounds: opts.rounds,
    onProgress: log,
  });

  const rows = [];
  const json = {
    machine: machine(),
    library: opts.entry,
    backend: L.cryptoBackend().name,
    method: {
      rounds: opts.rounds,
      sliceMs: opts.slice,
      warmupMs: opts.warmup,
      opsPerSec: 'best interleaved round (wall clock)',
      cpuOpsPerSec: 'median interleaved round, operations per CPU-second of the process (all threads)',
    },
    cases: {},
  };
  for (const c of CASES.filter((x) => needed.has(x.name))) {
    if (skipped.has(c.name)) {
      rows.push([c.name, 'skipped', '', '', '', '', '', '', '', skipped.get(c.name)]);
      json.cases[c.name] = { skipped: skipped.get(c.name) };
      continue;
    }
    const r = results.get(c.name);
    const floor = c.floor ? floorOf(c.floor, results) : undefined;
    const floorCpu = c.floor ? floorOf(c.floor, results, 'cpuOpsPerSec') : undefined;
    const peer = c.peer ? results.get(c.peer)?.opsPerSec : undefined;
    const vsFloor = floor ? r.opsPerSec / floor : undefined;
    const vsFloorCpu = floorCpu ? r.cpuOpsPerSec / floorCpu : undefined;
    const vsPeer = peer ? r.opsPerSec / peer : undefined;
    const reference = c.reference ? results.get(c.reference)?.opsPerSec : undefined;
    const vsReference = reference ? r.opsPerSec / reference : undefined;
    json.cases[c.name] = {
      opsPerSec: Math.round(r.opsPerSec),
      medianOpsPerSec: Math.round(r.medianOpsPerSec),
      cpuOpsPerSec: Math.round(r.cpuOpsPerSec),
      p50us: Number(r.p50us.toFixed(1)),
      p99us: Number(r.p99us.toFixed(1)),
      samples: r.samples,
      ...(floor
        ? {
            floorOpsPerSec: Math.round(floor),
            vsFloor: Number(vsFloor.toFixed(3)),
            vsFloorCpu: Number(vsFloorCpu.toFixed(3)),
          }
        : {}),
      ...(peer ? { peer: c.peer, vsPeer: Number(vsPeer.toFixed(2)) } : {}),
      ...(reference ? { reference: c.reference, vsReference: Number(vsReference.toFixed(3)) } : {}),
      what: c.what,
    };
    rows.push([
      c.name,
      fmt(r.opsPerSec),
      fmt(r.medianOpsPerSec),
      fmt(r.cpuOpsPerSec),
      fmt(r.p50us, 1),
      fmt(r.p99us, 1),
      vsFloor ? `${fmt(vsFloor, 2)}×` : '',
      vsFloorCpu ? `${fmt(vsFloorCpu, 2)}×` : '',
      vsPeer ? `${fmt(vsPeer, 1)}× ${c.peer.replace(/^peer-/, '').replace(/-.*$/, '')}` : '',
      vsReference ? `${fmt(vsReference, 2)}× ${c.reference}` : '',
    ]);
  }
  const pkijs = results.get('peer-pkijs-verify')?.opsPerSec;
  if (pkijs) {
    for (const name of ['verify-chain', 'verify-chain-cold']) {
      const r = results.get(name);
      if (r) json.cases[name].vsPkijs = Number((r.opsPerSec / pkijs).toFixed(2));
    }
  }
  const head = [
    'case',
    'ops/s best',
    'ops/s median',
    'ops/cpu-s',
    'p50 µs',
    'p99 µs',
    '× floor',
    '× floor cpu',
    '× peer',
    'note',
  ];
  const last = head.length - 1;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 0 || i === last ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join('  ');
  const m = json.machine;
  console.log(`l5d-pki bench — node ${m.node}, ${m.cpus} × ${m.cpuModel}, backend ${json.backend}`);
  console.log(
    `${opts.rounds} interleaved rounds × ${opts.slice} ms per case after ${opts.warmup} ms warm-up; ` +
      'ops/s = best round by the wall clock; ops/cpu-s = median round per CPU-second of this process',
  );
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log(
    'floor: issue = 1/(1/floor-sign + 1/floor-verify); verify = floor-verify; fresh issues = floor-issue-fresh',
  );
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${opts.json}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
