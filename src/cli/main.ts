/**
 * The `l5d-pki` command. Node only: the build bundles the library on `node:crypto`.
 *
 * @module
 */
import { processIo } from './io';
import { run } from './run';

/** Runs the CLI on this process's arguments and sets its exit status. */
export async function main(): Promise<void> {
  const io = processIo();
  process.stdout.on('error', (e: { code?: unknown }) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await run(process.argv.slice(2), io);
}

await main();
