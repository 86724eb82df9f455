import type { Database } from '../port.ts';
import { appendOperationalEvent, subscriptionSubject } from './operationalEvents.ts';

/**
 * Disabling a target (410 Gone, or a subscription failing for days): the subscription or the
 * job's callback stops receiving, and its unfinished deliveries are canceled with the reason.
 * In-flight ones lose their lease, so their outcome is not recorded over the cancellation.
 * Matching on the URL keeps an answer from an old URL from disabling a subscription whose URL
 * was changed since.
 */
export function disableSubscription(
  db: Database,
  target: { subscriptionId: string; url: string },
  reason: string,
  now: number,
): { disabled: boolean; canceled: number } {
  const disabled =
    db
      .prepare(
        `UPDATE subscriptions SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ?
          WHERE id = ? AND url = ? AND enabled = 1`,
      )
      .run(reason, now, now, target.subscriptionId, target.url).changes > 0;
  if (disabled) {
    const about = subscriptionSubject(db, target.subscriptionId);
    if (about) appendOperationalEvent(db, about.tenantId, 'endpoint.disabled', { ...about.data, disabledAt: new Date(now).toISOString() }, now, target.subscriptionId);
  }
  const canceled = db
    .prepare(
      `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, lease_token = NULL, lease_expires_at = NULL,
         last_error = ?, updated_at = ?
        WHERE subscription_id = ? AND url = ? AND status IN ('pending','failed')`,
    )
    .run(`canceled: ${reason}`, now, target.subscriptionId, target.url).changes;
  return { disabled, canceled };
}

export function disableJobCallback(
  db: Database,
  target: { jobId: string; url: string },
  reason: string,
  now: number,
): { disabled: boolean; canceled: number } {
  const disabled =
    db
      .prepare(
        `UPDATE jobs SET callback_disabled_at = ?, callback_disabled_reason = ?, updated_at = ?
          WHERE id = ? AND callback_url = ? AND callback_disabled_at IS NULL`,
      )
      .run(now, reason, now, target.jobId, target.url).changes > 0;
  const canceled = db
    .prepare(
      `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, lease_token = NULL, lease_expires_at = NULL,
         last_error = ?, updated_at = ?
        WHERE job_id = ? AND target_key = 'callback' AND url = ? AND status IN ('pending','failed')`,
    )
    .run(`canceled: ${reason}`, now, target.jobId, target.url).changes;
  return { disabled, canceled };
}
