import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { getSubscription } from '../../store/queries/subscriptions.ts';
import { replaySubscription } from '../../store/queries/replaySubscription.ts';
import { conflict, notFound } from '../problem.ts';
import { IdParam, authErrors, bearerSecurity, bodyErrors, conflictResponse, errorResponses, json, jsonBody } from '../schemas/common.ts';

const ReplayBody = z
  .strictObject({ since: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-22T00:00:00Z' }) })
  .openapi('SubscriptionReplay', { example: { since: '2026-11-22T00:00:00Z' } });
const ReplayQueued = z
  .object({ queued: z.number().int(), more: z.boolean().openapi({ description: 'More remain: call again with the same `since`.' }) })
  .openapi('SubscriptionReplayQueued', { example: { queued: 42, more: false } });

/** POST /v1/subscriptions/{id}/replay: what a subscription missed (while disabled, or dead). */
export function registerReplayRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const replay = createRoute({
    method: 'post',
    path: '/v1/subscriptions/{id}/replay',
    tags: ['subscriptions'],
    summary: 'Send a subscription the events it missed since a time',
    description:
      'Events are kept while a subscription is disabled. Once it is enabled again, this queues every event since `since` that it would have received and has not (never sent, canceled, or dead), oldest first, at most 10,000 per call.',
    security: bearerSecurity,
    request: { params: IdParam('sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A'), body: jsonBody(ReplayBody) },
    responses: { 202: json(ReplayQueued, 'Queued.'), 404: errorResponses[404], ...conflictResponse, ...bodyErrors, ...authErrors },
  });
  app.openapi(replay, (c) => {
    const { id } = c.req.valid('param');
    const tenantId = c.get('tenantId');
    const sub = isWellFormedId(id, 'sub') ? getSubscription(deps.db, tenantId, id) : undefined;
    if (!sub) throw notFound('subscription');
    if (sub.enabled !== 1) throw conflict('Enable the subscription first (PATCH enabled: true), then replay.');
    const since = Date.parse(c.req.valid('json').since);
    const r = replaySubscription(
      deps.db,
      { id: sub.id, tenantId, url: sub.url, events: sub.events, filter: sub.filter ?? null },
      since,
      deps.clock.now(),
    );
    if (r.queued > 0) deps.hooks?.deliveriesQueued?.();
    return c.json(r, 202);
  });
}
