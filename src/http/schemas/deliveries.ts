import { z } from '@hono/zod-openapi';
import { ALL_EVENT_TYPES, EVENT_TYPES } from '../../core/types.ts';
import { ListQuery, NullableTimestamp, Timestamp } from './common.ts';
import { deliveryDetailExample, deliveryExample, eventExample } from './examples.ts';

export const DELIVERY_STATUSES = ['pending', 'failed', 'delivered', 'dead', 'canceled'] as const;
const DeliveryStatus = z.enum(DELIVERY_STATUSES);

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: 'Also the `webhook-id` header, the same on every retry.', example: 'msg_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }),
    eventId: z.string(),
    jobId: z.string(),
    sequence: z.number().int(),
    subscriptionId: z.string().nullable().openapi({ description: "null when the target is the job's callbackUrl." }),
    url: z.string(),
    status: DeliveryStatus,
    attemptCount: z.number().int(),
    nextAttemptAt: NullableTimestamp,
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: Timestamp,
    deliveredAt: NullableTimestamp,
    deadAt: NullableTimestamp,
  })
  .openapi('Delivery', { example: deliveryExample });
export type DeliveryView = z.infer<typeof DeliverySchema>;

export const AttemptSchema = z
  .object({
    attemptedAt: Timestamp,
    durationMs: z.number().int(),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    responseBody: z.string().nullable().openapi({ description: 'The first 4 KiB of the answer.' }),
  })
  .openapi('DeliveryAttempt', { example: deliveryDetailExample.attempts[0] });

export const DeliveryDetailSchema = DeliverySchema.extend({
  eventType: z.enum(ALL_EVENT_TYPES),
  attempts: z.array(AttemptSchema),
}).openapi('DeliveryDetail', { example: deliveryDetailExample });
export type DeliveryDetailView = z.infer<typeof DeliveryDetailSchema>;

export const DeliveryListQuery = ListQuery.extend({
  status: DeliveryStatus.optional().openapi({ param: { name: 'status', in: 'query' } }),
  jobId: z.string().optional().openapi({ param: { name: 'jobId', in: 'query' } }),
  subscriptionId: z.string().optional().openapi({ param: { name: 'subscriptionId', in: 'query' } }),
});

export const RetryAccepted = z.object({ id: z.string(), status: z.literal('pending') }).openapi('RetryAccepted', { example: { id: deliveryExample.id, status: 'pending' } });

export const RecoverBody = z
  .strictObject({
    since: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-22T00:00:00Z' }),
    subscriptionId: z.string().optional().openapi({ description: 'Only this subscription\'s dead deliveries.' }),
  })
  .openapi('RecoverRequest', { example: { since: '2026-11-22T00:00:00Z', subscriptionId: 'sub_01JD4Y0A1B2C3D4E5F6G7H8J9K' } });
export const RecoverAccepted = z.object({ queued: z.number().int() }).openapi('RecoverAccepted', { example: { queued: 12 } });

export const EventSchema = z
  .object({
    id: z.string(),
    sequence: z.number().int(),
    type: z.enum(EVENT_TYPES),
    createdAt: Timestamp,
    payload: z.record(z.string(), z.unknown()).openapi({ description: 'The exact Standard Webhooks body that is signed and sent.' }),
    deliveries: z.array(
      z.object({
        id: z.string(),
        target: z.string().openapi({ description: '`callback` or the subscription id.' }),
        url: z.string(),
        status: DeliveryStatus,
        attemptCount: z.number().int(),
      }),
    ),
  })
  .openapi('Event', { example: eventExample });
export type EventView = z.infer<typeof EventSchema>;
