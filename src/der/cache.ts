import { hashBytes } from './bytes';

/** Entries per bucket: a few keys sharing a bucket all stay. */
const WAYS = 4;

/**
 * A small set-associative cache from byte strings (a range of a buffer) to values decoded from them. A
 * lookup hashes the bytes where they lie and compares them with the stored copies, so a hit allocates
 * nothing; a fifth key meeting four others in their bucket replaces one of them. For the few byte
 * strings parsers meet over and over: OIDs, algorithm identifiers, issuer names, extKeyUsage lists.
 */
export class ByteCache<T> {
  readonly #keys: (Uint8Array | undefined)[];
  readonly #values: (T | undefined)[];
  readonly #mask: number;

  /** Room for `size` entries (a power of two, at least 4). */
  constructor(size: number) {
    this.#keys = new Array<Uint8Array | undefined>(size).fill(undefined);
    this.#values = new Array<T | undefined>(size).fill(undefined);
    this.#mask = size - WAYS;
  }

  /** Where the bucket for `bytes[start, end)` starts. */
  bucket(bytes: Uint8Array, start: number, end: number): number {
    return hashBytes(bytes, start, end) & this.#mask;
  }

  /** The value stored in `bucket` for exactly `bytes[start, end)`, if any. */
  get(bucket: number, bytes: Uint8Array, start: number, end: number): T | undefined {
    for (let i = bucket; i < bucket + WAYS; i++) {
      const key = this.#keys[i];
      if (key === undefined) return undefined;
      if (sameRange(key, bytes, start, end)) return this.#values[i];
    }
    return undefined;
  }

  /** Stores `value` for `bytes[start, end)` (keeping a copy of the bytes) in `bucket`. */
  set(bucket: number, bytes: Uint8Array, start: number, end: number, value: T): void {
    let i = bucket;
    while (i < bucket + WAYS - 1 && this.#keys[i] !== undefined) i++;
    this.#keys[i] = new Uint8Array(bytes.subarray(start, end)); // a copy, even of a Buffer
    this.#values[i] = value;
  }
}

function sameRange(key: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== bytes[start + i]) return false;
  return true;
}
