import { describe, expect, it } from 'vitest';
import { ClaimPacer } from '../../src/delivery/claimPacer.ts';

describe('ClaimPacer', () => {
  it('claims all free room, in batches', () => {
    const p = new ClaimPacer(512, 64);
    expect(p.limit(0, 0, 256)).toBe(256);
    expect(p.limit(0, 400, 256)).toBe(112);
    expect(p.limit(0, 512, 256)).toBe(0);
  });

  it('while holding, only replaces what left; then probes a little more; a clean claim ends it', () => {
    const p = new ClaimPacer(512, 64);
    p.claimed(0, 256, 256, true);
    p.hold(100, 288);
    expect(p.limit(50, 288, 256)).toBe(0);
    expect(p.limit(50, 250, 256)).toBe(38);
    // A replacement claim that fits does not end the hold.
    p.claimed(50, 38, 38, false);
    expect(p.limit(60, 288, 256)).toBe(0);
    expect(p.holdEnd(60)).toBe(100);
    // After it: the hold level plus the probe room.
    expect(p.holdEnd(100)).toBeNull();
    expect(p.limit(100, 288, 256)).toBe(64);
    p.claimed(100, 64, 64, false);
    expect(p.limit(100, 352, 256)).toBe(160);
  });

  it('reports a full claim (run again) and a backlog (refill urgently)', () => {
    const p = new ClaimPacer(512, 64);
    p.claimed(0, 256, 256, false);
    expect([p.full, p.backlog]).toEqual([true, true]);
    p.claimed(0, 256, 10, false);
    expect([p.full, p.backlog]).toEqual([false, false]);
    p.claimed(0, 256, 256, false);
    // No room to claim: nothing learned about what is due, and nothing to run again for.
    p.claimed(0, 0, 0, false);
    expect([p.full, p.backlog]).toEqual([false, true]);
  });
});
