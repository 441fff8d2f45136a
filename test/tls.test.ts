import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type PeerCertificate, type Server, type TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateAuthority, createTrustAnchor, writeBundle } from '../src/anchor';
import { createCsr } from '../src/csr';
import { createIssuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import { issueLeaf } from '../src/leaf';
import { IDENTITY, SPIFFE_ID, WEB_IDENTITY, WEB_SPIFFE_ID } from './helpers/pki';

/** What a TLS endpoint needs: the chain to present and its key. */
interface Credentials {
  readonly cert: string;
  readonly key: string;
}

async function workload(anchor: CertificateAuthority, identity: string): Promise<Credentials> {
  const issuer = await createIssuer({ anchor });
  const key = await generateKeyPair();
  const csr = await createCsr({ key, identity });
  const leaf = await issueLeaf({ issuer, csr: csr.der, identity });
  return { cert: leaf.chainPem, key: key.exportPkcs8Pem() };
}

/** The URI SANs in Node's `subjectaltname` string. */
function uris(peer: PeerCertificate): string[] {
  return (peer.subjectaltname ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('mTLS between two l5d-pki leaves over node:tls', () => {
  let bundle: string;
  let server: Credentials;
  let client: Credentials;
  let stranger: Credentials;

  beforeAll(async () => {
    // Rotation in progress: the server's issuer is under the old anchor, the client's under the new one.
    const oldAnchor = await createTrustAnchor({ commonName: 'root-old.linkerd.cluster.local' });
    const newAnchor = await createTrustAnchor({ commonName: 'root-new.linkerd.cluster.local' });
    const foreignAnchor = await createTrustAnchor({ commonName: 'root-new.linkerd.cluster.local' });
    bundle = writeBundle([oldAnchor.certificate, newAnchor.certificate]);
    server = await workload(oldAnchor, WEB_IDENTITY);
    client = await workload(newAnchor, IDENTITY);
    stranger = await workload(foreignAnchor, IDENTITY);
  });

  function mtlsServer(onSecure: (socket: TLSSocket) => void): Server {
    return createServer(
      { ...server, ca: bundle, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' },
      onSecure,
    );
  }

  it('completes the handshake; each side reads the other’s SPIFFE ID', async () => {
    let serverSaw: Promise<{ authorized: boolean; peer: PeerCertificate }> | undefined;
    const srv = mtlsServer((socket) => {
      serverSaw = Promise.resolve({ authorized: socket.authorized, peer: socket.getPeerCertificate() });
      socket.end('hello from web');
    });
    try {
      const port = await listen(srv);
      const socket = connect({ ...client, ca: bundle, host: '127.0.0.1', port, servername: WEB_IDENTITY });
      try {
        await once(socket, 'secureConnect');
        expect(socket.authorized).toBe(true);
        expect(socket.getProtocol()).toBe('TLSv1.3');
        const peer = socket.getPeerCertificate();
        expect(uris(peer)).toEqual([WEB_SPIFFE_ID]);
        expect(peer.subjectaltname).toContain(`DNS:${WEB_IDENTITY}`);
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        await once(socket, 'end');
        expect(Buffer.concat(chunks).toString()).toBe('hello from web');
        expect(serverSaw).toBeDefined();
        const seen = await serverSaw!;
        expect(seen.authorized).toBe(true);
        expect(uris(seen.peer)).toEqual([SPIFFE_ID]);
        expect(seen.peer.subject.CN).toBe(IDENTITY);
      } finally {
        socket.destroy();
      }
    } finally {
      await close(srv);
    }
  });

  it('refuses a client whose leaf chains to a foreign anchor', async () => {
    let secured = false;
    const srv = mtlsServer((socket) => {
      secured = true;
      socket.end('should never be sent');
    });
    try {
      const port = await listen(srv);
      const serverError = once(srv, 'tlsClientError') as Promise<[Error & { code?: string }]>;
      const socket = connect({ ...stranger, ca: bundle, host: '127.0.0.1', port, servername: WEB_IDENTITY });
      socket.on('error', () => {});
      const received: Buffer[] = [];
      socket.on('data', (c: Buffer) => received.push(c));
      try {
        // Node's server verifies the client chain after the handshake and, with rejectUnauthorized, drops
        // the connection before any application data: it reports a hang-up, and the client sees a close.
        const [serverErr] = await serverError;
        expect(serverErr.code).toBe('ECONNRESET');
        await once(socket, 'close');
        expect(secured).toBe(false);
        expect(Buffer.concat(received).length).toBe(0);
      } finally {
        socket.destroy();
      }
    } finally {
      await close(srv);
    }
  });

  it('a server that records instead of rejecting says why: the client chain has no trusted anchor', async () => {
    const srv = createServer({ ...server, ca: bundle, requestCert: true, rejectUnauthorized: false });
    try {
      const port = await listen(srv);
      const seen = once(srv, 'secureConnection') as Promise<[TLSSocket]>;
      const socket = connect({ ...stranger, ca: bundle, host: '127.0.0.1', port, servername: WEB_IDENTITY });
      socket.on('error', () => {});
      try {
        const [peer] = await seen;
        expect(peer.authorized).toBe(false);
        expect(String(peer.authorizationError)).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
        expect(uris(peer.getPeerCertificate())).toEqual([SPIFFE_ID]);
        peer.destroy();
      } finally {
        socket.destroy();
      }
    } finally {
      await close(srv);
    }
  });

  it('the client refuses a server outside its bundle', async () => {
    const srv = createServer({ ...stranger, requestCert: false });
    try {
      const port = await listen(srv);
      const socket = connect({ ...client, ca: bundle, host: '127.0.0.1', port, servername: IDENTITY });
      try {
        const [err] = (await once(socket, 'error')) as [Error & { code?: string }];
        expect(err.code).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
      } finally {
        socket.destroy();
      }
    } finally {
      await close(srv);
    }
  });
});
