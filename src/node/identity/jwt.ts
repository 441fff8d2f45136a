import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify } from 'jose';
import { type DurationInput, durationMs } from '../../duration';
import { PkiError } from '../../errors';
import {
  LINKERD_TOKEN_AUDIENCE,
  type TokenAuthenticator,
  type TokenVerdict,
} from '../../identity/authenticator';

/**
 * Options of {@link jwksTokenAuthenticator}.
 *
 * @example
 * ```ts
 * const options: JwksTokenAuthenticatorOptions = { jwks: readFileSync('jwks.json', 'utf8'), issuer: 'https://kubernetes.default.svc.cluster.local' };
 * ```
 */
export interface JwksTokenAuthenticatorOptions {
  /**
   * The cluster's service-account issuer keys, as its API server publishes them at `/openid/v1/jwks`:
   * a JSON Web Key Set, as text or parsed.
   */
  readonly jwks: string | JSONWebKeySet;
  /** The audience tokens must carry. Default `identity.l5d.io`, the audience of the proxy's token. */
  readonly audience?: string;
  /** The `iss` tokens must carry; any issuer when absent. */
  readonly issuer?: string;
  /** Leeway on `exp` and `nbf`: milliseconds or Go duration text, whole seconds. Default 5 s. */
  readonly clockTolerance?: DurationInput;
}

/** Largest token the authenticator reads: 16 KiB (projected tokens are about 1 KiB). */
const MAX_TOKEN_BYTES = 16 * 1024;

const ALGORITHMS = ['RS256', 'ES256'];

function invalid(message: string): TokenVerdict {
  return { ok: false, reason: 'invalid', message: `invalid bearer token, ${message}` };
}

const UNAUTHENTICATED: TokenVerdict = Object.freeze({ ok: false, reason: 'unauthenticated' });

/**
 * A {@link TokenAuthenticator} that verifies projected service-account tokens itself, as JWTs signed by
 * the cluster's service-account issuer (RS256 or ES256), without a TokenReview round trip: the audience
 * (`identity.l5d.io`), `exp` and `nbf` with a small leeway, the issuer when given, and a `sub` that is the
 * username. It answers as a real API server's TokenReview does: a token signed by one of the keys but not
 * acceptable (bad signature, expired, not yet valid, another audience, no `sub`) is `invalid`; a token that
 * is not a JWT, names no key of the set or comes from another issuer is `unauthenticated`.
 * Messages never contain the token.
 *
 * @throws {PkiError} `ERR_INVALID_ARGUMENT` when `jwks` is not a JSON Web Key Set.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { jwksTokenAuthenticator } from 'l5d-pki/node';
 *
 * const authenticator = jwksTokenAuthenticator({ jwks: readFileSync('jwks.json', 'utf8') });
 * ```
 */
export function jwksTokenAuthenticator(options: JwksTokenAuthenticatorOptions): TokenAuthenticator {
  if (typeof options !== 'object' || options === null)
    throw new PkiError('ERR_INVALID_ARGUMENT', 'jwksTokenAuthenticator takes an options object');
  let set: JSONWebKeySet;
  try {
    set = typeof options.jwks === 'string' ? (JSON.parse(options.jwks) as JSONWebKeySet) : options.jwks;
  } catch {
    throw new PkiError('ERR_INVALID_ARGUMENT', '`jwks` is not JSON');
  }
  if (typeof set !== 'object' || set === null || !Array.isArray(set.keys) || set.keys.length === 0)
    throw new PkiError('ERR_INVALID_ARGUMENT', '`jwks` must be a JSON Web Key Set with at least one key');
  const keys = createLocalJWKSet(set);
  const audience = options.audience ?? LINKERD_TOKEN_AUDIENCE;
  const tolerance = durationMs(
    options.clockTolerance ?? 5_000,
    '`clockTolerance`',
    'ERR_DURATION_INVALID',
    0,
  );
  const clockTolerance = Math.floor(tolerance / 1000);
  const issuer = options.issuer;
  const text = new TextDecoder('utf-8', { fatal: true });

  return {
    async authenticate(token) {
      if (token.length > MAX_TOKEN_BYTES) return UNAUTHENTICATED;
      let jwt: string;
      try {
        jwt = text.decode(token).trim();
      } catch {
        return UNAUTHENTICATED;
      }
      try {
        const { payload } = await jwtVerify(jwt, keys, {
          algorithms: ALGORITHMS,
          audience,
          clockTolerance,
          ...(issuer === undefined ? {} : { issuer }),
        });
        if (typeof payload.sub !== 'string' || payload.sub === '') return invalid('the token has no subject');
        return { ok: true, username: payload.sub };
      } catch (e) {
        return verdictOf(e, audience);
      }
    },
  };
}

/** What a real API server says of the token jose refused with `e`. */
function verdictOf(e: unknown, audience: string): TokenVerdict {
  if (e instanceof errors.JWTExpired) return invalid('service account token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') return invalid('service account token is not valid yet');
    if (e.claim === 'aud') return invalid(`the token's audience is not ${audience}`);
    if (e.claim === 'iss') return UNAUTHENTICATED;
    return invalid(`the token's "${e.claim}" claim is not acceptable`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return invalid('signature verification failed');
  if (e instanceof errors.JOSEAlgNotAllowed) return invalid('the token is not signed with RS256 or ES256');
  // Not a JWT, no key of the set, several keys that might match, an unsupported key: not the cluster's.
  return UNAUTHENTICATED;
}
