/** Bytes per `String.fromCharCode` call (well under any engine's argument limit). */
const CHUNK = 4096;

/**
 * `bytes` as a string of one character per byte (as `latin1` gives, built natively): a Map key for
 * names and key identifiers.
 */
export function byteKey(bytes: Uint8Array): string {
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}
