import { PkiError } from '../errors';
import { optionalOptions, optionalString } from '../validate';
import { type CheckResult, type CheckStatus, checksPassed, requireCheckResults } from './result';

/**
 * Options of {@link formatCheckResults}.
 *
 * @example
 * ```ts
 * const options: FormatCheckOptions = { output: 'json' };
 * ```
 */
export interface FormatCheckOptions {
  /** `table` (default): `linkerd check`'s text; `json`: `linkerd check -o json`'s document. */
  readonly output?: 'table' | 'json';
}

const SYMBOL: Readonly<Record<Exclude<CheckStatus, 'skipped'>, string>> = {
  ok: '\u221A', // √
  warning: '\u203C', // ‼
  error: '\u00D7', // ×
};

const JSON_RESULT = { ok: 'success', warning: 'warning', error: 'error' } as const;

/** Results grouped by category, in order, without skipped checks (Linkerd prints none for them). */
function byCategory(results: readonly CheckResult[]): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) {
    if (r.status === 'skipped') continue;
    const group = groups.get(r.category);
    if (group) group.push(r);
    else groups.set(r.category, [r]);
  }
  return groups;
}

function table(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const [category, checks] of byCategory(results)) {
    if (lines.length > 0) lines.push('');
    lines.push(category, '-'.repeat(category.length));
    for (const r of checks) {
      lines.push(`${SYMBOL[r.status as keyof typeof SYMBOL]} ${r.name}`);
      if (r.status !== 'ok')
        lines.push(`    ${r.message ?? ''}`, `    ${r.hint}`, `    see ${r.hintUrl} for hints`);
    }
  }
  lines.push('', `Status check results are ${checksPassed(results) ? SYMBOL.ok : SYMBOL.error}`);
  return `${lines.join('\n')}\n`;
}

function json(results: readonly CheckResult[]): string {
  const categories = [...byCategory(results)].map(([categoryName, checks]) => ({
    categoryName,
    checks: checks.map((r) => ({
      description: r.name,
      ...(r.status === 'ok' ? {} : { hint: r.hintUrl, error: r.message ?? '' }),
      result: JSON_RESULT[r.status as keyof typeof JSON_RESULT],
    })),
  }));
  return `${JSON.stringify({ success: checksPassed(results), categories }, null, 2)}\n`;
}

/**
 * Renders check results as `linkerd check` does. `table`: a header per category, `√` (passed), `‼`
 * (warning) or `×` (failed) before each check, the message, the fix and `see <hint URL> for hints` under
 * each failure, and the final `Status check results are √` (or `×`). `json`: `linkerd check -o json`'s
 * `{ success, categories: [{ categoryName, checks: [{ description, hint?, error?, result }] }] }`.
 * Skipped checks are left out, as Linkerd prints nothing for checks it did not run.
 *
 * @example
 * ```ts
 * process.stdout.write(formatCheckResults(await checkIdentity(input), { output: 'table' }));
 * // linkerd-identity
 * // ----------------
 * // √ certificate config is valid
 * // ...
 * ```
 */
export function formatCheckResults(
  results: readonly CheckResult[],
  options: FormatCheckOptions = {},
): string {
  requireCheckResults(results);
  optionalOptions(options, 'formatCheckResults');
  optionalString(options.output, '`output`');
  const output = options.output ?? 'table';
  if (output === 'table') return table(results);
  if (output === 'json') return json(results);
  throw new PkiError(
    'ERR_INVALID_ARGUMENT',
    `output must be "table" or "json", got ${JSON.stringify(output)}`,
  );
}
