import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { body, fotolabsJob, seedTenant, startApi } from './harness.ts';

let api: Awaited<ReturnType<typeof startApi>>;
let key: string;

beforeEach(async () => {
  api = await startApi({
    deps: {
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'pollhook_up 1\n' }),
    },
  });
  key = seedTenant(api).apiKey;
});
afterEach(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const expectProblem = async (res: Response, status: number, type: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const p = await body(res);
  expect(p).toMatchObject({ type: `https://pollhook.dev/problems/${type}`, status, title: expect.any(String), detail: expect.any(String) });
  return p;
};

describe('authentication', () => {
  test.each([
    ['no header', undefined],
    ['an empty bearer', 'Bearer '],
    ['another scheme', `Basic ${btoa('a:b')}`],
    ['garbage', 'Bearer %%%garbage%%%'],
    ['a wrong key', 'Bearer ph_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['the admin token', 'Bearer admin-token-for-tests'],
  ])('%s is 401 with a Bearer challenge', async (_name, authorization) => {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const res = await api.fetch('/v1/jobs', { key: null, headers });
    await expectProblem(res, 401, 'unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  test('a revoked key is 401; the scheme is case-insensitive', async () => {
    expect((await api.fetch('/v1/jobs', { key: null, headers: { authorization: `bearer ${key}` } })).status).toBe(200);
    api.db.prepare('UPDATE api_keys SET revoked_at = ?').run(api.clock.now());
    await expectProblem(await api.fetch('/v1/jobs', { key }), 401, 'unauthorized');
  });

  test('every /v1 route needs a key; a rejected request stores nothing', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/v1/jobs'],
      ['GET', '/v1/jobs'],
      ['GET', '/v1/jobs/job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A'],
      ['DELETE', '/v1/jobs/job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A'],
      ['GET', '/v1/jobs/job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A/events'],
      ['GET', '/v1/deliveries'],
      ['GET', '/v1/deliveries/msg_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A'],
      ['POST', '/v1/deliveries/msg_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A/retry'],
      ['POST', '/v1/deliveries/recover'],
      ['POST', '/v1/subscriptions'],
      ['GET', '/v1/subscriptions'],
      ['PATCH', '/v1/subscriptions/sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A'],
      ['POST', '/v1/connections'],
      ['GET', '/v1/connections'],
      ['DELETE', '/v1/connections/conn_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A'],
      ['GET', '/v1/signing-secrets'],
      ['POST', '/v1/signing-secrets/rotate'],
      ['GET', '/v1/providers'],
    ];
    for (const [method, path] of routes) {
      const res = await api.fetch(path, { method, key: null, json: method === 'GET' ? undefined : fotolabsJob() });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n).toBe(0);
    expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM signing_secrets').get()!.n).toBe(1);
  });
});

describe('protocol errors are problems', () => {
  test('unknown route: 404', async () => {
    await expectProblem(await api.fetch('/nope'), 404, 'not-found');
    await expectProblem(await api.fetch('/v1/nope', { key }), 404, 'not-found');
  });

  test('known path, other method: 405 with Allow', async () => {
    const res = await api.fetch('/v1/jobs', { method: 'PUT', key });
    await expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    const one = await api.fetch('/v1/jobs/job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A', { method: 'PATCH', key });
    await expectProblem(one, 405, 'method-not-allowed');
    expect(one.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD']);
    expect((await api.fetch('/healthz', { method: 'POST' })).status).toBe(405);
  });

  test('body over 64 KiB: 413, with and without content-length', async () => {
    const big = JSON.stringify(fotolabsJob({ metadata: { blob: 'x'.repeat(70_000) } }));
    await expectProblem(await api.fetch('/v1/jobs', { method: 'POST', key, body: big, headers: { 'content-type': 'application/json' } }), 413, 'payload-too-large');
    const chunks = [big.slice(0, 30_000), big.slice(30_000)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    const res = await api.fetch('/v1/jobs', {
      method: 'POST',
      key,
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    await expectProblem(res, 413, 'payload-too-large');
    expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n).toBe(0);
  });

  test('non-JSON content type: 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      await expectProblem(
        await api.fetch('/v1/jobs', { method: 'POST', key, body: 'provider=fotolabs', headers: { 'content-type': type } }),
        415,
        'unsupported-media-type',
      );
    }
    await expectProblem(await api.fetch('/v1/jobs', { method: 'POST', key, body: '{"provider":"fotolabs"}' }), 415, 'unsupported-media-type');
  });

  test('unparsable JSON: 400', async () => {
    for (const text of ['{', '{"provider": fotolabs}', '']) {
      await expectProblem(
        await api.fetch('/v1/jobs', { method: 'POST', key, body: text, headers: { 'content-type': 'application/json' } }),
        400,
        'invalid-json',
      );
    }
  });

  test('unexpected errors: 500 without internals, logged', async () => {
    const failing = await startApi({
      deps: {
        metrics: async () => {
          throw new Error('disk /var/secret/path exploded');
        },
      },
    });
    try {
      const res = await failing.fetch('/metrics', { headers: { 'x-request-id': 'req-500' } });
      const p = await expectProblem(res, 500, 'internal');
      expect(JSON.stringify(p)).not.toContain('/var/secret');
      expect(p.requestId).toBe('req-500');
      const logged = failing.logs.find((l) => l.level === 'error');
      expect(logged?.obj).toMatchObject({ requestId: 'req-500', err: expect.any(Error) });
    } finally {
      await failing.stop();
      failing.temp?.cleanup();
    }
  });
});

describe('request ids', () => {
  test('a sane incoming id is echoed, in the header, the problem and the logs', async () => {
    const res = await api.fetch('/v1/jobs/job_x', { key, headers: { 'x-request-id': 'client-42.a:b' } });
    expect(res.headers.get('x-request-id')).toBe('client-42.a:b');
    expect((await body(res)).requestId).toBe('client-42.a:b');
    expect(api.logs.some((l) => (l.obj as { requestId?: string }).requestId === 'client-42.a:b')).toBe(true);
  });

  test('a missing or insane id is replaced by a generated one', async () => {
    const generated = (await api.fetch('/healthz')).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const replaced = (await api.fetch('/healthz', { headers: { 'x-request-id': 'has spaces and <html>' } })).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect((await api.fetch('/healthz', { headers: { 'x-request-id': 'a'.repeat(200) } })).headers.get('x-request-id')).toHaveLength(36);
  });
});

describe('operations endpoints', () => {
  test('healthz, readyz, metrics need no key', async () => {
    expect(await body(await api.fetch('/healthz'))).toEqual({ status: 'ok' });
    const ready = await api.fetch('/readyz');
    expect(ready.status).toBe(200);
    expect(await body(ready)).toEqual({ status: 'ok', checks: { database: 'ok' } });
    const metrics = await api.fetch('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await metrics.text()).toBe('pollhook_up 1\n');
  });

  test('readyz answers 503 when not ready; metrics 404 when not wired', async () => {
    const other = await startApi({ deps: { readiness: () => ({ ok: false, checks: { scheduler: 'stopped' } }) } });
    try {
      const res = await other.fetch('/readyz');
      expect(res.status).toBe(503);
      expect(await body(res)).toEqual({ status: 'unavailable', checks: { scheduler: 'stopped' } });
      await expectProblem(await other.fetch('/metrics'), 404, 'not-found');
    } finally {
      await other.stop();
      other.temp?.cleanup();
    }
  });

  test('readyz without a readiness dep reports a closed database', async () => {
    const other = await startApi();
    try {
      other.db.close();
      expect((await other.fetch('/readyz')).status).toBe(503);
    } finally {
      await other.stop();
      other.temp?.cleanup();
    }
  });

  test('docs page points at the OpenAPI document', async () => {
    const res = await api.fetch('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('/openapi.json');
  });
});

describe('OpenAPI document', () => {
  test('is OpenAPI 3.1 and covers every route with its problems and the bearer scheme', async () => {
    const doc = await body(await api.fetch('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.0.0-test');
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /v1/tenants',
        'GET /v1/tenants',
        'DELETE /v1/tenants/{id}',
        'POST /v1/tenants/{id}/api-keys',
        'GET /v1/tenants/{id}/api-keys',
        'DELETE /v1/tenants/{id}/api-keys/{keyId}',
        'POST /v1/api-keys',
        'GET /v1/api-keys',
        'DELETE /v1/api-keys/{id}',
        'POST /v1/api-keys/{id}/rotate',
        'POST /v1/jobs',
        'GET /v1/jobs',
        'GET /v1/jobs/{id}',
        'DELETE /v1/jobs/{id}',
        'GET /v1/jobs/{id}/events',
        'GET /v1/jobs/{id}/polls',
        'GET /v1/deliveries',
        'GET /v1/deliveries/{id}',
        'POST /v1/deliveries/{id}/retry',
        'POST /v1/deliveries/recover',
        'POST /v1/subscriptions',
        'GET /v1/subscriptions',
        'GET /v1/subscriptions/{id}',
        'PATCH /v1/subscriptions/{id}',
        'DELETE /v1/subscriptions/{id}',
        'POST /v1/connections',
        'GET /v1/connections',
        'GET /v1/connections/{id}',
        'PATCH /v1/connections/{id}',
        'DELETE /v1/connections/{id}',
        'GET /v1/signing-secrets',
        'POST /v1/signing-secrets/rotate',
        'DELETE /v1/signing-secrets/{id}',
        'GET /v1/providers',
        'GET /v1/events',
        'GET /v1/events/stream',
        'GET /v1/event-types',
        'POST /v1/stream-tokens',
        'POST /v1/rest-hooks',
        'DELETE /v1/rest-hooks/{id}',
        'POST /v1/subscriptions/{id}/replay',
        'POST /v1/subscriptions/{id}/test',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /docs',
        'GET /docs/assets/{name}',
        'GET /docs/init.js',
      ].sort(),
    );
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(item)) {
        expect(op.security, `${method} ${path}`).toBeDefined();
        expect(op.responses['401']?.content['application/problem+json'].schema.$ref, `${method} ${path}`).toBe('#/components/schemas/Problem');
      }
    }
    const createJob = doc.paths['/v1/jobs'].post;
    expect(createJob.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/JobCreate');
    expect(Object.keys(createJob.responses).sort()).toEqual(['200', '201', '400', '401', '409', '413', '415', '422', '500']);
    expect(doc.components.schemas.JobCreate.properties.provider.enum).toContain('fotolabs');
    expect(doc.components.schemas.Job.properties.polls).toBeDefined();
  });
});

describe('messages a new user reads', () => {
  test('a repeated query parameter is named, not coerced into NaN', async () => {
    const p = await expectProblem(await api.fetch('/v1/jobs?limit=1&limit=2', { key }), 422, 'validation');
    expect(p.errors).toEqual([{ path: 'limit', message: 'is given more than once; give it once' }]);
    expect(p.detail).not.toContain('NaN');
    const two = await expectProblem(await api.fetch('/v1/deliveries?status=dead&status=failed&jobId=a&jobId=b', { key }), 422, 'validation');
    expect(two.errors.map((e: { path: string }) => e.path)).toEqual(['status', 'jobId']);
  });

  test('a limit that is not a number says what it must be', async () => {
    for (const limit of ['abc', '0', '201', '1.5', '']) {
      const p = await expectProblem(await api.fetch(`/v1/jobs?limit=${limit}`, { key }), 422, 'validation');
      expect(p.errors, limit).toEqual([{ path: 'limit', message: 'must be a whole number from 1 to 200' }]);
    }
  });

  test('a 415 says application/json is expected', async () => {
    const p = await expectProblem(
      await api.fetch('/v1/jobs', { method: 'POST', key, body: 'a=1', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type',
    );
    expect(p.detail).toContain('application/json');
  });
});
