import type { Clock } from '../core/clock.ts';
import { HttpError, type HttpClient } from '../net/httpClient.ts';
import { classifyAttempt, type AttemptResult } from '../core/deliveryOutcome.ts';
import { parseRetryAfter } from '../core/retryAfter.ts';
import type { ClaimedDelivery } from '../store/queries/claimDueDeliveries.ts';
import { RESPONSE_BODY_LOG_BYTES } from '../store/queries/recordDeliveryResults.ts';
import type { SendOutcome } from './commitOutcomes.ts';
import type { Signer } from './signer.ts';

export interface SendContext {
  http: HttpClient;
  signer: Signer;
  clock: Clock;
  timeoutMs: number;
  userAgent: string;
}

/**
 * One attempt: sign with this attempt's timestamp, POST the stored body byte for byte, classify
 * the answer. Never rejects: every failure becomes an outcome to record.
 */
export async function sendDelivery(d: ClaimedDelivery, ctx: SendContext): Promise<SendOutcome> {
  const attemptedAt = ctx.clock.now();
  const started = performance.now();
  try {
    const timestamp = Math.floor(attemptedAt / 1000);
    const signature = ctx.signer.sign(d.tenantId, d.id, timestamp, d.body);
    const res = await ctx.http.request({
      method: 'POST',
      url: d.url,
      headers: {
        'webhook-id': d.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
        'content-type': 'application/json',
        'user-agent': ctx.userAgent,
      },
      body: d.body,
      timeoutMs: ctx.timeoutMs,
      maxBodyBytes: RESPONSE_BODY_LOG_BYTES,
    });
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], ctx.clock.now());
    return outcomeOf(
      d,
      attemptedAt,
      started,
      { kind: 'response', status: res.status, retryAfterMs, location: res.headers['location'] ?? null },
      res.status,
      res.body === '' ? null : res.body,
    );
  } catch (err) {
    if (err instanceof HttpError && err.answered) {
      // The status line is the receiver's answer: a 2xx means it has the event, even if the
      // connection broke in the body that followed. Retrying would deliver it twice.
      const { status, headers } = err.answered;
      const result = { kind: 'response' as const, status, retryAfterMs: parseRetryAfter(headers['retry-after'], ctx.clock.now()), location: headers['location'] ?? null };
      return outcomeOf(d, attemptedAt, started, result, status, null, `answer cut short after the status line: ${err.message}`);
    }
    if (err instanceof HttpError) return outcomeOf(d, attemptedAt, started, { kind: 'error', code: err.code, message: err.message }, null, null);
    const message = err instanceof Error ? err.message : String(err);
    return outcomeOf(d, attemptedAt, started, { kind: 'error', code: 'other', message }, null, null);
  }
}

/** Module level, not a closure per attempt: this runs for every delivery. */
function outcomeOf(
  d: ClaimedDelivery,
  attemptedAt: number,
  started: number,
  result: AttemptResult,
  statusCode: number | null,
  responseBody: string | null,
  note: string | null = null,
): SendOutcome {
  return {
    delivery: d,
    verdict: classifyAttempt(result),
    attemptedAt,
    durationMs: Math.max(0, Math.round(performance.now() - started)),
    statusCode,
    responseBody,
    note,
  };
}
