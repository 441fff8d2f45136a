import { PkiError } from '../errors';
import { base64Decode, base64Encode } from './base64';

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
 * line ends are both accepted and spaces or tabs may end a line; inside a block only base64 lines are
 * allowed (no headers, so no encrypted keys). Throws `PkiError` `ERR_PEM_INVALID`, `ERR_BASE64` or
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
    const lineEnd = text.indexOf('\n', begin);
    if (labelEnd < 0 || (lineEnd >= 0 && labelEnd > lineEnd)) {
      throw new PkiError('ERR_PEM_INVALID', `PEM block ${blocks.length + 1}: malformed BEGIN line`);
    }
    const label = text.slice(begin + BEGIN.length, labelEnd);
    const bodyStart = labelEnd + DASHES.length;
    const endMarker = `${END}${label}${DASHES}`;
    const end = text.indexOf(endMarker, bodyStart);
    if (end < 0)
      throw new PkiError('ERR_PEM_INVALID', `PEM block ${blocks.length + 1} (${label}): no END line`);
    const nested = text.indexOf(BEGIN, bodyStart);
    if (nested >= 0 && nested < end) {
      throw new PkiError('ERR_PEM_INVALID', `PEM block ${blocks.length + 1} (${label}): BEGIN before END`);
    }
    blocks.push({ label, der: decodeBody(text.slice(bodyStart, end), label, blocks.length + 1) });
    pos = end + endMarker.length;
  }
  if (blocks.length === 0) throw new PkiError('ERR_PEM_INVALID', 'no PEM block found');
  return blocks;
}

function decodeBody(body: string, label: string, index: number): Uint8Array {
  if (body.includes(':')) {
    throw new PkiError(
      'ERR_PEM_INVALID',
      `PEM block ${index} (${label}): headers (e.g. encryption) are not supported`,
    );
  }
  let b64 = '';
  for (const line of body.split('\n')) {
    const trimmed = line.replace(/[ \t\r]+$/, '');
    if (trimmed.length === 0) continue;
    b64 += trimmed;
  }
  if (b64.length === 0) throw new PkiError('ERR_PEM_INVALID', `PEM block ${index} (${label}) is empty`);
  try {
    return base64Decode(b64);
  } catch (e) {
    throw new PkiError('ERR_BASE64', `PEM block ${index} (${label}): ${(e as Error).message}`);
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
  const blocks = decodePem(text);
  if (blocks.length !== 1) {
    throw new PkiError('ERR_PEM_INVALID', `expected one PEM block, found ${blocks.length}`);
  }
  const block = blocks[0]!;
  if (!labels.includes(block.label)) {
    throw new PkiError(
      'ERR_PEM_LABEL',
      `PEM label is "${block.label}"; expected ${labels.map((l) => `"${l}"`).join(' or ')}`,
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
  const b64 = base64Encode(der);
  let out = `${BEGIN}${label}${DASHES}\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}${END}${label}${DASHES}\n`;
}

/** Whether `text` looks like PEM rather than binary DER read as text. */
export function isPemText(text: string): boolean {
  return text.includes(BEGIN);
}
