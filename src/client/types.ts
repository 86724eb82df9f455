/**
 * The API's JSON shapes, inferred from the zod schemas that validate and document the routes,
 * so the client cannot drift from the server. Type-only imports: the client loads no zod.
 */
import type { z } from '@hono/zod-openapi';
import type { JobListQuery, JobSchema, jobCreateSchema } from '../http/schemas/jobs.ts';
import type {
  DeliveryDetailSchema,
  DeliveryListQuery,
  DeliverySchema,
  EventSchema,
  RecoverAccepted,
  RecoverBody,
  RetryAccepted,
} from '../http/schemas/deliveries.ts';
import type { SubscriptionCreate, SubscriptionPatch, SubscriptionSchema } from '../http/schemas/subscriptions.ts';
import type { ConnectionCreate, ConnectionPatch, ConnectionSchema } from '../http/schemas/connections.ts';
import type { ApiKeyCreate, ApiKeyCreated, ApiKeyRotate, ApiKeyRotated, ApiKeySchema, TenantSchema } from '../http/schemas/apiKeys.ts';
import type {
  ProviderSchema,
  SigningSecretRotated,
  SigningSecretSchema,
  TenantCreate,
  TenantCreated,
} from '../http/schemas/tenants.ts';
import type { FieldErrorSchema, ProblemSchema } from '../http/schemas/common.ts';
import type { FeedItemSchema, FeedPageSchema } from '../http/schemas/events.ts';
import type { EventTypeSchema } from '../http/schemas/eventTypes.ts';
import type { JobPollSchema } from '../http/schemas/jobPolls.ts';

export type Job = z.output<typeof JobSchema>;
export type JobCreateInput = z.input<ReturnType<typeof jobCreateSchema>>;
export type JobListParams = Partial<z.output<typeof JobListQuery>>;

export type JobPoll = z.output<typeof JobPollSchema>;

export type Event = z.output<typeof EventSchema>;
export type Delivery = z.output<typeof DeliverySchema>;
export type DeliveryDetail = z.output<typeof DeliveryDetailSchema>;
export type DeliveryListParams = Partial<z.output<typeof DeliveryListQuery>>;
export type RetryResult = z.output<typeof RetryAccepted>;
export type RecoverInput = z.input<typeof RecoverBody>;
export type RecoverResult = z.output<typeof RecoverAccepted>;

export type Subscription = z.output<typeof SubscriptionSchema>;
export type SubscriptionCreateInput = z.input<typeof SubscriptionCreate>;
export type SubscriptionUpdateInput = z.input<typeof SubscriptionPatch>;

export type Connection = z.output<typeof ConnectionSchema>;
export type ConnectionCreateInput = z.input<typeof ConnectionCreate>;
export type ConnectionUpdateInput = z.input<typeof ConnectionPatch>;

export type ApiKey = z.output<typeof ApiKeySchema>;
export type ApiKeyCreateInput = z.input<typeof ApiKeyCreate>;
export type CreatedApiKey = z.output<typeof ApiKeyCreated>;
export type ApiKeyRotateInput = z.input<typeof ApiKeyRotate>;
export type RotatedApiKey = z.output<typeof ApiKeyRotated>;
export type Tenant = z.output<typeof TenantSchema>;

export type SigningSecret = z.output<typeof SigningSecretSchema>;
export type RotatedSigningSecret = z.output<typeof SigningSecretRotated>;
export type Provider = z.output<typeof ProviderSchema>;
export type TenantCreateInput = z.input<typeof TenantCreate>;
export type CreatedTenant = z.output<typeof TenantCreated>;

/** An event of the tenant's feed (GET /v1/events) and stream: the signed payload, its cursor and deliveries. */
export type FeedEvent = z.output<typeof FeedItemSchema>;
export type FeedPage = z.output<typeof FeedPageSchema>;
/** `job.succeeded`, `endpoint.disabled`, ... */
export type EventTypeName = FeedEvent['type'];
/** One entry of the event catalog (GET /v1/event-types). */
export type EventTypeInfo = z.output<typeof EventTypeSchema>;

/**
 * The feed's and the stream's filters. The server reads them from the raw query (its zod object
 * only documents them as strings), so they are typed here: lists become comma-separated,
 * `metadata` becomes `metadata[key]=value` pairs (up to 10).
 */
export interface EventFilter {
  type?: EventTypeName | readonly EventTypeName[];
  provider?: string | readonly string[];
  jobId?: string;
  /** Events created at or after this time. */
  since?: string | Date;
  /** Events created before this time. */
  until?: string | Date;
  /** The job's metadata has each of these top-level keys with this value. */
  metadata?: Record<string, string | number | boolean>;
}

export interface EventFeedParams extends EventFilter {
  /** A cursor: the events after it, oldest first. Without it: newest first. */
  after?: string;
  /** The `nextCursor` of the previous newest-first page (not with `after`). */
  cursor?: string;
  /** 1-200, default 50. */
  limit?: number;
}

export interface EventStreamParams extends EventFilter {
  /** Start after this cursor. Without it (and without `lastEventId`): only new events. */
  after?: string;
  /** Resume after this event: the `cursor` of the last event handled (sent as `Last-Event-ID`, which wins over `after`). */
  lastEventId?: string;
  /** Each event also carries `webhook`: Standard Webhooks headers and the exact body, signed now (API key only). */
  signed?: boolean;
  /** Aborting ends the iteration (without an error) and closes the connection. */
  signal?: AbortSignal;
  /** Reconnect (resuming after the last event) when the connection drops. Default true. */
  reconnect?: boolean;
  /** Wait before reconnecting; default the server's `retry:` (2 s), doubled after each failed attempt up to 30 s. */
  retryMs?: number;
  /** Reconnect when nothing (not even the 15 s ping) arrived for this long; default 45 s, 0 never. */
  idleTimeoutMs?: number;
}

/** A streamed event; `webhook` only with `signed: true`. */
export interface StreamEvent extends FeedEvent {
  webhook?: { headers: { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string }; body: string };
}

// The next four schemas live with their routes, which import the server; their shapes are
// small enough to state here (the client tests check them against the real answers).
export interface StreamTokenInput {
  /** 10-3600, default 600. */
  ttlSeconds?: number;
}
export interface StreamToken {
  /** `phst_...`: opens only the event stream, as `?token=` or a bearer token. */
  token: string;
  expiresAt: string;
}
export interface ReplayInput {
  /** ISO 8601 date-time. */
  since: string;
}
export interface ReplayResult {
  queued: number;
  /** More remain: call again with the same `since`. */
  more: boolean;
}

export type Problem = z.output<typeof ProblemSchema>;
export type FieldError = z.output<typeof FieldErrorSchema>;

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** Paging parameters every list takes. */
export interface PageParams {
  limit?: number;
  cursor?: string;
}
