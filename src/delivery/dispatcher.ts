/**
 * The delivery engine. Claimed deliveries (leased, in one statement) wait in a small ready
 * queue; up to maxInFlight of them are sent at once, at most maxPerOrigin per origin
 * (politeness), of which failing or slow endpoints hold at most maxLimitedPerOrigin
 * (and maxLimitedInFlight over all origins, where every origin shares a few connections: Workers)
 * (sendQueue.ts). Failure state (circuit, pacing after errors) is per endpoint: tenant + exact
 * URL (endpoints.ts), so a failing endpoint never defers another's deliveries on its host. A finished send is replaced from the ready queue at once, and finished sends
 * are committed in batches (commitBatcher.ts), together with the claim that refills the queue
 * (one transaction). Nothing ever waits for a slow send, so one hanging receiver cannot hold
 * back deliveries to healthy ones. A busy origin's queue is bounded by its measured drain rate
 * (originPace.ts): deliveries it has no room for go back to the database, and the claims
 * (claimPacer.ts) either walk past its backlog (slow or stalled origin) or hold until it has
 * worked off what it holds (an origin that keeps up).
 */
import { CircuitBreakers, DEFAULT_CIRCUIT } from '../core/circuitBreaker.ts';
import type { StepResult } from '../core/step.ts';
import { claimDueDeliveries, type ClaimedDelivery } from '../store/queries/claimDueDeliveries.ts';
import { releaseDeliveries } from '../store/queries/releaseDeliveries.ts';
import { nextDueDeliveryAt } from '../store/queries/nextDueDelivery.ts';
import { FAILING_DISABLE_AFTER_MS } from '../store/queries/subscriptionFailing.ts';
import { classifyStorageError } from '../store/storageErrors.ts';
import { commitOutcomes, type CommitReport } from './commitOutcomes.ts';
import { createSigner } from './signer.ts';
import { OriginSlots, originOf } from './origins.ts';
import { EndpointLoads, endpointOf } from './endpoints.ts';
import { ClaimPacer } from './claimPacer.ts';
import { CommitBatcher } from './commitBatcher.ts';
import { FULL_RECHECK_MS, SendQueue, type Flight } from './sendQueue.ts';
import type { Dispatcher, DispatcherDeps } from './types.ts';

export type { Dispatcher, DispatcherDeps, DispatcherOptions, AttemptInfo, OutcomeInfo } from './types.ts';

/** Sends to one origin at once (politeness), unless set. */
export const DEFAULT_MAX_PER_ORIGIN = 32;
/**
 * Connections per origin the delivery HTTP client needs: sends that hang beyond the failing or
 * slow endpoints' share do not count against the cap, up to the cap again (see `overflow`).
 */
export const DELIVERY_CONNECTIONS_PER_ORIGIN = 2 * DEFAULT_MAX_PER_ORIGIN;

/**
 * The share of `cap` sends that failing or slow endpoints may hold together: a quarter, but at
 * least 3 (a receiver that answers in seconds still gets a few webhooks at once where the cap
 * is small, as on Workers: 3 of 6), and never more than half (healthy endpoints keep the rest).
 */
export function limitedShare(cap: number): number {
  return Math.max(1, Math.min(Math.floor(cap / 2), Math.max(3, Math.floor(cap / 4))));
}

/** A fast origin may queue what it drains in this long (see originPace.ts). */
const ELASTIC_HORIZON_MS = 250;
/** Claims walk past a busy origin's backlog when it needs longer than this to work off what it holds. */
const WALK_AFTER_MS = 1_000;

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { db, clock, logger } = deps;
  const o = deps.options;
  const maxInFlight = o.maxInFlight ?? 256;
  const prefetch = o.prefetch ?? Math.max(maxInFlight, 64);
  const batchSize = o.batchSize ?? 256;
  const maxPerOrigin = o.maxPerOrigin ?? DEFAULT_MAX_PER_ORIGIN;
  const leaseMs = o.leaseMs ?? Math.max(60_000, 3 * o.timeoutMs);
  const originBusyRetryMs = o.originBusyRetryMs ?? 1_000;
  const capacity = maxInFlight + prefetch;
  // Room no single origin may take, so claims keep finding other origins' deliveries.
  const probeRoom = Math.max(1, Math.floor(capacity / 8));
  const commitPolicy = {
    retryScheduleMs: o.retryScheduleMs,
    random: deps.random,
    failingDisableMs: o.failingDisableMs ?? FAILING_DISABLE_AFTER_MS,
  };
  const maxWaitingPerOrigin = o.maxWaitingPerOrigin ?? prefetch;
  const maxLimitedPerOrigin = o.maxLimitedPerOrigin ?? limitedShare(maxPerOrigin);
  const maxLimitedInFlight = o.maxLimitedInFlight ?? maxInFlight;
  const circuitOptions = { ...DEFAULT_CIRCUIT, ...o.circuit };
  const circuits = new CircuitBreakers(circuitOptions);
  const loads = new EndpointLoads();
  const limited = (now: number) => (endpoint: string) => circuits.failing(endpoint) || loads.slow(endpoint, now);
  const slots = new OriginSlots<Flight>({
    maxPerOrigin,
    maxWaitingPerOrigin,
    maxElasticWaiting: Math.max(maxWaitingPerOrigin, capacity - maxPerOrigin - probeRoom),
    elasticHorizonMs: ELASTIC_HORIZON_MS,
    walkAfterMs: WALK_AFTER_MS,
    // Sends that turned failing or slow after they started, beyond the limited share; at most
    // maxPerOrigin more, so a host never sees more than twice the cap (connections to match:
    // DELIVERY_CONNECTIONS_PER_ORIGIN).
    overflow: (origin, now) => Math.min(maxPerOrigin, Math.max(0, loads.sendingAt(origin, limited(now)) - maxLimitedPerOrigin)),
  });
  const signer = createSigner({ db, secretBox: deps.secretBox, clock, cacheMs: o.secretCacheMs });
  const sendContext = { http: deps.http, signer, clock, timeoutMs: o.timeoutMs, userAgent: o.userAgent };
  const tokenPrefix = `${deps.workerId}.${globalThis.crypto.randomUUID().slice(0, 8)}`;
  let claimCounter = 0;

  const pacer = new ClaimPacer(capacity, probeRoom);
  // `flush` (below) commits what the batcher gathered and refills the queue.
  const commits = new CommitBatcher(flush, pacer, Math.min(maxInFlight, prefetch / 2));
  const queue = new SendQueue({
    clock,
    logger,
    onAttempt: deps.onAttempt,
    sendContext,
    circuits,
    slots,
    loads,
    limited,
    maxLimitedPerOrigin,
    maxLimitedInFlight,
    limitedRetryMs: circuitOptions.probeWaitMs,
    pacer,
    commits,
    maxInFlight,
    originBusyRetryMs,
  });
  const { flights } = queue;
  let waiters: Array<() => void> = [];

  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };

  /** Commits finished sends and hand-backs, and refills the ready queue, in one transaction. */
  function flush(): void {
    commits.cancelScheduled();
    if (queue.closed) return;
    // An origin that was fast and stalled gives back what it queued beyond the fixed cap.
    const at = clock.now();
    for (const f of slots.takeOverCap(at)) queue.handBack(f, at + originBusyRetryMs);
    queue.startStalledWaiting();
    const batch = commits.outcomes;
    const released = commits.handBacks;
    commits.outcomes = [];
    commits.handBacks = [];
    for (const item of batch) flights.delete(item.flight.delivery.id);
    let report: CommitReport | null = null;
    try {
      claimInto(clock.now(), (now) => {
        if (batch.length) report = commitOutcomes(db, batch, now, commitPolicy);
        releaseDeliveries(db, released, now);
      });
    } catch (err) {
      // The leases stay: these deliveries are due again when they expire (at-least-once). A
      // storage failure is logged (once, with a count) by the store's health, not per commit.
      logger[classifyStorageError(err) ? 'debug' : 'error']({ err, count: batch.length }, 'committing delivery outcomes failed');
    }
    if (report) reportCommit(report);
    notify();
  }

  const reportCommit = (report: CommitReport) => {
    for (const a of report.applied) {
      const d = a.outcome.delivery;
      deps.onOutcome?.({
        deliveryId: d.id,
        tenantId: d.tenantId,
        status: a.status,
        nextAttemptAt: a.nextAttemptAt,
        eventCreatedAt: d.createdAt,
      });
      if (a.status === 'dead') logger.warn({ deliveryId: d.id, url: d.url }, 'delivery is dead');
    }
    for (const t of report.disabled) {
      logger.warn(t, `${t.target} disabled`);
      queue.dropUnsent((d) => d.url === t.url && (t.target === 'subscription' ? d.subscriptionId === t.id : d.jobId === t.id && !d.subscriptionId));
    }
  };

  /**
   * Claims due deliveries up to free room (after `before`, in the same transaction) into the
   * ready queue, and starts what free send slots allow.
   */
  const claimInto = (now: number, before?: (now: number) => void): void => {
    const limit = queue.stopping ? 0 : pacer.limit(now, flights.size, batchSize);
    let rows: ClaimedDelivery[] = [];
    db.transaction(() => {
      before?.(now);
      if (limit > 0) rows = claimDueDeliveries(db, { leaseToken: `${tokenPrefix}.${++claimCounter}`, now, leaseExpiresAt: now + leaseMs, limit });
    });
    const admitted = rows.map((d): Flight => ({ delivery: d, origin: originOf(d.url), endpoint: endpointOf(d.tenantId, d.url), probe: false }));
    const claimed = rows.length;
    for (const f of admitted) queue.add(f);
    const holdUntil = queue.pump();
    pacer.claimed(now, limit, claimed, holdUntil !== null);
    if (holdUntil !== null) pacer.hold(holdUntil, flights.size);
    if (commits.handBacks.length) queue.scheduleCommit();
  };

  const isIdle = () => flights.size === 0 && commits.isEmpty;
  const idle = async () => {
    while (!isIdle()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  return {
    async runOnce(): Promise<StepResult> {
      if (queue.stopping) return { nextDueAt: null, more: false };
      // While sends are finishing, their commit is already scheduled and claims replacements in
      // the same transaction: claiming here too would only split that into small transactions.
      // Unless nothing is queued for the send slots: then new work (the loop was woken) goes now.
      if (commits.scheduled && queue.stocked > 0) return { nextDueAt: clock.now() + FULL_RECHECK_MS, more: false };
      flush();
      const now = clock.now();
      // Full: finishing sends refill the queue themselves (flush).
      if (flights.size >= capacity) return { nextDueAt: now + FULL_RECHECK_MS, more: false };
      if (pacer.full) return { nextDueAt: now, more: true };
      const due = nextDueDeliveryAt(db);
      // Holding: finishing sends claim replacements; the loop looks again when the hold ends.
      const holdEnd = pacer.holdEnd(now);
      return { nextDueAt: due !== null && holdEnd !== null ? Math.max(due, holdEnd) : due, more: false };
    },

    async stop(graceMs: number): Promise<void> {
      if (queue.stopping) return;
      queue.stopping = true;
      // Not sent yet: give them back at once.
      queue.handBackUnsent(clock.now());
      flush();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([idle(), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      flush();
      // Still sending after the grace period: give them back so a restart delivers them. The
      // receiver may still get this attempt, so it can arrive twice (same webhook-id).
      const at = clock.now();
      const left = [...flights.values()];
      for (const f of left) queue.handBack(f, at);
      try {
        releaseDeliveries(db, commits.handBacks.splice(0), at);
      } catch (err) {
        // Storage failing at shutdown: the leases expire and the next start takes them over.
        if (!classifyStorageError(err)) throw err;
      }
      if (left.length) logger.info({ released: left.length }, 'released in-flight deliveries on shutdown');
      queue.closed = true;
      commits.cancelScheduled();
      notify();
    },

    idle,

    get inFlight() {
      return flights.size;
    },
  };
}
