/**
 * Turns what happened to a claimed job (a poll's outcome, a passed deadline, a target that
 * cannot be resolved) into its update, by decideUpdate.ts, and hands that to the
 * OutcomeRecorder. A poll's outcome also feeds the credential's rate budget, the logs and the
 * onPoll hook. The decisions read the tenant's learned durations and progress subscriptions
 * through short-lived caches, so a busy tenant costs no query per poll.
 */
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { Logger } from '../core/logger.ts';
import type { PollFailure, PollOutcome } from '../core/types.ts';
import type { RateBudgets } from '../core/rateBudget.ts';
import type { DurationModel } from '../core/durationModel.ts';
import type { Database } from '../store/port.ts';
import type { JobRow } from '../store/rows.ts';
import { loadDurationModel } from '../store/queries/durationStats.ts';
import { tenantWantsProgress } from '../store/queries/progressSubscribers.ts';
import { LruCache } from './lruCache.ts';
import type { ResolvedTarget } from './pollTarget.ts';
import { decideEnd, decideOutcome, deadlineError, type DecideContext } from './decideUpdate.ts';
import type { OutcomeRecorder } from './outcomeRecorder.ts';
import type { PollInfo } from './scheduler.ts';

export interface PollDecisionsDeps {
  db: Database;
  clock: Clock;
  random: Random;
  logger: Logger;
  budgets: RateBudgets;
  recorder: OutcomeRecorder;
  onPoll?: (info: PollInfo) => void;
}

export class PollDecisions {
  private readonly learnedCache = new LruCache<DurationModel>(10_000, 60_000);
  private readonly progressCache = new LruCache<boolean>(10_000, 5_000);

  constructor(private readonly deps: PollDecisionsDeps) {}

  // One function for every poll (not a closure per poll): asked only when the progress alone changed.
  private readonly tenantWantsProgressNow = (tenantId: string, now: number): boolean =>
    this.progressCache.getOrLoad(tenantId, now, () => tenantWantsProgress(this.deps.db, tenantId));

  // The learned model's cache key, kept while consecutive polls are of the same tenant and
  // provider (the common case): a key built per poll is a new string, hashed again on every lookup.
  private lastKey = { tenantId: '', provider: '', key: '' };
  private learnedKey(row: JobRow): string {
    const last = this.lastKey;
    if (row.tenant_id !== last.tenantId || row.provider !== last.provider) {
      this.lastKey = { tenantId: row.tenant_id, provider: row.provider, key: `${row.tenant_id}\u0000${row.provider}` };
    }
    return this.lastKey.key;
  }

  private contextFor(row: JobRow, leaseToken: string, provider: ResolvedTarget['provider'], now: number): DecideContext {
    const { db } = this.deps;
    return {
      row,
      leaseToken,
      provider,
      now,
      random: this.deps.random,
      learned: this.learnedCache.getOrLoad(this.learnedKey(row), now, () => loadDurationModel(db, row.tenant_id, row.provider)),
      wantsProgress: this.tenantWantsProgressNow,
    };
  }

  /** A poll of `row` (started at `startedAt`) answered `outcome`. */
  polled(row: JobRow, leaseToken: string, resolved: ResolvedTarget, outcome: PollOutcome, startedAt: number): void {
    const { budgets, logger } = this.deps;
    const now = this.deps.clock.now();
    if (outcome.kind === 'failure' && outcome.failure.kind === 'rate_limited') {
      budgets.onRateLimited(resolved.budgetKey, now, outcome.failure.retryAfterMs);
    } else if (outcome.kind !== 'failure') {
      budgets.onSuccess(resolved.budgetKey, now);
    }
    const unknownStatus = outcome.kind === 'observed' && outcome.observation.state == null;
    if (unknownStatus && outcome.kind === 'observed') {
      logger.warn({ jobId: row.id, provider: row.provider, upstreamStatus: outcome.observation.upstreamStatus }, 'unknown upstream status');
    }
    const result = outcome.kind === 'failure' ? outcome.failure.kind : outcome.kind;
    if (outcome.kind === 'failure') warnOnNewFailureKind(logger, row, outcome.failure);
    logger.debug({ jobId: row.id, provider: row.provider, result, durationMs: now - startedAt }, 'polled');
    this.deps.onPoll?.({
      jobId: row.id,
      provider: row.provider,
      result,
      unknownStatus,
      durationMs: now - startedAt,
    });
    this.deps.recorder.record(decideOutcome(this.contextFor(row, leaseToken, resolved.provider, now), outcome, now - startedAt), row.provider);
  }

  /** `row` was claimed past its deadline: it ends without a poll. */
  endPastDeadline(row: JobRow, leaseToken: string, provider: ResolvedTarget['provider'], now: number): void {
    this.deps.recorder.record(decideEnd(this.contextFor(row, leaseToken, provider, now), deadlineError(row)), row.provider);
  }

  /** `row`'s target cannot be resolved (its secret, its URL): counts as a transient failure. */
  unresolvable(row: JobRow, leaseToken: string, provider: ResolvedTarget['provider'], message: string, now: number): void {
    const outcome: PollOutcome = { kind: 'failure', failure: { kind: 'transient', message } };
    this.deps.recorder.record(decideOutcome(this.contextFor(row, leaseToken, provider, now), outcome), row.provider);
  }
}

/** Longest upstream message quoted in a warning; the job's lastFailure has all of it. */
const MAX_LOGGED_MESSAGE = 200;

/**
 * A job's failed polls reach the operator at warn only when they say something new: its first
 * failure, and each change of kind (transient to unauthorized, ...). Every other failure stays at
 * debug, so an upstream down for a day is a few lines per job, not one per poll. The previous kind
 * is the claimed row's last_failure, so this holds across restarts and workers. The message is
 * the provider's description of the answer; credentials and headers are never part of it.
 */
function warnOnNewFailureKind(logger: Logger, row: JobRow, failure: PollFailure): void {
  const previousKind = failureKindOf(row.last_failure);
  if (previousKind === failure.kind) return;
  logger.warn(
    {
      jobId: row.id,
      provider: row.provider,
      kind: failure.kind,
      previousKind,
      status: failure.status ?? null,
      message: failure.message.slice(0, MAX_LOGGED_MESSAGE),
    },
    previousKind ? `upstream poll failure changed from ${previousKind} to ${failure.kind}` : `upstream poll failed: ${failure.kind}`,
  );
}

function failureKindOf(lastFailure: string | null): string | null {
  if (!lastFailure) return null;
  try {
    return (JSON.parse(lastFailure) as { kind?: string }).kind ?? null;
  } catch {
    return null;
  }
}
