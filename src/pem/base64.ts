import { PkiError } from '../errors';
import { requireBytes, requireString } from '../validate';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeTable(alphabet: string): Int8Array {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

const STD_TABLE = decodeTable(ALPHABET);
const URL_TABLE = decodeTable(URL_ALPHABET);

const STD_CODES = alphabetCodes(ALPHABET);
const URL_CODES = alphabetCodes(URL_ALPHABET);
/** Turns the ASCII output octets into a string in one step (no string built piece by piece). */
const ascii = new TextDecoder();

function alphabetCodes(alphabet: string): Uint8Array {
  return Uint8Array.from(alphabet, (c) => c.charCodeAt(0));
}

function encodeWith(bytes: Uint8Array, codes: Uint8Array, pad: boolean): string {
  const whole = bytes.length - (bytes.length % 3);
  const rest = bytes.length - whole;
  const out = new Uint8Array((whole / 3) * 4 + (rest === 0 ? 0 : pad ? 4 : rest + 1));
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = codes[n >> 18]!;
    out[o++] = codes[(n >> 12) & 63]!;
    out[o++] = codes[(n >> 6) & 63]!;
    out[o++] = codes[n & 63]!;
  }
  if (rest > 0) {
    const n = (bytes[whole]! << 16) | (rest === 2 ? bytes[whole + 1]! << 8 : 0);
    out[o++] = codes[n >> 18]!;
    out[o++] = codes[(n >> 12) & 63]!;
    if (rest === 2) out[o++] = codes[(n >> 6) & 63]!;
    else if (pad) out[o++] = 61; // '='
    if (pad) out[o++] = 61;
  }
  return ascii.decode(out);
}

function decodeWith(text: string, table: Int8Array, padded: boolean, what: string): Uint8Array {
  let len = text.length;
  if (padded) {
    if (len % 4 !== 0) throw new PkiError('ERR_BASE64', `${what}: length ${len} is not a multiple of 4`);
    if (len > 0 && text.charCodeAt(len - 1) === 61) len--;
    if (len > 0 && text.charCodeAt(len - 1) === 61) len--;
  } else if (len % 4 === 1) {
    throw new PkiError('ERR_BASE64', `${what}: impossible length ${len}`);
  }
  const out = new Uint8Array(((len * 3) >> 2) | 0);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? table[c]! : -1;
    if (v < 0) throw new PkiError('ERR_BASE64', `${what}: invalid character at offset ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) {
    throw new PkiError('ERR_BASE64', `${what}: non-zero padding bits`);
  }
  return out;
}

/**
 * Encodes bytes as standard, padded base64 (RFC 4648 §4).
 *
 * @example
 * ```ts
 * base64Encode(new Uint8Array([1, 2, 3])); // 'AQID'
 * ```
 */
export function base64Encode(bytes: Uint8Array): string {
  requireBytes(bytes, 'the bytes to encode');
  return encodeWith(bytes, STD_CODES, true);
}

/**
 * Decodes standard, padded base64 strictly: no whitespace, no stray characters, canonical padding.
 * Throws `PkiError` `ERR_BASE64` otherwise.
 *
 * @example
 * ```ts
 * base64Decode('AQID'); // Uint8Array [1, 2, 3]
 * ```
 */
export function base64Decode(text: string): Uint8Array {
  requireString(text, 'base64 input');
  return decodeWith(text, STD_TABLE, true, 'base64');
}

/**
 * Encodes bytes as unpadded base64url (RFC 4648 §5), as JWK uses.
 *
 * @example
 * ```ts
 * base64UrlEncode(new Uint8Array([251, 255])); // '-_8'
 * ```
 */
export function base64UrlEncode(bytes: Uint8Array): string {
  requireBytes(bytes, 'the bytes to encode');
  return encodeWith(bytes, URL_CODES, false);
}

/**
 * Decodes unpadded base64url strictly. Throws `PkiError` `ERR_BASE64` on any stray character.
 *
 * @example
 * ```ts
 * base64UrlDecode('-_8'); // Uint8Array [251, 255]
 * ```
 */
export function base64UrlDecode(text: string): Uint8Array {
  requireString(text, 'base64url input');
  return decodeWith(text, URL_TABLE, false, 'base64url');
}
