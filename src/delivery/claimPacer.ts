/**
 * How much the dispatcher's next claim may take. Normally all free room (capacity minus what
 * it holds). When an origin that keeps up had no room for claimed deliveries, the claims hold
 * until it may have worked off what it holds: they only replace what leaves, instead of
 * claiming more of its backlog just to hand it back. After the hold, a claim may take
 * `probeRoom` more: that finds other origins' deliveries behind the busy origin's backlog, or
 * lets its queue grow as its measured rate allows. A claim that hands nothing back ends it.
 */
export class ClaimPacer {
  private holdUntil = 0;
  private holdLevel: number;
  private lastLimit = 0;
  private lastClaimed = 0;
  private backlogSeen = false;

  constructor(
    private readonly capacity: number,
    private readonly probeRoom: number,
  ) {
    this.holdLevel = capacity;
  }

  /** Most deliveries the next claim may take, given how many are held now. */
  limit(now: number, held: number, batchSize: number): number {
    const ceiling = this.holding(now) ? this.holdLevel : Math.min(this.capacity, this.holdLevel + this.probeRoom);
    return Math.min(batchSize, ceiling - held);
  }

  /** An origin that keeps up had no room; `held` is what the engine holds after handing back. */
  hold(until: number, held: number): void {
    this.holdUntil = Math.max(this.holdUntil, until);
    this.holdLevel = held;
  }

  /** After a claim (at `now`, before any hold it caused): what it could take and what it got. */
  claimed(now: number, limit: number, claimed: number, handedBack: boolean): void {
    this.lastLimit = limit;
    this.lastClaimed = claimed;
    // A claim that had no room to take anything says nothing about what is due.
    if (limit > 0) this.backlogSeen = claimed === limit;
    if (!handedBack && claimed > 0 && !this.holding(now)) this.holdLevel = this.capacity;
  }

  /** The last claim took all it could: run it again at once. */
  get full(): boolean {
    return this.lastLimit > 0 && this.lastClaimed === this.lastLimit;
  }

  /** More deliveries may be due than the engine holds: refilling its queues is urgent. */
  get backlog(): boolean {
    return this.backlogSeen;
  }

  /** When the loop should look again while holding (null: not holding). */
  holdEnd(now: number): number | null {
    return this.holding(now) ? this.holdUntil : null;
  }

  private holding(now: number): boolean {
    return now < this.holdUntil;
  }
}
