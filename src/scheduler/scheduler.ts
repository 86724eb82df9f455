/**
 * The polling engine. One runOnce() step:
 *  1. claims up to `batchSize` due jobs under a lease (`batchSizeWhileDelivering` while the
 *     webhooks it queued are flowing): as many as there are free poll slots plus room in a
 *     short queue of claimed jobs waiting for a slot (claim-ahead, twice the slots), so claims
 *     and their commits are few and large;
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
 * The parts: pollSlots.ts (slots, claim-ahead queue, starting polls), batchWalk.ts and
 * pollUnits.ts (topaz list walks), pollDecisions.ts (outcome to job update, by
 * decideUpdate.ts), outcomeRecorder.ts (pending outcomes, their timers and shared commits).
 */
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { Logger } from '../core/logger.ts';
import type { StepResult } from '../core/step.ts';
import type { EventType } from '../core/types.ts';
import { RateBudgets, type RateBudgetOptions } from '../core/rateBudget.ts';
import type { HttpClient } from '../net/httpClient.ts';
import type { Database } from '../store/port.ts';
import type { JobRow } from '../store/rows.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { nextDueAt } from '../store/queries/nextDueJob.ts';
import { releaseJobs, type Release } from '../store/queries/releaseJobs.ts';
import { waitAtMost } from './concurrency.ts';
import { cachingSecretBox } from './secretCache.ts';
import { resolveTarget, type ResolvedTarget } from './pollTarget.ts';
import type { PollUnit } from './pollUnits.ts';
import { KeyWalks } from './batchWalk.ts';
import { OutcomeRecorder } from './outcomeRecorder.ts';
import { PollDecisions } from './pollDecisions.ts';
import { PollSlots } from './pollSlots.ts';

export interface SchedulerOptions {
  batchSize: number;
  /**
   * The claim's size while the webhooks this scheduler queued are flowing (deliveries queued in
   * the last DELIVERING_WINDOW_MS). Both engines share one thread, and a claim commits together
   * with the outcomes recorded since the last one: at 100 such a commit took up to 40-60 ms at
   * the latency benchmark's load, and every webhook queued meanwhile waited for it (p99 17-33
   * ms); at 24, 9-11 ms; at 16, 8 ms, with the same capacity; at 12, 6-7 ms but 8% fewer polls
   * and 20% fewer webhooks at capacity. With no webhooks to send (nothing changed upstream) the
   * full `batchSize` is kept: fewer, larger commits are about 10% more polls per second.
   */
  batchSizeWhileDelivering: number;
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

/** How recently deliveries must have been queued for the scheduler to keep its claims small. */
const DELIVERING_WINDOW_MS = 1_000;

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  batchSize: 100,
  batchSizeWhileDelivering: 16,
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

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const opts: SchedulerOptions = { ...DEFAULT_SCHEDULER_OPTIONS, ...deps.options };
  const { db, clock, random, logger } = deps;
  const secrets = cachingSecretBox(deps.secretBox, () => clock.now());
  const budgets = new RateBudgets(opts.rateBudget);
  const recorder = new OutcomeRecorder({
    db,
    logger,
    recordDelayMs: opts.recordDelayMs,
    quietRecordDelayMs: opts.quietRecordDelayMs,
    onDeliveriesQueued: deps.onDeliveriesQueued,
    onEvent: deps.onEvent,
  });
  const decisions = new PollDecisions({ db, clock, random, logger, budgets, recorder, onPoll: deps.onPoll });
  const slots = new PollSlots({
    http: deps.http,
    clock,
    random,
    logger,
    budgets,
    decisions,
    maxInFlight: opts.maxInFlight,
    maxPerOrigin: opts.maxPerOrigin,
    pollTimeoutMs: opts.pollTimeoutMs,
  });
  let claimCounter = 0;
  const keyWalks = new KeyWalks();
  const resolveForWalk = (row: JobRow): ResolvedTarget | null => {
    const r = resolveTarget(db, row, deps.providers, secrets);
    return r.ok ? r.value : null;
  };

  async function runOnce(): Promise<StepResult> {
    if (slots.room() <= 0) await waitAtMost(opts.stepWaitMs, slots.whenOneFinished());
    const now = clock.now();
    const releases: Release[] = [];
    slots.handBackQueued(now, releases);
    const batch = recorder.queuedDeliveriesWithin(DELIVERING_WINDOW_MS) ? opts.batchSizeWhileDelivering : opts.batchSize;
    const limit = Math.min(batch, Math.max(0, slots.room()));
    if (limit === 0) {
      releaseJobs(db, releases, now);
      return { nextDueAt: nextDueAt(db, now), more: false };
    }
    // Unique per claim, also across restarts of a worker with the same id.
    const leaseToken = `${deps.workerId}.${now.toString(36)}.${(claimCounter++).toString(36)}.${Math.floor(random() * 2 ** 32).toString(36)}`;
    const rows = recorder.recordAndClaim({ leaseToken, now, leaseMs: opts.leaseMs, limit });
    const more = rows.length === limit;

    const units: PollUnit[] = [];
    try {
      for (const row of rows) {
        if (row.deadline_at <= now) {
          const provider = deps.providers.get(row.provider);
          if (provider) {
            decisions.endPastDeadline(row, leaseToken, provider, now);
            continue;
          }
        }
        const resolved = resolveTarget(db, row, deps.providers, secrets);
        if (!resolved.ok) {
          logger.error({ jobId: row.id, provider: row.provider, reason: resolved.message }, 'cannot poll job');
          if (resolved.provider) decisions.unresolvable(row, leaseToken, resolved.provider, resolved.message, now);
          else releases.push({ jobId: row.id, leaseToken, nextPollAt: now + opts.leaseMs });
          continue;
        }
        units.push({ rows: [{ row, resolved: resolved.value }] });
      }
      const walkContext = { db, leaseToken, leaseMs: opts.leaseMs, now, resolve: resolveForWalk };
      const planned = keyWalks.plan(units, walkContext, releases);
      const started: Promise<void>[] = [];
      const queued = slots.dispatch(planned, leaseToken, now, releases, started);
      slots.startQueued();
      releaseJobs(db, releases, now);
      if (started.length + queued > 0) {
        // A full claim: the next one comes once there is room for `refillAfter` (at least one
        // poll). Otherwise the step waits for the polls it started.
        const untilRoom = more ? slots.whenRoomToRefill() : null;
        const allDone = more ? null : Promise.all(started).then(() => {});
        await waitAtMost(opts.stepWaitMs, more ? untilRoom : allDone);
      }
    } finally {
      // After a full claim the next step runs at once and records these with its claim, in one
      // commit (the recordDelayMs timer is the backstop); otherwise they are recorded now.
      if (!more) recorder.flush();
    }
    // After a full claim more is due now: the driver runs the next step at once, so the
    // earliest due time is not looked up.
    return { nextDueAt: more ? now : nextDueAt(db, now), more };
  }

  return {
    runOnce,
    async idle() {
      await slots.whenNoneRunning();
      if (slots.queued > 0) {
        const releases: Release[] = [];
        slots.handBackQueued(clock.now(), releases, true);
        releaseJobs(db, releases, clock.now());
      }
      recorder.flush();
    },
  };
}
