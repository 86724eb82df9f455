/**
 * Delivery endpoints: one tenant's one target URL (a job's callbackUrl or a subscription's URL).
 * Failure state (circuit, retries, pacing after errors) belongs to the endpoint, never to its host:
 * many tenants and URLs share hosts (a customer's API gateway, hooks.zapier.com, one ngrok
 * domain). This file keeps what the send slots need to know about each endpoint's load: how many
 * sends are out, whether it is slow, and whether it has proven itself: an endpoint that has not
 * answered quickly and well yet (new, or failing or slow since) gets one send at a time, so a
 * hanging receiver nobody knew about holds one of its host's slots, not all of them.
 */

/** An endpoint whose sends take longer than this (or have been out this long, none finishing) is slow. */
export const SLOW_AFTER_MS = 1_000;

/** The endpoint a delivery goes to: tenant + exact URL. */
export function endpointOf(tenantId: string, url: string): string {
  return `${tenantId} ${url}`;
}

interface Load {
  origin: string;
  sending: number;
  /** When its sends last went from none to some. */
  busySince: number;
  lastDoneAt: number;
  /** Its last finished send took longer than SLOW_AFTER_MS. */
  slowAnswer: boolean;
  /** Its last finished send was answered well (not an endpoint failure) within SLOW_AFTER_MS. */
  proven: boolean;
}

/** Endpoints remembered at most while idle; beyond it the memory of idle ones is dropped. */
const MAX_IDLE = 10_000;

export class EndpointLoads {
  private readonly loads = new Map<string, Load>();
  /** Endpoints with sends out, per origin. */
  private readonly busy = new Map<string, Set<string>>();

  started(endpoint: string, origin: string, now: number): void {
    let load = this.loads.get(endpoint);
    if (!load) {
      load = { origin, sending: 0, busySince: now, lastDoneAt: now, slowAnswer: false, proven: false };
      this.loads.set(endpoint, load);
    }
    if (load.sending++ === 0) {
      load.busySince = now;
      let set = this.busy.get(origin);
      if (!set) this.busy.set(origin, (set = new Set()));
      set.add(endpoint);
    }
  }

  /** `failed`: the answer was an endpoint failure (timeout, connection error, 5xx). */
  finished(endpoint: string, now: number, durationMs: number, failed: boolean): void {
    const load = this.loads.get(endpoint);
    if (!load) return;
    load.lastDoneAt = now;
    load.slowAnswer = durationMs > SLOW_AFTER_MS;
    load.proven = !failed && !load.slowAnswer;
    if (--load.sending > 0) return;
    const set = this.busy.get(load.origin);
    set?.delete(endpoint);
    if (set?.size === 0) this.busy.delete(load.origin);
    if (this.loads.size > MAX_IDLE) this.forgetIdle();
  }

  /** Not (or no longer) known to answer quickly and well: one send at a time. */
  unproven(endpoint: string): boolean {
    return !this.loads.get(endpoint)?.proven;
  }

  sending(endpoint: string): number {
    return this.loads.get(endpoint)?.sending ?? 0;
  }

  /** Its last answer was slow, or its sends have been out over SLOW_AFTER_MS with none finishing. */
  slow(endpoint: string, now: number): boolean {
    const load = this.loads.get(endpoint);
    if (!load) return false;
    return load.slowAnswer || (load.sending > 0 && now - Math.max(load.busySince, load.lastDoneAt) > SLOW_AFTER_MS);
  }

  /** Sends out at `origin` to the endpoints `select` picks. */
  sendingAt(origin: string, select: (endpoint: string) => boolean): number {
    let n = 0;
    for (const endpoint of this.busy.get(origin) ?? []) if (select(endpoint)) n += this.loads.get(endpoint)!.sending;
    return n;
  }

  /** Sends out at every origin to the endpoints `select` picks. */
  sendingAnywhere(select: (endpoint: string) => boolean): number {
    let n = 0;
    for (const origin of this.busy.keys()) n += this.sendingAt(origin, select);
    return n;
  }

  private forgetIdle(): void {
    for (const [endpoint, load] of this.loads) if (load.sending === 0) this.loads.delete(endpoint);
  }
}

/**
 * Claimed deliveries of unproven endpoints that wait, in memory, for the one send out to their
 * endpoint to answer (or to turn slow), instead of going back to the database and being claimed
 * again a moment later.
 */
export class Parking<T extends { endpoint: string; delivery: unknown }> {
  private readonly byEndpoint = new Map<string, T[]>();
  count = 0;

  park(item: T): void {
    const list = this.byEndpoint.get(item.endpoint);
    if (list) list.push(item);
    else this.byEndpoint.set(item.endpoint, [item]);
    this.count += 1;
  }

  /** Takes the endpoint's parked items (none: empty). */
  take(endpoint: string): T[] {
    const list = this.byEndpoint.get(endpoint);
    if (!list) return [];
    this.byEndpoint.delete(endpoint);
    this.count -= list.length;
    return list;
  }

  takeAll(): T[] {
    const all = [...this.byEndpoint.values()].flat();
    this.byEndpoint.clear();
    this.count = 0;
    return all;
  }

  endpoints(): string[] {
    return [...this.byEndpoint.keys()];
  }

  /** Takes the items `match` selects. */
  remove(match: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (const [endpoint, list] of this.byEndpoint) {
      const keep = list.filter((item) => !(match(item) && removed.push(item)));
      if (keep.length) this.byEndpoint.set(endpoint, keep);
      else this.byEndpoint.delete(endpoint);
    }
    this.count -= removed.length;
    return removed;
  }
}
