/**
 * Counts polls in flight, globally and per upstream origin. Nothing queues here: a job that
 * finds its origin full is handed back to the database a little later, so a slow upstream holds
 * at most `maxPerOrigin` of the global slots and never starves the others.
 */
export interface FreeWait {
  promise: Promise<void>;
  /** Drops the wait (the step stopped waiting for another reason), so waits don't pile up. */
  cancel(): void;
}

export class InFlight {
  private total = 0;
  private readonly perOrigin = new Map<string, number>();
  private readonly waiters = new Set<{ done: () => boolean; resolve: () => void }>();
  /** Polls finished since start, so a step can wait for "n more finished". */
  private releasedCount = 0;

  constructor(
    readonly maxTotal: number,
    readonly maxPerOrigin: number,
  ) {}

  get size(): number {
    return this.total;
  }

  get free(): number {
    return Math.max(0, this.maxTotal - this.total);
  }

  /** The origin has `maxPerOrigin` polls in flight. */
  isFull(origin: string): boolean {
    return (this.perOrigin.get(origin) ?? 0) >= this.maxPerOrigin;
  }

  tryAcquire(origin: string): boolean {
    const n = this.perOrigin.get(origin) ?? 0;
    // The claim is sized by `free`, so the global cap only bites if that ever drifts.
    if (n >= this.maxPerOrigin || this.total >= this.maxTotal) return false;
    this.perOrigin.set(origin, n + 1);
    this.total++;
    return true;
  }

  release(origin: string): void {
    const n = (this.perOrigin.get(origin) ?? 1) - 1;
    if (n <= 0) this.perOrigin.delete(origin);
    else this.perOrigin.set(origin, n);
    this.total = Math.max(0, this.total - 1);
    this.releasedCount++;
    for (const w of this.waiters) {
      if (w.done()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  /** Resolves once at least `slots` are free (at once if they already are). */
  whenFree(slots: number): FreeWait {
    return this.when(() => this.free >= slots);
  }

  /** Resolves once `count` more polls have finished than had at the call. */
  whenMoreReleased(count: number): FreeWait {
    const target = this.releasedCount + count;
    return this.when(() => this.releasedCount >= target);
  }

  private when(done: () => boolean): FreeWait {
    if (done()) return { promise: Promise.resolve(), cancel: () => {} };
    let waiter!: { done: () => boolean; resolve: () => void };
    const promise = new Promise<void>((resolve) => {
      waiter = { done, resolve };
      this.waiters.add(waiter);
    });
    return { promise, cancel: () => this.waiters.delete(waiter) };
  }
}

/** Waits for the first of `waits` (null ones ignored) or `ms`, leaving no timer or waiter behind. */
export async function waitAtMost(ms: number, ...waits: Array<FreeWait | Promise<void> | null>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const promises = waits.flatMap((w) => (w == null ? [] : [w instanceof Promise ? w : w.promise]));
  try {
    await Promise.race([timeout, ...promises]);
  } finally {
    clearTimeout(timer);
    for (const w of waits) if (w != null && !(w instanceof Promise)) w.cancel();
  }
}
