// One identity server process of `bench/run.mjs --certify --servers N` (N ≥ 2): a node:cluster worker,
// so that every such process listens on the same port and the cluster's primary (the bench process)
// hands each new connection to one of them in turn, as a deployment running one server per core would.
//
// It says { type: 'up' } once it listens for messages (a message sent before would be lost). Messages
// from the primary: { type: 'setup', entry, nodeEntry, issuerPem, issuerKeyPem, anchorPem, tokens,
// listen } once, then { type: 'usage' } as often as asked, and { type: 'close' }. It answers
// { type: 'listening', address, serverName }, then { type: 'usage', cpuUs, idle, active } with its CPU
// time and its event loop's idle and active time so far (milliseconds).

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

let server;

process.on('message', (m) => {
  const run =
    m.type === 'setup' ? start(m) : m.type === 'usage' ? usage() : m.type === 'close' ? stop() : null;
  run?.catch((e) => {
    process.send({ type: 'error', message: String(e?.stack ?? e) });
    process.exitCode = 1;
  });
});
process.send({ type: 'up' });

async function start(m) {
  const L = await import(pathToFileURL(m.entry).href);
  const N = await import(pathToFileURL(m.nodeEntry).href);
  server = await N.startIdentityServer({
    issuer: L.loadIssuer({ certificate: m.issuerPem, key: m.issuerKeyPem }),
    bundle: m.anchorPem,
    authenticator: L.staticTokenAuthenticator(m.tokens),
    listen: m.listen,
  });
  process.send({ type: 'listening', address: server.address, serverName: server.serverName });
}

async function usage() {
  const cpu = process.cpuUsage();
  const { idle, active } = performance.eventLoopUtilization();
  process.send({ type: 'usage', cpuUs: cpu.user + cpu.system, idle, active });
}

async function stop() {
  await server?.close(2000);
  process.disconnect();
}
