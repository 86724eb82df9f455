import type { Database } from '../port.ts';
import { appendOperationalEvent, subscriptionSubject } from './operationalEvents.ts';

/** Svix's rule: an endpoint whose deliveries have only been dying for this long is disabled. */
export const FAILING_DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;

/** A delivery to the subscription succeeded: it is healthy again (`endpoint.recovered` if it was failing). */
export function markSubscriptionHealthy(db: Database, subscriptionId: string, now: number = Date.now()): void {
  const subject = db
    .prepare<{ failing_since: number }>('UPDATE subscriptions SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL RETURNING failing_since')
    .get(subscriptionId);
  if (!subject) return;
  const about = subscriptionSubject(db, subscriptionId);
  if (about) {
    const data = { ...about.data, failingSince: new Date(subject.failing_since).toISOString(), recoveredAt: new Date(now).toISOString() };
    appendOperationalEvent(db, about.tenantId, 'endpoint.recovered', data, now, subscriptionId);
  }
}

/**
 * A delivery to the subscription died. The first death since the last success starts the
 * failing period; a death when that period is older than `disableAfterMs` means the
 * subscription must be disabled: the reason (for the API) is returned, and the caller disables
 * it with disableSubscription() so its unfinished deliveries are canceled in the same step.
 */
export function markSubscriptionFailing(
  db: Database,
  subscriptionId: string,
  now: number,
  disableAfterMs: number = FAILING_DISABLE_AFTER_MS,
): string | null {
  const row = db
    .prepare<{ failing_since: number | null; enabled: number }>(
      'SELECT failing_since, enabled FROM subscriptions WHERE id = ?',
    )
    .get(subscriptionId);
  if (!row) return null;
  if (row.failing_since == null) {
    db.prepare('UPDATE subscriptions SET failing_since = ? WHERE id = ?').run(now, subscriptionId);
    const about = subscriptionSubject(db, subscriptionId);
    if (about) {
      const data = { ...about.data, disablesAt: new Date(now + disableAfterMs).toISOString() };
      appendOperationalEvent(db, about.tenantId, 'endpoint.failing', data, now, subscriptionId);
    }
    return null;
  }
  if (row.enabled !== 1 || now - row.failing_since < disableAfterMs) return null;
  const days = Math.floor((now - row.failing_since) / 86_400_000);
  return `disabled after ${days} days of failing deliveries: every delivery since ${new Date(row.failing_since).toISOString()} died`;
}
