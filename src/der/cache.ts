import { hashBytes } from './bytes';

/**
 * A small direct-mapped cache from byte strings (a range of a buffer) to values decoded from them. A
 * lookup hashes the bytes where they lie and compares them with the stored copy, so a hit allocates
 * nothing; a new key simply replaces whatever shared its slot. For the few byte strings parsers meet
 * over and over: OIDs, algorithm identifiers.
 */
export class ByteCache<T> {
  readonly #keys: (Uint8Array | undefined)[];
  readonly #values: (T | undefined)[];
  readonly #mask: number;

  /** `slots` must be a power of two. */
  constructor(slots: number) {
    this.#keys = new Array<Uint8Array | undefined>(slots).fill(undefined);
    this.#values = new Array<T | undefined>(slots).fill(undefined);
    this.#mask = slots - 1;
  }

  /** The slot `bytes[start, end)` maps to. */
  slot(bytes: Uint8Array, start: number, end: number): number {
    return hashBytes(bytes, start, end) & this.#mask;
  }

  /** The value stored in `slot` for exactly `bytes[start, end)`, if any. */
  get(slot: number, bytes: Uint8Array, start: number, end: number): T | undefined {
    const key = this.#keys[slot];
    if (key === undefined || key.length !== end - start) return undefined;
    for (let i = 0; i < key.length; i++) if (key[i] !== bytes[start + i]) return undefined;
    return this.#values[slot];
  }

  /** Stores `value` for `bytes[start, end)` (a copy of the bytes is kept) in `slot`. */
  set(slot: number, bytes: Uint8Array, start: number, end: number, value: T): void {
    this.#keys[slot] = bytes.slice(start, end);
    this.#values[slot] = value;
  }
}
