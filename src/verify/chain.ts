import { cryptoBackend } from '../crypto/backend';
import { isPkiError, PkiError } from '../errors';
import { decodePem } from '../pem';
import { isValidSpiffeId } from '../spiffe';
import type { Certificate } from '../x509/types';
import { Budget, type VerifyBudget } from './budget';
import {
  andThen,
  buildPath,
  buildPathThrough,
  EMPTY_POOL,
  type MaybePromise,
  type PathContext,
  poolBySubject,
  type SignatureCheck,
  USAGE_OID,
  type Usage,
} from './build';
import { commonNameProblem } from './common-name';
import {
  formatReferenceName,
  isDnsPattern,
  parseReferenceName,
  type ReferenceName,
  sansMatch,
} from './names';
import { leafProblem, uncachedCertificateProblem, uncachedIssuedProblem, validityProblem } from './profile';
import {
  failure,
  type Problem,
  problem,
  VerifiedChain,
  type VerifiedIdentity,
  type VerifyFailure,
  type VerifyResult,
} from './result';
import { type Limits, type Profile, type Request, resolveLimits, resolveRequest } from './settings';
import {
  type CertificateInput,
  createTrustStore,
  type TrustBundleInput,
  type TrustStore,
  toCertificate,
} from './store';

/**
 * Most intermediates a verification looks at; longer chains fail with `BUDGET_EXCEEDED`.
 *
 * @example
 * ```ts
 * if (presented.length > MAX_INTERMEDIATES) console.warn('the peer sent an oversized chain');
 * ```
 */
export const MAX_INTERMEDIATES = 256;

/**
 * Options of {@link verifyChain}.
 *
 * @example
 * ```ts
 * const options: VerifyChainOptions = { leaf: peerPem, intermediates: [issuerPem], bundle: anchorsPem };
 * ```
 */
export interface VerifyChainOptions {
  /** The certificate to verify: parsed, DER or PEM (one certificate). */
  readonly leaf: CertificateInput;
  /**
   * Certificates that may help reach an anchor, in any order (a PEM string may hold several). Ones that do
   * not parse are ignored.
   */
  readonly intermediates?: readonly CertificateInput[];
  /** The trust anchors. */
  readonly bundle: TrustBundleInput;
  /** The validation time; default: now. */
  readonly at?: Date;
  /**
   * The TLS role: `server` or `client` require that extended key usage in the leaf (when it has an
   * extKeyUsage; anyExtendedKeyUsage does not count) and allow CAs with an extKeyUsage only when it lists
   * the role or anyExtendedKeyUsage. Default `any`: no extended key usage checks.
   */
  readonly usage?: Usage;
  /**
   * A name the leaf must carry in its subjectAltName: a DNS name (wildcard SANs match one leftmost label,
   * case-insensitively), an IP address (exact bytes), or a URI such as a `spiffe://` ID (exact text).
   * The subject common name is never used.
   */
  readonly name?: string;
  /** Most intermediates that are not self-issued (default 8); as many self-issued ones may come on top. */
  readonly maxDepth?: number;
  /** Work limits against hostile chains. */
  readonly budget?: VerifyBudget;
  /**
   * The certificate profile (see {@link Profile}). Default `'linkerd'`: a certificate is refused only for
   * what Linkerd's proxy (rustls-webpki) or control plane (Go crypto/x509) would refuse, so CAs without a
   * subjectKeyIdentifier, certificates without an authorityKeyIdentifier (older `linkerd install` output,
   * cert-manager issuers) and CAs made with OpenSSL's defaults verify. `'strict'` also requires:
   * - a subjectKeyIdentifier in every issuing CA, an authorityKeyIdentifier keyIdentifier in every
   *   certificate but the anchor and self-issued ones, a CA's authorityKeyIdentifier holding only a
   *   keyIdentifier, and a self-signed CA's naming its own key;
   * - in issuing CAs: critical basicConstraints, a keyUsage and a non-empty subject;
   * - below the anchor: a serial number from 1 to 20 octets; everywhere: a non-empty issuer, and neither
   *   keyCertSign nor a pathLenConstraint outside a CA;
   * - in the leaf: no nameConstraints unless a CA, a subjectAltName critical exactly when the subject is
   *   empty, and (for `usage: 'server'`) a commonName written as the Baseline Requirements say;
   * - in name constraints: no dNSName constraint with a leading dot (by default `.cluster.local` means the
   *   subdomains of cluster.local, as in Go and OpenSSL).
   *
   * Two rules go the other way, where `'strict'` follows RFC 5280 and the default profile follows Go
   * and rustls-webpki: `'strict'` processes directoryName name constraints, where the default profile
   * refuses a critical nameConstraints holding one (Go leaves them unprocessed and refuses the
   * extension; rustls-webpki lets no name through them); and `'strict'` leaves self-issued
   * intermediates out of a pathLenConstraint's count, where the default profile counts them.
   *
   * @example
   * ```ts
   * await verifyChain({ leaf, intermediates, bundle, profile: 'strict' });
   * ```
   */
  readonly profile?: Profile;
}

/**
 * Validates a certificate path per RFC 5280 §6 from `leaf` to one of the trust anchors in `bundle`,
 * building it from `intermediates` (several anchors, issuers sharing a name, cross-signed CAs are all
 * tried). Every certificate on the path, anchor included, must be valid at `at` and meet the certificate
 * profile (by default what Linkerd's proxy and Go accept: v3, a non-negative serial, no unprocessed
 * critical extension, CA issuers with basicConstraints cA and, when they have a keyUsage, keyCertSign,
 * pathLenConstraint, name constraints, extended key usage; `profile: 'strict'` for the RFC 5280 and
 * CA/Browser Forum profile x509-limbo scores) and the algorithm policy (ECDSA P-256/P-384 on the curve,
 * RSA 2048+; SHA-256/384/512; no SHA-1, no Ed25519).
 *
 * An invalid chain is a result (`ok: false` with a stable `code`), never an exception; only misuse throws
 * `PkiError`: an empty or unparseable bundle (`ERR_BUNDLE_EMPTY`, `ERR_BUNDLE_INVALID`) or invalid options
 * (`ERR_INVALID_ARGUMENT`). An unparseable leaf gives `MALFORMED`.
 *
 * @example
 * ```ts
 * const result = await verifyChain({
 *   leaf: peerPem,
 *   intermediates: [issuerPem],
 *   bundle: trustAnchorsPem,
 *   name: 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local',
 * });
 * if (result.ok) console.log(result.identity.dns, result.validUntil);
 * else console.log(result.code, result.reason);
 * ```
 */
export async function verifyChain(options: VerifyChainOptions): Promise<VerifyResult> {
  requireOptions(options, 'verifyChain');
  return verifyWith(
    createTrustStore(options.bundle),
    options,
    resolveLimits(options),
    toCertificate,
    checkSignatureWithBackend,
  );
}

/** A signature check straight through the crypto backend, synchronous when the backend can be. */
export const checkSignatureWithBackend: SignatureCheck = (child, issuer) => {
  const backend = cryptoBackend();
  return backend.verifySync
    ? backend.verifySync(child.signatureAlgorithm, issuer.publicKey, child.signature, child.tbs)
    : backend.verify(child.signatureAlgorithm, issuer.publicKey, child.signature, child.tbs);
};

/**
 * One verification's inputs, as {@link Verifier.verify} takes them (the anchors and limits are the
 * verifier's).
 *
 * @example
 * ```ts
 * const input: ChainInput = { leaf: peerDer, intermediates: [issuerDer], usage: 'client' };
 * ```
 */
export interface ChainInput {
  readonly leaf: CertificateInput;
  readonly intermediates?: readonly CertificateInput[];
  readonly at?: Date;
  readonly usage?: Usage;
  readonly name?: string;
}

/**
 * Verifies `input` against `store`: the shared engine of {@link verifyChain} and the `Verifier`, which
 * brings its own certificate cache (`resolve`), signature memo (`checkSignature`) and reference-name
 * memo (`parseName`). Synchronous until a signature check has to wait; misuse throws (the async callers
 * turn that into a rejection).
 */
export function verifyWith(
  store: TrustStore,
  input: ChainInput,
  limits: Limits,
  resolve: (input: Certificate | Uint8Array) => Certificate,
  checkSignature: SignatureCheck,
  parseName: (name: string) => ReferenceName = parseReferenceName,
): MaybePromise<VerifiedChain | VerifyFailure> {
  // Every input is read, and every byte copied, before anything can wait: what is verified is what was
  // given at the call, whatever the caller does with its buffers while the result is pending.
  requireOptions(input, 'verify');
  const request = resolveRequest(input, parseName);
  const leaf = parseInput(input.leaf, 0, 'leaf');
  const presented = presentedDer(input.intermediates ?? []);
  if ('ok' in leaf) return leaf;
  if (presented.length > MAX_INTERMEDIATES) {
    return failure(problem('BUDGET_EXCEEDED', `more than ${MAX_INTERMEDIATES} intermediates`), -1);
  }
  const parsed: Certificate[] = [];
  for (const c of presented) {
    const cert = parsedOrNothing(resolve, c);
    if (cert) parsed.push(cert);
  }
  const leafCheck = leafChecks(leaf, request, limits.strict);
  if (leafCheck) return failure(leafCheck, 0);
  const ctx: PathContext = {
    store,
    pool: parsed.length === 1 ? EMPTY_POOL : poolBySubject(parsed),
    at: request.at,
    usage: request.usage,
    maxDepth: limits.maxDepth,
    budget: new Budget(limits.budget),
    checkSignature,
    strict: limits.strict,
  };
  const path = parsed.length === 1 ? buildPathThrough(leaf, parsed[0]!, ctx) : buildPath(leaf, ctx);
  return andThen(path, (p) => (Array.isArray(p) ? success(p) : p));
}

/**
 * `input` parsed, or `MALFORMED` (about the certificate at `index`) when it does not parse. Inputs of the
 * wrong type are misuse and throw.
 */
export function parseInput(
  input: CertificateInput,
  index: number,
  what: string,
): Certificate | VerifyFailure {
  try {
    return toCertificate(input);
  } catch (e) {
    if (!isPkiError(e) || e.code === 'ERR_INVALID_ARGUMENT') throw e;
    return failure(problem('MALFORMED', `${what}: ${e.message}`), index);
  }
}

/** The checks of the leaf on its own: validity, profile (the strict one when `strict`), usage and name. */
function leafChecks(leaf: Certificate, request: Request, strict: boolean): Problem | undefined {
  return (
    validityProblem(leaf, request.at) ??
    uncachedCertificateProblem(leaf, strict) ??
    uncachedIssuedProblem(leaf, strict) ??
    leafProblem(leaf, strict) ??
    leafUsageProblem(leaf, request.usage) ??
    (strict && request.usage === 'server' ? commonNameProblem(leaf) : undefined) ??
    leafNameProblem(leaf, request)
  );
}

/** A leaf's extKeyUsage, when present, must list the role (rustls-webpki: anyExtendedKeyUsage is not enough). */
function leafUsageProblem(leaf: Certificate, usage: Usage): Problem | undefined {
  const wanted = USAGE_OID[usage];
  if (wanted === undefined || leaf.extKeyUsage === undefined || leaf.extKeyUsage.includes(wanted))
    return undefined;
  return problem('EXT_KEY_USAGE', `leaf extKeyUsage does not allow ${usage} authentication`);
}

function leafNameProblem(leaf: Certificate, request: Request): Problem | undefined {
  const name = request.name;
  if (name === undefined || sansMatch(leaf.subjectAltNames, name)) return undefined;
  return problem('NAME_MISMATCH', `leaf subjectAltName does not match "${formatReferenceName(name)}"`);
}

/** The presented certificates, PEM strings split into their CERTIFICATE blocks (unreadable text is skipped). */
function presentedDer(inputs: readonly CertificateInput[]): (Certificate | Uint8Array)[] {
  if (!Array.isArray(inputs)) throw new PkiError('ERR_INVALID_ARGUMENT', 'intermediates must be an array');
  const out: (Certificate | Uint8Array)[] = [];
  for (const input of inputs) {
    if (typeof input !== 'string') out.push(input);
    else for (const der of parsedOrNothing(certificateBlocks, input) ?? []) out.push(der);
  }
  return out;
}

function certificateBlocks(pem: string): Uint8Array[] {
  return decodePem(pem).flatMap((b) => (b.label === 'CERTIFICATE' ? [b.der] : []));
}

/**
 * `parse(input)`, or `undefined` when it throws a `PkiError` (a presented certificate that cannot help).
 */
function parsedOrNothing<I, T>(parse: (input: I) => T, input: I): T | undefined {
  try {
    return parse(input);
  } catch (e) {
    if (isPkiError(e) && e.code !== 'ERR_INVALID_ARGUMENT') return undefined;
    throw e;
  }
}

function success(path: readonly Certificate[]): VerifiedChain {
  let validUntil = path[0]!.notAfter.getTime();
  for (let i = 1; i < path.length; i++) validUntil = Math.min(validUntil, path[i]!.notAfter.getTime());
  return new VerifiedChain(path, identityOf(path[0]!), new Date(validUntil));
}

/** Throws `ERR_INVALID_ARGUMENT` unless `options` is an object (JavaScript callers have no types). */
function requireOptions(options: unknown, fn: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new PkiError('ERR_INVALID_ARGUMENT', `${fn} takes an options object`);
}

/** The DNS SANs and the SPIFFE ID (a sole `spiffe://` URI SAN) of a leaf. */
export function identityOf(leaf: Certificate): VerifiedIdentity {
  const dns: string[] = [];
  let uri: string | undefined;
  let uris = 0;
  for (const san of leaf.subjectAltNames ?? []) {
    // A DNS SAN whose text is not a DNS name (`spiffe://…`, a NUL, `a,CN=x`) is no DNS identity.
    if (san.type === 'dns') {
      if (isDnsPattern(san.value)) dns.push(san.value);
    } else if (san.type === 'uri' && uris++ === 0) uri = san.value;
  }
  const identity: { dns?: string[]; spiffeId?: string } = {};
  if (dns.length > 0) identity.dns = dns;
  if (uris === 1 && uri !== undefined && isValidSpiffeId(uri)) identity.spiffeId = uri;
  return identity;
}
