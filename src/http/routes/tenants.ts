import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { createTenant, deleteTenant, getTenant, listTenants } from '../../store/queries/tenants.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../../store/queries/apiKeys.ts';
import { presentApiKey } from './apiKeys.ts';
import { notFound } from '../problem.ts';
import { iso } from '../present.ts';
import { decodeCursor, page } from '../pagination.ts';
import { IdParam, ListQuery, bodyErrors, errorResponses, json, jsonBody } from '../schemas/common.ts';
import { TenantCreate, TenantCreateQuery, TenantCreated } from '../schemas/tenants.ts';
import { ApiKeyCreate, ApiKeyCreated, ApiKeyList, TenantList } from '../schemas/apiKeys.ts';

const ADMIN = 'Needs `Authorization: Bearer $POLLHOOK_ADMIN_TOKEN`; answers 404 when no admin token is configured.';
const TenantIdParam = IdParam('tnt_01JD4V7W8X9Y0Z1A2B3C4D5E6F');
const adminErrors = { 401: errorResponses[401], 404: errorResponses[404], 500: errorResponses[500] } as const;

export function registerTenantRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const create = createRoute({
    method: 'post',
    path: '/v1/tenants',
    tags: ['admin'],
    summary: 'Create a tenant (admin)',
    description: `${ADMIN} The API key and signing secret are shown once.`,
    security: [{ adminToken: [] }],
    request: { query: TenantCreateQuery, body: jsonBody(TenantCreate) },
    responses: {
      201: json(TenantCreated, 'Created.'),
      ...bodyErrors,
      401: errorResponses[401],
      404: errorResponses[404],
    },
  });
  app.openapi(create, (c) => {
    const body = c.req.valid('json');
    const tenant = createTenant(deps.db, deps.secretBox, body.name, deps.clock.now());
    c.get('logger').info({ tenantId: tenant.id }, 'tenant created');
    return c.json(tenant, 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/tenants',
    tags: ['admin'],
    summary: 'List tenants, newest first (admin)',
    description: ADMIN,
    security: [{ adminToken: [] }],
    request: { query: ListQuery },
    responses: { 200: json(TenantList, 'A page of tenants.'), 422: errorResponses[422], ...adminErrors },
  });
  app.openapi(list, (c) => {
    const q = c.req.valid('query');
    const rows = listTenants(deps.db, { beforeId: decodeCursor(q.cursor, 'tnt'), limit: q.limit + 1 });
    return c.json(page(rows, q.limit, (r) => ({ id: r.id, name: r.name, createdAt: iso(r.created_at)! })), 200);
  });

  const remove = createRoute({
    method: 'delete',
    path: '/v1/tenants/{id}',
    tags: ['admin'],
    summary: 'Delete a tenant and everything it owns (admin)',
    description: `${ADMIN} Removes the tenant's jobs, events, deliveries and their attempts, subscriptions, connections, signing secrets and API keys in one transaction. Its keys stop working at once; nothing more is polled or delivered for it. Other tenants are untouched. Irreversible.`,
    security: [{ adminToken: [] }],
    request: { params: TenantIdParam },
    responses: { 204: { description: 'Deleted.' }, ...adminErrors },
  });
  app.openapi(remove, (c) => {
    const { id } = c.req.valid('param');
    if (!isWellFormedId(id, 'tnt') || !deleteTenant(deps.db, id)) throw notFound('tenant');
    c.get('logger').warn({ tenantId: id }, 'tenant deleted');
    deps.hooks?.jobsChanged?.();
    return c.body(null, 204);
  });

  registerAdminKeyRoutes(app, deps);
}

/**
 * The operator's view of a tenant's API keys: issue one (a tenant that lost its keys), list,
 * revoke (a leaked key), even the last one. Tenants manage their own under /v1/api-keys.
 */
function registerAdminKeyRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock } = deps;
  const tenantOr404 = (id: string) => {
    if (!isWellFormedId(id, 'tnt') || !getTenant(db, id)) throw notFound('tenant');
    return id;
  };

  const create = createRoute({
    method: 'post',
    path: '/v1/tenants/{id}/api-keys',
    tags: ['admin'],
    summary: "Issue an API key for a tenant (admin)",
    description: `${ADMIN} The key is shown once.`,
    security: [{ adminToken: [] }],
    request: { params: TenantIdParam, body: jsonBody(ApiKeyCreate) },
    responses: { 201: json(ApiKeyCreated, 'The new key, shown once.'), ...bodyErrors, ...adminErrors },
  });
  app.openapi(create, (c) => {
    const tenantId = tenantOr404(c.req.valid('param').id);
    const key = createApiKey(db, tenantId, c.req.valid('json').name, clock.now());
    c.get('logger').info({ tenantId, keyId: key.id }, 'api key created by the operator');
    return c.json({ ...presentApiKey(key, null), key: key.key }, 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/tenants/{id}/api-keys',
    tags: ['admin'],
    summary: "A tenant's active API keys (admin)",
    description: `${ADMIN} Never the keys themselves.`,
    security: [{ adminToken: [] }],
    request: { params: TenantIdParam, query: ListQuery },
    responses: { 200: json(ApiKeyList, 'A page of keys.'), 422: errorResponses[422], ...adminErrors },
  });
  app.openapi(list, (c) => {
    const tenantId = tenantOr404(c.req.valid('param').id);
    const q = c.req.valid('query');
    const rows = listApiKeys(db, tenantId, clock.now(), { beforeId: decodeCursor(q.cursor, 'key'), limit: q.limit + 1 });
    return c.json(page(rows, q.limit, (r) => presentApiKey(r, null)), 200);
  });

  const revoke = createRoute({
    method: 'delete',
    path: '/v1/tenants/{id}/api-keys/{keyId}',
    tags: ['admin'],
    summary: "Revoke a tenant's API key (admin)",
    description: `${ADMIN} Takes effect at once, and may revoke the tenant's last key.`,
    security: [{ adminToken: [] }],
    request: {
      params: TenantIdParam.extend({
        keyId: z.string().openapi({ param: { name: 'keyId', in: 'path' }, example: 'key_01JD4V7W8X9Y0Z1A2B3C4D5E6G' }),
      }),
    },
    responses: { 204: { description: 'Revoked.' }, ...adminErrors },
  });
  app.openapi(revoke, (c) => {
    const { id, keyId } = c.req.valid('param');
    const tenantId = tenantOr404(id);
    const result = isWellFormedId(keyId, 'key') ? revokeApiKey(db, tenantId, keyId, clock.now(), true) : 'not_found';
    if (result !== 'revoked') throw notFound('API key');
    c.get('logger').info({ tenantId, keyId }, 'api key revoked by the operator');
    return c.body(null, 204);
  });
}
