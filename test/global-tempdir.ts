// Vitest global setup: the tests leave nothing in the temporary directory.
//
// The run gets a temporary directory of its own: TMPDIR points at a fresh `l5d-test-run-*` directory under
// the system one, so every test file (each runs in a child process that inherits the environment) and
// every tool the tests start (openssl, go) writes there through `os.tmpdir()`. Other runs on the same
// machine cannot disturb the check, and the check cannot blame them. At teardown, which runs once after
// every test file has finished, the directory is compared with its snapshot from setup: an `l5d-*` entry
// that appeared fails the run. The directory is then removed whatever it holds.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What tests name their temporary files and directories: `l5d-pki-cli-…`, `l5d-limbo-…`, …. */
export const TEST_PREFIX = 'l5d-';

/** The `l5d-*` entries of `dir`, sorted; none when `dir` does not exist. */
export function testEntries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(TEST_PREFIX)).sort();
}

/** The entries of `after` that `before` does not have. */
export function gained(before: readonly string[], after: readonly string[]): string[] {
  const had = new Set(before);
  return after.filter((n) => !had.has(n));
}

/** The failure message for entries the run left in `dir`, or undefined when it left none. */
export function leftoverMessage(dir: string, left: readonly string[]): string | undefined {
  if (left.length === 0) return undefined;
  return (
    `the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary directory ` +
    `(${dir}): ${left.join(', ')}. Remove what a test creates in afterAll/finally.`
  );
}

/** Vitest's global setup: a temporary directory for the run; its teardown checks and removes it. */
export default function setup(): () => void {
  const saved = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'l5d-test-run-'));
  process.env.TMPDIR = dir;
  const before = testEntries(dir);
  return () => {
    const message = leftoverMessage(dir, gained(before, testEntries(dir)));
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(dir, { recursive: true, force: true });
    if (message === undefined) return;
    // Vitest reports an error thrown here but still exits 0: set the status as well.
    process.exitCode = 1;
    throw new Error(message);
  };
}
