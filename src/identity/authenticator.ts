import { PkiError } from '../errors';
import { requireObject } from '../validate';
/**
 * What a {@link TokenAuthenticator} says about a token: the Kubernetes username it authenticates, or a
 * refusal with the kind of answer a Kubernetes TokenReview gives.
 * - `invalid`: the cluster recognised the token as its own but cannot accept it (bad signature, expired,
 *   not yet valid, wrong audience: a TokenReview's `status.error`); the identity service answers
 *   `INVALID_ARGUMENT` with `message`.
 * - `unauthenticated`: the token is not one the cluster recognises; `FAILED_PRECONDITION`
 *   "authentication token could not be authenticated".
 *
 * An authenticator that cannot decide (its API call failed) throws; the service answers `INTERNAL`.
 *
 * @example
 * ```ts
 * const verdict: TokenVerdict = { ok: true, username: 'system:serviceaccount:shop:web' };
 * const refusal: TokenVerdict = { ok: false, reason: 'invalid', message: 'token has expired' };
 * ```
 */
export type TokenVerdict =
  | { readonly ok: true; readonly username: string }
  | { readonly ok: false; readonly reason: 'invalid'; readonly message: string }
  | { readonly ok: false; readonly reason: 'unauthenticated' };

/**
 * Decides who a service-account token belongs to, as the identity service asks Kubernetes with a
 * TokenReview (audience `identity.l5d.io`). Implementations never log or echo the token.
 *
 * @example
 * ```ts
 * const authenticator: TokenAuthenticator = {
 *   async authenticate(token) {
 *     return { ok: true, username: 'system:serviceaccount:shop:web' };
 *   },
 * };
 * ```
 */
export interface TokenAuthenticator {
  /** The verdict on `token`, the bytes of the request's `token` field. */
  authenticate(token: Uint8Array): Promise<TokenVerdict>;
}

/**
 * The audience of the tokens the Linkerd proxy presents: `identity.l5d.io`.
 *
 * @example
 * ```ts
 * jwtVerify(token, keys, { audience: LINKERD_TOKEN_AUDIENCE });
 * ```
 */
export const LINKERD_TOKEN_AUDIENCE = 'identity.l5d.io';

/**
 * A {@link TokenAuthenticator} over a fixed table of tokens and the usernames they stand for, for tests
 * and demos: a token in the table authenticates as its username, any other is unrecognised
 * (`unauthenticated`). A username may be a {@link TokenVerdict} instead, to stand for a token the cluster
 * refuses.
 *
 * @example
 * ```ts
 * const authenticator = staticTokenAuthenticator({
 *   'token-of-web': 'system:serviceaccount:shop:web',
 *   'expired-token': { ok: false, reason: 'invalid', message: 'token has expired' },
 * });
 * ```
 */
export function staticTokenAuthenticator(
  tokens: Readonly<Record<string, string | TokenVerdict>>,
): TokenAuthenticator {
  requireObject(tokens, 'the tokens');
  const table = new Map<string, TokenVerdict>();
  for (const [token, entry] of Object.entries(tokens)) {
    if (typeof entry !== 'string' && (typeof entry !== 'object' || entry === null))
      throw new PkiError('ERR_INVALID_ARGUMENT', 'each token maps to a username or a verdict');
    table.set(token, typeof entry === 'string' ? { ok: true, username: entry } : entry);
  }
  const text = new TextDecoder('utf-8', { fatal: false });
  return {
    async authenticate(token) {
      return table.get(text.decode(token)) ?? { ok: false, reason: 'unauthenticated' };
    },
  };
}
