// The load generator of `bench/run.mjs --certify`: a process of its own that calls `Identity/Certify`
// over TLS, trusting only the anchors and checking the server's name, as the proxy does.
//
// Forked by bench/certify.mjs, which sends it one `setup` message, then one `level` message per level:
//   { type: 'setup', entry, server, serverName, anchorsPem, identity, token, channels, pool, warmup, client }
//   { type: 'level', inFlight, durationMs }
// and receives `ready`, then one `result` per level: { calls, failures, wallMs, cpuMs, latenciesUs }.
//
// Every call sends a CSR for a key of its own, used once. The CSRs are made before any timing (by
// bench/fixtures.mjs's splicing, so making them is quick), so key generation and CSR signing are not
// measured. With `client: 'library'` the calls go through l5d-pki's own `createIdentityClient` instead,
// with keys made beforehand: it then also signs each CSR and verifies each returned chain, as the proxy
// does, and the generator costs more. With `client: 'connect'` every call opens its own connection and
// TLS handshake, as a proxy that has just started does.

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { credentials, Metadata, makeGenericClientConstructor, status } from '@grpc/grpc-js';
import { csrPool } from './fixtures.mjs';

let setup;

// The bench process gone (finished, failed or killed): nothing left to measure, and no channel may keep
// this process alive retrying a server that is no longer there.
process.on('disconnect', () => process.exit(process.exitCode ?? 0));

process.on('message', (m) => {
  const run = m.type === 'setup' ? prepare(m) : m.type === 'level' ? level(m) : Promise.resolve();
  run.catch((e) => {
    process.send({ type: 'error', message: String(e?.stack ?? e) });
    process.exitCode = 1;
  });
  if (m.type === 'done') {
    for (const c of setup?.channels ?? []) c.close();
    process.disconnect();
  }
});

async function prepare(m) {
  const L = await import(pathToFileURL(m.entry).href);
  const token = new TextEncoder().encode(m.token);
  let channels;
  let call;
  let items;
  if (m.client === 'library') {
    const N = await import(pathToFileURL(m.nodeEntry).href);
    const { generateKeyPairSync } = await import('node:crypto');
    channels = Array.from({ length: m.channels }, () =>
      N.createIdentityClient({ server: m.server, bundle: m.anchorsPem, serverName: m.serverName }),
    );
    items = Array.from({ length: m.pool + m.warmup }, () =>
      L.importPrivateKey(
        new Uint8Array(
          generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
            format: 'der',
            type: 'pkcs8',
          }),
        ),
      ),
    );
    call = async (channel, key) => {
      const r = await channel.certify({ identity: m.identity, token, key });
      if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    };
  } else {
    const service = {
      Certify: {
        path: L.CERTIFY_METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: (r) => Buffer.from(L.encodeCertifyRequest(r)),
        requestDeserialize: (b) => L.decodeCertifyRequest(new Uint8Array(b)),
        responseSerialize: (r) => Buffer.from(L.encodeCertifyResponse(r)),
        responseDeserialize: (b) => L.decodeCertifyResponse(new Uint8Array(b)),
        originalName: 'certify',
      },
    };
    const Client = makeGenericClientConstructor(service, 'io.linkerd.proxy.identity.Identity');
    const { checkServerIdentity } = await import('node:tls');
    const creds = credentials.createSsl(Buffer.from(m.anchorsPem), null, null, {
      checkServerIdentity: (_host, cert) => checkServerIdentity(m.serverName, cert),
    });
    const open = () =>
      new Client(m.server, creds, {
        'grpc.ssl_target_name_override': m.serverName,
        'grpc.default_authority': m.serverName,
        // A connection per channel: grpc-js would otherwise share one between equal channels.
        'grpc.use_local_subchannel_pool': 1,
      });
    channels = Array.from({ length: m.channels }, open);
    items = await csrPool(L, m.identity, m.pool + m.warmup);
    // `connect`: a connection (and TLS handshake) of its own for every call, as each new proxy has.
    const perCall = m.client === 'connect';
    call = (shared, csr) =>
      new Promise((resolve, reject) => {
        const channel = perCall ? open() : shared;
        channel.makeUnaryRequest(
          service.Certify.path,
          service.Certify.requestSerialize,
          service.Certify.responseDeserialize,
          { identity: m.identity, token, csr },
          new Metadata(),
          { deadline: Date.now() + 10_000 },
          (error, value) => {
            if (perCall) channel.close();
            if (error) reject(new Error(`${status[error.code] ?? error.code}: ${error.details}`));
            else if (!value?.leafCertificate?.length || value.validUntil === undefined)
              reject(new Error('a response without a leaf or valid_until'));
            else resolve();
          },
        );
      });
  }
  setup = { channels, call, items, next: 0 };
  // Warm-up: connections open, TLS handshakes done, both sides' code compiled.
  await drive(Math.min(16, m.warmup), m.warmup, 60_000);
  process.send({ type: 'ready' });
}

/**
 * `width` lanes, each calling again as soon as its call returns, until `durationMs` has passed or
 * `count` calls have started; lane i uses channel i mod channels.
 */
async function drive(width, count, durationMs) {
  const { channels, call, items } = setup;
  const latencies = new Float64Array(count);
  let started = 0;
  let done = 0;
  let failures = 0;
  let firstFailure;
  const t0 = performance.now();
  const stop = t0 + durationMs;
  const lane = async (i) => {
    const channel = channels[i % channels.length];
    while (started < count && performance.now() < stop) {
      if (setup.next >= items.length) return;
      const item = items[setup.next++];
      started++;
      const s = performance.now();
      try {
        await call(channel, item);
        latencies[done++] = (performance.now() - s) * 1000;
      } catch (e) {
        failures++;
        firstFailure ??= String(e?.message ?? e);
      }
    }
  };
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: width }, (_, i) => lane(i)));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    calls: done,
    failures,
    firstFailure,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    latenciesUs: Array.from(latencies.subarray(0, done)),
  };
}

async function level(m) {
  const left = setup.items.length - setup.next;
  const r = await drive(m.inFlight, Math.min(m.maxCalls, left), m.durationMs);
  process.send({ type: 'result', ...r, exhausted: setup.next >= setup.items.length });
}
