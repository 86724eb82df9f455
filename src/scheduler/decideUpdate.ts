/**
 * Turns one claimed job and what its poll produced into the row update, the event and the next
 * poll time, by the pure policies in src/core. No I/O: the caller passes what was read.
 */
import type { JobError, JobResult, JobState, Observation, PollFailure, PollOutcome } from '../core/types.ts';
import { isTerminal, JOB_STATES } from '../core/types.ts';
import type { Random } from '../core/random.ts';
import type { DurationModel } from '../core/durationModel.ts';
import { newId } from '../core/ids.ts';
import { detectChange, type JobSnapshot } from '../core/changeDetection.ts';
import { buildEventBody, parseJsonColumn as parseJson } from '../core/eventPayload.ts';
import { boundsOf, planNextPoll } from '../core/schedulePolicy.ts';
import { planAfterFailure } from '../core/upstreamErrorPolicy.ts';
import type { JobRow } from '../store/rows.ts';
import type { JobUpdate } from '../store/queries/recordPollOutcomes.ts';
import { pollRecordOf } from './pollRecord.ts';
import type { Provider } from '../providers/types.ts';

export interface DecideContext {
  row: JobRow;
  leaseToken: string;
  provider: Provider;
  now: number;
  random: Random;
  learned: DurationModel | null;
  /** Whether the tenant has a subscription to job.progress; asked only when the progress alone changed. */
  wantsProgress: (tenantId: string, now: number) => boolean;
}

export function boundsFor(row: JobRow, provider: Provider): { floor: number; ceiling: number } {
  return boundsOf(
    row.poll_interval_ms ?? provider.defaults.pollIntervalMs,
    row.max_poll_interval_ms ?? provider.defaults.maxPollIntervalMs,
  );
}

/** `latencyMs` is given for an outcome of a real poll: the update then carries its job_polls row. */
export function decideOutcome(ctx: DecideContext, outcome: PollOutcome, latencyMs?: number): JobUpdate {
  const u =
    outcome.kind === 'observed'
      ? decideObserved(ctx, outcome.observation, outcome.validators ?? null)
      : outcome.kind === 'not_modified'
        ? decideUnchanged(ctx)
        : decideFailure(ctx, outcome.failure);
  if (latencyMs !== undefined) u.poll = pollRecordOf(ctx, outcome, u, latencyMs);
  return u;
}

export function snapshotOf(row: JobRow): JobSnapshot {
  return {
    state: asState(row.state),
    upstreamStatus: row.upstream_status,
    progress: row.progress,
    result: parseJson<JobResult>(row.result),
    error: parseJson<JobError>(row.error),
    etaAt: row.eta_at,
  };
}

function decideObserved(
  ctx: DecideContext,
  obs: Observation,
  validators: { etag?: string | null; lastModified?: string | null } | null,
): JobUpdate {
  const { row, now } = ctx;
  const prev = snapshotOf(row);
  const change = detectChange(prev, obs, () => wantsProgress(ctx));
  const u = base(ctx);
  const next = change.next;
  u.state = next.state;
  u.upstreamStatus = next.upstreamStatus;
  u.progress = next.progress;
  u.result = json(next.result);
  u.error = json(next.error);
  u.etaAt = next.etaAt;
  succeeded(u, now);
  u.etag = validators?.etag ?? null;
  u.lastModified = validators?.lastModified ?? null;
  if (change.eventType) {
    u.lastChangedAt = now;
    u.event = eventFor(ctx, change.eventType, {
      state: change.next.state,
      previousState: change.previousState,
      upstreamStatus: change.next.upstreamStatus,
      progress: change.next.progress,
      result: change.next.result,
      error: change.next.error,
      upstream: obs.raw,
    });
  }
  if (isTerminal(change.next.state)) {
    finish(u, now);
    // Only a job seen unfinished measures a duration: one registered after it ended says nothing.
    if (prev.state != null && !isTerminal(prev.state)) {
      u.durationSample = { provider: row.provider, durationMs: now - row.created_at };
    }
    return u;
  }
  schedule(ctx, u, change.eventType != null, change.next.etaAt);
  u.scheduleOnly = onlyScheduleMoved(u, row);
  return u;
}

function decideUnchanged(ctx: DecideContext): JobUpdate {
  const u = base(ctx);
  succeeded(u, ctx.now);
  schedule(ctx, u, false, ctx.row.eta_at);
  u.scheduleOnly = onlyScheduleMoved(u, ctx.row);
  return u;
}

/**
 * A successful poll whose update equals the claimed row but for the schedule, the poll time and
 * the (reset) failure counters: recordPollOutcomes writes it with a narrower statement.
 */
function onlyScheduleMoved(u: JobUpdate, row: JobRow): boolean {
  return (
    u.polled &&
    !u.failed &&
    u.event === null &&
    u.durationSample === null &&
    u.finishedAt === row.finished_at &&
    u.consecutiveFailures === 0 &&
    u.notFoundCount === 0 &&
    u.notFoundSince === null &&
    u.unauthorizedCount === 0 &&
    u.state === row.state &&
    u.upstreamStatus === row.upstream_status &&
    u.progress === row.progress &&
    u.result === row.result &&
    u.error === row.error &&
    u.etaAt === row.eta_at &&
    u.etag === row.etag &&
    u.lastModified === row.last_modified &&
    u.lastFailure === row.last_failure &&
    u.lastChangedAt === row.last_changed_at
  );
}

/** A poll that got an answer: the failure counters start again. */
function succeeded(u: JobUpdate, now: number): void {
  u.polled = true;
  u.consecutiveFailures = 0;
  u.notFoundCount = 0;
  u.notFoundSince = null;
  u.unauthorizedCount = 0;
  u.lastPolledAt = now;
}

function decideFailure(ctx: DecideContext, failure: PollFailure): JobUpdate {
  const { row, now } = ctx;
  const { floor, ceiling } = boundsFor(row, ctx.provider);
  const plan = planAfterFailure({
    failure,
    now,
    floorMs: floor,
    ceilingMs: ceiling,
    random: ctx.random,
    counters: {
      consecutiveFailures: row.consecutive_failures,
      notFoundCount: row.not_found_count,
      notFoundSince: row.not_found_since,
      unauthorizedCount: row.unauthorized_count,
    },
  });
  const u = plan.kind === 'end' ? decideEnd(ctx, plan.error) : base(ctx);
  Object.assign(u, {
    polled: true,
    failed: true,
    lastPolledAt: now,
    lastFailure: JSON.stringify(failure),
    ...plan.counters,
  });
  if (plan.kind === 'retry') {
    u.nextPollAt = capAtDeadline(now + plan.delayMs, row);
    u.nextPollReason = retryReason(failure);
  }
  return u;
}

function retryReason(failure: PollFailure): string {
  if (failure.kind === 'rate_limited' && failure.retryAfterMs != null && failure.retryAfterMs > 0) return 'retry_after';
  if (failure.kind === 'not_found') return 'not_found_recheck';
  if (failure.kind === 'unauthorized') return 'auth_recheck';
  return 'backoff';
}

/** pollhook ends the job itself: a job.failed event with the upstream status unchanged. */
export function decideEnd(ctx: DecideContext, error: JobError): JobUpdate {
  const { row, now } = ctx;
  const prev = snapshotOf(row);
  const u = base(ctx);
  u.state = 'failed';
  u.error = json(error);
  u.lastChangedAt = now;
  u.event = eventFor(ctx, 'job.failed', {
    state: 'failed',
    previousState: prev.state,
    upstreamStatus: prev.upstreamStatus,
    progress: prev.progress,
    result: prev.result,
    error,
    upstream: null,
  });
  finish(u, now);
  return u;
}

export function deadlineError(row: JobRow): JobError {
  return { code: 'deadline_exceeded', message: `no terminal state before the deadline ${new Date(row.deadline_at).toISOString()}` };
}

function schedule(ctx: DecideContext, u: JobUpdate, changed: boolean, etaAt: number | null): void {
  const { row, now } = ctx;
  const { floor, ceiling } = boundsFor(row, ctx.provider);
  const plan = planNextPoll({
    now,
    createdAt: row.created_at,
    floorMs: floor,
    ceilingMs: ceiling,
    currentIntervalMs: row.current_interval_ms,
    changed,
    etaAt,
    typicalDuration: ctx.provider.defaults.typicalDurationMs,
    learned: ctx.learned,
    deadlineAt: row.deadline_at,
    random: ctx.random,
    state: asState(u.state),
    ceilingFromJob: row.max_poll_interval_ms != null,
  });
  u.currentIntervalMs = plan.intervalMs;
  u.nextPollAt = now + plan.delayMs;
  // 'interval' is the grown interval, or the floor right after a change (or the first poll).
  u.nextPollReason = plan.reason === 'interval' ? (plan.intervalMs <= floor ? 'floor' : 'grown') : plan.reason;
}

function eventFor(
  ctx: DecideContext,
  type: NonNullable<JobUpdate['event']>['type'],
  data: {
    state: JobState;
    previousState: JobState | null;
    upstreamStatus: string | null;
    progress: number | null;
    result: JobResult | null;
    error: JobError | null;
    upstream: unknown;
  },
): NonNullable<JobUpdate['event']> {
  const { row, now } = ctx;
  const sequence = row.last_sequence + 1;
  const body = buildEventBody({
    type,
    now,
    job: { id: row.id, provider: row.provider, externalId: row.external_id, metadata: parseJson(row.metadata) },
    sequence,
    ...data,
    observedAt: now,
  });
  return {
    id: newId('evt', now),
    type,
    sequence,
    body,
    callbackUrl: row.callback_disabled_at == null ? row.callback_url : null,
    callbackEvents: row.events,
  };
}

/** The row as claimed, lease released, nothing polled: the starting point of every update. */
function base(ctx: DecideContext): JobUpdate {
  const { row, now } = ctx;
  return {
    jobId: row.id,
    tenantId: row.tenant_id,
    leaseToken: ctx.leaseToken,
    claimedSequence: row.last_sequence,
    state: row.state,
    upstreamStatus: row.upstream_status,
    progress: row.progress,
    result: row.result,
    error: row.error,
    etaAt: row.eta_at,
    nextPollAt: row.next_poll_at,
    currentIntervalMs: row.current_interval_ms,
    polled: false,
    failed: false,
    consecutiveFailures: row.consecutive_failures,
    notFoundCount: row.not_found_count,
    notFoundSince: row.not_found_since,
    unauthorizedCount: row.unauthorized_count,
    lastFailure: row.last_failure,
    etag: row.etag,
    lastModified: row.last_modified,
    lastPolledAt: row.last_polled_at,
    lastChangedAt: row.last_changed_at,
    finishedAt: row.finished_at,
    now,
    event: null,
    durationSample: null,
  };
}

function finish(u: JobUpdate, now: number): void {
  u.nextPollAt = null;
  u.finishedAt = now;
}

const capAtDeadline = (at: number, row: JobRow): number => Math.min(at, row.deadline_at);

function wantsProgress(ctx: DecideContext): boolean {
  const filter = parseJson<unknown>(ctx.row.events);
  if (ctx.row.callback_url && Array.isArray(filter) && filter.includes('job.progress')) return true;
  return ctx.wantsProgress(ctx.row.tenant_id, ctx.now);
}

const asState = (s: string | null): JobState | null =>
  s != null && (JOB_STATES as readonly string[]).includes(s) ? (s as JobState) : null;

const json = (v: unknown): string | null => (v == null ? null : JSON.stringify(v));

