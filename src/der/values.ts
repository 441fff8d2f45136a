import { ByteCache } from './cache';
import { type DerReader, derError } from './reader';
import { TAG } from './tags';

/** The content octets of an INTEGER, checked for minimal two's-complement form. */
export function readIntegerBytes(r: DerReader, what: string): Uint8Array {
  integerContent(r, what);
  return r.bytes.subarray(r.lastContent, r.pos);
}

/** Reads an INTEGER, checks its form, and leaves its content at `r.lastContent` up to `r.pos`. */
function integerContent(r: DerReader, what: string): void {
  r.next(TAG.INTEGER, what);
  const b = r.bytes;
  const i = r.lastContent;
  const n = r.pos - i;
  if (n === 0) throw derError(what, r.lastStart, 'empty INTEGER');
  if (n > 1 && ((b[i] === 0 && b[i + 1]! < 0x80) || (b[i] === 0xff && b[i + 1]! >= 0x80))) {
    throw derError(what, r.lastStart, 'non-minimal INTEGER');
  }
}

/** A small non-negative INTEGER (versions, path lengths) as a number. */
export function readSmallInteger(r: DerReader, what: string, max = 0x7fffffff): number {
  integerContent(r, what);
  const b = r.bytes;
  const start = r.lastContent;
  const end = r.pos;
  if (b[start]! & 0x80) throw derError(what, end, 'negative value');
  if (end - start > 5) throw derError(what, end, 'value too large');
  let n = 0;
  for (let i = start; i < end; i++) n = n * 256 + b[i]!;
  if (n > max) throw derError(what, end, `value ${n} exceeds ${max}`);
  return n;
}

/** A BOOLEAN in DER form (0x00 or 0xFF). */
export function readBoolean(r: DerReader, what: string): boolean {
  r.next(TAG.BOOLEAN, what);
  if (r.pos - r.lastContent !== 1) throw derError(what, r.lastStart, 'BOOLEAN must be one octet');
  const b = r.bytes[r.lastContent]!;
  if (b !== 0 && b !== 0xff) throw derError(what, r.lastStart, 'BOOLEAN must be 0x00 or 0xFF');
  return b === 0xff;
}

/** A BIT STRING: its octets (a view) and how many bits of the last one are unused. */
export function readBitString(r: DerReader, what: string): { bits: Uint8Array; unused: number } {
  const unused = bitStringContent(r, what);
  return { bits: r.bytes.subarray(r.lastContent + 1, r.pos), unused };
}

/** Reads a BIT STRING, checks its form, and returns its unused-bit count; its bits follow `r.lastContent`. */
function bitStringContent(r: DerReader, what: string): number {
  r.next(TAG.BIT_STRING, what);
  const b = r.bytes;
  const n = r.pos - r.lastContent;
  if (n === 0) throw derError(what, r.lastStart, 'empty BIT STRING');
  const unused = b[r.lastContent]!;
  if (unused > 7 || (n === 1 && unused !== 0)) throw derError(what, r.lastStart, 'bad unused-bit count');
  if (unused && (b[r.pos - 1]! & ((1 << unused) - 1)) !== 0)
    throw derError(what, r.lastStart, 'unused bits are not zero');
  return unused;
}

/** A BIT STRING that must hold whole octets (keys, signatures). */
export function readOctetAlignedBits(r: DerReader, what: string): Uint8Array {
  if (bitStringContent(r, what) !== 0) throw derError(what, r.pos, 'BIT STRING is not octet-aligned');
  return r.bytes.subarray(r.lastContent + 1, r.pos);
}

/** Dotted forms of the OIDs met so far (certificates use a few dozen, over and over). */
const oidCache = new ByteCache<string>(1024);

/** `2.5.4.n` and `2.5.29.n` for every one-octet `n`: found by index, without a cache lookup. */
const ATTRIBUTE_TYPES = Array.from({ length: 0x80 }, (_, n) => `2.5.4.${n}`);
const EXTENSION_TYPES = Array.from({ length: 0x80 }, (_, n) => `2.5.29.${n}`);

/** An OBJECT IDENTIFIER in dotted form. */
export function readOid(r: DerReader, what: string): string {
  r.next(TAG.OID, what);
  return oidContentToString(r.bytes, r.lastStart, r.lastContent, r.pos, what);
}

/** Dotted form of OID content octets (`bytes[contentStart, end)`, the element starting at `at`), strictly decoded. */
function oidContentToString(
  bytes: Uint8Array,
  at: number,
  contentStart: number,
  end: number,
  what: string,
): string {
  const len = end - contentStart;
  if (len === 0) throw derError(what, at, 'empty OBJECT IDENTIFIER');
  if (len > 64) throw derError(what, at, 'OBJECT IDENTIFIER too long');
  if (len === 3 && bytes[contentStart] === 0x55 && bytes[contentStart + 2]! < 0x80) {
    // 2.5.4.n and 2.5.29.n (n < 128): the attribute and extension types of every certificate.
    const second = bytes[contentStart + 1];
    if (second === 0x04) return ATTRIBUTE_TYPES[bytes[contentStart + 2]!]!;
    if (second === 0x1d) return EXTENSION_TYPES[bytes[contentStart + 2]!]!;
  }
  const bucket = oidCache.bucket(bytes, contentStart, end);
  const cached = oidCache.get(bucket, bytes, contentStart, end);
  if (cached !== undefined) return cached;
  const arcs: number[] = [];
  let value = 0;
  let fresh = true;
  for (let i = contentStart; i < end; i++) {
    const b = bytes[i]!;
    if (fresh && b === 0x80) throw derError(what, at, 'non-minimal OID arc');
    // value * 128 + 127 must stay an exact integer (≤ 2^53 − 1), or distinct arcs would print alike.
    if (value > 0x3fffffffffff) throw derError(what, at, 'OID arc too large');
    value = value * 128 + (b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      if (arcs.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        arcs.push(first, value - first * 40);
      } else arcs.push(value);
      value = 0;
    }
  }
  if (!fresh) throw derError(what, at, 'truncated OID arc');
  const s = arcs.join('.');
  oidCache.set(bucket, bytes, contentStart, end, s);
  return s;
}

function digits(b: Uint8Array, i: number, n: number, what: string, at: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = b[i + k]! - 48;
    if (c < 0 || c > 9) throw derError(what, at, 'time has a non-digit');
    v = v * 10 + c;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1]!;
}

/** A UTCTime or GeneralizedTime in DER's `Z` form, as milliseconds since the epoch. */
export function readTime(r: DerReader, what: string): number {
  const tag = r.next(undefined, what);
  const v = r.bytes;
  const at = r.lastStart;
  const end = r.pos;
  const length = end - r.lastContent;
  let year: number;
  let i = r.lastContent;
  if (tag === TAG.UTC_TIME) {
    if (length !== 13) throw derError(what, at, 'UTCTime must be YYMMDDHHMMSSZ');
    const yy = digits(v, i, 2, what, at);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    i += 2;
  } else if (tag === TAG.GENERALIZED_TIME) {
    if (length !== 15) throw derError(what, at, 'GeneralizedTime must be YYYYMMDDHHMMSSZ');
    year = digits(v, i, 4, what, at);
    i += 4;
  } else {
    throw derError(what, at, 'expected UTCTime or GeneralizedTime');
  }
  if (v[end - 1] !== 0x5a) throw derError(what, at, 'time must end in Z');
  const month = digits(v, i, 2, what, at);
  const day = digits(v, i + 2, 2, what, at);
  const hour = digits(v, i + 4, 2, what, at);
  const minute = digits(v, i + 6, 2, what, at);
  const second = digits(v, i + 8, 2, what, at);
  // What `new Date(ms)` would round-trip: a real calendar day, and no two-digit year (Date.UTC reads
  // years 0–99 as 1900–1999).
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    year < 100
  ) {
    throw derError(what, at, 'time is not a valid date');
  }
  return ((daysSinceEpoch(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (what `Date.UTC` counts, computed
 * here without a call into the engine): years are shifted to start in March, so the leap day ends them.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** 1 at the octets of PrintableString's characters. */
const PRINTABLE = (() => {
  const t = new Uint8Array(256);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?") {
    t[c.charCodeAt(0)] = 1;
  }
  return t;
})();

/** One-character strings for every octet, so short strings are joined without conversions. */
const CHARS: readonly string[] = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));

/** Below this length, joining one-character strings beats `String.fromCharCode.apply`. */
const SHORT_STRING = 12;
/** Octets per `String.fromCharCode.apply` call (well under any engine's argument limit). */
const APPLY_CHUNK = 4096;

/** Whether every octet of `v` is ASCII (0x00–0x7f). */
function isAscii(v: Uint8Array): boolean {
  let all = 0;
  for (let i = 0; i < v.length; i++) all |= v[i]!;
  return all < 0x80;
}

/** Whether every octet of `v` is a PrintableString character. */
function isPrintable(v: Uint8Array): boolean {
  for (let i = 0; i < v.length; i++) if (PRINTABLE[v[i]!] === 0) return false;
  return true;
}

/** A string of one of the ASN.1 string types, decoded to JavaScript text. */
export function decodeString(tag: number, v: Uint8Array, what: string, at: number): string {
  switch (tag) {
    case TAG.UTF8_STRING:
      // ASCII is UTF-8 that decodes octet for octet, and it spares a call into the native decoder.
      if (isAscii(v)) return asciiString(v);
      try {
        return utf8.decode(v);
      } catch {
        throw derError(what, at, 'invalid UTF-8');
      }
    case TAG.PRINTABLE_STRING:
      if (!isPrintable(v)) throw derError(what, at, 'invalid PrintableString');
      return asciiString(v);
    case TAG.IA5_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.NUMERIC_STRING:
      if (!isAscii(v)) throw derError(what, at, 'non-ASCII octet in an ASCII string');
      return asciiString(v);
    case TAG.TELETEX_STRING:
      return latin1(v);
    case TAG.BMP_STRING: {
      if (v.length % 2) throw derError(what, at, 'odd-length BMPString');
      const units = new Uint16Array(v.length / 2);
      for (let i = 0, j = 0; j < units.length; i += 2, j++) units[j] = (v[i]! << 8) | v[i + 1]!;
      return charCodes(units);
    }
    case TAG.UNIVERSAL_STRING: {
      if (v.length % 4) throw derError(what, at, 'UniversalString length not a multiple of 4');
      let s = '';
      for (let i = 0; i < v.length; i += 4) {
        const cp = ((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0;
        if (cp > 0x10ffff) throw derError(what, at, 'invalid code point');
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      throw derError(what, at, `unsupported string type 0x${tag.toString(16)}`);
  }
}

/** Octets already checked to be ASCII, as a string. */
function asciiString(v: Uint8Array): string {
  if (v.length < SHORT_STRING) return shortLatin1(v);
  // A certificate often spells a name twice (subject commonName and dNSName SAN): the second time, the
  // string just made is taken again instead of decoding the same octets anew.
  if (v.length === lastAscii.length && sameAsLast(v)) return lastAscii;
  const s = charCodes(v);
  if (v.length <= lastOctets.length) {
    lastOctets.set(v);
    lastAscii = s;
  }
  return s;
}

/** The last string {@link asciiString} built from character codes, if short enough to remember... */
let lastAscii = '';
/** ...and a copy of its octets. */
const lastOctets = new Uint8Array(256);

/** Whether `v`, as long as {@link lastAscii}, holds its octets. */
function sameAsLast(v: Uint8Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== lastOctets[i]) return false;
  return true;
}

function shortLatin1(v: Uint8Array): string {
  let s = '';
  for (let i = 0; i < v.length; i++) s += CHARS[v[i]!]!;
  return s;
}

/** Code units (octets or UTF-16 units) as a string, converted a chunk at a time. */
function charCodes(v: Uint8Array | Uint16Array): string {
  if (v.length <= APPLY_CHUNK) return String.fromCharCode.apply(null, v as unknown as number[]);
  let s = '';
  for (let i = 0; i < v.length; i += APPLY_CHUNK) {
    s += String.fromCharCode.apply(null, v.subarray(i, i + APPLY_CHUNK) as unknown as number[]);
  }
  return s;
}

/** Bytes as a string of code points 0–255 (for ASCII fields). */
export function latin1(v: Uint8Array): string {
  return v.length < SHORT_STRING ? shortLatin1(v) : charCodes(v);
}
