import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { SUBSCRIBABLE_EVENT_TYPES, DEFAULT_EVENT_TYPES, type AnyEventType } from '../../core/types.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { deleteSubscription, insertSubscription } from '../../store/queries/subscriptions.ts';
import { invalid, notFound } from '../problem.ts';
import { presentSubscription } from '../present.ts';
import { checkTargetUrl, normalizedUrl, targetUrlSyntaxError } from '../targets.ts';
import { validationHookWith } from '../validation.ts';
import { IdParam, authErrors, bearerSecurity, bodyErrors, errorResponses, json, jsonBody } from '../schemas/common.ts';
import { SubscriptionSchema } from '../schemas/subscriptions.ts';
import { SubscriptionFilterSchema, filterJson } from '../schemas/subscriptionFilter.ts';

/**
 * Zapier's REST Hooks shape as an alias of subscriptions: `{ target_url, event }` in, a
 * subscription (with the `id` Zapier unsubscribes with) out. `event` is one type, a comma list,
 * or `job.*` / `*` for every default type ("Job status changed").
 */
const RestHookCreate = z
  .strictObject({
    target_url: z.string().min(1).max(2048).openapi({ example: 'https://hooks.zapier.com/hooks/standard/123/abc/' }),
    event: z.string().min(1).max(500).openapi({ example: 'job.*', description: 'An event type, a comma-separated list, or `job.*` / `*` for every default type.' }),
    filter: SubscriptionFilterSchema.optional(),
  })
  .openapi('RestHookSubscribe', { example: { target_url: 'https://hooks.zapier.com/hooks/standard/123/abc/', event: 'job.*' } });

function eventsOf(event: string): AnyEventType[] | null {
  if (event === '*' || event === 'job.*') return null;
  const list = event.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((t) => !(SUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length || list.length === 0) {
    throw invalid([{ path: 'event', message: `unknown event type ${JSON.stringify(unknown[0] ?? event)}; use one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}, or job.*` }]);
  }
  return [...new Set(list)] as AnyEventType[];
}

export function registerRestHookRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const subscribe = createRoute({
    method: 'post',
    path: '/v1/rest-hooks',
    tags: ['subscriptions'],
    summary: "Subscribe in Zapier's REST Hooks shape",
    description: `Creates a subscription from \`{ target_url, event }\`. Unsubscribe with DELETE /v1/rest-hooks/{id} (or DELETE /v1/subscriptions/{id}). A target answering 410 is unsubscribed (the subscription is disabled). \`job.*\` means ${DEFAULT_EVENT_TYPES.join(', ')}.`,
    security: bearerSecurity,
    request: { body: jsonBody(RestHookCreate) },
    responses: { 201: json(SubscriptionSchema, 'The subscription; keep its `id`.'), ...bodyErrors, ...authErrors },
  });
  app.openapi(subscribe, async (c) => {
    const body = c.req.valid('json');
    const events = eventsOf(body.event);
    const refused = await checkTargetUrl(deps, body.target_url, 'target_url');
    if (refused) throw invalid([refused]);
    const url = normalizedUrl(body.target_url);
    const row = insertSubscription(
      deps.db,
      {
        tenantId: c.get('tenantId'),
        url,
        events: events ? JSON.stringify(events) : null,
        description: 'REST hook',
        enabled: true,
        filter: filterJson(body.filter) ?? null,
      },
      deps.clock.now(),
    );
    return c.json(presentSubscription(row), 201);
  }, validationHookWith('json', (b) => [targetUrlSyntaxError(deps, b.target_url, 'target_url')]));

  const unsubscribe = createRoute({
    method: 'delete',
    path: '/v1/rest-hooks/{id}',
    tags: ['subscriptions'],
    summary: 'Unsubscribe a REST hook',
    security: bearerSecurity,
    request: { params: IdParam('sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A') },
    responses: { 204: { description: 'Unsubscribed.' }, 404: errorResponses[404], ...authErrors },
  });
  app.openapi(unsubscribe, (c) => {
    const { id } = c.req.valid('param');
    if (!isWellFormedId(id, 'sub') || !deleteSubscription(deps.db, c.get('tenantId'), id, deps.clock.now())) throw notFound('subscription');
    return c.body(null, 204);
  });
}
