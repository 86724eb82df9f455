import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { getSubscription } from '../../store/queries/subscriptions.ts';
import { getDelivery } from '../../store/queries/deliveries.ts';
import { appendTestEvent } from '../../store/queries/operationalEvents.ts';
import { conflict, notFound } from '../problem.ts';
import { presentDelivery } from '../present.ts';
import { IdParam, authErrors, bearerSecurity, conflictResponse, errorResponses, json } from '../schemas/common.ts';
import { DeliverySchema } from '../schemas/deliveries.ts';

/** POST /v1/subscriptions/{id}/test: one `endpoint.test` event, delivered to that subscription only. */
export function registerTestEventRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const send = createRoute({
    method: 'post',
    path: '/v1/subscriptions/{id}/test',
    tags: ['subscriptions'],
    summary: 'Send a test event to a subscription',
    description:
      'Commits an `endpoint.test` event and one delivery of it to this subscription only (whatever its `events` and `filter`), in one transaction. It is signed, retried and recorded like any delivery: follow it with GET /v1/deliveries/{id}. A disabled subscription answers 409.',
    security: bearerSecurity,
    request: { params: IdParam('sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A') },
    responses: { 202: json(DeliverySchema, 'Queued: the delivery, pending.'), 404: errorResponses[404], ...conflictResponse, ...authErrors },
  });
  app.openapi(send, (c) => {
    const { id } = c.req.valid('param');
    const tenantId = c.get('tenantId');
    const now = deps.clock.now();
    const queued = deps.db.transaction(() => {
      const sub = isWellFormedId(id, 'sub') ? getSubscription(deps.db, tenantId, id) : undefined;
      if (!sub) throw notFound('subscription');
      if (sub.enabled !== 1) throw conflict('The subscription is disabled: enable it (PATCH enabled: true) to send it a test event.');
      return appendTestEvent(deps.db, sub.id, now)!;
    });
    deps.hooks?.deliveriesQueued?.();
    deps.streams?.notify();
    return c.json(presentDelivery(getDelivery(deps.db, tenantId, queued.deliveryId)!), 202);
  });
}
