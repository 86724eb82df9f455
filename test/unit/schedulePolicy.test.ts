import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.ts';
import { ETA_GRACE_MS, ETA_HORIZON_MS, GROWTH, JITTER, distributionStep, planNextPoll, type PlanInput } from '../../src/core/schedulePolicy.ts';
import { bucketOf, modelFromBuckets, modelFromTypical } from '../../src/core/durationModel.ts';

const T0 = Date.UTC(2026, 10, 22, 17, 0, 0);
const mid = () => 0.5; // jitter factor exactly 1

const input = (over: Partial<PlanInput>): PlanInput => ({
  now: T0,
  createdAt: T0,
  floorMs: 5_000,
  ceilingMs: 60_000,
  currentIntervalMs: null,
  changed: false,
  etaAt: null,
  typicalDuration: null,
  learned: null,
  random: mid,
  ...over,
});

/** A learned model: `n` jobs that took about `ms` each. */
const learnedAround = (ms: number, n = 40) => modelFromBuckets([{ bucket: bucketOf(ms), count: n }]);

describe('planNextPoll: geometric growth', () => {
  const cases: Array<[string, Partial<PlanInput>, number, string]> = [
    ['first plan starts at the floor', { currentIntervalMs: null }, 5_000, 'interval'],
    ['unchanged grows by GROWTH', { currentIntervalMs: 10_000 }, 10_000 * GROWTH, 'interval'],
    ['a change resets to the floor', { currentIntervalMs: 40_000, changed: true }, 5_000, 'interval'],
    ['growth stops at the ceiling', { currentIntervalMs: 50_000 }, 60_000, 'interval'],
    ['an interval below the floor is lifted to it', { currentIntervalMs: 100 }, 5_000, 'interval'],
    ['a ceiling below the floor is the floor', { ceilingMs: 1_000, currentIntervalMs: 5_000 }, 5_000, 'interval'],
  ];
  it.each(cases)('%s', (_name, over, expected, reason) => {
    const plan = planNextPoll(input(over));
    expect(plan.intervalMs).toBe(expected);
    expect(plan.delayMs).toBe(expected);
    expect(plan.reason).toBe(reason);
  });
});

describe('planNextPoll: upstream ETA', () => {
  const cases: Array<[string, Partial<PlanInput>, number, string]> = [
    ['polls just after a future ETA given to the millisecond', { etaAt: T0 + 20_500 }, 20_500 + ETA_GRACE_MS, 'eta'],
    ['an ETA in whole seconds is polled after that second ends', { etaAt: T0 + 20_000 }, 21_000 + ETA_GRACE_MS, 'eta'],
    ['the provider ceiling does not cut an ETA short', { etaAt: T0 + 100_500, ceilingFromJob: false }, 100_500 + ETA_GRACE_MS, 'eta'],
    ['an ETA past the horizon polls at the horizon', { etaAt: T0 + 3_600_500, ceilingFromJob: false }, ETA_HORIZON_MS, 'eta'],
    ['an ETA sooner than the floor waits for the floor', { etaAt: T0 + 1_000 }, 5_000, 'eta'],
    ["the job's own ceiling bounds an ETA", { etaAt: T0 + 600_000 }, 60_000, 'eta'],
    ['a recently passed ETA falls back to the floor', { etaAt: T0 - 2_000, currentIntervalMs: 30_000 }, 5_000, 'eta_passed'],
    ['a long stale ETA is ignored', { etaAt: T0 - 3_600_000, currentIntervalMs: 10_000 }, 15_000, 'interval'],
  ];
  it.each(cases)('%s', (_name, over, expected, reason) => {
    const plan = planNextPoll(input(over));
    expect(plan.delayMs).toBe(expected);
    expect(plan.reason).toBe(reason);
  });
});

describe('planNextPoll: duration distributions', () => {
  const fotolabs = { min: 60_000, max: 120_000 };
  it('jumps to the documented window instead of polling at the floor before it', () => {
    const plan = planNextPoll(input({ typicalDuration: fotolabs, ceilingMs: 120_000 }));
    expect(plan.reason).toBe('distribution');
    expect(plan.delayMs).toBeGreaterThanOrEqual(60_000);
    expect(plan.delayMs).toBeLessThanOrEqual(70_000);
  });
  it('the ceiling still bounds a jump into the window', () => {
    expect(planNextPoll(input({ typicalDuration: fotolabs, ceilingMs: 30_000 })).delayMs).toBe(30_000);
  });
  it('polls densely (near the floor) inside the window', () => {
    const plan = planNextPoll(input({ now: T0 + 100_000, typicalDuration: fotolabs, ceilingMs: 120_000 }));
    expect(plan.delayMs).toBe(5_000);
  });
  it('an overdue job falls back to geometric growth', () => {
    const plan = planNextPoll(input({ now: T0 + 300_000, typicalDuration: fotolabs, currentIntervalMs: 10_000 }));
    expect(plan.reason).toBe('interval');
    expect(plan.delayMs).toBe(15_000);
  });
  it('a learned distribution replaces the documented one once there are enough samples', () => {
    const learned = learnedAround(300_000);
    const plan = planNextPoll(input({ typicalDuration: fotolabs, learned, ceilingMs: 600_000 }));
    expect(plan.delayMs).toBeGreaterThan(250_000);
    expect(plan.delayMs).toBeLessThan(320_000);
  });
  it('too few samples keep the documented distribution', () => {
    const plan = planNextPoll(input({ typicalDuration: fotolabs, learned: learnedAround(300_000, 5), ceilingMs: 600_000 }));
    expect(plan.delayMs).toBeLessThan(70_000);
  });
  it('moving the learned completion window moves the polls with it', () => {
    const early = planNextPoll(input({ learned: learnedAround(20_000), ceilingMs: 600_000 })).delayMs;
    const late = planNextPoll(input({ learned: learnedAround(200_000), ceilingMs: 600_000 })).delayMs;
    expect(early).toBeLessThan(25_000);
    expect(late).toBeGreaterThan(150_000);
  });
  it("before a learned window, the provider's default ceiling does not cut the jump short", () => {
    const learned = learnedAround(100_000);
    const lo = 100 * 2 ** (bucketOf(100_000) / 4);
    const jump = planNextPoll(input({ learned, ceilingMs: 30_000, ceilingFromJob: false }));
    expect(jump.reason).toBe('distribution');
    expect(jump.delayMs).toBeGreaterThan(lo * 0.9);
    expect(jump.delayMs).toBeLessThan(100_000 * 1.25);
  });
  it("a job's own ceiling, a documented window, or a job inside the learned window keep the ceiling", () => {
    const learned = learnedAround(100_000);
    expect(planNextPoll(input({ learned, ceilingMs: 30_000, ceilingFromJob: true })).delayMs).toBe(30_000);
    expect(planNextPoll(input({ typicalDuration: fotolabs, ceilingMs: 30_000, ceilingFromJob: false })).delayMs).toBe(30_000);
    expect(planNextPoll(input({ learned: learnedAround(100_000, 5), typicalDuration: fotolabs, ceilingMs: 30_000, ceilingFromJob: false })).delayMs).toBe(30_000);
    const wide = modelFromBuckets([{ bucket: bucketOf(20_000), count: 20 }, { bucket: bucketOf(400_000), count: 20 }]);
    const inside = planNextPoll(input({ now: T0 + 40_000, learned: wide, ceilingMs: 30_000, ceilingFromJob: false }));
    expect(inside.delayMs).toBeLessThanOrEqual(30_000 * (1 + JITTER));
  });
  it('the horizon bounds a jump to a far learned window', () => {
    const plan = planNextPoll(input({ learned: learnedAround(3_600_000), ceilingMs: 30_000, ceilingFromJob: false }));
    expect(plan.delayMs).toBeLessThanOrEqual(ETA_HORIZON_MS * (1 + JITTER));
    expect(plan.delayMs).toBeGreaterThan(ETA_HORIZON_MS * (1 - JITTER));
  });
});

describe('distributionStep: spacing by 1/sqrt(hazard)', () => {
  const window = modelFromTypical({ min: 60_000, max: 120_000 });
  const cases: Array<[string, number, number, number, [number, number]]> = [
    ['before the window: a jump to just inside it', 0, 10_000, 120_000, [60_000, 62_000]],
    ['the ceiling bounds the jump', 0, 10_000, 30_000, [30_000, 30_000]],
    ['early in the window: longer than the floor', 60_000, 1_000, 120_000, [2_000, 3_000]],
    ['late in the window: the floor', 115_000, 1_000, 120_000, [1_000, 1_000]],
  ];
  it.each(cases)('%s', (_name, age, floor, ceiling, [lo, hi]) => {
    const step = distributionStep(window, age, floor, ceiling)!;
    expect(step).toBeGreaterThanOrEqual(lo);
    expect(step).toBeLessThanOrEqual(hi);
  });
  it('steps shrink as the remaining window does', () => {
    const steps = [60_000, 80_000, 100_000, 110_000].map((age) => distributionStep(window, age, 500, 120_000)!);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThan(steps[i - 1]!);
  });
  it('an overdue job gets no step', () => {
    expect(distributionStep(window, 130_000, 1_000, 60_000)).toBeNull();
  });
});

describe('planNextPoll: pending jobs', () => {
  const window = { min: 60_000, max: 120_000 };
  it('a pending job does not jump to the end window: its start is a change too', () => {
    const plan = planNextPoll(input({ typicalDuration: window, ceilingMs: 120_000, state: 'pending', currentIntervalMs: 5_000 }));
    expect(plan.reason).toBe('distribution');
    expect(plan.delayMs).toBe(5_000 * GROWTH);
  });
  it('a running job does', () => {
    const plan = planNextPoll(input({ typicalDuration: window, ceilingMs: 120_000, state: 'running', currentIntervalMs: 5_000 }));
    expect(plan.delayMs).toBeGreaterThanOrEqual(60_000);
  });
});

describe('planNextPoll: jitter and deadline', () => {
  it('stays within +-JITTER and never below the floor', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 500; i++) {
      const plan = planNextPoll(input({ currentIntervalMs: 20_000, random }));
      expect(plan.delayMs).toBeGreaterThanOrEqual(Math.floor(30_000 * (1 - JITTER)));
      expect(plan.delayMs).toBeLessThanOrEqual(Math.ceil(30_000 * (1 + JITTER)));
      const atFloor = planNextPoll(input({ changed: true, random }));
      expect(atFloor.delayMs).toBeGreaterThanOrEqual(5_000);
    }
  });
  it('spreads jobs registered together', () => {
    const random = seededRandom(1);
    const delays = new Set(Array.from({ length: 50 }, () => planNextPoll(input({ currentIntervalMs: 20_000, random })).delayMs));
    expect(delays.size).toBeGreaterThan(40);
  });
  it('never schedules past the deadline', () => {
    expect(planNextPoll(input({ currentIntervalMs: 40_000, deadlineAt: T0 + 7_000 })).delayMs).toBe(7_000);
  });
});
