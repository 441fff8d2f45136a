import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  experimental,
  type handleUnaryCall,
  Server,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { PkiError } from '../../errors';
import type { TokenAuthenticator } from '../../identity/authenticator';
import { type CertifySettings, certify } from '../../identity/certify';
import { type CertifyRequest, type CertifyResponse, MAX_IDENTITY_MESSAGE_SIZE } from '../../identity/wire';
import { type Issuer, type IssuerInput, toIssuer } from '../../issuer/issuer';
import { generateKeyPair, type PrivateKey } from '../../keys';
import { type IssuedLeaf, issueLeafForKey } from '../../leaf';
import { encodePem } from '../../pem';
import { proxyRefreshDelay } from '../../schedule/proxy';
import { isDns1123Label, isDns1123Subdomain } from '../../spiffe/dns';
import { verifyChain } from '../../verify/chain';
import { createTrustStore, type TrustBundleInput, type TrustStore } from '../../verify/store';
import { formatHostPort, IDENTITY_SERVICE, parseHostPort } from './grpc';

/**
 * One structured log entry of the identity server. Entries name identities, gRPC codes and messages,
 * never a token or a key.
 *
 * @example
 * ```ts
 * const log = (entry: IdentityLogEntry) => console.error(JSON.stringify(entry));
 * ```
 */
export interface IdentityLogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [field: string]: unknown;
}

/**
 * Options of {@link startIdentityServer}.
 *
 * @example
 * ```ts
 * const options: IdentityServerOptions = { issuer, bundle: anchorsPem, authenticator, listen: '127.0.0.1:0' };
 * ```
 */
export interface IdentityServerOptions {
  /** The issuer that signs workload leaves and the server's own leaf. */
  readonly issuer: IssuerInput;
  /** The trust anchors; the issuer is verified against them on every call. */
  readonly bundle: TrustBundleInput;
  /** Decides who a token belongs to. */
  readonly authenticator: TokenAuthenticator;
  /** Trust domain, control-plane namespace, issuance lifetime and clock-skew allowance. */
  readonly settings?: CertifySettings;
  /** Where to listen, `host:port`; port 0 picks a free port. Default `127.0.0.1:8080`. */
  readonly listen?: string;
  /** Receives the log entries. Default: none. */
  readonly log?: (entry: IdentityLogEntry) => void;
  /** Most concurrent calls on one connection (HTTP/2 streams). Default 256. */
  readonly maxConcurrentStreams?: number;
  /** Longest a call may take before it is answered `DEADLINE_EXCEEDED`, in milliseconds. Default 10 s. */
  readonly callTimeoutMs?: number;
  /**
   * Where to serve `/ready`, `/ping` and Prometheus `/metrics` over plain HTTP, `host:port` (port 0 picks
   * a free port); none by default.
   */
  readonly admin?: string;
}

/**
 * A running identity service: Linkerd's `io.linkerd.proxy.identity.Identity/Certify` over gRPC, HTTP/2
 * and TLS.
 *
 * @example
 * ```ts
 * const server = await startIdentityServer({ issuer, bundle, authenticator, listen: '127.0.0.1:0' });
 * console.log(`listening on ${server.address}`);
 * await server.close();
 * ```
 */
export interface IdentityServer {
  /** Where it listens, `host:port`. */
  readonly address: string;
  /** The port it listens on. */
  readonly port: number;
  /** The name of its own leaf, which clients check: `linkerd-identity.<ns>.serviceaccount.identity.<ns>.<td>`. */
  readonly serverName: string;
  /** Its own leaf, sent with the issuer chain. */
  readonly servingLeaf: IssuedLeaf;
  /** The issuer in use. */
  readonly issuer: Issuer;
  /** Where the admin endpoints listen, `host:port`, when `admin` was given. */
  readonly adminAddress: string | undefined;
  /**
   * The Prometheus metrics as text: `issuer_cert_ttl_seconds` (as Linkerd names it),
   * `identity_trust_anchor_ttl_seconds` (the anchor that expires first), `identity_certify_requests_total`
   * by gRPC code, and the `identity_certify_duration_seconds` histogram.
   */
  metrics(): string;
  /**
   * Switches to another issuer: it must verify against the anchors and be a CA, else the old one stays
   * (and the returned promise rejects with the reason). The server's own leaf is re-issued from it.
   */
  setIssuer(issuer: IssuerInput): Promise<void>;
  /**
   * Stops accepting calls, lets the calls in flight finish (at most `graceMs`, default 10 s), then closes
   * every connection.
   */
  close(graceMs?: number): Promise<void>;
}

/** Linkerd's name for the identity service's own leaf. */
function serverNameFor(settings: CertifySettings): string {
  const ns = settings.controlPlaneNamespace ?? 'linkerd';
  const td = settings.trustDomain ?? 'cluster.local';
  if (!isDns1123Label(ns) || !isDns1123Subdomain(td))
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'the control-plane namespace or trust domain is not a DNS name',
    );
  return `linkerd-identity.${ns}.serviceaccount.identity.${ns}.${td}`;
}

/** Pushes the serving leaf to grpc-js's TLS context, now and on every renewal. */
class ServingCertificates implements experimental.CertificateProvider {
  #identity: experimental.IdentityCertificateUpdate | null = null;
  #ca: experimental.CaCertificateUpdate | null = null;
  readonly #identityListeners = new Set<experimental.IdentityCertificateUpdateListener>();
  readonly #caListeners = new Set<experimental.CaCertificateUpdateListener>();

  set(leaf: IssuedLeaf, key: PrivateKey, anchors: TrustStore): void {
    this.#identity = {
      certificate: Buffer.from(leaf.chainPem),
      privateKey: Buffer.from(key.exportPkcs8Pem()),
    };
    this.#ca = {
      caCertificate: Buffer.from(anchors.anchors.map((a) => encodePem('CERTIFICATE', a.der)).join('')),
    };
    for (const l of this.#caListeners) l(this.#ca);
    for (const l of this.#identityListeners) l(this.#identity);
  }
  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.#caListeners.add(listener);
    // Later, as grpc-js registers its own watcher only after this returns.
    queueMicrotask(() => {
      if (this.#ca && this.#caListeners.has(listener)) listener(this.#ca);
    });
  }
  removeCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.#caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.#identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.#identity && this.#identityListeners.has(listener)) listener(this.#identity);
    });
  }
  removeIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.#identityListeners.delete(listener);
  }
}

/** grpc-js's status for a gRPC code number. */
function grpcError(code: number, details: string): { code: number; details: string } {
  return { code, details };
}

/**
 * Starts Linkerd's identity service: `Identity/Certify` over gRPC, HTTP/2 and TLS, answering exactly as
 * Linkerd's controller does ({@link certify}). It presents its own leaf, minted from the issuer for
 * `linkerd-identity.<ns>.serviceaccount.identity.<ns>.<trust-domain>` and sent with the issuer chain, so
 * a client that trusts only the anchors and checks that name connects, as the proxy does; the leaf is
 * renewed on the proxy's schedule. It resolves once the server accepts connections.
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` for bad options; the issuer's and the bundle's codes;
 *   `ERR_ISSUER_CHAIN` when the issuer does not verify against the anchors. Errors of binding the address
 *   reject as they are.
 * @example
 * ```ts
 * import { jwksTokenAuthenticator, startIdentityServer } from 'l5d-pki/node';
 *
 * const server = await startIdentityServer({
 *   issuer: { certificate: issuerPem, key: issuerKeyPem },
 *   bundle: anchorsPem,
 *   authenticator: jwksTokenAuthenticator({ jwks }),
 *   listen: '127.0.0.1:0',
 * });
 * console.log(`listening on ${server.address}`);
 * ```
 */
export async function startIdentityServer(options: IdentityServerOptions): Promise<IdentityServer> {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'startIdentityServer takes an options object');
  const settings: CertifySettings = options.settings ?? {};
  const serverName = serverNameFor(settings);
  const bundle = createTrustStore(options.bundle);
  const authenticator = options.authenticator;
  const log = options.log ?? (() => {});
  const listen = parseHostPort(options.listen ?? '127.0.0.1:8080');
  if (listen === undefined) throw new PkiError('ERR_INVALID_ARGUMENT', '`listen` must be host:port');
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const maxStreams = options.maxConcurrentStreams ?? 256;
  if (
    !(
      Number.isSafeInteger(callTimeoutMs) &&
      callTimeoutMs > 0 &&
      Number.isSafeInteger(maxStreams) &&
      maxStreams > 0
    )
  )
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      '`callTimeoutMs` and `maxConcurrentStreams` must be positive integers',
    );

  const admin = options.admin === undefined ? undefined : parseHostPort(options.admin);
  if (options.admin !== undefined && admin === undefined)
    throw new PkiError('ERR_INVALID_ARGUMENT', '`admin` must be host:port');
  const stats = new CallStats();

  let issuer = await checkedIssuer(options.issuer, bundle);
  const certificates = new ServingCertificates();
  const key = await generateKeyPair();
  let servingLeaf = await mintServingLeaf(issuer, key, serverName, settings);
  certificates.set(servingLeaf, key, bundle);

  let renewal: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const scheduleRenewal = () => {
    if (renewal !== undefined) clearTimeout(renewal);
    if (closed) return;
    const delay = proxyRefreshDelay({ notAfter: servingLeaf.validUntil, now: new Date() });
    renewal = setTimeout(renew, delay);
    renewal.unref();
  };
  const renew = async () => {
    try {
      servingLeaf = await mintServingLeaf(issuer, key, serverName, settings);
      certificates.set(servingLeaf, key, bundle);
      log({
        level: 'info',
        msg: 'renewed the serving certificate',
        validUntil: servingLeaf.validUntil.toISOString(),
      });
    } catch (e) {
      log({ level: 'error', msg: 'could not renew the serving certificate', error: messageOf(e) });
    }
    scheduleRenewal();
  };

  const handler: handleUnaryCall<CertifyRequest, CertifyResponse> = (
    call: ServerUnaryCall<CertifyRequest, CertifyResponse>,
    callback: sendUnaryData<CertifyResponse>,
  ) => {
    let answered = false;
    const answer: sendUnaryData<CertifyResponse> = (error, value) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      callback(error, value);
    };
    const timer = setTimeout(() => {
      stats.record('DEADLINE_EXCEEDED', callTimeoutMs);
      log({ level: 'warn', msg: 'certify call timed out', identity: clip(call.request.identity) });
      answer(grpcError(status.DEADLINE_EXCEEDED, 'the identity service did not answer in time'));
    }, callTimeoutMs);
    const request = call.request;
    const started = performance.now();
    certify({ request, authenticator, issuer, bundle, settings }).then(
      (result) => {
        stats.record(result.ok ? 'OK' : result.code, performance.now() - started);
        if (result.ok) {
          log({
            level: 'info',
            msg: `issued certificate for ${result.identity} until ${result.response.validUntil.toISOString()}`,
            identity: result.identity,
            serial: result.leaf.certificate.serialHex,
          });
          answer(null, result.response);
          return;
        }
        log({
          level: result.code === 'UNKNOWN' || result.code === 'INTERNAL' ? 'error' : 'info',
          msg: 'certify refused',
          identity: clip(request.identity),
          code: result.code,
          message: clip(result.message),
          ...(result.event === undefined ? {} : { event: result.event }),
        });
        answer(grpcError(result.status, result.message));
      },
      (e: unknown) => {
        stats.record('INTERNAL', performance.now() - started);
        log({
          level: 'error',
          msg: 'certify failed',
          identity: clip(request.identity),
          error: clip(messageOf(e)),
        });
        answer(grpcError(status.INTERNAL, messageOf(e)));
      },
    );
  };

  const server = new Server({
    'grpc.max_receive_message_length': MAX_IDENTITY_MESSAGE_SIZE,
    'grpc.max_send_message_length': MAX_IDENTITY_MESSAGE_SIZE,
    'grpc.max_concurrent_streams': maxStreams,
  });
  server.addService(IDENTITY_SERVICE, { Certify: handler });
  // The same provider for both roles: grpc-js then asks clients for a certificate but requires none
  // (the proxy presents none before its first one), and the argument order cannot matter.
  const credentials = experimental.createCertificateProviderServerCredentials(
    certificates,
    certificates,
    false,
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(formatHostPort(listen.host, listen.port), credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  scheduleRenewal();
  const address = formatHostPort(listen.host, port);
  const metrics = () => {
    const now = Date.now();
    const anchorTtl = Math.min(...bundle.anchors.map((a) => a.notAfter.getTime()));
    return [
      '# HELP issuer_cert_ttl_seconds The remaining seconds until the issuer certificate expires',
      '# TYPE issuer_cert_ttl_seconds gauge',
      `issuer_cert_ttl_seconds ${Math.floor((issuer.certificate.notAfter.getTime() - now) / 1000)}`,
      '# HELP identity_trust_anchor_ttl_seconds The remaining seconds until the first trust anchor expires',
      '# TYPE identity_trust_anchor_ttl_seconds gauge',
      `identity_trust_anchor_ttl_seconds ${Math.floor((anchorTtl - now) / 1000)}`,
      ...stats.lines(),
      '',
    ].join('\n');
  };
  let adminServer: HttpServer | undefined;
  let adminAddress: string | undefined;
  if (admin !== undefined) {
    adminServer = createHttpServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
      } else if (path === '/ping') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('pong\n');
      } else if (path === '/ready') {
        const ready = !closed && issuer.certificate.notAfter.getTime() > Date.now();
        res
          .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
          .end(ready ? 'ok\n' : 'not ready\n');
      } else if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
      } else {
        res.writeHead(404).end();
      }
    });
    const httpServer = adminServer;
    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(admin.port, admin.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      server.forceShutdown();
      if (renewal !== undefined) clearTimeout(renewal);
      throw e;
    }
    adminAddress = formatHostPort(admin.host, (httpServer.address() as AddressInfo).port);
  }

  return {
    address,
    port,
    serverName,
    get servingLeaf() {
      return servingLeaf;
    },
    get issuer() {
      return issuer;
    },
    adminAddress,
    metrics,
    async setIssuer(input) {
      const next = await checkedIssuer(input, bundle);
      const leaf = await mintServingLeaf(next, key, serverName, settings);
      issuer = next;
      servingLeaf = leaf;
      certificates.set(leaf, key, bundle);
      scheduleRenewal();
    },
    close(graceMs = 10_000) {
      closed = true;
      if (renewal !== undefined) clearTimeout(renewal);
      adminServer?.close();
      adminServer?.closeAllConnections();
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** Longest text of a request a log entry repeats. */
const MAX_LOGGED = 512;

/** `text` cut for a log entry: requests are untrusted and may be long. */
function clip(text: string): string {
  return text.length <= MAX_LOGGED ? text : `${text.slice(0, MAX_LOGGED)}… (${text.length} characters)`;
}

/** Upper bounds of the latency histogram, in seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Calls by gRPC code and their latency, for `/metrics`. */
class CallStats {
  readonly #byCode = new Map<string, number>();
  readonly #buckets = new Array<number>(BUCKETS.length).fill(0);
  #count = 0;
  #sum = 0;

  record(code: string, ms: number): void {
    this.#byCode.set(code, (this.#byCode.get(code) ?? 0) + 1);
    const seconds = ms / 1000;
    this.#count++;
    this.#sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) this.#buckets[i]!++;
  }

  lines(): string[] {
    const out = [
      '# HELP identity_certify_requests_total Certify calls answered, by gRPC status code',
      '# TYPE identity_certify_requests_total counter',
    ];
    for (const [code, n] of [...this.#byCode].sort())
      out.push(`identity_certify_requests_total{code="${code}"} ${n}`);
    out.push(
      '# HELP identity_certify_duration_seconds Time to answer a Certify call',
      '# TYPE identity_certify_duration_seconds histogram',
    );
    BUCKETS.forEach((le, i) => {
      out.push(`identity_certify_duration_seconds_bucket{le="${le}"} ${this.#buckets[i]}`);
    });
    out.push(`identity_certify_duration_seconds_bucket{le="+Inf"} ${this.#count}`);
    out.push(`identity_certify_duration_seconds_sum ${this.#sum}`);
    out.push(`identity_certify_duration_seconds_count ${this.#count}`);
    return out;
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The issuer, if it verifies against the anchors now and is a CA; else a `PkiError`. */
async function checkedIssuer(input: IssuerInput, bundle: TrustStore): Promise<Issuer> {
  const issuer = toIssuer(input, '`issuer`');
  const result = await verifyChain({ leaf: issuer.certificate, intermediates: issuer.chain, bundle });
  if (!result.ok)
    throw new PkiError(
      'ERR_ISSUER_CHAIN',
      `the issuer does not verify against the trust anchors: ${result.reason}`,
    );
  return issuer;
}

async function mintServingLeaf(
  issuer: Issuer,
  key: PrivateKey,
  serverName: string,
  settings: CertifySettings,
): Promise<IssuedLeaf> {
  return issueLeafForKey({
    issuer,
    publicKey: key.publicKey,
    identity: serverName,
    spiffe: false,
    lifetime: settings.issuanceLifetime ?? '24h',
    clockSkew: settings.clockSkewAllowance ?? '20s',
  });
}
