/**
 * How much of the engine's room a busy origin may hold, and when deliveries it had no room for
 * are worth claiming again. Both follow the origin's measured drain rate: a fast receiver with a
 * backlog may queue more (it works it off within a few hundred milliseconds, and handing its
 * deliveries back only to claim them again wastes database work and leaves the engine idle);
 * a stalled one keeps the fixed cap and its hand-backs wait the full busy delay.
 */

/** Finished sends are counted over windows this long to measure an origin's rate. */
export const RATE_WINDOW_MS = 100;
/** An origin that finished nothing for this long is treated as stalled: its rate counts as 0. */
export const STALL_AFTER_MS = 500;

/** Deliveries an origin may hold waiting: the fixed cap, or what it drains within `horizonMs`. */
export function elasticWaitingCap(p: { base: number; max: number; ratePerSec: number | null; horizonMs: number }): number {
  if (p.ratePerSec === null) return p.base;
  const drained = Math.floor((p.ratePerSec * p.horizonMs) / 1000);
  return Math.max(p.base, Math.min(p.max, drained));
}

/**
 * What to do with a delivery a busy origin had no room for. `delayMs`: when it is due again, once
 * the origin may have worked off what it holds. `walkOn`: whether to claim past it at once.
 * Yes for an origin that needs more than `walkAfterMs` to work off what it holds (slow, stalled,
 * hanging): its backlog must not stand between other origins and the engine, so the claim walks
 * past it, handing it back. No for one that keeps up, or one not measured yet: walking its
 * backlog would only hand it all back, and it is ready for more within the delay.
 */
export interface BusyPace {
  delayMs: number;
  walkOn: boolean;
}

export function busyPace(p: { held: number; ratePerSec: number | null; walkAfterMs: number; minMs: number; maxMs: number }): BusyPace {
  const clamp = (ms: number) => Math.min(p.maxMs, Math.max(p.minMs, ms));
  if (p.ratePerSec === null) return { delayMs: clamp(STALL_AFTER_MS), walkOn: false };
  if (p.ratePerSec <= 0) return { delayMs: p.maxMs, walkOn: true };
  const drainMs = Math.ceil((p.held * 1000) / p.ratePerSec);
  return { delayMs: clamp(drainMs), walkOn: drainMs > p.walkAfterMs };
}

/** Finished sends per second at one origin, measured over short windows (clock injected). */
export class DrainRate {
  private windowStart: number;
  private count = 0;
  private lastDoneAt: number;
  private rate: number | null = null;

  /** `now`: when the origin got busy. */
  constructor(now: number) {
    this.windowStart = now;
    this.lastDoneAt = now;
  }

  done(now: number): void {
    this.count += 1;
    this.lastDoneAt = now;
    const elapsed = now - this.windowStart;
    if (elapsed < RATE_WINDOW_MS) return;
    const sample = (this.count * 1000) / elapsed;
    // Half the weight on the newest window: follows a change within a few windows, smooths noise.
    this.rate = this.rate === null ? sample : (this.rate + sample) / 2;
    this.count = 0;
    this.windowStart = now;
  }

  /**
   * Per second. 0 for an origin that finished nothing for STALL_AFTER_MS (stalled, hanging);
   * null while it is too early to tell.
   */
  perSecond(now: number): number | null {
    if (now - this.lastDoneAt > STALL_AFTER_MS) return 0;
    return this.rate;
  }
}
