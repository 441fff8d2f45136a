import { isPkiError, type PkiErrorCode } from '../errors';

/** Process exit statuses of `l5d-pki`; scripts depend on them. */
export const EXIT = {
  /** Success: the command did its work, the chain verified, or the check found nothing fatal. */
  OK: 0,
  /** The input was read but is not acceptable: verification or a check failed, or issuance was refused. */
  INVALID: 1,
  /** Usage error, or input that cannot be read or decoded (missing file, directory, garbage bytes). */
  USAGE: 2,
} as const;

/** One of the {@link EXIT} statuses. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line and turns into an exit status. */
export class CliError extends Error {
  /** The exit status. */
  readonly status: ExitStatus;
  /** The library's stable error code, when a `PkiError` caused it. */
  readonly code: string | undefined;

  /**
   * @param code - the error's code; a usage error (exit 2) without one gets `ERR_USAGE`, so every line
   * the CLI prints for one ends in a code.
   */
  constructor(status: ExitStatus, message: string, code?: string) {
    super(message);
    this.name = 'CliError';
    this.status = status;
    this.code = code ?? (status === EXIT.USAGE ? 'ERR_USAGE' : undefined);
  }
}

/**
 * A usage error (exit 2) that points at the command's help.
 *
 * @param command - the command line prefix, e.g. `issue` or `rotate issuer`; empty for the top level.
 */
export function usageError(message: string, command: string): CliError {
  const help = command === '' ? 'l5d-pki --help' : `l5d-pki ${command} --help`;
  return new CliError(EXIT.USAGE, `${message} (see ${help})`, 'ERR_USAGE');
}

/**
 * Library codes that mean "well-formed, but refused" (exit 1): the input decoded, and a Linkerd rule or
 * a validity check said no. Every other code means the input could not be used at all (exit 2).
 */
const REFUSALS: ReadonlySet<PkiErrorCode> = new Set<PkiErrorCode>([
  'ERR_CSR_SIGNATURE',
  'ERR_CSR_KEY_UNSUPPORTED',
  'ERR_CSR_IDENTITY_MISMATCH',
  'ERR_CSR_FORBIDDEN_SAN',
  'ERR_ISSUER_NOT_CA',
  'ERR_ISSUER_EXPIRED',
  'ERR_ISSUER_NOT_YET_VALID',
  'ERR_ISSUER_CHAIN',
  'ERR_KEY_MISMATCH',
]);

/** Node's file-system error codes, as one readable phrase each. */
const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
};

interface SystemError {
  readonly code: string;
  readonly path?: string;
  readonly message: string;
}

function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/**
 * Turns anything thrown into a {@link CliError}: `PkiError`s keep their code (exit 1 for refusals, 2
 * otherwise), file-system errors name the path, anything else is reported as an unexpected error.
 *
 * @param context - prefixed to the message, e.g. the file being read (`issuer.key`).
 */
export function toCliError(e: unknown, context?: string): CliError {
  if (e instanceof CliError) return e;
  const prefix = context === undefined ? '' : `${context}: `;
  if (isPkiError(e)) {
    return new CliError(REFUSALS.has(e.code) ? EXIT.INVALID : EXIT.USAGE, `${prefix}${e.message}`, e.code);
  }
  if (isSystemError(e) && e.code in FS_ERRORS) {
    const where = e.path === undefined ? prefix : `${e.path}: `;
    return new CliError(EXIT.USAGE, `${where}${FS_ERRORS[e.code]}`, e.code);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new CliError(EXIT.USAGE, `${prefix}unexpected error: ${message}`);
}

/** The one line printed for an error: `l5d-pki: <message> [CODE]`, newlines folded. */
export function formatError(e: CliError): string {
  const message = e.message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return e.code === undefined || !e.code.startsWith('ERR_')
    ? `l5d-pki: ${message}`
    : `l5d-pki: ${message} [${e.code}]`;
}
