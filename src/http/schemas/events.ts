import { z } from '@hono/zod-openapi';
import { ALL_EVENT_TYPES } from '../../core/types.ts';
import { Timestamp } from './common.ts';
import { DELIVERY_STATUSES } from './deliveries.ts';
import { eventPayloadExample } from './examples.ts';
import { EventPayloadSchema, OperationalPayloadSchema } from './eventTypes.ts';

const FEED_EXAMPLE_ID = 'evt_01JD4ZC1M2N3P4Q5R6S7T8V9W0';

export const feedItemExample = {
  id: FEED_EXAMPLE_ID,
  cursor: '1042',
  jobId: 'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A',
  sequence: 3,
  type: 'job.succeeded',
  createdAt: '2026-11-22T17:00:00.000Z',
  payload: eventPayloadExample,
  deliveries: [
    { id: 'msg_01JD4ZC1M9K8J7H6G5F4E3D2C1', target: 'callback', url: 'https://example.com/hooks/pollhook', status: 'delivered', attemptCount: 1, lastStatusCode: 200 },
  ],
};

export const FeedItemSchema = z
  .object({
    id: z.string().openapi({ description: "The event's id: unique and stable (deduplicate by it).", example: FEED_EXAMPLE_ID }),
    cursor: z.string().openapi({ description: "The event's place in the tenant's feed: pass it as `after` (or `Last-Event-ID`) to read what came after it.", example: '1042' }),
    jobId: z.string().nullable().openapi({ description: 'null for operational events.' }),
    sequence: z.number().int().openapi({ description: "The event's number within its job." }),
    type: z.enum(ALL_EVENT_TYPES),
    createdAt: Timestamp,
    payload: z.union([EventPayloadSchema, OperationalPayloadSchema]),
    deliveries: z.array(
      z.object({
        id: z.string().openapi({ description: 'The delivery id, also its `webhook-id`.' }),
        target: z.string().openapi({ description: '`callback` or the subscription id.' }),
        url: z.string(),
        status: z.enum(DELIVERY_STATUSES),
        attemptCount: z.number().int(),
        lastStatusCode: z.number().int().nullable(),
      }),
    ),
  })
  .openapi('FeedEvent', { example: feedItemExample });
export type FeedItemView = z.infer<typeof FeedItemSchema>;

export const FeedPageSchema = z
  .object({
    data: z.array(FeedItemSchema),
    hasMore: z.boolean().openapi({ description: 'More events match: read the next page now.' }),
    nextCursor: z.string().nullable().openapi({
      description:
        'Newest first: pass as `cursor` for the next (older) page, null at the end. With `after`: pass as `after` next time (it is the given `after` when nothing is new).',
    }),
    pollCursor: z.string().openapi({ description: 'Pass as `after` to get only the events newer than everything this answer considered.' }),
  })
  .openapi('FeedPage', { example: { data: [feedItemExample], hasMore: false, nextCursor: null, pollCursor: '1042' } });
export type FeedPageView = z.infer<typeof FeedPageSchema>;
