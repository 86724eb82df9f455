import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { authErrors, bearerSecurity, errorResponses, json } from '../schemas/common.ts';
import { FeedPageSchema } from '../schemas/events.ts';
import { FeedListQuery, parseFeedQuery } from '../feedQuery.ts';
import { readFeedPage } from '../feedPage.ts';

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
      304: { description: 'Nothing changed since the ETag in `If-None-Match`.' },
      422: errorResponses[422],
      ...authErrors,
    },
  });
  app.openapi(feed, async (c) => {
    const q = parseFeedQuery(c.req.url);
    const body = JSON.stringify(readFeedPage(deps.db, c.get('tenantId'), q));
    const etag = `W/"${await digest(body)}"`;
    const headers = { etag, 'cache-control': 'private, no-cache' };
    if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'content-type': 'application/json' });
  });
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
