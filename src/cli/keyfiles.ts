/**
 * Keys and certificates as files: encrypted keys read with `--password-file`, keys written encrypted
 * on request, and `--format pem|der` for what a command writes.
 *
 * @module
 */
import { quoteInput } from '../errors';
import { decryptPrivateKey, encryptPrivateKey, isEncryptedPrivateKey, type PrivateKey } from '../keys';
import { decodePem, encodePem } from '../pem';
import { CliError, EXIT, toCliError } from './errors';
import { readPrivateKey } from './inputs';
import { readInput } from './io';

/** The `--password-file` flag: the password of encrypted keys read, and of keys written. */
export const PASSWORD_FILE = { 'password-file': { type: 'string' } } as const;

/** The `--format pem|der` flag of commands that write certificates or keys. */
export const FORMAT = { format: { type: 'string' } } as const;

/** An output encoding. */
export type OutputFormat = 'pem' | 'der';

/** `--format`'s value, or `fallback` when absent. */
export function formatFlag(value: string | undefined, fallback: OutputFormat): OutputFormat {
  if (value === undefined) return fallback;
  if (value === 'pem' || value === 'der') return value;
  throw new CliError(EXIT.USAGE, `--format ${quoteInput(value)} must be pem or der`, 'ERR_INVALID_ARGUMENT');
}

/**
 * The password in `path`: its first line, without the line ending (as `openssl -passin file:` and
 * `step --password-file` read it). Never printed, not even in errors.
 */
export function readPassword(path: string): string {
  const input = readInput(path, 'password file');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(input.bytes);
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new CliError(EXIT.USAGE, `${path}: the password is empty`, 'ERR_INVALID_ARGUMENT');
  return line;
}

/**
 * A private key file: PKCS#8 or SEC1, PEM or DER, or encrypted PKCS#8 with the password in
 * `passwordFile`. An encrypted key without a password file, or a wrong password, exits 2 with a message
 * that holds no secret.
 */
export async function readKey(
  path: string,
  what: string,
  passwordFile: string | undefined,
): Promise<PrivateKey> {
  const input = readInput(path, what);
  const encrypted = isEncryptedPrivateKey(input.pem ?? input.bytes);
  if (!encrypted) return readPrivateKey(path, what);
  if (passwordFile === undefined) {
    throw new CliError(
      EXIT.USAGE,
      `${path}: the ${what} is encrypted; give its password with --password-file FILE`,
      'ERR_KEY_PASSWORD',
    );
  }
  const password = readPassword(passwordFile);
  try {
    return await decryptPrivateKey(input.pem ?? input.bytes, { password });
  } catch (e) {
    throw toCliError(e, path);
  }
}

/** A certificate (or several, PEM only) as `format` asks. */
export function certificateBytes(ders: readonly Uint8Array[], format: OutputFormat): string | Uint8Array {
  if (format === 'pem') return ders.map((d) => encodePem('CERTIFICATE', d)).join('');
  if (ders.length !== 1) {
    throw new CliError(EXIT.USAGE, 'DER holds one certificate; use --format pem for a chain or bundle');
  }
  return ders[0]!;
}

/** A private key as `format` asks, encrypted with the password in `passwordFile` when it is given. */
export async function keyBytes(
  key: PrivateKey,
  format: OutputFormat,
  passwordFile: string | undefined,
): Promise<string | Uint8Array> {
  if (passwordFile === undefined) return format === 'pem' ? key.exportPkcs8Pem() : key.exportPkcs8();
  const password = readPassword(passwordFile);
  const encrypted = await encryptPrivateKey(key, { password });
  return format === 'pem' ? encrypted.pem : encrypted.der;
}

/** `CERTIFICATE` blocks' DER of PEM text, for re-encoding. */
export function pemCertificates(pem: string): Uint8Array[] {
  return decodePem(pem)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.der);
}
