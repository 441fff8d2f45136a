/**
 * Conformance runs against third-party test data: `npm run conformance -- --<mode> <file>`.
 * Prints each mismatch, then `N passed, N failed, N skipped` as the last line; exits 1 when any vector
 * failed, 2 on bad usage or unreadable input.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runSpiffeConformance } from './conformance/spiffe';

/** What every runner returns. */
export interface ConformanceReport {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly mismatches: readonly string[];
  readonly notes?: readonly string[];
}

interface Mode {
  readonly about: string;
  readonly run: (file: string) => ConformanceReport | Promise<ConformanceReport>;
}

/** One entry per `--<mode> <file>` option. */
const MODES: Readonly<Record<string, Mode>> = {
  spiffe: { about: 'go-spiffe spiffeid vectors (JSON)', run: runSpiffeConformance },
};

/** Where the dispatcher writes; tests pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = { out: (line) => console.log(line), err: (line) => console.error(line) };

function usage(): string {
  const lines = Object.entries(MODES).map(([name, mode]) => `  --${name} <file>  ${mode.about}`);
  return ['usage: conformance --<mode> <file>', ...lines].join('\n');
}

/** The mode and file named on the command line, or `undefined` unless exactly one mode was given. */
function selectMode(argv: readonly string[]): { mode: Mode; file: string } | undefined {
  const options = Object.fromEntries(Object.keys(MODES).map((name) => [name, { type: 'string' as const }]));
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch {
    return undefined;
  }
  const chosen = Object.entries(values);
  const [name, file] = chosen[0] ?? [];
  const mode = name === undefined ? undefined : MODES[name];
  return chosen.length === 1 && mode !== undefined && typeof file === 'string' ? { mode, file } : undefined;
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
  try {
    report = await selected.mode.run(selected.file);
  } catch (error) {
    output.err(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  for (const line of [...(report.notes ?? []), ...report.mismatches]) output.out(line);
  output.out(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  return report.failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
