/**
 * The live event stream's connections: who is listening, per tenant, and the wake-up that tells
 * them new events were committed. Runtime-free (web timers only).
 *
 * A wake-up carries no data: each connection reads its tenant's feed after its own cursor, so an
 * event is never lost between a backlog read and the live phase, and a slow reader never makes
 * the hub hold events for it. The same commit hook that wakes the delivery engine calls
 * notify(); `latestSeq`, read once per `checkMs` by the hub (not per connection) while anyone is
 * listening, catches commits made by another process on the same database.
 */
export interface StreamConnection {
  /** New events may be there: read the feed after the cursor. */
  wake(): void;
  /** The server is shutting down: end the stream. */
  close(): void;
  /** Also woken by delivery outcomes (the dashboard's live channel), not only by new events. */
  followsOutcomes?: boolean;
}

export interface StreamHubOptions {
  /** Open streams per tenant; one more is refused (429). */
  maxPerTenant?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** Bytes a stream may hold that the client has not taken yet. */
  bufferBytes?: number;
  /** A client whose buffer stays full this long is disconnected (it resumes with Last-Event-ID). */
  stallMs?: number;
  /** The feed's newest seq over all tenants. */
  latestSeq?: () => number;
  checkMs?: number;
}

export type JoinResult = { ok: true; leave: () => void } | { ok: false; reason: 'full' | 'closed' };

export class StreamHub {
  readonly maxPerTenant: number;
  readonly heartbeatMs: number;
  readonly bufferBytes: number;
  readonly stallMs: number;
  private readonly byTenant = new Map<string, Set<StreamConnection>>();
  private readonly latestSeq: (() => number) | undefined;
  private readonly checkMs: number;
  private lastSeen = -1;
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  /** 0: nothing queued; 1: delivery outcomes only; 2: events (wakes everyone). */
  private queued: 0 | 1 | 2 = 0;
  private closed = false;

  constructor(options: StreamHubOptions = {}) {
    this.maxPerTenant = options.maxPerTenant ?? 5;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.bufferBytes = options.bufferBytes ?? 256 * 1024;
    this.stallMs = options.stallMs ?? 15_000;
    this.latestSeq = options.latestSeq;
    this.checkMs = options.checkMs ?? 1000;
  }

  /** `key` is the tenant id, or another name with its own limit `max` (the dashboard's). */
  join(tenantId: string, connection: StreamConnection, max: number = this.maxPerTenant): JoinResult {
    if (this.closed) return { ok: false, reason: 'closed' };
    let set = this.byTenant.get(tenantId);
    if (set && set.size >= max) return { ok: false, reason: 'full' };
    if (!set) this.byTenant.set(tenantId, (set = new Set()));
    set.add(connection);
    this.startChecking();
    const leave = () => {
      set!.delete(connection);
      if (set!.size === 0 && this.byTenant.get(tenantId) === set) this.byTenant.delete(tenantId);
      if (this.byTenant.size === 0) this.stopChecking();
    };
    return { ok: true, leave };
  }

  /** Events were committed: wake every connection once (many commits in one tick wake once). */
  notify(): void {
    this.queue(2);
  }

  /**
   * Delivery outcomes were committed: wake the connections that follow them. The event stream's
   * do not (an outcome adds no event to the feed, except an operational one, which the
   * `latestSeq` check finds within `checkMs`).
   */
  notifyOutcomes(): void {
    this.queue(1);
  }

  private queue(level: 1 | 2): void {
    // Nobody listening (the usual case for a busy delivery engine): not even a microtask.
    if (this.closed || this.byTenant.size === 0) return;
    const already = this.queued !== 0;
    if (level > this.queued) this.queued = level;
    if (already) return;
    queueMicrotask(() => {
      const everyone = this.queued === 2;
      this.queued = 0;
      for (const set of this.byTenant.values()) for (const c of set) if (everyone || c.followsOutcomes) c.wake();
    });
  }

  connections(tenantId?: string): number {
    if (tenantId !== undefined) return this.byTenant.get(tenantId)?.size ?? 0;
    let n = 0;
    for (const set of this.byTenant.values()) n += set.size;
    return n;
  }

  /** Ends every stream and refuses new ones (shutdown). */
  close(): void {
    this.closed = true;
    this.stopChecking();
    for (const set of [...this.byTenant.values()]) for (const c of [...set]) c.close();
  }

  private startChecking(): void {
    if (this.checkTimer || !this.latestSeq) return;
    this.lastSeen = this.safeLatest();
    this.checkTimer = setInterval(() => {
      const seq = this.safeLatest();
      if (seq !== this.lastSeen) {
        this.lastSeen = seq;
        this.notify();
      }
    }, this.checkMs);
    // Node: the check alone must not keep a process alive.
    (this.checkTimer as { unref?: () => void }).unref?.();
  }

  private stopChecking(): void {
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = null;
  }

  private safeLatest(): number {
    try {
      return this.latestSeq!();
    } catch {
      return this.lastSeen;
    }
  }
}
