/**
 * The scheduler's poll slots and its claim-ahead queue. Claimed units start at once while their
 * origin and the total have a free slot; the others wait in a short queue (claim-ahead, up to
 * twice the slots), so claims (and the commits they share with the outcomes) are about three
 * times larger than the slots freed between two steps would make them. Each finished poll
 * starts the oldest queued unit. A unit whose credential is over its rate budget, or that waited
 * too long, or whose origin is full while other origins could use the slots, is handed back to
 * the database a little later: a busy origin never holds the queue, as it never holds the slots.
 */
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { Logger } from '../core/logger.ts';
import type { RateBudgets } from '../core/rateBudget.ts';
import type { HttpClient } from '../net/httpClient.ts';
import type { Release } from '../store/queries/releaseJobs.ts';
import { pollOnce } from '../providers/poll.ts';
import { InFlight, type FreeWait } from './concurrency.ts';
import { pollUnits, type PollUnit } from './pollUnits.ts';
import type { PollDecisions } from './pollDecisions.ts';

/** Delay before a job handed back because its origin is at its cap is due again. */
const ORIGIN_BUSY_DELAY_MS = 1_000;
/** A claimed unit waits at most this long for a poll slot before it is handed back. */
const AHEAD_MAX_WAIT_MS = 1_000;

export interface PollSlotsDeps {
  http: HttpClient;
  clock: Clock;
  random: Random;
  logger: Logger;
  budgets: RateBudgets;
  decisions: PollDecisions;
  maxInFlight: number;
  maxPerOrigin: number;
  pollTimeoutMs: number;
}

export class PollSlots {
  private readonly inFlight: InFlight;
  // Polls in flight (started units), and idle() callers waiting for none.
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly ahead: Array<{ unit: PollUnit; leaseToken: string; since: number }> = [];
  private readonly aheadCap: number;
  // A full claim returns after `refillAfter` polls finished, leaving a quarter of the queue to
  // start while the next claim is made.
  private readonly refillAfter: number;
  private readonly pollClock: { timeoutMs: number; now: () => number };

  constructor(private readonly deps: PollSlotsDeps) {
    this.inFlight = new InFlight(deps.maxInFlight, deps.maxPerOrigin);
    this.aheadCap = 2 * deps.maxInFlight;
    this.refillAfter = Math.max(1, Math.ceil((3 * this.aheadCap) / 4));
    this.pollClock = { timeoutMs: deps.pollTimeoutMs, now: () => deps.clock.now() };
  }

  /** Units the next claim may take: free slots plus free room in the queue. */
  room(): number {
    return this.deps.maxInFlight + this.aheadCap - this.inFlight.size - this.ahead.length;
  }

  /** Resolves once one more poll has finished. */
  whenOneFinished(): FreeWait {
    return this.inFlight.whenMoreReleased(1);
  }

  /** After a full claim: resolves once there is room for `refillAfter` units (at least one poll finished). */
  whenRoomToRefill(): FreeWait {
    return this.inFlight.whenMoreReleased(Math.max(1, this.refillAfter - this.room()));
  }

  /**
   * Starts, queues or hands back (to `releases`) each unit of one claim, in order; started
   * polls go to `started`. Returns how many units were queued.
   */
  dispatch(units: PollUnit[], leaseToken: string, now: number, releases: Release[], started: Promise<void>[]): number {
    const { budgets } = this.deps;
    let queued = 0;
    for (const unit of units) {
      const first = unit.rows[0]!.resolved;
      const budget = budgets.take(first.budgetKey, now);
      if (!budget.ok) {
        // Never past a job's deadline: there it ends (deadline_exceeded) whatever the credential's budget.
        for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: Math.min(now + this.spread(budget.waitMs), row.deadline_at) });
        continue;
      }
      const task = this.ahead.length === 0 ? this.startUnit(unit, leaseToken) : null;
      if (task) started.push(task);
      else if (this.inFlight.isFull(first.origin) && this.inFlight.free > 0) {
        for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: now + this.spread(ORIGIN_BUSY_DELAY_MS) });
      } else if (this.ahead.length < this.aheadCap) {
        this.ahead.push({ unit, leaseToken, since: now });
        queued++;
      } else {
        for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: now + this.spread(ORIGIN_BUSY_DELAY_MS) });
      }
    }
    return queued;
  }

  /** Starts queued units, oldest first, while there are slots. */
  startQueued(): void {
    const { ahead } = this;
    for (let i = 0; i < ahead.length && this.inFlight.free > 0; ) {
      if (this.startUnit(ahead[i]!.unit, ahead[i]!.leaseToken)) ahead.splice(i, 1);
      else i++;
    }
  }

  /**
   * Hands back (to `releases`) queued units that waited too long or whose origin is full while
   * other origins could use the slots; with `all`, every queued unit (shutdown).
   */
  handBackQueued(now: number, releases: Release[], all = false): void {
    const { ahead } = this;
    for (let i = 0; i < ahead.length; ) {
      const { unit, leaseToken, since } = ahead[i]!;
      const originFull = this.inFlight.free > 0 && this.inFlight.isFull(unit.rows[0]!.resolved.origin);
      if (!all && !originFull && now - since < AHEAD_MAX_WAIT_MS) {
        i++;
        continue;
      }
      for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: now + this.spread(ORIGIN_BUSY_DELAY_MS) });
      ahead.splice(i, 1);
    }
  }

  get queued(): number {
    return this.ahead.length;
  }

  /** Resolves once no poll is running, starting queued units while slots free up. */
  async whenNoneRunning(): Promise<void> {
    for (;;) {
      this.startQueued();
      if (this.running === 0) break;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Starts one unit if its origin and the total have a free slot. */
  private startUnit(unit: PollUnit, leaseToken: string): Promise<void> | null {
    const origin = unit.rows[0]!.resolved.origin;
    if (!this.inFlight.tryAcquire(origin)) return null;
    this.running++;
    return this.runUnit(unit, leaseToken, origin, this.deps.clock.now());
  }

  // An async function with try/finally rather than `.catch().finally()` on the poll's promise:
  // no closures and no extra promises per poll.
  private async runUnit(unit: PollUnit, leaseToken: string, origin: string, startedAt: number): Promise<void> {
    const { decisions } = this.deps;
    try {
      if (!unit.walk && !unit.follow && unit.rows.length === 1) {
        // The common case, a single job: polled here, with no sink closure and no batch path.
        const { row, resolved } = unit.rows[0]!;
        const outcome = await pollOnce(this.deps.http, resolved.provider, resolved.target, resolved.baseUrl, { timeoutMs: this.deps.pollTimeoutMs, now: this.deps.clock.now() });
        decisions.polled(row, leaseToken, resolved, outcome, startedAt);
      } else {
        await pollUnits(this.deps.http, unit, this.pollClock, (row, resolved, outcome) => decisions.polled(row, leaseToken, resolved, outcome, startedAt));
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'poll task failed');
    } finally {
      this.inFlight.release(origin);
      this.running--;
      this.startQueued();
      if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  // Jitter on hand-backs so a credential's deferred jobs don't all return at the same instant.
  private spread(ms: number): number {
    return Math.round(ms * (1 + this.deps.random() * 0.5));
  }
}
