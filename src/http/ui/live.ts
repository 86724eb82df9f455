import type { AppDeps } from '../deps.ts';
import { globalChangeMark, tenantChangeMark } from '../../store/queries/dashboard.ts';
import type { Session } from './session.ts';

/**
 * The dashboard's live source: an opaque version that changes when the signed-in tenant's jobs or
 * deliveries change. Pages follow it as a Server-Sent Events stream (GET /ui/live with
 * `Accept: text/event-stream`), woken by the same commits that wake the event stream and by
 * delivery outcomes; or, where the runtime holds no streams (or the browser has no
 * EventSource), by asking GET /ui/live every second.
 */
const cache = new WeakMap<AppDeps, Map<string, { global: string; tenant: string; at: number }>>();
const RECHECK_MS = 5000;
/** Open dashboard streams per tenant (all its tabs); one more falls back to polling. */
export const MAX_LIVE_STREAMS_PER_TENANT = 20;

export function liveVersion(deps: AppDeps, session: Session): string {
  const p = session.principal;
  if (p.kind !== 'tenant') return 'admin';
  let perTenant = cache.get(deps);
  if (!perTenant) cache.set(deps, (perTenant = new Map()));
  const now = deps.clock.now();
  const global = globalChangeMark(deps.db);
  const known = perTenant.get(p.tenantId);
  // The per-tenant scan runs only when something changed anywhere, or now and then (polls).
  if (known && known.global === global && now - known.at < RECHECK_MS) return known.tenant;
  const tenant = tenantChangeMark(deps.db, p.tenantId);
  perTenant.set(p.tenantId, { global, tenant, at: now });
  return tenant;
}

const encoder = new TextEncoder();

/**
 * `event: version` with the version now, then each time it changes. Checked on every wake-up
 * of the hub and every RECHECK_MS (changes no commit hook reports: a job registered or canceled
 * by another client, another process's deliveries), when `stillSignedIn` is also asked: a
 * session signed out, expired or whose key was revoked gets `event: signed-out` and the end.
 * Versions are tiny: one the client has not taken yet is replaced by the next, never queued.
 */
export function liveStream(
  deps: AppDeps & { streams: NonNullable<AppDeps['streams']> },
  session: Session & { principal: { kind: 'tenant' } },
  stillSignedIn: () => boolean,
): ReadableStream<Uint8Array> | 'full' | 'closed' {
  const hub = deps.streams;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let sent: string | null = null;
  let behind = false;
  let finished = false;
  const timers: ReturnType<typeof setInterval>[] = [];

  const finish = () => {
    if (finished) return;
    finished = true;
    joined.ok && joined.leave();
    for (const t of timers) clearInterval(t);
  };
  const end = (last: string) => {
    if (finished) return;
    finish();
    try {
      controller.enqueue(encoder.encode(last));
      controller.close();
    } catch {
      // already closed
    }
  };
  const check = () => {
    if (finished) return;
    if ((controller.desiredSize ?? 0) <= 0) return void (behind = true);
    behind = false;
    const version = liveVersion(deps, session);
    if (version === sent) return;
    sent = version;
    controller.enqueue(encoder.encode(`event: version\ndata: ${version}\n\n`));
  };
  const joined = hub.join(`ui:${session.principal.tenantId}`, { wake: check, close: () => end(': server shutting down\n\n'), followsOutcomes: true }, MAX_LIVE_STREAMS_PER_TENANT);
  if (!joined.ok) return joined.reason;

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        c.enqueue(encoder.encode(': connected\nretry: 2000\n\n'));
        check();
        timers.push(
          setInterval(() => {
            if (!stillSignedIn()) return end('event: signed-out\ndata: {}\n\n');
            check();
          }, RECHECK_MS),
          setInterval(() => {
            if ((controller.desiredSize ?? 0) > 0) controller.enqueue(encoder.encode(': ping\n\n'));
          }, hub.heartbeatMs),
        );
      },
      pull() {
        if (behind) check();
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 1024, size: (chunk) => chunk.byteLength },
  );
}
