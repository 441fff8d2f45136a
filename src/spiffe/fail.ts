import { PkiError, type PkiErrorCode, quoteInput } from '../errors';

/** A {@link PkiError} saying `input` is not a valid `what`, and why. */
export function invalid(code: PkiErrorCode, what: string, input: string, reason: string): PkiError {
  return new PkiError(code, `invalid ${what} ${quoteInput(input)}: ${reason}`);
}

/** Throws `ERR_INVALID_ARGUMENT` unless `value` is a string (guards JavaScript callers). */
export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new PkiError('ERR_INVALID_ARGUMENT', `${what} must be a string, got ${typeof value}`);
  }
  return value;
}
