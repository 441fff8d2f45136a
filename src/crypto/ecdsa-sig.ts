import { DerReader, integer, sequence, TAG } from '../der';
import { requireBytes } from '../validate';

/**
 * Converts a DER `ECDSA-Sig-Value` into the raw `r || s` form WebCrypto and noble use, each integer
 * left-padded to `size` bytes. Returns undefined for anything but a strict DER encoding of two
 * positive integers that fit.
 *
 * @example
 * ```ts
 * const raw = derToRawSignature(cert.signature, 32); // 64 bytes for WebCrypto, or undefined
 * ```
 */
export function derToRawSignature(der: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const outer = new DerReader(der);
    const seq = outer.enterNext(TAG.SEQUENCE, 'ECDSA-Sig-Value');
    outer.expectEnd('ECDSA-Sig-Value');
    const out = new Uint8Array(2 * size);
    for (let k = 0; k < 2; k++) {
      const el = seq.read(TAG.INTEGER, 'ECDSA-Sig-Value');
      let v = seq.content(el);
      if (v.length === 0 || v[0]! & 0x80) return undefined;
      if (v[0] === 0) {
        if (v.length === 1 || v[1]! < 0x80) return undefined;
        v = v.subarray(1);
      }
      if (v.length > size) return undefined;
      out.set(v, (k + 1) * size - v.length);
    }
    seq.expectEnd('ECDSA-Sig-Value');
    return out;
  } catch {
    return undefined;
  }
}

/**
 * The DER length at `p` (strict: definite, minimal, at most 4 octets) when its content, which starts
 * {@link lengthOctets} later, ends by `end`; otherwise -1.
 */
function derLength(der: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  let len = der[p]!;
  const content = p + lengthOctets(len);
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || content > end || der[p + 1] === 0) return -1;
    len = 0;
    for (let i = p + 1; i < content; i++) len = len * 256 + der[i]!;
    if (len < 0x80) return -1;
  }
  return content + len > end ? -1 : len;
}

/** How many octets a DER length whose first octet is `first` takes. */
function lengthOctets(first: number): number {
  return first & 0x80 ? 1 + (first & 0x7f) : 1;
}

/**
 * Whether `der` is exactly what {@link derToRawSignature} accepts for `size` (a strict DER
 * `ECDSA-Sig-Value` of two positive, minimal integers that fit), without building anything.
 */
export function isEcdsaSigDer(der: Uint8Array, size: number): boolean {
  if (der[0] !== 0x30) return false;
  const seqLength = derLength(der, 1, der.length);
  let p = 1 + lengthOctets(der[1]!);
  if (seqLength < 0 || p + seqLength !== der.length) return false;
  for (let k = 0; k < 2; k++) {
    if (der[p] !== 0x02) return false;
    const len = derLength(der, p + 1, der.length);
    if (len < 0) return false;
    const start = p + 1 + lengthOctets(der[p + 1]!);
    if (len === 0 || der[start]! & 0x80) return false;
    let digits = len;
    if (der[start] === 0) {
      if (len === 1 || der[start + 1]! < 0x80) return false;
      digits--;
    }
    if (digits > size) return false;
    p = start + len;
  }
  return p === der.length;
}

/**
 * Converts a raw `r || s` signature into DER with minimal integers.
 *
 * @example
 * ```ts
 * const der = rawToDerSignature(new Uint8Array(await crypto.subtle.sign(params, key, data)));
 * ```
 */
export function rawToDerSignature(raw: Uint8Array): Uint8Array {
  requireBytes(raw, 'the raw signature');
  const half = raw.length >> 1;
  return sequence(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
}
