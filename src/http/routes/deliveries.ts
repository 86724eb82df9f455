import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { getDelivery, listAttempts, listDeliveries } from '../../store/queries/deliveries.ts';
import { recoverDeliveries, requeueDelivery } from '../../store/queries/requeueDeliveries.ts';
import { getSubscription } from '../../store/queries/subscriptions.ts';
import { conflict, invalid, notFound, type FieldError } from '../problem.ts';
import { presentDelivery, presentDeliveryDetail } from '../present.ts';
import { decodeCursor, page } from '../pagination.ts';
import { IdParam, authErrors, bearerSecurity, bodyErrors, conflictResponse, errorResponses, json, jsonBody, listOf } from '../schemas/common.ts';
import {
  DeliveryDetailSchema,
  DeliveryListQuery,
  DeliverySchema,
  RecoverAccepted,
  RecoverBody,
  RetryAccepted,
} from '../schemas/deliveries.ts';

const DeliveryIdParam = IdParam('msg_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A');

export function registerDeliveryRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock } = deps;

  const list = createRoute({
    method: 'get',
    path: '/v1/deliveries',
    tags: ['deliveries'],
    summary: 'List deliveries, newest first',
    security: bearerSecurity,
    request: { query: DeliveryListQuery },
    responses: { 200: json(listOf(DeliverySchema, 'DeliveryList'), 'A page of deliveries.'), 422: errorResponses[422], ...authErrors },
  });
  app.openapi(list, (c) => {
    const q = c.req.valid('query');
    const errors: FieldError[] = [];
    if (q.jobId !== undefined && !isWellFormedId(q.jobId, 'job')) errors.push({ path: 'jobId', message: 'is not a job id' });
    if (q.subscriptionId !== undefined && !isWellFormedId(q.subscriptionId, 'sub')) {
      errors.push({ path: 'subscriptionId', message: 'is not a subscription id' });
    }
    if (errors.length > 0) throw invalid(errors);
    const beforeId = decodeCursor(q.cursor, 'msg');
    const rows = listDeliveries(db, c.get('tenantId'), {
      status: q.status,
      jobId: q.jobId,
      subscriptionId: q.subscriptionId,
      beforeId,
      limit: q.limit + 1,
    });
    return c.json(page(rows, q.limit, presentDelivery), 200);
  });

  // Declared before /{id} so that "recover" is never read as an id.
  const recover = createRoute({
    method: 'post',
    path: '/v1/deliveries/recover',
    tags: ['deliveries'],
    summary: 'Queue every dead delivery since a time again',
    security: bearerSecurity,
    request: { body: jsonBody(RecoverBody) },
    responses: { 202: json(RecoverAccepted, 'How many deliveries were queued.'), ...bodyErrors, ...authErrors },
  });
  app.openapi(recover, (c) => {
    const body = c.req.valid('json');
    const tenantId = c.get('tenantId');
    if (body.subscriptionId !== undefined) {
      const known = isWellFormedId(body.subscriptionId, 'sub') && getSubscription(db, tenantId, body.subscriptionId);
      if (!known) throw invalid([{ path: 'subscriptionId', message: 'no such subscription' }]);
    }
    const queued = recoverDeliveries(db, tenantId, { since: Date.parse(body.since), subscriptionId: body.subscriptionId ?? null }, clock.now());
    if (queued > 0) deps.hooks?.deliveriesQueued?.();
    return c.json({ queued }, 202);
  });

  const get = createRoute({
    method: 'get',
    path: '/v1/deliveries/{id}',
    tags: ['deliveries'],
    summary: 'One delivery with every attempt',
    security: bearerSecurity,
    request: { params: DeliveryIdParam },
    responses: { 200: json(DeliveryDetailSchema, 'The delivery.'), 404: errorResponses[404], ...authErrors },
  });
  app.openapi(get, (c) => {
    const { id } = c.req.valid('param');
    const row = isWellFormedId(id, 'msg') ? getDelivery(db, c.get('tenantId'), id) : undefined;
    if (!row) throw notFound('delivery');
    return c.json(presentDeliveryDetail(row, listAttempts(db, row.id)), 200);
  });

  const retry = createRoute({
    method: 'post',
    path: '/v1/deliveries/{id}/retry',
    tags: ['deliveries'],
    summary: 'Queue a dead or failed delivery again',
    description: 'Keeps its id (webhook-id) and its place in the order of its job and target.',
    security: bearerSecurity,
    request: { params: DeliveryIdParam },
    responses: {
      202: json(RetryAccepted, 'Queued.'),
      404: errorResponses[404],
      ...conflictResponse,
      ...authErrors,
    },
  });
  app.openapi(retry, (c) => {
    const { id } = c.req.valid('param');
    if (!isWellFormedId(id, 'msg')) throw notFound('delivery');
    const result = requeueDelivery(db, c.get('tenantId'), id, clock.now());
    if (result === 'not_found') throw notFound('delivery');
    if (result === 'not_retryable') throw conflict('Only a dead or failed delivery can be retried.');
    deps.hooks?.deliveriesQueued?.();
    return c.json({ id, status: 'pending' as const }, 202);
  });
}
