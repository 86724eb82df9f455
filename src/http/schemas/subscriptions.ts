import { z } from '@hono/zod-openapi';
import { ALL_EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../../core/types.ts';
import { EVENT_TYPE_DESCRIPTION, NullableTimestamp, Timestamp } from './common.ts';
import { SubscriptionFilterSchema } from './subscriptionFilter.ts';
import { subscriptionCreateExample, subscriptionExample, subscriptionPatchExample } from './examples.ts';

const Url = z.string().min(1).max(2048).openapi({ example: 'https://example.com/hooks/pollhook' });
const Events = z
  .array(z.enum(SUBSCRIBABLE_EVENT_TYPES))
  .min(1)
  .openapi({
    description: `${EVENT_TYPE_DESCRIPTION} Operational events (endpoint.failing, endpoint.disabled, endpoint.recovered, signing_secret.rotated) only when listed. endpoint.test is not listed: it is sent on request (POST /v1/subscriptions/{id}/test).`,
  });
const Description = z.string().max(500);

export const SubscriptionCreate = z
  .strictObject({
    url: Url,
    events: Events.optional(),
    description: Description.optional(),
    enabled: z.boolean().optional().openapi({ description: 'Default true.' }),
    filter: SubscriptionFilterSchema.optional(),
  })
  .openapi('SubscriptionCreate', { example: subscriptionCreateExample });

export const SubscriptionPatch = z
  .strictObject({
    url: Url.optional(),
    events: Events.nullable().optional().openapi({ description: 'null resets to the default set.' }),
    description: Description.nullable().optional(),
    filter: SubscriptionFilterSchema.nullable().optional().openapi({ description: 'null removes the filter.' }),
    enabled: z.boolean().optional().openapi({ description: 'true re-enables a disabled subscription and clears its failure state.' }),
  })
  .openapi('SubscriptionPatch', { example: subscriptionPatchExample });

export const SubscriptionSchema = z
  .object({
    id: z.string().openapi({ example: 'sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }),
    url: z.string(),
    events: z.array(z.enum(ALL_EVENT_TYPES)),
    description: z.string().nullable(),
    filter: SubscriptionFilterSchema.nullable().openapi({ description: 'Provider and metadata filter; null: every event of the listed types.' }),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: NullableTimestamp,
    failingSince: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Subscription', { example: subscriptionExample });
export type SubscriptionView = z.infer<typeof SubscriptionSchema>;
