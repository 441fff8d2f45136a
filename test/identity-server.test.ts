// The identity service over gRPC, HTTP/2 and TLS: the server, the client, the CLI, and independent peers
// (buf curl, a Go gRPC client; OpenSSL for the chains).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { credentials, Metadata, makeGenericClientConstructor } from '@grpc/grpc-js';
import { exportJWK, generateKeyPair as joseKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { createCsr } from '../src/csr';
import { staticTokenAuthenticator, type TokenAuthenticator } from '../src/identity';
import { createIssuer, type Issuer } from '../src/issuer';
import { generateKeyPair } from '../src/keys';
import {
  certify,
  createIdentityClient,
  type IdentityServer,
  inClusterAccess,
  jwksTokenAuthenticator,
  kubeconfigAccess,
  startIdentityServer,
  tokenReviewAuthenticator,
  watchIssuerFiles,
} from '../src/node';
import { IDENTITY_SERVICE } from '../src/node/identity/grpc';
import { parseCertificate } from '../src/x509';
import { bundleCli } from './helpers/cli-run';
import { hasOpenssl, OpensslDir } from './helpers/openssl';
import { WEB_IDENTITY } from './helpers/pki';

const SERVER_NAME = 'linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local';

let anchorPem: string;
let issuer: Issuer;
let otherAnchorPem: string;
let anchorKey: Issuer['key'];

beforeAll(async () => {
  const anchor = await createTrustAnchor();
  anchorPem = anchor.pem;
  anchorKey = anchor.key;
  issuer = await createIssuer({ anchor });
  otherAnchorPem = (await createTrustAnchor()).pem;
});

const authenticator = staticTokenAuthenticator({
  'token-of-web': 'system:serviceaccount:shop:web',
  'token-of-api': 'system:serviceaccount:shop:api',
  expired: {
    ok: false,
    reason: 'invalid',
    message: 'invalid bearer token, service account token has expired',
  },
});

let servers: IdentityServer[] = [];
const dirs: string[] = [];

const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close(1000)));
  servers = [];
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'l5d-identity-'));
  dirs.push(dir);
  return dir;
}

/** Issuer files in a new temporary directory: their paths, and `write(cert, key)` to replace both. */
function issuerFiles() {
  const dir = tempDir();
  const certificateFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const write = (cert: string, key: string) => {
    writeFileSync(certificateFile, cert);
    writeFileSync(keyFile, key);
  };
  return { certificateFile, keyFile, write };
}

async function start(
  options: Partial<Parameters<typeof startIdentityServer>[0]> = {},
): Promise<IdentityServer> {
  const server = await startIdentityServer({
    issuer,
    bundle: anchorPem,
    authenticator,
    listen: '127.0.0.1:0',
    ...options,
  });
  servers.push(server);
  return server;
}

describe('identity server and client, in process', () => {
  it('serves its own leaf for Linkerd’s 70-character name, with the issuer chain', async () => {
    const server = await start();
    expect(server.serverName).toBe(SERVER_NAME);
    expect(SERVER_NAME).toHaveLength(70);
    expect(server.servingLeaf.certificate.subjectAltNames).toEqual([{ type: 'dns', value: SERVER_NAME }]);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('certifies a workload: the client trusts only the anchors and checks the server name', async () => {
    const server = await start();
    const key = await generateKeyPair();
    const result = await certify({
      server: server.address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'token-of-web',
      key,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.key).toBe(key);
    expect(parseCertificate(result.der).subject.commonName).toBe(WEB_IDENTITY);
    expect(result.intermediates).toEqual([issuer.der]);
    expect(result.validUntil.getTime()).toBe(result.certificate.notAfter.getTime());
    const left = result.validUntil.getTime() - Date.now();
    expect(result.refreshAt.getTime() - Date.now()).toBeGreaterThan(left * 0.69);
    expect(result.refreshAt.getTime() - Date.now()).toBeLessThanOrEqual(left * 0.7 + 1000);
  });

  it('keeps one channel for many concurrent calls (createIdentityClient)', async () => {
    const server = await start();
    const client = createIdentityClient({ server: server.address, bundle: anchorPem });
    try {
      expect(client.serverName).toBe(SERVER_NAME);
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          client.certify({ identity: WEB_IDENTITY, token: i % 4 === 3 ? 'nobody' : 'token-of-web' }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(48);
      expect(results.filter((r) => !r.ok && r.code === 'FAILED_PRECONDITION')).toHaveLength(16);
      const keys = new Set(results.map((r) => (r.ok ? r.key.publicKey.spki.join() : '')));
      expect(keys.size).toBe(49);
    } finally {
      client.close();
    }
  });

  it('answers Linkerd’s codes over the wire', async () => {
    const server = await start();
    const call = (token: string, identity = WEB_IDENTITY) =>
      certify({ server: server.address, bundle: anchorPem, identity, token });
    expect(await call('expired')).toEqual({
      ok: false,
      code: 'INVALID_ARGUMENT',
      status: 3,
      message: 'invalid bearer token, service account token has expired',
    });
    expect(await call('nobody')).toEqual({
      ok: false,
      code: 'FAILED_PRECONDITION',
      status: 9,
      message: 'authentication token could not be authenticated',
    });
    const mismatch = await call('token-of-api');
    expect(mismatch.ok === false && mismatch.code).toBe('FAILED_PRECONDITION');
    expect(mismatch.ok === false && mismatch.message).toMatch(
      /^requested identity did not match provided token/,
    );
  });

  it('refuses a server that the anchors do not vouch for, or whose name is not the expected one', async () => {
    const server = await start();
    const untrusted = await certify({
      server: server.address,
      bundle: otherAnchorPem,
      identity: WEB_IDENTITY,
      token: 'token-of-web',
    });
    expect(untrusted.ok === false && untrusted.code).toBe('UNAVAILABLE');
    const wrongName = await certify({
      server: server.address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'token-of-web',
      serverName: 'linkerd-identity.other.serviceaccount.identity.other.cluster.local',
    });
    expect(wrongName.ok === false && wrongName.code).toBe('UNAVAILABLE');
  });

  it('answers UNAVAILABLE when nothing listens', async () => {
    const server = await start();
    const address = server.address;
    await server.close();
    servers = [];
    const r = await certify({
      server: address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'x',
      timeoutMs: 2000,
    });
    expect(r.ok === false && r.code).toBe('UNAVAILABLE');
  });

  it('logs never contain the token', async () => {
    const lines: string[] = [];
    const server = await start({ log: (e) => lines.push(JSON.stringify(e)) });
    for (const token of ['token-of-web', 'secret-token-value', 'expired'])
      await certify({ server: server.address, bundle: anchorPem, identity: WEB_IDENTITY, token });
    expect(lines.length).toBe(3);
    for (const line of lines) {
      expect(line).not.toContain('token-of-web');
      expect(line).not.toContain('secret-token-value');
      expect(line).not.toContain('PRIVATE KEY');
    }
  });

  it('refuses to start with an issuer that does not verify against the anchors', async () => {
    await expect(start({ bundle: otherAnchorPem })).rejects.toMatchObject({ code: 'ERR_ISSUER_CHAIN' });
  });
});

describe('operations: admin endpoints, limits, issuer reload', () => {
  it('serves /ping, /ready and /metrics with issuer_cert_ttl_seconds and calls by code', async () => {
    const server = await start({ admin: '127.0.0.1:0' });
    expect(server.adminAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    await certify({
      server: server.address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'token-of-web',
    });
    await certify({ server: server.address, bundle: anchorPem, identity: WEB_IDENTITY, token: 'nobody' });
    const get = async (path: string) => {
      const res = await fetch(`http://${server.adminAddress}${path}`);
      return { status: res.status, body: await res.text() };
    };
    expect(await get('/ping')).toEqual({ status: 200, body: 'pong\n' });
    expect((await get('/ready')).status).toBe(200);
    expect((await get('/nothing')).status).toBe(404);
    const metrics = (await get('/metrics')).body;
    const ttl = Number(/^issuer_cert_ttl_seconds (\d+)$/m.exec(metrics)?.[1]);
    expect(Math.abs(ttl - (issuer.certificate.notAfter.getTime() - Date.now()) / 1000)).toBeLessThan(5);
    expect(metrics).toMatch(/^identity_trust_anchor_ttl_seconds \d+$/m);
    expect(metrics).toContain('identity_certify_requests_total{code="OK"} 1');
    expect(metrics).toContain('identity_certify_requests_total{code="FAILED_PRECONDITION"} 1');
    expect(metrics).toContain('identity_certify_duration_seconds_count 2');
  });

  it('finishes the calls in flight when it closes, and bounds a call by its deadline', async () => {
    let release: () => void = () => {};
    let waiting = false;
    const slow: TokenAuthenticator = {
      async authenticate(t) {
        if (new TextDecoder().decode(t) === 'hang') return new Promise(() => {});
        await new Promise<void>((r) => {
          release = r;
          waiting = true;
        });
        return authenticator.authenticate(t);
      },
    };
    const bounded = await start({ authenticator: slow, callTimeoutMs: 300 });
    const hung = await certify({
      server: bounded.address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'hang',
    });
    expect(hung.ok === false && hung.code).toBe('DEADLINE_EXCEEDED');
    const server = await start({ authenticator: slow });
    const pending = certify({
      server: server.address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'token-of-web',
    });
    for (let i = 0; i < 5000 && !waiting; i++) await new Promise((r) => setTimeout(r, 10));
    const closing = server.close(5000);
    release();
    expect((await pending).ok).toBe(true);
    await closing;
    servers = servers.filter((s) => s !== server);
  });

  it('answers a message that is not a CertifyRequest with INTERNAL, one over 1 MiB with RESOURCE_EXHAUSTED, and stays up', async () => {
    const server = await start();
    const Raw = makeGenericClientConstructor(
      {
        Certify: {
          ...IDENTITY_SERVICE.Certify,
          requestSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      'raw',
    );
    const client = new Raw(server.address, credentials.createSsl(Buffer.from(anchorPem)), {
      'grpc.ssl_target_name_override': server.serverName,
    });
    const send = (body: Buffer) =>
      new Promise<number>((done) => {
        client.makeUnaryRequest(
          IDENTITY_SERVICE.Certify.path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          new Metadata(),
          { deadline: Date.now() + 5000 },
          (error) => done(error?.code ?? 0),
        );
      });
    try {
      expect(await send(Buffer.from([0x0a, 0x7f, 0x01]))).toBe(13);
      // Over the 1 MiB message limit: RESOURCE_EXHAUSTED.
      expect(await send(Buffer.alloc(1024 * 1024 + 16))).toBe(8);
    } finally {
      client.close();
    }
    const r = await certify({
      server: server.address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'token-of-web',
    });
    expect(r.ok).toBe(true);
  });

  it('reloads the issuer from its files; garbage and an expired issuer are skipped, the old one stays', async () => {
    const { certificateFile, keyFile, write } = issuerFiles();
    const anchor = await createTrustAnchor({ now: new Date(Date.now() - 4 * 3_600_000) });
    const first = await createIssuer({ anchor });
    const second = await createIssuer({ anchor });
    write(first.pem, first.key.exportPkcs8Pem());
    const server = await start({ issuer: first, bundle: anchor.pem });
    const entries: string[] = [];
    const watcher = watchIssuerFiles(server, {
      certificateFile,
      keyFile,
      intervalMs: 60_000,
      // The test decides when to look: a directory event racing its own check() would make it flaky.
      watchDirectory: false,
      log: (e) => entries.push(JSON.stringify(e)),
    });
    try {
      expect(await watcher.check()).toBe('unchanged');
      const issuedBy = async () => {
        const r = await certify({
          server: server.address,
          bundle: anchor.pem,
          identity: WEB_IDENTITY,
          token: 'token-of-web',
        });
        if (!r.ok) throw new Error(r.message);
        return r.intermediates[0];
      };
      expect(await issuedBy()).toEqual(first.der);

      write('garbage', 'garbage');
      expect(await watcher.check()).toBe('skipped');
      expect(await issuedBy()).toEqual(first.der);

      const expired = await createIssuer({
        anchor,
        now: new Date(Date.now() - 3 * 3_600_000),
        lifetime: '1h',
      });
      write(expired.pem, expired.key.exportPkcs8Pem());
      expect(await watcher.check()).toBe('skipped');
      const foreign = await createIssuer({ anchor: await createTrustAnchor() });
      write(foreign.pem, foreign.key.exportPkcs8Pem());
      expect(await watcher.check()).toBe('skipped');
      expect(await issuedBy()).toEqual(first.der);

      write(second.pem, second.key.exportPkcs8Pem());
      expect(await watcher.check()).toBe('updated');
      expect(await issuedBy()).toEqual(second.der);
      expect(server.servingLeaf.chain[0]!.der).toEqual(second.der);
      expect(entries.filter((e) => e.includes('IssuerUpdateSkipped'))).toHaveLength(3);
      expect(entries.filter((e) => e.includes('IssuerUpdated'))).toHaveLength(1);
      for (const e of entries) expect(e).not.toContain('PRIVATE KEY');
    } finally {
      watcher.stop();
    }
  });

  it('answers check() for the files as they are when it is called, even while a read is under way', async () => {
    const { certificateFile, keyFile, write } = issuerFiles();
    const anchor = await createTrustAnchor();
    const [first, second] = [await createIssuer({ anchor }), await createIssuer({ anchor })];
    write(first.pem, first.key.exportPkcs8Pem());
    const server = await start({ issuer: first, bundle: anchor.pem });
    // A server whose issuer switch waits for the test: a read is then under way for as long as it likes.
    let entered: () => void = () => {};
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const gated = {
      get issuer() {
        return server.issuer;
      },
      async setIssuer(next: Parameters<IdentityServer['setIssuer']>[0]) {
        entered();
        await gate;
        return server.setIssuer(next);
      },
    } as unknown as IdentityServer;
    const watcher = watchIssuerFiles(gated, {
      certificateFile,
      keyFile,
      intervalMs: 60_000,
      watchDirectory: false,
    });
    try {
      expect(await watcher.check()).toBe('unchanged');
      write(second.pem, second.key.exportPkcs8Pem());
      const during = watcher.check();
      await inside; // that read has the second issuer's files and waits in setIssuer
      write('garbage', 'garbage');
      const after = watcher.check();
      release();
      expect(await during).toBe('updated');
      expect(await after).toBe('skipped');
      expect(server.issuer.certificate.der).toEqual(second.der);
    } finally {
      watcher.stop();
    }
  });

  it('keeps serving clients while the issuer rotates mid-run', async () => {
    const server = await start();
    const next = await createIssuer({ anchor: { certificate: issuer.chain[0]!, key: anchorKey } });
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        if (i === 10) await server.setIssuer(next);
        return certify({
          server: server.address,
          bundle: anchorPem,
          identity: WEB_IDENTITY,
          token: 'token-of-web',
        });
      }),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    await server.setIssuer(issuer);
  });
});

// A soak: good and bad calls mixed, with the issuer files replaced by garbage and by an expired issuer
// halfway. L5D_SOAK_CALLS raises the count (100000 by hand; the suite runs a short one).
const SOAK_CALLS = Number(process.env.L5D_SOAK_CALLS ?? 1200);

describe('soak', () => {
  it('answers every good call and refuses every bad one while the issuer files go bad', {
    timeout: Math.max(60_000, SOAK_CALLS * 10),
  }, async () => {
    const total = SOAK_CALLS;
    const { certificateFile, keyFile, write } = issuerFiles();
    const anchor = await createTrustAnchor({ now: new Date(Date.now() - 4 * 3_600_000) });
    const good = await createIssuer({ anchor });
    const expired = await createIssuer({ anchor, now: new Date(Date.now() - 3 * 3_600_000), lifetime: '1h' });
    write(good.pem, good.key.exportPkcs8Pem());
    const server = await start({ issuer: good, bundle: anchor.pem });
    const events: string[] = [];
    const watcher = watchIssuerFiles(server, {
      certificateFile,
      keyFile,
      intervalMs: 20,
      log: (e) => events.push(String(e.event)),
    });
    const client = createIdentityClient({ server: server.address, bundle: anchor.pem });
    const key = await generateKeyPair();
    const counts = { ok: 0, refused: 0, unexpected: [] as string[] };
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      let n = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (n < total) {
            const i = n++;
            if (i === Math.floor(total / 3)) write('garbage', 'garbage');
            if (i === Math.floor(total / 2)) write(expired.pem, expired.key.exportPkcs8Pem());
            const bad = i % 3 === 0;
            const r = await client.certify({
              identity: WEB_IDENTITY,
              token: bad ? 'nobody' : 'token-of-web',
              key,
            });
            if (!bad && r.ok) counts.ok++;
            else if (bad && !r.ok && r.code === 'FAILED_PRECONDITION') counts.refused++;
            else counts.unexpected.push(r.ok ? 'issued for a bad token' : `${r.code}: ${r.message}`);
          }
        }),
      );
    } finally {
      client.close();
      watcher.stop();
    }
    expect(counts.unexpected.slice(0, 5)).toEqual([]);
    expect(counts.ok + counts.refused).toBe(total);
    expect(server.issuer.der).toEqual(good.der);
    expect(events.filter((e) => e === 'IssuerUpdateSkipped').length).toBeGreaterThanOrEqual(2);
    expect(events).not.toContain('IssuerUpdated');
    // Loose: the heap does not grow with the number of calls.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('the JWT token authenticator', () => {
  const AUD = 'identity.l5d.io';
  const SUB = 'system:serviceaccount:shop:web';
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let stranger: CryptoKeyPair;
  let jwks: string;

  beforeAll(async () => {
    rsa = await joseKeyPair('RS256', { extractable: true });
    ec = await joseKeyPair('ES256', { extractable: true });
    stranger = await joseKeyPair('RS256', { extractable: true });
    jwks = JSON.stringify({
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' },
      ],
    });
  });

  async function token(
    options: {
      key?: CryptoKey;
      kid?: string;
      alg?: string;
      aud?: string;
      sub?: string | null;
      exp?: number;
      nbf?: number;
      iss?: string;
    } = {},
  ): Promise<Uint8Array> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'rsa' })
      .setIssuedAt(now)
      .setIssuer(options.iss ?? 'https://kubernetes.default.svc.cluster.local')
      .setAudience(options.aud ?? AUD)
      .setExpirationTime(options.exp ?? now + 3600)
      .setNotBefore(options.nbf ?? now);
    if (options.sub !== null) jwt.setSubject(options.sub ?? SUB);
    return new TextEncoder().encode(await jwt.sign(options.key ?? rsa.privateKey));
  }

  it('accepts projected tokens signed RS256 or ES256 for identity.l5d.io', async () => {
    const auth = jwksTokenAuthenticator({ jwks });
    expect(await auth.authenticate(await token())).toEqual({ ok: true, username: SUB });
    expect(await auth.authenticate(await token({ key: ec.privateKey, kid: 'ec', alg: 'ES256' }))).toEqual({
      ok: true,
      username: SUB,
    });
  });

  it('answers as a TokenReview would: invalid for the cluster’s own tokens it cannot accept', async () => {
    const auth = jwksTokenAuthenticator({ jwks, issuer: 'https://kubernetes.default.svc.cluster.local' });
    const now = Math.floor(Date.now() / 1000);
    const reason = async (t: Uint8Array) => {
      const v = await auth.authenticate(t);
      return v.ok ? 'ok' : v.reason === 'invalid' ? `invalid: ${v.message}` : 'unauthenticated';
    };
    expect(await reason(await token({ exp: now - 60 }))).toBe(
      'invalid: invalid bearer token, service account token has expired',
    );
    expect(await reason(await token({ nbf: now + 60 }))).toBe(
      'invalid: invalid bearer token, service account token is not valid yet',
    );
    expect(await reason(await token({ aud: 'https://kubernetes.default.svc' }))).toMatch(
      /^invalid: .*audience/,
    );
    expect(await reason(await token({ key: stranger.privateKey }))).toBe(
      'invalid: invalid bearer token, signature verification failed',
    );
    expect(await reason(await token({ sub: null }))).toMatch(/^invalid: .*subject/);
    // Within the 5 s leeway.
    expect(await reason(await token({ exp: now - 2 }))).toBe('ok');
    // Not the cluster's: another issuer, a key not in the set, not a JWT at all, not UTF-8.
    expect(await reason(await token({ iss: 'https://elsewhere' }))).toBe('unauthenticated');
    expect(await reason(await token({ key: stranger.privateKey, kid: 'unknown' }))).toBe('unauthenticated');
    expect(await reason(new TextEncoder().encode('not-a-jwt'))).toBe('unauthenticated');
    expect(await reason(new Uint8Array([0xff, 0xfe]))).toBe('unauthenticated');
  });

  it('refuses a JWKS that is not one', () => {
    expect(() => jwksTokenAuthenticator({ jwks: 'nope' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => jwksTokenAuthenticator({ jwks: '{"keys":[]}' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('drives the server’s codes end to end', async () => {
    const server = await start({ authenticator: jwksTokenAuthenticator({ jwks }) });
    const call = async (t: Uint8Array) =>
      certify({ server: server.address, bundle: anchorPem, identity: WEB_IDENTITY, token: t });
    expect((await call(await token())).ok).toBe(true);
    const expired = await call(await token({ exp: Math.floor(Date.now() / 1000) - 60 }));
    expect(expired.ok === false && expired.code).toBe('INVALID_ARGUMENT');
    const other = await call(await token({ key: stranger.privateKey, kid: 'unknown' }));
    expect(other.ok === false && other.code).toBe('FAILED_PRECONDITION');
  });
});

// No Kubernetes API server exists here: a local HTTPS stand-in of its one TokenReview endpoint answers
// as a real one does (status.error for its own tokens it cannot accept, authenticated: false for others,
// the audience error that Linkerd retries without an audience).
describe.skipIf(!hasOpenssl)('the TokenReview authenticator, against a stand-in of the API server', () => {
  let api: HttpsServer | undefined;
  let ca = '';
  let url = '';
  const reviews: { token: string; audiences: string[]; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    const openssl = new OpensslDir('l5d-identity-apiserver-');
    try {
      openssl.run([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=kube-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
      ]);
      ca = openssl.readText('cert.pem');
      api = createHttpsServer({ cert: ca, key: openssl.readText('key.pem') }, (req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => {
          body += d.toString();
        });
        req.on('end', () => {
          if (req.method !== 'POST' || req.url !== '/apis/authentication.k8s.io/v1/tokenreviews') {
            res.writeHead(404).end();
            return;
          }
          const { spec } = JSON.parse(body) as { spec: { token: string; audiences: string[] } };
          reviews.push({ ...spec, authorization: req.headers.authorization });
          if (req.headers.authorization !== 'Bearer identity-sa-token') {
            res.writeHead(401).end('{}');
            return;
          }
          const status =
            spec.token === 'good'
              ? { authenticated: true, user: { username: 'system:serviceaccount:shop:web' } }
              : spec.token === 'expired'
                ? { authenticated: false, error: '[invalid bearer token, service account token has expired]' }
                : spec.token === 'old-cluster' && spec.audiences.length > 0
                  ? {
                      authenticated: false,
                      error:
                        'token audiences ["identity.l5d.io"] is invalid for the target audiences ["api"]',
                    }
                  : spec.token === 'old-cluster'
                    ? { authenticated: true, user: { username: 'system:serviceaccount:shop:web' } }
                    : { authenticated: false };
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status }));
        });
      });
      api.listen(0, '127.0.0.1');
      await new Promise((r) => api!.once('listening', r));
      url = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;
    } finally {
      openssl.cleanup();
    }
  });
  afterAll(() => {
    api?.closeAllConnections();
    api?.close();
  });

  it('reviews with audience identity.l5d.io, retries without it, and maps the answers to Linkerd’s codes', async () => {
    const auth = tokenReviewAuthenticator({ cluster: { server: url, ca, token: 'identity-sa-token' } });
    const bytes = (t: string) => new TextEncoder().encode(t);
    expect(await auth.authenticate(bytes('good'))).toEqual({
      ok: true,
      username: 'system:serviceaccount:shop:web',
    });
    expect(reviews.at(-1)).toEqual({
      token: 'good',
      audiences: ['identity.l5d.io'],
      authorization: 'Bearer identity-sa-token',
    });
    expect(await auth.authenticate(bytes('expired'))).toEqual({
      ok: false,
      reason: 'invalid',
      message: '[invalid bearer token, service account token has expired]',
    });
    expect(await auth.authenticate(bytes('stranger'))).toEqual({ ok: false, reason: 'unauthenticated' });
    expect(await auth.authenticate(bytes('old-cluster'))).toEqual({
      ok: true,
      username: 'system:serviceaccount:shop:web',
    });
    expect(reviews.slice(-2).map((r) => r.audiences)).toEqual([['identity.l5d.io'], []]);
    // The server's codes end to end, and INTERNAL when the API call fails.
    const server = await start({ authenticator: auth });
    const call = (t: string) =>
      certify({ server: server.address, bundle: anchorPem, identity: WEB_IDENTITY, token: t });
    expect((await call('good')).ok).toBe(true);
    const expired = await call('expired');
    expect(expired.ok === false && [expired.code, expired.message]).toEqual([
      'INVALID_ARGUMENT',
      '[invalid bearer token, service account token has expired]',
    ]);
    const stranger = await call('stranger');
    expect(stranger.ok === false && stranger.code).toBe('FAILED_PRECONDITION');
    const unauthorized = tokenReviewAuthenticator({ cluster: { server: url, ca, token: 'wrong' } });
    await expect(unauthorized.authenticate(bytes('good'))).rejects.toThrow(/HTTP 401/);
    const server2 = await start({ authenticator: unauthorized });
    const internal = await certify({
      server: server2.address,
      bundle: anchorPem,
      identity: WEB_IDENTITY,
      token: 'good',
    });
    expect(internal.ok === false && internal.code).toBe('INTERNAL');
    // An API server whose certificate the CA does not vouch for: the call fails.
    const untrusted = tokenReviewAuthenticator({
      cluster: { server: url, ca: anchorPem, token: 'identity-sa-token' },
    });
    await expect(untrusted.authenticate(bytes('good'))).rejects.toThrow(/TokenReview failed/);
  });

  it('reads a kubeconfig and the in-cluster files', () => {
    const config = [
      'apiVersion: v1',
      'kind: Config',
      'current-context: test',
      'contexts: [{ name: test, context: { cluster: c, user: u } }]',
      `clusters: [{ name: c, cluster: { server: "${url}", certificate-authority-data: ${Buffer.from(ca).toString('base64')} } }]`,
      'users: [{ name: u, user: { token: identity-sa-token } }]',
    ].join('\n');
    expect(kubeconfigAccess(config)).toEqual({ server: url, ca, token: 'identity-sa-token' });
    expect(() => kubeconfigAccess('current-context: nope')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.crt'), ca);
    writeFileSync(join(dir, 'token'), 'identity-sa-token\n');
    expect(
      inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir),
    ).toEqual({
      server: 'https://10.96.0.1:443',
      ca,
      token: 'identity-sa-token',
    });
    expect(() => inClusterAccess({}, dir)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

const BUF = resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'buf');
const PROTO = resolve(import.meta.dirname, '..', 'proto');

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runFile(file: string, args: readonly string[], cwd?: string): Promise<Run> {
  return new Promise((done) => {
    execFile(file, [...args], { cwd, maxBuffer: 16 << 20, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : (error as { code?: unknown }).code;
      done({ status: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

describe.skipIf(!existsSync(BUF) || !hasOpenssl)(
  'an independent gRPC client: buf curl (grpc-go), and OpenSSL',
  () => {
    const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

    it('gets Linkerd’s code on every path, trusting only the anchors and checking the server name', async () => {
      const throwing: TokenAuthenticator = {
        async authenticate(t) {
          if (new TextDecoder().decode(t) === 'broken') throw new Error('the API server did not answer');
          return authenticator.authenticate(t);
        },
      };
      const server = await start({ authenticator: throwing });
      const dir = tempDir();
      const anchors = join(dir, 'ca.crt');
      writeFileSync(anchors, anchorPem);
      const openssl = new OpensslDir('l5d-identity-openssl-');
      try {
        const csrOf = async (identity = WEB_IDENTITY) =>
          (await createCsr({ key: await generateKeyPair(), identity })).der;
        openssl.run([
          'genpkey',
          '-algorithm',
          'EC',
          '-pkeyopt',
          'ec_paramgen_curve:P-384',
          '-out',
          'p384.pem',
        ]);
        openssl.run([
          'req',
          '-new',
          '-key',
          'p384.pem',
          '-subj',
          `/CN=${WEB_IDENTITY}`,
          '-addext',
          `subjectAltName=DNS:${WEB_IDENTITY}`,
          '-outform',
          'DER',
          '-out',
          'p384.der',
        ]);
        const good = await csrOf();
        const call = (body: Record<string, string>) =>
          runFile(BUF, [
            'curl',
            '--protocol',
            'grpc',
            '--schema',
            PROTO,
            '--cacert',
            anchors,
            '--servername',
            server.serverName,
            '-d',
            JSON.stringify(body),
            `https://${server.address}/io.linkerd.proxy.identity.Identity/Certify`,
          ]);
        const body = (patch: Record<string, string> = {}) => ({
          identity: WEB_IDENTITY,
          token: b64('token-of-web'),
          certificateSigningRequest: b64(good),
          ...patch,
        });
        const cases: [Record<string, string>, string, string | RegExp][] = [
          [body({ identity: '' }), 'invalid_argument', 'missing identity'],
          [body({ token: '' }), 'invalid_argument', 'missing token'],
          [
            body({ certificateSigningRequest: '' }),
            'invalid_argument',
            'missing certificate signing request',
          ],
          [body({ certificateSigningRequest: b64('garbage') }), 'invalid_argument', /./],
          [
            body({
              certificateSigningRequest: b64(
                await csrOf('api.shop.serviceaccount.identity.linkerd.cluster.local'),
              ),
            }),
            'failed_precondition',
            /^CSR name does not match requested identity/,
          ],
          [
            body({ token: b64('expired') }),
            'invalid_argument',
            'invalid bearer token, service account token has expired',
          ],
          [
            body({ token: b64('nobody') }),
            'failed_precondition',
            'authentication token could not be authenticated',
          ],
          [
            body({ token: b64('broken') }),
            'internal',
            `error validating token for ${WEB_IDENTITY}: the API server did not answer`,
          ],
          [
            body({ token: b64('token-of-api') }),
            'failed_precondition',
            /^requested identity did not match provided token/,
          ],
          [
            body({ certificateSigningRequest: b64(openssl.readBytes('p384.der')) }),
            'internal',
            /^CSR must contain an ECDSA P-256 public key/,
          ],
        ];
        for (const [request, code, message] of cases) {
          const r = await call(request);
          expect(r.status, r.stderr).not.toBe(0);
          const error = JSON.parse(r.stderr) as { code: string; message: string };
          expect(error.code, JSON.stringify(request)).toBe(code);
          if (typeof message === 'string') expect(error.message).toBe(message);
          else expect(error.message).toMatch(message);
        }

        const ok = await call(body());
        expect(ok.status, ok.stderr).toBe(0);
        const response = JSON.parse(ok.stdout) as {
          leafCertificate: string;
          intermediateCertificates: string[];
          validUntil: string;
        };
        const leaf = parseCertificate(Buffer.from(response.leafCertificate, 'base64'));
        expect(new Date(response.validUntil).getTime()).toBe(leaf.notAfter.getTime());
        const pem = (b: string) =>
          `-----BEGIN CERTIFICATE-----\n${b.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
        openssl.write('leaf.pem', pem(response.leafCertificate));
        openssl.write('inter.pem', response.intermediateCertificates.map(pem).join(''));
        openssl.write('ca.pem', anchorPem);
        const verified = openssl.run([
          'verify',
          '-CAfile',
          'ca.pem',
          '-untrusted',
          'inter.pem',
          '-purpose',
          'sslclient',
          '-verify_hostname',
          WEB_IDENTITY,
          'leaf.pem',
        ]);
        expect(verified.stdout).toContain('leaf.pem: OK');

        // Another anchor, or another server name: no connection.
        writeFileSync(anchors, otherAnchorPem);
        expect((await call(body())).status).not.toBe(0);
        writeFileSync(anchors, anchorPem);
        const wrongName = await runFile(BUF, [
          'curl',
          '--protocol',
          'grpc',
          '--schema',
          PROTO,
          '--cacert',
          anchors,
          '--servername',
          'linkerd-identity.other.serviceaccount.identity.other.cluster.local',
          '-d',
          JSON.stringify(body()),
          `https://${server.address}/io.linkerd.proxy.identity.Identity/Certify`,
        ]);
        expect(wrongName.status).not.toBe(0);
      } finally {
        openssl.cleanup();
      }
    });
  },
);

const ROOT = resolve(import.meta.dirname, '..');
let cli = '';
let bundleDir = '';

/** The CLI, bundled from source as the package builds it (dependencies resolve from node_modules). */
async function cliPath(): Promise<string> {
  if (cli !== '') return cli;
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  bundleDir = mkdtempSync(join(ROOT, '.tmp', 'identity-cli-'));
  cli = join(bundleDir, 'cli.js');
  await bundleCli(cli);
  return cli;
}

afterAll(() => {
  if (bundleDir !== '') rmSync(bundleDir, { recursive: true, force: true });
});

/** Starts `l5d-pki serve identity` and resolves with its address once it prints `listening on`. */
async function serveProcess(
  args: readonly string[],
  cwd: string,
): Promise<{ child: ChildProcess; address: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [await cliPath(), 'serve', 'identity', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const address = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no "listening on" in 20 s: ${err}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        done(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited ${code}: ${err}`));
    });
  });
  return { child, address, stdout: () => out, stderr: () => err };
}

describe('the CLI: serve identity and certify as two processes', () => {
  it('certifies over TLS, writes the key and chain, and stops on SIGTERM', async () => {
    const dir = tempDir();
    const rsa = await joseKeyPair('RS256', { extractable: true });
    writeFileSync(
      join(dir, 'jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'k', alg: 'RS256' }] }),
    );
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setSubject('system:serviceaccount:shop:web')
      .setAudience('identity.l5d.io')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(rsa.privateKey);
    writeFileSync(join(dir, 'token'), jwt);
    writeFileSync(join(dir, 'other-token'), 'not-a-jwt');
    writeFileSync(join(dir, 'ca.crt'), anchorPem);
    writeFileSync(join(dir, 'issuer.crt'), issuer.pem);
    writeFileSync(join(dir, 'issuer.key'), issuer.key.exportPkcs8Pem());
    const server = await serveProcess(
      [
        '--issuer-cert',
        'issuer.crt',
        '--issuer-key',
        'issuer.key',
        '--anchors',
        'ca.crt',
        '--token-jwks',
        'jwks.json',
        '--listen',
        '127.0.0.1:0',
      ],
      dir,
    );
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const base = [
      'certify',
      '--server',
      server.address,
      '--anchors',
      'ca.crt',
      '--identity',
      WEB_IDENTITY,
      '--out',
      'out',
    ];
    const first = await runFile(process.execPath, [cli, ...base, '--token-file', 'token'], dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^valid until {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(first.stdout).toMatch(/^refresh at {3}\d{4}-/m);
    expect(statSync(join(dir, 'out', 'tls.key')).mode & 0o777).toBe(0o600);
    const keyBefore = readFileSync(join(dir, 'out', 'tls.key'), 'utf8');
    if (hasOpenssl) {
      const openssl = new OpensslDir('l5d-identity-openssl-');
      try {
        openssl.write('ca.pem', anchorPem);
        openssl.write('chain.pem', readFileSync(join(dir, 'out', 'tls.crt')));
        const v = openssl.run([
          'verify',
          '-CAfile',
          'ca.pem',
          '-untrusted',
          'chain.pem',
          '-verify_hostname',
          WEB_IDENTITY,
          'chain.pem',
        ]);
        expect(v.stdout).toContain('OK');
      } finally {
        openssl.cleanup();
      }
    }
    // A renewal reuses the key, as the proxy does.
    const again = await runFile(process.execPath, [cli, ...base, '--token-file', 'token'], dir);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out', 'tls.key'), 'utf8')).toBe(keyBefore);
    // --watch: the first certificate, then waits for the next refresh until SIGTERM.
    const watch = spawn(process.execPath, [cli, ...base, '--token-file', 'token', '--watch'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(watch);
    let watched = '';
    watch.stdout!.on('data', (d: Buffer) => {
      watched += d.toString();
    });
    for (let i = 0; i < 2000 && !/refresh at/.test(watched); i++) await new Promise((r) => setTimeout(r, 25));
    expect(watched).toMatch(/^valid until/m);
    const watchExit = new Promise<number | null>((done) => watch.once('exit', (code) => done(code)));
    watch.kill('SIGTERM');
    expect(await watchExit).toBe(0);
    // Refused: exit 1 with the gRPC code and message.
    const refused = await runFile(process.execPath, [cli, ...base, '--token-file', 'other-token'], dir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      'l5d-pki: FAILED_PRECONDITION: authentication token could not be authenticated\n',
    );
    // Unreadable input: exit 2.
    const missing = await runFile(process.execPath, [cli, ...base, '--token-file', 'no-such-file'], dir);
    expect(missing.status).toBe(2);
    const usage = await runFile(process.execPath, [cli, 'certify', '--server', 'nowhere'], dir);
    expect(usage.status).toBe(2);
    // The logs name identities and codes, never the token.
    expect(server.stderr()).toContain('"code":"FAILED_PRECONDITION"');
    expect(server.stderr()).not.toContain(jwt);
    expect(server.stderr()).not.toContain('not-a-jwt');
    const exited = new Promise<number | null>((done) => server.child.once('exit', (code) => done(code)));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('serves from a mounted issuer Secret, reloads it when Kubernetes swaps ..data, and serves /metrics', async () => {
    const dir = tempDir();
    const anchor = await createTrustAnchor();
    const first = await createIssuer({ anchor, lifetime: '100h' });
    const second = await createIssuer({ anchor, lifetime: '200h' });
    const rsa = await joseKeyPair('RS256', { extractable: true });
    writeFileSync(
      join(dir, 'jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'k', alg: 'RS256' }] }),
    );
    writeFileSync(join(dir, 'ca.crt'), anchor.pem);
    // The layout of a mounted Secret: files in a timestamped directory, reached through ..data.
    const secret = join(dir, 'issuer');
    const version = (name: string, i: Issuer) => {
      mkdirSync(join(secret, name), { recursive: true });
      writeFileSync(join(secret, name, 'crt.pem'), i.pem);
      writeFileSync(join(secret, name, 'key.pem'), i.key.exportPkcs8Pem());
    };
    version('..2026_01', first);
    symlinkSync('..2026_01', join(secret, '..data'));
    symlinkSync('..data/crt.pem', join(secret, 'crt.pem'));
    symlinkSync('..data/key.pem', join(secret, 'key.pem'));
    const server = await serveProcess(
      [
        '--issuer-dir',
        'issuer',
        '--scheme',
        'linkerd.io/tls',
        '--anchors',
        'ca.crt',
        '--token-jwks',
        'jwks.json',
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
      ],
      dir,
    );
    let admin = '';
    for (let i = 0; i < 1000 && admin === ''; i++) {
      admin = /^admin on (\S+)$/m.exec(server.stdout())?.[1] ?? '';
      if (admin === '') await new Promise((r) => setTimeout(r, 50));
    }
    expect(admin).toMatch(/^127\.0\.0\.1:\d+$/);
    const ttl = async () => {
      const body = await (await fetch(`http://${admin}/metrics`)).text();
      return Number(/^issuer_cert_ttl_seconds (\d+)$/m.exec(body)?.[1]) / 3600;
    };
    expect(Math.round(await ttl())).toBe(100);
    // Kubernetes' atomic update: a new directory, then ..data renamed over.
    version('..2026_02', second);
    symlinkSync('..2026_02', join(secret, '..data_tmp'));
    renameSync(join(secret, '..data_tmp'), join(secret, '..data'));
    let hours = 0;
    for (let i = 0; i < 500 && Math.round(hours) !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      hours = await ttl();
    }
    expect(Math.round(hours)).toBe(200);
    expect(server.stderr()).toContain('"event":"IssuerUpdated"');
    const exited = new Promise<number | null>((done) => server.child.once('exit', (code) => done(code)));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses bad flags and files with exit 2', async () => {
    const dir = tempDir();
    await cliPath();
    const r = await runFile(process.execPath, [cli, 'serve', 'identity', '--anchors', 'ca.crt'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^l5d-pki: missing --issuer-cert/);
    const other = await runFile(process.execPath, [cli, 'serve', 'nothing'], dir);
    expect(other.status).toBe(2);
  });
});
