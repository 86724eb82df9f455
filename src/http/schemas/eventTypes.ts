import { OpenAPIHono, z } from '@hono/zod-openapi';
import { EVENT_TYPES, JOB_STATES, OPERATIONAL_EVENT_TYPES, type AnyEventType, type EventType, type OperationalEventType } from '../../core/types.ts';
import { eventPayloadExample } from './examples.ts';

/**
 * The webhook payload (src/core/eventPayload.ts builds it), as one zod schema. It is the single
 * source of the payload's description: the OpenAPI component `EventPayload` and the JSON Schema
 * GET /v1/event-types serves are both generated from it.
 */
const Iso = z.string().meta({ format: 'date-time' });
export const EventPayloadSchema = z
  .object({
    type: z.enum(EVENT_TYPES).meta({ description: 'The event type.' }),
    timestamp: Iso.meta({ description: 'When pollhook recorded the change.' }),
    data: z.object({
      id: z.string().meta({ description: 'The pollhook job id (job_...).' }),
      provider: z.string().meta({ description: 'fotolabs, pictory, topaz, magichour, aigenstudio or http.' }),
      externalId: z.string().meta({ description: "The upstream's job id." }),
      sequence: z.number().int().meta({ description: 'Per job, 1, 2, 3...: order and deduplicate by it.' }),
      state: z.enum(JOB_STATES),
      previousState: z.enum(JOB_STATES).nullable(),
      upstreamStatus: z.string().nullable().meta({ description: "The upstream's own status word." }),
      progress: z.number().nullable().meta({ description: '0-100 where the upstream reports it.' }),
      result: z
        .object({ urls: z.array(z.string()) })
        .catchall(z.unknown())
        .nullable()
        .meta({ description: 'On success: every output URL, plus provider-specific keys.' }),
      error: z.object({ code: z.string(), message: z.string() }).nullable().meta({ description: 'On failure.' }),
      metadata: z.unknown().meta({ description: 'The metadata given at registration, echoed.' }),
      upstream: z.unknown().meta({ description: "The upstream's last answer (null above 16 KiB)." }),
      observedAt: Iso.meta({ description: 'When the poll that saw the change got its answer.' }),
    }),
  })
  .openapi('EventPayload', {
    description: 'The Standard Webhooks body of every job event: exactly what is signed and sent.',
    example: eventPayloadExample,
  });

const SUBSCRIPTION_ID = 'sub_01JD4Y0A1B2C3D4E5F6G7H8J9K';
const operationalExample = {
  type: 'endpoint.disabled',
  timestamp: '2026-11-27T17:00:00.000Z',
  data: {
    subscriptionId: SUBSCRIPTION_ID,
    url: 'https://example.com/hooks/all-jobs',
    description: 'Order pipeline',
    failingSince: '2026-11-22T17:00:00.000Z',
    disabledReason: 'disabled after 5 days of failing deliveries: every delivery since 2026-11-22T17:00:00.000Z died',
    disabledAt: '2026-11-27T17:00:00.000Z',
  },
};

/** The body of operational events: about one subscription (endpoint.*) or the tenant's secret. */
export const OperationalPayloadSchema = z
  .object({
    type: z.enum(OPERATIONAL_EVENT_TYPES),
    timestamp: Iso,
    data: z
      .object({
        subscriptionId: z.string().optional().meta({ description: 'endpoint.*: the subscription concerned.' }),
        url: z.string().optional(),
        description: z.string().nullable().optional(),
        failingSince: Iso.nullable().optional().meta({ description: 'When its deliveries started dying.' }),
        disabledReason: z.string().nullable().optional(),
        disablesAt: Iso.optional().meta({ description: 'endpoint.failing: when it will be disabled if nothing gets through.' }),
        disabledAt: Iso.optional(),
        recoveredAt: Iso.optional(),
        signingSecretId: z.string().optional().meta({ description: 'signing_secret.rotated: the new secret.' }),
        previousExpiresAt: Iso.optional().meta({ description: 'signing_secret.rotated: the previous secret signs until then.' }),
        message: z.string().optional().meta({ description: 'endpoint.test: says it is a test.' }),
      }),
  })
  .openapi('OperationalEventPayload', {
    description: 'The body of an operational event (a subscription failing, disabled or recovered; the signing secret rotated; a test event).',
    example: operationalExample,
  });

/**
 * The payload components exactly as the OpenAPI document generates them (JSON Schema 2020-12,
 * as OpenAPI 3.1 uses): the catalog serves these objects, so the two cannot differ.
 */
const PAYLOAD_COMPONENTS = (() => {
  const generator = new OpenAPIHono();
  generator.openAPIRegistry.register('EventPayload', EventPayloadSchema);
  generator.openAPIRegistry.register('OperationalEventPayload', OperationalPayloadSchema);
  const doc = generator.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'payload', version: '1' } });
  return doc.components!.schemas! as Record<string, Record<string, unknown>>;
})();
export const EVENT_PAYLOAD_JSON_SCHEMA = PAYLOAD_COMPONENTS.EventPayload!;
export const OPERATIONAL_PAYLOAD_JSON_SCHEMA = PAYLOAD_COMPONENTS.OperationalEventPayload!;

const DESCRIPTIONS: Record<AnyEventType, string> = {
  'endpoint.failing': 'A subscription\'s deliveries started dying (the first dead delivery since its last success). It is disabled if nothing gets through for 5 days (`disablesAt`).',
  'endpoint.disabled': 'A subscription was disabled: its URL answered 410, or its deliveries failed for 5 days. Its events are kept: re-enable it and replay them (POST /v1/subscriptions/{id}/replay).',
  'endpoint.recovered': 'A failing subscription got a delivery through again.',
  'signing_secret.rotated': 'The signing secret was rotated; the previous one keeps signing until `previousExpiresAt`.',
  'endpoint.test': 'A test event, sent to one subscription on request (POST /v1/subscriptions/{id}/test or the dashboard\'s "Send test event"), signed and retried like any other. It changes nothing; it cannot be listed in `events`.',
  'job.pending': 'The upstream accepted the job but has not started it (queued).',
  'job.running': 'The upstream is working on the job.',
  'job.succeeded': 'The job finished and `data.result.urls` holds its outputs.',
  'job.failed': 'The job failed upstream, or pollhook gave up on it (`data.error` says why: not_found, unauthorized, timeout...).',
  'job.canceled': 'The job was canceled upstream.',
  'job.progress': 'The reported progress changed while the job runs. Opt-in: list it in `events` to receive it.',
};

const STATE_OF: Record<EventType, (typeof JOB_STATES)[number]> = {
  'job.pending': 'pending',
  'job.running': 'running',
  'job.succeeded': 'succeeded',
  'job.failed': 'failed',
  'job.canceled': 'canceled',
  'job.progress': 'running',
};

function exampleOf(type: EventType) {
  const d = eventPayloadExample.data;
  const state = STATE_OF[type];
  const done = type === 'job.succeeded';
  return {
    ...eventPayloadExample,
    type,
    data: {
      ...d,
      state,
      previousState: type === 'job.pending' ? null : type === 'job.running' ? 'pending' : 'running',
      upstreamStatus: { pending: 'pending', running: 'processing', succeeded: 'completed', failed: 'failed', canceled: 'canceled' }[state],
      progress: done ? 100 : type === 'job.progress' ? 40 : null,
      result: done ? d.result : null,
      error: type === 'job.failed' ? { code: 'upstream_failed', message: 'The upstream reported the job as failed.' } : null,
    },
  };
}

export interface EventTypeEntry {
  type: AnyEventType;
  description: string;
  /** Whether targets receive it without listing it in `events`. */
  default: boolean;
  schema: Record<string, unknown>;
  example: Record<string, unknown>;
}

function operationalExampleOf(type: OperationalEventType): Record<string, unknown> {
  if (type === 'signing_secret.rotated') {
    return { type, timestamp: operationalExample.timestamp, data: { signingSecretId: 'sec_01JD4W2M3N4P5Q6R7S8T9V0W1X', previousExpiresAt: '2026-11-28T17:00:00.000Z' } };
  }
  const { disabledAt: _d, ...base } = operationalExample.data;
  if (type === 'endpoint.test') {
    return { type, timestamp: '2026-11-23T09:00:00.000Z', data: { ...base, failingSince: null, disabledReason: null, message: 'A test event sent on request; it changes nothing.' } };
  }
  if (type === 'endpoint.failing') return { type, timestamp: base.failingSince, data: { ...base, disabledReason: null, disablesAt: '2026-11-27T17:00:00.000Z' } };
  if (type === 'endpoint.recovered') return { type, timestamp: '2026-11-23T09:00:00.000Z', data: { ...base, disabledReason: null, recoveredAt: '2026-11-23T09:00:00.000Z' } };
  return operationalExample;
}

export const EVENT_CATALOG: readonly EventTypeEntry[] = [
  ...EVENT_TYPES.map((type) => ({
    type,
    description: DESCRIPTIONS[type],
    default: type !== 'job.progress',
    schema: EVENT_PAYLOAD_JSON_SCHEMA,
    example: exampleOf(type),
  })),
  ...OPERATIONAL_EVENT_TYPES.map((type) => ({
    type,
    description: DESCRIPTIONS[type],
    default: false,
    schema: OPERATIONAL_PAYLOAD_JSON_SCHEMA,
    example: operationalExampleOf(type),
  })),
];

export const EventTypeSchema = z
  .object({
    type: z.string(),
    description: z.string(),
    default: z.boolean().openapi({ description: 'Delivered without being listed in `events`.' }),
    schema: z.record(z.string(), z.unknown()).openapi({ description: 'JSON Schema (2020-12) of the payload: the same object as the `EventPayload` component.' }),
    example: z.record(z.string(), z.unknown()),
  })
  .openapi('EventType', { example: EVENT_CATALOG[2] });

export const EventTypeList = z.object({ data: z.array(EventTypeSchema) }).openapi('EventTypeList', { example: { data: [EVENT_CATALOG[2]!] } });
