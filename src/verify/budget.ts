import { PkiError } from '../errors';
import { type Problem, problem } from './result';

/**
 * Limits on the work one verification may do, so hostile chains (loops, many same-named issuers, huge
 * name-constraint sets) end fast. Exhausting any of them fails the verification with `BUDGET_EXCEEDED`.
 *
 * @example
 * ```ts
 * await verifyChain({ leaf, bundle, budget: { maxSignatureChecks: 20 } });
 * ```
 */
export interface VerifyBudget {
  /** Signature verifications (cached results count too). Default 100, as Go and rustls-webpki. */
  readonly maxSignatureChecks?: number;
  /** Issuer candidates examined while building paths. Default 1,000. */
  readonly maxIssuerCandidates?: number;
  /** Comparisons of one name with one name constraint. Default 2^20, as pyca/cryptography. */
  readonly maxNameConstraintChecks?: number;
}

const DEFAULTS: Required<VerifyBudget> = {
  maxSignatureChecks: 100,
  maxIssuerCandidates: 1_000,
  maxNameConstraintChecks: 1 << 20,
};

/** Validates budget options, filling in the defaults. Throws `ERR_INVALID_ARGUMENT`. */
export function resolveBudget(budget: VerifyBudget | undefined): Required<VerifyBudget> {
  const out = { ...DEFAULTS, ...budget };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new PkiError('ERR_INVALID_ARGUMENT', `budget.${key} must be a non-negative integer`);
    }
  }
  return out;
}

/** What is left of a {@link VerifyBudget} during one verification. */
export class Budget {
  /** Keeps the shape of budgets, which live for one verification, alive (see `DerReader.shapeKeeper`). */
  static readonly shapeKeeper: Budget = new Budget(DEFAULTS);

  #signatures: number;
  #candidates: number;
  #nameChecks: number;

  constructor(limits: Required<VerifyBudget>) {
    this.#signatures = limits.maxSignatureChecks;
    this.#candidates = limits.maxIssuerCandidates;
    this.#nameChecks = limits.maxNameConstraintChecks;
  }

  /** Spends one signature check; a problem when none is left. */
  signature(): Problem | undefined {
    return --this.#signatures < 0 ? exhausted('signature checks') : undefined;
  }

  /** Spends one issuer candidate; a problem when none is left. */
  candidate(): Problem | undefined {
    return --this.#candidates < 0 ? exhausted('issuer candidates') : undefined;
  }

  /** Spends one name-constraint comparison; a problem when none is left. */
  nameCheck(): Problem | undefined {
    return --this.#nameChecks < 0 ? exhausted('name-constraint checks') : undefined;
  }
}

function exhausted(what: string): Problem {
  return problem('BUDGET_EXCEEDED', `path building gave up: too many ${what}`);
}
