import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { isWellFormedId } from '../../core/ids.ts';
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey, type ApiKeyRow } from '../../store/queries/apiKeys.ts';
import { conflict, notFound } from '../problem.ts';
import { iso } from '../present.ts';
import { decodeCursor, page } from '../pagination.ts';
import { IdParam, ListQuery, authErrors, bearerSecurity, bodyErrors, conflictResponse, errorResponses, json, jsonBody } from '../schemas/common.ts';
import { ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRotate, ApiKeyRotated, type ApiKeySchema } from '../schemas/apiKeys.ts';
import type { z } from '@hono/zod-openapi';

const KeyIdParam = IdParam('key_01JD4V7W8X9Y0Z1A2B3C4D5E6G');

export const presentApiKey = (row: ApiKeyRow, currentKeyId: string | null): z.infer<typeof ApiKeySchema> => ({
  id: row.id,
  name: row.name ?? 'default',
  prefix: row.prefix,
  createdAt: iso(row.created_at)!,
  lastUsedAt: iso(row.last_used_at),
  expiresAt: iso(row.expires_at),
  current: row.id === currentKeyId,
});

/** The tenant's own API keys: create more, list, revoke, rotate. The key is only ever shown once. */
export function registerApiKeyRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { db, clock } = deps;

  const create = createRoute({
    method: 'post',
    path: '/v1/api-keys',
    tags: ['api keys'],
    summary: 'Create another API key for this tenant',
    description: 'The key is returned once; only its SHA-256 is stored.',
    security: bearerSecurity,
    request: { body: jsonBody(ApiKeyCreate) },
    responses: { 201: json(ApiKeyCreated, 'The new key, shown once.'), ...bodyErrors, ...authErrors },
  });
  app.openapi(create, (c) => {
    const created = createApiKey(db, c.get('tenantId'), c.req.valid('json').name, clock.now());
    c.get('logger').info({ keyId: created.id }, 'api key created');
    return c.json({ ...presentApiKey(created, c.get('apiKeyId')), key: created.key }, 201);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/api-keys',
    tags: ['api keys'],
    summary: "List the tenant's active API keys, newest first (never the keys)",
    security: bearerSecurity,
    request: { query: ListQuery },
    responses: { 200: json(ApiKeyList, 'A page of keys.'), 422: errorResponses[422], ...authErrors },
  });
  app.openapi(list, (c) => {
    const q = c.req.valid('query');
    const rows = listApiKeys(db, c.get('tenantId'), clock.now(), { beforeId: decodeCursor(q.cursor, 'key'), limit: q.limit + 1 });
    return c.json(page(rows, q.limit, (r) => presentApiKey(r, c.get('apiKeyId'))), 200);
  });

  const revoke = createRoute({
    method: 'delete',
    path: '/v1/api-keys/{id}',
    tags: ['api keys'],
    summary: 'Revoke an API key',
    description:
      "Takes effect at once: the key's next request is a 401. The tenant's last active key cannot be revoked (409): create another first.",
    security: bearerSecurity,
    request: { params: KeyIdParam },
    responses: { 204: { description: 'Revoked.' }, 404: errorResponses[404], ...conflictResponse, ...authErrors },
  });
  app.openapi(revoke, (c) => {
    const { id } = c.req.valid('param');
    const result = isWellFormedId(id, 'key') ? revokeApiKey(db, c.get('tenantId'), id, clock.now()) : 'not_found';
    if (result === 'not_found') throw notFound('API key');
    if (result === 'last_key') throw conflict("This is the tenant's last active API key; create another one before revoking it.");
    c.get('logger').info({ keyId: id }, 'api key revoked');
    return c.body(null, 204);
  });

  const rotate = createRoute({
    method: 'post',
    path: '/v1/api-keys/{id}/rotate',
    tags: ['api keys'],
    summary: 'Replace an API key with a new one of the same name',
    description:
      'Returns the new key once. The old key is revoked at once, or keeps working for `gracePeriodSeconds` (at most 7 days) so deployments can switch over. The body is optional.',
    security: bearerSecurity,
    request: { params: KeyIdParam, body: { ...jsonBody(ApiKeyRotate), required: false } },
    responses: { 201: json(ApiKeyRotated, 'The new key, shown once.'), 404: errorResponses[404], ...bodyErrors, ...authErrors },
  });
  app.openapi(rotate, (c) => {
    const { id } = c.req.valid('param');
    const graceMs = (c.req.valid('json').gracePeriodSeconds ?? 0) * 1000;
    const rotated = isWellFormedId(id, 'key') ? rotateApiKey(db, c.get('tenantId'), id, clock.now(), graceMs) : undefined;
    if (!rotated) throw notFound('API key');
    c.get('logger').info({ keyId: id, newKeyId: rotated.created.id }, 'api key rotated');
    return c.json(
      {
        ...presentApiKey(rotated.created, c.get('apiKeyId')),
        key: rotated.created.key,
        previousExpiresAt: iso(rotated.previousExpiresAt)!,
      },
      201,
    );
  });
}
