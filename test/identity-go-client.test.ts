// Go's own HTTP/2, TLS and crypto/x509 (standard library only) as a client of the identity server: the
// load generator of `npm run bench -- --certify` (bench/certify-load), run here for its checks, not its
// speed. Its warm-up calls verify each leaf against the anchors for the identity, with the
// intermediates the server sent.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustAnchor } from '../src/anchor';
import { staticTokenAuthenticator } from '../src/identity';
import { createIssuer } from '../src/issuer';
import { type IdentityServer, startIdentityServer } from '../src/node';
import { goEnv, runGo } from './helpers/go';
import { WEB_IDENTITY } from './helpers/pki';

interface Run {
  readonly code: number | null;
  readonly lines: readonly Record<string, unknown>[];
  readonly stderr: string;
}

describe.skipIf(!runGo)('Go as a Certify client (bench/certify-load)', () => {
  let dir: string;
  let program: string;
  let server: IdentityServer;
  let anchorPem: string;
  let otherAnchorPem: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l5d-pki-go-'));
    program = join(dir, 'certify-load');
    const built = spawnSync('go', ['build', '-o', program, '.'], {
      cwd: resolve(import.meta.dirname, '..', 'bench', 'certify-load'),
      env: goEnv(dir),
      encoding: 'utf8',
    });
    expect(built.stderr).toBe('');
    const anchor = await createTrustAnchor();
    anchorPem = anchor.pem;
    otherAnchorPem = (await createTrustAnchor()).pem;
    server = await startIdentityServer({
      issuer: await createIssuer({ anchor }),
      bundle: anchorPem,
      authenticator: staticTokenAuthenticator({ 'token-of-web': 'system:serviceaccount:shop:web' }),
      listen: '127.0.0.1:0',
    });
  }, 120_000);

  afterAll(async () => {
    await server?.close(1000);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the generator: its setup (with `setup` over the defaults), then `levels`, then end of input. */
  function run(
    setup: Record<string, unknown>,
    levels: readonly Record<string, unknown>[] = [],
  ): Promise<Run> {
    const child = spawn(program, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const input = {
      server: server.address,
      serverName: server.serverName,
      anchorsPem: anchorPem,
      identity: WEB_IDENTITY,
      token: 'token-of-web',
      channels: 2,
      pool: 0,
      warmup: 16,
      ...setup,
    };
    child.stdin.end([input, ...levels].map((m) => `${JSON.stringify(m)}\n`).join(''));
    return new Promise((done) => {
      child.on('close', (code) =>
        done({
          code,
          stderr,
          lines: stdout
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l)),
        }),
      );
    });
  }

  it('is certified over HTTP/2 and TLS, each leaf verifying with crypto/x509, calls in flight', async () => {
    const r = await run({ pool: 48 }, [{ inFlight: 8, durationMs: 600_000, maxCalls: 48 }]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines[0]).toEqual({ type: 'ready' });
    expect(r.lines[1]).toMatchObject({ type: 'result', calls: 48, failures: 0 });
    expect(r.lines[1]?.latenciesUs).toHaveLength(48);
  }, 60_000);

  it('reads Linkerd’s status codes from the trailers', async () => {
    const r = await run({ token: 'nobody' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('grpc-status 9: authentication token could not be authenticated');
  }, 60_000);

  it('trusts only the anchors it is given, and checks the server name', async () => {
    const stranger = await run({ anchorsPem: otherAnchorPem });
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/certificate signed by unknown authority/);
    const misnamed = await run({ serverName: 'identity.linkerd.cluster.local' });
    expect(misnamed.code).toBe(1);
    expect(misnamed.stderr).toMatch(/certificate is valid for .*linkerd-identity\.linkerd\.serviceaccount/);
  }, 60_000);
});
