import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// V8 holds an object shape only while some object has it; a full collection that finds a shape unused
// also throws away the optimized code built for it. The parser, the verifier and issuance make
// short-lived objects of a few classes (readers, budgets, SPIFFE IDs), so without the long-lived
// instances those classes keep, every major collection sent the hot paths back to the interpreter and
// kept the compiler threads busy. The scenario runs the hot paths with full collections in between and
// V8's deoptimization trace on; none of the functions l5d-pki defines may be thrown away for that reason.

const root = join(__dirname, '..');

/** Names of the functions, methods and classes declared in src/. */
function declaredNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\b(?:function|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
        for (const m of text.matchAll(/^\s+(?:static\s+|async\s+|get\s+|#)*([A-Za-z_$][\w$]*)\s*\(/gm)) {
          names.add(m[1]!);
        }
      }
    }
  };
  walk(join(root, 'src'));
  // Names too common to tell ours from Node's own code (which the scenario runs too).
  for (const generic of ['get', 'set', 'has', 'add', 'next', 'on', 'constructor', 'if', 'for', 'while']) {
    names.delete(generic);
  }
  return names;
}

describe('optimized code across full garbage collections', () => {
  it('keeps the shapes of the hot paths’ short-lived objects alive', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--no-concurrent-recompilation',
        '--trace-deopt',
        '--import',
        'tsx',
        'test/helpers/shapes-scenario.ts',
      ],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('round 2 done');
    const ours = declaredNames();
    const dropped = new Set<string>();
    for (const line of run.stdout.split('\n')) {
      if (!line.includes('reason: weak objects')) continue;
      const name = /<SharedFunctionInfo ([^>]+)>/.exec(line)?.[1];
      if (name && ours.has(name)) dropped.add(name);
    }
    expect([...dropped]).toEqual([]);
  }, 120_000);
});
