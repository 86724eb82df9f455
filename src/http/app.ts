import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from './deps.ts';
import { adminAuth, tenantAuth } from './auth.ts';
import { ProblemError, invalid, problemResponse, type ProblemKind } from './problem.ts';
import { validationHook } from './validation.ts';
import { limitBody } from './bodyLimit.ts';
import { registerDocs } from './docs.ts';
import { storageProblem } from './storageProblem.ts';
import { LIST_QUERY_PARAMETERS } from './feedQuery.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerDeliveryRoutes } from './routes/deliveries.ts';
import { registerSubscriptionRoutes } from './routes/subscriptions.ts';
import { registerConnectionRoutes } from './routes/connections.ts';
import { registerTenantRoutes } from './routes/tenants.ts';
import { registerSigningSecretRoutes } from './routes/signingSecrets.ts';
import { registerApiKeyRoutes } from './routes/apiKeys.ts';
import { registerProviderRoutes } from './routes/providers.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerEventFeedRoutes } from './routes/events.ts';
import { STREAM_PATH, registerStreamRoutes } from './routes/stream.ts';
import { registerRestHookRoutes } from './routes/restHooks.ts';
import { registerReplayRoutes } from './routes/replay.ts';
import { registerTestEventRoutes } from './routes/testEvents.ts';
import { registerDashboard } from './ui/index.tsx';

export type { AppDeps, AppEnv } from './deps.ts';

export const MAX_BODY_BYTES = 64 * 1024;
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The HTTP API. Runtime-free: the Node runtime serves `app.fetch` and supplies the deps. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('*', requestContext(deps));
  app.use(
    '*',
    limitBody(MAX_BODY_BYTES, (c) => problemResponse(c, 'payload-too-large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`)),
  );
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
  const requireTenant = tenantAuth(deps);
  const requireAdmin = adminAuth(deps);
  const isAdminPath = (path: string) => path === '/v1/tenants' || path.startsWith('/v1/tenants/');
  // The event stream authenticates itself: it also takes a stream token (EventSource sends no headers).
  app.use('/v1/*', (c, next) =>
    isAdminPath(c.req.path) ? requireAdmin(c, next) : c.req.path === STREAM_PATH ? next() : requireTenant(c, next),
  );
  app.use('*', rejectRepeatedQueryParameters);
  // The rotations' bodies are optional: an empty one labelled JSON is no body there.
  app.use('/v1/signing-secrets/rotate', emptyJsonBodyIsNoBody);
  app.use('/v1/api-keys/:id/rotate', emptyJsonBodyIsNoBody);

  registerTenantRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerDeliveryRoutes(app, deps);
  registerSubscriptionRoutes(app, deps);
  registerConnectionRoutes(app, deps);
  registerSigningSecretRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerProviderRoutes(app, deps);
  registerSystemRoutes(app, deps);
  registerEventFeedRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerRestHookRoutes(app, deps);
  registerReplayRoutes(app, deps);
  registerTestEventRoutes(app, deps);

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
  registerDocs(app, deps.docsAssets);
  registerDocumentationPaths(app);
  registerDashboard(app, deps);

  app.notFound((c) => problemResponse(c, 'not-found', `No route for ${c.req.method} ${c.req.path}.`));
  app.onError((err, c) => {
    if (err instanceof ProblemError) return problemResponse(c, err.kind, err.detail, err.errors, err.headers);
    if (err instanceof HTTPException && err.status < 500) {
      const kind = httpExceptionKind(err.status, err.message);
      return problemResponse(c, kind, kind === 'unsupported-media-type' ? UNSUPPORTED_MEDIA_TYPE : err.message || 'The request was rejected.');
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

const UNSUPPORTED_MEDIA_TYPE = 'The body must be JSON: send it with `Content-Type: application/json`.';

/**
 * Every query parameter of this API takes one value, except the event feed's list filters
 * (LIST_QUERY_PARAMETERS), which may repeat as well as hold a comma-separated list. Any other
 * repeated one (`limit=1&limit=2`) would otherwise be coerced into a confusing message
 * ("received NaN") or silently use one of them.
 */

const rejectRepeatedQueryParameters: MiddlewareHandler<AppEnv> = async (c, next) => {
  const query = c.req.url.indexOf('?');
  if (query >= 0) {
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const name of new URLSearchParams(c.req.url.slice(query + 1)).keys()) {
      if (!LIST_QUERY_PARAMETERS.has(name)) (seen.has(name) ? repeated : seen).add(name);
    }
    if (repeated.size > 0) {
      throw invalid([...repeated].slice(0, 20).map((name) => ({ path: name, message: 'is given more than once; give it once' })));
    }
  }
  await next();
};

/**
 * `curl -X POST -H 'content-type: application/json'` with no data, or fetch with a JSON header
 * and no body, sends an empty body labelled JSON. Where the body is optional (rotations) that is
 * no body, not malformed JSON; elsewhere it stays a 400.
 */
const emptyJsonBodyIsNoBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const headers = c.req.raw.headers;
  const length = headers.get('content-length');
  const empty = length === '0' || (length === null && !headers.has('transfer-encoding'));
  if (empty && headers.has('content-type') && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    const stripped = new Headers(headers);
    stripped.delete('content-type');
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers: stripped, signal: c.req.raw.signal });
  }
  await next();
};

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
    if (c.req.path === '/healthz' || c.req.path === '/readyz' || c.req.path === '/metrics' || c.req.path === '/ui/live') logger.debug(line, 'request');
    else logger.info(line, 'request');
  };
}
