import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/scheduler/lruCache.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry, also after repeated reads of the newest', () => {
    const c = new LruCache<number>(2, 1_000);
    c.set('a', 1, 0);
    expect(c.get('a', 1)).toBe(1); // already the newest: stays last
    c.set('b', 2, 2);
    expect(c.get('a', 3)).toBe(1); // b was newer: a moves last
    expect(c.get('a', 4)).toBe(1);
    c.set('c', 3, 5); // evicts b
    expect(c.get('b', 6)).toBeUndefined();
    expect(c.get('a', 6)).toBe(1);
    expect(c.get('c', 6)).toBe(3);
    c.set('d', 4, 7); // evicts a (c was read after it)
    expect(c.get('a', 8)).toBeUndefined();
    expect([c.get('c', 8), c.get('d', 8)]).toEqual([3, 4]);
  });

  it('forgets entries past their ttl, including the newest', () => {
    const c = new LruCache<number>(10, 100);
    c.set('a', 1, 0);
    expect(c.get('a', 99)).toBe(1);
    expect(c.get('a', 100)).toBeUndefined();
    expect(c.getOrLoad('a', 100, () => 2)).toBe(2);
    expect(c.get('a', 150)).toBe(2);
  });
});
