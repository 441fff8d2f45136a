/** Character codes of the lowercase hex digits. */
const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Bytes per `String.fromCharCode` call (two arguments each, well under any engine's limit). */
const HEX_CHUNK = 8192;

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  // One string from an array of character codes: concatenating two characters at a time makes a new
  // string per byte.
  let out = '';
  for (let start = 0; start < bytes.length; start += HEX_CHUNK) {
    const end = Math.min(bytes.length, start + HEX_CHUNK);
    const codes = new Array<number>((end - start) * 2);
    for (let i = start, j = 0; i < end; i++, j += 2) {
      const b = bytes[i]!;
      codes[j] = HEX_DIGITS[b >> 4]!;
      codes[j + 1] = HEX_DIGITS[b & 15]!;
    }
    out += String.fromCharCode.apply(null, codes);
  }
  return out;
}

/** Bytes from hex (even length, `[0-9a-fA-F]` only). */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('invalid hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * A 32-bit hash of `bytes[start, end)` (FNV-1a, then MurmurHash3's finalizer): a cheap key for byte
 * strings; equal hashes still need a byte compare.
 */
export function hashBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  // MurmurHash3's finalizer, so that the low bits (which pick buckets) depend on every byte.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** From this length on, arrays that both start on a 4-byte boundary are compared a word at a time. */
const WORDWISE = 128;

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  let i = 0;
  if (n >= WORDWISE && (a.byteOffset & 3) === 0 && (b.byteOffset & 3) === 0) {
    // Whole certificates: 32-bit words through two views, three times fewer instructions than octets.
    const wa = new Int32Array(a.buffer, a.byteOffset, n >> 2);
    const wb = new Int32Array(b.buffer, b.byteOffset, n >> 2);
    for (let w = 0; w < wa.length; w++) if (wa[w] !== wb[w]) return false;
    i = n & ~3;
  }
  // Four octets a step, their differences OR-ed together. No DataView: it is made in native code, which
  // costs the verification path more than the comparison.
  for (const end = n - 3; i < end; i += 4) {
    if ((a[i]! ^ b[i]!) | (a[i + 1]! ^ b[i + 1]!) | (a[i + 2]! ^ b[i + 2]!) | (a[i + 3]! ^ b[i + 3]!))
      return false;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
