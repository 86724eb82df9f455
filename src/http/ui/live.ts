import type { AppDeps } from '../deps.ts';
import { globalChangeMark, tenantChangeMark } from '../../store/queries/dashboard.ts';
import type { Session } from './session.ts';

/**
 * The dashboard's live source: an opaque version that changes when the signed-in tenant's jobs or
 * deliveries change; pages poll it (GET /ui/live) and refresh their live regions when it moves.
 * This is the one module to change to follow the event stream instead.
 */
const cache = new WeakMap<AppDeps, Map<string, { global: string; tenant: string; at: number }>>();
const RECHECK_MS = 5000;

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
