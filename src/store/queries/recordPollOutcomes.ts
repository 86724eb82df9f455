import type { Database, SqlValue } from '../port.ts';
import type { EventType } from '../../core/types.ts';
import { enqueueDeliveries } from './enqueueDeliveries.ts';
import { recordDuration } from './durationStats.ts';
import { takeBackLease } from './jobLeases.ts';

/** The job row after one poll (or a pollhook decision), as the scheduler computed it. */
export interface JobUpdate {
  jobId: string;
  tenantId: string;
  leaseToken: string;
  /** last_sequence as claimed: the write is refused if anything appended meanwhile. */
  claimedSequence: number;
  state: string | null;
  upstreamStatus: string | null;
  progress: number | null;
  /** JSON text. */
  result: string | null;
  /** JSON text. */
  error: string | null;
  etaAt: number | null;
  nextPollAt: number | null;
  currentIntervalMs: number | null;
  polled: boolean;
  failed: boolean;
  consecutiveFailures: number;
  notFoundCount: number;
  notFoundSince: number | null;
  unauthorizedCount: number;
  /** JSON text of the last PollFailure (kept when this poll succeeded). */
  lastFailure: string | null;
  etag: string | null;
  lastModified: string | null;
  lastPolledAt: number | null;
  lastChangedAt: number | null;
  finishedAt: number | null;
  now: number;
  event: null | {
    id: string;
    type: EventType;
    /** claimedSequence + 1. */
    sequence: number;
    body: string;
    callbackUrl: string | null;
    callbackEvents: string | null;
  };
  /** A finished job's time-to-terminal, for the learned distribution. */
  durationSample: null | { provider: string; durationMs: number };
  /**
   * Set by the decider when the poll got an answer and nothing but the schedule moved (the
   * common case: the upstream says what it said last time). Every other field then equals the
   * claimed row, the failure counters are reset and no event is written, so the narrower
   * statement below writes the same row.
   */
  scheduleOnly?: boolean;
  /** Why nextPollAt is what it is (the schedule or failure policy's reason), for the poll's record. */
  nextPollReason?: string | null;
  /**
   * Set for an update that follows a poll, written when the lease held: its own job_polls row,
   * or, for an unchanged poll, a place in the job's open run of unchanged polls (migration 0009).
   */
  poll?: PollRecord | null;
}

/** What one poll saw, for the job's timeline (job_polls, migrations 0007 and 0009). */
export interface PollRecord {
  polledAt: number;
  /** 'changed', 'unchanged' or the failure kind. */
  outcome: string;
  upstreamStatus: string | null;
  httpStatus: number | null;
  latencyMs: number | null;
  nextPollAt: number | null;
  /** Why the next poll is when it is: the schedule or failure policy's reason. */
  reason: string | null;
  error: string | null;
}

export interface RecordReport {
  applied: number;
  /** Updates refused because the lease was lost (deleted, or reclaimed after expiry). */
  stale: number;
  /** The events appended (updates whose lease held), for metrics. */
  events: Array<{ jobId: string; type: EventType }>;
  deliveries: number;
}

/**
 * Applies many poll outcomes in one transaction. Each job's write only succeeds while this
 * worker's lease token still matches and nothing was appended since the claim; the event, its
 * deliveries and the duration sample are written only when it did, in the same transaction.
 */
export function recordPollOutcomes(db: Database, updates: readonly JobUpdate[]): RecordReport {
  const report: RecordReport = { applied: 0, stale: 0, events: [], deliveries: 0 };
  if (updates.length === 0) return report;
  const updateSchedule = db.prepare(UPDATE_SCHEDULE_SQL);
  const updateScheduleRun = db.prepare(UPDATE_SCHEDULE_RUN_SQL);
  const insertEvent = db.prepare(
    'INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const polls: JobUpdate[] = [];
  db.transaction(() => {
    // Feed cursors for this batch, reserved in one write (migration 0006); a stale update skips its number.
    let nextSeq = reserveFeedSeqs(db, updates);
    for (const u of updates) {
      // The lease is taken back first (migration 0010): a lease lost (job deleted, or
      // reclaimed after expiry) refuses the outcome; a sequence moved since the claim too.
      if (!takeBackLease(db, u.jobId, u.leaseToken)) {
        report.stale++;
        continue;
      }
      const poll = u.poll;
      if (u.scheduleOnly) {
        // An unchanged poll: it joins the job's open run (migration 0009), in the same row.
        const applied = poll
          ? updateScheduleRun.run(
              u.nextPollAt, u.currentIntervalMs, u.lastPolledAt, u.now,
              poll.polledAt, poll.polledAt, poll.httpStatus, poll.latencyMs, poll.nextPollAt, poll.reason,
              u.jobId, u.claimedSequence,
            ).changes
          : updateSchedule.run(u.nextPollAt, u.currentIntervalMs, u.lastPolledAt, u.now, u.jobId, u.claimedSequence).changes;
        if (applied === 0) report.stale++;
        else report.applied++;
        continue;
      }
      const kept = poll != null && poll.outcome !== 'unchanged';
      // A poll kept as its own row ends the open run of unchanged polls before it: the run
      // becomes a row first (numbered before the poll's), from the job row as claimed.
      if (kept) db.prepare(CLOSE_RUN_SQL).run(u.jobId, u.claimedSequence);
      const params: SqlValue[] = [
        u.state,
        u.upstreamStatus,
        u.progress,
        u.result,
        u.error,
        u.etaAt,
        u.event ? u.event.sequence : u.claimedSequence,
        u.nextPollAt,
        u.currentIntervalMs,
        u.polled ? 1 : 0,
        u.failed ? 1 : 0,
        u.consecutiveFailures,
        u.notFoundCount,
        u.notFoundSince,
        u.unauthorizedCount,
        u.lastFailure,
        u.etag,
        u.lastModified,
        u.lastPolledAt,
        u.lastChangedAt,
        u.finishedAt,
        u.now,
      ];
      let sql = UPDATE_SQL;
      if (kept) sql = UPDATE_CLOSING_RUN_SQL;
      else if (poll) {
        sql = UPDATE_EXTENDING_RUN_SQL;
        params.push(poll.polledAt, poll.polledAt, poll.httpStatus, poll.latencyMs, poll.nextPollAt, poll.reason);
      }
      params.push(u.jobId, u.claimedSequence);
      const changes = db.prepare(sql).run(...params).changes;
      if (changes === 0) {
        report.stale++;
        continue;
      }
      report.applied++;
      if (kept) polls.push(u);
      if (u.event) {
        insertEvent.run(u.event.id, u.jobId, u.tenantId, u.event.sequence, u.event.type, u.event.body, u.now, nextSeq++);
        report.events.push({ jobId: u.jobId, type: u.event.type });
        report.deliveries += enqueueDeliveries(
          db,
          {
            tenantId: u.tenantId,
            jobId: u.jobId,
            eventId: u.event.id,
            sequence: u.event.sequence,
            type: u.event.type,
            callbackUrl: u.event.callbackUrl,
            callbackEvents: u.event.callbackEvents,
            body: u.event.body,
          },
          u.now,
        );
      }
      if (u.durationSample) recordDuration(db, u.tenantId, u.durationSample.provider, u.durationSample.durationMs);
    }
    insertPolls(db, polls);
  });
  return report;
}

const UPDATE_SET = `UPDATE jobs SET state = ?, upstream_status = ?, progress = ?, result = ?, error = ?, eta_at = ?,
    last_sequence = ?, next_poll_at = ?,
    current_interval_ms = ?, poll_count = poll_count + ?, failure_count = failure_count + ?,
    consecutive_failures = ?, not_found_count = ?, not_found_since = ?, unauthorized_count = ?,
    last_failure = ?, etag = ?, last_modified = ?, last_polled_at = ?, last_changed_at = ?,
    finished_at = ?, updated_at = ?`;
/** The lease was taken back just before (takeBackLease); nothing may have been appended since the claim. */
const GUARD = ' WHERE id = ? AND last_sequence = ?';
/** The job's open run of unchanged polls takes one more (6 values: time twice, then the poll's status, latency, next poll, reason). */
const EXTEND_RUN = `, unchanged_polls = unchanged_polls + 1, unchanged_since = COALESCE(unchanged_since, ?),
    unchanged_last_at = ?, unchanged_http_status = ?, unchanged_latency_ms = ?, unchanged_next_poll_at = ?, unchanged_reason = ?`;
const EMPTY_RUN = `, unchanged_polls = 0, unchanged_since = NULL, unchanged_last_at = NULL, unchanged_http_status = NULL,
    unchanged_latency_ms = NULL, unchanged_next_poll_at = NULL, unchanged_reason = NULL`;
/** Not a poll (a passed deadline, a target that cannot be resolved): the run is left as it is. */
const UPDATE_SQL = UPDATE_SET + GUARD;
const UPDATE_EXTENDING_RUN_SQL = UPDATE_SET + EXTEND_RUN + GUARD;
const UPDATE_CLOSING_RUN_SQL = UPDATE_SET + EMPTY_RUN + GUARD;
// The common case binds 13 values instead of 31, and leaves finished_at out of the SET list, so
// SQLite does not re-write the entries of the partial indexes that depend on it (jobs_finished,
// jobs_active_by_provider). Same sequence guard.
const SCHEDULE_SET = `UPDATE jobs SET next_poll_at = ?, current_interval_ms = ?,
    poll_count = poll_count + 1, consecutive_failures = 0, not_found_count = 0, not_found_since = NULL,
    unauthorized_count = 0, last_polled_at = ?, updated_at = ?`;
const UPDATE_SCHEDULE_SQL = SCHEDULE_SET + GUARD;
const UPDATE_SCHEDULE_RUN_SQL = SCHEDULE_SET + EXTEND_RUN + GUARD;
/** The job's open run as a job_polls row, if it has one (the lease was taken back just before). */
const CLOSE_RUN_SQL = `INSERT INTO job_polls (job_id, tenant_id, polled_at, outcome, upstream_status, http_status, latency_ms,
    next_poll_at, reason, error, polls, last_polled_at)
  SELECT id, tenant_id, unchanged_since, 'unchanged', upstream_status, unchanged_http_status, unchanged_latency_ms,
    unchanged_next_poll_at, unchanged_reason, NULL, unchanged_polls, unchanged_last_at
  FROM jobs` + GUARD + ' AND unchanged_polls > 0';

/** The first of as many new feed seqs as the batch may append (0 when it appends none). */
function reserveFeedSeqs(db: Database, updates: readonly JobUpdate[]): number {
  let count = 0;
  for (const u of updates) if (u.event && !u.scheduleOnly) count++;
  if (count === 0) return 0;
  const row = db
    .prepare<{ last: number }>('UPDATE event_feed_counter SET last = last + ? WHERE id = 1 RETURNING last')
    .get(count);
  return row!.last - count + 1;
}

const POLL_COLUMNS = 10;
/** Rows per INSERT: 10 columns each, within the 100 bound parameters Durable Object SQLite allows. */
const POLLS_PER_INSERT = 10;
const insertPollsSql = (rows: number): string =>
  `INSERT INTO job_polls (job_id, tenant_id, polled_at, outcome, upstream_status, http_status, latency_ms, next_poll_at, reason, error)
    VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
const FULL_INSERT = insertPollsSql(POLLS_PER_INSERT);

/** The batch's poll rows, as multi-row INSERTs (prepared statements are cached by their text). */
function insertPolls(db: Database, updates: readonly JobUpdate[]): void {
  for (let start = 0; start < updates.length; start += POLLS_PER_INSERT) {
    const chunk = updates.slice(start, start + POLLS_PER_INSERT);
    const params: SqlValue[] = new Array(chunk.length * POLL_COLUMNS);
    let i = 0;
    for (const u of chunk) {
      const p = u.poll!;
      params[i++] = u.jobId;
      params[i++] = u.tenantId;
      params[i++] = p.polledAt;
      params[i++] = p.outcome;
      params[i++] = p.upstreamStatus;
      params[i++] = p.httpStatus;
      params[i++] = p.latencyMs;
      params[i++] = p.nextPollAt;
      params[i++] = p.reason;
      params[i++] = p.error;
    }
    db.prepare(chunk.length === POLLS_PER_INSERT ? FULL_INSERT : insertPollsSql(chunk.length)).run(...params);
  }
}
