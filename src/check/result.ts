import { optionalString, requireArray, requireObject, requireString } from '../validate';

/**
 * How a failing check counts, as in `linkerd check`: `fatal` stops the checks after it, `error` fails the
 * run without stopping it, `warning` is reported but does not fail the run.
 *
 * @example
 * ```ts
 * const severity: CheckSeverity = 'fatal';
 * ```
 */
export type CheckSeverity = 'fatal' | 'warning' | 'error';

/**
 * The outcome of one check: `ok`; `warning` or `error` when it failed (by its severity); `skipped` when an
 * earlier fatal check failed and it did not run.
 *
 * @example
 * ```ts
 * const failed = (s: CheckStatus) => s === 'error';
 * ```
 */
export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

/**
 * One check's result, named and ordered as `linkerd check` prints it.
 *
 * @example
 * ```ts
 * const results = await checkIdentity({ bundle, issuer: { certificate: tlsCrt, key: tlsKey } });
 * for (const r of results) if (r.status !== 'ok') console.log(r.name, r.message, r.hint, r.hintUrl);
 * ```
 */
export interface CheckResult {
  /** The `linkerd check` category, e.g. `linkerd-identity`. */
  readonly category: string;
  /** The check's description, exactly as Linkerd prints it. */
  readonly name: string;
  /** How a failure counts. */
  readonly severity: CheckSeverity;
  /** What happened. */
  readonly status: CheckStatus;
  /** Why the check failed or was skipped (Linkerd's wording where Linkerd has one); absent when `ok`. */
  readonly message?: string;
  /** How to fix a failure. */
  readonly hint: string;
  /** Linkerd's page about this check: `https://linkerd.io/checks/#<anchor>`. */
  readonly hintUrl: string;
}

/**
 * The base of every hint URL, as `linkerd check` prints them.
 *
 * @example
 * ```ts
 * `${HINT_BASE_URL}l5d-identity-issuer-cert-is-time-valid`;
 * ```
 */
export const HINT_BASE_URL = 'https://linkerd.io/checks/#';

/**
 * A check's fixed description: what {@link CheckResult} repeats around an outcome.
 *
 * @example
 * ```ts
 * const spec: CheckSpec = { category: 'linkerd-identity', name: 'certificate config is valid', severity: 'fatal', hintAnchor: 'l5d-identity-cert-config-valid', hint: '...' };
 * ```
 */
export interface CheckSpec {
  readonly category: string;
  readonly name: string;
  readonly severity: CheckSeverity;
  readonly hintAnchor: string;
  readonly hint: string;
}

/**
 * The result of running `spec`: `problem` is the failure message, `undefined` when the check passed.
 *
 * @example
 * ```ts
 * outcome(spec, 'issuer certificate will expire on 2026-05-01T00:00:00Z').status; // 'error' for a fatal check
 * ```
 */
export function outcome(spec: CheckSpec, problem: string | undefined): CheckResult {
  const base = {
    category: spec.category,
    name: spec.name,
    severity: spec.severity,
    hint: spec.hint,
    hintUrl: HINT_BASE_URL + spec.hintAnchor,
  };
  if (problem === undefined) return { ...base, status: 'ok' };
  return { ...base, status: spec.severity === 'warning' ? 'warning' : 'error', message: problem };
}

/**
 * The result of a check that did not run because `blocker` failed fatally.
 *
 * @example
 * ```ts
 * skipped(spec, 'certificate config is valid').message; // 'not run: "certificate config is valid" failed'
 * ```
 */
export function skipped(spec: CheckSpec, blocker: string): CheckResult {
  return { ...outcome(spec, undefined), status: 'skipped', message: `not run: "${blocker}" failed` };
}

/**
 * Whether a run passed as `linkerd check` counts it: no check failed with severity `fatal` or `error`
 * (warnings and skipped checks do not count).
 *
 * @example
 * ```ts
 * if (!checksPassed(await checkIdentity(input))) process.exitCode = 1;
 * ```
 */
export function checksPassed(results: readonly CheckResult[]): boolean {
  requireCheckResults(results);
  return results.every((r) => r.status !== 'error');
}

/**
 * Checks that `results` is a list of {@link CheckResult}s as the checks return them (a category, name,
 * status, hint and hint URL as strings, and a string message when there is one): `ERR_INVALID_ARGUMENT`
 * otherwise.
 *
 * @example
 * ```ts
 * requireCheckResults(results);
 * ```
 */
export function requireCheckResults(results: unknown): readonly CheckResult[] {
  return requireArray(results, '`results`', (value, what) => {
    const r = requireObject(value, what) as Partial<Record<keyof CheckResult, unknown>>;
    for (const field of ['category', 'name', 'status', 'hint', 'hintUrl'] as const) {
      requireString(r[field], `${what}.${field}`);
    }
    optionalString(r.message, `${what}.message`);
    return r as CheckResult;
  });
}

/**
 * The message of a thrown value, for check messages.
 *
 * @example
 * ```ts
 * errorText(new Error('bad PEM')); // 'bad PEM'
 * ```
 */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
