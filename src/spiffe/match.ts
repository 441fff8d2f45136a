import { requireObject } from '../validate';
import { canonicalSpiffeId, formatSpiffeId, parseSpiffeId, type SpiffeId } from './id';
import { SPIFFE_SCHEME } from './scan';
import { parseTrustDomain } from './trust-domain';

/**
 * Decides whether a peer's SPIFFE ID is acceptable. An invalid ID (string or object) never matches; a
 * matcher never throws. The empty string stands for go-spiffe's zero ID (no ID at all): only
 * {@link matchAny} and `matchMemberOf('')` match it, as in go-spiffe.
 *
 * @example
 * ```ts
 * const allow: SpiffeIdMatcher = matchMemberOf('example.org');
 * allow('spiffe://example.org/web'); // true
 * ```
 */
export type SpiffeIdMatcher = (id: SpiffeId | string) => boolean;

/** go-spiffe's zero ID (and zero trust domain), as a string. */
const ZERO_ID = '';

/** The canonical URI of a matcher argument; throws the parse error when it is not a valid SPIFFE ID. */
function requireId(id: SpiffeId | string): string {
  if (typeof id !== 'string') requireObject(id, 'the expected SPIFFE ID');
  return typeof id === 'string' ? parseSpiffeId(id).toString() : formatSpiffeId(id.trustDomain, id.path);
}

/**
 * Matches every valid SPIFFE ID, and the zero ID `''`.
 *
 * @example
 * ```ts
 * matchAny()('spiffe://anything.test/x'); // true
 * matchAny()('not an id'); // false
 * ```
 */
export function matchAny(): SpiffeIdMatcher {
  return (id) => id === ZERO_ID || canonicalSpiffeId(id) !== undefined;
}

/**
 * Matches exactly one SPIFFE ID.
 *
 * @throws {PkiError} `ERR_SPIFFE_ID_INVALID` (or `ERR_TRUST_DOMAIN_INVALID`) when `expected` is not a valid SPIFFE ID.
 * @example
 * ```ts
 * const m = matchId('spiffe://example.org/web');
 * m('spiffe://example.org/web'); // true
 * m('spiffe://example.org/web/x'); // false
 * ```
 */
export function matchId(expected: SpiffeId | string): SpiffeIdMatcher {
  const uri = requireId(expected);
  return (id) => canonicalSpiffeId(id) === uri;
}

/**
 * Matches any of the given SPIFFE IDs; with none, matches nothing.
 *
 * @throws {PkiError} `ERR_SPIFFE_ID_INVALID` (or `ERR_TRUST_DOMAIN_INVALID`) when any argument is not a valid SPIFFE ID.
 * @example
 * ```ts
 * const m = matchOneOf('spiffe://example.org/web', 'spiffe://example.org/api');
 * m('spiffe://example.org/api'); // true
 * m('spiffe://other.org/api'); // false
 * ```
 */
export function matchOneOf(...expected: Array<SpiffeId | string>): SpiffeIdMatcher {
  const uris = new Set(expected.map((id) => requireId(id)));
  return (id) => {
    const uri = canonicalSpiffeId(id);
    return uri !== undefined && uris.has(uri);
  };
}

/**
 * Matches every SPIFFE ID in a trust domain. `trustDomain` is read with {@link parseTrustDomain}, so a
 * SPIFFE ID stands for its trust domain; the empty (zero) trust domain matches only the zero ID `''`.
 *
 * @throws {PkiError} `ERR_TRUST_DOMAIN_INVALID` when `trustDomain` is not valid.
 * @example
 * ```ts
 * const m = matchMemberOf('example.org');
 * m('spiffe://example.org'); // true
 * m('spiffe://example.org/ns/web'); // true
 * m('spiffe://example.org.evil/ns/web'); // false
 * ```
 */
export function matchMemberOf(trustDomain: string): SpiffeIdMatcher {
  if (trustDomain === ZERO_ID) return (id) => id === ZERO_ID;
  const prefix = SPIFFE_SCHEME + parseTrustDomain(trustDomain);
  return (id) => {
    const uri = canonicalSpiffeId(id);
    if (uri === undefined || !uri.startsWith(prefix)) return false;
    return uri.length === prefix.length || uri.charCodeAt(prefix.length) === 0x2f; // ends at '/'
  };
}
