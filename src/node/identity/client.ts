import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import {
  type ChannelCredentials,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  status,
} from '@grpc/grpc-js';
import { createCsr } from '../../csr';
import { PkiError } from '../../errors';
import type { CertifyRequest, CertifyResponse } from '../../identity/wire';
import { generateKeyPair, type PrivateKey } from '../../keys';
import { encodePem } from '../../pem';
import { proxyRefreshDelay } from '../../schedule/proxy';
import { parseLinkerdIdentity, requireIdentityName } from '../../spiffe/linkerd';
import { verifyLinkerdPeer } from '../../verify/linkerd';
import { createTrustStore, type TrustBundleInput, type TrustStore } from '../../verify/store';
import { parseCertificate } from '../../x509/certificate';
import type { Certificate } from '../../x509/types';
import { IDENTITY_SERVICE, parseHostPort } from './grpc';

/**
 * Options of {@link certify}.
 *
 * @example
 * ```ts
 * const options: CertifyClientOptions = { server: '127.0.0.1:8080', bundle: anchorsPem, identity, token };
 * ```
 */
export interface CertifyClientOptions {
  /** The identity service, `host:port`. */
  readonly server: string;
  /** The trust anchors: the only roots the connection trusts, and the chain returned must reach them. */
  readonly bundle: TrustBundleInput;
  /** The identity to ask for, e.g. `web.shop.serviceaccount.identity.linkerd.cluster.local`. */
  readonly identity: string;
  /** The service-account token, as read from the token file. */
  readonly token: Uint8Array | string;
  /** The key to certify (the proxy keeps its key across renewals). Default: a new P-256 key. */
  readonly key?: PrivateKey;
  /**
   * The name the server's leaf must carry. Default: Linkerd's, from the identity's control-plane namespace
   * and trust domain: `linkerd-identity.<ns>.serviceaccount.identity.<ns>.<trust-domain>`.
   */
  readonly serverName?: string;
  /** How long the call may take, in milliseconds. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A certificate the identity service issued and the client verified.
 *
 * @example
 * ```ts
 * if (result.ok) writeFileSync('tls.crt', result.chainPem);
 * ```
 */
export interface CertifyClientSuccess {
  readonly ok: true;
  /** The key the leaf is for. */
  readonly key: PrivateKey;
  /** The leaf, parsed. */
  readonly certificate: Certificate;
  /** The leaf, DER. */
  readonly der: Uint8Array;
  /** The intermediates the service returned, DER, issuer first. */
  readonly intermediates: readonly Uint8Array[];
  /** The leaf followed by the intermediates, PEM. */
  readonly chainPem: string;
  /** The response's `valid_until`. */
  readonly validUntil: Date;
  /** When the proxy would ask again: 70% of the time left, clamped to 10 s..24 h. */
  readonly refreshAt: Date;
}

/**
 * A refusal: the service's gRPC status (`code` its name, `status` its number), or the client's own
 * refusal of the response (`code` `INVALID_RESPONSE`, no `status`).
 *
 * @example
 * ```ts
 * if (!result.ok) console.error(`${result.code}: ${result.message}`);
 * ```
 */
export interface CertifyClientFailure {
  readonly ok: false;
  readonly code: string;
  readonly status?: number;
  readonly message: string;
}

/**
 * The outcome of {@link certify}.
 *
 * @example
 * ```ts
 * const result: CertifyClientResult = await certify({ server, bundle, identity, token });
 * ```
 */
export type CertifyClientResult = CertifyClientSuccess | CertifyClientFailure;

const GrpcIdentityClient = makeGenericClientConstructor(
  IDENTITY_SERVICE,
  'io.linkerd.proxy.identity.Identity',
);

function statusName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

function invalidResponse(message: string): CertifyClientFailure {
  return { ok: false, code: 'INVALID_RESPONSE', message };
}

/**
 * Options of {@link createIdentityClient}.
 *
 * @example
 * ```ts
 * const options: IdentityClientOptions = { server: '127.0.0.1:8080', bundle: anchorsPem };
 * ```
 */
export interface IdentityClientOptions {
  /** The identity service, `host:port`. */
  readonly server: string;
  /** The trust anchors: the only roots the connection trusts, and the chains returned must reach them. */
  readonly bundle: TrustBundleInput;
  /**
   * The name the server's leaf must carry. Default Linkerd's for the default control-plane namespace and
   * trust domain: `linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local`.
   */
  readonly serverName?: string;
}

/**
 * One request of {@link IdentityClient.certify}.
 *
 * @example
 * ```ts
 * const request: IdentityClientRequest = { identity, token: readFileSync(tokenFile), key };
 * ```
 */
export interface IdentityClientRequest {
  /** The identity to ask for. */
  readonly identity: string;
  /** The service-account token. */
  readonly token: Uint8Array | string;
  /** The key to certify. Default: a new P-256 key. */
  readonly key?: PrivateKey;
  /** How long the call may take, in milliseconds. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A connection to an identity service that stays open between calls, as the proxy keeps its channel.
 *
 * @example
 * ```ts
 * const client = createIdentityClient({ server: '127.0.0.1:8080', bundle: anchorsPem });
 * const result = await client.certify({ identity, token });
 * client.close();
 * ```
 */
export interface IdentityClient {
  /** The name the server's leaf must carry. */
  readonly serverName: string;
  /** One `Certify` call, checked as {@link certify} checks it. */
  certify(request: IdentityClientRequest): Promise<CertifyClientResult>;
  /** Closes the connection. */
  close(): void;
}

/** The Linkerd identity service's name for the default namespace and trust domain. */
const DEFAULT_SERVER_NAME = 'linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local';

/**
 * Opens a channel to an identity service over TLS that trusts only the anchors and requires the server's
 * leaf to carry `serverName`; {@link IdentityClient.certify} then calls `Certify` on it.
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` for a `server` that is not `host:port`; the bundle's codes.
 * @example
 * ```ts
 * import { createIdentityClient } from 'l5d-pki/node';
 *
 * const client = createIdentityClient({ server: '127.0.0.1:8080', bundle: anchorsPem });
 * const result = await client.certify({ identity, token });
 * client.close();
 * ```
 */
export function createIdentityClient(options: IdentityClientOptions): IdentityClient {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'createIdentityClient takes an options object');
  if (parseHostPort(String(options.server)) === undefined)
    throw new PkiError('ERR_INVALID_ARGUMENT', '`server` must be host:port');
  const serverName = options.serverName ?? DEFAULT_SERVER_NAME;
  if (typeof serverName !== 'string' || serverName === '')
    throw new PkiError('ERR_INVALID_ARGUMENT', '`serverName` must be a DNS name');
  const store = createTrustStore(options.bundle);
  const roots = Buffer.from(store.anchors.map((a) => encodePem('CERTIFICATE', a.der)).join(''));
  const creds: ChannelCredentials = credentials.createSsl(roots, null, null, {
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(serverName, cert),
  });
  const channel = new GrpcIdentityClient(String(options.server), creds, {
    'grpc.ssl_target_name_override': serverName,
    'grpc.default_authority': serverName,
  });

  const call = async (input: IdentityClientRequest): Promise<CertifyClientResult> => {
    if (typeof input !== 'object' || input === null)
      throw new PkiError('ERR_INVALID_ARGUMENT', 'certify takes an options object');
    const identity = requireIdentityName(input.identity);
    const token = typeof input.token === 'string' ? new TextEncoder().encode(input.token) : input.token;
    if (!(token instanceof Uint8Array))
      throw new PkiError('ERR_INVALID_ARGUMENT', '`token` must be bytes or text');
    const timeoutMs = input.timeoutMs ?? 10_000;
    const key = input.key ?? (await generateKeyPair());
    const csr = await createCsr({ key, identity });
    const request: CertifyRequest = { identity, token, csr: csr.der };
    let response: CertifyResponse;
    try {
      response = await new Promise<CertifyResponse>((resolve, reject) => {
        channel.makeUnaryRequest(
          IDENTITY_SERVICE.Certify.path,
          IDENTITY_SERVICE.Certify.requestSerialize,
          IDENTITY_SERVICE.Certify.responseDeserialize,
          request,
          new Metadata(),
          { deadline: Date.now() + timeoutMs },
          (error, value) => (error || value === undefined ? reject(error) : resolve(value)),
        );
      });
    } catch (e) {
      const err = e as { code?: unknown; details?: unknown; message?: unknown };
      const code = typeof err.code === 'number' ? err.code : status.UNKNOWN;
      const message = typeof err.details === 'string' ? err.details : String(err.message ?? e);
      return { ok: false, code: statusName(code), status: code, message };
    }
    return checkResponse(response, key, identity, store);
  };
  return { serverName, certify: call, close: () => channel.close() };
}

/** The client's checks of a response: a future `valid_until`, the request's key, a chain that verifies. */
async function checkResponse(
  response: CertifyResponse,
  key: PrivateKey,
  identity: string,
  store: TrustStore,
): Promise<CertifyClientResult> {
  const now = new Date();
  const validUntil = response.validUntil;
  if (validUntil === undefined) return invalidResponse('the response has no valid_until');
  if (validUntil.getTime() <= now.getTime())
    return invalidResponse(`the response's valid_until ${validUntil.toISOString()} is not in the future`);
  let certificate: Certificate;
  try {
    certificate = parseCertificate(response.leafCertificate);
  } catch (e) {
    return invalidResponse(`the leaf certificate cannot be read: ${(e as Error).message}`);
  }
  if (!key.publicKey.equals(certificate.publicKey))
    return invalidResponse('the leaf certificate is not for the key of the request');
  const verdict = await verifyLinkerdPeer({
    leaf: response.leafCertificate,
    intermediates: response.intermediateCertificates,
    bundle: store,
    expectedIdentity: identity,
    at: now,
  });
  if (!verdict.ok) return invalidResponse(`the returned chain does not verify: ${verdict.reason}`);
  const chainPem = [response.leafCertificate, ...response.intermediateCertificates]
    .map((der) => encodePem('CERTIFICATE', der))
    .join('');
  const refreshAt = new Date(now.getTime() + proxyRefreshDelay({ notAfter: validUntil, now }));
  return {
    ok: true,
    key,
    certificate,
    der: response.leafCertificate,
    intermediates: response.intermediateCertificates,
    chainPem,
    validUntil,
    refreshAt,
  };
}

/**
 * Does what the Linkerd proxy does to get its certificate: makes a CSR for the key (a new P-256 key by
 * default), calls `Identity/Certify` over TLS trusting only the anchors and requiring the server's leaf to
 * carry the identity service's name, refuses a response with no or a past `valid_until`, a leaf for
 * another key or identity, or a chain that does not verify against the anchors, and returns the leaf with
 * the time the proxy would refresh it. One connection per call: {@link createIdentityClient} keeps one.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` when `identity` is not a Linkerd identity name;
 *   `ERR_INVALID_ARGUMENT` for other bad options. Refusals and connection failures are results.
 * @example
 * ```ts
 * import { certify } from 'l5d-pki/node';
 *
 * const result = await certify({ server: '127.0.0.1:8080', bundle: anchorsPem, identity, token });
 * if (result.ok) console.log(`valid until ${result.validUntil.toISOString()}`);
 * else console.error(result.code, result.message);
 * ```
 */
export async function certify(options: CertifyClientOptions): Promise<CertifyClientResult> {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'certify takes an options object');
  const identity = requireIdentityName(options.identity);
  const client = createIdentityClient({
    server: options.server,
    bundle: options.bundle,
    serverName: options.serverName ?? defaultServerName(identity),
  });
  try {
    return await client.certify({
      identity,
      token: options.token,
      ...(options.key === undefined ? {} : { key: options.key }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  } finally {
    client.close();
  }
}

/** `linkerd-identity.<ns>.serviceaccount.identity.<ns>.<td>` for the identity's namespace and domain. */
function defaultServerName(identity: string): string {
  const { controlPlaneNamespace: ns, trustDomain } = parseLinkerdIdentity(identity);
  return `linkerd-identity.${ns}.serviceaccount.identity.${ns}.${trustDomain}`;
}
