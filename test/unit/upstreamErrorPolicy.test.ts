import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.ts';
import {
  MAX_BACKOFF_MS,
  NO_FAILURES,
  backoffDelay,
  planAfterFailure,
  type FailureCounters,
  type FailureInput,
} from '../../src/core/upstreamErrorPolicy.ts';
import type { PollFailureKind } from '../../src/core/types.ts';

const T0 = Date.UTC(2026, 10, 22, 17, 0, 0);
const input = (kind: PollFailureKind, over: Partial<FailureInput> = {}): FailureInput => ({
  failure: { kind, message: kind },
  now: T0,
  floorMs: 2_000,
  ceilingMs: 60_000,
  counters: NO_FAILURES,
  random: () => 0.5,
  ...over,
});

describe('backoff', () => {
  it.each([
    [1, 2_000, 4_000],
    [3, 2_000, 16_000],
    [10, 2_000, 60_000],
  ])('attempt %i stays in [floor, min(cap, floor*2^n)]', (attempt, lo, hi) => {
    const random = seededRandom(attempt);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(attempt, 2_000, 60_000, random);
      expect(d).toBeGreaterThanOrEqual(lo);
      expect(d).toBeLessThanOrEqual(hi);
    }
  });
  it('is capped at 5 minutes even with a larger ceiling', () => {
    expect(backoffDelay(30, 2_000, 3_600_000, () => 0.999999)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
  });
  it.each(['transient', 'malformed'] as const)('%s retries with backoff and counts', (kind) => {
    const plan = planAfterFailure(input(kind, { counters: { ...NO_FAILURES, consecutiveFailures: 2 } }));
    expect(plan.kind).toBe('retry');
    expect(plan.counters.consecutiveFailures).toBe(3);
    if (plan.kind === 'retry') expect(plan.delayMs).toBe(2_000 + 0.5 * (16_000 - 2_000));
  });
});

describe('rate limited', () => {
  it('honours Retry-After', () => {
    const plan = planAfterFailure(input('rate_limited', { failure: { kind: 'rate_limited', message: '', retryAfterMs: 30_000 } }));
    expect(plan.kind === 'retry' && plan.delayMs >= 30_000 && plan.delayMs <= 33_000).toBe(true);
  });
  it('holds a job back at most an hour, whatever the Retry-After', () => {
    const plan = planAfterFailure(input('rate_limited', { failure: { kind: 'rate_limited', message: '', retryAfterMs: 99_999_999_000 } }));
    expect(plan.kind === 'retry' && plan.delayMs >= 3_600_000 && plan.delayMs <= 3_960_000).toBe(true);
  });
  it('never polls before the floor even with a short Retry-After', () => {
    const plan = planAfterFailure(input('rate_limited', { failure: { kind: 'rate_limited', message: '', retryAfterMs: 100 } }));
    expect(plan.kind === 'retry' && plan.delayMs).toBe(2_000);
  });
  it('backs off without Retry-After', () => {
    const plan = planAfterFailure(input('rate_limited'));
    expect(plan.kind === 'retry' && plan.delayMs).toBe(3_000);
  });
});

describe('not_found: 3 answers spanning 30 s', () => {
  it('ends only at the third answer and only once 30 s have passed, without hammering', () => {
    let counters: FailureCounters = NO_FAILURES;
    let now = T0;
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const plan = planAfterFailure(input('not_found', { now, counters, floorMs: 1_000 }));
      counters = plan.counters;
      if (plan.kind === 'end') {
        expect(plan.error.code).toBe('upstream_not_found');
        expect(counters.notFoundCount).toBeGreaterThanOrEqual(3);
        expect(now - T0).toBeGreaterThanOrEqual(30_000);
        expect(now - T0).toBeLessThanOrEqual(31_000);
        expect(delays.every((d) => d >= 10_000)).toBe(true);
        return;
      }
      delays.push(plan.delayMs);
      now += plan.delayMs;
    }
    throw new Error('never ended');
  });
  it('three quick answers are not enough before 30 s', () => {
    const counters = { ...NO_FAILURES, notFoundCount: 2, notFoundSince: T0 };
    const plan = planAfterFailure(input('not_found', { now: T0 + 5_000, counters }));
    expect(plan.kind).toBe('retry');
    if (plan.kind === 'retry') expect(plan.delayMs).toBe(25_000);
  });
  it('an unauthorized answer resets the not_found run', () => {
    const plan = planAfterFailure(input('unauthorized', { counters: { ...NO_FAILURES, notFoundCount: 2, notFoundSince: T0 } }));
    expect(plan.counters.notFoundCount).toBe(0);
  });
  it('a transient error neither resets nor advances it', () => {
    const counters = { ...NO_FAILURES, notFoundCount: 2, notFoundSince: T0 };
    expect(planAfterFailure(input('transient', { counters })).counters.notFoundCount).toBe(2);
  });
});

describe('unauthorized and payment_required: 2 answers', () => {
  it.each(['unauthorized', 'payment_required'] as const)('%s ends at the second answer', (kind) => {
    const first = planAfterFailure(input(kind));
    expect(first.kind).toBe('retry');
    if (first.kind === 'retry') expect(first.delayMs).toBe(5_000);
    const second = planAfterFailure(input(kind, { counters: first.counters }));
    expect(second.kind).toBe('end');
    if (second.kind === 'end') expect(second.error.code).toBe('upstream_unauthorized');
  });
});

describe('every failed poll counts in consecutiveFailures', () => {
  it.each(['not_found', 'unauthorized', 'payment_required'] as const)('%s advances it', (kind) => {
    const plan = planAfterFailure(input(kind, { counters: { ...NO_FAILURES, consecutiveFailures: 1 } }));
    expect(plan.counters.consecutiveFailures).toBe(2);
  });
});

describe('the message a job ends with names the HTTP status once', () => {
  const ending = (message: string, status?: number) => {
    const failure = { kind: 'unauthorized' as const, message, ...(status != null ? { status } : {}) };
    const plan = planAfterFailure(input('unauthorized', { failure, counters: { ...NO_FAILURES, unauthorizedCount: 1 } }));
    return plan.kind === 'end' ? plan.error.message : null;
  };
  it('a message naming it is kept as it is', () => {
    expect(ending('credentials rejected (HTTP 401): Invalid or missing API key', 401)).toBe(
      'credentials rejected (HTTP 401): Invalid or missing API key',
    );
  });
  it('a message without it gets it appended', () => {
    expect(ending('token expired', 403)).toBe('token expired (HTTP 403)');
    expect(ending('', 401)).toBe('the upstream rejected the credentials (HTTP 401)');
    expect(ending('token expired')).toBe('token expired');
  });
});
