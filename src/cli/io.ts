import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isPemText } from '../pem';
import { CliError, EXIT, toCliError } from './errors';

/** Where a command writes, and what it knows about the terminal. */
export interface Io {
  /** Writes to standard output. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  /** Whether standard error is a terminal (progress is shown only then). */
  readonly errIsTty: boolean;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
  };
}

/** Largest input file the CLI reads: 2 MiB (the library's own limits are lower). */
export const MAX_INPUT_BYTES = 2 * 1024 * 1024;

/** A file read for a command: its bytes and, when it is PEM, its text. */
export interface Input {
  /** The path as given (`-` for standard input). */
  readonly path: string;
  /** The raw bytes. */
  readonly bytes: Uint8Array;
  /** The text, when the bytes are PEM; `undefined` for binary (DER) input. */
  readonly pem: string | undefined;
}

/**
 * Reads an input file, refusing directories, empty files and files over {@link MAX_INPUT_BYTES} with a
 * one-line error (exit 2). `-` reads standard input.
 *
 * @param what - what the file should hold, for messages (`issuer key`).
 */
export function readInput(path: string, what: string): Input {
  let bytes: Uint8Array;
  try {
    if (path === '-') {
      bytes = readFileSync(0);
    } else {
      const stat = statSync(path);
      if (stat.isDirectory()) throw new CliError(EXIT.USAGE, `${path}: is a directory, not a ${what}`);
      if (stat.size > MAX_INPUT_BYTES) {
        throw new CliError(EXIT.USAGE, `${path}: ${stat.size} bytes is too large for a ${what}`);
      }
      bytes = readFileSync(path);
    }
  } catch (e) {
    throw toCliError(e, path);
  }
  if (bytes.length === 0) throw new CliError(EXIT.USAGE, `${path}: is empty, not a ${what}`);
  if (bytes.length > MAX_INPUT_BYTES) throw new CliError(EXIT.USAGE, `${path}: too large for a ${what}`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return { path, bytes: new Uint8Array(bytes), pem: isPemText(text) ? text : undefined };
}

/** One file a command writes. */
export interface Output {
  /** Where. */
  readonly path: string;
  /** What. */
  readonly data: string | Uint8Array;
  /** Private key material: mode 0600. Other files get 0644 (less the umask). */
  readonly secret?: boolean;
}

/**
 * Writes files with exclusive create, so nothing existing is replaced unless `force` is set; then each
 * file is written to a fresh temporary name beside it and renamed over the old one. Every destination
 * is checked before anything is written, so a refusal leaves the directory as it was.
 */
export function writeOutputs(outputs: readonly Output[], force: boolean): void {
  const seen = new Set<string>();
  for (const o of outputs) {
    if (seen.has(o.path)) throw new CliError(EXIT.USAGE, `${o.path}: named twice as an output`);
    seen.add(o.path);
    const stat = lstatOrUndefined(o.path);
    if (stat?.isDirectory()) throw new CliError(EXIT.USAGE, `${o.path}: is a directory`);
    if (stat !== undefined && !force) {
      throw new CliError(EXIT.USAGE, `${o.path}: already exists; pass --force to overwrite`);
    }
  }
  for (const o of outputs) {
    const mode = o.secret ? 0o600 : 0o644;
    try {
      if (!force) {
        writeFileSync(o.path, o.data, { flag: 'wx', mode });
        continue;
      }
      const tmp = join(dirname(o.path), `.${basename(o.path)}.${randomBytes(6).toString('hex')}.tmp`);
      writeFileSync(tmp, o.data, { flag: 'wx', mode });
      try {
        renameSync(tmp, o.path);
      } catch (e) {
        unlinkSync(tmp);
        throw e;
      }
    } catch (e) {
      if ((e as { code?: unknown }).code === 'EEXIST') {
        throw new CliError(EXIT.USAGE, `${o.path}: already exists; pass --force to overwrite`);
      }
      throw toCliError(e, o.path);
    }
  }
}

/** Creates `dir` (and its parents) unless it exists; refuses a path that is not a directory. */
export function ensureDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ENOENT') throw toCliError(e, dir);
    try {
      mkdirSync(dir, { recursive: true });
      return;
    } catch (e2) {
      throw toCliError(e2, dir);
    }
  }
  throw new CliError(EXIT.USAGE, `${dir}: exists and is not a directory`);
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw toCliError(e, path);
  }
}

/** A progress line on standard error, drawn only when it is a terminal and at most ten times a second. */
export interface Progress {
  /** Reports `done` of the total. */
  update(done: number): void;
  /** Clears the line. */
  finish(): void;
}

/** Makes a {@link Progress} for `total` steps labelled `label`. */
export function progress(io: Io, label: string, total: number): Progress {
  if (!io.errIsTty) return { update() {}, finish() {} };
  let last = 0;
  let drawn = false;
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      drawn = true;
      io.err(`\r${label} ${done}/${total} (${Math.floor((done * 100) / total)}%)`);
    },
    finish() {
      if (drawn) io.err('\r\x1b[2K');
    },
  };
}
