import { z } from '@hono/zod-openapi';
import { PROVIDER_NAMES } from '../../core/types.ts';
import { MAX_FILTER_PAIRS } from '../../core/eventFilter.ts';

const METADATA_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A subscription's filter besides event types: only events of these providers, and only jobs
 * whose metadata has every given top-level key with that value (one Zap per customer).
 */
export const SubscriptionFilterSchema = z
  .strictObject({
    providers: z.array(z.enum(PROVIDER_NAMES)).min(1).max(PROVIDER_NAMES.length).optional().openapi({ description: 'Only events of jobs of these providers.' }),
    metadata: z
      .record(
        z.string().regex(METADATA_KEY, 'a metadata key is 1-64 letters, digits, "_" or "-"'),
        z.union([z.string().max(256), z.number(), z.boolean()]),
      )
      .refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= MAX_FILTER_PAIRS, `1 to ${MAX_FILTER_PAIRS} key/value pairs`)
      .optional()
      .openapi({ description: "Only jobs whose `metadata` has each of these top-level keys with exactly this value." }),
  })
  .openapi('SubscriptionFilter', { example: { providers: ['topaz'], metadata: { customerId: 'cus_42' } } });
export type SubscriptionFilterView = z.infer<typeof SubscriptionFilterSchema>;

/** Stored as JSON text; an empty filter is no filter. */
export function filterJson(filter: SubscriptionFilterView | null | undefined): string | null | undefined {
  if (filter === undefined) return undefined;
  if (filter === null || (!filter.providers && !filter.metadata)) return null;
  return JSON.stringify({ ...(filter.providers ? { providers: [...new Set(filter.providers)] } : {}), ...(filter.metadata ? { metadata: filter.metadata } : {}) });
}
