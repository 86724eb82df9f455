import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../deps.ts';
import { authenticateApiKey } from '../../store/queries/authenticate.ts';
import { latestFeedSeq, listFeed } from '../../store/queries/eventFeed.ts';
import { bearerToken } from '../auth.ts';
import { ProblemError, invalid } from '../problem.ts';
import { ProblemSchema, authErrors, bearerSecurity, bodyErrors, errorResponses, json } from '../schemas/common.ts';
import { PROBLEM_BASE } from '../problem.ts';
import { FeedFilterQuery, parseFeedQuery } from '../feedQuery.ts';
import { presentFeedItems } from '../feedPage.ts';
import { eventStream, type StreamSource } from '../sse.ts';
import {
  DEFAULT_STREAM_TOKEN_TTL_S,
  MAX_STREAM_TOKEN_TTL_S,
  STREAM_TOKEN_PREFIX,
  mintStreamToken,
  verifyStreamToken,
} from '../streamTokens.ts';

export const STREAM_PATH = '/v1/events/stream';

const StreamQuery = FeedFilterQuery.extend({
  after: z.string().optional().openapi({ param: { name: 'after', in: 'query' }, description: 'Start after this cursor (a `Last-Event-ID` header wins). Without either: only new events.' }),
  token: z.string().optional().openapi({ param: { name: 'token', in: 'query' }, description: 'A stream token from POST /v1/stream-tokens, for clients that cannot send headers (EventSource). Never the API key.' }),
  signed: z.enum(['true', 'false']).optional().openapi({
    param: { name: 'signed', in: 'query' },
    description: 'API key only: each event also carries `webhook` (Standard Webhooks headers and the exact body, signed now with the tenant\'s active secrets), as `pollhook listen` forwards it.',
  }),
});

const TokenRequest = z
  .strictObject({ ttlSeconds: z.number().int().min(10).max(MAX_STREAM_TOKEN_TTL_S).optional().openapi({ description: `Default ${DEFAULT_STREAM_TOKEN_TTL_S}.` }) })
  .openapi('StreamTokenRequest', { example: { ttlSeconds: 600 } });
const TokenCreated = z
  .object({ token: z.string(), expiresAt: z.string().openapi({ format: 'date-time' }) })
  .openapi('StreamToken', { example: { token: 'phst_djEuY2...', expiresAt: '2026-11-22T17:10:00.000Z' } });

const problem = (status: number, kind: string, title: string, detail: string) => ({
  description: detail,
  content: { 'application/problem+json': { schema: ProblemSchema, example: { type: `${PROBLEM_BASE}${kind}`, title, status, detail } } },
});

const unauthorized = (detail: string) => new ProblemError('unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' });

/** GET /v1/events/stream (Server-Sent Events) and POST /v1/stream-tokens. */
export function registerStreamRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock } = deps;

  const mint = createRoute({
    method: 'post',
    path: '/v1/stream-tokens',
    tags: ['events'],
    summary: 'A short-lived, read-only token for the event stream',
    description: 'For `EventSource`, which cannot send an Authorization header: `new EventSource("/v1/events/stream?token=...")`. It opens only the stream.',
    security: bearerSecurity,
    request: { body: { required: false, content: { 'application/json': { schema: TokenRequest } } } },
    responses: { 201: json(TokenCreated, 'The token.'), ...bodyErrors, ...authErrors },
  });
  app.openapi(mint, (c) => {
    const body = (c.req.valid('json') ?? {}) as z.infer<typeof TokenRequest>;
    const expiresAt = clock.now() + (body.ttlSeconds ?? DEFAULT_STREAM_TOKEN_TTL_S) * 1000;
    const token = mintStreamToken(deps.secretBox, c.get('tenantId'), expiresAt);
    return c.json({ token, expiresAt: new Date(expiresAt).toISOString() }, 201);
  });

  const stream = createRoute({
    method: 'get',
    path: STREAM_PATH,
    tags: ['events'],
    summary: 'Live events (Server-Sent Events)',
    description:
      'Each event is `id: <cursor>`, `event: <type>`, `data: <the feed item JSON>`. Reconnect with `Last-Event-ID` (EventSource does) or `?after=` to resume without gaps or repeats. A `: ping` comment comes every 15 s. Same filters as GET /v1/events. Authenticate with `Authorization: Bearer <API key or stream token>` or `?token=<stream token>`. At most 5 streams per tenant (429 beyond); a client that stops reading is disconnected. Node runtime only for now.',
    security: bearerSecurity,
    request: { query: StreamQuery },
    responses: {
      200: { description: 'An endless event stream.', content: { 'text/event-stream': { schema: z.string() } } },
      422: errorResponses[422],
      429: problem(429, 'too-many-requests', 'Too many requests', 'At most 5 event streams per tenant are open at once.'),
      501: problem(501, 'not-implemented', 'Not implemented', 'This runtime does not serve the event stream; poll GET /v1/events?after=<cursor> instead.'),
      503: problem(503, 'unavailable', 'Service unavailable', 'The server is shutting down.'),
      ...authErrors,
    },
  });
  app.openapi(stream, (c) => {
    const { tenantId, viaApiKey } = authenticateStream(deps, c);
    const q = parseFeedQuery(c.req.url, c.req.header('last-event-id') ?? null);
    const signed = c.req.query('signed') === 'true';
    if (signed && (!viaApiKey || !deps.signer)) {
      throw invalid([{ path: 'signed', message: viaApiKey ? 'this runtime cannot sign' : 'needs the API key in the Authorization header, not a stream token' }]);
    }
    if (!deps.streams) throw new ProblemError('not-implemented', 'This runtime does not serve the event stream; poll GET /v1/events?after=<cursor> instead.');
    const source: StreamSource = {
      read(after, limit) {
        const scannedTo = latestFeedSeq(db, tenantId);
        const rows = listFeed(db, tenantId, q.filter, { after }, limit);
        const items = presentFeedItems(db, rows).map((item, i) => {
          const body = rows[i]!.body;
          const data = signed ? { ...item, webhook: signWebhook(deps, tenantId, item.id, body) } : item;
          return { cursor: rows[i]!.seq, type: item.type, data: JSON.stringify(data) };
        });
        return { items, scannedTo };
      },
    };
    const body = eventStream({
      hub: deps.streams,
      tenantId,
      source,
      after: q.after ?? latestFeedSeq(db, tenantId),
      abortConnection: nodeAbort(c),
    });
    if (body === 'full') throw new ProblemError('too-many-requests', `At most ${deps.streams.maxPerTenant} event streams per tenant are open at once.`);
    if (body === 'closed') throw new ProblemError('unavailable', 'The server is shutting down.');
    return c.body(body, 200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    }) as never;
  });
}

/** API key or stream token in the Authorization header, or a stream token in `?token=`. */
function authenticateStream(deps: AppDeps, c: Context<AppEnv>): { tenantId: string; viaApiKey: boolean } {
  const now = deps.clock.now();
  const header = bearerToken(c.req.header('authorization'));
  const inUrl = c.req.query('token');
  if (inUrl !== undefined && !inUrl.startsWith(STREAM_TOKEN_PREFIX)) {
    throw unauthorized('`token` takes a stream token (POST /v1/stream-tokens), never the API key: a URL ends up in logs and browser history.');
  }
  const token = header ?? inUrl;
  if (!token) throw unauthorized('Send `Authorization: Bearer <API key>`, or `?token=` with a stream token from POST /v1/stream-tokens.');
  if (token.startsWith(STREAM_TOKEN_PREFIX)) {
    const tenantId = verifyStreamToken(deps.secretBox, token, now);
    if (!tenantId) throw unauthorized('The stream token is not valid or has expired; mint a new one.');
    return { tenantId, viaApiKey: false };
  }
  const key = authenticateApiKey(deps.db, token, now);
  if (!key) throw unauthorized('The API key is not valid.');
  return { tenantId: key.tenantId, viaApiKey: true };
}

/** Standard Webhooks headers for one event, signed now; `body` is the exact text to send. */
function signWebhook(deps: AppDeps, tenantId: string, eventId: string, body: string) {
  const timestamp = Math.floor(deps.clock.now() / 1000);
  return {
    headers: { 'webhook-id': eventId, 'webhook-timestamp': String(timestamp), 'webhook-signature': deps.signer!.sign(tenantId, eventId, timestamp, body) },
    body,
  };
}

/** @hono/node-server passes the Node response as `env.outgoing`: destroying it drops a stalled client. */
function nodeAbort(c: Context<AppEnv>): (() => void) | undefined {
  const outgoing = (c.env as { outgoing?: { destroy?: () => void } } | undefined)?.outgoing;
  return outgoing?.destroy ? () => outgoing.destroy!() : undefined;
}
