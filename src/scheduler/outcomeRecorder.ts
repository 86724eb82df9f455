/**
 * The scheduler's poll outcomes on their way to the database. Each is written only while its
 * lease still holds (recordPollOutcomes checks the token), in one of three ways: with the next
 * claim, in one commit (recordAndClaim); together with the others pending, by a timer
 * (`recordDelayMs` after the first outcome with an event or a finished job, `quietRecordDelayMs`
 * after the first quiet one, whichever is sooner); or at once when many are pending.
 */
import type { Logger } from '../core/logger.ts';
import type { EventType } from '../core/types.ts';
import type { Database } from '../store/port.ts';
import type { JobRow } from '../store/rows.ts';
import { classifyStorageError } from '../store/storageErrors.ts';
import { claimDueJobs, type ClaimInput } from '../store/queries/claimDueJobs.ts';
import { recordPollOutcomes, type JobUpdate, type RecordReport } from '../store/queries/recordPollOutcomes.ts';

/** An outcome waiting to be recorded. */
type Pending = JobUpdate & { provider: string };

/** Outcomes waiting past this many are written at once, without waiting for `recordDelayMs`. */
const MAX_PENDING_OUTCOMES = 256;

export interface OutcomeRecorderDeps {
  db: Database;
  logger: Logger;
  /** See SchedulerOptions. */
  recordDelayMs: number;
  quietRecordDelayMs: number;
  onDeliveriesQueued?: () => void;
  onEvent?: (info: { jobId: string; provider: string; type: EventType }) => void;
}

export class OutcomeRecorder {
  private pending: Pending[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushAt = Infinity;
  private lastDeliveriesQueuedAt = -Infinity;
  // One function for the timer, made once (not a closure per outcome).
  private readonly flushByTimer = (): void => this.flush();

  constructor(private readonly deps: OutcomeRecorderDeps) {}

  /** Queues a decision for `provider`'s job, tagged with the provider in place, not copied. */
  record(update: JobUpdate, provider: string): void {
    const u = update as Pending;
    u.provider = provider;
    this.pending.push(u);
    if (this.pending.length >= MAX_PENDING_OUTCOMES) return this.flush();
    const urgent = u.event != null || u.finishedAt != null;
    const delay = urgent ? this.deps.recordDelayMs : this.deps.quietRecordDelayMs;
    const at = performance.now() + delay;
    if (at >= this.flushAt) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushAt = at;
    this.flushTimer = setTimeout(this.flushByTimer, delay);
  }

  /** Writes every pending outcome now, in one commit. */
  flush(): void {
    this.cancelFlushTimer();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let report;
    try {
      report = recordPollOutcomes(this.deps.db, batch);
    } catch (err) {
      // A storage failure is logged (once, with a count) by the store's health, not per batch.
      const level = classifyStorageError(err) ? 'debug' : 'error';
      this.deps.logger[level]({ err, count: batch.length }, 'recording poll outcomes failed; the leases will expire and the jobs be polled again');
      return;
    }
    this.reportRecorded(batch, report);
  }

  /**
   * Records the pending outcomes and claims the next jobs in one commit: a commit costs about
   * as much as a few rows, and this halves their number when polls flow continuously. Should
   * the shared transaction fail, nothing of it was written: the outcomes are recorded alone
   * (dropped and logged if that fails too) and the claim is made alone.
   */
  recordAndClaim(claim: ClaimInput): JobRow[] {
    const { db } = this.deps;
    this.cancelFlushTimer();
    const batch = this.pending;
    this.pending = [];
    try {
      const [report, rows] = db.transaction(() => [batch.length > 0 ? recordPollOutcomes(db, batch) : null, claimDueJobs(db, claim)] as const);
      if (report) this.reportRecorded(batch, report);
      return rows;
    } catch (err) {
      if (batch.length === 0) throw err;
      this.pending = batch.concat(this.pending);
      this.flush();
      return claimDueJobs(db, claim);
    }
  }

  /** Whether a recorded batch queued deliveries in the last `ms` milliseconds (of this process's monotonic clock). */
  queuedDeliveriesWithin(ms: number): boolean {
    return performance.now() - this.lastDeliveriesQueuedAt <= ms;
  }

  private cancelFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flushAt = Infinity;
  }

  private reportRecorded(batch: Pending[], report: RecordReport): void {
    const { logger } = this.deps;
    if (report.stale > 0) logger.debug({ stale: report.stale }, 'poll outcomes dropped: lease lost (job deleted or reclaimed)');
    if (report.events.length > 0) {
      const providerOf = new Map(batch.map((u) => [u.jobId, u.provider]));
      for (const e of report.events) {
        logger.debug({ jobId: e.jobId, type: e.type }, 'event appended');
        this.deps.onEvent?.({ jobId: e.jobId, provider: providerOf.get(e.jobId) ?? 'unknown', type: e.type });
      }
    }
    if (report.deliveries > 0) {
      this.lastDeliveriesQueuedAt = performance.now();
      this.deps.onDeliveriesQueued?.();
    }
  }
}
