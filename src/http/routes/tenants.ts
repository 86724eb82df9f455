import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { createTenant } from '../../store/queries/tenants.ts';
import { bodyErrors, errorResponses, json, jsonBody } from '../schemas/common.ts';
import { TenantCreate, TenantCreated } from '../schemas/tenants.ts';

export function registerTenantRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const create = createRoute({
    method: 'post',
    path: '/v1/tenants',
    tags: ['admin'],
    summary: 'Create a tenant (admin)',
    description:
      'Needs `Authorization: Bearer $POLLHOOK_ADMIN_TOKEN`; answers 404 when no admin token is configured. The API key and signing secret are shown once.',
    security: [{ adminToken: [] }],
    request: { body: jsonBody(TenantCreate) },
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
}
