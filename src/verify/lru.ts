/** A Map bounded to `max` entries that drops the least recently used one first. */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  /** The most recently used key while it is known (a repeated `get` of it needs no reordering). */
  #newest: K | undefined;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value for `key`, without marking it used. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  /** The value for `key`, marked as the most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined && key !== this.#newest) this.set(key, value);
    return value;
  }

  /** Stores `value` as the most recently used, dropping the least recently used beyond the bound. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#newest = undefined;
    if (this.#max === 0) return;
    this.#map.set(key, value);
    this.#newest = key;
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }

  clear(): void {
    this.#map.clear();
    this.#newest = undefined;
  }
}
