import { PkiError } from '../errors';
import { resolveBudget, type VerifyBudget } from './budget';
import type { Usage } from './build';
import { parseReferenceName, type ReferenceName } from './names';

/**
 * Default `maxDepth`: as pyca/cryptography, more than any sane PKI needs.
 *
 * @example
 * ```ts
 * await verifyChain({ leaf, intermediates, bundle, maxDepth: DEFAULT_MAX_DEPTH + 2 });
 * ```
 */
export const DEFAULT_MAX_DEPTH = 8;
const MAX_DEPTH_LIMIT = 255;
const USAGES: readonly Usage[] = ['server', 'client', 'any'];

/** What one verification is asked: when, for which role, for which name. */
export interface Request {
  /** Milliseconds, truncated to whole seconds as certificates store time. */
  readonly at: number;
  readonly usage: Usage;
  readonly name: ReferenceName | undefined;
}

/**
 * The certificate profile a verification holds certificates to. `linkerd` (the default): what Linkerd's
 * proxy (rustls-webpki) and control plane (Go's crypto/x509) accept, so older `linkerd install` output
 * and cert-manager or OpenSSL CAs without key identifiers verify. `strict`: RFC 5280's and the CA/Browser
 * Forum's rules on top, the profile x509-limbo scores validators with (key identifiers required, critical
 * basicConstraints and a keyUsage in issuing CAs, serial numbers of 1 to 20 octets, a server leaf's
 * commonName encoding, leading-dot DNS name constraints refused as malformed), and RFC 5280's reading
 * in two places the default profile follows Go instead: directoryName name constraints processed rather
 * than refused, self-issued intermediates not counted towards a pathLenConstraint.
 *
 * @example
 * ```ts
 * const profile: Profile = 'strict';
 * await verifyChain({ leaf, intermediates, bundle, profile });
 * ```
 */
export type Profile = 'linkerd' | 'strict';

/** How much work a verification may do, and which certificate profile it enforces. */
export interface Limits {
  readonly maxDepth: number;
  readonly budget: Required<VerifyBudget>;
  /** Whether the strict certificate profile applies (`VerifyChainOptions.profile` `'strict'`). */
  readonly strict: boolean;
}

/**
 * Validates the per-call options. `at` defaults to the current time: the only place verification reads
 * the clock. `parseName` classifies `name` (a memoized {@link parseReferenceName} may be given). Throws
 * `ERR_INVALID_ARGUMENT`.
 */
export function resolveRequest(
  options: {
    readonly at?: Date;
    readonly usage?: Usage;
    readonly name?: string;
  },
  parseName: (name: string) => ReferenceName = parseReferenceName,
): Request {
  const given = options.at;
  const at = given === undefined ? Date.now() : validTime(given);
  const usage = options.usage ?? 'any';
  if (!USAGES.includes(usage))
    throw new PkiError('ERR_INVALID_ARGUMENT', `usage must be one of ${USAGES.join(', ')}`);
  return {
    at: Math.floor(at / 1000) * 1000,
    usage,
    name: options.name === undefined ? undefined : parseName(options.name),
  };
}

/** The milliseconds of `at`; throws `ERR_INVALID_ARGUMENT` unless it is a valid `Date`. */
function validTime(at: unknown): number {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new PkiError('ERR_INVALID_ARGUMENT', 'at must be a valid Date');
  return ms;
}

/** Validates `maxDepth`, `budget` and `profile`. Throws `ERR_INVALID_ARGUMENT`. */
export function resolveLimits(options: {
  readonly maxDepth?: number;
  readonly budget?: VerifyBudget;
  readonly profile?: Profile;
}): Limits {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_LIMIT) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `maxDepth must be an integer from 0 to ${MAX_DEPTH_LIMIT}`);
  }
  const profile = options.profile === undefined ? 'linkerd' : options.profile;
  if (profile !== 'linkerd' && profile !== 'strict')
    throw new PkiError('ERR_INVALID_ARGUMENT', "profile must be 'linkerd' or 'strict'");
  return { maxDepth, budget: resolveBudget(options.budget), strict: profile === 'strict' };
}
