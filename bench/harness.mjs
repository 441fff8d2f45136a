// A small benchmark harness: warm-up, then interleaved timed rounds with per-operation latency samples.
//
// Each case is a function returning nothing or a promise. The harness times every call on its own
// (performance.now() around it), so p50/p99 are true per-operation latencies, and counts operations per
// round. Rounds of all cases are interleaved (case A round 1, case B round 1, ..., case A round 2, ...)
// so that a burst of load from elsewhere on the machine hits every case alike; throughput is the best
// round (least disturbed) and the median round is kept too. Each round also records the process's CPU
// time (process.cpuUsage: every thread of this process, user + system), which a busy machine disturbs far
// less than the wall clock: operations per CPU-second is the steadier figure when others share the cores.

import { performance } from 'node:perf_hooks';

/** Runs `fn` once, awaiting it only when it returns a thenable (sync cases pay no microtask). */
function isThenable(v) {
  return v !== null && typeof v === 'object' && typeof v.then === 'function';
}

/** Latency samples in microseconds, grown as needed. */
class Samples {
  constructor() {
    this.buf = new Float64Array(1 << 14);
    this.n = 0;
  }
  push(us) {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = us;
  }
  quantile(q) {
    if (this.n === 0) return Number.NaN;
    const sorted = this.buf.slice(0, this.n).sort();
    const i = Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1));
    return sorted[i];
  }
}

/** Calls `fn` for about `ms` milliseconds; returns [operations, wall ms, CPU ms]. Records latencies in `samples`. */
async function timeSlice(fn, ms, samples, batch = 1) {
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const stop = start + ms;
  let now = start;
  do {
    const t0 = performance.now();
    const r = fn();
    if (isThenable(r)) await r;
    now = performance.now();
    // A batch case does `batch` operations per call: its latency is per operation, amortized.
    if (samples) samples.push(((now - t0) * 1000) / batch);
    ops += batch;
  } while (now < stop);
  const cpu = process.cpuUsage(cpu0);
  return [ops, now - start, (cpu.user + cpu.system) / 1000];
}

/**
 * Measures `cases` ({ name, fn, batch? }[]; `batch`: operations per call, default 1): a warm-up slice each, then `rounds` interleaved slices of
 * `sliceMs`. Returns a Map name -> { opsPerSec (best round), medianOpsPerSec, cpuOpsPerSec (median round,
 * per CPU-second), p50us, p99us, samples }.
 */
export async function measureAll(cases, { warmupMs = 300, sliceMs = 400, rounds = 5, onProgress } = {}) {
  const state = new Map(cases.map((c) => [c.name, { samples: new Samples(), rates: [], cpuRates: [] }]));
  for (const c of cases) {
    await timeSlice(c.fn, warmupMs, null, c.batch);
    onProgress?.(`warmed ${c.name}`);
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      if (globalThis.gc) {
        // A full collection between slices, so no case pays for another's garbage; then a pause for
        // V8's background sweeping, which would otherwise count as this slice's CPU time.
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const s = state.get(c.name);
      const [ops, ms, cpuMs] = await timeSlice(c.fn, sliceMs, s.samples, c.batch);
      s.rates.push((ops * 1000) / ms);
      s.cpuRates.push((ops * 1000) / Math.max(cpuMs, 1e-3));
    }
    onProgress?.(`round ${r + 1}/${rounds}`);
  }
  const out = new Map();
  for (const c of cases) {
    const s = state.get(c.name);
    const rates = [...s.rates].sort((a, b) => a - b);
    const cpuRates = [...s.cpuRates].sort((a, b) => a - b);
    out.set(c.name, {
      opsPerSec: rates[rates.length - 1],
      medianOpsPerSec: rates[(rates.length - 1) >> 1],
      cpuOpsPerSec: cpuRates[(cpuRates.length - 1) >> 1],
      p50us: s.samples.quantile(0.5),
      p99us: s.samples.quantile(0.99),
      samples: s.samples.n,
    });
  }
  return out;
}
