import { describe, expect, it } from 'vitest';
import { PkiError } from '../src/errors';
import {
  PROXY_REFRESH_MIN_MS,
  proxyRefreshDelay,
  type RenewalEvent,
  type RenewalFailure,
  startRenewal,
} from '../src/schedule';
import { codeOf } from './helpers/pki';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const HOUR = 3_600_000;

/** A fake clock with timers: time moves only when the test says so. */
class FakeClock {
  t = T0;
  #next = 1;
  readonly timers = new Map<number, { at: number; cb: () => void }>();
  readonly delays: number[] = [];
  now = (): Date => new Date(this.t);
  setTimeout = (cb: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.delays.push(ms);
    this.timers.set(id, { at: this.t + ms, cb });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.timers.delete(id as number);
  };
  /** Runs the earliest timer (moving the clock to it), then lets promise callbacks settle. */
  async fire(): Promise<void> {
    const [id, timer] = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
    if (id === undefined || timer === undefined) throw new Error('no timer pending');
    this.timers.delete(id);
    this.t = Math.max(this.t, timer.at);
    timer.cb();
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

const leafUntil = (ms: number) => ({ validUntil: new Date(ms) });

describe('startRenewal', () => {
  it('renews at 70 % of the remaining lifetime, from the certificate in use', async () => {
    const clock = new FakeClock();
    const renewals: RenewalEvent<{ validUntil: Date }>[] = [];
    let calls = 0;
    const loop = startRenewal({
      current: leafUntil(T0 + 24 * HOUR),
      obtain: async () => {
        calls++;
        return leafUntil(clock.t + 24 * HOUR);
      },
      onRenewal: (e) => renewals.push(e),
      ...clock,
    });
    // 70 % of 24 h: 16h48m, exactly what proxyRefreshDelay gives.
    const first = proxyRefreshDelay({ notAfter: new Date(T0 + 24 * HOUR), now: new Date(T0) });
    expect(clock.delays).toEqual([first]);
    expect(first).toBe(60_480_000); // 16h48m
    expect(loop.renewAt?.getTime()).toBe(T0 + first);
    expect(calls).toBe(0);
    await clock.fire();
    expect(calls).toBe(1);
    expect(renewals).toHaveLength(1);
    expect(renewals[0]!.delay).toBe(60_480_000);
    expect(renewals[0]!.validUntil.getTime()).toBe(T0 + first + 24 * HOUR);
    expect(renewals[0]!.renewAt.getTime()).toBe(clock.t + 60_480_000);
    expect(loop.current).toBe(renewals[0]!.certificate);
    loop.stop();
    await loop.stopped;
  });

  it('asks at once without a certificate, and applies the clamps (10 s, 24 h)', async () => {
    const clock = new FakeClock();
    const lifetimes = [10 * 24 * HOUR, 5_000];
    const loop = startRenewal({ obtain: async () => leafUntil(clock.t + lifetimes.shift()!), ...clock });
    expect(clock.delays).toEqual([0]);
    await clock.fire();
    expect(clock.delays[1]).toBe(24 * HOUR); // 70 % of ten days is clamped to 24 h
    await clock.fire();
    expect(clock.delays[2]).toBe(PROXY_REFRESH_MIN_MS); // 70 % of 5 s is clamped to 10 s
    loop.stop();
  });

  it('keeps the old certificate on failure and retries on the proxy rule from its expiry', async () => {
    const clock = new FakeClock();
    const failures: RenewalFailure<{ validUntil: Date }>[] = [];
    const start = leafUntil(T0 + 10 * HOUR);
    const loop = startRenewal({
      current: start,
      obtain: async () => {
        throw new Error('identity service unavailable');
      },
      onFailure: (e) => failures.push(e),
      ...clock,
    });
    await clock.fire(); // at 7 h: 3 h left
    expect(failures).toHaveLength(1);
    expect(failures[0]!.failures).toBe(1);
    expect(failures[0]!.current).toBe(start);
    expect((failures[0]!.error as Error).message).toBe('identity service unavailable');
    expect(failures[0]!.delay).toBe(7_560_000); // 70 % of 3 h
    await clock.fire();
    expect(failures[1]!.failures).toBe(2);
    expect(failures[1]!.delay).toBe(2_268_000); // 70 % of the 54 min left
    expect(loop.current).toBe(start);
    // Once expired: every minRefresh.
    clock.t = T0 + 11 * HOUR;
    await clock.fire();
    expect(failures.at(-1)!.delay).toBe(PROXY_REFRESH_MIN_MS);
    loop.stop();
  });

  it('backs off exponentially with bounded jitter, never later than the proxy would retry', async () => {
    const clock = new FakeClock();
    const delays: number[] = [];
    const loop = startRenewal({
      obtain: async () => {
        throw new Error('down');
      },
      backoff: { min: '1s', max: '5s', jitter: 0.1 },
      random: () => 0.5,
      onFailure: (e) => delays.push(e.delay),
      ...clock,
    });
    for (let i = 0; i < 5; i++) await clock.fire();
    // 1 s, 2 s, 4 s plus 5 % of each; then the 5 s cap leaves no room for jitter.
    expect(delays).toEqual([1_050, 2_100, 4_200, 5_000, 5_000]);
    loop.stop();
    // Without a backoff, the proxy's rule: minRefresh with no certificate.
    const plain = new FakeClock();
    const seen: number[] = [];
    const again = startRenewal({
      obtain: async () => {
        throw new Error('down');
      },
      onFailure: (e) => seen.push(e.delay),
      ...plain,
    });
    await plain.fire();
    await plain.fire();
    expect(seen).toEqual([PROXY_REFRESH_MIN_MS, PROXY_REFRESH_MIN_MS]);
    again.stop();
  });

  it('resets the failure count after a renewal', async () => {
    const clock = new FakeClock();
    const results = [false, true, false];
    const failures: number[] = [];
    const loop = startRenewal({
      obtain: async () => {
        if (!results.shift()) throw new Error('flaky');
        return leafUntil(clock.t + HOUR);
      },
      backoff: { jitter: 0 },
      onFailure: (e) => failures.push(e.failures),
      ...clock,
    });
    for (let i = 0; i < 3; i++) await clock.fire();
    expect(failures).toEqual([1, 1]);
    loop.stop();
  });

  it('refuses a certificate already expired, or without an expiry, as a failure', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const returned: unknown[] = [leafUntil(T0), { validUntil: new Date(Number.NaN) }, {}];
    const loop = startRenewal({
      obtain: async () => returned.shift() as { validUntil: Date },
      onFailure: (e) => errors.push(e.error),
      ...clock,
    });
    for (let i = 0; i < 3; i++) await clock.fire();
    expect(errors.map((e) => (e as PkiError).code)).toEqual([
      'ERR_SCHEDULE_INVALID',
      'ERR_INVALID_ARGUMENT',
      'ERR_INVALID_ARGUMENT',
    ]);
    expect(loop.current).toBeUndefined();
    loop.stop();
  });

  it('accepts notAfter (a parsed Certificate) as the expiry', async () => {
    const clock = new FakeClock();
    const loop = startRenewal<{ notAfter?: Date; validUntil?: Date }>({
      current: { notAfter: new Date(T0 + HOUR) },
      obtain: async () => leafUntil(0),
      ...clock,
    });
    expect(clock.delays).toEqual([2_520_000]); // 70 % of 1 h
    loop.stop();
  });

  it('stops on abort: the timer is cleared, a pending obtain is aborted and ignored', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let obtainSignal: AbortSignal | undefined;
    let release: (v: { validUntil: Date }) => void = () => {};
    const events: string[] = [];
    const loop = startRenewal({
      obtain: (signal) => {
        obtainSignal = signal;
        return new Promise<{ validUntil: Date }>((resolve) => {
          release = resolve;
        });
      },
      signal: controller.signal,
      onRenewal: () => events.push('renewal'),
      onFailure: () => events.push('failure'),
      ...clock,
    });
    await clock.fire();
    expect(obtainSignal?.aborted).toBe(false);
    controller.abort();
    expect(obtainSignal?.aborted).toBe(true);
    release(leafUntil(clock.t + HOUR));
    await loop.stopped;
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(events).toEqual([]);
    expect(clock.timers.size).toBe(0);
    expect(loop.renewAt).toBeUndefined();
  });

  it('clears the scheduled timer on stop, and never starts with an aborted signal', async () => {
    const clock = new FakeClock();
    const loop = startRenewal({ current: leafUntil(T0 + HOUR), obtain: async () => leafUntil(0), ...clock });
    expect(clock.timers.size).toBe(1);
    loop.stop();
    expect(clock.timers.size).toBe(0);
    await loop.stopped;
    let called = false;
    const aborted = startRenewal({
      obtain: async () => {
        called = true;
        return leafUntil(0);
      },
      signal: AbortSignal.abort(),
      ...clock,
    });
    await aborted.stopped;
    expect(called).toBe(false);
    expect(clock.timers.size).toBe(0);
  });

  it('keeps running when a listener throws', async () => {
    const clock = new FakeClock();
    const loop = startRenewal({
      obtain: async () => leafUntil(clock.t + HOUR),
      onRenewal: () => {
        throw new Error('listener bug');
      },
      ...clock,
    });
    await clock.fire();
    expect(clock.timers.size).toBe(1);
    loop.stop();
  });

  it('refuses misuse with PkiError codes', () => {
    const obtain = async () => leafUntil(0);
    // biome-ignore lint/suspicious/noExplicitAny: misuse from plain JavaScript
    const misuse = (o: any) => () => startRenewal(o);
    expect(codeOf(misuse(undefined))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(misuse({}))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(misuse({ obtain, minRefresh: '1d' }))).toBe('ERR_DURATION_INVALID');
    expect(codeOf(misuse({ obtain, minRefresh: '2h', maxRefresh: '1h' }))).toBe('ERR_SCHEDULE_INVALID');
    expect(codeOf(misuse({ obtain, current: { validUntil: 'tomorrow' } }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(misuse({ obtain, backoff: { jitter: -1 } }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(misuse({ obtain, signal: {} }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(misuse({ obtain, onRenewal: 'log' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(new PkiError('ERR_INVALID_ARGUMENT', 'x')).toBeInstanceOf(Error);
  });
});
