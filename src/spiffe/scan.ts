/**
 * Allocation-free scanners behind the SPIFFE ID rules (go-spiffe v2, default build). Each returns
 * `undefined` when the input is valid, or the reason it is not.
 */

/** URI scheme prefix of every SPIFFE ID; lowercase only. */
export const SPIFFE_SCHEME = 'spiffe://';

/** Why a SPIFFE ID, trust domain or path was refused (go-spiffe's wording). */
export const Reason = {
  empty: 'cannot be empty',
  scheme: 'scheme is missing or invalid',
  missingTrustDomain: 'trust domain is missing',
  trustDomainChar:
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  leadingSlash: 'path must have a leading slash',
  emptySegment: 'path cannot contain empty segments',
  dotSegment: 'path cannot contain dot segments',
  trailingSlash: 'path cannot have a trailing slash',
  segmentChar: 'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
} as const;

/** One of the {@link Reason} messages. */
export type Reason = (typeof Reason)[keyof typeof Reason];

const SLASH = 0x2f;
const DOT = 0x2e;

/** `[a-z0-9._-]` */
function isTrustDomainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === DOT || c === 0x2d || c === 0x5f;
}

/** `[A-Za-z0-9._-]` */
function isPathSegmentChar(c: number): boolean {
  return isTrustDomainChar(c) || (c >= 0x41 && c <= 0x5a);
}

/** Checks `s[start, end)` as a trust domain name (no scheme). */
export function trustDomainNameReason(s: string, start = 0, end = s.length): Reason | undefined {
  if (start >= end) return Reason.missingTrustDomain;
  for (let i = start; i < end; i++) {
    if (!isTrustDomainChar(s.charCodeAt(i))) return Reason.trustDomainChar;
  }
  return undefined;
}

/** Classifies the segment `s[start, end)`: empty, `.`/`..`, or undefined when it may be well formed. */
function segmentShapeReason(s: string, start: number, end: number): Reason | undefined {
  const len = end - start;
  if (len === 0) return Reason.emptySegment;
  if (s.charCodeAt(start) === DOT && (len === 1 || (len === 2 && s.charCodeAt(start + 1) === DOT))) {
    return Reason.dotSegment;
  }
  return undefined;
}

/** Checks one path segment (no slashes allowed). */
export function segmentReason(segment: string): Reason | undefined {
  const shape = segmentShapeReason(segment, 0, segment.length);
  if (shape !== undefined) return shape;
  for (let i = 0; i < segment.length; i++) {
    if (!isPathSegmentChar(segment.charCodeAt(i))) return Reason.segmentChar;
  }
  return undefined;
}

/** Checks `s[start..]` as a SPIFFE ID path: empty, or `/`-separated well-formed segments. */
export function pathReason(s: string, start = 0): Reason | undefined {
  if (start === s.length) return undefined;
  if (s.charCodeAt(start) !== SLASH) return Reason.leadingSlash;
  let segmentStart = start + 1;
  for (let i = segmentStart; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === SLASH) {
      const shape = segmentShapeReason(s, segmentStart, i);
      if (shape !== undefined) return shape;
      segmentStart = i + 1;
    } else if (!isPathSegmentChar(c)) {
      return Reason.segmentChar;
    }
  }
  const last = segmentShapeReason(s, segmentStart, s.length);
  return last === Reason.emptySegment ? Reason.trailingSlash : last;
}

/**
 * Scans a SPIFFE ID string. Returns the index where its path starts (its trust domain is
 * `s.slice(SPIFFE_SCHEME.length, index)`), or the reason it is invalid.
 */
export function scanId(s: string): number | Reason {
  if (s.length === 0) return Reason.empty;
  if (!s.startsWith(SPIFFE_SCHEME)) return Reason.scheme;
  const tdStart = SPIFFE_SCHEME.length;
  let pathStart = s.indexOf('/', tdStart);
  if (pathStart < 0) pathStart = s.length;
  return trustDomainNameReason(s, tdStart, pathStart) ?? pathReason(s, pathStart) ?? pathStart;
}
