/**
 * The dispatcher's claimed deliveries between claim and commit: a small ready queue, the send
 * slots (at most maxInFlight at once, at most maxPerOrigin per origin as politeness, a bounded
 * queue per busy origin, see origins.ts), and each endpoint's circuit, asked at send time.
 * Failing or slow endpoints may hold only maxLimitedPerOrigin of their host's slots together, so
 * healthy endpoints on the same host keep the rest (and maxLimitedInFlight of all sends, where
 * every origin shares a few connections), and an endpoint that has not proven itself
 * yet gets one send at a time: its other deliveries are parked until it answers. A finished
 * send is replaced at once, from its origin's queue or the ready queue, and its outcome goes to
 * the CommitBatcher; nothing ever waits for a slow send.
 */
import type { CircuitBreakers } from '../core/circuitBreaker.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ClaimedDelivery } from '../store/queries/claimDueDeliveries.ts';
import type { OriginSlots } from './origins.ts';
import { Parking, SLOW_AFTER_MS, type EndpointLoads } from './endpoints.ts';
import type { ClaimPacer } from './claimPacer.ts';
import type { CommitBatcher } from './commitBatcher.ts';
import { sendDelivery, type SendContext } from './send.ts';
import type { DispatcherDeps } from './types.ts';

export interface Flight {
  delivery: ClaimedDelivery;
  origin: string;
  /** Tenant + URL: what its circuit and load are kept for (endpoints.ts). */
  endpoint: string;
  probe: boolean;
}

/** While the engine refills itself, the loop needs to look again only for work falling due meanwhile. */
export const FULL_RECHECK_MS = 1_000;
/** Shortest wait for a delivery handed back by a busy (not failing) origin. */
const MIN_BUSY_RETRY_MS = 20;

/** The same target: one subscription, or one job's callback, at the same URL. */
const sameTarget = (a: ClaimedDelivery, b: ClaimedDelivery): boolean =>
  a.url === b.url && (a.subscriptionId ? a.subscriptionId === b.subscriptionId : !b.subscriptionId && a.jobId === b.jobId);

export interface SendQueueDeps {
  clock: Clock;
  logger: Logger;
  onAttempt: DispatcherDeps['onAttempt'];
  sendContext: SendContext;
  circuits: CircuitBreakers;
  slots: OriginSlots<Flight>;
  loads: EndpointLoads;
  /** At `now`: whether an endpoint is failing or slow (its sends count against the limited share). */
  limited: (now: number) => (endpoint: string) => boolean;
  /** Sends at once to one origin's failing or slow endpoints, together. */
  maxLimitedPerOrigin: number;
  /** Sends at once to failing or slow endpoints over all origins, together. */
  maxLimitedInFlight: number;
  /** When a failing or slow endpoint's delivery that found no room for such sends is due again. */
  limitedRetryMs: number;
  pacer: ClaimPacer;
  /** Where finished sends and hand-backs go. */
  commits: CommitBatcher;
  maxInFlight: number;
  originBusyRetryMs: number;
}

export class SendQueue {
  /** Every claimed delivery not yet committed or handed back: ready, waiting for an origin, sending. */
  readonly flights = new Map<string, Flight>();
  private readonly ready: Flight[] = [];
  /** Deliveries of unproven endpoints waiting for the send that is out to answer. */
  private readonly parked = new Parking<Flight>();
  private sending = 0;
  private stallTimer: ReturnType<typeof setTimeout> | null = null;
  /** No more sends start (shutdown). */
  stopping = false;
  /** Shut down: late answers are ignored, their deliveries were released. */
  closed = false;
  private readonly commits: CommitBatcher;

  constructor(private readonly deps: SendQueueDeps) {
    this.commits = deps.commits;
  }

  /** Deliveries queued for the send slots: ready, or waiting for a slot at their origin. */
  get stocked(): number {
    // Not the parked ones: they wait for an endpoint's answer, not for a slot.
    return this.ready.length + this.deps.slots.waitingCount;
  }

  /** Takes claimed deliveries into the ready queue. */
  add(flight: Flight): void {
    this.flights.set(flight.delivery.id, flight);
    this.ready.push(flight);
  }

  scheduleCommit(): void {
    this.commits.schedule(this.stocked, this.stopping);
  }

  handBack(f: Flight, dueAt: number): void {
    this.flights.delete(f.delivery.id);
    if (f.probe) this.deps.circuits.abandonProbe(f.endpoint, this.deps.clock.now());
    this.commits.handBacks.push({ id: f.delivery.id, leaseToken: f.delivery.leaseToken, dueAt });
  }

  /** Gives back every delivery not sent yet (shutdown). */
  handBackUnsent(now: number): void {
    for (const f of [...this.ready.splice(0), ...this.deps.slots.drainWaiting(), ...this.parked.takeAll()]) this.handBack(f, now);
  }

  /**
   * Moves ready deliveries into free send slots. The circuit is asked here, at send time, so a
   * delivery claimed before its endpoint's circuit opened is deferred too. Returns when claims
   * should hold (an origin that keeps up had no room, see ClaimPacer), or null.
   */
  pump(): number | null {
    const { slots, clock } = this.deps;
    let holdUntil: number | null = null;
    while (this.sending < this.deps.maxInFlight && this.ready.length > 0 && !this.stopping) {
      const f = this.ready.shift()!;
      const now = clock.now();
      if (this.parks(f, now)) continue;
      const refusedUntil = this.refusal(f, now, false);
      if (refusedUntil !== null) {
        this.handBack(f, refusedUntil);
        continue;
      }
      const slot = slots.offer(f.origin, f, now);
      if (slot === 'send') this.send(f);
      else if (slot === 'wait') this.watchStalls();
      else if (slot === 'full') {
        const pace = slots.busyPace(f.origin, now, { minMs: MIN_BUSY_RETRY_MS, maxMs: this.deps.originBusyRetryMs });
        this.handBack(f, now + pace.delayMs);
        if (!pace.walkOn) holdUntil = Math.max(holdUntil ?? 0, now + Math.min(pace.delayMs, FULL_RECHECK_MS));
      }
    }
    return holdUntil;
  }

  /**
   * Deliveries waiting at an origin whose sends turned slow or failing (beyond their share) get
   * the room those do not count against: a host full of hanging sends that looked healthy when
   * they started does not hold back the healthy endpoints waiting behind them. Runs on the
   * dispatcher's steps and, while deliveries wait, on a timer.
   */
  startStalledWaiting(): void {
    if (this.stopping) return;
    const now = this.deps.clock.now();
    for (const endpoint of this.parked.endpoints()) if (this.deps.loads.slow(endpoint, now)) this.unpark(endpoint);
    for (const f of this.deps.slots.startWaiting(now)) this.sendWithSlot(f, now);
  }

  /**
   * An unproven endpoint with a send out: `f` waits for that answer (one send at a time). Not
   * once that send is slow: then the endpoint is limited (refusal) and its deliveries go back.
   */
  private parks(f: Flight, now: number): boolean {
    const { loads } = this.deps;
    if (loads.sending(f.endpoint) === 0 || !loads.unproven(f.endpoint) || loads.slow(f.endpoint, now)) return false;
    this.parked.park(f);
    this.watchStalls();
    return true;
  }

  /** The endpoint answered (or turned slow): its parked deliveries go first in the ready queue. */
  private unpark(endpoint: string): void {
    const list = this.parked.take(endpoint);
    if (list.length) this.ready.unshift(...list);
  }

  /**
   * `next` holds an origin slot: it is sent, or, if its endpoint may not send now (its circuit
   * opened meanwhile, or it turned slow and the limited sends are full), it goes back
   * unattempted and the slot passes on to the origin's next waiting delivery.
   */
  private sendWithSlot(next: Flight | undefined, now: number): void {
    while (next) {
      if (!this.stopping && this.parks(next, now)) {
        next = this.deps.slots.releaseSlot(next.origin);
        continue;
      }
      const refusedUntil = this.stopping ? now : this.refusal(next, now, true);
      if (refusedUntil === null) {
        this.send(next);
        return;
      }
      this.handBack(next, refusedUntil);
      next = this.deps.slots.releaseSlot(next.origin);
    }
  }

  private watchStalls(): void {
    if (this.stallTimer || this.closed) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      if (this.closed) return;
      this.startStalledWaiting();
      const holdUntil = this.pump();
      if (holdUntil !== null) this.deps.pacer.hold(holdUntil, this.flights.size);
      if (this.deps.slots.waitingCount > 0 || this.parked.count > 0) this.watchStalls();
      this.scheduleCommit();
    }, SLOW_AFTER_MS);
    this.stallTimer.unref?.();
  }

  /**
   * Whether `f` may be sent now, as far as its endpoint goes: null, or when it is due again.
   * Its circuit decides first. A delivery to an endpoint that is failing (its last attempt
   * failed, or this is its probe) or slow then needs room among the origin's limited sends:
   * such deliveries never wait for a slot, they go back to the database for later.
   * `holdsSlot`: it inherited an origin slot already.
   */
  private refusal(f: Flight, now: number, holdsSlot: boolean): number | null {
    const { circuits, loads, slots } = this.deps;
    const admission = circuits.admit(f.endpoint, now);
    if (!admission.ok) return admission.retryAt;
    f.probe = admission.probe;
    if (!f.probe && !circuits.failing(f.endpoint) && !loads.slow(f.endpoint, now)) return null;
    if (!holdsSlot && !slots.hasRoom(f.origin)) return now + this.deps.limitedRetryMs;
    const limited = this.deps.limited(now);
    if (loads.sendingAt(f.origin, limited) >= this.deps.maxLimitedPerOrigin) return now + this.deps.limitedRetryMs;
    if (this.deps.maxLimitedInFlight < this.deps.maxInFlight && loads.sendingAnywhere(limited) >= this.deps.maxLimitedInFlight) {
      return now + this.deps.limitedRetryMs;
    }
    return null;
  }

  private send(f: Flight): void {
    const { circuits, loads, clock, logger } = this.deps;
    this.sending += 1;
    const d = f.delivery;
    // A delivery that waited past its lease may already be another worker's: leave it alone.
    if (clock.now() >= d.leaseExpiresAt) {
      if (f.probe) circuits.abandonProbe(f.endpoint, clock.now());
      this.flights.delete(d.id);
      this.finishSend(f);
      return;
    }
    loads.started(f.endpoint, f.origin, clock.now());
    void sendDelivery(d, this.deps.sendContext).then((outcome) => {
      const failed = outcome.verdict.kind === 'retry' && outcome.verdict.endpointFailure;
      loads.finished(f.endpoint, clock.now(), outcome.durationMs, failed);
      if (this.closed || this.flights.get(d.id) !== f) return; // released on shutdown
      this.unpark(f.endpoint);
      if (failed) {
        if (circuits.recordFailure(f.endpoint, clock.now())) {
          logger.warn({ tenantId: d.tenantId, url: d.url }, 'circuit opened: deliveries to this endpoint are deferred');
        }
      } else circuits.recordSuccess(f.endpoint);
      logger.debug(
        { deliveryId: d.id, origin: f.origin, statusCode: outcome.statusCode, verdict: outcome.verdict.kind, durationMs: outcome.durationMs },
        'delivery attempt',
      );
      this.deps.onAttempt?.({
        deliveryId: d.id,
        tenantId: d.tenantId,
        origin: f.origin,
        durationMs: outcome.durationMs,
        statusCode: outcome.statusCode,
        verdict: outcome.verdict.kind,
      });
      this.commits.outcomes.push({ ...outcome, flight: f });
      // 410: nothing more goes to this target, not even what is already claimed (the commit
      // cancels those rows).
      if (outcome.verdict.kind === 'gone') this.dropUnsent((x) => sameTarget(x, d));
      this.finishSend(f);
    });
  }

  /**
   * Frees the send slot: the origin's waiting delivery or the next ready one takes it. One
   * endpoint's state never holds back another's deliveries (sendWithSlot).
   */
  private finishSend(f: Flight): void {
    const { slots, clock } = this.deps;
    this.sending -= 1;
    const now = clock.now();
    this.sendWithSlot(slots.done(f.origin, now), now);
    const holdUntil = this.pump();
    if (holdUntil !== null) this.deps.pacer.hold(holdUntil, this.flights.size);
    this.scheduleCommit();
  }

  /** Forgets claimed, unsent deliveries whose rows were canceled (their lease is gone with it). */
  dropUnsent(match: (d: ClaimedDelivery) => boolean): void {
    const dropped = [...this.deps.slots.removeWaiting((f) => match(f.delivery))];
    for (let i = this.ready.length - 1; i >= 0; i--) if (match(this.ready[i]!.delivery)) dropped.push(...this.ready.splice(i, 1));
    dropped.push(...this.parked.remove((f) => match(f.delivery)));
    for (const f of dropped) {
      this.flights.delete(f.delivery.id);
      if (f.probe) this.deps.circuits.abandonProbe(f.endpoint, this.deps.clock.now());
    }
  }
}
