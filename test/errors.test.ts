import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isPkiError, PkiError } from '../src/errors';
import { VERIFY_FAILURE_CODES } from '../src/verify';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it.each(ERROR_CODES)('%s is documented in docs/errors.md', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });

  it.each(VERIFY_FAILURE_CODES)('verification code %s is documented in docs/errors.md', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });

  it('documents no code that does not exist', () => {
    const known: readonly string[] = [...ERROR_CODES, ...VERIFY_FAILURE_CODES];
    const documented = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.filter((c) => !known.includes(c))).toEqual([]);
  });

  it('is an Error with a name, a code and a cause', () => {
    const cause = new Error('inner');
    const e = new PkiError('ERR_DER', 'bad', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('PkiError');
    expect(e.cause).toBe(cause);
    expect(isPkiError(e)).toBe(true);
    expect(isPkiError(e, 'ERR_DER')).toBe(true);
    expect(isPkiError(e, 'ERR_PEM_INVALID')).toBe(false);
    expect(isPkiError(new Error('x'))).toBe(false);
  });
});
