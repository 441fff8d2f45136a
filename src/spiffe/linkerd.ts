import { PkiError, quoteInput } from '../errors';
import { requireOptions } from '../validate';
import { isDns1123Label, isDns1123Subdomain } from './dns';
import { invalid, requireString } from './fail';
import { formatSpiffeId, parseSpiffeId, type SpiffeId, spiffeIdFromSegments } from './id';

/**
 * The SPIFFE trust domain Linkerd's proxy uses in its SPIFFE IDs.
 *
 * @example
 * ```ts
 * linkerdIdentityToSpiffeId('web.shop.serviceaccount.identity.linkerd.cluster.local', {
 *   spiffeTrustDomain: DEFAULT_SPIFFE_TRUST_DOMAIN,
 * }).toString(); // 'spiffe://identity.linkerd.cluster.local/ns/shop/sa/web'
 * ```
 */
export const DEFAULT_SPIFFE_TRUST_DOMAIN = 'identity.linkerd.cluster.local';

const DEFAULT_CONTROL_PLANE_NAMESPACE = 'linkerd';
const DEFAULT_TRUST_DOMAIN = 'cluster.local';
const IDENTITY_FORM = '<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>';

/** `<sa>.<ns>.serviceaccount.identity.<cp-ns>.<trust-domain>`, once every label is known to be valid. */
const IDENTITY_SHAPE = /^([^.]+)\.([^.]+)\.serviceaccount\.identity\.([^.]+)\.(.+)$/;
const USERNAME_SHAPE = /^system:serviceaccount:([^:]*):([^:]*)$/;
const SPIFFE_PATH_SHAPE = /^\/ns\/([^/]+)\/sa\/([^/]+)$/;

/**
 * The parts of a Linkerd identity name.
 *
 * @example
 * ```ts
 * const parts: LinkerdIdentityParts = parseLinkerdIdentity(
 *   'default.emojivoto.serviceaccount.identity.linkerd.cluster.local',
 * );
 * // { serviceAccount: 'default', namespace: 'emojivoto', controlPlaneNamespace: 'linkerd', trustDomain: 'cluster.local' }
 * ```
 */
export interface LinkerdIdentityParts {
  /** Kubernetes service account name (a DNS-1123 label). */
  readonly serviceAccount: string;
  /** Kubernetes namespace of the workload (a DNS-1123 label). */
  readonly namespace: string;
  /** Namespace of the Linkerd control plane (a DNS-1123 label), `linkerd` by default. */
  readonly controlPlaneNamespace: string;
  /** Linkerd's identity trust domain (a DNS-1123 subdomain), `cluster.local` by default. */
  readonly trustDomain: string;
}

/**
 * Input of {@link linkerdIdentity}: a workload's service account and namespace, with optional
 * control-plane namespace (default `linkerd`) and trust domain (default `cluster.local`).
 *
 * @example
 * ```ts
 * const input: LinkerdIdentityInput = { serviceAccount: 'default', namespace: 'emojivoto' };
 * linkerdIdentity(input); // 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local'
 * ```
 */
export interface LinkerdIdentityInput {
  readonly serviceAccount: string;
  readonly namespace: string;
  readonly controlPlaneNamespace?: string | undefined;
  readonly trustDomain?: string | undefined;
}

/**
 * Expectations for {@link parseLinkerdIdentity}: when given, the name's control-plane namespace and trust
 * domain must equal them.
 *
 * @example
 * ```ts
 * const opts: ParseLinkerdIdentityOptions = { trustDomain: 'cluster.local' };
 * parseLinkerdIdentity('web.shop.serviceaccount.identity.linkerd.cluster.local', opts).namespace; // 'shop'
 * ```
 */
export interface ParseLinkerdIdentityOptions {
  readonly controlPlaneNamespace?: string | undefined;
  readonly trustDomain?: string | undefined;
}

/**
 * Options of {@link linkerdIdentityToSpiffeId}: the expectations of {@link ParseLinkerdIdentityOptions} and
 * the SPIFFE trust domain to mint in (default {@link DEFAULT_SPIFFE_TRUST_DOMAIN}).
 *
 * @example
 * ```ts
 * const opts: LinkerdToSpiffeOptions = { spiffeTrustDomain: 'example.org' };
 * linkerdIdentityToSpiffeId('web.shop.serviceaccount.identity.linkerd.cluster.local', opts).toString();
 * // 'spiffe://example.org/ns/shop/sa/web'
 * ```
 */
export interface LinkerdToSpiffeOptions extends ParseLinkerdIdentityOptions {
  readonly spiffeTrustDomain?: string | undefined;
}

/**
 * Options of {@link spiffeIdToLinkerdIdentity}: the Linkerd control-plane namespace and trust domain of the
 * name to build, and, when given, the only SPIFFE trust domain accepted.
 *
 * @example
 * ```ts
 * const opts: SpiffeToLinkerdOptions = { spiffeTrustDomain: DEFAULT_SPIFFE_TRUST_DOMAIN };
 * spiffeIdToLinkerdIdentity('spiffe://identity.linkerd.cluster.local/ns/shop/sa/web', opts);
 * // 'web.shop.serviceaccount.identity.linkerd.cluster.local'
 * ```
 */
export interface SpiffeToLinkerdOptions {
  readonly controlPlaneNamespace?: string | undefined;
  readonly trustDomain?: string | undefined;
  readonly spiffeTrustDomain?: string | undefined;
}

/**
 * A Kubernetes service account, as named by its token's username.
 *
 * @example
 * ```ts
 * const ref: ServiceAccountRef = parseServiceAccountUsername('system:serviceaccount:shop:web');
 * // { namespace: 'shop', serviceAccount: 'web' }
 * ```
 */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Longest DNS name and label (RFC 1035 §2.3.4). */
const MAX_NAME = 253;
const MAX_NAME_LABEL = 63;
const UPPERCASE = /[A-Z]/;
const NOT_LDH = /[^A-Za-z0-9.-]/;

/**
 * Why `name` cannot be a Linkerd identity name (the CN and DNS SAN of a workload's certificate and CSR,
 * the name the proxy authenticates), or `undefined` when it can. An identity name is a DNS-1123
 * subdomain: lowercase labels of `[a-z0-9-]` that start and end with a letter or digit, at most 63
 * characters each and 253 in all, joined by single dots, with no trailing dot. So no wildcard, no
 * uppercase, no space, NUL or comma, and no URI such as a `spiffe://` ID.
 *
 * @example
 * ```ts
 * identityNameProblem('web.shop.serviceaccount.identity.linkerd.cluster.local'); // undefined
 * identityNameProblem('*.shop.serviceaccount.identity.linkerd.cluster.local'); // 'has a wildcard label'
 * identityNameProblem('Web.shop.example'); // 'has uppercase letters'
 * ```
 */
export function identityNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `is not a string but ${name === null ? 'null' : typeof name}`;
  if (isDns1123Subdomain(name)) return undefined;
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME) return `is ${name.length} characters; a DNS name has at most ${MAX_NAME}`;
  if (name.endsWith('.')) return 'ends with a dot';
  if (name.startsWith('*.') || name.includes('*')) return 'has a wildcard label';
  if (UPPERCASE.test(name)) return 'has uppercase letters (identity names are lowercase)';
  if (NOT_LDH.test(name)) return 'has characters other than a-z, 0-9, "-" and "."';
  for (const label of name.split('.')) {
    if (label === '') return 'has an empty label';
    if (label.length > MAX_NAME_LABEL) {
      return `has a ${label.length}-character label; a DNS label has at most ${MAX_NAME_LABEL}`;
    }
    if (label.startsWith('-') || label.endsWith('-')) return 'has a label that starts or ends with "-"';
  }
  return 'is not a DNS-1123 subdomain';
}

/**
 * Returns `name` when it is a Linkerd identity name ({@link identityNameProblem}); what issuance and CSRs
 * check before anything is signed, and what the CLI checks its `--identity` with.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` naming the reason; `ERR_INVALID_ARGUMENT` when `name` is not
 *   a string.
 * @example
 * ```ts
 * requireIdentityName('linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local'); // returns it
 * requireIdentityName('spiffe://identity.linkerd.cluster.local/ns/shop/sa/web'); // throws ERR_IDENTITY_INVALID
 * ```
 */
export function requireIdentityName(name: unknown, what = 'identity'): string {
  const problem = identityNameProblem(requireString(name, what));
  if (problem !== undefined) throw invalid('ERR_IDENTITY_INVALID', what, name as string, problem);
  return name as string;
}

function requireLabel(value: string, what: string): string {
  if (!isDns1123Label(requireString(value, what))) {
    throw invalid('ERR_IDENTITY_INVALID', what, value, 'not a DNS-1123 label');
  }
  return value;
}

/**
 * Builds a Linkerd identity name, `<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>`:
 * the CN and DNS SAN of a workload's certificate. The whole name must fit in 253 characters (a DNS name).
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` when a part is not a DNS-1123 label (the trust domain: a
 *   DNS-1123 subdomain) or the name is too long.
 * @example
 * ```ts
 * linkerdIdentity({ serviceAccount: 'default', namespace: 'emojivoto' });
 * // 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local'
 * linkerdIdentity({ serviceAccount: 'web', namespace: 'shop', controlPlaneNamespace: 'l5d', trustDomain: 'prod.example' });
 * // 'web.shop.serviceaccount.identity.l5d.prod.example'
 * ```
 */
export function linkerdIdentity(input: LinkerdIdentityInput): string {
  const {
    serviceAccount,
    namespace,
    controlPlaneNamespace = DEFAULT_CONTROL_PLANE_NAMESPACE,
    trustDomain = DEFAULT_TRUST_DOMAIN,
  } = requireOptions(input, 'linkerdIdentity');
  requireLabel(serviceAccount, 'service account');
  requireLabel(namespace, 'namespace');
  requireLabel(controlPlaneNamespace, 'control plane namespace');
  if (!isDns1123Subdomain(requireString(trustDomain, 'trust domain'))) {
    throw invalid('ERR_IDENTITY_INVALID', 'trust domain', trustDomain, 'not a DNS-1123 subdomain');
  }
  const name = `${serviceAccount}.${namespace}.serviceaccount.identity.${controlPlaneNamespace}.${trustDomain}`;
  // Every label is valid by now, so only the total length can fail.
  if (!isDns1123Subdomain(name)) {
    throw invalid('ERR_IDENTITY_INVALID', 'Linkerd identity', name, 'longer than 253 characters');
  }
  return name;
}

/**
 * Splits a Linkerd identity name into its parts. The control-plane namespace is the label after
 * `identity`, the trust domain everything after it; when `options` name them, they must match.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` when `name` is not a DNS-1123 subdomain of the form
 *   `<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>`, or does not match `options`.
 * @example
 * ```ts
 * parseLinkerdIdentity('default.emojivoto.serviceaccount.identity.linkerd.cluster.local');
 * // { serviceAccount: 'default', namespace: 'emojivoto', controlPlaneNamespace: 'linkerd', trustDomain: 'cluster.local' }
 * parseLinkerdIdentity('web.shop.serviceaccount.identity.linkerd.cluster.local', { trustDomain: 'example.org' });
 * // throws ERR_IDENTITY_INVALID
 * ```
 */
export function parseLinkerdIdentity(
  name: string,
  options: ParseLinkerdIdentityOptions = {},
): LinkerdIdentityParts {
  requireOptions(options, 'parseLinkerdIdentity');
  const match = isDns1123Subdomain(requireString(name, 'Linkerd identity'))
    ? IDENTITY_SHAPE.exec(name)
    : null;
  if (match === null)
    throw invalid('ERR_IDENTITY_INVALID', 'Linkerd identity', name, `expected ${IDENTITY_FORM}`);
  const [, serviceAccount = '', namespace = '', controlPlaneNamespace = '', trustDomain = ''] = match;
  expectPart(name, 'control plane namespace', controlPlaneNamespace, options.controlPlaneNamespace);
  expectPart(name, 'trust domain', trustDomain, options.trustDomain);
  return { serviceAccount, namespace, controlPlaneNamespace, trustDomain };
}

function expectPart(name: string, what: string, actual: string, expected: string | undefined): void {
  if (expected !== undefined && actual !== expected) {
    throw invalid(
      'ERR_IDENTITY_INVALID',
      'Linkerd identity',
      name,
      `${what} is not ${quoteInput(requireString(expected, what))}`,
    );
  }
}

/**
 * Parses a Kubernetes service-account token username, `system:serviceaccount:<ns>:<sa>`, with the
 * identity service's rules: exactly four `:`-separated parts, and namespace and name DNS-1123 labels.
 *
 * @throws {PkiError} `ERR_SERVICE_ACCOUNT_INVALID`.
 * @example
 * ```ts
 * parseServiceAccountUsername('system:serviceaccount:emojivoto:default');
 * // { namespace: 'emojivoto', serviceAccount: 'default' }
 * parseServiceAccountUsername('system:node:worker-1'); // throws ERR_SERVICE_ACCOUNT_INVALID
 * ```
 */
export function parseServiceAccountUsername(username: string): ServiceAccountRef {
  const match = USERNAME_SHAPE.exec(requireString(username, 'service account username'));
  const [, namespace = '', serviceAccount = ''] = match ?? [];
  if (!isDns1123Label(namespace) || !isDns1123Label(serviceAccount)) {
    throw invalid(
      'ERR_SERVICE_ACCOUNT_INVALID',
      'service account username',
      username,
      'expected system:serviceaccount:<namespace>:<name>, both DNS-1123 labels',
    );
  }
  return { namespace, serviceAccount };
}

/**
 * Maps a Linkerd identity name to its SPIFFE ID, `spiffe://<spiffe-trust-domain>/ns/<ns>/sa/<sa>`.
 *
 * @throws {PkiError} `ERR_IDENTITY_INVALID` (see {@link parseLinkerdIdentity}); `ERR_TRUST_DOMAIN_INVALID`
 *   for a bad `spiffeTrustDomain`.
 * @example
 * ```ts
 * linkerdIdentityToSpiffeId('default.emojivoto.serviceaccount.identity.linkerd.cluster.local').toString();
 * // 'spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default'
 * ```
 */
export function linkerdIdentityToSpiffeId(name: string, options: LinkerdToSpiffeOptions = {}): SpiffeId {
  requireOptions(options, 'linkerdIdentityToSpiffeId');
  const { namespace, serviceAccount } = parseLinkerdIdentity(name, options);
  const trustDomain = options.spiffeTrustDomain ?? DEFAULT_SPIFFE_TRUST_DOMAIN;
  return spiffeIdFromSegments(trustDomain, 'ns', namespace, 'sa', serviceAccount);
}

/**
 * Maps a SPIFFE ID of the form `spiffe://<td>/ns/<ns>/sa/<sa>` to a Linkerd identity name.
 *
 * @throws {PkiError} `ERR_SPIFFE_ID_INVALID` or `ERR_TRUST_DOMAIN_INVALID` for an invalid ID;
 *   `ERR_IDENTITY_INVALID` for a path of another form, non-label parts, or a trust domain other than
 *   `spiffeTrustDomain`.
 * @example
 * ```ts
 * spiffeIdToLinkerdIdentity('spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default');
 * // 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local'
 * spiffeIdToLinkerdIdentity('spiffe://example.org/web'); // throws ERR_IDENTITY_INVALID
 * ```
 */
export function spiffeIdToLinkerdIdentity(
  id: SpiffeId | string,
  options: SpiffeToLinkerdOptions = {},
): string {
  requireOptions(options, 'spiffeIdToLinkerdIdentity');
  if (typeof id !== 'string' && (typeof id !== 'object' || id === null))
    throw new PkiError('ERR_INVALID_ARGUMENT', 'the SPIFFE ID must be a string or a SpiffeId');
  const uri = typeof id === 'string' ? id : formatSpiffeId(id.trustDomain, id.path);
  const { trustDomain, path } = parseSpiffeId(uri);
  const { spiffeTrustDomain } = options;
  if (spiffeTrustDomain !== undefined && trustDomain !== spiffeTrustDomain) {
    throw invalid(
      'ERR_IDENTITY_INVALID',
      'SPIFFE ID',
      uri,
      `trust domain is not ${quoteInput(requireString(spiffeTrustDomain, 'spiffeTrustDomain'))}`,
    );
  }
  const [, namespace, serviceAccount] = SPIFFE_PATH_SHAPE.exec(path) ?? [];
  if (namespace === undefined || serviceAccount === undefined) {
    throw invalid(
      'ERR_IDENTITY_INVALID',
      'SPIFFE ID',
      uri,
      'path is not /ns/<namespace>/sa/<service-account>',
    );
  }
  return linkerdIdentity({
    serviceAccount,
    namespace,
    controlPlaneNamespace: options.controlPlaneNamespace,
    trustDomain: options.trustDomain,
  });
}
