import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/scheduler/concurrency.ts';

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('InFlight', () => {
  it.each([
    { name: 'global cap', max: 2, perOrigin: 5, origins: ['a', 'b', 'c'], acquired: [true, true, false] },
    { name: 'per-origin cap', max: 5, perOrigin: 1, origins: ['a', 'a', 'b'], acquired: [true, false, true] },
    { name: 'both free', max: 3, perOrigin: 3, origins: ['a', 'b', 'a'], acquired: [true, true, true] },
  ])('tryAcquire honours the $name', ({ max, perOrigin, origins, acquired }) => {
    const f = new InFlight(max, perOrigin);
    expect(origins.map((o) => f.tryAcquire(o))).toEqual(acquired);
    expect(f.size).toBe(acquired.filter(Boolean).length);
  });

  it('whenFree resolves once enough slots are free, at once if they already are', async () => {
    const f = new InFlight(2, 2);
    expect(await settled(f.whenFree(1).promise)).toBe(true);
    f.tryAcquire('a');
    f.tryAcquire('a');
    const wait = f.whenFree(2);
    f.release('a');
    expect(await settled(wait.promise)).toBe(false);
    f.release('a');
    expect(await settled(wait.promise)).toBe(true);
  });

  it('whenMoreReleased counts polls finished after the call, not slots free before it', async () => {
    const f = new InFlight(4, 4);
    for (let i = 0; i < 3; i++) f.tryAcquire('a');
    const wait = f.whenMoreReleased(2);
    f.release('a');
    expect(await settled(wait.promise)).toBe(false);
    f.release('a');
    expect(await settled(wait.promise)).toBe(true);
  });

  it('a cancelled wait is dropped and never resolves', async () => {
    const f = new InFlight(1, 1);
    f.tryAcquire('a');
    const wait = f.whenFree(1);
    wait.cancel();
    f.release('a');
    expect(await settled(wait.promise)).toBe(false);
  });
});
