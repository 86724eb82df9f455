import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import type { Provider } from '../../providers/types.ts';
import { authErrors, bearerSecurity, json } from '../schemas/common.ts';
import { ProviderList } from '../schemas/tenants.ts';

export function registerProviderRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const list = createRoute({
    method: 'get',
    path: '/v1/providers',
    tags: ['providers'],
    summary: 'Providers and their state mappings',
    security: bearerSecurity,
    responses: { 200: json(ProviderList, 'Every provider.'), ...authErrors },
  });
  app.openapi(list, (c) => c.json({ data: deps.providers.list().map(describeProvider) }, 200));
}

function describeProvider(p: Provider) {
  const d = p.defaults;
  return {
    name: p.name,
    defaultBaseUrl: p.defaultBaseUrl,
    states: Object.fromEntries(Object.entries(p.states).map(([state, list]) => [state, [...(list ?? [])]])),
    defaults: {
      pollIntervalSeconds: d.pollIntervalMs / 1000,
      maxPollIntervalSeconds: d.maxPollIntervalMs / 1000,
      typicalDurationSeconds: d.typicalDurationMs
        ? { min: d.typicalDurationMs.min / 1000, max: d.typicalDurationMs.max / 1000 }
        : null,
    },
  };
}
