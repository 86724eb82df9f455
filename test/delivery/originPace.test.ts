import { describe, expect, it } from 'vitest';
import { DrainRate, RATE_WINDOW_MS, STALL_AFTER_MS, busyPace, elasticWaitingCap } from '../../src/delivery/originPace.ts';
import { OriginSlots } from '../../src/delivery/origins.ts';

describe('elasticWaitingCap', () => {
  it.each([
    { name: 'unmeasured origin keeps the fixed cap', ratePerSec: null, expected: 256 },
    { name: 'stalled origin keeps the fixed cap', ratePerSec: 0, expected: 256 },
    { name: 'slow origin keeps the fixed cap', ratePerSec: 100, expected: 256 },
    { name: 'fast origin may hold what it drains within the horizon', ratePerSec: 1_500, expected: 300 },
    { name: 'never past the maximum', ratePerSec: 10_000, expected: 416 },
  ])('$name', ({ ratePerSec, expected }) => {
    expect(elasticWaitingCap({ base: 256, max: 416, ratePerSec, horizonMs: 200 })).toBe(expected);
  });
});

describe('busyPace', () => {
  it.each([
    { name: 'not measured yet: wait until it can be told, do not walk', held: 288, ratePerSec: null, expected: { delayMs: STALL_AFTER_MS, walkOn: false } },
    { name: 'stalled: the full delay, walk past it', held: 288, ratePerSec: 0, expected: { delayMs: 1_000, walkOn: true } },
    { name: 'keeps up: the time to work off what it holds', held: 288, ratePerSec: 2_880, expected: { delayMs: 100, walkOn: false } },
    { name: 'never shorter than the minimum', held: 10, ratePerSec: 5_000, expected: { delayMs: 20, walkOn: false } },
    { name: 'slow: walk past it, due after the longest delay', held: 288, ratePerSec: 50, expected: { delayMs: 1_000, walkOn: true } },
    { name: 'just under the walk threshold', held: 288, ratePerSec: 576, expected: { delayMs: 500, walkOn: false } },
  ])('$name', ({ held, ratePerSec, expected }) => {
    expect(busyPace({ held, ratePerSec, walkAfterMs: 500, minMs: 20, maxMs: 1_000 })).toEqual(expected);
  });
});

describe('DrainRate', () => {
  it('measures finished sends per second over a window', () => {
    const r = new DrainRate(0);
    for (let t = 1; t <= RATE_WINDOW_MS; t++) r.done(t);
    expect(r.perSecond(RATE_WINDOW_MS)).toBe(1_000);
  });

  it('counts as 0 once the origin has gone quiet', () => {
    const r = new DrainRate(0);
    for (let t = 1; t <= RATE_WINDOW_MS; t++) r.done(t);
    expect(r.perSecond(RATE_WINDOW_MS + STALL_AFTER_MS)).toBe(1_000);
    expect(r.perSecond(RATE_WINDOW_MS + STALL_AFTER_MS + 1)).toBe(0);
  });

  it('follows a change of pace, smoothing half of it per window', () => {
    const r = new DrainRate(0);
    for (let t = 1; t <= 100; t++) r.done(t); // 1,000/s
    for (let t = 110; t <= 200; t += 10) r.done(t); // 10 in the next 100 ms: 100/s
    expect(r.perSecond(200)).toBe(550);
  });
});

describe('OriginSlots', () => {
  const limits = { maxPerOrigin: 2, maxWaitingPerOrigin: 3, maxElasticWaiting: 10, elasticHorizonMs: 200, walkAfterMs: 500 };
  const A = 'http://a.test';
  const B = 'http://b.test';

  /** Offers items at `now` until the origin says full; returns how many it took. */
  const fill = (slots: OriginSlots<number>, origin: string, now: number): number => {
    let n = 0;
    while (slots.offer(origin, n, now) !== 'full') n++;
    return n;
  };

  it('an unmeasured origin takes its sends and the fixed waiting cap', () => {
    const slots = new OriginSlots<number>(limits);
    expect(fill(slots, A, 0)).toBe(2 + 3);
    // Origins are independent.
    expect(fill(slots, B, 0)).toBe(2 + 3);
    expect(slots.waitingCount).toBe(6);
  });

  it('a fast origin may queue more; once it stalls, the excess is taken back', () => {
    const slots = new OriginSlots<number>(limits);
    fill(slots, A, 0);
    // Drains 50/s over one window: 10 waiting within 200 ms.
    for (let t = 20; t <= 100; t += 20) {
      slots.done(A, t);
      slots.offer(A, t, t);
    }
    expect(slots.waitingCap(A, 100)).toBe(10);
    expect(fill(slots, A, 100)).toBe(7);
    expect(slots.waitingCount).toBe(10);
    expect(slots.takeOverCap(100 + STALL_AFTER_MS)).toHaveLength(0);
    expect(slots.takeOverCap(101 + STALL_AFTER_MS)).toHaveLength(7);
    expect(slots.waitingCount).toBe(3);
  });

  it('paces hand-backs by the time the origin needs to work off what it holds', () => {
    const slots = new OriginSlots<number>(limits);
    fill(slots, A, 0);
    expect(slots.busyPace(A, 0, { minMs: 1, maxMs: 1_000 })).toEqual({ delayMs: STALL_AFTER_MS, walkOn: false });
    for (let t = 20; t <= 100; t += 20) {
      slots.done(A, t);
      slots.offer(A, t, t);
    }
    // 5 held at 50/s.
    expect(slots.busyPace(A, 100, { minMs: 1, maxMs: 1_000 })).toEqual({ delayMs: 100, walkOn: false });
    // Nothing finished since: stalled.
    expect(slots.busyPace(A, 101 + STALL_AFTER_MS, { minMs: 1, maxMs: 1_000 })).toEqual({ delayMs: 1_000, walkOn: true });
  });

  it('a released slot passes to the next waiting item or frees the origin', () => {
    const slots = new OriginSlots<number>(limits);
    expect(slots.offer(A, 1, 0)).toBe('send');
    expect(slots.offer(A, 2, 0)).toBe('send');
    expect(slots.offer(A, 3, 0)).toBe('wait');
    expect(slots.done(A, 1)).toBe(3);
    expect(slots.done(A, 2)).toBeUndefined();
    slots.releaseSlot(A);
    expect(slots.offer(A, 4, 3)).toBe('send');
    expect(slots.offer(A, 5, 3)).toBe('send');
  });
});
