import { PkiError, quoteInput } from '../errors';
import { requireArray, requireBytes, requireString } from '../validate';
import { base64Decode } from './base64';

/** One decoded PEM block. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes, e.g. `CERTIFICATE`. */
  readonly label: string;
  /** The decoded DER bytes. */
  readonly der: Uint8Array;
}

/** Largest PEM text l5d-pki reads (1 MiB): bundles beyond that are refused early. */
export const MAX_PEM_LENGTH = 1 << 20;

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

/**
 * Reads every PEM block in `text`, in order. Text between blocks is ignored (RFC 7468 §2), CRLF and LF
 * line ends are both accepted, and whitespace may appear anywhere inside a block's base64 (RFC 7468's lax
 * grammar: PEM indented in YAML reads); no headers are allowed (so no legacy encrypted keys). A character
 * that is not base64 is named with its line and column. Throws `PkiError` `ERR_PEM_INVALID`, `ERR_BASE64` or
 * `ERR_INPUT_TOO_LARGE`.
 *
 * @example
 * ```ts
 * const blocks = decodePem(bundleText);
 * blocks.map((b) => b.label); // ['CERTIFICATE', 'CERTIFICATE']
 * ```
 */
export function decodePem(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new PkiError('ERR_INVALID_ARGUMENT', 'PEM input must be a string');
  if (text.length > MAX_PEM_LENGTH) {
    throw new PkiError(
      'ERR_INPUT_TOO_LARGE',
      `PEM text is ${text.length} characters; the limit is ${MAX_PEM_LENGTH}`,
    );
  }
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin < 0) break;
    const labelEnd = text.indexOf(DASHES, begin + BEGIN.length);
    // Look for a line end inside the label only: searching the rest of the text for one would make
    // many blocks on one long line quadratic.
    const label = labelEnd < 0 ? '' : text.slice(begin + BEGIN.length, labelEnd);
    if (labelEnd < 0 || label.includes('\n')) {
      throw new PkiError('ERR_PEM_INVALID', `PEM block ${blocks.length + 1}: malformed BEGIN line`);
    }
    const bodyStart = labelEnd + DASHES.length;
    const endMarker = `${END}${label}${DASHES}`;
    const end = text.indexOf(endMarker, bodyStart);
    if (end < 0)
      throw new PkiError(
        'ERR_PEM_INVALID',
        `PEM block ${blocks.length + 1} ${quoteInput(label)}: no END line`,
      );
    const nested = text.indexOf(BEGIN, bodyStart);
    if (nested >= 0 && nested < end) {
      throw new PkiError(
        'ERR_PEM_INVALID',
        `PEM block ${blocks.length + 1} ${quoteInput(label)}: BEGIN before END`,
      );
    }
    pos = end + endMarker.length;
    // Only blanks may follow the END line, as in Go's encoding/pem: otherwise
    // "-----END X-----BEGIN X-----" would hide a second (possibly truncated) block from the next search.
    while (pos < text.length && isBlank(text.charCodeAt(pos))) pos++;
    if (pos < text.length && text.charCodeAt(pos) !== 0x0a) {
      throw new PkiError(
        'ERR_PEM_INVALID',
        `PEM block ${blocks.length + 1} ${quoteInput(label)}: text after the END line`,
      );
    }
    blocks.push({ label, der: decodeBody(text.slice(bodyStart, end), label, blocks.length + 1) });
  }
  if (blocks.length === 0) throw new PkiError('ERR_PEM_INVALID', 'no PEM block found');
  return blocks;
}

/** Space, tab or CR: what may end a line. */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/** RFC 7468's whitespace `W`: space, tab, CR, LF, VT and FF. */
function isWhitespace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** A base64 character or its padding. */
function isBase64Char(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2f ||
    c === 0x3d
  );
}

/** A character for a message: itself when printable ASCII, otherwise its code point. */
function showChar(c: number): string {
  return c > 0x20 && c < 0x7f
    ? quoteInput(String.fromCharCode(c))
    : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The base64 of a block's body. Whitespace is allowed anywhere in it, as RFC 7468's lax grammar allows
 * (so PEM indented inside YAML reads); anything else that is not base64 is named with its line and column.
 */
function decodeBody(body: string, label: string, index: number): Uint8Array {
  const where = `PEM block ${index} ${quoteInput(label)}`;
  if (body.includes(':')) {
    throw new PkiError('ERR_PEM_INVALID', `${where}: headers (e.g. encryption) are not supported`);
  }
  let b64 = '';
  const lines = body.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    let start = 0;
    let end = line.length;
    while (start < end && isWhitespace(line.charCodeAt(start))) start++;
    while (end > start && isWhitespace(line.charCodeAt(end - 1))) end--;
    for (let i = start; i < end; i++) {
      const c = line.charCodeAt(i);
      if (isBase64Char(c)) continue;
      if (isWhitespace(c)) {
        b64 += line.slice(start, i);
        start = i + 1;
        continue;
      }
      // Line 1 is the rest of the BEGIN line, so the body's first line of base64 is line 2 of the block.
      throw new PkiError(
        'ERR_BASE64',
        `${where}: line ${n + 1} holds ${showChar(c)} at column ${i + 1}, which is not base64`,
      );
    }
    b64 += line.slice(start, end);
  }
  if (b64.length === 0) throw new PkiError('ERR_PEM_INVALID', `${where} is empty`);
  try {
    return base64Decode(b64);
  } catch (e) {
    throw new PkiError('ERR_BASE64', `${where}: the base64 text is damaged (${(e as Error).message})`);
  }
}

/**
 * Reads exactly one PEM block with one of the `labels` allowed. Throws `PkiError` `ERR_PEM_LABEL` for
 * another label and `ERR_PEM_INVALID` when the text holds more than one block.
 *
 * @example
 * ```ts
 * const der = decodePemBlock(text, ['CERTIFICATE']).der;
 * ```
 */
export function decodePemBlock(text: string, labels: readonly string[]): PemBlock {
  requireArray(labels, '`labels`', requireString);
  const blocks = decodePem(text);
  if (blocks.length !== 1) {
    throw new PkiError('ERR_PEM_INVALID', `expected one PEM block, found ${blocks.length}`);
  }
  const block = blocks[0]!;
  if (!labels.includes(block.label)) {
    throw new PkiError(
      'ERR_PEM_LABEL',
      `PEM label is ${quoteInput(block.label)}; expected ${labels.map((l) => `"${l}"`).join(' or ')}`,
    );
  }
  return block;
}

/**
 * Writes DER as a PEM block: 64-character base64 lines, LF line ends, a final newline.
 *
 * @example
 * ```ts
 * encodePem('CERTIFICATE', der); // '-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n'
 * ```
 */
export function encodePem(label: string, der: Uint8Array): string {
  requireString(label, 'the PEM label');
  requireBytes(der, 'the DER to encode');
  const groups = Math.ceil(der.length / 3);
  // Base64 with a line break after every 64 characters, written into one reused buffer (a new typed
  // array this size costs V8 about a microsecond) and converted once.
  const size = groups * 4 + Math.ceil(groups / 16);
  if (pemScratch.length < size) pemScratch = new Uint8Array(Math.max(size, pemScratch.length * 2));
  const out = pemScratch;
  let o = 0;
  const whole = der.length - (der.length % 3);
  let col = 0;
  for (let i = 0; i < whole; i += 3) {
    const n = (der[i]! << 16) | (der[i + 1]! << 8) | der[i + 2]!;
    const high = B64_PAIRS[n >> 12]!;
    const low = B64_PAIRS[n & 0xfff]!;
    out[o] = high >> 8;
    out[o + 1] = high & 0xff;
    out[o + 2] = low >> 8;
    out[o + 3] = low & 0xff;
    o += 4;
    if (++col === 16) {
      out[o++] = 0x0a;
      col = 0;
    }
  }
  if (whole < der.length) {
    const two = der.length - whole === 2;
    const n = (der[whole]! << 16) | (two ? der[whole + 1]! << 8 : 0);
    out[o] = B64[n >> 18]!;
    out[o + 1] = B64[(n >> 12) & 63]!;
    out[o + 2] = two ? B64[(n >> 6) & 63]! : 0x3d;
    out[o + 3] = 0x3d;
    o += 4;
    col++;
  }
  if (col !== 0) out[o++] = 0x0a;
  const body = PEM_TEXT.decode(out.subarray(0, o));
  out.fill(0, 0, o); // a private key's base64 does not stay behind
  return `${BEGIN}${label}${DASHES}\n${body}${END}${label}${DASHES}\n`;
}

/** Where {@link encodePem} writes; grown on demand. */
let pemScratch = new Uint8Array(2048);

const B64 = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', (c) =>
  c.charCodeAt(0),
);
/** The two base64 characters of every 12-bit value (first in the high byte): half the lookups per group. */
const B64_PAIRS = Uint16Array.from({ length: 4096 }, (_, v) => (B64[v >> 6]! << 8) | B64[v & 63]!);
/** Turns the ASCII output into a string in one step. */
const PEM_TEXT = new TextDecoder();

/**
 * Whether `text` looks like PEM rather than binary DER read as text.
 *
 * @example
 * ```ts
 * isPemText('-----BEGIN CERTIFICATE-----\n...'); // true
 * ```
 */
export function isPemText(text: string): boolean {
  if (typeof text !== 'string') return false;
  return text.includes(BEGIN);
}
