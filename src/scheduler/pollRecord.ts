/**
 * The job_polls row of one poll (the job's timeline): what it saw, how long it took, and when and
 * why the next poll is. Built from the decided update, with no further reads.
 */
import type { PollOutcome } from '../core/types.ts';
import type { JobUpdate, PollRecord } from '../store/queries/recordPollOutcomes.ts';
import type { DecideContext } from './decideUpdate.ts';

/** Longest failure message kept in a poll's record; the job's lastFailure keeps the latest in full. */
const MAX_POLL_ERROR = 200;

export function pollRecordOf(ctx: DecideContext, outcome: PollOutcome, u: JobUpdate, latencyMs: number): PollRecord {
  const { row } = ctx;
  const failure = outcome.kind === 'failure' ? outcome.failure : null;
  let kind: string;
  if (failure) kind = failure.kind;
  else {
    const changed =
      u.state !== row.state ||
      u.upstreamStatus !== row.upstream_status ||
      u.progress !== row.progress ||
      u.result !== row.result ||
      u.error !== row.error ||
      u.etaAt !== row.eta_at;
    kind = changed ? 'changed' : 'unchanged';
  }
  let reason = u.nextPollReason ?? null;
  if (u.nextPollAt == null) reason = 'finished';
  else if (u.nextPollAt === row.deadline_at) reason = 'deadline';
  return {
    polledAt: ctx.now,
    outcome: kind,
    upstreamStatus: failure ? null : u.upstreamStatus,
    httpStatus: outcome.kind === 'failure' ? (outcome.failure.status ?? null) : outcome.kind === 'observed' ? (outcome.httpStatus ?? null) : 304,
    latencyMs: Math.max(0, Math.round(latencyMs)),
    nextPollAt: u.nextPollAt,
    reason,
    error: failure ? failure.message.slice(0, MAX_POLL_ERROR) : null,
  };
}
