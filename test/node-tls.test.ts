import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, createTrustAnchor, writeBundle } from '../src/anchor';
import { createCsr } from '../src/csr';
import { createIssuer } from '../src/issuer';
import { generateKeyPair, type PrivateKey } from '../src/keys';
import { type IssuedLeaf, issueLeaf } from '../src/leaf';
import {
  createPeerCheck,
  PeerCheck,
  PeerVerificationError,
  tlsClientOptions,
  tlsServerOptions,
} from '../src/node';
import { matchMemberOf, matchOneOf } from '../src/spiffe';
import { type CertificateInput, createTrustStore, Verifier, verifyChain } from '../src/verify';
import { codeOf, IDENTITY, SPIFFE_ID, WEB_IDENTITY, WEB_SPIFFE_ID } from './helpers/pki';

const HOUR = 3_600_000;

interface Workload {
  readonly leaf: IssuedLeaf;
  readonly key: PrivateKey;
}

async function workload(anchor: CertificateAuthority, identity: string, now?: Date): Promise<Workload> {
  const issuer = await createIssuer({ anchor, ...(now ? { now } : {}) });
  const key = await generateKeyPair();
  const csr = await createCsr({ key, identity });
  const leaf = await issueLeaf({ issuer, csr: csr.der, identity, ...(now ? { now } : {}) });
  return { leaf, key };
}

const credentials = (w: Workload, bundle: string) => ({
  certificate: w.leaf.certificate,
  key: w.key,
  chain: w.leaf.chain,
  bundle,
});

let anchor: CertificateAuthority;
let bundle: string;
let web: Workload;
let client: Workload;
let stranger: Workload;
let expired: Workload;

beforeAll(async () => {
  const threeDaysAgo = new Date(Date.now() - 72 * HOUR);
  anchor = await createTrustAnchor({ now: threeDaysAgo });
  const foreign = await createTrustAnchor({ commonName: anchor.certificate.subject.commonName ?? 'root' });
  bundle = writeBundle([anchor.certificate]);
  web = await workload(anchor, WEB_IDENTITY);
  client = await workload(anchor, IDENTITY);
  stranger = await workload(foreign, IDENTITY);
  expired = await workload(anchor, WEB_IDENTITY, new Date(Date.now() - 48 * HOUR));
});

const servers: tls.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if (!s.listening) continue;
    (s as https.Server).closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function listen(server: tls.Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A TLS echo-less server that greets verified clients; records what it saw. */
function greetingServer(
  serverWorkload: Workload,
  identity: Parameters<typeof createPeerCheck>[0]['identity'],
) {
  const seen = { greeted: 0, refused: [] as Error[] };
  const server = tls.createServer(tlsServerOptions(credentials(serverWorkload, bundle)));
  const check = createPeerCheck({ bundle, identity });
  server.on('secureConnection', (socket) => {
    socket.on('error', (e) => seen.refused.push(e));
    if (socket.destroyed) return;
    seen.greeted++;
    socket.end('hello');
  });
  check.protect(server);
  server.on('tlsClientError', (e) => seen.refused.push(e));
  return { server, seen };
}

/** Connects with `options`; resolves with what was received, or the error the socket ended with. */
async function talk(options: tls.ConnectionOptions): Promise<{ data?: string; error?: Error }> {
  const socket = tls.connect(options);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    socket.on('error', (error) => resolve({ error }));
    socket.on('close', () => resolve({ data: Buffer.concat(chunks).toString() }));
  });
}

describe('tlsServerOptions / tlsClientOptions', () => {
  it('gives PEM options with the chain, a PKCS#8 key, the anchors as CA and Node’s checks on', () => {
    const server = tlsServerOptions(credentials(web, bundle));
    expect(server.cert).toBe(web.leaf.pem + web.leaf.chain.map((c) => writeBundle([c])).join(''));
    expect(server.key).toBe(web.key.exportPkcs8Pem());
    expect(server.ca).toEqual([anchor.pem]);
    expect(server.requestCert).toBe(true);
    expect(server.rejectUnauthorized).toBe(true);
    const clientOptions = tlsClientOptions(credentials(client, bundle));
    expect(clientOptions.rejectUnauthorized).toBe(true);
    expect('requestCert' in clientOptions).toBe(false);
    expect('checkServerIdentity' in clientOptions).toBe(false);
    const peer = createPeerCheck({ bundle, identity: WEB_IDENTITY });
    const withPeer = tlsClientOptions({ ...credentials(client, bundle), peer });
    expect(withPeer.checkServerIdentity).toBe(peer.checkServerIdentity);
    expect(withPeer.servername).toBe(WEB_IDENTITY);
    // Material in every input form: DER, PEM text, Node's X509Certificate for the chain.
    const mixed = tlsServerOptions({
      certificate: web.leaf.der,
      key: web.key.exportPkcs8Pem(),
      chain: web.leaf.chain.map((c) => c.der),
      bundle: [anchor.pem],
    });
    expect(mixed.cert).toBe(server.cert);
  });

  it('refuses a key that is not the leaf’s, and peers not made by createPeerCheck', () => {
    expect(codeOf(() => tlsServerOptions({ ...credentials(web, bundle), key: client.key }))).toBe(
      'ERR_KEY_MISMATCH',
    );
    // biome-ignore lint/suspicious/noExplicitAny: misuse from plain JavaScript
    const fake = { checkServerIdentity: () => undefined } as any;
    expect(codeOf(() => tlsClientOptions({ ...credentials(client, bundle), peer: fake }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    // biome-ignore lint/suspicious/noExplicitAny: misuse from plain JavaScript
    expect(codeOf(() => new (PeerCheck as any)({ bundle, identity: IDENTITY }))).toBe('ERR_INVALID_ARGUMENT');
    for (const identity of ['*.shop.svc', '10.0.0.1', 'https://web', [], 42])
      expect(codeOf(() => createPeerCheck({ bundle, identity: identity as never }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
  });
});

describe('mTLS over node:tls with the peer check', () => {
  it('accepts the right identities on both sides', async () => {
    const { server, seen } = greetingServer(web, SPIFFE_ID);
    const port = await listen(server);
    const peer = createPeerCheck({ bundle, identity: WEB_IDENTITY });
    const result = await talk({
      ...tlsClientOptions({ ...credentials(client, bundle), peer }),
      host: '127.0.0.1',
      port,
    });
    expect(result).toEqual({ data: 'hello' });
    expect(seen.greeted).toBe(1);
  });

  it('a client refuses a server with another identity (DNS or SPIFFE ID)', async () => {
    const { server } = greetingServer(web, matchMemberOf('identity.linkerd.cluster.local'));
    const port = await listen(server);
    for (const identity of [IDENTITY, SPIFFE_ID]) {
      const peer = createPeerCheck({ bundle, identity });
      const result = await talk({
        ...tlsClientOptions({ ...credentials(client, bundle), peer }),
        host: '127.0.0.1',
        port,
      });
      expect(result.error).toBeInstanceOf(PeerVerificationError);
      expect((result.error as PeerVerificationError).code).toBe('NAME_MISMATCH');
      expect(result.data).toBeUndefined();
    }
  });

  it('a server refuses a client with another identity before reading anything', async () => {
    const { server, seen } = greetingServer(web, matchOneOf(WEB_SPIFFE_ID));
    const port = await listen(server);
    const peer = createPeerCheck({ bundle, identity: WEB_IDENTITY });
    const socket = tls.connect({
      ...tlsClientOptions({ ...credentials(client, bundle), peer }),
      host: '127.0.0.1',
      port,
    });
    socket.on('error', () => {});
    await once(socket, 'secureConnect');
    socket.write('GET / HTTP/1.1\r\n\r\n');
    await once(socket, 'close');
    expect(seen.greeted).toBe(0);
    expect(seen.refused).toHaveLength(1);
    expect(seen.refused[0]).toBeInstanceOf(PeerVerificationError);
    expect((seen.refused[0] as PeerVerificationError).code).toBe('NAME_MISMATCH');
  });

  it('a foreign anchor’s leaf is refused by Node’s own validation', async () => {
    const { server, seen } = greetingServer(web, SPIFFE_ID);
    const port = await listen(server);
    const peer = createPeerCheck({ bundle, identity: WEB_IDENTITY });
    const result = await talk({
      ...tlsClientOptions({ ...credentials(stranger, bundle), peer }),
      host: '127.0.0.1',
      port,
    });
    expect(result.data ?? '').toBe('');
    expect(seen.greeted).toBe(0);
    // And the check refuses it on its own: the chain does not reach the anchors.
    const check = createPeerCheck({ bundle, identity: IDENTITY });
    const chain = peerChainOf(stranger);
    const verdict = check.verify(chain, 'client');
    expect(verdict.ok).toBe(false);
    // The foreign anchor has our anchor's name but another key identifier: an unknown issuer.
    expect(!verdict.ok && verdict.code).toBe('UNKNOWN_ISSUER');
  });

  it('an expired leaf is refused (by Node, and by the check with its own clock)', async () => {
    const { server } = greetingServer(expired, SPIFFE_ID);
    const port = await listen(server);
    const peer = createPeerCheck({ bundle, identity: WEB_IDENTITY });
    const result = await talk({
      ...tlsClientOptions({ ...credentials(client, bundle), peer }),
      host: '127.0.0.1',
      port,
    });
    expect((result.error as Error & { code?: string }).code).toBe('CERT_HAS_EXPIRED');
    // A valid leaf that Node accepts, seen by a check whose clock is two days ahead: EXPIRED.
    const { server: live } = greetingServer(web, SPIFFE_ID);
    const livePort = await listen(live);
    const late = createPeerCheck({
      bundle,
      identity: WEB_IDENTITY,
      now: () => new Date(Date.now() + 48 * HOUR),
    });
    const refused = await talk({
      ...tlsClientOptions({ ...credentials(client, bundle), peer: late }),
      host: '127.0.0.1',
      port: livePort,
    });
    expect((refused.error as PeerVerificationError).code).toBe('EXPIRED');
  });
});

let resumed = 0;
describe('mTLS over node:https', () => {
  async function httpsServer(identity: Parameters<typeof createPeerCheck>[0]['identity']) {
    let handled = 0;
    const server = https.createServer(tlsServerOptions(credentials(web, bundle)), (req, res) => {
      handled++;
      const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
      res.end(`hello ${peer?.subjectaltname?.match(/URI:(\S+)/)?.[1] ?? ''}`);
    });
    createPeerCheck({ bundle, identity }).protect(server);
    server.on('secureConnection', (s: tls.TLSSocket) => {
      if (s.isSessionReused()) resumed++;
    });
    const port = await listen(server);
    return { port, handled: () => handled };
  }

  function get(port: number, options: https.RequestOptions): Promise<{ body?: string; error?: Error }> {
    return new Promise((resolve) => {
      const req = https.request({ ...options, host: '127.0.0.1', port, path: '/' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ body }));
      });
      req.on('error', (error) => resolve({ error }));
      req.end();
    });
  }

  it('serves a client with the right identity; refuses a wrong server or client identity', async () => {
    const { port, handled } = await httpsServer(SPIFFE_ID);
    const peer = createPeerCheck({ bundle, identity: WEB_SPIFFE_ID });
    const ok = await get(port, {
      ...tlsClientOptions({ ...credentials(client, bundle), peer }),
      agent: false,
    });
    expect(ok).toEqual({ body: `hello ${SPIFFE_ID}` });
    const wrongServer = createPeerCheck({ bundle, identity: SPIFFE_ID });
    const refused = await get(port, {
      ...tlsClientOptions({ ...credentials(client, bundle), peer: wrongServer }),
      agent: false,
    });
    expect((refused.error as PeerVerificationError).code).toBe('NAME_MISMATCH');
    // The server's own leaf as a client (a valid mesh leaf, another identity): refused before the handler.
    const asWeb = await get(port, {
      ...tlsClientOptions({ ...credentials(web, bundle), peer }),
      agent: false,
    });
    expect(asWeb.error).toBeDefined();
    expect(handled()).toBe(1);
  });

  it('an agent’s resumed session is never reused for another identity', async () => {
    const { port } = await httpsServer(SPIFFE_ID);
    const agent = new https.Agent({ keepAlive: false });
    try {
      for (const [identity, ok] of [
        [WEB_SPIFFE_ID, true],
        [SPIFFE_ID, false],
        [WEB_SPIFFE_ID, true],
        [SPIFFE_ID, false],
        [WEB_IDENTITY, true],
        [IDENTITY, false],
      ] as const) {
        const peer = createPeerCheck({ bundle, identity });
        const result = await get(port, {
          ...tlsClientOptions({ ...credentials(client, bundle), peer }),
          agent,
        });
        expect([identity, result.error === undefined ? 'accepted' : String(result.error)]).toEqual([
          identity,
          ok ? 'accepted' : expect.stringContaining('NAME_MISMATCH'),
        ]);
      }
    } finally {
      agent.destroy();
    }
    expect(resumed).toBeGreaterThan(0);
  });
});

/** The shape `getPeerCertificate(true)` gives for a workload's presented chain (and the anchor). */
function peerChainOf(w: Workload, root?: Uint8Array) {
  type Node = { raw?: Buffer; issuerCertificate?: Node };
  const ders = [w.leaf.der, ...w.leaf.chain.map((c) => c.der), ...(root ? [root] : [])];
  const nodes: Node[] = ders.map((d) => ({ raw: Buffer.from(d) }));
  nodes.forEach((n, i) => {
    n.issuerCertificate = nodes[i + 1] ?? n;
  });
  return nodes[0]!;
}

describe('PeerCheck.verify on getPeerCertificate(true) shapes', () => {
  it('walks issuerCertificate until it repeats, with or without the anchor', () => {
    const check = createPeerCheck({ bundle, identity: IDENTITY });
    const withRoot = check.verify(peerChainOf(client, anchor.der), 'client');
    expect(withRoot.ok && withRoot.identity.spiffeId).toBe(SPIFFE_ID);
    expect(check.verify(peerChainOf(client), 'client').ok).toBe(true);
  });

  it('no certificate ({} or null) and a missing raw are MALFORMED, not a crash', () => {
    const check = createPeerCheck({ bundle, identity: IDENTITY });
    for (const peer of [{}, null, undefined, { raw: undefined }, { raw: Buffer.alloc(0) }]) {
      const r = check.verify(peer as never, 'client');
      expect(!r.ok && r.code).toBe('MALFORMED');
    }
    // An intermediate without raw ends the walk: the leaf alone cannot reach the anchor.
    const chain = peerChainOf(client);
    chain.issuerCertificate = { issuerCertificate: chain };
    const r = check.verify(chain, 'client');
    expect(!r.ok && r.code).toBe('UNKNOWN_ISSUER');
  });

  it('a self-issued leaf (issuerCertificate is itself) terminates and is refused', () => {
    const check = createPeerCheck({ bundle, identity: IDENTITY });
    const self = { raw: Buffer.from(anchor.der), issuerCertificate: undefined as unknown };
    self.issuerCertificate = self;
    const r = check.verify(self as never, 'client');
    expect(r.ok).toBe(false);
    // A cycle of two distinct objects terminates too.
    const a: { raw: Buffer; issuerCertificate?: unknown } = { raw: Buffer.from(client.leaf.der) };
    const b = { raw: Buffer.from(client.leaf.chain[0]!.der), issuerCertificate: a };
    a.issuerCertificate = b;
    expect(check.verify(a as never, 'client').ok).toBe(true);
  });

  it('checks the usage and refuses a CA as the peer', () => {
    const check = createPeerCheck({ bundle, identity: IDENTITY });
    expect(codeOf(() => check.verify(peerChainOf(client), 'any' as never))).toBe('ERR_INVALID_ARGUMENT');
    const issuerAsPeer = { raw: Buffer.from(client.leaf.chain[0]!.der) };
    const r = createPeerCheck({ bundle, identity: matchMemberOf('identity.linkerd.cluster.local') }).verify(
      issuerAsPeer,
      'server',
    );
    expect(r.ok).toBe(false);
  });
});

describe("Node's X509Certificate as certificate material", () => {
  it('is accepted by verifyChain, Verifier and createTrustStore', async () => {
    const x509 = (input: string | Uint8Array) => new X509Certificate(input) as unknown as CertificateInput;
    const leaf = x509(client.leaf.pem);
    const issuer = x509(client.leaf.chain[0]!.der);
    const root = x509(anchor.pem);
    const store = createTrustStore([root]);
    expect(store.size).toBe(1);
    const cold = await verifyChain({ leaf, intermediates: [issuer], bundle: [root], name: SPIFFE_ID });
    expect(cold.ok).toBe(true);
    const warm = await new Verifier({ bundle: store }).verify({ leaf, intermediates: [issuer] });
    expect(warm.ok && warm.identity.spiffeId).toBe(SPIFFE_ID);
    const foreign = await verifyChain({ leaf: x509(stranger.leaf.pem), bundle: store });
    expect(!foreign.ok && foreign.code).toBe('UNKNOWN_ISSUER');
  });
});

describe('docs/guides/node-mtls.md', () => {
  const out = new URL('../.tmp/node-mtls-guide/', import.meta.url);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs', async () => {
    const guide = readFileSync(new URL('../docs/guides/node-mtls.md', import.meta.url), 'utf8');
    const blocks = [...guide.matchAll(/^```ts *(no-run)?\n([\s\S]*?)^```$/gm)]
      .filter((m) => !m[1])
      .map((m) => m[2]!);
    expect(blocks.length).toBeGreaterThan(0);
    const src = (p: string) => new URL(`../src/${p}`, import.meta.url).pathname;
    const source = blocks
      .join('\n')
      .replaceAll("from 'l5d-pki/node'", `from '${src('node/index.ts')}'`)
      .replaceAll("from 'l5d-pki'", `from '${src('index.ts')}'`);
    mkdirSync(out, { recursive: true });
    const module = new URL('guide.ts', out);
    writeFileSync(module, `${source}\nexport {};\n`);
    await import(module.pathname);
  });
});
