import { PkiError } from '../errors';
import { TAG } from './tags';

/** Concatenates byte arrays into one new array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Octets taken by the identifier and a minimal definite length of `len`. */
function headerLength(len: number): number {
  return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5;
}

/** Writes the identifier and length octets at `o`; returns the offset after them. */
function writeHeader(out: Uint8Array, o: number, tag: number, len: number): number {
  const head = headerLength(len);
  out[o] = tag;
  if (head === 2) out[o + 1] = len;
  else {
    out[o + 1] = 0x80 | (head - 2);
    for (let i = o + head - 1, l = len; i >= o + 2; i--, l >>>= 8) out[i] = l & 0xff;
  }
  return o + head;
}

/** One DER element: `tag`, minimal definite length, then the concatenated `parts`. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(headerLength(len) + len);
  let o = writeHeader(out, 0, tag, len);
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A DER element written later, together with the structure around it ({@link encodeNode}): a structure
 * built from nodes is allocated and copied once, not once per nesting level.
 */
export interface DerNode {
  /** The identifier octet. */
  readonly tag: number;
  /** The content: encoded elements and nodes, or text written one octet per character (ASCII only). */
  readonly content: readonly DerPart[] | string;
  /** Content length in octets. */
  readonly length: number;
}

/** Bytes already encoded, or a node to encode. */
export type DerPart = Uint8Array | DerNode;

/** Octets `part` takes once encoded. */
export function encodedLength(part: DerPart): number {
  return part instanceof Uint8Array ? part.length : headerLength(part.length) + part.length;
}

/** A constructed (or any) element of already-encoded parts, to encode later. */
export function node(tag: number, ...content: DerPart[]): DerNode {
  let length = 0;
  for (const p of content) length += encodedLength(p);
  return { tag, content, length };
}

/** An element whose content is ASCII `text` (the caller has checked every character is below 0x80). */
export function asciiNode(tag: number, text: string): DerNode {
  return { tag, content: text, length: text.length };
}

function writePart(out: Uint8Array, o: number, part: DerPart): number {
  if (part instanceof Uint8Array) {
    out.set(part, o);
    return o + part.length;
  }
  let p = writeHeader(out, o, part.tag, part.length);
  const content = part.content;
  if (typeof content === 'string') {
    for (let i = 0; i < content.length; i++) out[p + i] = content.charCodeAt(i);
    return p + content.length;
  }
  for (const c of content) p = writePart(out, p, c);
  return p;
}

/** The DER bytes of `part`, in one allocation. */
export function encodeNode(part: DerPart): Uint8Array {
  if (part instanceof Uint8Array) return part;
  const out = new Uint8Array(encodedLength(part));
  writePart(out, 0, part);
  return out;
}

/** Whether every character of `s` is ASCII (below 0x80). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A SEQUENCE of already-encoded elements. */
export function sequence(...parts: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, ...parts);
}

/** A SET OF already-encoded elements, sorted by encoding as DER requires. */
export function setOf(...parts: Uint8Array[]): Uint8Array {
  const sorted = [...parts].sort(compareBytes);
  return tlv(TAG.SET, ...sorted);
}

/** Lexicographic byte comparison, shorter first on a tie. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** An INTEGER from a non-negative bigint or unsigned big-endian bytes, minimally encoded. */
export function integer(value: bigint | number | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (value instanceof Uint8Array) bytes = value;
  else {
    const v = BigInt(value);
    if (v < 0n) throw new PkiError('ERR_INVALID_ARGUMENT', 'negative INTEGER values are not written');
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = start === 0 ? bytes : bytes.subarray(start);
  if (trimmed.length === 0) return new Uint8Array([TAG.INTEGER, 1, 0]);
  return trimmed[0]! & 0x80 ? tlv(TAG.INTEGER, new Uint8Array([0]), trimmed) : tlv(TAG.INTEGER, trimmed);
}

/** A BOOLEAN in DER form. */
export function boolean(value: boolean): Uint8Array {
  return new Uint8Array([TAG.BOOLEAN, 1, value ? 0xff : 0]);
}

/** An OCTET STRING. */
export function octetString(content: Uint8Array): Uint8Array {
  return tlv(TAG.OCTET_STRING, content);
}

/** A BIT STRING of whole octets, or with `unused` trailing bits (which must be zero). */
export function bitString(content: Uint8Array, unused = 0): Uint8Array {
  return tlv(TAG.BIT_STRING, new Uint8Array([unused]), content);
}

/** NULL. */
export const NULL = new Uint8Array([TAG.NULL, 0]);

const oidEncodings = new Map<string, Uint8Array>();

/** An OBJECT IDENTIFIER from its dotted form (memoized: the same few OIDs recur). */
export function oid(dotted: string): Uint8Array {
  const cached = oidEncodings.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map((a) => {
    if (!/^(0|[1-9][0-9]*)$/.test(a)) throw new PkiError('ERR_INVALID_ARGUMENT', `invalid OID "${dotted}"`);
    return Number(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! > 39)) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `invalid OID "${dotted}"`);
  }
  const out: number[] = [];
  const push = (v: number) => {
    const tmp = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) tmp.unshift((v & 0x7f) | 0x80);
    out.push(...tmp);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  const enc = tlv(TAG.OID, new Uint8Array(out));
  if (oidEncodings.size < 1024) oidEncodings.set(dotted, enc);
  return enc;
}

const textEncoder = new TextEncoder();
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A UTF8String. */
export function utf8String(s: string): Uint8Array {
  return tlv(TAG.UTF8_STRING, textEncoder.encode(s));
}

/** An IA5String (ASCII only), or with another tag (e.g. `[2]` for a dNSName), as a node. */
export function ia5Node(s: string, tag: number = TAG.IA5_STRING): DerNode {
  if (!isAscii(s)) throw new PkiError('ERR_NAME_INVALID', `"${s}" is not ASCII`);
  return asciiNode(tag, s);
}

/** An IA5String (ASCII only). */
export function ia5String(s: string): Uint8Array {
  return encodeNode(ia5Node(s));
}

/** PrintableString when every character allows it, else UTF8String (Go's choice for names), as a part. */
export function directoryStringPart(s: string): DerPart {
  return PRINTABLE.test(s) ? asciiNode(TAG.PRINTABLE_STRING, s) : utf8String(s);
}

/** PrintableString when every character allows it, else UTF8String (Go's choice for names). */
export function directoryString(s: string): Uint8Array {
  return encodeNode(directoryStringPart(s));
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** A time as RFC 5280 wants, as a node: UTCTime through 2049, GeneralizedTime from 2050; whole seconds. */
export function timeNode(ms: number): DerNode {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (!Number.isFinite(ms) || y < 1950 || y > 9999) {
    throw new PkiError('ERR_INVALID_ARGUMENT', `time ${String(ms)} cannot be encoded`);
  }
  const rest = `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return y < 2050
    ? asciiNode(TAG.UTC_TIME, two(y % 100) + rest)
    : asciiNode(TAG.GENERALIZED_TIME, String(y) + rest);
}

/** A time as RFC 5280 wants: UTCTime through 2049, GeneralizedTime from 2050; whole seconds. */
export function time(ms: number): Uint8Array {
  return encodeNode(timeNode(ms));
}

/** A context-specific explicit tag `[n]` around encoded elements. */
export function explicit(n: number, ...parts: Uint8Array[]): Uint8Array {
  return tlv(0xa0 | n, ...parts);
}
