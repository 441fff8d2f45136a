import { createHash } from 'node:crypto';
import type { PeerCertificate, TLSSocket, Server as TlsServer } from 'node:tls';
import { sameBytes } from '../der';
import { PkiError } from '../errors';
import { importPrivateKey, PrivateKey } from '../keys';
import { isValidSpiffeId, type SpiffeIdMatcher } from '../spiffe';
import type { Usage } from '../verify/build';
import { checkSignatureWithBackend, identityOf, MAX_INTERMEDIATES, verifyWith } from '../verify/chain';
import {
  formatReferenceName,
  parseReferenceName,
  type ReferenceName,
  sansMatchExactly,
} from '../verify/names';
import { failure, problem, type VerifiedChain, type VerifyResult, verifiedPath } from '../verify/result';
import { type Profile, resolveLimits } from '../verify/settings';
import { createTrustStore, type TrustBundleInput, type TrustStore } from '../verify/store';
import { type CertificateInput, certificatePemText, toCertificate } from '../x509/input';

/**
 * A leaf, its private key and the chain to present after it, with the trust anchors peers must chain to.
 *
 * @example
 * ```ts
 * const credentials: TlsCredentials = { certificate: leaf, key, chain: leaf.chain, bundle: anchorsPem };
 * ```
 */
export interface TlsCredentials {
  /** The leaf: parsed, DER, PEM text (one certificate), or Node's `X509Certificate`. */
  readonly certificate: CertificateInput;
  /**
   * The leaf's private key: a `PrivateKey`, PKCS#8 or SEC1 DER, or PEM text. (Typed by the one method
   * read, so that a `PrivateKey` from either build of the package fits.)
   */
  readonly key: { exportPkcs8Pem(): string } | Uint8Array | string;
  /** The certificates above the leaf, issuer first (the anchor may be left out). */
  readonly chain?: readonly CertificateInput[];
  /** The trust anchors peers must chain to, as PEM text, a list of certificates or a `TrustStore`. */
  readonly bundle: TrustBundleInput;
}

/**
 * PEM options for `node:tls` and `node:https` (`tls.createServer`, `tls.connect`, `https.createServer`,
 * `https.request`, `new https.Agent`): the leaf and its chain in `cert`, the key in PKCS#8 `key`, the
 * anchors in `ca`, and Node's own chain validation on.
 *
 * @example
 * ```ts
 * const options: TlsSecureOptions = tlsClientOptions({ certificate, key, chain, bundle });
 * tls.connect({ ...options, host, port });
 * ```
 */
export interface TlsSecureOptions {
  /** The leaf followed by its chain, PEM. */
  readonly cert: string;
  /** The private key, PKCS#8 PEM. */
  readonly key: string;
  /** The trust anchors, one PEM certificate each. */
  readonly ca: string[];
  /** Always `true`: Node refuses a peer whose chain does not reach `ca`. */
  readonly rejectUnauthorized: true;
}

/**
 * {@link TlsSecureOptions} for a server: Node also asks the client for its certificate
 * (`requestCert: true`) and, with `rejectUnauthorized`, refuses clients without one that chains to the
 * anchors.
 *
 * @example
 * ```ts
 * const options: TlsServerOptions = tlsServerOptions({ certificate, key, chain, bundle });
 * options.requestCert; // true
 * ```
 */
export interface TlsServerOptions extends TlsSecureOptions {
  /** Always `true`: mutual TLS. */
  readonly requestCert: true;
}

/**
 * {@link TlsSecureOptions} for a client, with the peer check as Node's `checkServerIdentity` when one was
 * given.
 *
 * @example
 * ```ts
 * const options: TlsClientOptions = tlsClientOptions({ certificate, key, chain, bundle, peer });
 * ```
 */
export interface TlsClientOptions extends TlsSecureOptions {
  /** The server check of {@link TlsClientOptionsInput.peer}. */
  readonly checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /** The expected identity as SNI, when it is a DNS name (as a Linkerd proxy sends it). */
  readonly servername?: string;
  /**
   * The peer check's {@link PeerCheck.sessionKey}. A client does not use it in the handshake, but an
   * `https.Agent` names its session cache with it, so that a session verified for one identity is never
   * resumed (which skips `checkServerIdentity`) for another.
   */
  readonly sessionIdContext?: string;
}

/**
 * Options of {@link tlsClientOptions}.
 *
 * @example
 * ```ts
 * const input: TlsClientOptionsInput = { certificate, key, chain, bundle, peer: createPeerCheck({ bundle, identity }) };
 * ```
 */
export interface TlsClientOptionsInput extends TlsCredentials {
  /** The server must pass this check (see {@link PeerCheck.checkServerIdentity}). */
  readonly peer?: PeerCheck;
}

/** The PEM options both sides share. */
function secureOptions(options: TlsCredentials, fn: string): TlsSecureOptions {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', `${fn} takes an options object`);
  const chain = options.chain ?? [];
  if (!Array.isArray(chain)) throw new PkiError('ERR_INVALID_ARGUMENT', 'chain must be an array');
  const certificate = toCertificate(options.certificate);
  const cert = [certificate, ...chain.map((c: CertificateInput) => toCertificate(c))]
    .map((c) => certificatePemText(c))
    .join('');
  const key = privateKey(options.key);
  if (!key.publicKey.equals(certificate.publicKey))
    throw new PkiError('ERR_KEY_MISMATCH', 'the key is not the certificate’s key');
  const ca = createTrustStore(options.bundle).anchors.map((a) => certificatePemText(a));
  return { cert, key: key.exportPkcs8Pem(), ca, rejectUnauthorized: true };
}

/** `input` as a `PrivateKey`: one of the library's, another copy's (through its PKCS#8), DER or PEM. */
function privateKey(input: TlsCredentials['key']): PrivateKey {
  if (input instanceof PrivateKey) return input;
  if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array)) {
    const exportPem = (input as { exportPkcs8Pem?: unknown }).exportPkcs8Pem;
    if (typeof exportPem !== 'function')
      throw new PkiError('ERR_INVALID_ARGUMENT', 'key must be a PrivateKey, DER or PEM text');
    const pem: unknown = exportPem.call(input);
    if (typeof pem !== 'string')
      throw new PkiError('ERR_INVALID_ARGUMENT', 'key must be a PrivateKey, DER or PEM text');
    return importPrivateKey(pem);
  }
  return importPrivateKey(input);
}

/**
 * Options for an mTLS server (`tls.createServer`, `https.createServer`): the leaf, its chain and key, the
 * anchors as CA, the client certificate requested and Node's chain validation on. Add
 * {@link PeerCheck.protect} to check the client's identity the way Linkerd does.
 *
 * @throws {PkiError} `ERR_KEY_MISMATCH` when the key is not the leaf's; the parsers' codes for unreadable
 *   material; `ERR_BUNDLE_EMPTY`/`ERR_BUNDLE_INVALID` for the anchors.
 * @example
 * ```ts
 * import https from 'node:https';
 * import { createPeerCheck, tlsServerOptions } from 'l5d-pki/node';
 *
 * const server = https.createServer(tlsServerOptions({ certificate: leaf, key, chain: leaf.chain, bundle }), app);
 * createPeerCheck({ bundle, identity: matchMemberOf(trustDomain) }).protect(server);
 * ```
 */
export function tlsServerOptions(options: TlsCredentials): TlsServerOptions {
  return { ...secureOptions(options, 'tlsServerOptions'), requestCert: true };
}

/**
 * Options for an mTLS client (`tls.connect`, `https.request`, `new https.Agent`): the leaf, its chain and
 * key, the anchors as CA and Node's chain validation on; with `peer`, the server's identity is checked
 * by {@link PeerCheck.checkServerIdentity} in place of Node's host name check, and a DNS identity is
 * sent as SNI.
 *
 * @throws {PkiError} as {@link tlsServerOptions}; `ERR_INVALID_ARGUMENT` when `peer` is not a
 *   {@link PeerCheck}.
 * @example
 * ```ts
 * const peer = createPeerCheck({ bundle, identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local' });
 * const socket = tls.connect({ ...tlsClientOptions({ certificate: leaf, key, chain: leaf.chain, bundle, peer }), host, port });
 * ```
 */
export function tlsClientOptions(options: TlsClientOptionsInput): TlsClientOptions {
  const base = secureOptions(options, 'tlsClientOptions');
  const peer = options.peer;
  if (peer === undefined) return base;
  if (!(peer instanceof PeerCheck))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'peer must be made by createPeerCheck');
  const servername = peer.serverName;
  return {
    ...base,
    checkServerIdentity: peer.checkServerIdentity,
    sessionIdContext: peer.sessionKey,
    ...(servername === undefined ? {} : { servername }),
  };
}

/**
 * The identity a peer must have: a Linkerd identity (a DNS name, compared ignoring case, no wildcards),
 * a `spiffe://` ID (compared exactly), a list of those (any of them), or a {@link SpiffeIdMatcher}
 * applied to the leaf's SPIFFE ID.
 *
 * @example
 * ```ts
 * const identity: PeerIdentity = matchMemberOf('identity.linkerd.cluster.local');
 * ```
 */
export type PeerIdentity = string | readonly string[] | SpiffeIdMatcher;

/**
 * Options of {@link createPeerCheck}.
 *
 * @example
 * ```ts
 * const options: PeerCheckOptions = { bundle: anchorsPem, identity: 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web' };
 * ```
 */
export interface PeerCheckOptions {
  /** The trust anchors (parsed once, when the check is made). */
  readonly bundle: TrustBundleInput;
  /** Who the peer must be. */
  readonly identity: PeerIdentity;
  /** As `VerifyChainOptions.profile`; default `'linkerd'`. */
  readonly profile?: Profile;
  /** The clock; default `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Why a peer was refused: thrown by nothing, but handed to Node (returned from `checkServerIdentity`,
 * given to `socket.destroy`), so it reaches the socket's `'error'` listeners and the request's callback.
 *
 * @example
 * ```ts
 * req.on('error', (e) => {
 *   if (e instanceof PeerVerificationError && e.code === 'NAME_MISMATCH') console.error('not the expected workload');
 * });
 * ```
 */
export class PeerVerificationError extends Error {
  /** The verification's stable code (`NAME_MISMATCH`, `UNKNOWN_ISSUER`, `EXPIRED`, ...). */
  readonly code: VerifyResultCode;
  /** The certificate the failure is about (0: the peer's leaf), or -1. */
  readonly certIndex: number;

  constructor(result: VerifyResult & { ok: false }) {
    super(`peer certificate refused: ${result.reason} [${result.code}]`);
    this.name = 'PeerVerificationError';
    this.code = result.code;
    this.certIndex = result.certIndex;
  }
}

type VerifyResultCode = (VerifyResult & { ok: false })['code'];

/** A peer certificate as `getPeerCertificate(true)` gives it (an empty object when there is none). */
export interface PeerCertificateInput {
  /** The certificate's DER. */
  readonly raw?: Uint8Array | undefined;
  /** Its issuer's, as Node links them (a self-issued certificate links to itself). */
  readonly issuerCertificate?: PeerCertificateInput | undefined;
}

/** The identity rule of a check. */
type IdentityRule =
  | { readonly kind: 'names'; readonly names: readonly ReferenceName[] }
  | { readonly kind: 'matcher'; readonly matcher: SpiffeIdMatcher };

/** Most intermediates a check remembers for resumed sessions (one per issuer in use). */
const MAX_REMEMBERED = 64;

/** Checks made with a matcher so far (each keeps its sessions apart). */
let matcherChecks = 0;

/** Held by {@link createPeerCheck} only. */
const checkToken: unique symbol = Symbol('PeerCheck');

/**
 * The library's verification of a TLS peer, on top of Node's: the chain `getPeerCertificate(true)` gives
 * is verified against the anchors (RFC 5280, Linkerd's profile), the leaf must be an end entity whose
 * extended key usage allows its role, and its identity must be the expected one under Linkerd's rules.
 * Node's own chain validation stays on (`rejectUnauthorized: true` in {@link tlsServerOptions} and
 * {@link tlsClientOptions}); this check adds what Node does not know: Linkerd identities, SPIFFE IDs and
 * matchers, in place of Node's host name check.
 *
 * Runs synchronously (Node's hooks cannot wait) on the `node:crypto` backend; with a backend that only
 * verifies asynchronously every peer is refused.
 *
 * @example
 * ```ts
 * const peer = createPeerCheck({ bundle, identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local' });
 * https.request({ ...tlsClientOptions({ certificate, key, chain, bundle, peer }), host, port });
 * createPeerCheck({ bundle, identity: matchMemberOf(td) }).protect(server);
 * ```
 */
export class PeerCheck {
  readonly #store: TrustStore;
  readonly #limits: ReturnType<typeof resolveLimits>;
  readonly #rule: IdentityRule;
  readonly #now: () => Date;
  /** The expected identity, when it is one DNS name: a client sends it as SNI. */
  readonly serverName: string | undefined;
  /**
   * What TLS sessions verified by this check are kept under: the expected identities for names (checks
   * expecting the same names share sessions), a key of this check alone for a matcher. A resumed session
   * skips `checkServerIdentity`, so a session must come back only to a check for the same identity.
   */
  readonly sessionKey: string;

  /** Use {@link createPeerCheck}. */
  constructor(options: PeerCheckOptions, token?: symbol) {
    if (token !== checkToken) throw new PkiError('ERR_INVALID_ARGUMENT', 'use createPeerCheck');
    this.#store = createTrustStore(options.bundle);
    this.#limits = resolveLimits(options);
    this.#rule = identityRule(options.identity);
    const now = options.now ?? (() => new Date());
    if (typeof now !== 'function') throw new PkiError('ERR_INVALID_ARGUMENT', 'now must be a function');
    this.#now = now;
    const names = this.#rule.kind === 'names' ? this.#rule.names : [];
    this.serverName = names.length === 1 && names[0]!.type === 'dns' ? names[0]!.value : undefined;
    const key =
      this.#rule.kind === 'names'
        ? JSON.stringify(names.map((n) => formatReferenceName(n)).sort())
        : `matcher ${++matcherChecks}`;
    // At most 32 bytes: OpenSSL's limit for a session ID context.
    this.sessionKey = createHash('sha256').update(key).digest('hex').slice(0, 32);
    Object.freeze(this);
  }

  /** Private copies of the intermediates of verified paths, by their SHA-256 (at most {@link MAX_REMEMBERED}). */
  readonly #intermediates = new Map<string, Uint8Array>();

  #remember(der: Uint8Array): void {
    const key = createHash('sha256').update(der).digest('hex');
    if (this.#intermediates.has(key)) return;
    if (this.#intermediates.size >= MAX_REMEMBERED) this.#intermediates.clear();
    this.#intermediates.set(key, der);
  }

  /**
   * Verifies a peer certificate as `socket.getPeerCertificate(true)` returns it, for the TLS role
   * `usage` (`'server'`: the peer is a server). The chain is read by walking `issuerCertificate` until it
   * repeats, taking each `raw`. No certificate (`{}`) is a `MALFORMED` failure. A leaf given alone (Node
   * gives no chain for a resumed TLS session) is verified with the intermediates of paths this check
   * verified before.
   *
   * @example
   * ```ts
   * const result = check.verify(socket.getPeerCertificate(true), 'client');
   * if (result.ok) console.log(result.identity.spiffeId);
   * ```
   */
  verify(peer: PeerCertificateInput | null | undefined, usage: Exclude<Usage, 'any'>): VerifyResult {
    if (usage !== 'server' && usage !== 'client')
      throw new PkiError('ERR_INVALID_ARGUMENT', "usage must be 'server' or 'client'");
    const chain = peerChain(peer);
    if (chain.length === 0) return failure(problem('MALFORMED', 'the peer presented no certificate'), 0);
    // A resumed session gives the leaf alone: the intermediates of earlier verified paths stand in for
    // the chain it was verified with (they are only candidates: the path is verified again).
    const intermediates = chain.length > 1 ? chain.slice(1) : [...this.#intermediates.values()];
    const input = { leaf: chain[0]!, intermediates, at: this.#now(), usage };
    const result = verifyWith(this.#store, input, this.#limits, toCertificate, checkSignatureWithBackend);
    if (result instanceof Promise) {
      result.catch(() => {});
      throw new PkiError(
        'ERR_CRYPTO_UNAVAILABLE',
        'the crypto backend verifies asynchronously; TLS peer checks need a synchronous one (node:crypto)',
      );
    }
    if (!result.ok) return result;
    const path = verifiedPath(result as VerifiedChain);
    const leaf = path[0]!;
    for (let i = 1; i < path.length - 1; i++) this.#remember(path[i]!.der);
    if (leaf.basicConstraints?.ca)
      return failure(problem('PROFILE_VIOLATION', 'a CA certificate cannot be a peer'), 0);
    const mismatch = identityProblem(this.#rule, leaf);
    return mismatch ? failure(mismatch, 0) : result;
  }

  /**
   * For `tls.connect`/`https.request`'s `checkServerIdentity` option: verifies the server (usage
   * `server`) and returns the refusal as a {@link PeerVerificationError} (Node then destroys the socket
   * with it). The host name is not compared: the identity is.
   *
   * @example
   * ```ts
   * tls.connect({ ...options, host: '10.0.0.7', port, checkServerIdentity: check.checkServerIdentity });
   * ```
   */
  readonly checkServerIdentity = (_hostname: string, cert: PeerCertificate): Error | undefined => {
    return refusal(() => this.verify(cert as PeerCertificateInput, 'server'));
  };

  /**
   * A `'secureConnection'` listener for `tls.Server`/`https.Server`: verifies the client (usage `client`)
   * and destroys the socket with a {@link PeerVerificationError} when it fails. It must run before the
   * server's other listeners ({@link PeerCheck.protect} puts it first): a listener that runs earlier may
   * already have started reading the connection.
   *
   * @example
   * ```ts
   * server.prependListener('secureConnection', check.onSecureConnection); // what protect(server) does
   * ```
   */
  readonly onSecureConnection = (socket: TLSSocket): void => {
    const error = refusal(() => this.verify(socket.getPeerCertificate(true), 'client'));
    if (error) socket.destroy(error);
  };

  /**
   * Checks every client of `server` (a `tls.Server` or `https.Server`) before the server's own
   * listeners see it: {@link PeerCheck.onSecureConnection} is put first among its `'secureConnection'`
   * listeners. Use this rather than `server.on(...)`: `https.Server` starts reading a connection in its
   * own listener, and a request that arrived with the handshake would reach the handler even though a
   * later listener destroyed the socket. Returns `server`.
   *
   * @example
   * ```ts
   * const server = createPeerCheck({ bundle, identity }).protect(https.createServer(options, app));
   * ```
   */
  protect<S extends Pick<TlsServer, 'prependListener'>>(server: S): S {
    if (typeof server !== 'object' || server === null || typeof server.prependListener !== 'function')
      throw new PkiError('ERR_INVALID_ARGUMENT', 'protect takes a tls.Server or an https.Server');
    server.prependListener('secureConnection', this.onSecureConnection);
    return server;
  }
}

/**
 * A {@link PeerCheck} for `options`: the anchors are parsed once, here, and shared by every handshake the
 * check sees.
 *
 * @throws {PkiError} `ERR_BUNDLE_EMPTY`/`ERR_BUNDLE_INVALID` for the anchors; `ERR_INVALID_ARGUMENT` when
 *   `identity` is not a DNS name, a `spiffe://` ID, a list of them or a matcher.
 * @example
 * ```ts
 * import { matchMemberOf } from 'l5d-pki';
 * import { createPeerCheck } from 'l5d-pki/node';
 *
 * const fromTheMesh = createPeerCheck({ bundle, identity: matchMemberOf('identity.linkerd.cluster.local') });
 * fromTheMesh.protect(server);
 * ```
 */
export function createPeerCheck(options: PeerCheckOptions): PeerCheck {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'createPeerCheck takes an options object');
  return new PeerCheck(options, checkToken);
}

/** The refusal `verify` gives (a verdict or an exception), as an Error for Node; undefined when it passes. */
function refusal(verify: () => VerifyResult): Error | undefined {
  try {
    const result = verify();
    return result.ok ? undefined : new PeerVerificationError(result);
  } catch (e) {
    return e instanceof Error ? e : new PkiError('ERR_INVALID_ARGUMENT', String(e));
  }
}

/** `identity` checked and classified; misuse throws `ERR_INVALID_ARGUMENT`. */
function identityRule(identity: unknown): IdentityRule {
  if (typeof identity === 'function') return { kind: 'matcher', matcher: identity as SpiffeIdMatcher };
  const list = typeof identity === 'string' ? [identity] : identity;
  if (!Array.isArray(list) || list.length === 0)
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      'identity must be a DNS name, a spiffe:// ID, a non-empty list of them, or a SPIFFE ID matcher',
    );
  const names = list.map((name: unknown) => {
    const ref = typeof name === 'string' ? referenceName(name) : undefined;
    if (ref === undefined || ref.type === 'ip' || (ref.type === 'uri' && !isValidSpiffeId(name)))
      throw new PkiError('ERR_INVALID_ARGUMENT', 'each identity must be a DNS name or a spiffe:// ID');
    return ref;
  });
  return { kind: 'names', names };
}

function referenceName(name: string): ReferenceName | undefined {
  try {
    return parseReferenceName(name);
  } catch {
    return undefined;
  }
}

/** Why the leaf's identity is not the expected one, or undefined when it is. */
function identityProblem(rule: IdentityRule, leaf: Parameters<typeof identityOf>[0]) {
  if (rule.kind === 'matcher') {
    const id = identityOf(leaf).spiffeId;
    let matches = false;
    try {
      matches = id !== undefined && rule.matcher(id) === true;
    } catch {
      matches = false;
    }
    if (matches) return undefined;
    return problem(
      'NAME_MISMATCH',
      id === undefined ? 'the peer has no SPIFFE ID' : 'the peer’s SPIFFE ID is not accepted',
    );
  }
  for (const name of rule.names) if (sansMatchExactly(leaf.subjectAltNames, name)) return undefined;
  const expected = rule.names.map((n) => `"${formatReferenceName(n)}"`).join(' or ');
  return problem('NAME_MISMATCH', `the peer is not ${expected}`);
}

/**
 * The DER of each certificate of a `getPeerCertificate(true)` chain, leaf first: `issuerCertificate` is
 * followed until it repeats (Node links a self-issued certificate to itself) or lacks `raw`. Empty when
 * the leaf has no `raw` (`{}`: no certificate).
 */
function peerChain(peer: PeerCertificateInput | null | undefined): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<object>();
  let cert: unknown = peer;
  while (typeof cert === 'object' && cert !== null && !seen.has(cert) && out.length <= MAX_INTERMEDIATES) {
    seen.add(cert);
    const raw = (cert as PeerCertificateInput).raw;
    if (!(raw instanceof Uint8Array) || raw.length === 0) break;
    const last = out[out.length - 1];
    if (last !== undefined && sameBytes(last, raw)) break;
    out.push(raw);
    cert = (cert as PeerCertificateInput).issuerCertificate;
  }
  return out;
}
