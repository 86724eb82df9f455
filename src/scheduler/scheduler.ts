/**
 * The polling engine. One runOnce() step:
 *  1. claims up to `batchSize` due jobs in one statement under a lease: as many as there are
 *     free poll slots plus room in a short queue of claimed jobs waiting for a slot
 *     (claim-ahead, twice the slots), so claims and their commits are few and large;
 *  2. ends jobs past their deadline without polling, hands back jobs whose credential is over
 *     its rate budget or whose origin is at its cap, and polls the rest concurrently (topaz jobs
 *     sharing a credential with one list walk), queueing those with no free slot yet; each
 *     finished poll starts the oldest queued one;
 *  3. records the outcomes as they arrive, each written only while its lease still holds: with
 *     the next claim, in one commit, or by a timer (`recordDelayMs` for an outcome with an
 *     event, `quietRecordDelayMs` for one without).
 * A step waits for its polls up to `stepWaitMs`, or, when the claim was full (more is due),
 * only until there is room for the next claim, so polls keep flowing while slots free up.
 * Slower polls finish in the background (holding their slots and leases) and are recorded when
 * they answer, so a slow upstream never holds up the next claim. idle() waits for everything in
 * flight (shutdown, tests).
 */
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { Logger } from '../core/logger.ts';
import type { StepResult } from '../core/step.ts';
import type { EventType, PollOutcome } from '../core/types.ts';
import { RateBudgets, type RateBudgetOptions } from '../core/rateBudget.ts';
import type { DurationModel } from '../core/durationModel.ts';
import type { HttpClient } from '../net/httpClient.ts';
import type { Database } from '../store/port.ts';
import type { JobRow } from '../store/rows.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { claimDueJobs, type ClaimInput } from '../store/queries/claimDueJobs.ts';
import { nextDueAt } from '../store/queries/nextDueJob.ts';
import { releaseJobs, type Release } from '../store/queries/releaseJobs.ts';
import { recordPollOutcomes, type JobUpdate, type RecordReport } from '../store/queries/recordPollOutcomes.ts';
import { loadDurationModel } from '../store/queries/durationStats.ts';
import { tenantWantsProgress } from '../store/queries/progressSubscribers.ts';
import { InFlight, waitAtMost } from './concurrency.ts';
import { LruCache } from './lruCache.ts';
import { cachingSecretBox } from './secretCache.ts';
import { resolveTarget, type ResolvedTarget } from './pollTarget.ts';
import { decideEnd, decideOutcome, deadlineError, type DecideContext } from './decideUpdate.ts';
import { pollUnits, type PollUnit } from './pollUnits.ts';
import { pollOnce } from '../providers/poll.ts';
import { KeyWalks } from './batchWalk.ts';

export interface SchedulerOptions {
  batchSize: number;
  leaseMs: number;
  maxInFlight: number;
  maxPerOrigin: number;
  pollTimeoutMs: number;
  /** How long a step waits for its polls before leaving stragglers to the background. */
  stepWaitMs: number;
  /**
   * How long an outcome may wait for others to share its transaction. Each commit costs about
   * as much as a few rows, so a few milliseconds of coalescing buys throughput; the event's
   * delivery is delayed by at most this much.
   */
  recordDelayMs: number;
  /**
   * The same for an outcome with no event and no finished job (the common case: nothing
   * changed upstream, only the next poll time moves). Under load the next claim, which comes
   * every few milliseconds, takes it into its own commit long before this; the timer is the
   * backstop. Nothing waits on such a write but the lease, which it keeps meanwhile.
   */
  quietRecordDelayMs: number;
  rateBudget?: Partial<RateBudgetOptions>;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  batchSize: 100,
  leaseMs: 60_000,
  maxInFlight: 64,
  maxPerOrigin: 16,
  pollTimeoutMs: 15_000,
  stepWaitMs: 2_000,
  recordDelayMs: 5,
  quietRecordDelayMs: 50,
};

export interface PollInfo {
  jobId: string;
  provider: string;
  /** `observed`, `not_modified` or the failure kind. */
  result: string;
  /** The upstream answered a status the mapping does not know. */
  unknownStatus: boolean;
  /** From sending the request (or starting a batch walk) to the outcome. */
  durationMs: number;
}

export interface SchedulerDeps {
  db: Database;
  clock: Clock;
  random: Random;
  http: HttpClient;
  providers: ProviderRegistry;
  secretBox: SecretBox;
  logger: Logger;
  workerId: string;
  options?: Partial<SchedulerOptions>;
  onDeliveriesQueued?: () => void;
  onPoll?: (info: PollInfo) => void;
  onEvent?: (info: { jobId: string; provider: string; type: EventType }) => void;
}

export interface Scheduler {
  runOnce(): Promise<StepResult>;
  /** Resolves when no poll is in flight and every outcome is recorded. */
  idle(): Promise<void>;
}

/** An outcome waiting to be recorded. */
type Pending = JobUpdate & { provider: string };

/** Delay before a job handed back because its origin is at its cap is due again. */
const ORIGIN_BUSY_DELAY_MS = 1_000;
/** Outcomes waiting past this many are written at once, without waiting for `recordDelayMs`. */
const MAX_PENDING_OUTCOMES = 256;
/** A claimed unit waits at most this long for a poll slot before it is handed back. */
const AHEAD_MAX_WAIT_MS = 1_000;

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const opts: SchedulerOptions = { ...DEFAULT_SCHEDULER_OPTIONS, ...deps.options };
  const { db, clock, random, logger } = deps;
  const inFlight = new InFlight(opts.maxInFlight, opts.maxPerOrigin);
  const secrets = cachingSecretBox(deps.secretBox, () => clock.now());
  const budgets = new RateBudgets(opts.rateBudget);
  const learnedCache = new LruCache<DurationModel>(10_000, 60_000);
  const progressCache = new LruCache<boolean>(10_000, 5_000);
  // Polls in flight (started units), and idle() callers waiting for none.
  let running = 0;
  const idleWaiters: Array<() => void> = [];
  let pending: Pending[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let flushAt = Infinity;
  let claimCounter = 0;
  const keyWalks = new KeyWalks();
  const resolveForWalk = (row: JobRow): ResolvedTarget | null => {
    const r = resolveTarget(db, row, deps.providers, secrets);
    return r.ok ? r.value : null;
  };
  // Claimed units waiting for a poll slot (claim-ahead): up to twice the slots, so claims (and
  // the commits they share with the outcomes) are about three times larger than the slots freed
  // between two steps would make them. A full claim returns after `refillAfter` polls finished,
  // leaving a quarter of the queue to start while the next claim is made.
  const ahead: Array<{ unit: PollUnit; leaseToken: string; since: number }> = [];
  const aheadCap = 2 * opts.maxInFlight;
  const refillAfter = Math.max(1, Math.ceil((3 * aheadCap) / 4));

  // One function for every poll (not a closure per poll): asked only when the progress alone changed.
  const tenantWantsProgressNow = (tenantId: string, now: number): boolean =>
    progressCache.getOrLoad(tenantId, now, () => tenantWantsProgress(db, tenantId));

  const contextFor = (row: JobRow, leaseToken: string, provider: ResolvedTarget['provider'], now: number): DecideContext => {
    return {
      row,
      leaseToken,
      provider,
      now,
      random,
      learned: learnedCache.getOrLoad(`${row.tenant_id}\u0000${row.provider}`, now, () =>
        loadDurationModel(db, row.tenant_id, row.provider),
      ),
      wantsProgress: tenantWantsProgressNow,
    };
  };

  /** The decision as a pending outcome: tagged with its provider in place, not copied. */
  const pendingOf = (update: JobUpdate, provider: string): Pending => {
    const u = update as Pending;
    u.provider = provider;
    return u;
  };

  const reportRecorded = (batch: Pending[], report: RecordReport): void => {
    if (report.stale > 0) logger.debug({ stale: report.stale }, 'poll outcomes dropped: lease lost (job deleted or reclaimed)');
    if (report.events.length > 0) {
      const providerOf = new Map(batch.map((u) => [u.jobId, u.provider]));
      for (const e of report.events) {
        logger.debug({ jobId: e.jobId, type: e.type }, 'event appended');
        deps.onEvent?.({ jobId: e.jobId, provider: providerOf.get(e.jobId) ?? 'unknown', type: e.type });
      }
    }
    if (report.deliveries > 0) deps.onDeliveriesQueued?.();
  };

  const flush = (): void => {
    cancelFlushTimer();
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    let report;
    try {
      report = recordPollOutcomes(db, batch);
    } catch (err) {
      logger.error({ err, count: batch.length }, 'recording poll outcomes failed; the leases will expire and the jobs be polled again');
      return;
    }
    reportRecorded(batch, report);
  };

  /**
   * Records the pending outcomes and claims the next jobs in one commit: a commit costs about
   * as much as a few rows, and this halves their number when polls flow continuously. Should
   * the shared transaction fail, nothing of it was written: the outcomes are recorded alone
   * (dropped and logged if that fails too) and the claim is made alone.
   */
  const recordAndClaim = (claim: ClaimInput): JobRow[] => {
    cancelFlushTimer();
    const batch = pending;
    pending = [];
    try {
      const [report, rows] = db.transaction(() => [batch.length > 0 ? recordPollOutcomes(db, batch) : null, claimDueJobs(db, claim)] as const);
      if (report) reportRecorded(batch, report);
      return rows;
    } catch (err) {
      if (batch.length === 0) throw err;
      pending = batch.concat(pending);
      flush();
      return claimDueJobs(db, claim);
    }
  };

  const cancelFlushTimer = (): void => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    flushAt = Infinity;
  };

  // Outcomes share one transaction with the next claim, or with each other: the flush timer
  // fires `recordDelayMs` after the first outcome with an event (or a finished job) arrived,
  // `quietRecordDelayMs` after the first quiet one, whichever is sooner.
  const record = (update: Pending): void => {
    pending.push(update);
    if (pending.length >= MAX_PENDING_OUTCOMES) return flush();
    const urgent = update.event != null || update.finishedAt != null;
    const delay = urgent ? opts.recordDelayMs : opts.quietRecordDelayMs;
    const at = performance.now() + delay;
    if (at >= flushAt) return;
    if (flushTimer) clearTimeout(flushTimer);
    flushAt = at;
    flushTimer = setTimeout(flush, delay);
  };

  const onOutcome = (
    row: JobRow,
    leaseToken: string,
    resolved: ResolvedTarget,
    outcome: PollOutcome,
    startedAt: number,
  ): void => {
    const now = clock.now();
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
    logger.debug({ jobId: row.id, provider: row.provider, result, durationMs: now - startedAt }, 'polled');
    deps.onPoll?.({
      jobId: row.id,
      provider: row.provider,
      result,
      unknownStatus,
      durationMs: now - startedAt,
    });
    record(pendingOf(decideOutcome(contextFor(row, leaseToken, resolved.provider, now), outcome), row.provider));
  };

  const pollClock = { timeoutMs: opts.pollTimeoutMs, now: () => clock.now() };

  /** Starts one unit if its origin and the total have a free slot. */
  const startUnit = (unit: PollUnit, leaseToken: string): Promise<void> | null => {
    const origin = unit.rows[0]!.resolved.origin;
    if (!inFlight.tryAcquire(origin)) return null;
    running++;
    return runUnit(unit, leaseToken, origin, clock.now());
  };

  // An async function with try/finally rather than `.catch().finally()` on the poll's promise:
  // no closures and no extra promises per poll.
  async function runUnit(unit: PollUnit, leaseToken: string, origin: string, startedAt: number): Promise<void> {
    try {
      if (!unit.walk && !unit.follow && unit.rows.length === 1) {
        // The common case, a single job: polled here, with no sink closure and no batch path.
        const { row, resolved } = unit.rows[0]!;
        const outcome = await pollOnce(deps.http, resolved.provider, resolved.target, resolved.baseUrl, { timeoutMs: opts.pollTimeoutMs, now: clock.now() });
        onOutcome(row, leaseToken, resolved, outcome, startedAt);
      } else {
        await pollUnits(deps.http, unit, pollClock, (row, resolved, outcome) => onOutcome(row, leaseToken, resolved, outcome, startedAt));
      }
    } catch (err) {
      logger.error({ err }, 'poll task failed');
    } finally {
      inFlight.release(origin);
      running--;
      startAhead();
      if (running === 0) for (const wake of idleWaiters.splice(0)) wake();
    }
  }

  /** Starts queued units, oldest first, while there are slots. */
  const startAhead = (): void => {
    for (let i = 0; i < ahead.length && inFlight.free > 0; ) {
      if (startUnit(ahead[i]!.unit, ahead[i]!.leaseToken)) ahead.splice(i, 1);
      else i++;
    }
  };

  /**
   * Hands back queued units that waited too long or whose origin is full while other origins
   * could use the slots: a busy origin never holds the queue, as it never holds the slots.
   */
  const handBackAhead = (now: number, releases: Release[], all = false): void => {
    for (let i = 0; i < ahead.length; ) {
      const { unit, leaseToken, since } = ahead[i]!;
      const originFull = inFlight.free > 0 && inFlight.isFull(unit.rows[0]!.resolved.origin);
      if (!all && !originFull && now - since < AHEAD_MAX_WAIT_MS) {
        i++;
        continue;
      }
      for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: now + spread(ORIGIN_BUSY_DELAY_MS) });
      ahead.splice(i, 1);
    }
  };

  const room = (): number => opts.maxInFlight + aheadCap - inFlight.size - ahead.length;

  async function runOnce(): Promise<StepResult> {
    if (room() <= 0) await waitAtMost(opts.stepWaitMs, inFlight.whenMoreReleased(1));
    const now = clock.now();
    const releases: Release[] = [];
    handBackAhead(now, releases);
    const limit = Math.min(opts.batchSize, Math.max(0, room()));
    if (limit === 0) {
      releaseJobs(db, releases, now);
      return { nextDueAt: nextDueAt(db), more: false };
    }
    // Unique per claim, also across restarts of a worker with the same id.
    const leaseToken = `${deps.workerId}.${now.toString(36)}.${(claimCounter++).toString(36)}.${Math.floor(random() * 2 ** 32).toString(36)}`;
    const rows = recordAndClaim({ leaseToken, now, leaseMs: opts.leaseMs, limit });
    const more = rows.length === limit;

    const units: PollUnit[] = [];
    try {
      for (const row of rows) {
        if (row.deadline_at <= now) {
          const provider = deps.providers.get(row.provider);
          if (provider) {
            record(pendingOf(decideEnd(contextFor(row, leaseToken, provider, now), deadlineError(row)), row.provider));
            continue;
          }
        }
        const resolved = resolveTarget(db, row, deps.providers, secrets);
        if (!resolved.ok) {
          logger.error({ jobId: row.id, provider: row.provider, reason: resolved.message }, 'cannot poll job');
          if (resolved.provider) {
            const outcome: PollOutcome = { kind: 'failure', failure: { kind: 'transient', message: resolved.message } };
            record(pendingOf(decideOutcome(contextFor(row, leaseToken, resolved.provider, now), outcome), row.provider));
          } else {
            releases.push({ jobId: row.id, leaseToken, nextPollAt: now + opts.leaseMs });
          }
          continue;
        }
        units.push({ rows: [{ row, resolved: resolved.value }] });
      }
      const walkContext = { db, leaseToken, leaseMs: opts.leaseMs, now, resolve: resolveForWalk };
      const planned = keyWalks.plan(units, walkContext, releases);
      const started: Promise<void>[] = [];
      let queued = 0;
      for (const unit of planned) {
        const first = unit.rows[0]!.resolved;
        const budget = budgets.take(first.budgetKey, now);
        if (!budget.ok) {
          for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: now + spread(budget.waitMs) });
          continue;
        }
        const task = ahead.length === 0 ? startUnit(unit, leaseToken) : null;
        if (task) started.push(task);
        else if (inFlight.isFull(first.origin) && inFlight.free > 0) {
          for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: now + spread(ORIGIN_BUSY_DELAY_MS) });
        } else if (ahead.length < aheadCap) {
          ahead.push({ unit, leaseToken, since: now });
          queued++;
        } else {
          for (const { row } of unit.rows) releases.push({ jobId: row.id, leaseToken, nextPollAt: now + spread(ORIGIN_BUSY_DELAY_MS) });
        }
      }
      startAhead();
      releaseJobs(db, releases, now);
      if (started.length + queued > 0) {
        // A full claim: the next one comes once there is room for `refillAfter` (at least one
        // poll). Otherwise the step waits for the polls it started.
        const untilRoom = more ? inFlight.whenMoreReleased(Math.max(1, refillAfter - room())) : null;
        const allDone = more ? null : Promise.all(started).then(() => {});
        await waitAtMost(opts.stepWaitMs, more ? untilRoom : allDone);
      }
    } finally {
      // After a full claim the next step runs at once and records these with its claim, in one
      // commit (the recordDelayMs timer is the backstop); otherwise they are recorded now.
      if (!more) flush();
    }
    // After a full claim more is due now: the driver runs the next step at once, so the
    // earliest due time is not looked up.
    return { nextDueAt: more ? now : nextDueAt(db), more };
  }

  // Jitter on hand-backs so a credential's deferred jobs don't all return at the same instant.
  const spread = (ms: number): number => Math.round(ms * (1 + random() * 0.5));

  return {
    runOnce,
    async idle() {
      for (;;) {
        startAhead();
        if (running === 0) break;
        await new Promise<void>((resolve) => idleWaiters.push(resolve));
      }
      if (ahead.length > 0) {
        const releases: Release[] = [];
        handBackAhead(clock.now(), releases, true);
        releaseJobs(db, releases, clock.now());
      }
      flush();
    },
  };
}
