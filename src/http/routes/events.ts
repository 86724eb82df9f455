import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { authErrors, bearerSecurity, errorResponses, json } from '../schemas/common.ts';
import { FeedPageSchema } from '../schemas/events.ts';
import { EVENT_CATALOG, EventTypeList } from '../schemas/eventTypes.ts';
import { FeedListQuery, parseFeedQuery } from '../feedQuery.ts';
import { readFeedPage } from '../feedPage.ts';

const CATALOG_JSON = JSON.stringify({ data: EVENT_CATALOG });

/** GET /v1/events: the tenant's event feed (Zapier's performList, and polling behind a firewall). */
export function registerEventFeedRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const feed = createRoute({
    method: 'get',
    path: '/v1/events',
    tags: ['events'],
    summary: "Every event of the tenant: newest first, or after a cursor",
    description:
      'Without `after`: newest first, `cursor` pages back. With `after=<cursor>`: the events after it, oldest first; a consumer that always passes the last `nextCursor` sees every event once, across restarts. Cursors are a sequence in commit order, never a time. The answer has a weak `ETag`: send `If-None-Match` to get `304` when nothing changed.',
    security: bearerSecurity,
    request: { query: FeedListQuery },
    responses: {
      200: json(FeedPageSchema, 'A page of events.'),
      422: errorResponses[422],
      ...authErrors,
    },
  });
  app.openapi(feed, async (c) => {
    const q = parseFeedQuery(c.req.url);
    const body = JSON.stringify(readFeedPage(deps.db, c.get('tenantId'), q));
    const etag = `W/"${await digest(body)}"`;
    const headers = { etag, 'cache-control': 'private, no-cache' };
    // 304 is not in the typed responses (it is no error and has no body); described above.
    if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers) as never;
    return c.body(body, 200, { ...headers, 'content-type': 'application/json' }) as never;
  });

  const catalog = createRoute({
    method: 'get',
    path: '/v1/event-types',
    tags: ['events'],
    summary: 'The event catalog: each type with its description, payload JSON Schema and an example',
    security: bearerSecurity,
    responses: { 200: json(EventTypeList, 'Every event type.'), ...authErrors },
  });
  app.openapi(catalog, (c) => c.body(CATALOG_JSON, 200, { 'content-type': 'application/json' }) as never);
}

async function digest(text: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let bin = '';
  for (const b of hash.subarray(0, 18)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_');
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
}
