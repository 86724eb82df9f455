/**
 * The webhook payload (the contract's Standard Webhooks envelope). The string this returns is
 * stored as events.body and is exactly what is signed and sent, so it is built once, here.
 */
import type { EventType, JobError, JobResult, JobState } from './types.ts';
import { MAX_JSON_DEPTH, exceedsDepth } from './jsonDepth.ts';

/** The upstream's raw body is echoed only up to this size (UTF-8 bytes of its JSON). */
export const MAX_UPSTREAM_BYTES = 16 * 1024;

export interface EventPayloadInput {
  type: EventType;
  /** Event creation time, epoch ms. */
  now: number;
  job: { id: string; provider: string; externalId: string; metadata: unknown };
  sequence: number;
  state: JobState;
  previousState: JobState | null;
  upstreamStatus: string | null;
  progress: number | null;
  result: JobResult | null;
  error: JobError | null;
  /** The upstream's parsed body; null for events pollhook itself produced. */
  upstream: unknown;
  observedAt: number;
}

export function buildEventBody(input: EventPayloadInput): string {
  return JSON.stringify({
    type: input.type,
    timestamp: new Date(input.now).toISOString(),
    data: {
      id: input.job.id,
      provider: input.job.provider,
      externalId: input.job.externalId,
      sequence: input.sequence,
      state: input.state,
      previousState: input.previousState,
      upstreamStatus: input.upstreamStatus,
      progress: input.progress,
      result: input.result,
      error: input.error,
      metadata: input.job.metadata ?? null,
      upstream: boundedUpstream(input.upstream),
      observedAt: new Date(input.observedAt).toISOString(),
    },
  });
}

export function boundedUpstream(raw: unknown): unknown {
  if (raw === undefined || raw === null) return null;
  // An upstream may answer `[[[[...` a million deep: JSON.stringify of it would overflow the stack.
  if (exceedsDepth(raw, MAX_JSON_DEPTH)) return null;
  const text = JSON.stringify(raw);
  if (text === undefined) return null;
  // Cheap check first: every UTF-16 unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= MAX_UPSTREAM_BYTES) return raw;
  return new TextEncoder().encode(text).length <= MAX_UPSTREAM_BYTES ? raw : null;
}

/** Parses a stored JSON column; a corrupt value reads as null rather than failing the event. */
export function parseJsonColumn<T = unknown>(text: string | null): T | null {
  if (text == null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
