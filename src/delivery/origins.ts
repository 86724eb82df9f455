import { DrainRate, busyPace, elasticWaitingCap, type BusyPace } from './originPace.ts';

export interface OriginSlotLimits {
  /** Sends to one origin at once. */
  maxPerOrigin: number;
  /** Deliveries that may always wait for a slot at a busy origin. */
  maxWaitingPerOrigin: number;
  /** Most that may wait at an origin that drains fast enough (see originPace.ts). */
  maxElasticWaiting: number;
  /** A fast origin may hold what it drains within this long. */
  elasticHorizonMs: number;
  /** Claims walk past the backlog of an origin that needs longer than this to work off what it holds. */
  walkAfterMs: number;
  /**
   * Slots an origin may use beyond maxPerOrigin now: sends that turned failing or slow after
   * they started, beyond their bounded share, do not count against healthy endpoints' room.
   */
  overflow?: (origin: string, now: number) => number;
}

/**
 * Per-origin bookkeeping for the dispatcher: how many sends are out to each origin (a politeness
 * cap on connections to one host, never failure state: that is per endpoint, see endpoints.ts),
 * a short queue of claimed deliveries waiting for a slot there, and how fast each origin drains. The
 * queue is bounded so that one slow origin can never fill the dispatcher's capacity: beyond
 * it, deliveries are handed back to the database for later. A fast origin's bound grows with
 * its drain rate, never past maxElasticWaiting, which leaves the engine room to claim other
 * origins' deliveries.
 */
export class OriginSlots<T> {
  private readonly sending = new Map<string, number>();
  private readonly waiting = new Map<string, T[]>();
  private readonly rates = new Map<string, DrainRate>();

  constructor(private readonly limits: OriginSlotLimits) {}

  /** 'send' takes a slot now; 'wait' queued it; 'full' means hand it back. */
  offer(origin: string, item: T, now: number): 'send' | 'wait' | 'full' {
    const n = this.sending.get(origin) ?? 0;
    if (n < this.limits.maxPerOrigin || n < this.limits.maxPerOrigin + (this.limits.overflow?.(origin, now) ?? 0)) {
      this.sending.set(origin, n + 1);
      // The rate is measured from the moment the origin got busy.
      if (n === 0) this.rateOf(origin, now);
      return 'send';
    }
    const queue = this.waiting.get(origin) ?? [];
    if (queue.length >= this.waitingCap(origin, now)) return 'full';
    queue.push(item);
    this.waiting.set(origin, queue);
    return 'wait';
  }

  /** A send finished: returns the next waiting item, which inherits the slot, if any. */
  done(origin: string, now: number): T | undefined {
    this.rateOf(origin, now).done(now);
    return this.passSlot(origin);
  }

  /**
   * Gives a slot back without a finished send (the item that inherited it was handed back):
   * returns the next waiting item, which inherits it, if any.
   */
  releaseSlot(origin: string): T | undefined {
    return this.passSlot(origin);
  }

  /** A send to this origin may start now (politeness cap not reached). */
  hasRoom(origin: string): boolean {
    return (this.sending.get(origin) ?? 0) < this.limits.maxPerOrigin;
  }

  private passSlot(origin: string): T | undefined {
    const queue = this.waiting.get(origin);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(origin);
    if (next !== undefined) return next;
    const n = (this.sending.get(origin) ?? 1) - 1;
    if (n <= 0) {
      this.sending.delete(origin);
      // An idle origin's rate is stale by the time it is busy again; forgetting it keeps the map small.
      this.rates.delete(origin);
    } else this.sending.set(origin, n);
    return undefined;
  }

  /**
   * Waiting items that may start now because sends at their origin turned failing or slow
   * (see `overflow`); each takes a slot. Looked at from time to time, not on every send: the
   * room it finds is that of sends stuck for a second or more.
   */
  startWaiting(now: number): T[] {
    const started: T[] = [];
    if (!this.limits.overflow) return started;
    for (const [origin, queue] of this.waiting) {
      const n = this.sending.get(origin) ?? 0;
      const room = this.limits.maxPerOrigin + this.limits.overflow(origin, now) - n;
      if (room <= 0) continue;
      const taken = queue.splice(0, room);
      if (queue.length === 0) this.waiting.delete(origin);
      this.sending.set(origin, n + taken.length);
      started.push(...taken);
    }
    return started;
  }

  /** Deliveries that may wait at this origin now. */
  waitingCap(origin: string, now: number): number {
    return elasticWaitingCap({
      base: this.limits.maxWaitingPerOrigin,
      max: this.limits.maxElasticWaiting,
      ratePerSec: this.rates.get(origin)?.perSecond(now) ?? null,
      horizonMs: this.limits.elasticHorizonMs,
    });
  }

  /** For a delivery this origin had no room for: when it is due again, and whether to claim past it. */
  busyPace(origin: string, now: number, bounds: { minMs: number; maxMs: number }): BusyPace {
    const held = (this.sending.get(origin) ?? 0) + (this.waiting.get(origin)?.length ?? 0);
    const ratePerSec = this.rates.get(origin)?.perSecond(now) ?? null;
    return busyPace({ held, ratePerSec, walkAfterMs: this.limits.walkAfterMs, ...bounds });
  }

  /** Waiting items beyond the origins' current caps (an origin that was fast and stalled). */
  takeOverCap(now: number): T[] {
    const taken: T[] = [];
    for (const [origin, queue] of this.waiting) {
      const cap = this.waitingCap(origin, now);
      if (queue.length <= cap) continue;
      taken.push(...queue.splice(cap));
      if (queue.length === 0) this.waiting.delete(origin);
    }
    return taken;
  }

  /** Deliveries waiting for a slot, over all origins. */
  get waitingCount(): number {
    let n = 0;
    for (const queue of this.waiting.values()) n += queue.length;
    return n;
  }

  private rateOf(origin: string, now: number): DrainRate {
    let rate = this.rates.get(origin);
    if (!rate) {
      rate = new DrainRate(now);
      this.rates.set(origin, rate);
    }
    return rate;
  }

  /** Takes the waiting items `match` selects out of every queue. */
  removeWaiting(match: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (const [origin, queue] of this.waiting) {
      const keep = queue.filter((item) => !(match(item) && removed.push(item)));
      if (keep.length) this.waiting.set(origin, keep);
      else this.waiting.delete(origin);
    }
    return removed;
  }

  /** Empties every queue (shutdown). */
  drainWaiting(): T[] {
    const all = [...this.waiting.values()].flat();
    this.waiting.clear();
    return all;
  }
}

const originCache = new Map<string, string>();

/** `https://a.example:8443/x` -> `https://a.example:8443`; cached, URLs repeat a lot. */
export function originOf(url: string): string {
  let origin = originCache.get(url);
  if (origin === undefined) {
    try {
      origin = new URL(url).origin;
    } catch {
      origin = url;
    }
    if (originCache.size > 10_000) originCache.clear();
    originCache.set(url, origin);
  }
  return origin;
}
