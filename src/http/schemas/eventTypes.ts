import { OpenAPIHono, z } from '@hono/zod-openapi';
import { EVENT_TYPES, JOB_STATES, type EventType } from '../../core/types.ts';
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

/**
 * The `EventPayload` component exactly as the OpenAPI document generates it (JSON Schema
 * 2020-12, as OpenAPI 3.1 uses): the catalog serves this object, so the two cannot differ.
 */
export const EVENT_PAYLOAD_JSON_SCHEMA: Record<string, unknown> = (() => {
  const generator = new OpenAPIHono();
  generator.openAPIRegistry.register('EventPayload', EventPayloadSchema);
  const doc = generator.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'payload', version: '1' } });
  return doc.components!.schemas!.EventPayload as Record<string, unknown>;
})();

const DESCRIPTIONS: Record<EventType, string> = {
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
  type: EventType;
  description: string;
  /** Whether targets receive it without listing it in `events`. */
  default: boolean;
  schema: Record<string, unknown>;
  example: ReturnType<typeof exampleOf>;
}

export const EVENT_CATALOG: readonly EventTypeEntry[] = EVENT_TYPES.map((type) => ({
  type,
  description: DESCRIPTIONS[type],
  default: type !== 'job.progress',
  schema: EVENT_PAYLOAD_JSON_SCHEMA,
  example: exampleOf(type),
}));

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
