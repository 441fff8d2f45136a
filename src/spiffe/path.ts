import { invalid, requireString } from './fail';
import { pathReason, segmentReason } from './scan';

/**
 * Checks a SPIFFE ID path: empty, or `/`-separated segments of `[A-Za-z0-9._-]`, with no empty, `.` or
 * `..` segments and no trailing `/` (go-spiffe's `ValidatePath`).
 *
 * @throws {PkiError} `ERR_SPIFFE_ID_INVALID` naming the broken rule.
 * @example
 * ```ts
 * validatePath('/ns/emojivoto/sa/default'); // ok
 * validatePath(''); // ok: the trust domain's own ID has an empty path
 * validatePath('/ns/../sa'); // throws ERR_SPIFFE_ID_INVALID
 * ```
 */
export function validatePath(path: string): void {
  const reason = pathReason(requireString(path, 'SPIFFE ID path'));
  if (reason !== undefined) throw invalid('ERR_SPIFFE_ID_INVALID', 'SPIFFE ID path', path, reason);
}

/**
 * Checks one SPIFFE ID path segment: non-empty, not `.` or `..`, characters `[A-Za-z0-9._-]` only (so
 * no `/`).
 *
 * @throws {PkiError} `ERR_SPIFFE_ID_INVALID` naming the broken rule.
 * @example
 * ```ts
 * validatePathSegment('emojivoto'); // ok
 * validatePathSegment('a/b'); // throws ERR_SPIFFE_ID_INVALID
 * ```
 */
export function validatePathSegment(segment: string): void {
  const reason = segmentReason(requireString(segment, 'SPIFFE ID path segment'));
  if (reason !== undefined) {
    throw invalid('ERR_SPIFFE_ID_INVALID', 'SPIFFE ID path segment', segment, reason);
  }
}
