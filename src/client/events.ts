/** `client.events`: the tenant's event feed, its live stream and the event catalog. */
import type * as T from './types.ts';
import { paginate, type Query, type Transport } from './http.ts';
import { streamEvents } from './stream.ts';

export function eventsApi(transport: Transport) {
  const list = (params: T.EventFeedParams = {}) => transport.call<T.FeedPage>('GET', '/v1/events', { query: feedQuery(params) });

  /**
   * Without `after`: every event, newest first, paging back with `cursor`. With `after`: the
   * events after that cursor, oldest first, until caught up (`hasMore` false); keep the last
   * event's `cursor` and pass it as `after` next time to see each event once.
   */
  async function* iterate(params: T.EventFeedParams = {}): AsyncGenerator<T.FeedEvent> {
    if (params.after === undefined) {
      yield* paginate(list, params);
      return;
    }
    let after: string = params.after;
    for (;;) {
      const page = await list({ ...params, after, cursor: undefined });
      yield* page.data;
      if (!page.hasMore || page.nextCursor === null || page.nextCursor === after) return;
      after = page.nextCursor;
    }
  }

  return {
    /** One page of the feed (GET /v1/events). */
    list,
    iterate,
    /** Live events over Server-Sent Events (GET /v1/events/stream); see EventStreamParams. */
    stream: (params: T.EventStreamParams = {}) => streamEvents(transport, params, filterQuery(params)),
    /** The event catalog: each type with its description, payload JSON Schema and an example. */
    types: () => transport.call<{ data: T.EventTypeInfo[] }>('GET', '/v1/event-types'),
  };
}

/** Stream tokens: for a browser's EventSource, or to hand a page read-only access to the stream. */
export function streamTokensApi(transport: Transport) {
  return {
    create: (body: T.StreamTokenInput = {}) => transport.call<T.StreamToken>('POST', '/v1/stream-tokens', { body }),
  };
}

function feedQuery(params: T.EventFeedParams): Query {
  return { ...filterQuery(params), after: params.after, cursor: params.cursor, limit: params.limit };
}

/** The filter as the server reads it: comma-separated lists, `metadata[key]=value`. */
export function filterQuery(filter: T.EventFilter): Query {
  const list = (v: string | readonly string[] | undefined) => (v === undefined ? undefined : typeof v === 'string' ? v : v.join(',') || undefined);
  const time = (v: string | Date | undefined) => (v instanceof Date ? v.toISOString() : v);
  const query: Query = {
    type: list(filter.type),
    provider: list(filter.provider),
    jobId: filter.jobId,
    since: time(filter.since),
    until: time(filter.until),
  };
  for (const [key, value] of Object.entries(filter.metadata ?? {})) query[`metadata[${key}]`] = String(value);
  return query;
}
