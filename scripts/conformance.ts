/**
 * Conformance runs against third-party test data: `npm run conformance -- --<mode> <file>`.
 * Prints each mismatch, then `N passed, N failed, N skipped` as the last line; exits 1 when any vector
 * failed (with `--expected-failures <json>`: any vector not listed there), 2 on bad usage or unreadable
 * input.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runLimboConformance } from './conformance/limbo';
import { runSpiffeConformance } from './conformance/spiffe';

/** What every runner returns. */
export interface ConformanceReport {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly mismatches: readonly string[];
  readonly notes?: readonly string[];
}

/** Options every mode may use. */
export interface RunOptions {
  /** Where to write the mode's own result file, for modes that have one (`--out <file>`). */
  readonly out?: string;
}

interface Mode {
  readonly about: string;
  readonly run: (file: string, options: RunOptions) => ConformanceReport | Promise<ConformanceReport>;
}

/** One entry per `--<mode> <file>` option. */
const MODES: Readonly<Record<string, Mode>> = {
  spiffe: { about: 'go-spiffe spiffeid vectors (JSON)', run: runSpiffeConformance },
  limbo: { about: 'x509-limbo path validation suite (.json or .json.gz)', run: runLimboConformance },
};

/** Options that are not modes. */
const OUT_OPTION = 'out';
const EXPECTED_OPTION = 'expected-failures';

/** Where the dispatcher writes; tests pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = { out: (line) => console.log(line), err: (line) => console.error(line) };

function usage(): string {
  const lines = Object.entries(MODES).map(([name, mode]) => `  --${name} <file>  ${mode.about}`);
  const out = `  --${OUT_OPTION} <file>  also write the mode's result file (limbo: its results JSON)`;
  const expected = `  --${EXPECTED_OPTION} <json>  failures that do not make the exit status non-zero ({ "failures": { id: reason } })`;
  return ['usage: conformance --<mode> <file>', ...lines, out, expected].join('\n');
}

/** The mode and file named on the command line, or `undefined` unless exactly one mode was given. */
interface Selection {
  readonly mode: Mode;
  readonly file: string;
  readonly options: RunOptions;
  readonly expectedFailures: string | undefined;
}

function selectMode(argv: readonly string[]): Selection | undefined {
  const names = [...Object.keys(MODES), OUT_OPTION, EXPECTED_OPTION];
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch {
    return undefined;
  }
  const { [OUT_OPTION]: out, [EXPECTED_OPTION]: expected, ...modes } = values;
  const chosen = Object.entries(modes);
  const [name, file] = chosen[0] ?? [];
  const mode = name === undefined ? undefined : MODES[name];
  if (chosen.length !== 1 || mode === undefined || typeof file !== 'string') return undefined;
  const expectedFailures = typeof expected === 'string' ? expected : undefined;
  return { mode, file, options: typeof out === 'string' ? { out } : {}, expectedFailures };
}

/** The case ids listed in an expected-failures file. */
function readExpectedFailures(file: string): Set<string> {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const failures = typeof data === 'object' && data !== null ? Reflect.get(data, 'failures') : undefined;
  if (typeof failures !== 'object' || failures === null)
    throw new Error(`${file}: expected { "failures": { id: reason } }`);
  return new Set(Object.keys(failures));
}

/** Whether a mismatch line (`<kind>: <id>: <detail>`) names a listed case. */
function listed(line: string, ids: ReadonlySet<string>): boolean {
  const id = line.split(': ')[1];
  return id !== undefined && ids.has(id);
}

/**
 * Runs the dispatcher on `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['--spiffe', '../shared/conformance/spiffeid-dev.json']);
 * ```
 */
export async function main(argv: readonly string[], output: Output = consoleOutput): Promise<number> {
  const selected = selectMode(argv);
  if (selected === undefined) {
    output.err(usage());
    return 2;
  }
  let report: ConformanceReport;
  let expected = new Set<string>();
  try {
    if (selected.expectedFailures !== undefined) expected = readExpectedFailures(selected.expectedFailures);
    report = await selected.mode.run(selected.file, selected.options);
  } catch (error) {
    output.err(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  for (const line of [...(report.notes ?? []), ...report.mismatches]) output.out(line);
  const unexpected = report.mismatches.filter((line) => !listed(line, expected));
  if (expected.size > 0) {
    output.out(`${report.mismatches.length - unexpected.length} of the failures are listed as expected`);
  }
  output.out(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  return unexpected.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
