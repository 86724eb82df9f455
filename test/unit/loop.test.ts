import { describe, expect, it } from 'vitest';
import { startLoop } from '../../src/runtime/node/loop.ts';

/** Resolves on the nth call of the step. */
function countingStep(results: Array<{ nextDueAt: number | null; more: boolean }>) {
  let calls = 0;
  const waiters = new Map<number, () => void>();
  return {
    get calls() {
      return calls;
    },
    step: async () => {
      calls++;
      waiters.get(calls)?.();
      return results[Math.min(calls - 1, results.length - 1)]!;
    },
    reached: (n: number) => new Promise<void>((resolve) => (calls >= n ? resolve() : waiters.set(n, resolve))),
  };
}

describe('startLoop', () => {
  it('sleeps while there is no work and runs again at once when woken', async () => {
    const s = countingStep([{ nextDueAt: null, more: false }]);
    const loop = startLoop({ name: 't', step: s.step, now: Date.now, maxSleepMs: 60_000 });
    await s.reached(1);
    loop.wake();
    await s.reached(2);
    expect(s.calls).toBe(2);
    await loop.stop();
    expect(loop.running).toBe(false);
  });

  it('runs back to back while a step reports a full batch', async () => {
    const s = countingStep([
      { nextDueAt: null, more: true },
      { nextDueAt: null, more: true },
      { nextDueAt: null, more: false },
    ]);
    const loop = startLoop({ name: 't', step: s.step, now: Date.now, maxSleepMs: 60_000 });
    await s.reached(3);
    await loop.stop();
    expect(s.calls).toBe(3);
  });

  it('wakes for the next due time, not a fixed tick', async () => {
    const s = countingStep([{ nextDueAt: Date.now() + 20, more: false }, { nextDueAt: null, more: false }]);
    const loop = startLoop({ name: 't', step: s.step, now: Date.now, maxSleepMs: 60_000 });
    await s.reached(2);
    await loop.stop();
    expect(s.calls).toBe(2);
  });

  it('survives a failing step and reports the error', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let second!: () => void;
    const reachedSecond = new Promise<void>((r) => (second = r));
    const loop = startLoop({
      name: 't',
      now: Date.now,
      maxSleepMs: 60_000,
      onError: (e) => errors.push(e),
      step: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        second();
        return { nextDueAt: null, more: false };
      },
    });
    await reachedSecond;
    await loop.stop();
    expect((errors[0] as Error).message).toBe('boom');
  });
});
