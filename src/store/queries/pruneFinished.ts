import type { Database } from '../port.ts';

/**
 * Retention: deletes jobs whose history is past the window, with their events, deliveries and
 * attempts. A job is prunable when it finished (or was deleted) before the cutoff and none of
 * its deliveries is unfinished (pending/failed): what is still being delivered is never lost.
 * Dead deliveries go with their job (they stay listed and replayable until then).
 *
 * Work is done in small transactions so the engines, which share the database (and, in Node,
 * the event loop), are never stalled for long. Every statement here uses an index; a test
 * checks the query plans.
 */

export interface PruneCounts {
  jobs: number;
  events: number;
  deliveries: number;
  attempts: number;
}

export const emptyCounts = (): PruneCounts => ({ jobs: 0, events: 0, deliveries: 0, attempts: 0 });

/** Where the walk over finished jobs stopped: `jobs_finished` order is (finished_at, rowid). */
export interface FinishedCursor {
  finishedAt: number;
  rowid: number;
}

export interface BatchResult<C> {
  counts: PruneCounts;
  /** Resume here; null when the walk reached the end. */
  next: C | null;
}

const NO_UNFINISHED_DELIVERY = `NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.job_id = jobs.id AND d.status IN ('pending','failed'))`;

/**
 * One transaction: up to `limit` jobs that finished before `cutoff`, oldest first, after
 * `after`. Jobs held back by an unfinished delivery are stepped over, so they never stall the walk.
 */
export function pruneFinishedBatch(
  db: Database,
  input: { cutoff: number; limit: number; after: FinishedCursor | null },
): BatchResult<FinishedCursor> {
  return db.transaction(() => {
    const after = input.after ?? { finishedAt: -1, rowid: -1 };
    const rows = db
      .prepare<{ id: string; rowid: number; finished_at: number }>(
        `SELECT id, rowid, finished_at FROM jobs
          WHERE finished_at IS NOT NULL AND finished_at < ? AND finished_at >= ?
            AND (finished_at > ? OR rowid > ?)
            AND ${NO_UNFINISHED_DELIVERY}
          ORDER BY finished_at, rowid LIMIT ?`,
      )
      .all(input.cutoff, after.finishedAt, after.finishedAt, after.rowid, input.limit);
    const counts = deleteJobsWithHistory(
      db,
      rows.map((r) => r.id),
    );
    const last = rows[rows.length - 1];
    const next = rows.length === input.limit && last ? { finishedAt: last.finished_at, rowid: last.rowid } : null;
    return { counts, next };
  });
}

/**
 * Children first, by the job id, so each statement walks an index (deliveries_lane,
 * delivery_attempts_by_delivery, the events (job_id, sequence) key, job_polls_by_job) and the foreign-key
 * cascades find nothing left to do. Call inside a transaction.
 */
export function deleteJobsWithHistory(db: Database, jobIds: readonly string[]): PruneCounts {
  const counts = emptyCounts();
  const attempts = db.prepare('DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE job_id = ?)');
  const deliveries = db.prepare('DELETE FROM deliveries WHERE job_id = ?');
  const events = db.prepare('DELETE FROM events WHERE job_id = ?');
  const polls = db.prepare('DELETE FROM job_polls WHERE job_id = ?');
  const jobs = db.prepare('DELETE FROM jobs WHERE id = ?');
  for (const id of jobIds) {
    counts.attempts += attempts.run(id).changes;
    counts.deliveries += deliveries.run(id).changes;
    counts.events += events.run(id).changes;
    polls.run(id);
    counts.jobs += jobs.run(id).changes;
  }
  return counts;
}

export interface PruneOptions {
  /** Epoch ms: history that ended before this goes. */
  cutoff: number;
  /** Jobs per transaction. */
  batchSize: number;
  /** Awaited between transactions, so other work runs (Node: setImmediate). */
  pause: () => Promise<void>;
  /** Checked between transactions: stop early (shutdown). */
  shouldStop?: () => boolean;
}

export interface PruneReport extends PruneCounts {
  /** Transactions run. */
  batches: number;
}

/** One full retention pass: every prunable job, in batches of at most `batchSize` jobs. */
export async function pruneExpiredHistory(db: Database, options: PruneOptions): Promise<PruneReport> {
  const report: PruneReport = { ...emptyCounts(), batches: 0 };
  const add = (c: PruneCounts) => {
    report.jobs += c.jobs;
    report.events += c.events;
    report.deliveries += c.deliveries;
    report.attempts += c.attempts;
    report.batches++;
  };
  const stop = options.shouldStop ?? (() => false);

  let finished: FinishedCursor | null = null;
  do {
    const r = pruneFinishedBatch(db, { cutoff: options.cutoff, limit: options.batchSize, after: finished });
    add(r.counts);
    finished = r.next;
    await options.pause();
  } while (finished && !stop());

  return report;
}
