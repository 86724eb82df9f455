import { DEFAULT_EVENT_TYPES, type AnyEventType, type EventType, type JobState } from '../core/types.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { DeliveryRow, EventRow, JobRow, SubscriptionRow } from '../store/rows.ts';
import type { ConnectionRow } from '../store/queries/connections.ts';
import type { EventDeliverySummary } from '../store/queries/events.ts';
import type { AttemptRow, DeliveryWithType } from '../store/queries/deliveries.ts';
import type { JobView } from './schemas/jobs.ts';
import type { DeliveryDetailView, DeliveryView, EventView } from './schemas/deliveries.ts';
import type { SubscriptionView } from './schemas/subscriptions.ts';
import type { ConnectionView } from './schemas/connections.ts';

/** Rows -> API JSON: camelCase, ISO-8601 times, parsed JSON columns, never a secret. */
export const iso = (ms: number | null): string | null => (ms == null ? null : new Date(ms).toISOString());
const isoNow = (ms: number): string => new Date(ms).toISOString();

function parseJson<T>(text: string | null): T | null {
  if (text == null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

const eventsOf = (filter: string | null): EventType[] => parseJson<EventType[]>(filter) ?? [...DEFAULT_EVENT_TYPES];
const subscriptionEventsOf = (filter: string | null): AnyEventType[] => parseJson<AnyEventType[]>(filter) ?? [...DEFAULT_EVENT_TYPES];
const seconds = (ms: number | null): number | null => (ms == null ? null : ms / 1000);

export function presentJob(row: JobRow, box: SecretBox): JobView {
  return {
    id: row.id,
    provider: row.provider,
    externalId: row.external_id,
    connectionId: row.connection_id,
    callbackUrl: row.callback_url,
    callbackDisabledReason: row.callback_disabled_reason,
    events: eventsOf(row.events),
    metadata: parseJson(row.metadata),
    pollIntervalSeconds: seconds(row.poll_interval_ms),
    maxPollIntervalSeconds: seconds(row.max_poll_interval_ms),
    deadlineAt: isoNow(row.deadline_at),
    state: row.state as JobState | null,
    upstreamStatus: row.upstream_status,
    progress: row.progress,
    result: parseJson(row.result),
    error: parseJson(row.error),
    sequence: row.last_sequence,
    polls: {
      count: row.poll_count,
      failures: row.failure_count,
      consecutiveFailures: row.consecutive_failures,
      lastPolledAt: iso(row.last_polled_at),
      lastFailure: parseJson(row.last_failure),
    },
    http: presentHttpSpec(row, box),
    nextPollAt: iso(row.next_poll_at),
    etaAt: iso(row.eta_at),
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
    finishedAt: iso(row.finished_at),
  };
}

/** The spec as stored (it has no headers) plus the header names; values stay sealed. */
function presentHttpSpec(row: JobRow, box: SecretBox): JobView['http'] {
  const spec = parseJson<NonNullable<JobView['http']>>(row.http_spec);
  if (!spec) return null;
  const headers = row.http_headers_enc ? box.openJson<Record<string, string>>(row.http_headers_enc) : {};
  return { ...spec, headerNames: Object.keys(headers) };
}

export function presentDelivery(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    eventId: row.event_id,
    jobId: row.job_id,
    sequence: row.sequence,
    subscriptionId: row.subscription_id,
    url: row.url,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: iso(row.next_attempt_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: isoNow(row.created_at),
    deliveredAt: iso(row.delivered_at),
    deadAt: iso(row.dead_at),
  };
}

export function presentDeliveryDetail(row: DeliveryWithType, attempts: AttemptRow[]): DeliveryDetailView {
  return {
    ...presentDelivery(row),
    eventType: row.event_type as EventType,
    attempts: attempts.map((a) => ({
      attemptedAt: isoNow(a.attempted_at),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      error: a.error,
      responseBody: a.response_body,
    })),
  };
}

export function presentEvent(row: EventRow, deliveries: EventDeliverySummary[]): EventView {
  return {
    id: row.id,
    sequence: row.sequence,
    type: row.type as EventType,
    createdAt: isoNow(row.created_at),
    payload: parseJson(row.body) ?? {},
    deliveries: deliveries.map((d) => ({
      id: d.id,
      target: d.target_key,
      url: d.url,
      status: d.status as DeliveryView['status'],
      attemptCount: d.attempt_count,
    })),
  };
}

export function presentSubscription(row: SubscriptionRow): SubscriptionView {
  return {
    id: row.id,
    url: row.url,
    events: subscriptionEventsOf(row.events),
    description: row.description,
    filter: parseJson(row.filter ?? null),
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    failingSince: iso(row.failing_since),
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
  };
}

export function presentConnection(row: ConnectionRow): ConnectionView {
  return { id: row.id, provider: row.provider, name: row.name, createdAt: isoNow(row.created_at) };
}
