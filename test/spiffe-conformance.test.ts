import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../scripts/conformance';
import { runSpiffeConformance } from '../scripts/conformance/spiffe';
import { dataPath } from './helpers/fixtures';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const vectors = dataPath('conformance/spiffeid-dev.json');

describe('go-spiffe spiffeid vectors', () => {
  it('matches go-spiffe on every vector', () => {
    const result = runSpiffeConformance(vectors);
    expect(result.mismatches).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.passed).toBeGreaterThan(800);
  });

  it('the CLI ends with the summary line and exits 0', () => {
    const run = spawnSync('npx', ['tsx', 'scripts/conformance.ts', '--spiffe', vectors], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/);
    expect(run.status).toBe(0);
  });
});

describe('conformance dispatcher usage', () => {
  it.each([[[]], [['--spiffe']], [['--nope', 'x']], [['file.json']], [['--spiffe', 'a.json', 'extra']]])(
    'prints usage on stderr and exits 2 for %j',
    async (argv) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('\n')).toMatch(/^usage: conformance --<mode> <file>\n {2}--spiffe <file>/);
    },
  );

  it('exits 2 when the file cannot be read', async () => {
    const err: string[] = [];
    const code = await main(['--spiffe', '/nonexistent/spiffeid.json'], {
      out: () => {},
      err: (l) => err.push(l),
    });
    expect(code).toBe(2);
    expect(err[0]).toMatch(/^conformance: /);
  });
});
