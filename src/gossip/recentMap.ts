/**
 * A Map bounded by entry count that forgets the least recently set key first: the memory bound
 * for per-peer records that grow with the network (dial candidates, dial failures).
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>()
  readonly maxEntries: number

  constructor(maxEntries: number) {
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) {
      throw new RangeError('RecentMap needs maxEntries >= 1')
    }
    this.maxEntries = maxEntries
  }

  /** Sets the value and makes the key the most recent; drops the oldest key past the bound. */
  set(key: K, value: V): this {
    this.entries.delete(key)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(key, value)
    return this
  }

  get(key: K): V | undefined {
    return this.entries.get(key)
  }

  has(key: K): boolean {
    return this.entries.has(key)
  }

  delete(key: K): boolean {
    return this.entries.delete(key)
  }

  /** Keys, least recent first */
  keys(): IterableIterator<K> {
    return this.entries.keys()
  }

  get size(): number {
    return this.entries.size
  }
}
