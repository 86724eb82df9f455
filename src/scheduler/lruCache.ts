/** A small LRU map with a time-to-live, so per-tenant lookups stay bounded in memory. */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string, now: number): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    if (hit.expiresAt <= now) return undefined;
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V, now: number): void {
    this.map.delete(key);
    if (this.map.size >= this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(key, { value, expiresAt: now + this.ttlMs });
  }

  getOrLoad(key: string, now: number, load: () => V): V {
    const hit = this.get(key, now);
    if (hit !== undefined) return hit;
    const value = load();
    this.set(key, value, now);
    return value;
  }
}
