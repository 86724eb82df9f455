/**
 * Per-origin bookkeeping for the dispatcher: how many sends are out to each origin, and a short
 * queue of claimed deliveries waiting for a slot there. The queue is bounded so that one slow
 * origin can never fill the dispatcher's capacity: beyond it, deliveries are handed back to the
 * database for later.
 */
export class OriginSlots<T> {
  private readonly sending = new Map<string, number>();
  private readonly waiting = new Map<string, T[]>();

  constructor(
    private readonly maxPerOrigin: number,
    private readonly maxWaitingPerOrigin: number,
  ) {}

  /** 'send' takes a slot now; 'wait' queued it; 'full' means hand it back. */
  offer(origin: string, item: T): 'send' | 'wait' | 'full' {
    const n = this.sending.get(origin) ?? 0;
    if (n < this.maxPerOrigin) {
      this.sending.set(origin, n + 1);
      return 'send';
    }
    const queue = this.waiting.get(origin) ?? [];
    if (queue.length >= this.maxWaitingPerOrigin) return 'full';
    queue.push(item);
    this.waiting.set(origin, queue);
    return 'wait';
  }

  /** A send finished: returns the next waiting item, which inherits the slot, if any. */
  done(origin: string): T | undefined {
    const queue = this.waiting.get(origin);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(origin);
    if (next !== undefined) return next;
    const n = (this.sending.get(origin) ?? 1) - 1;
    if (n <= 0) this.sending.delete(origin);
    else this.sending.set(origin, n);
    return undefined;
  }

  /** Empties one origin's queue (its circuit opened). */
  drainOrigin(origin: string): T[] {
    const queue = this.waiting.get(origin) ?? [];
    this.waiting.delete(origin);
    return queue;
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
