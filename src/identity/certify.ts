import { type CertificateRequest, parseCsr, verifyCsr } from '../csr';
import { type DurationInput, durationMs } from '../duration';
import { isPkiError, PkiError } from '../errors';
import { type Issuer, type IssuerInput, toIssuer } from '../issuer/issuer';
import { isP256 } from '../keys';
import { type IssuedLeaf, issueLeafForKey } from '../leaf';
import { isDns1123Label, isDns1123Subdomain } from '../spiffe/dns';
import type { TrustBundleInput } from '../verify/store';
import { Verifier } from '../verify/verifier';
import type { TokenAuthenticator, TokenVerdict } from './authenticator';
import type { CertifyRequest, CertifyResponse } from './wire';

/**
 * The gRPC status codes the identity service answers with, by name (`grpc-status` numbers).
 *
 * @example
 * ```ts
 * GRPC_STATUS.FAILED_PRECONDITION; // 9
 * ```
 */
export const GRPC_STATUS = {
  OK: 0,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/**
 * The name of a gRPC status code the identity service answers with.
 *
 * @example
 * ```ts
 * const code: GrpcStatusName = 'FAILED_PRECONDITION';
 * ```
 */
export type GrpcStatusName = Exclude<keyof typeof GRPC_STATUS, 'OK'>;

/**
 * The identity service's settings, as Linkerd's controller takes them.
 *
 * @example
 * ```ts
 * const settings: CertifySettings = { trustDomain: 'cluster.local', controlPlaneNamespace: 'linkerd', issuanceLifetime: '24h', clockSkewAllowance: '20s' };
 * ```
 */
export interface CertifySettings {
  /** The trust domain. Default `cluster.local`. */
  readonly trustDomain?: string;
  /** The control plane's namespace. Default `linkerd`. */
  readonly controlPlaneNamespace?: string;
  /** The leaves' lifetime. Default 24 h. */
  readonly issuanceLifetime?: DurationInput;
  /** Taken off notBefore and added to notAfter. Default 20 s (the Helm chart's value). */
  readonly clockSkewAllowance?: DurationInput;
  /**
   * Add the SPIFFE ID as a URI SAN to each leaf (l5d-pki's default elsewhere). Default `false`: leaves
   * exactly as Linkerd's identity service issues them.
   */
  readonly spiffe?: boolean;
}

/**
 * Options of {@link certify}.
 *
 * @example
 * ```ts
 * const options: CertifyOptions = { request, authenticator, issuer, bundle: anchorsPem };
 * ```
 */
export interface CertifyOptions {
  /** The request, as decoded from the wire ({@link decodeCertifyRequest}). */
  readonly request: CertifyRequest;
  /** Decides who the token belongs to. */
  readonly authenticator: TokenAuthenticator;
  /**
   * The current issuer, `undefined` while none is loaded (the answer is then `UNAVAILABLE`). An `Issuer`
   * made or loaded by l5d-pki is the fastest: text is read again on every call.
   */
  readonly issuer: IssuerInput | undefined;
  /**
   * The trust anchors the issuer is verified against on every call. A `TrustStore` (or the same list or
   * text object each call) lets the verification reuse its work.
   */
  readonly bundle: TrustBundleInput;
  /** The service's settings. */
  readonly settings?: CertifySettings;
  /** The time of the call. Default: the current time. */
  readonly now?: Date;
}

/**
 * A certificate issued by {@link certify}: the response to send, and the leaf it holds.
 *
 * @example
 * ```ts
 * if (result.ok) send(encodeCertifyResponse(result.response));
 * ```
 */
export interface CertifySuccess {
  readonly ok: true;
  /** What the service answers: leaf, intermediates (DER) and `valid_until`. */
  readonly response: CertifyResponse & { readonly validUntil: Date };
  /** The issued leaf. */
  readonly leaf: IssuedLeaf;
  /** The identity it was issued for (the one the token proved). */
  readonly identity: string;
}

/**
 * A refusal, with the gRPC status and message Linkerd's identity service gives.
 *
 * @example
 * ```ts
 * if (!result.ok) console.log(result.code, result.status, result.message); // FAILED_PRECONDITION 9 'CSR must have exactly one DNSName'
 * ```
 */
export interface CertifyFailure {
  readonly ok: false;
  /** The status code's name. */
  readonly code: GrpcStatusName;
  /** The status code's number. */
  readonly status: (typeof GRPC_STATUS)[GrpcStatusName];
  /** The status message (never a token or a key). */
  readonly message: string;
  /** `IssuerValidationFailed` when the issuer failed to verify: Linkerd records this event. */
  readonly event?: 'IssuerValidationFailed';
}

/**
 * The outcome of {@link certify}.
 *
 * @example
 * ```ts
 * const result: CertifyResult = await certify({ request, authenticator, issuer, bundle });
 * ```
 */
export type CertifyResult = CertifySuccess | CertifyFailure;

function refuse(code: GrpcStatusName, message: string, event?: 'IssuerValidationFailed'): CertifyFailure {
  return event === undefined
    ? { ok: false, code, status: GRPC_STATUS[code], message }
    : { ok: false, code, status: GRPC_STATUS[code], message, event };
}

const DEFAULT_TRUST_DOMAIN = 'cluster.local';
const DEFAULT_CONTROL_PLANE_NAMESPACE = 'linkerd';
const DEFAULT_ISSUANCE_LIFETIME_MS = 24 * 3_600_000;
const DEFAULT_CLOCK_SKEW_ALLOWANCE_MS = 20_000;

/** Settings read once per settings object. */
interface ReadSettings {
  readonly suffix: string;
  readonly lifetime: number;
  readonly skew: number;
  readonly spiffe: boolean | { readonly trustDomain: string };
}

const readSettingsCache = new WeakMap<object, ReadSettings>();
const DEFAULT_SETTINGS: CertifySettings = Object.freeze({});

function readSettings(settings: CertifySettings): ReadSettings {
  let read = readSettingsCache.get(settings);
  if (read !== undefined) return read;
  if (typeof settings !== 'object' || settings === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', '`settings` must be an object');
  const trustDomain = settings.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const ns = settings.controlPlaneNamespace ?? DEFAULT_CONTROL_PLANE_NAMESPACE;
  if (!isDns1123Subdomain(trustDomain))
    throw new PkiError('ERR_INVALID_ARGUMENT', '`settings.trustDomain` is not a DNS-1123 subdomain');
  if (!isDns1123Label(ns))
    throw new PkiError('ERR_INVALID_ARGUMENT', '`settings.controlPlaneNamespace` is not a DNS-1123 label');
  const lifetime = durationMs(
    settings.issuanceLifetime ?? DEFAULT_ISSUANCE_LIFETIME_MS,
    '`settings.issuanceLifetime`',
    'ERR_LIFETIME_INVALID',
    1,
  );
  const skew = durationMs(
    settings.clockSkewAllowance ?? DEFAULT_CLOCK_SKEW_ALLOWANCE_MS,
    '`settings.clockSkewAllowance`',
    'ERR_DURATION_INVALID',
    0,
  );
  read = {
    suffix: `.identity.${ns}.${trustDomain}`,
    lifetime,
    skew,
    spiffe: settings.spiffe === true ? { trustDomain: `identity.${ns}.${trustDomain}` } : false,
  };
  readSettingsCache.set(settings, read);
  return read;
}

/** A Verifier per bundle object; text bundles share one slot for the last text seen. */
const verifiers = new WeakMap<object, Verifier>();
let lastText: { text: string; verifier: Verifier } | undefined;

function verifierFor(bundle: TrustBundleInput): Verifier {
  if (typeof bundle === 'string') {
    if (lastText?.text !== bundle) lastText = { text: bundle, verifier: new Verifier({ bundle }) };
    return lastText.verifier;
  }
  if (typeof bundle !== 'object' || bundle === null)
    throw new PkiError(
      'ERR_INVALID_ARGUMENT',
      '`bundle` must be PEM text, a list of certificates or a TrustStore',
    );
  let v = verifiers.get(bundle);
  if (v === undefined) {
    v = new Verifier({ bundle });
    verifiers.set(bundle, v);
  }
  return v;
}

/**
 * The checks of Linkerd's `checkCSR`, in its order and with its messages, then l5d-pki's own: only DNS,
 * email, IP and URI SANs, and a valid proof of possession. Undefined when the CSR passes.
 */
async function csrProblem(csr: CertificateRequest, identity: string): Promise<string | undefined> {
  const names = csr.subjectAltNames ?? [];
  const dns: string[] = [];
  let email = false;
  let ip = false;
  let uri = false;
  let other = false;
  for (const n of names) {
    if (n.type === 'dns') dns.push(n.value);
    else if (n.type === 'email') email = true;
    else if (n.type === 'ip') ip = true;
    else if (n.type === 'uri') uri = true;
    else other = true;
  }
  if (dns.length !== 1) return 'CSR must have exactly one DNSName';
  if (dns[0] !== identity)
    return `CSR name does not match requested identity: csr=${dns[0]}; req=${identity}`;
  const cn = csr.subject.commonName;
  if (cn !== undefined && cn !== '' && cn !== identity) return `invalid CommonName: ${cn}`;
  if (email) return 'cannot validate email addresses';
  if (ip) return 'cannot validate IP addresses';
  if (uri) return 'cannot validate URIs';
  if (other) return 'cannot validate other names';
  // A key that is not P-256 is refused at issuance, as Linkerd refuses a key that is not ECDSA.
  if (!isP256(csr.publicKey)) return undefined;
  let possession = false;
  try {
    possession = await verifyCsr(csr);
  } catch {
    possession = false;
  }
  return possession ? undefined : 'CSR signature does not verify under its own key';
}

/** Why a username is not a service account's, in Linkerd's words; undefined when it is one. */
function usernameProblem(parts: readonly string[], username: string): string | undefined {
  if (parts.length !== 4 || parts[0] !== 'system')
    return `Username must be in form system:TYPE:NS:SA: ${username}`;
  for (let i = 1; i < 4; i++) if (!isDns1123Label(parts[i])) return `Not a label: ${parts[i]}`;
  return undefined;
}

function describeError(e: unknown): string {
  if (isPkiError(e)) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * Linkerd's identity service (`Identity/Certify`) as one function without a transport: it checks a
 * request exactly as the controller does, in its order, and answers with its gRPC status codes and
 * messages, or issues the leaf:
 * 1. no issuer → `UNAVAILABLE` "cert issuer not ready yet";
 * 2. a missing identity, token or CSR, or a CSR that does not parse → `INVALID_ARGUMENT`;
 * 3. the issuer no longer verifies against the anchors (expired, another anchor) → `UNKNOWN`, with
 *    `event: 'IssuerValidationFailed'`;
 * 4. the CSR: exactly one DNS SAN equal to the identity, CN empty or equal, no email, IP or URI SANs,
 *    and (l5d-pki's addition) a valid proof of possession → `FAILED_PRECONDITION`;
 * 5. the token: refused as invalid → `INVALID_ARGUMENT` with the authenticator's message; not recognised
 *    → `FAILED_PRECONDITION` "authentication token could not be authenticated"; a username not
 *    `system:TYPE:NS:SA` of DNS-1123 labels → `INVALID_ARGUMENT`; the authenticator throwing → `INTERNAL`;
 * 6. the identity `<sa>.<ns>.<type>.identity.<control-plane-ns>.<trust-domain>` made from the username
 *    differs from the requested one → `FAILED_PRECONDITION`;
 * 7. issuance (a key that is not ECDSA P-256 → `INTERNAL`): the leaf, the issuer chain (DER, no anchor)
 *    and `valid_until`, the leaf's notAfter.
 *
 * Refusals are results, never exceptions; it throws only for its own misuse (bad settings, a bundle
 * that cannot be read).
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` for bad options or settings; the bundle's codes.
 * @example
 * ```ts
 * const result = await certify({
 *   request: { identity: 'web.shop.serviceaccount.identity.linkerd.cluster.local', token, csr: csrDer },
 *   authenticator: staticTokenAuthenticator({ 'token-of-web': 'system:serviceaccount:shop:web' }),
 *   issuer,
 *   bundle: anchorsPem,
 * });
 * if (result.ok) result.response.validUntil; // 24 h and 20 s from now
 * else console.log(result.code, result.message);
 * ```
 */
export async function certify(options: CertifyOptions): Promise<CertifyResult> {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'certify takes an options object');
  const { request, authenticator } = options;
  if (typeof request !== 'object' || request === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', '`request` must be a CertifyRequest');
  if (
    typeof authenticator !== 'object' ||
    authenticator === null ||
    typeof authenticator.authenticate !== 'function'
  )
    throw new PkiError('ERR_INVALID_ARGUMENT', '`authenticator` must be a TokenAuthenticator');
  const settings = readSettings(options.settings ?? DEFAULT_SETTINGS);
  const verifier = verifierFor(options.bundle);
  const at = options.now ?? new Date();
  if (!(at instanceof Date) || !Number.isFinite(at.getTime()))
    throw new PkiError('ERR_INVALID_ARGUMENT', '`now` must be a valid Date');

  // 1. The issuer.
  if (options.issuer === undefined) return refuse('UNAVAILABLE', 'cert issuer not ready yet');
  const issuer: Issuer = toIssuer(options.issuer, '`issuer`');

  // 2. The request's fields, and the CSR's syntax.
  const identity = request.identity;
  const token = request.token;
  const csrDer = request.csr;
  if (typeof identity !== 'string' || identity === '') return refuse('INVALID_ARGUMENT', 'missing identity');
  if (!(token instanceof Uint8Array) || token.length === 0)
    return refuse('INVALID_ARGUMENT', 'missing token');
  if (!(csrDer instanceof Uint8Array) || csrDer.length === 0)
    return refuse('INVALID_ARGUMENT', 'missing certificate signing request');
  let csr: CertificateRequest;
  try {
    csr = parseCsr(csrDer);
  } catch (e) {
    return refuse('INVALID_ARGUMENT', describeError(e));
  }

  // 3. The issuer, again, against the anchors.
  const verdict = await verifier.verify({ leaf: issuer.certificate, intermediates: issuer.chain, at });
  if (!verdict.ok) {
    const message = `failed to verify issuer against the trust anchors: ${verdict.reason} - CSR Identity : ${identity}`;
    return refuse('UNKNOWN', message, 'IssuerValidationFailed');
  }

  // 4. The CSR.
  const problem = await csrProblem(csr, identity);
  if (problem !== undefined) return refuse('FAILED_PRECONDITION', problem);

  // 5. The token.
  let tokenVerdict: TokenVerdict;
  try {
    tokenVerdict = await authenticator.authenticate(new Uint8Array(token));
  } catch (e) {
    return refuse('INTERNAL', `error validating token for ${identity}: ${describeError(e)}`);
  }
  if (typeof tokenVerdict !== 'object' || tokenVerdict === null)
    return refuse('INTERNAL', `error validating token for ${identity}: the authenticator gave no verdict`);
  if (!tokenVerdict.ok) {
    if (tokenVerdict.reason === 'invalid') return refuse('INVALID_ARGUMENT', String(tokenVerdict.message));
    return refuse('FAILED_PRECONDITION', 'authentication token could not be authenticated');
  }
  const username = String(tokenVerdict.username);
  const parts = username.split(':');
  const bad = usernameProblem(parts, username);
  if (bad !== undefined) return refuse('INVALID_ARGUMENT', bad);

  // 6. The identity the token proves.
  const [, type, ns, sa] = parts as [string, string, string, string];
  const tokenIdentity = `${sa}.${ns}.${type}${settings.suffix}`;
  if (tokenIdentity !== identity) {
    return refuse(
      'FAILED_PRECONDITION',
      `requested identity did not match provided token: requested=${identity}; found=${tokenIdentity}`,
    );
  }

  // 7. Issuance.
  if (!isP256(csr.publicKey)) {
    const what =
      csr.publicKey.kind === 'ec' ? `an EC ${csr.publicKey.curve}` : `a ${csr.publicKey.kind.toUpperCase()}`;
    return refuse('INTERNAL', `CSR must contain an ECDSA P-256 public key: it has ${what} key`);
  }
  let leaf: IssuedLeaf;
  try {
    leaf = await issueLeafForKey({
      issuer,
      publicKey: csr.publicKey,
      identity: tokenIdentity,
      lifetime: settings.lifetime,
      clockSkew: settings.skew,
      spiffe: settings.spiffe,
      now: at,
    });
  } catch (e) {
    return refuse('INTERNAL', describeError(e));
  }
  return {
    ok: true,
    response: {
      leafCertificate: leaf.der,
      intermediateCertificates: leaf.chain.map((c) => c.der),
      validUntil: leaf.validUntil,
    },
    leaf,
    identity: tokenIdentity,
  };
}
