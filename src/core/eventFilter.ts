/**
 * Filters on an event's payload besides its type: the provider and metadata key/value pairs.
 * Used by subscriptions (stored as JSON) and by the feed and stream (query parameters). Pure.
 */
export type MetadataValue = string | number | boolean;

export interface PayloadFilter {
  /** The event's job is of one of these providers. */
  providers?: string[];
  /** Every pair equals the event's `data.metadata[key]` (top-level keys). */
  metadata?: Record<string, MetadataValue>;
}

export const MAX_FILTER_PAIRS = 10;

/** True when the filter is empty or the payload passes every part of it. */
export function payloadMatches(filter: PayloadFilter | null, payload: unknown): boolean {
  if (!filter) return true;
  const data = (payload as { data?: { provider?: unknown; metadata?: unknown } } | null)?.data;
  if (filter.providers?.length && !filter.providers.includes(String(data?.provider))) return false;
  if (filter.metadata) {
    const meta = data?.metadata;
    if (Object.keys(filter.metadata).length === 0) return true;
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return false;
    for (const [key, expected] of Object.entries(filter.metadata)) {
      if (!Object.hasOwn(meta, key) || !sameValue((meta as Record<string, unknown>)[key], expected)) return false;
    }
  }
  return true;
}

/**
 * A query string cannot say whether `42` is a number or a string, so a query value matches a
 * metadata value whose JSON text (strings without quotes) is the same.
 */
function sameValue(actual: unknown, expected: MetadataValue): boolean {
  if (typeof expected !== 'string') return actual === expected;
  if (typeof actual === 'string') return actual === expected;
  return (typeof actual === 'number' || typeof actual === 'boolean') && String(actual) === expected;
}

/** Parses a stored filter; a corrupt value filters nothing out rather than failing delivery. */
export function parseStoredFilter(text: string | null): PayloadFilter | null {
  if (text == null) return null;
  try {
    const f = JSON.parse(text) as PayloadFilter;
    return f && typeof f === 'object' ? f : null;
  } catch {
    return null;
  }
}

/**
 * Whether some event could pass both filters: not when both name providers and none is shared,
 * nor when both pin one metadata key to different values. Two subscriptions to one URL whose
 * filters cannot overlap (one Zap per customer) never deliver an event twice.
 */
export function filtersCanOverlap(a: PayloadFilter | null, b: PayloadFilter | null): boolean {
  if (!a || !b) return true;
  if (a.providers?.length && b.providers?.length && !a.providers.some((p) => b.providers!.includes(p))) return false;
  if (a.metadata && b.metadata) {
    for (const [key, value] of Object.entries(a.metadata)) {
      if (Object.hasOwn(b.metadata, key) && String(b.metadata[key]) !== String(value)) return false;
    }
  }
  return true;
}
