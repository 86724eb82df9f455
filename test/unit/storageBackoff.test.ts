import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/core/backoff.ts';
import { RepeatedLog } from '../../src/core/repeatedLog.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { seededRandom } from '../../src/core/random.ts';
import { nullLogger, type Logger } from '../../src/core/logger.ts';
import { startLoop } from '../../src/runtime/node/loop.ts';

describe('Backoff', () => {
  it('doubles per failure up to its cap, with jitter in the upper half, and starts over after a success', () => {
    const b = new Backoff(seededRandom(3), { initialMs: 100, maxMs: 5_000 });
    const delays = Array.from({ length: 10 }, () => b.next());
    const ceilings = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(d).toBeLessThanOrEqual(ceilings[i]!);
    });
    expect(new Set(delays.slice(6)).size).toBeGreaterThan(1);
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(100);
  });
});

describe('RepeatedLog', () => {
  it('logs the first occurrence, then one line with the count per window, and the rest when it settles', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const logger: Logger = { ...nullLogger, error: (_o, m) => lines.push(m ?? '') };
    const log = new RepeatedLog(logger, clock);
    // 4,400 a second for a minute and a bit, as the delivery engine did on a full disk.
    for (let ms = 0; ms < 61_000; ms += 10) {
      for (let k = 0; k < 44; k++) log.report('error', 'full', {}, 'committing delivery outcomes failed');
      clock.advance(10);
    }
    log.report('error', 'other', {}, 'another failure');
    log.settle();
    expect(lines).toEqual([
      'committing delivery outcomes failed',
      'committing delivery outcomes failed (repeated 264,000 times in the last 60 s)',
      'another failure',
      'committing delivery outcomes failed (repeated 4,399 times in the last 1 s)',
    ]);
  });
});

describe('startLoop under storage failures', () => {
  it('does not spin while storage holds it off, even when the step asks to run again at once', async () => {
    let calls = 0;
    let holdOff = 200;
    const loop = startLoop({
      name: 't',
      step: async () => {
        calls++;
        return { nextDueAt: null, more: true };
      },
      now: Date.now,
      holdOffMs: () => holdOff,
    });
    await new Promise((r) => setTimeout(r, 500));
    const held = calls;
    holdOff = 0;
    // The sleep under way (up to 200 ms) ends first.
    await new Promise((r) => setTimeout(r, 400));
    await loop.stop();
    // At most one run per hold-off (about 3 in 500 ms); without it, thousands.
    expect(held).toBeLessThanOrEqual(4);
    expect(calls - held).toBeGreaterThan(20);
  });

  it('backs off exponentially on a failing step', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const loop = startLoop({
      name: 't',
      step: async () => {
        calls++;
        throw new Error('database or disk is full');
      },
      now: Date.now,
      onError: (e) => errors.push(e),
      random: () => 0.999,
    });
    // Delays ~250, 500, 1000 ms: four calls at most in 1.2 s (a fixed 250 ms would make five or six).
    await new Promise((r) => setTimeout(r, 1_200));
    await loop.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(4);
    expect(errors.length).toBe(calls);
  });
});
