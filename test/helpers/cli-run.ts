// Runs the `l5d-pki` command as a child process: dist/cli.js when it is newer than the sources,
// otherwise the same entry bundled with esbuild into a directory of the caller's.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { nodeBackendEsbuild } from '../../build/node-backend.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST_CLI = join(ROOT, 'dist', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Bundles the CLI from the sources into `outfile` (inside the repository, so that its dependencies
 * resolve from node_modules as they do after an install), with the node:crypto backend.
 */
export async function bundleCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'es2022',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [nodeBackendEsbuild],
    logLevel: 'silent',
  });
}

/** The CLI script to run, and the directory made for it (to remove afterwards), if any. */
export async function cliScript(): Promise<{ script: string; made: string | undefined }> {
  const inputs = ['package.json', 'tsup.config.ts', 'build/node-backend.ts'].map((f) => join(ROOT, f));
  const newest = Math.max(newestSource(join(ROOT, 'src')), ...inputs.map((f) => statSync(f).mtimeMs));
  if (existsSync(DIST_CLI) && statSync(DIST_CLI).mtimeMs >= newest)
    return { script: DIST_CLI, made: undefined };
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const made = mkdtempSync(join(ROOT, '.tmp', 'cli-test-'));
  const outfile = join(made, 'cli.js');
  await bundleCli(outfile);
  return { script: outfile, made };
}

/** What one run of the CLI gave. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `script` with `args` (a string is split on spaces) in `cwd`, with `stdin` as its input. */
export function runCli(
  script: string,
  cwd: string,
  args: string | readonly string[],
  stdin?: string,
): Promise<CliRun> {
  const argv = typeof args === 'string' ? args.split(' ').filter((a) => a !== '') : [...args];
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [script, ...argv],
      { cwd, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        done({ status: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}
