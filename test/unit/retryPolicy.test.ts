import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampRetryAfter, scheduledRetryDelay } from '../../src/core/retryPolicy.ts';

const SCHEDULE = [5_000, 300_000, 1_800_000];
const fixed = (v: number) => () => v;

describe('scheduledRetryDelay', () => {
  it.each([
    { attempts: 1, random: 0.5, expected: 5_000 },
    { attempts: 2, random: 0.5, expected: 300_000 },
    { attempts: 3, random: 0.5, expected: 1_800_000 },
    { attempts: 4, random: 0.5, expected: null },
    { attempts: 0, random: 0.5, expected: null },
    { attempts: 1, random: 0, expected: 4_000 },
    { attempts: 1, random: 0.999999, expected: 6_000 },
    { attempts: 2, random: 0.25, expected: 270_000 },
  ])('after attempt $attempts with random $random -> $expected', ({ attempts, random, expected }) => {
    expect(scheduledRetryDelay(SCHEDULE, attempts, fixed(random))).toBe(expected);
  });

  it('always stays within +-20% of the schedule entry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, r) => {
        const base = SCHEDULE[n - 1]!;
        const d = scheduledRetryDelay(SCHEDULE, n, () => r)!;
        return d >= base * 0.8 - 1 && d <= base * 1.2 + 1;
      }),
    );
  });
});

describe('clampRetryAfter (Svix: at least the schedule, at most twice it)', () => {
  it.each([
    { retryAfter: null, scheduled: 5_000, expected: 5_000 },
    { retryAfter: 7_000, scheduled: 5_000, expected: 7_000 },
    { retryAfter: 1_000, scheduled: 5_000, expected: 5_000 },
    { retryAfter: 0, scheduled: 5_000, expected: 5_000 },
    { retryAfter: 60_000, scheduled: 5_000, expected: 10_000 },
    { retryAfter: 10_000, scheduled: 5_000, expected: 10_000 },
    { retryAfter: Number.NaN, scheduled: 5_000, expected: 5_000 },
  ])('Retry-After $retryAfter with schedule $scheduled -> $expected', ({ retryAfter, scheduled, expected }) => {
    expect(clampRetryAfter(retryAfter, scheduled)).toBe(expected);
  });
});
