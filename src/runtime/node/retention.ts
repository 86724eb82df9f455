/**
 * The retention loop: prunes expired job history once shortly after start, then every
 * `intervalMs`. Each pass is many small transactions with a macrotask yield between them, so
 * the polling and delivery engines sharing this process and database keep running.
 */
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Database } from '../../store/port.ts';
import { pruneExpiredHistory, type PruneReport } from '../../store/queries/pruneFinished.ts';
import { classifyStorageError } from '../../store/storageErrors.ts';
import { Backoff } from '../../core/backoff.ts';
import { mathRandom } from '../../core/random.ts';

export const DAY_MS = 86_400_000;

export interface RetentionOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** POLLHOOK_RETENTION_DAYS. 0 disables pruning: history is kept forever. */
  retentionDays: number;
  /** Jobs per transaction (default 500). */
  batchSize?: number;
  /** Between passes (default 10 minutes). */
  intervalMs?: number;
  /** Before the first pass (default 30 s, out of the way of startup). */
  initialDelayMs?: number;
  /** Called after every pass (metrics, tests). */
  onPass?: (report: PruneReport) => void;
}

export interface Retention {
  /** Ends the loop; a pass in progress stops after its current transaction. */
  stop(): Promise<void>;
}

export function startRetention(options: RetentionOptions): Retention {
  const { db, clock, logger } = options;
  if (options.retentionDays <= 0) {
    logger.info('retention disabled (POLLHOOK_RETENTION_DAYS=0): job history is kept forever');
    return { stop: async () => {} };
  }
  const batchSize = options.batchSize ?? 500;
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  const windowMs = options.retentionDays * DAY_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  // A pass that failed for a storage reason is tried again sooner than the interval, backing off
  // (30 s doubling up to the interval): pruning is what gives a full database its pages back.
  const retry = new Backoff(mathRandom, { initialMs: 30_000, maxMs: intervalMs });
  let nextDelay = intervalMs;

  const pass = async () => {
    nextDelay = intervalMs;
    const started = clock.now();
    try {
      const report = await pruneExpiredHistory(db, {
        cutoff: started - windowMs,
        batchSize,
        pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
        shouldStop: () => stopped,
      });
      const line = { ...report, durationMs: clock.now() - started, retentionDays: options.retentionDays };
      if (report.jobs > 0) logger.info(line, 'retention: pruned expired job history');
      else logger.debug(line, 'retention: nothing to prune');
      options.onPass?.(report);
      retry.reset();
    } catch (err) {
      // Passes are rare, so each failure is logged; one on storage is retried sooner.
      if (classifyStorageError(err)) {
        nextDelay = Math.min(intervalMs, retry.next());
        logger.error({ err, retryInMs: nextDelay }, 'retention pass failed on storage; retrying after a backoff');
      } else logger.error({ err }, 'retention pass failed; retrying at the next interval');
    }
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = pass().finally(() => {
        running = null;
        schedule(nextDelay);
      });
    }, delayMs);
    // Never the reason the process stays up.
    timer.unref();
  };
  schedule(options.initialDelayMs ?? 30_000);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
