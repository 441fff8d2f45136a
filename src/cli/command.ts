import { EXIT, type ExitStatus } from './errors';
import { helpFor } from './help';
import type { Io } from './io';

/** A command: its arguments (after the command name) in, an exit status out. */
export type Command = (args: string[], io: Io) => Promise<ExitStatus>;

/** Prints the help of `topic` to stdout; exit 0. */
export function showHelp(io: Io, topic: string): ExitStatus {
  io.out(helpFor(topic) ?? '');
  return EXIT.OK;
}

/** Prints `value` as indented JSON with a final newline. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
