/** A short Weierstrass curve y² = x³ − 3x + b over GF(p), as the NIST prime curves are. */
interface PrimeCurve {
  /** Field and coordinate size in bytes. */
  readonly size: number;
  readonly p: bigint;
  readonly b: bigint;
}

/** The NIST curves l5d-pki parses keys on (FIPS 186-5 / SEC 2 parameters; all have a = −3, cofactor 1). */
const CURVES: ReadonlyMap<string, PrimeCurve> = new Map([
  [
    'P-256',
    {
      size: 32,
      p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
      b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    },
  ],
  [
    'P-384',
    {
      size: 48,
      p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
      b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    },
  ],
  [
    'P-521',
    {
      size: 66,
      p: (1n << 521n) - 1n,
      b: 0x051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    },
  ],
]);

/** `bytes[start, end)` as an unsigned big-endian integer, read 32 bits at a time. */
function readUint(bytes: Uint8Array, start: number, end: number): bigint {
  let i = start;
  let v = 0n;
  for (const head = start + ((end - start) & 3); i < head; i++) v = (v << 8n) | BigInt(bytes[i]!);
  for (; i < end; i += 4) {
    v =
      (v << 32n) |
      BigInt(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  }
  return v;
}

/** Entries of the memo of valid P-256 points, and the room each takes. */
const MEMO_SLOTS = 1024;
const MEMO_STRIDE = 65;

/**
 * P-256 points already found valid, by their exact bytes: anchors, issuers and renewing workloads bring
 * the same keys again and again. A direct-mapped table in one buffer (made on first use), so neither a
 * hit nor a store allocates; only valid points are stored, as private copies, so a hit proves the bytes
 * were checked, and a collision only costs a check. P-384 and P-521 keys are rare here and are checked
 * each time.
 */
let memo: Uint8Array | undefined;
const memoFilled = new Uint8Array(MEMO_SLOTS);

function memoSlot(point: Uint8Array): number {
  // The coordinates of a valid point look random: a few of their bytes pick the slot.
  const h = Math.imul((point[1]! << 24) ^ (point[2]! << 16) ^ (point[63]! << 8) ^ point[64]!, 0x9e3779b1);
  return h >>> 22; // 10 bits: 0 to MEMO_SLOTS - 1
}

function memoHas(table: Uint8Array, slot: number, point: Uint8Array): boolean {
  if (memoFilled[slot] === 0) return false;
  const base = slot * MEMO_STRIDE;
  for (let i = 0; i < MEMO_STRIDE; i++) if (table[base + i] !== point[i]) return false;
  return true;
}

/**
 * Why `point` is not an uncompressed point on the named `curve` (`P-256`, `P-384` or `P-521`), or
 * `undefined` when it is one (and for curves this module does not know, which the caller refuses
 * otherwise). Compressed (`02`/`03`) and hybrid (`06`/`07`) encodings are refused as Go's crypto/x509
 * refuses them; coordinates must be below p and satisfy y² = x³ − 3x + b. Valid points are remembered by
 * their bytes, so a key met again costs a hash and a comparison.
 *
 * @example
 * ```ts
 * ecPointProblem('P-256', key.publicKey.point); // undefined
 * ecPointProblem('P-256', new Uint8Array(65).fill(4)); // 'the point is not on the curve'
 * ```
 */
export function ecPointProblem(curve: string | undefined, point: Uint8Array): string | undefined {
  const c = curve === undefined ? undefined : CURVES.get(curve);
  if (c === undefined) return undefined;
  const n = point.length;
  const first = point[0];
  if (n !== 1 + 2 * c.size || first !== 0x04) {
    if (first === 0x02 || first === 0x03) return 'compressed points are not accepted';
    if (first === 0x06 || first === 0x07) return 'hybrid points are not accepted';
    if (first === 0x00 && n === 1) return 'the point at infinity is not a public key';
    return `an uncompressed ${curve} point is ${1 + 2 * c.size} bytes starting with 04`;
  }
  const p256 = n === MEMO_STRIDE;
  memo ??= new Uint8Array(MEMO_SLOTS * MEMO_STRIDE);
  const slot = p256 ? memoSlot(point) : 0;
  if (p256 && memoHas(memo, slot, point)) return undefined;
  const x = readUint(point, 1, 1 + c.size);
  const y = readUint(point, 1 + c.size, n);
  const p = c.p;
  if (x >= p || y >= p) return 'a coordinate is not below the field prime';
  if ((y * y - (x * x - 3n) * x - c.b) % p !== 0n) return 'the point is not on the curve';
  if (p256) {
    memo.set(point, slot * MEMO_STRIDE);
    memoFilled[slot] = 1;
  }
  return undefined;
}
