import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import { errorResponses, json } from '../schemas/common.ts';

const Health = z.object({ status: z.literal('ok') }).openapi('Health', { example: { status: 'ok' } });
const Readiness = z
  .object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.unknown()) })
  .openapi('Readiness', { example: { status: 'ok', checks: { database: true, migrations: true, engines: true } } });

/** Liveness, readiness and metrics: unauthenticated, for orchestrators and scrapers. */
export function registerSystemRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const healthz = createRoute({
    method: 'get',
    path: '/healthz',
    tags: ['operations'],
    summary: 'Liveness',
    responses: { 200: json(Health, 'The process is up.') },
  });
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));

  const readyz = createRoute({
    method: 'get',
    path: '/readyz',
    tags: ['operations'],
    summary: 'Readiness (the database answers)',
    responses: { 200: json(Readiness, 'Ready.'), 503: json(Readiness, 'Not ready.') },
  });
  app.openapi(readyz, (c) => {
    const r = deps.readiness ? safeReadiness(deps.readiness) : databaseReadiness(deps);
    const body = { status: r.ok ? ('ok' as const) : ('unavailable' as const), checks: r.checks };
    return r.ok ? c.json(body, 200) : c.json(body, 503);
  });

  const metrics = createRoute({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    responses: {
      200: { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: z.string() } } },
      404: errorResponses[404],
    },
  });
  app.openapi(metrics, async (c) => {
    if (!deps.metrics) throw new ProblemError('not-found', 'Metrics are not enabled in this process.');
    const m = await deps.metrics();
    return c.body(m.body, 200, { 'content-type': m.contentType }) as never;
  });
}

function safeReadiness(fn: NonNullable<AppDeps['readiness']>): { ok: boolean; checks: Record<string, unknown> } {
  try {
    return fn();
  } catch (err) {
    return { ok: false, checks: { error: err instanceof Error ? err.message : String(err) } };
  }
}

function databaseReadiness(deps: AppDeps): { ok: boolean; checks: Record<string, unknown> } {
  try {
    deps.db.prepare('SELECT 1').get();
    return { ok: true, checks: { database: 'ok' } };
  } catch (err) {
    deps.logger.warn({ err }, 'readiness: database check failed');
    return { ok: false, checks: { database: 'unavailable' } };
  }
}
