import { describe, expect, it } from 'vitest';
import { RateBudgets } from '../../src/core/rateBudget.ts';
import { bucketBounds, bucketOf, conditionalQuantile, modelFromBuckets, modelFromTypical } from '../../src/core/durationModel.ts';

const T0 = 1_000_000;

describe('RateBudgets (AIMD)', () => {
  it('allows a burst, then says how long to wait', () => {
    const b = new RateBudgets({ initialRate: 2, burstSeconds: 1 });
    expect(b.take('k', T0).ok).toBe(true);
    expect(b.take('k', T0).ok).toBe(true);
    const third = b.take('k', T0);
    expect(third).toEqual({ ok: false, waitMs: 500 });
    expect(b.take('k', T0 + 500).ok).toBe(true);
  });
  it('halves the rate on 429, blocks until Retry-After, grows back additively', () => {
    const b = new RateBudgets({ initialRate: 4, increase: 0.5 });
    b.onRateLimited('k', T0, 3_000);
    expect(b.rateOf('k')).toBe(2);
    expect(b.take('k', T0 + 1_000)).toEqual({ ok: false, waitMs: 2_000 });
    b.onSuccess('k', T0 + 3_000);
    expect(b.rateOf('k')).toBe(2.5);
  });
  it('a Retry-After blocks the credential for an hour at most', () => {
    const b = new RateBudgets({ initialRate: 4 });
    b.onRateLimited('k', T0, 99_999_999_000);
    expect(b.take('k', T0)).toEqual({ ok: false, waitMs: 3_600_000 });
  });
  it('keeps credentials apart and memory bounded', () => {
    const b = new RateBudgets({ maxKeys: 3 });
    b.onRateLimited('a', T0);
    for (const k of ['b', 'c', 'd']) b.take(k, T0);
    expect(b.size).toBe(3);
    expect(b.rateOf('a')).toBeNull();
  });
  it('evicts the least recently used credential, also when the same key is asked for in a row', () => {
    const b = new RateBudgets({ maxKeys: 2 });
    b.onRateLimited('a', T0);
    b.onRateLimited('b', T0);
    b.take('b', T0);
    b.take('a', T0);
    b.take('a', T0);
    b.take('c', T0);
    expect(b.rateOf('b')).toBeNull();
    expect(b.rateOf('a')).not.toBeNull();
    b.take('c', T0);
    b.take('d', T0);
    expect(b.rateOf('a')).toBeNull();
    expect(b.size).toBe(2);
  });
});

describe('durationModel', () => {
  it('buckets are log-spaced and contain their value', () => {
    for (const ms of [150, 1_000, 59_000, 3_600_000]) {
      const { lo, hi } = bucketBounds(bucketOf(ms));
      expect(ms).toBeGreaterThanOrEqual(lo);
      expect(ms).toBeLessThan(hi);
    }
  });
  it.each([
    [0, 0.5, 90_000],
    [90_000, 0.5, 105_000],
    [60_000, 0.1, 66_000],
  ])('uniform 60-120 s: from age %i, quantile %f is %i', (age, q, expected) => {
    expect(conditionalQuantile(modelFromTypical({ min: 60_000, max: 120_000 }), age, q)).toBeCloseTo(expected, 0);
  });
  it('has nothing to say past the last completion', () => {
    expect(conditionalQuantile(modelFromTypical({ min: 60_000, max: 120_000 }), 130_000, 0.1)).toBeNull();
  });
  it('learned buckets weigh by count', () => {
    const m = modelFromBuckets([{ bucket: bucketOf(10_000), count: 1 }, { bucket: bucketOf(100_000), count: 99 }]);
    expect(conditionalQuantile(m, 0, 0.5)!).toBeGreaterThan(80_000);
  });
});
