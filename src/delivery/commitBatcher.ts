/**
 * The dispatcher's uncommitted work: finished sends and hand-backs, gathered so that many of
 * them share one transaction (with the claim that refills the queues), and the timing of that
 * commit. Commit cost per delivery falls with the batch size, so outcomes wait a little unless
 * the queues run low while more is due.
 */
import type { DeliveryRelease } from '../store/queries/releaseDeliveries.ts';
import type { SendOutcome } from './commitOutcomes.ts';
import type { ClaimPacer } from './claimPacer.ts';
import type { Flight } from './sendQueue.ts';

/** Longest a finished send waits to be committed while the ready queue is still well stocked. */
const COMMIT_DELAY_MS = 25;
/**
 * The same, while there is a backlog (the last claim was full): the queues are refilled by the
 * urgent flush when they run low anyway, and a larger batch makes each delivery's share of the
 * COMMIT smaller (55 us at 32 outcomes per transaction, 18 us at 512).
 */
const BACKLOG_COMMIT_DELAY_MS = 100;
/** Outcomes that are committed at once, without waiting for the delay. */
const MAX_COMMIT_BATCH = 512;

export type FinishedSend = SendOutcome & { flight: Flight };

export class CommitBatcher {
  /** Finished sends not yet committed. */
  outcomes: FinishedSend[] = [];
  /** Claimed deliveries given back unsent, not yet released. */
  handBacks: DeliveryRelease[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushSoon = false;

  /**
   * `flush` commits everything gathered (and refills the queues); `refillBelow`: with a backlog,
   * queues stocked below this many deliveries are refilled in the next turn.
   */
  constructor(
    private readonly flush: () => void,
    private readonly pacer: ClaimPacer,
    private readonly refillBelow: number,
  ) {}

  /** A commit is already on its way (timer or next turn). */
  get scheduled(): boolean {
    return this.flushTimer !== null || this.flushSoon;
  }

  get isEmpty(): boolean {
    return this.outcomes.length === 0 && this.handBacks.length === 0;
  }

  /**
   * Commit in the next turn when the queues run low while more is due (they are refilled in
   * the same transaction); otherwise let outcomes gather into one transaction for a few
   * milliseconds. Without a backlog there is nothing to refill: new work wakes runOnce, which
   * claims at once, so committing every send on its own would only cost transactions.
   * `stocked`: deliveries queued for the send slots (ready or waiting for an origin).
   */
  schedule(stocked: number, stopping: boolean): void {
    const refill = this.pacer.backlog && stocked < this.refillBelow;
    const urgent = refill || this.outcomes.length >= MAX_COMMIT_BATCH || stopping;
    if (urgent && !this.flushSoon) {
      this.flushSoon = true;
      setImmediate(this.flush);
    } else if (!this.flushTimer && !this.flushSoon) {
      this.flushTimer = setTimeout(this.flush, this.pacer.backlog ? BACKLOG_COMMIT_DELAY_MS : COMMIT_DELAY_MS);
    }
  }

  /** The commit is running now: whatever was scheduled is done by it. */
  cancelScheduled(): void {
    this.flushSoon = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }
}
