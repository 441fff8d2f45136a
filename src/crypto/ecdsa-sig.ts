import { DerReader, integer, sequence, TAG } from '../der';

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

/** A DER length at `p` (strict: definite, minimal, at most 4 octets): [length, offset after it], or undefined. */
function derLength(der: Uint8Array, p: number, end: number): [number, number] | undefined {
  if (p >= end) return undefined;
  let len = der[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > end || der[p] === 0) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[p++]!;
    if (len < 0x80) return undefined;
  }
  return p + len > end ? undefined : [len, p];
}

/**
 * Whether `der` is exactly what {@link derToRawSignature} accepts for `size` (a strict DER
 * `ECDSA-Sig-Value` of two positive, minimal integers that fit), without building anything.
 */
export function isEcdsaSigDer(der: Uint8Array, size: number): boolean {
  if (der[0] !== 0x30) return false;
  const seq = derLength(der, 1, der.length);
  if (!seq || seq[1] + seq[0] !== der.length) return false;
  let p = seq[1];
  for (let k = 0; k < 2; k++) {
    if (der[p] !== 0x02) return false;
    const int = derLength(der, p + 1, der.length);
    if (!int) return false;
    const [len, start] = int;
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
  const half = raw.length >> 1;
  return sequence(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
}
