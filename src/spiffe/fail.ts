import { PkiError, type PkiErrorCode } from '../errors';

const MAX_SHOWN = 80;

/** Renders untrusted input for an error message: escaped, quoted, and cut to a readable length. */
function show(input: string): string {
  return JSON.stringify(input.length > MAX_SHOWN ? `${input.slice(0, MAX_SHOWN)}…` : input);
}

/** A {@link PkiError} saying `input` is not a valid `what`, and why. */
export function invalid(code: PkiErrorCode, what: string, input: string, reason: string): PkiError {
  return new PkiError(code, `invalid ${what} ${show(input)}: ${reason}`);
}

/** Throws `ERR_INVALID_ARGUMENT` unless `value` is a string (guards JavaScript callers). */
export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${what} must be a string, got ${typeof value}`);
  }
  return value;
}
