/**
 * What one delivery attempt means (pure): the answer or transport error is classified into a
 * verdict, and the verdict plus the retry policy give the delivery's next state.
 */
import type { Random } from './random.ts';
import { clampRetryAfter, scheduledRetryDelay } from './retryPolicy.ts';

/** Transport failures, as the HTTP client port names them. */
export type TransportErrorCode = 'timeout' | 'connect' | 'reset' | 'blocked' | 'other';

export type AttemptResult =
  | { kind: 'response'; status: number; retryAfterMs: number | null; location?: string | null }
  | { kind: 'error'; code: TransportErrorCode; message: string };

export type Verdict =
  | { kind: 'delivered' }
  /** 410 Gone: the receiver asks us to stop sending to this target. */
  | { kind: 'gone'; error: string }
  | {
      kind: 'retry';
      error: string;
      /** Only for 429/503 answers. */
      retryAfterMs: number | null;
      /** The endpoint looks unhealthy (timeouts, connection errors, 5xx): feeds its circuit. */
      endpointFailure: boolean;
    };

export function classifyAttempt(result: AttemptResult): Verdict {
  if (result.kind === 'error') {
    const label = TRANSPORT_LABELS[result.code];
    const error = result.message && result.message !== label ? `${label}: ${result.message}` : label;
    return { kind: 'retry', error, retryAfterMs: null, endpointFailure: true };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone', error: 'receiver answered 410 Gone' };
  if (status >= 300 && status < 400) {
    const where = result.location ? ` to ${result.location}` : '';
    return { kind: 'retry', error: `redirect (HTTP ${status}${where}) not followed`, retryAfterMs: null, endpointFailure: false };
  }
  const honoursRetryAfter = status === 429 || status === 503;
  return {
    kind: 'retry',
    error: `HTTP ${status}`,
    retryAfterMs: honoursRetryAfter ? result.retryAfterMs : null,
    endpointFailure: status >= 500,
  };
}

const TRANSPORT_LABELS: Record<TransportErrorCode, string> = {
  timeout: 'timed out',
  connect: 'connection failed',
  reset: 'connection reset',
  blocked: 'SSRF guard refused the connection',
  other: 'request failed',
};

export type DeliveryFinalStatus = 'delivered' | 'failed' | 'dead' | 'canceled';

export interface NextState {
  status: DeliveryFinalStatus;
  /** When the next attempt is due; null when the delivery is finished. */
  nextAttemptAt: number | null;
  /** The delivery left the queue for good: the next one in its lane may go. */
  finished: boolean;
}

/**
 * `attemptCount` is the count before this attempt, `retryBase` the count at the last replay:
 * the attempt that just happened is number `attemptCount - retryBase + 1` since the replay.
 */
export function nextDeliveryState(
  verdict: Verdict,
  counts: { attemptCount: number; retryBase: number },
  schedule: readonly number[],
  random: Random,
  now: number,
): NextState {
  if (verdict.kind === 'delivered') return { status: 'delivered', nextAttemptAt: null, finished: true };
  if (verdict.kind === 'gone') return { status: 'canceled', nextAttemptAt: null, finished: true };
  const delay = scheduledRetryDelay(schedule, counts.attemptCount - counts.retryBase + 1, random);
  if (delay == null) return { status: 'dead', nextAttemptAt: null, finished: true };
  return { status: 'failed', nextAttemptAt: now + clampRetryAfter(verdict.retryAfterMs, delay), finished: false };
}
