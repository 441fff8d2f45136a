import { invalid, requireString } from './fail';
import { validatePath, validatePathSegment } from './path';
import { pathReason, SPIFFE_SCHEME, scanId, trustDomainNameReason } from './scan';

/**
 * A parsed, valid SPIFFE ID: `spiffe://<trustDomain><path>`. Instances made by this module are frozen.
 *
 * @example
 * ```ts
 * const id: SpiffeId = parseSpiffeId('spiffe://example.org/ns/web/sa/default');
 * id.trustDomain; // 'example.org'
 * id.path; // '/ns/web/sa/default'
 * `${id}`; // 'spiffe://example.org/ns/web/sa/default'
 * ```
 */
export interface SpiffeId {
  /** The trust domain, e.g. `example.org`. */
  readonly trustDomain: string;
  /** The path: empty, or starting with `/` (e.g. `/ns/web/sa/default`). */
  readonly path: string;
  /** The URI form, e.g. `spiffe://example.org/ns/web/sa/default`. */
  toString(): string;
}

class SpiffeIdValue implements SpiffeId {
  /** Keeps the shape of IDs, which often live for one call, alive (see `DerReader.shapeKeeper`). */
  static readonly shapeKeeper: SpiffeId = new SpiffeIdValue('example.org', '', 'spiffe://example.org');

  readonly trustDomain: string;
  readonly path: string;
  readonly #uri: string;

  constructor(trustDomain: string, path: string, uri: string) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.#uri = uri;
    Object.freeze(this);
  }

  toString(): string {
    return this.#uri;
  }
}

/** Throws `ERR_TRUST_DOMAIN_INVALID` unless `td` is a bare trust domain name. */
function requireTrustDomainName(td: string): string {
  const reason = trustDomainNameReason(requireString(td, 'trust domain'));
  if (reason !== undefined) throw invalid('ERR_TRUST_DOMAIN_INVALID', 'trust domain', td, reason);
  return td;
}

/**
 * Parses a SPIFFE ID (go-spiffe's `FromString`): lowercase `spiffe://` scheme, a trust domain of
 * `[a-z0-9._-]` (no port, user info, `%` or uppercase), then a path as {@link validatePath} describes.
 *
 * @throws {PkiError} `ERR_SPIFFE_ID_INVALID` naming the broken rule; `ERR_INVALID_ARGUMENT` for a non-string.
 * @example
 * ```ts
 * const id = parseSpiffeId('spiffe://identity.linkerd.cluster.local/ns/emojivoto/sa/default');
 * id.trustDomain; // 'identity.linkerd.cluster.local'
 * parseSpiffeId('spiffe://example.org/'); // throws ERR_SPIFFE_ID_INVALID (trailing slash)
 * ```
 */
export function parseSpiffeId(s: string): SpiffeId {
  const pathStart = scanId(requireString(s, 'SPIFFE ID'));
  if (typeof pathStart !== 'number') throw invalid('ERR_SPIFFE_ID_INVALID', 'SPIFFE ID', s, pathStart);
  return new SpiffeIdValue(s.slice(SPIFFE_SCHEME.length, pathStart), s.slice(pathStart), s);
}

/**
 * Whether {@link parseSpiffeId} accepts `s`. Never throws.
 *
 * @example
 * ```ts
 * isValidSpiffeId('spiffe://example.org/web'); // true
 * isValidSpiffeId('SPIFFE://example.org/web'); // false
 * ```
 */
export function isValidSpiffeId(s: unknown): boolean {
  return typeof s === 'string' && typeof scanId(s) === 'number';
}

/**
 * The canonical URI of `id` if it is a valid SPIFFE ID (string or {@link SpiffeId}), else `undefined`.
 * Valid SPIFFE IDs have one spelling, so two IDs are equal exactly when these strings are.
 */
export function canonicalSpiffeId(id: unknown): string | undefined {
  if (typeof id === 'string') return isValidSpiffeId(id) ? id : undefined;
  if (typeof id !== 'object' || id === null) return undefined;
  const { trustDomain, path } = id as Partial<Record<keyof SpiffeId, unknown>>;
  if (typeof trustDomain !== 'string' || typeof path !== 'string') return undefined;
  if (trustDomainNameReason(trustDomain) !== undefined || pathReason(path) !== undefined) return undefined;
  return SPIFFE_SCHEME + trustDomain + path;
}

/**
 * Builds the SPIFFE ID of a trust domain and path, both checked (go-spiffe's `FromPath`), and returns its
 * URI.
 *
 * @throws {PkiError} `ERR_TRUST_DOMAIN_INVALID` or `ERR_SPIFFE_ID_INVALID`.
 * @example
 * ```ts
 * formatSpiffeId('example.org', '/ns/web/sa/default'); // 'spiffe://example.org/ns/web/sa/default'
 * formatSpiffeId('example.org', ''); // 'spiffe://example.org'
 * ```
 */
export function formatSpiffeId(trustDomain: string, path: string): string {
  requireTrustDomainName(trustDomain);
  validatePath(path);
  return SPIFFE_SCHEME + trustDomain + path;
}

/**
 * Builds a SPIFFE ID from a trust domain name and path segments, each checked with
 * {@link validatePathSegment} and joined with `/` (go-spiffe's `FromSegments`). No segments gives the
 * trust domain's own ID.
 *
 * @throws {PkiError} `ERR_TRUST_DOMAIN_INVALID` or `ERR_SPIFFE_ID_INVALID`.
 * @example
 * ```ts
 * spiffeIdFromSegments('example.org', 'ns', 'web', 'sa', 'default').toString();
 * // 'spiffe://example.org/ns/web/sa/default'
 * spiffeIdFromSegments('example.org', 'a/b'); // throws ERR_SPIFFE_ID_INVALID
 * ```
 */
export function spiffeIdFromSegments(trustDomain: string, ...segments: string[]): SpiffeId {
  requireTrustDomainName(trustDomain);
  let path = '';
  for (const segment of segments) {
    validatePathSegment(segment);
    path += `/${segment}`;
  }
  return new SpiffeIdValue(trustDomain, path, SPIFFE_SCHEME + trustDomain + path);
}
