/** A small LRU map with a time-to-live, so per-tenant lookups stay bounded in memory. */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();
  /**
   * The most recently used key, already last in the map's order. A busy scheduler asks for the
   * same few keys (one tenant, one credential) over and over; moving a key that is already the
   * newest (a delete and a set) cost more than the lookup itself.
   */
  private newest: string | undefined;
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string, now: number): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.map.delete(key);
      if (this.newest === key) this.newest = undefined;
      return undefined;
    }
    if (key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, hit);
      this.newest = key;
    }
    return hit.value;
  }

  set(key: string, value: V, now: number): void {
    this.map.delete(key);
    if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(key, { value, expiresAt: now + this.ttlMs });
    this.newest = key;
  }

  getOrLoad(key: string, now: number, load: () => V): V {
    const hit = this.get(key, now);
    if (hit !== undefined) return hit;
    const value = load();
    this.set(key, value, now);
    return value;
  }
}
