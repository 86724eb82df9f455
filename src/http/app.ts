import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { swaggerUI } from '@hono/swagger-ui';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from './deps.ts';
import { adminAuth, tenantAuth } from './auth.ts';
import { ProblemError, problemResponse, type ProblemKind } from './problem.ts';
import { validationHook } from './validation.ts';
import { storageProblem } from './storageProblem.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerDeliveryRoutes } from './routes/deliveries.ts';
import { registerSubscriptionRoutes } from './routes/subscriptions.ts';
import { registerConnectionRoutes } from './routes/connections.ts';
import { registerTenantRoutes } from './routes/tenants.ts';
import { registerSigningSecretRoutes } from './routes/signingSecrets.ts';
import { registerProviderRoutes } from './routes/providers.ts';
import { registerSystemRoutes } from './routes/system.ts';

export type { AppDeps, AppEnv } from './deps.ts';

export const MAX_BODY_BYTES = 64 * 1024;
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The HTTP API. Runtime-free: the Node runtime serves `app.fetch` and supplies the deps. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('*', requestContext(deps));
  app.use(
    '*',
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemResponse(c, 'method-not-allowed', `${c.req.method} is not allowed here; use ${methods.join(', ')}.`, undefined, {
          Allow: methods.join(', '),
        }),
    }),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => problemResponse(c, 'payload-too-large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
    }),
  );
  const requireTenant = tenantAuth(deps);
  app.use('/v1/tenants', adminAuth(deps));
  app.use('/v1/*', (c, next) => (c.req.path === '/v1/tenants' ? next() : requireTenant(c, next)));

  registerTenantRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerDeliveryRoutes(app, deps);
  registerSubscriptionRoutes(app, deps);
  registerConnectionRoutes(app, deps);
  registerSigningSecretRoutes(app, deps);
  registerProviderRoutes(app, deps);
  registerSystemRoutes(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A tenant API key: `Authorization: Bearer ph_...`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator token POLLHOOK_ADMIN_TOKEN.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'pollhook',
      version: deps.version,
      description:
        'Turns polling into push: register upstream async jobs and receive signed webhooks (Standard Webhooks) on every status change. Errors are RFC 9457 problem details.',
    },
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'pollhook API' }));
  registerDocumentationPaths(app);

  app.notFound((c) => problemResponse(c, 'not-found', `No route for ${c.req.method} ${c.req.path}.`));
  app.onError((err, c) => {
    if (err instanceof ProblemError) return problemResponse(c, err.kind, err.detail, err.errors, err.headers);
    if (err instanceof HTTPException && err.status < 500) {
      const kind = httpExceptionKind(err.status, err.message);
      return problemResponse(c, kind, err.message || 'The request was rejected.');
    }
    // Logged (once, with a count) by the store's health, not per request.
    const storage = storageProblem(err);
    if (storage) return problemResponse(c, storage.kind, storage.detail, undefined, storage.headers);
    (c.get('logger') ?? deps.logger).error({ err }, 'unhandled error');
    return problemResponse(c, 'internal', 'An unexpected error occurred; it has been logged.');
  });
  return app;
}

/** The two documentation routes are plain Hono routes; list them in the document too. */
function registerDocumentationPaths(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['operations'],
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The document.', content: { 'application/json': { schema: { type: 'object' } } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs',
    tags: ['operations'],
    summary: 'Interactive API reference (Swagger UI)',
    responses: { 200: { description: 'An HTML page that loads /openapi.json.', content: { 'text/html': { schema: { type: 'string' } } } } },
  });
}

function httpExceptionKind(status: number, message: string): ProblemKind {
  switch (status) {
    case 400:
      return /json/i.test(message) ? 'invalid-json' : 'bad-request';
    case 401:
      return 'unauthorized';
    case 404:
      return 'not-found';
    case 405:
      return 'method-not-allowed';
    case 413:
      return 'payload-too-large';
    case 415:
      return 'unsupported-media-type';
    default:
      return 'bad-request';
  }
}

/** Request id (echoed when sane, else generated), a per-request logger and one access log line. */
function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : globalThis.crypto.randomUUID();
    const logger = deps.logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', logger);
    const started = deps.clock.now();
    await next();
    c.res.headers.set('x-request-id', requestId);
    const line = { method: c.req.method, path: c.req.path, status: c.res.status, durationMs: deps.clock.now() - started };
    if (c.req.path === '/healthz' || c.req.path === '/readyz' || c.req.path === '/metrics') logger.debug(line, 'request');
    else logger.info(line, 'request');
  };
}
