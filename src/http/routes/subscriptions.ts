import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import {
  findOverlappingSubscription,
  deleteSubscription,
  getSubscription,
  insertSubscription,
  listSubscriptions,
  updateSubscription,
} from '../../store/queries/subscriptions.ts';
import { ProblemError, invalid, notFound } from '../problem.ts';
import { DEFAULT_EVENT_TYPES } from '../../core/types.ts';
import type { SubscriptionRow } from '../../store/rows.ts';
import { presentSubscription } from '../present.ts';
import { decodeCursor, page } from '../pagination.ts';
import { checkTargetUrl, normalizedUrl, targetUrlSyntaxError } from '../targets.ts';
import { validationHookWith } from '../validation.ts';
import { IdParam, ListQuery, authErrors, bearerSecurity, bodyErrors, conflictResponse, errorResponses, json, jsonBody, listOf } from '../schemas/common.ts';
import { filterJson } from '../schemas/subscriptionFilter.ts';
import { parseStoredFilter } from '../../core/eventFilter.ts';
import { SubscriptionCreate, SubscriptionPatch, SubscriptionSchema } from '../schemas/subscriptions.ts';

const SubIdParam = IdParam('sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A');
const eventsJson = (events: readonly string[]) => JSON.stringify([...new Set(events)]);
const storedEvents = (row: SubscriptionRow): string[] | null => (row.events ? (JSON.parse(row.events) as string[]) : null);

const DUPLICATES =
  'A tenant cannot have two subscriptions to the same URL with overlapping event types (each event would be delivered twice, under two webhook-ids): that is a 409 naming the existing subscription; change its `events` instead.';

/** 409 when another subscription of the tenant already receives some of these events at this URL. */
function refuseDuplicate(
  db: AppDeps['db'],
  tenantId: string,
  target: { url: string; events: readonly string[] | null; filter: string | null },
  exceptId?: string,
): void {
  const events = target.events ?? DEFAULT_EVENT_TYPES;
  const clash = findOverlappingSubscription(db, tenantId, target.url, events, DEFAULT_EVENT_TYPES, parseStoredFilter(target.filter), exceptId);
  if (!clash) return;
  throw new ProblemError(
    'conflict',
    `Subscription ${clash.id} already receives ${clash.shared.join(', ')} at this URL; change its events instead of adding another.`,
    [{ path: 'url', message: `already subscribed by ${clash.id}` }],
  );
}

export function registerSubscriptionRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock } = deps;

  const create = createRoute({
    method: 'post',
    path: '/v1/subscriptions',
    tags: ['subscriptions'],
    summary: 'Add a tenant-wide webhook endpoint',
    description: DUPLICATES,
    security: bearerSecurity,
    request: { body: jsonBody(SubscriptionCreate) },
    responses: { 201: json(SubscriptionSchema, 'Created.'), ...bodyErrors, ...conflictResponse, ...authErrors },
  });
  const urlHook = validationHookWith('json', (b) => [targetUrlSyntaxError(deps, b.url, 'url')]);
  app.openapi(create, async (c) => {
    const sent = c.req.valid('json');
    const refused = await checkTargetUrl(deps, sent.url, 'url');
    if (refused) throw invalid([refused]);
    const body = { ...sent, url: normalizedUrl(sent.url) };
    const tenantId = c.get('tenantId');
    const row = db.transaction(() => {
      refuseDuplicate(db, tenantId, { url: body.url, events: body.events ?? null, filter: filterJson(body.filter) ?? null });
      return insertSubscription(
        db,
        {
          tenantId,
          url: body.url,
          events: body.events ? eventsJson(body.events) : null,
          description: body.description ?? null,
          enabled: body.enabled ?? true,
          filter: filterJson(body.filter) ?? null,
        },
        clock.now(),
      );
    });
    return c.json(presentSubscription(row), 201);
  }, urlHook);

  const list = createRoute({
    method: 'get',
    path: '/v1/subscriptions',
    tags: ['subscriptions'],
    summary: 'List subscriptions, newest first',
    security: bearerSecurity,
    request: { query: ListQuery },
    responses: { 200: json(listOf(SubscriptionSchema, 'SubscriptionList'), 'A page of subscriptions.'), 422: errorResponses[422], ...authErrors },
  });
  app.openapi(list, (c) => {
    const q = c.req.valid('query');
    const rows = listSubscriptions(db, c.get('tenantId'), { beforeId: decodeCursor(q.cursor, 'sub'), limit: q.limit + 1 });
    return c.json(page(rows, q.limit, presentSubscription), 200);
  });

  const get = createRoute({
    method: 'get',
    path: '/v1/subscriptions/{id}',
    tags: ['subscriptions'],
    summary: 'One subscription',
    security: bearerSecurity,
    request: { params: SubIdParam },
    responses: { 200: json(SubscriptionSchema, 'The subscription.'), 404: errorResponses[404], ...authErrors },
  });
  app.openapi(get, (c) => {
    const { id } = c.req.valid('param');
    const row = isWellFormedId(id, 'sub') ? getSubscription(db, c.get('tenantId'), id) : undefined;
    if (!row) throw notFound('subscription');
    return c.json(presentSubscription(row), 200);
  });

  const patch = createRoute({
    method: 'patch',
    path: '/v1/subscriptions/{id}',
    tags: ['subscriptions'],
    summary: 'Change a subscription',
    description: `\`enabled: true\` re-enables a subscription disabled by failures or a 410, and clears its failure state. ${DUPLICATES}`,
    security: bearerSecurity,
    request: { params: SubIdParam, body: jsonBody(SubscriptionPatch) },
    responses: {
      200: json(SubscriptionSchema, 'The updated subscription.'),
      404: errorResponses[404],
      ...bodyErrors,
      ...conflictResponse,
      ...authErrors,
    },
  });
  app.openapi(patch, async (c) => {
    const { id } = c.req.valid('param');
    const tenantId = c.get('tenantId');
    const current = isWellFormedId(id, 'sub') ? getSubscription(db, tenantId, id) : undefined;
    if (!current) throw notFound('subscription');
    const sent = c.req.valid('json');
    if (sent.url !== undefined) {
      const refused = await checkTargetUrl(deps, sent.url, 'url');
      if (refused) throw invalid([refused]);
    }
    const body = sent.url === undefined ? sent : { ...sent, url: normalizedUrl(sent.url) };
    const row = db.transaction(() => {
      if (body.url !== undefined || body.events !== undefined || body.filter !== undefined) {
        const events = body.events === undefined ? storedEvents(current) : body.events;
        const filter = body.filter === undefined ? (current.filter ?? null) : (filterJson(body.filter) ?? null);
        refuseDuplicate(db, tenantId, { url: body.url ?? current.url, events, filter }, id);
      }
      return updateSubscription(
        db,
        tenantId,
        id,
        {
          url: body.url,
          events: body.events === undefined ? undefined : body.events === null ? null : eventsJson(body.events),
          description: body.description,
          enabled: body.enabled,
          filter: filterJson(body.filter),
        },
        clock.now(),
      );
    });
    if (!row) throw notFound('subscription');
    return c.json(presentSubscription(row), 200);
  }, urlHook);

  const remove = createRoute({
    method: 'delete',
    path: '/v1/subscriptions/{id}',
    tags: ['subscriptions'],
    summary: 'Delete a subscription',
    description: 'Its deliveries that are not finished are canceled.',
    security: bearerSecurity,
    request: { params: SubIdParam },
    responses: { 204: { description: 'Deleted.' }, 404: errorResponses[404], ...authErrors },
  });
  app.openapi(remove, (c) => {
    const { id } = c.req.valid('param');
    if (!isWellFormedId(id, 'sub') || !deleteSubscription(db, c.get('tenantId'), id, clock.now())) {
      throw notFound('subscription');
    }
    return c.body(null, 204);
  });
}
