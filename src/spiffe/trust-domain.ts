import { invalid, requireString } from './fail';
import { type Reason, SPIFFE_SCHEME, scanId, trustDomainNameReason } from './scan';

/**
 * Where the trust domain of `s` ends, or why `s` is neither a trust domain name nor a SPIFFE ID.
 * Like go-spiffe, anything containing `:/` is read as a SPIFFE ID.
 */
function trustDomainEnd(s: string): number | Reason {
  if (!s.includes(':/')) return trustDomainNameReason(s) ?? s.length;
  return scanId(s);
}

/**
 * Parses a SPIFFE trust domain: a name such as `example.org` (characters `[a-z0-9._-]`), or a full
 * SPIFFE ID, whose trust domain is returned (go-spiffe's `TrustDomainFromString`).
 *
 * @throws {PkiError} `ERR_TRUST_DOMAIN_INVALID` when `s` is neither; `ERR_INVALID_ARGUMENT` when it is not a string.
 * @example
 * ```ts
 * parseTrustDomain('example.org'); // 'example.org'
 * parseTrustDomain('spiffe://example.org/ns/web/sa/default'); // 'example.org'
 * parseTrustDomain('Example.org'); // throws ERR_TRUST_DOMAIN_INVALID
 * ```
 */
export function parseTrustDomain(s: string): string {
  const end = trustDomainEnd(requireString(s, 'trust domain'));
  if (typeof end !== 'number') throw invalid('ERR_TRUST_DOMAIN_INVALID', 'trust domain', s, end);
  return s.startsWith(SPIFFE_SCHEME) ? s.slice(SPIFFE_SCHEME.length, end) : s;
}

/**
 * Whether {@link parseTrustDomain} accepts `s` (a trust domain name or a full SPIFFE ID). Never throws.
 *
 * @example
 * ```ts
 * isValidTrustDomain('cluster.local'); // true
 * isValidTrustDomain('spiffe://identity.linkerd.cluster.local/ns/shop/sa/web'); // true
 * isValidTrustDomain('cluster.local:8080'); // false
 * ```
 */
export function isValidTrustDomain(s: unknown): boolean {
  return typeof s === 'string' && typeof trustDomainEnd(s) === 'number';
}

/**
 * `value` as a bare trust domain name (`example.org`), for places where a trust domain names a bundle:
 * unlike {@link parseTrustDomain}, a SPIFFE ID is refused rather than read as its trust domain, so one
 * trust domain has exactly one spelling. Not exported from the package.
 *
 * @throws {PkiError} `ERR_TRUST_DOMAIN_INVALID`; `ERR_INVALID_ARGUMENT` when `value` is not a string.
 */
export function requireTrustDomainName(value: unknown, what: string): string {
  const s = requireString(value, what);
  if (s.includes(':/')) {
    throw invalid('ERR_TRUST_DOMAIN_INVALID', what, s, 'give the trust domain name, not a SPIFFE ID');
  }
  const reason = trustDomainNameReason(s);
  if (reason !== undefined) throw invalid('ERR_TRUST_DOMAIN_INVALID', what, s, reason);
  return s;
}
