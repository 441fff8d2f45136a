// The identity service under load: `Identity/Certify` over gRPC, HTTP/2 and TLS on 127.0.0.1, called by
// a load generator in its own process(es) (bench/certify-client.mjs) with a fresh key and CSR per call,
// at 1, 16 and 64 calls in flight; next to the in-process rate of the `certify` handler with 64 in flight,
// from the same run and the same fresh CSRs.
//
//   node bench/run.mjs --certify [--json out.json]
//   node bench/run.mjs --certify --generators 2 --channels 4    # two generator processes, 4 connections each
//   node bench/run.mjs --certify --duration 3000 --max-calls 12000 --levels 1,16,64
//   node bench/run.mjs --certify --client raw       # a Node generator on grpc-js (the default without Go)
//   node bench/run.mjs --certify --client library   # l5d-pki's own client: signs each CSR, verifies each chain
//   node bench/run.mjs --certify --client connect   # a new connection and TLS handshake for every call
//   node bench/run.mjs --certify --servers 2 --channels 4   # two server processes behind one port
//
// The default client is `go` when Go is installed: bench/certify-load, a generator on Go's own HTTP/2 and
// TLS (standard library only), built into a temporary directory for the run. A Node generator spends
// about 140 µs of CPU per call, the Go one about 40, and on a machine of two cores whatever the
// generator spends is taken from the server under test.
//
// With `--servers N` (N ≥ 2) the service runs in N processes of its own (bench/certify-server.mjs,
// node:cluster workers sharing one port, each connection handed to one of them in turn), as a deployment
// using more than one core would run it; give the generator at least N connections.
//
// The server is started in this process from fresh material (a trust anchor, an issuer loaded from PEM as
// the service loads its Secret, a static token table, so no token verification is measured). Every level
// stops after `--duration` ms or `--max-calls` calls, whichever comes first; the run stops by itself.

import { fork, spawn, spawnSync } from 'node:child_process';
import cluster from 'node:cluster';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { csrPool, IDENTITY } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TOKEN = 'token-of-web';
const USERNAME = 'system:serviceaccount:shop:web';
/**
 * Calls each generator makes before timing: connections, TLS handshakes, compiled code on both sides,
 * every server process at its steady pace (with 600, the first level of two server processes ran
 * 10–25 % slower than the next).
 */
const WARMUP_CALLS = 4000;
/** Fresh CSRs the in-process rate cycles through (more than any key-handle cache in the library holds). */
const IN_PROCESS_CSRS = 8192;

function fmt(n, digits = 0) {
  if (n === undefined || Number.isNaN(n)) return '';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function cpuMsSince(start) {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1000;
}

/** The `certify` handler called directly, `width` in flight, for `durationMs`: calls/s, p50, p99. */
async function inProcess(L, ctx, csrs, width, durationMs) {
  const request = (csr) => ({ identity: IDENTITY, token: ctx.token, csr });
  let i = 0;
  let calls = 0;
  const lat = [];
  const t0 = performance.now();
  const stop = t0 + durationMs;
  const cpu0 = process.cpuUsage();
  const lane = async () => {
    while (performance.now() < stop) {
      const csr = csrs[i++ % csrs.length];
      const s = performance.now();
      const r = await L.certify({
        request: request(csr),
        authenticator: ctx.authenticator,
        issuer: ctx.issuer,
        bundle: ctx.store,
      });
      if (!r.ok) throw new Error(`in-process certify refused: ${r.code} ${r.message}`);
      lat.push((performance.now() - s) * 1000);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  const wallMs = performance.now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  lat.sort((a, b) => a - b);
  return {
    callsPerSec: (calls * 1000) / wallMs,
    p50ms: quantile(lat, 0.5) / 1000,
    p99ms: quantile(lat, 0.99) / 1000,
    calls,
    serverCpuPerCallUs: (cpuMs * 1000) / calls,
  };
}

/** Whether Go is installed, for the default client. */
function hasGo() {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Builds bench/certify-load into `dir`; returns the program's path. */
function buildGoGenerator(dir) {
  const program = join(dir, 'certify-load');
  const r = spawnSync('go', ['build', '-o', program, '.'], {
    cwd: resolve(here, 'certify-load'),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`go build of bench/certify-load failed: ${r.stderr || r.error}`);
  return program;
}

/**
 * A load generator process: `send(message)` gives it the next level, `next()` resolves with its next
 * answer (`ready`, then a `result` per level), `stop()` ends it. `goProgram` runs the Go generator (JSON
 * lines on stdin and stdout), otherwise bench/certify-client.mjs (Node's IPC).
 */
function startGenerator(message, goProgram) {
  const queue = [];
  const waiters = [];
  const answer = (m) => {
    if (m.type === 'error') {
      const w = waiters.shift();
      if (w) w.reject(new Error(`load generator: ${m.message}`));
      return;
    }
    const w = waiters.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  };
  let child;
  let send;
  let end;
  if (goProgram) {
    child = spawn(goProgram, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', (line) => answer(JSON.parse(line)));
    send = (m) => child.stdin.write(`${JSON.stringify(m)}\n`);
    end = () => child.stdin.end();
  } else {
    child = fork(resolve(here, 'certify-client.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', answer);
    send = (m) => child.send(m);
    end = () => {
      if (child.connected) child.send({ type: 'done' });
    };
  }
  child.on('exit', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`load generator exited with ${code}`));
  });
  const next = () =>
    new Promise((resolve, reject) => {
      if (queue.length) resolve(queue.shift());
      else waiters.push({ resolve, reject });
    });
  send({ type: 'setup', ...message });
  return {
    send,
    next,
    stop() {
      end();
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    },
  };
}

/**
 * The identity service under test: in this process (`count` 1), or in `count` cluster workers sharing one
 * port. `usage()` gives the CPU time (µs) and event-loop idle and active time (ms) of every server process
 * so far, summed; `close()` stops them.
 */
async function startServers(
  count,
  { L, N, entry, nodeEntry, issuerPem, issuerKeyPem, anchorPem, authenticator },
) {
  if (count === 1) {
    const server = await N.startIdentityServer({
      issuer: L.loadIssuer({ certificate: issuerPem, key: issuerKeyPem }),
      bundle: anchorPem,
      authenticator,
      listen: '127.0.0.1:0',
    });
    return {
      address: server.address,
      serverName: server.serverName,
      where: `in this process on ${server.address}`,
      async usage() {
        const cpu = process.cpuUsage();
        const { idle, active } = performance.eventLoopUtilization();
        return { cpuUs: cpu.user + cpu.system, idle, active };
      },
      close: () => server.close(2000),
    };
  }
  cluster.setupPrimary({
    exec: resolve(here, 'certify-server.mjs'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const workers = [];
  const answer = (worker, type) =>
    new Promise((resolve, reject) => {
      const on = (m) => {
        if (m.type !== type && m.type !== 'error') return;
        worker.off('message', on);
        if (m.type === 'error') reject(new Error(`server process: ${m.message}`));
        else resolve(m);
      };
      worker.on('message', on);
    });
  const ask = (worker, message, type) => {
    const answered = answer(worker, type);
    worker.send(message);
    return answered;
  };
  const setup = {
    type: 'setup',
    entry,
    nodeEntry,
    issuerPem,
    issuerKeyPem,
    anchorPem,
    tokens: { [TOKEN]: USERNAME },
  };
  let first;
  for (let i = 0; i < count; i++) {
    const worker = cluster.fork();
    workers.push(worker);
    await answer(worker, 'up');
    // Port 0 for all: the primary binds one handle for them, so they share the port it picks.
    const m = await ask(worker, { ...setup, listen: '127.0.0.1:0' }, 'listening');
    first ??= m;
    if (m.address !== first.address) throw new Error(`server processes on ${first.address} and ${m.address}`);
  }
  return {
    address: first.address,
    serverName: first.serverName,
    where: `in ${count} processes (node:cluster) on ${first.address}`,
    async usage() {
      const all = await Promise.all(workers.map((w) => ask(w, { type: 'usage' }, 'usage')));
      const sum = (f) => all.reduce((t, u) => t + u[f], 0);
      return { cpuUs: sum('cpuUs'), idle: sum('idle'), active: sum('active') };
    },
    async close() {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise((done) => {
              w.once('exit', done);
              w.send({ type: 'close' });
            }),
        ),
      );
    },
  };
}

function parseCertifyArgs(argv) {
  const o = {
    servers: 1,
    generators: 1,
    channels: 1,
    durationMs: 3000,
    maxCalls: 12_000,
    levels: [1, 16, 64],
    client: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--servers') o.servers = Number(v());
    else if (a === '--generators') o.generators = Number(v());
    else if (a === '--channels') o.channels = Number(v());
    else if (a === '--duration') o.durationMs = Number(v());
    else if (a === '--max-calls') o.maxCalls = Number(v());
    else if (a === '--levels') o.levels = v().split(',').map(Number);
    else if (a === '--client') o.client = v();
  }
  if (!(Number.isInteger(o.servers) && o.servers >= 1 && o.servers <= 8))
    throw new Error('--servers must be 1 to 8');
  if (!(o.generators >= 1 && o.generators <= 4)) throw new Error('--generators must be 1 to 4');
  if (!(o.channels >= 1 && o.channels <= 16)) throw new Error('--channels must be 1 to 16');
  if (!(o.durationMs > 0 && o.durationMs <= 30_000)) throw new Error('--duration must be 1 to 30000 ms');
  if (!(o.maxCalls > 0 && o.maxCalls <= 100_000)) throw new Error('--max-calls must be 1 to 100000');
  const go = hasGo();
  o.client ??= go ? 'go' : 'raw';
  if (!['go', 'raw', 'library', 'connect'].includes(o.client))
    throw new Error('--client must be go, raw, library or connect');
  if (o.client === 'go' && !go) throw new Error('--client go needs Go (go on the PATH)');
  return o;
}

/**
 * Runs the load: prints the table, writes `--json` when asked. `opts` from bench/run.mjs (entry, json,
 * quiet) and `argv` for this mode's own switches.
 */
export async function runCertify(opts, argv) {
  const c = parseCertifyArgs(argv);
  const log = opts.quiet ? () => {} : (m) => process.stderr.write(`  ${m}\n`);
  const load0 = loadavg();
  const L = await import(pathToFileURL(opts.entry).href);
  const nodeEntry = resolve(here, '../dist/node-tls.js');
  const N = await import(pathToFileURL(nodeEntry).href);

  const anchor = await L.createTrustAnchor();
  const made = await L.createIssuer({ anchor });
  const issuer = L.loadIssuer({ certificate: made.pem + anchor.pem, key: made.key.exportPkcs8Pem() });
  const authenticator = L.staticTokenAuthenticator({ [TOKEN]: USERNAME });
  const store = L.createTrustStore(anchor.pem);
  const ctx = { token: new TextEncoder().encode(TOKEN), authenticator, issuer, store };
  const server = await startServers(c.servers, {
    L,
    N,
    entry: opts.entry,
    nodeEntry,
    issuerPem: made.pem + anchor.pem,
    issuerKeyPem: made.key.exportPkcs8Pem(),
    anchorPem: anchor.pem,
    authenticator,
  });
  log(`server ${server.where} (${server.serverName})`);

  const generators = [];
  const buildDir = c.client === 'go' ? mkdtempSync(join(tmpdir(), 'l5d-bench-')) : undefined;
  try {
    const goProgram = buildDir && buildGoGenerator(buildDir);
    // Enough fresh CSRs for every level to run to its count (each is used once), split among generators.
    const pool = Math.ceil((c.levels.length * c.maxCalls) / c.generators);
    const t = performance.now();
    for (let g = 0; g < c.generators; g++)
      generators.push(
        startGenerator(
          {
            entry: opts.entry,
            nodeEntry,
            server: server.address,
            serverName: server.serverName,
            anchorsPem: anchor.pem,
            identity: IDENTITY,
            token: TOKEN,
            channels: c.channels,
            pool,
            warmup: WARMUP_CALLS,
            client: c.client,
          },
          goProgram,
        ),
      );
    // Meanwhile, the in-process reference's CSRs and a warm-up of the handler.
    const csrs = await csrPool(L, IDENTITY, IN_PROCESS_CSRS);
    await inProcess(L, ctx, csrs, 64, 500);
    for (const g of generators) {
      const m = await g.next();
      if (m.type !== 'ready') throw new Error(`load generator: unexpected ${m.type}`);
    }
    log(
      `generators ready (${c.generators} × ${pool} fresh CSRs, ${c.client} client) in ${fmt(performance.now() - t)} ms`,
    );

    // In-process before and after the network levels; the better of the two is the reference.
    const before = await inProcess(L, ctx, csrs, 64, c.durationMs);
    log(`in-process, 64 in flight: ${fmt(before.callsPerSec)} calls/s`);
    const levels = [];
    for (const width of c.levels) {
      globalThis.gc?.();
      await new Promise((r) => setTimeout(r, 50));
      const share = (g) => Math.floor(width / c.generators) + (g < width % c.generators ? 1 : 0);
      const use0 = await server.usage();
      const t0 = performance.now();
      const active = generators.filter((_, g) => share(g) > 0);
      for (const [g, gen] of generators.entries())
        if (share(g) > 0)
          gen.send({
            type: 'level',
            inFlight: share(g),
            durationMs: c.durationMs,
            maxCalls: Math.ceil(c.maxCalls / active.length),
          });
      const results = await Promise.all(active.map((gen) => gen.next()));
      const wallMs = performance.now() - t0;
      const use1 = await server.usage();
      const serverCpuMs = (use1.cpuUs - use0.cpuUs) / 1000;
      const busy = use1.active - use0.active;
      const serverLoop = busy / (busy + use1.idle - use0.idle);
      for (const r of results) {
        if (r.type !== 'result') throw new Error(`load generator: unexpected ${r.type}`);
        if (r.failures)
          throw new Error(`${r.failures} calls failed at ${width} in flight: ${r.firstFailure}`);
      }
      const calls = results.reduce((s, r) => s + r.calls, 0);
      const lat = results.flatMap((r) => r.latenciesUs).sort((a, b) => a - b);
      const genWall = Math.max(...results.map((r) => r.wallMs));
      const row = {
        inFlight: width,
        callsPerSec: (calls * 1000) / genWall,
        p50ms: quantile(lat, 0.5) / 1000,
        p99ms: quantile(lat, 0.99) / 1000,
        calls,
        stoppedBy: results.some((r) => r.exhausted) || calls >= c.maxCalls ? 'count' : 'time',
        serverCpuPerCallUs: (serverCpuMs * 1000) / calls,
        serverCpuShare: serverCpuMs / wallMs,
        serverLoop,
        generatorCpuPerCallUs: (results.reduce((s, r) => s + r.cpuMs, 0) * 1000) / calls,
        generatorCpuShare: results.reduce((s, r) => s + r.cpuMs, 0) / genWall,
      };
      levels.push(row);
      log(
        `${width} in flight: ${fmt(row.callsPerSec)} calls/s, p50 ${fmt(row.p50ms, 2)} ms, p99 ${fmt(row.p99ms, 2)} ms`,
      );
    }
    const after = await inProcess(L, ctx, csrs, 64, c.durationMs);
    log(`in-process again: ${fmt(after.callsPerSec)} calls/s`);
    const reference = after.callsPerSec > before.callsPerSec ? after : before;
    const load1 = loadavg();

    const cpu = cpus();
    console.log(
      `l5d-pki certify under load — node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown'}; ` +
        `load average ${load0[0].toFixed(2)} before, ${load1[0].toFixed(2)} after`,
    );
    console.log(
      `server ${server.where}; ${c.generators} generator process${c.generators > 1 ? 'es' : ''} × ` +
        `${c.channels} connection${c.channels > 1 ? 's' : ''}, ${c.client} client; a fresh key and CSR per call; ` +
        `each level ${c.durationMs} ms or ${fmt(c.maxCalls)} calls`,
    );
    const head = [
      'case',
      'calls/s',
      'p50 ms',
      'p99 ms',
      'calls',
      '× in-process',
      'server cpu µs/call',
      'server cpu',
      'server loop busy',
      'client cpu µs/call',
    ];
    const rows = [
      [
        'in-process 64',
        fmt(reference.callsPerSec),
        fmt(reference.p50ms, 2),
        fmt(reference.p99ms, 2),
        fmt(reference.calls),
        '1.00×',
        fmt(reference.serverCpuPerCallUs),
        '',
        '',
        '',
      ],
      ...levels.map((r) => [
        `tls ${r.inFlight}`,
        fmt(r.callsPerSec),
        fmt(r.p50ms, 2),
        fmt(r.p99ms, 2),
        fmt(r.calls),
        `${fmt(r.callsPerSec / reference.callsPerSec, 2)}×`,
        fmt(r.serverCpuPerCallUs),
        `${fmt(r.serverCpuShare * 100)} %`,
        `${fmt(r.serverLoop * 100)} %`,
        fmt(r.generatorCpuPerCallUs),
      ]),
    ];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    const line = (cells) =>
      cells.map((x, i) => (i === 0 ? String(x).padEnd(widths[i]) : String(x).padStart(widths[i]))).join('  ');
    console.log(line(head));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of rows) console.log(line(r));
    const at64 = levels.find((r) => r.inFlight === 64);
    if (at64)
      console.log(
        `target at 64 in flight: ≥ 0.50 × in-process (${fmt(at64.callsPerSec / reference.callsPerSec, 2)}×) and p99 < 20 ms (${fmt(at64.p99ms, 2)} ms): ` +
          (at64.callsPerSec >= 0.5 * reference.callsPerSec && at64.p99ms < 20 ? 'met' : 'NOT met'),
      );

    if (opts.json) {
      const r2 = (x, d = 2) => Number(x.toFixed(d));
      const json = {
        machine: {
          node: process.version,
          cpus: cpu.length,
          cpuModel: cpu[0]?.model ?? 'unknown',
          platform: `${process.platform}-${process.arch}`,
        },
        loadAverage: { before: r2(load0[0]), after: r2(load1[0]) },
        method: {
          serverProcesses: c.servers,
          generators: c.generators,
          channelsPerGenerator: c.channels,
          client: c.client,
          levelMs: c.durationMs,
          maxCallsPerLevel: c.maxCalls,
          authenticator: 'static token table',
          inProcess: 'certify handler, 64 in flight, the better of a run before and one after the levels',
        },
        inProcess: {
          callsPerSec: Math.round(reference.callsPerSec),
          p50ms: r2(reference.p50ms, 3),
          p99ms: r2(reference.p99ms, 3),
          before: Math.round(before.callsPerSec),
          after: Math.round(after.callsPerSec),
        },
        levels: levels.map((r) => ({
          inFlight: r.inFlight,
          callsPerSec: Math.round(r.callsPerSec),
          vsInProcess: r2(r.callsPerSec / reference.callsPerSec, 3),
          p50ms: r2(r.p50ms, 3),
          p99ms: r2(r.p99ms, 3),
          calls: r.calls,
          stoppedBy: r.stoppedBy,
          serverCpuPerCallUs: Math.round(r.serverCpuPerCallUs),
          serverCpuShare: r2(r.serverCpuShare),
          serverEventLoopBusy: r2(r.serverLoop),
          generatorCpuPerCallUs: Math.round(r.generatorCpuPerCallUs),
          generatorCpuShare: r2(r.generatorCpuShare),
        })),
      };
      writeFileSync(opts.json, `${JSON.stringify(json, null, 2)}\n`);
      log(`wrote ${opts.json}`);
    }
  } finally {
    for (const g of generators) g.stop();
    await server.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  }
}
