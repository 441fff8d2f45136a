// The tests leave nothing in the temporary directory: test/global-tempdir.ts gives each run a directory
// of its own and fails the run when an `l5d-*` entry is left in it. These tests prove the check is in
// force for this run, and that a run which leaks fails while one which cleans up passes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gained, leftoverMessage, testEntries } from './global-tempdir';

const ROOT = resolve(import.meta.dirname, '..');

describe('the run’s temporary directory', () => {
  it('is the run’s own: os.tmpdir() in a test file is an l5d-test-run-* directory', () => {
    expect(tmpdir()).toMatch(/\/l5d-test-run-[^/]+$/);
  });

  it('lists l5d-* entries only, and what a run gained', () => {
    const dir = mkdtempSync(join(tmpdir(), 'l5d-entries-'));
    try {
      mkdirSync(join(dir, 'l5d-pki-abc'));
      writeFileSync(join(dir, 'l5d-limbo.json'), '{}');
      writeFileSync(join(dir, 'other.txt'), '');
      expect(testEntries(dir)).toEqual(['l5d-limbo.json', 'l5d-pki-abc']);
      expect(gained(['l5d-limbo.json'], testEntries(dir))).toEqual(['l5d-pki-abc']);
      expect(leftoverMessage(dir, [])).toBeUndefined();
      expect(leftoverMessage(dir, ['l5d-pki-abc'])).toMatch(/left 1 entry .*: l5d-pki-abc\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(testEntries(join(dir, 'gone'))).toEqual([]);
  });
});

describe('a run', () => {
  /** Runs vitest on one test file with the global setup, and returns its exit status and output. */
  function runVitest(body: string): { status: number | null; output: string } {
    const probe = mkdtempSync(join(tmpdir(), 'l5d-probe-'));
    try {
      writeFileSync(join(probe, 'probe.test.ts'), body);
      writeFileSync(
        join(probe, 'vitest.config.mjs'),
        `export default { test: { root: ${JSON.stringify(probe)}, include: ['probe.test.ts'], ` +
          `globalSetup: [${JSON.stringify(join(ROOT, 'test', 'global-tempdir.ts'))}] } };\n`,
      );
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
        cwd: probe,
        encoding: 'utf8',
        env: { ...process.env, CI: '1', NO_COLOR: '1' },
      });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }

  const header = `import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
`;

  it('that leaves an l5d-* directory behind fails, naming it', () => {
    const r = runVitest(`${header}it('leaks', () => { mkdtempSync(join(tmpdir(), 'l5d-pki-leak-')); });\n`);
    expect(r.output).toMatch(/the tests left 1 entry in the temporary directory .*: l5d-pki-leak-/);
    expect(r.status, r.output).toBe(1);
  });

  it('that removes what it made passes', () => {
    const r = runVitest(
      `${header}it('cleans up', () => { rmSync(mkdtempSync(join(tmpdir(), 'l5d-pki-tidy-')), { recursive: true }); });\n`,
    );
    expect(r.output).not.toMatch(/the tests left/);
    expect(r.status, r.output).toBe(0);
  });
});
