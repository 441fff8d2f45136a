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

/** How much work a verification may do. */
export interface Limits {
  readonly maxDepth: number;
  readonly budget: Required<VerifyBudget>;
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
  const at = options.at === undefined ? Date.now() : validTime(options.at);
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

/** Validates `maxDepth` and `budget`. Throws `ERR_INVALID_ARGUMENT`. */
export function resolveLimits(options: {
  readonly maxDepth?: number;
  readonly budget?: VerifyBudget;
}): Limits {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_LIMIT) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `maxDepth must be an integer from 0 to ${MAX_DEPTH_LIMIT}`);
  }
  return { maxDepth, budget: resolveBudget(options.budget) };
}
