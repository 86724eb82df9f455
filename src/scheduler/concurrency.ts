/**
 * Counts polls in flight, globally and per upstream origin. Nothing queues here: a job that
 * finds its origin full is handed back to the database a little later, so a slow upstream holds
 * at most `maxPerOrigin` of the global slots and never starves the others.
 */
export class InFlight {
  private total = 0;
  private readonly perOrigin = new Map<string, number>();
  private waiters: Array<() => void> = [];

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

  tryAcquire(origin: string): boolean {
    const n = this.perOrigin.get(origin) ?? 0;
    if (n >= this.maxPerOrigin) return false;
    this.perOrigin.set(origin, n + 1);
    this.total++;
    return true;
  }

  release(origin: string): void {
    const n = (this.perOrigin.get(origin) ?? 1) - 1;
    if (n <= 0) this.perOrigin.delete(origin);
    else this.perOrigin.set(origin, n);
    this.total = Math.max(0, this.total - 1);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when any poll finishes. */
  whenReleased(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
