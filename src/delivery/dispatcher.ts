/**
 * The delivery engine. Claimed deliveries (leased, in one statement) wait in a small ready
 * queue; up to maxInFlight of them are sent at once, at most maxPerOrigin per origin. A
 * finished send is replaced from the ready queue at once, and finished sends are committed in
 * batches, together with the claim that refills the queue (one transaction). Nothing ever
 * waits for a slow send, so one hanging receiver cannot hold back deliveries to healthy ones.
 * A busy origin's queue is bounded by its measured drain rate (originPace.ts): deliveries it
 * has no room for go back to the database, and the claims either walk past its backlog (slow
 * or stalled origin) or hold until it has worked off what it holds (an origin that keeps up).
 */
import { CircuitBreakers, DEFAULT_CIRCUIT } from '../core/circuitBreaker.ts';
import type { StepResult } from '../core/step.ts';
import { claimDueDeliveries, type ClaimedDelivery } from '../store/queries/claimDueDeliveries.ts';
import { releaseDeliveries, type DeliveryRelease } from '../store/queries/releaseDeliveries.ts';
import { nextDueDeliveryAt } from '../store/queries/nextDueDelivery.ts';
import { FAILING_DISABLE_AFTER_MS } from '../store/queries/subscriptionFailing.ts';
import { commitOutcomes, type CommitReport, type SendOutcome } from './commitOutcomes.ts';
import { createSigner } from './signer.ts';
import { OriginSlots, originOf } from './origins.ts';
import { ClaimPacer } from './claimPacer.ts';
import { sendDelivery } from './send.ts';
import type { Dispatcher, DispatcherDeps } from './types.ts';

export type { Dispatcher, DispatcherDeps, DispatcherOptions, AttemptInfo, OutcomeInfo } from './types.ts';

interface Flight {
  delivery: ClaimedDelivery;
  origin: string;
  probe: boolean;
}

/** While the engine refills itself, the loop needs to look again only for work falling due meanwhile. */
const FULL_RECHECK_MS = 1_000;
/** Longest a finished send waits to be committed while the ready queue is still well stocked. */
const COMMIT_DELAY_MS = 25;
/**
 * The same, while there is a backlog (the last claim was full): the queues are refilled by the
 * urgent flush when they run low anyway, and a larger batch makes each delivery's share of the
 * COMMIT smaller (55 us at 32 outcomes per transaction, 18 us at 512).
 */
const BACKLOG_COMMIT_DELAY_MS = 100;
/** Outcomes that are committed at once, without waiting for the delay. */
const MAX_COMMIT_BATCH = 512;
/** A fast origin may queue what it drains in this long (see originPace.ts). */
const ELASTIC_HORIZON_MS = 250;
/** Claims walk past a busy origin's backlog when it needs longer than this to work off what it holds. */
const WALK_AFTER_MS = 1_000;
/** Shortest wait for a delivery handed back by a busy (not failing) origin. */
const MIN_BUSY_RETRY_MS = 20;

/** The same target: one subscription, or one job's callback, at the same URL. */
const sameTarget = (a: ClaimedDelivery, b: ClaimedDelivery): boolean =>
  a.url === b.url && (a.subscriptionId ? a.subscriptionId === b.subscriptionId : !b.subscriptionId && a.jobId === b.jobId);

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { db, clock, logger } = deps;
  const o = deps.options;
  const maxInFlight = o.maxInFlight ?? 256;
  const prefetch = o.prefetch ?? Math.max(maxInFlight, 64);
  const batchSize = o.batchSize ?? 256;
  const maxPerOrigin = o.maxPerOrigin ?? 32;
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
  const circuits = new CircuitBreakers({ ...DEFAULT_CIRCUIT, ...o.circuit });
  const maxWaitingPerOrigin = o.maxWaitingPerOrigin ?? prefetch;
  const slots = new OriginSlots<Flight>({
    maxPerOrigin,
    maxWaitingPerOrigin,
    maxElasticWaiting: Math.max(maxWaitingPerOrigin, capacity - maxPerOrigin - probeRoom),
    elasticHorizonMs: ELASTIC_HORIZON_MS,
    walkAfterMs: WALK_AFTER_MS,
  });
  const signer = createSigner({ db, secretBox: deps.secretBox, clock, cacheMs: o.secretCacheMs });
  const sendContext = { http: deps.http, signer, clock, timeoutMs: o.timeoutMs, userAgent: o.userAgent };
  const tokenPrefix = `${deps.workerId}.${globalThis.crypto.randomUUID().slice(0, 8)}`;
  let claimCounter = 0;

  /** Every claimed delivery not yet committed or handed back: ready, waiting for an origin, sending. */
  const flights = new Map<string, Flight>();
  const ready: Flight[] = [];
  let sending = 0;
  let outcomes: Array<SendOutcome & { flight: Flight }> = [];
  let handBacks: DeliveryRelease[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  let flushSoon = false;
  const pacer = new ClaimPacer(capacity, probeRoom);
  let stopping = false;
  let closed = false;
  let waiters: Array<() => void> = [];

  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };

  const handBack = (f: Flight, dueAt: number) => {
    flights.delete(f.delivery.id);
    if (f.probe) circuits.abandonProbe(f.origin, clock.now());
    handBacks.push({ id: f.delivery.id, leaseToken: f.delivery.leaseToken, dueAt });
  };

  /**
   * Moves ready deliveries into free send slots. The circuit is asked here, at send time, so a
   * delivery claimed before its origin's circuit opened is deferred too. Returns when claims
   * should hold (an origin that keeps up had no room, see ClaimPacer), or null.
   */
  const pump = (): number | null => {
    let holdUntil: number | null = null;
    while (sending < maxInFlight && ready.length > 0 && !stopping) {
      const f = ready.shift()!;
      const admission = circuits.admit(f.origin, clock.now());
      if (!admission.ok) {
        handBack(f, admission.retryAt);
        continue;
      }
      f.probe = admission.probe;
      const now = clock.now();
      const slot = slots.offer(f.origin, f, now);
      if (slot === 'send') send(f);
      else if (slot === 'full') {
        const pace = slots.busyPace(f.origin, now, { minMs: MIN_BUSY_RETRY_MS, maxMs: originBusyRetryMs });
        handBack(f, now + pace.delayMs);
        if (!pace.walkOn) holdUntil = Math.max(holdUntil ?? 0, now + Math.min(pace.delayMs, FULL_RECHECK_MS));
      }
    }
    return holdUntil;
  };

  const send = (f: Flight) => {
    sending += 1;
    const d = f.delivery;
    // A delivery that waited past its lease may already be another worker's: leave it alone.
    if (clock.now() >= d.leaseExpiresAt) {
      if (f.probe) circuits.abandonProbe(f.origin, clock.now());
      flights.delete(d.id);
      finishSend(f);
      return;
    }
    void sendDelivery(d, sendContext).then((outcome) => {
      if (closed || flights.get(d.id) !== f) return; // released on shutdown
      if (outcome.verdict.kind === 'retry' && outcome.verdict.originFailure) {
        if (circuits.recordFailure(f.origin, clock.now())) logger.warn({ origin: f.origin }, 'circuit opened: deliveries to this origin are deferred');
      } else circuits.recordSuccess(f.origin);
      logger.debug(
        { deliveryId: d.id, origin: f.origin, statusCode: outcome.statusCode, verdict: outcome.verdict.kind, durationMs: outcome.durationMs },
        'delivery attempt',
      );
      deps.onAttempt?.({
        deliveryId: d.id,
        tenantId: d.tenantId,
        origin: f.origin,
        durationMs: outcome.durationMs,
        statusCode: outcome.statusCode,
        verdict: outcome.verdict.kind,
      });
      outcomes.push({ ...outcome, flight: f });
      // 410: nothing more goes to this target, not even what is already claimed (the commit
      // cancels those rows).
      if (outcome.verdict.kind === 'gone') dropUnsent((x) => sameTarget(x, d));
      finishSend(f);
    });
  };

  /** Frees the send slot: the origin's waiting delivery or the next ready one takes it. */
  const finishSend = (f: Flight) => {
    sending -= 1;
    const now = clock.now();
    const next = slots.done(f.origin, now);
    if (next) {
      const admission = stopping ? ({ ok: false, retryAt: now } as const) : circuits.admit(f.origin, now);
      if (admission.ok) {
        next.probe = admission.probe;
        send(next);
      } else {
        // The origin's circuit opened meanwhile: its waiting deliveries go back, unattempted.
        for (const w of [next, ...slots.drainOrigin(f.origin)]) handBack(w, admission.retryAt);
        slots.releaseSlot(f.origin);
      }
    }
    const holdUntil = pump();
    if (holdUntil !== null) pacer.hold(holdUntil, flights.size);
    scheduleFlush();
  };

  const scheduleFlush = () => {
    // Commit in the next turn when the queues run low while more is due (they are refilled in
    // the same transaction); otherwise let outcomes gather into one transaction for a few
    // milliseconds. Without a backlog there is nothing to refill: new work wakes runOnce, which
    // claims at once, so committing every send on its own would only cost transactions.
    const stocked = ready.length + slots.waitingCount;
    const refill = pacer.backlog && stocked < Math.min(maxInFlight, prefetch / 2);
    const urgent = refill || outcomes.length >= MAX_COMMIT_BATCH || stopping;
    if (urgent && !flushSoon) {
      flushSoon = true;
      setImmediate(flush);
    } else if (!flushTimer && !flushSoon) {
      flushTimer = setTimeout(flush, pacer.backlog ? BACKLOG_COMMIT_DELAY_MS : COMMIT_DELAY_MS);
    }
  };

  /** Commits finished sends and hand-backs, and refills the ready queue, in one transaction. */
  function flush(): void {
    flushSoon = false;
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (closed) return;
    // An origin that was fast and stalled gives back what it queued beyond the fixed cap.
    const at = clock.now();
    for (const f of slots.takeOverCap(at)) handBack(f, at + originBusyRetryMs);
    const batch = outcomes;
    const released = handBacks;
    outcomes = [];
    handBacks = [];
    for (const item of batch) flights.delete(item.flight.delivery.id);
    let report: CommitReport | null = null;
    try {
      claimInto(clock.now(), (now) => {
        if (batch.length) report = commitOutcomes(db, batch, now, commitPolicy);
        releaseDeliveries(db, released, now);
      });
    } catch (err) {
      // The leases stay: these deliveries are due again when they expire (at-least-once).
      logger.error({ err, count: batch.length }, 'committing delivery outcomes failed');
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
      dropUnsent((d) => d.url === t.url && (t.target === 'subscription' ? d.subscriptionId === t.id : d.jobId === t.id && !d.subscriptionId));
    }
  };

  /** Forgets claimed, unsent deliveries whose rows were canceled (their lease is gone with it). */
  const dropUnsent = (match: (d: ClaimedDelivery) => boolean) => {
    const dropped = [...slots.removeWaiting((f) => match(f.delivery))];
    for (let i = ready.length - 1; i >= 0; i--) if (match(ready[i]!.delivery)) dropped.push(...ready.splice(i, 1));
    for (const f of dropped) {
      flights.delete(f.delivery.id);
      if (f.probe) circuits.abandonProbe(f.origin, clock.now());
    }
  };

  /**
   * Claims due deliveries up to free room (after `before`, in the same transaction) into the
   * ready queue, and starts what free send slots allow.
   */
  const claimInto = (now: number, before?: (now: number) => void): void => {
    const limit = stopping ? 0 : pacer.limit(now, flights.size, batchSize);
    let rows: ClaimedDelivery[] = [];
    db.transaction(() => {
      before?.(now);
      if (limit > 0) rows = claimDueDeliveries(db, { leaseToken: `${tokenPrefix}.${++claimCounter}`, now, leaseExpiresAt: now + leaseMs, limit });
    });
    const admitted = rows.map((d): Flight => ({ delivery: d, origin: originOf(d.url), probe: false }));
    const claimed = rows.length;
    for (const f of admitted) {
      flights.set(f.delivery.id, f);
      ready.push(f);
    }
    const holdUntil = pump();
    pacer.claimed(now, limit, claimed, holdUntil !== null);
    if (holdUntil !== null) pacer.hold(holdUntil, flights.size);
    if (handBacks.length) scheduleFlush();
  };

  const isIdle = () => flights.size === 0 && outcomes.length === 0 && handBacks.length === 0;
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
      if (stopping) return { nextDueAt: null, more: false };
      // While sends are finishing, their commit is already scheduled and claims replacements in
      // the same transaction: claiming here too would only split that into small transactions.
      // Unless nothing is queued for the send slots: then new work (the loop was woken) goes now.
      const stocked = ready.length + slots.waitingCount > 0;
      if ((flushTimer || flushSoon) && stocked) return { nextDueAt: clock.now() + FULL_RECHECK_MS, more: false };
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
      if (stopping) return;
      stopping = true;
      // Not sent yet: give them back at once.
      const now = clock.now();
      for (const f of [...ready.splice(0), ...slots.drainWaiting()]) handBack(f, now);
      flush();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([idle(), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      flush();
      // Still sending after the grace period: give them back so a restart delivers them. The
      // receiver may still get this attempt, so it can arrive twice (same webhook-id).
      const at = clock.now();
      const left = [...flights.values()];
      for (const f of left) handBack(f, at);
      releaseDeliveries(db, handBacks.splice(0), at);
      if (left.length) logger.info({ released: left.length }, 'released in-flight deliveries on shutdown');
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      notify();
    },

    idle,

    get inFlight() {
      return flights.size;
    },
  };
}
