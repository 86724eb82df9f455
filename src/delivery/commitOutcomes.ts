import type { Database } from '../store/port.ts';
import type { Random } from '../core/random.ts';
import { nextDeliveryState, type DeliveryFinalStatus, type Verdict } from '../core/deliveryOutcome.ts';
import type { ClaimedDelivery } from '../store/queries/claimDueDeliveries.ts';
import { recordDeliveryResult, releaseNextInLane } from '../store/queries/recordDeliveryResults.ts';
import { disableJobCallback, disableSubscription } from '../store/queries/disableDeliveryTargets.ts';
import { markSubscriptionFailing, markSubscriptionHealthy } from '../store/queries/subscriptionFailing.ts';

/** One finished send, waiting to be committed. */
export interface SendOutcome {
  delivery: ClaimedDelivery;
  verdict: Verdict;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  /** What else the attempt log should say (an answer whose body was cut short). */
  note: string | null;
}

export interface CommitPolicy {
  retryScheduleMs: readonly number[];
  random: Random;
  failingDisableMs: number;
}

export interface CommitReport {
  /** Outcomes whose lease was still ours, with the state they left the delivery in. */
  applied: Array<{ outcome: SendOutcome; status: DeliveryFinalStatus; nextAttemptAt: number | null }>;
  /** Deliveries that became due now because the one ahead in their lane finished. */
  released: number;
  disabled: Array<{ target: 'subscription' | 'callback'; id: string; url: string; reason: string; canceled: number }>;
}

/** Commits many outcomes in one transaction: attempts, states, lane releases, disabled targets. */
export function commitOutcomes(db: Database, outcomes: readonly SendOutcome[], now: number, policy: CommitPolicy): CommitReport {
  const report: CommitReport = { applied: [], released: 0, disabled: [] };
  // A success clears the subscription's failing period; within one batch, once is enough.
  const healthySubs = new Set<string>();
  db.transaction(() => {
    for (const o of outcomes) {
      const d = o.delivery;
      const next = nextDeliveryState(o.verdict, d, policy.retryScheduleMs, policy.random, now);
      const applied = recordDeliveryResult(
        db,
        {
          deliveryId: d.id,
          leaseToken: d.leaseToken,
          status: next.status,
          nextAttemptAt: next.nextAttemptAt,
          attemptedAt: o.attemptedAt,
          durationMs: o.durationMs,
          statusCode: o.statusCode,
          error: attemptError(o),
          responseBody: o.responseBody,
        },
        now,
      );
      if (!applied) continue;
      report.applied.push({ outcome: o, status: next.status, nextAttemptAt: next.nextAttemptAt });

      let disableReason: string | null = null;
      if (o.verdict.kind === 'gone') disableReason = `${d.url} answered 410 Gone`;
      else if (d.subscriptionId && next.status === 'delivered' && !healthySubs.has(d.subscriptionId)) {
        markSubscriptionHealthy(db, d.subscriptionId, now);
        healthySubs.add(d.subscriptionId);
      } else if (d.subscriptionId && next.status === 'dead') {
        healthySubs.delete(d.subscriptionId);
        disableReason = markSubscriptionFailing(db, d.subscriptionId, now, policy.failingDisableMs);
      }

      if (disableReason) {
        const r = d.subscriptionId
          ? disableSubscription(db, { subscriptionId: d.subscriptionId, url: d.url }, disableReason, now)
          : disableJobCallback(db, { jobId: d.jobId, url: d.url }, disableReason, now);
        report.disabled.push({
          target: d.subscriptionId ? 'subscription' : 'callback',
          id: d.subscriptionId ?? d.jobId,
          url: d.url,
          reason: disableReason,
          canceled: r.canceled,
        });
      }
      if (next.finished && releaseNextInLane(db, d.jobId, d.targetKey, now)) report.released += 1;
    }
  });
  return report;
}

/** The attempt row's error: the verdict's, with the send's note; a delivered attempt has only the note. */
function attemptError(o: SendOutcome): string | null {
  const error = o.verdict.kind === 'delivered' ? null : o.verdict.error;
  if (!o.note) return error;
  return error ? `${error}; ${o.note}` : o.note;
}
