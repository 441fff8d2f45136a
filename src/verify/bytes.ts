import { hashBytes, sameBytes } from '../der';

const NONE: readonly never[] = Object.freeze([]);

interface Entry<T> {
  readonly key: Uint8Array;
  readonly values: T[];
}

/**
 * Values filed under byte strings (subject names, key identifiers): a numeric hash of the bytes picks a
 * bucket and the bytes themselves decide, so a lookup neither converts nor allocates.
 */
export class ByteIndex<T> {
  /** Keeps the shape of indexes, often made for one verification, alive (see `DerReader.shapeKeeper`). */
  static readonly shapeKeeper: ByteIndex<never> = new ByteIndex();

  readonly #buckets = new Map<number, Entry<T>[]>();

  /** Files `value` under `key` (the key's bytes must not change afterwards). */
  add(key: Uint8Array, value: T): void {
    const h = hashBytes(key);
    const bucket = this.#buckets.get(h);
    const entry = bucket && entryFor(bucket, key);
    if (entry) entry.values.push(value);
    else if (bucket) bucket.push({ key, values: [value] });
    else this.#buckets.set(h, [{ key, values: [value] }]);
  }

  /** The values filed under exactly `key`, in the order they were added. */
  get(key: Uint8Array): readonly T[] {
    const bucket = this.#buckets.get(hashBytes(key));
    return (bucket && entryFor(bucket, key)?.values) ?? NONE;
  }

  /** Whether nothing is filed. */
  get empty(): boolean {
    return this.#buckets.size === 0;
  }
}

/** The entry of `bucket` whose key holds exactly the bytes of `key`. */
function entryFor<T>(bucket: readonly Entry<T>[], key: Uint8Array): Entry<T> | undefined {
  for (const e of bucket) if (sameBytes(e.key, key)) return e;
  return undefined;
}
