import { type ParseArgsConfig, parseArgs } from 'node:util';
import { isPkiError, quoteInput } from '../errors';
import { parseDuration } from '../schedule';
import { identityNameProblem } from '../spiffe/linkerd';
import { CliError, EXIT, usageError } from './errors';

/** What `parseArgs` returns for a given configuration. */
export type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** The `--help`/`-h` flag every command takes. */
export const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * `node:util` `parseArgs` in strict mode, with its errors turned into one-line usage errors (exit 2)
 * that name the command.
 *
 * @param command - the command line prefix for messages, e.g. `issue`.
 */
export function parseFor<T extends ParseArgsConfig>(command: string, config: T): Parsed<T> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (e) {
    const message = e instanceof Error ? e.message.split(/\.\s/)[0]!.replace(/\.$/, '') : String(e);
    throw usageError(message, command);
  }
}

/** `value`, or a usage error naming the missing flag. */
export function required(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value === '') throw usageError(`missing ${flag}`, command);
  return value;
}

/** Refuses positional arguments beyond `max`. */
export function maxPositionals(positionals: readonly string[], max: number, command: string): void {
  if (positionals.length > max)
    throw usageError(`unexpected argument ${quoteInput(positionals[max]!)}`, command);
}

/**
 * A Go-style duration flag (`24h`, `90m`, `1h30m`) in milliseconds; must be positive (or zero, with
 * `allowZero`).
 *
 * @throws {@link CliError} exit 2 for a malformed or out-of-range duration.
 */
export function durationFlag(value: string, flag: string, allowZero = false): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (e) {
    const detail = isPkiError(e) ? e.message : String(e);
    throw new CliError(EXIT.USAGE, `${flag} ${quoteInput(value)}: ${detail}`, 'ERR_DURATION_INVALID');
  }
  if (!(ms > 0) && !(allowZero && ms === 0)) {
    throw new CliError(
      EXIT.USAGE,
      `${flag} must be a positive duration, like 24h or 90m`,
      'ERR_DURATION_INVALID',
    );
  }
  if (!Number.isInteger(ms)) {
    throw new CliError(
      EXIT.USAGE,
      `${flag} must be whole milliseconds (certificates count no finer)`,
      'ERR_DURATION_INVALID',
    );
  }
  return ms;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 time flag (`2026-01-01T00:00:00Z`, `2026-01-01T02:00:00+02:00`), checked field by field.
 *
 * @throws {@link CliError} exit 2 for anything else.
 */
export function timeFlag(value: string, flag: string): Date {
  const m = RFC3339.exec(value);
  const bad = () =>
    new CliError(
      EXIT.USAGE,
      `${flag} ${quoteInput(value)} is not an RFC 3339 time, like 2026-01-01T00:00:00Z`,
      'ERR_TIME_INVALID',
    );
  if (m === null) throw bad();
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  const sane =
    day.getUTCFullYear() === y &&
    day.getUTCMonth() === mo! - 1 &&
    day.getUTCDate() === d &&
    h! < 24 &&
    mi! < 60 &&
    s! < 61;
  const offsetOk = m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60);
  const date = new Date(value.toUpperCase());
  if (!sane || !offsetOk || Number.isNaN(date.getTime())) throw bad();
  return date;
}

/** A positive integer flag. */
export function countFlag(value: string, flag: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new CliError(EXIT.USAGE, `${flag} must be a whole number from 1 to ${max}`);
  }
  return Number(value);
}

/** The time flag `value`, or the current time truncated to whole seconds when it is absent. */
export function timeOrNow(value: string | undefined, flag: string): Date {
  return value === undefined ? new Date(Math.floor(Date.now() / 1000) * 1000) : timeFlag(value, flag);
}

/** An RFC 3339 UTC timestamp in whole seconds (a fraction is dropped): `2026-01-01T00:00:00Z`. */
export function rfc3339(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `arg` quoted for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A workload identity flag: a Linkerd identity name such as
 * `web.shop.serviceaccount.identity.linkerd.cluster.local` (lowercase DNS-1123, up to 253 characters).
 */
export function identityFlag(value: string, command: string): string {
  const problem = identityNameProblem(value);
  if (problem !== undefined) {
    throw usageError(
      `--identity ${quoteInput(value)} is not a Linkerd identity name: it ${problem}`,
      command,
    );
  }
  return value;
}
