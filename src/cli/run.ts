import { version } from '../../package.json';
import { quoteInput } from '../errors';
import { type Command, showHelp } from './command';
import { bundle } from './commands/bundle';
import { certify } from './commands/certify';
import { check } from './commands/check';
import { csr } from './commands/csr';
import { init } from './commands/init';
import { inspect } from './commands/inspect';
import { issue } from './commands/issue';
import { lint } from './commands/lint';
import { manifests } from './commands/manifests';
import { needsRenewal } from './commands/needs-renewal';
import { renew } from './commands/renew';
import { rotate } from './commands/rotate';
import { schedule } from './commands/schedule';
import { serve } from './commands/serve';
import { verify } from './commands/verify';
import { EXIT, type ExitStatus, formatError, toCliError, usageError } from './errors';
import { helpFor, MAIN_HELP } from './help';
import type { Io } from './io';

const COMMANDS: Readonly<Record<string, Command>> = {
  init,
  csr,
  issue,
  verify,
  check,
  inspect,
  lint,
  schedule,
  rotate,
  renew,
  bundle,
  'needs-renewal': needsRenewal,
  manifests,
  serve,
  certify,
};

/**
 * Runs `l5d-pki` with `argv` (the arguments after the program name) and returns the exit status.
 * Never throws: every error becomes one line on stderr, `l5d-pki: <message> [ERR_CODE]`.
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv.slice(2), processIo());
 * ```
 */
export async function run(argv: readonly string[], io: Io): Promise<ExitStatus> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h') {
      io.out(MAIN_HELP);
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (name === '--version' || name === '-V') {
      io.out(`l5d-pki ${version}\n`);
      return EXIT.OK;
    }
    if (name === 'help') {
      if (rest.length === 0) {
        io.out(MAIN_HELP);
        return EXIT.OK;
      }
      const topic = rest.join(' ');
      if (helpFor(topic) === undefined) throw usageError(`no help for ${quoteInput(topic)}`, '');
      return showHelp(io, topic);
    }
    if (name.startsWith('-')) throw usageError(`unknown flag ${quoteInput(name)} before the command`, '');
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw usageError(`unknown command ${quoteInput(name)}`, '');
    return await command(rest, io);
  } catch (e) {
    const err = toCliError(e);
    io.err(`${formatError(err)}\n`);
    return err.status;
  }
}
