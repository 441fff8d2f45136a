import { DerReader, integer, sequence, TAG } from '../der';

/**
 * Converts a DER `ECDSA-Sig-Value` into the raw `r || s` form WebCrypto and noble use, each integer
 * left-padded to `size` bytes. Returns undefined for anything but a strict DER encoding of two
 * positive integers that fit.
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

/** Converts a raw `r || s` signature into DER with minimal integers. */
export function rawToDerSignature(raw: Uint8Array): Uint8Array {
  const half = raw.length >> 1;
  return sequence(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
}
