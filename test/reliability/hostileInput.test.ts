/**
 * Hostile input against the HTTP API over real HTTP, with a real SQLite file. For every request:
 * never a 5xx, every error is problem+json with type/title/status, and a rejected request leaves
 * every table exactly as it was. Runs are bounded and seeded: set FC_SEED to replay a failure
 * (fast-check prints the seed and the shrunk counterexample).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { ADMIN_TOKEN, body, fotolabsJob, httpJob, seedEvent, seedTenant, startApi } from '../http/harness.ts';
import { fingerprint, problemViolation, rawRequest, type RawResponse } from './support.ts';

const SEED = Number(process.env.FC_SEED ?? 20261122);
const RUNS = 150;
const params = (numRuns = RUNS) => ({ seed: SEED, numRuns, endOnFailure: true });

let api: Awaited<ReturnType<typeof startApi>>;
let tenant: ReturnType<typeof seedTenant>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startApi();
  tenant = seedTenant(api, 'hostile');
  const post = async (path: string, json: unknown) => body(await api.fetch(path, { method: 'POST', key: tenant.apiKey, json }));
  ids.sub = (await post('/v1/subscriptions', { url: 'https://example.com/sub' })).id;
  ids.conn = (await post('/v1/connections', { provider: 'fotolabs', credentials: { apiKey: 'conn-key' } })).id;
  const job = await post('/v1/jobs', fotolabsJob());
  ids.job = job.id;
  seedEvent(api, { id: job.id, tenantId: tenant.id, callbackUrl: job.callbackUrl }, 1);
  ids.delivery = api.db.prepare<{ id: string }>('SELECT id FROM deliveries LIMIT 1').get()!.id;
});
afterAll(async () => {
  await api?.stop();
  api?.temp?.cleanup();
});

// ---- generators ---------------------------------------------------------------------------

/** Strings a careless parser chokes on: NUL, RTL marks, lone surrogates, emoji, huge. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u202e\u202dgnp.exe',
    '\u200f\u200e',
    '\ud800',
    '\udfff',
    'x\ud83d',
    '\ufeff',
    '../../etc/passwd',
    '%2e%2e%2f',
    '${jndi:ldap://x}',
    "'; DROP TABLE jobs; --",
    '<script>alert(1)</script>',
    '__proto__',
    'constructor',
    '',
    ' ',
  ),
  fc.integer({ min: 1000, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

const wrongType = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

const deepNesting = fc.integer({ min: 30, max: 12_000 }).chain((depth) =>
  fc.constantFrom('['.repeat(depth) + ']'.repeat(depth), '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
);

/** A valid body of each write route, so that mutations reach deep validation. */
const validBodies: Record<string, () => Record<string, unknown>> = {
  'POST /v1/jobs': () => fotolabsJob({ externalId: 'hostile-ext' }),
  'POST /v1/jobs#http': () => httpJob({ externalId: 'hostile-http' }),
  'POST /v1/subscriptions': () => ({ url: 'https://example.com/other', events: ['job.succeeded'], description: 'd' }),
  'PATCH /v1/subscriptions/{sub}': () => ({ url: 'https://example.com/patched', enabled: true }),
  'POST /v1/connections': () => ({ provider: 'topaz', name: 'n', credentials: { apiKey: 'k' } }),
  'POST /v1/deliveries/recover': () => ({ since: '2020-01-01T00:00:00Z' }),
  'POST /v1/tenants': () => ({ name: 'new-tenant' }),
};

/** A valid body with one field (possibly nested) replaced, removed, or an unknown one added. */
const mutatedBody = fc
  .tuple(fc.constantFrom(...Object.keys(validBodies)), fc.nat(), fc.nat(), wrongType, fc.constantFrom('replace', 'delete', 'add'))
  .map(([route, i, j, value, op]) => {
    const b = validBodies[route]!();
    const keys = Object.keys(b);
    const key = keys[i % keys.length]!;
    const inner = b[key];
    if (op === 'add') b[`extra${i % 3}`] = value;
    else if (inner && typeof inner === 'object' && !Array.isArray(inner) && j % 2 === 0) {
      const innerKeys = Object.keys(inner);
      const k = innerKeys[j % innerKeys.length]!;
      if (op === 'delete') delete (inner as Record<string, unknown>)[k];
      else (inner as Record<string, unknown>)[k] = value;
    } else if (op === 'delete') delete b[key];
    else b[key] = value;
    return { route, bytes: JSON.stringify(b) as string | Uint8Array };
  });

/** A valid body with one field, or one nested field such as metadata, replaced by deep nesting. */
const deepInField = fc
  .tuple(fc.constantFrom(...Object.keys(validBodies)), fc.nat(), fc.boolean(), deepNesting)
  .map(([route, i, inMetadata, deep]) => {
    const b = validBodies[route]!();
    const keys = Object.keys(b);
    if (inMetadata && route.startsWith('POST /v1/jobs')) b.metadata = { note: '__DEEP__' };
    else b[keys[i % keys.length]!] = '__DEEP__';
    return { route, bytes: JSON.stringify(b).replace('"__DEEP__"', deep) as string | Uint8Array };
  });

const writeRoute = fc.constantFrom(...Object.keys(validBodies));
const randomBody = fc.tuple(
  writeRoute,
  fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
    nastyString.map((s) => JSON.stringify(s)),
    nastyString,
    deepNesting,
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom('{', '{"a":1,}', '{"a":1}{"b":2}', 'NaN', '\ufeff{}', '{"provider":"fotolabs"', '\u0000'),
  ),
).map(([route, bytes]) => ({ route, bytes: bytes as string | Uint8Array }));

/** Mostly JSON, so that most bodies reach the parser and the schemas; the rest probe the 415 path. */
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'application/problem+json',
      'application/jsonx',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      '',
      ';;;',
    ),
  },
);

// ---- the property -------------------------------------------------------------------------

const ROUTE_PATHS: Record<string, () => string> = {
  'POST /v1/jobs': () => '/v1/jobs',
  'POST /v1/jobs#http': () => '/v1/jobs',
  'POST /v1/subscriptions': () => '/v1/subscriptions',
  'PATCH /v1/subscriptions/{sub}': () => `/v1/subscriptions/${ids.sub}`,
  'POST /v1/connections': () => '/v1/connections',
  'POST /v1/deliveries/recover': () => '/v1/deliveries/recover',
  'POST /v1/tenants': () => '/v1/tenants',
};

let baseline: Record<string, string>;

/**
 * The invariants every answer must keep. A success may legitimately change the database (a
 * mutated body can still be valid), so the baseline moves with it.
 */
function check(res: RawResponse, what: string): void {
  if (res.status >= 500) throw new Error(`${what}: answered ${res.status}: ${res.body.slice(0, 300)}`);
  const violation = problemViolation(res);
  if (violation) throw new Error(`${what}: ${violation}`);
  const now = fingerprint(api.db);
  if (res.status >= 400) {
    expect(now, `${what}: a rejected request (${res.status}) changed the database`).toEqual(baseline);
  }
  baseline = now;
}

const keyFor = (route: string) => (route === 'POST /v1/tenants' ? ADMIN_TOKEN : tenant.apiKey);

describe('hostile input never breaks the API or the database', () => {
  beforeAll(() => {
    baseline = fingerprint(api.db);
  });

  test('random, mutated, deep and non-UTF-8 bodies with any content type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedBody, deepInField, randomBody), contentType, async ({ route, bytes }, type) => {
        const [method] = route.split(' ') as [string];
        const headers: Record<string, string> = { authorization: `Bearer ${keyFor(route)}` };
        if (type) headers['content-type'] = type;
        const res = await rawRequest(api.url, { method, path: ROUTE_PATHS[route]!(), headers, body: bytes });
        check(res, `${route} [${type}] ${String(bytes).slice(0, 120)}`);
      }),
      params(300),
    );
  });

  const idRoutes: Array<[string, (id: string) => string]> = [
    ['GET', (id) => `/v1/jobs/${id}`],
    ['DELETE', (id) => `/v1/jobs/${id}`],
    ['GET', (id) => `/v1/jobs/${id}/events`],
    ['GET', (id) => `/v1/deliveries/${id}`],
    ['POST', (id) => `/v1/deliveries/${id}/retry`],
    ['GET', (id) => `/v1/subscriptions/${id}`],
    ['PATCH', (id) => `/v1/subscriptions/${id}`],
    ['DELETE', (id) => `/v1/subscriptions/${id}`],
    ['GET', (id) => `/v1/connections/${id}`],
    ['DELETE', (id) => `/v1/connections/${id}`],
  ];

  /** Ids that cannot name anything: traversal, encodings, NUL, unicode, very long. */
  const hostileId = fc.oneof(
    fc.constantFrom(
      '..',
      '%2e%2e',
      '%2e%2e%2f%2e%2e%2fhealthz',
      '..%2f..%2ftenants',
      '%00',
      'job_%00',
      '%',
      '%E0%A4%A',
      '%ff%fe',
      '%u0000',
      '%252e%252e',
      'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A%00',
      'job_01jd4z8v2c3m6q9t0w5x7y8z1a',
      'msg_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A',
      'sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A;DROP',
      "conn_'%20OR%20'1'='1",
      '%22%3E%3Cscript%3E',
    ),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
    fc.integer({ min: 300, max: 8000 }).map((n) => 'a'.repeat(n)),
  );

  test('hostile ids in every route with an id: 404 (or 401 without a key), nothing changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...idRoutes), hostileId, fc.boolean(), async ([method, path], id, withKey) => {
        const headers: Record<string, string> = withKey ? { authorization: `Bearer ${tenant.apiKey}` } : {};
        let payload: string | undefined;
        if (method === 'PATCH') {
          headers['content-type'] = 'application/json';
          payload = '{"enabled":false}';
        }
        const res = await rawRequest(api.url, { method, path: path(id), headers, body: payload });
        check(res, `${method} ${path(id).slice(0, 120)}`);
        expect([withKey ? 404 : 401], `${method} ${path(id).slice(0, 120)}`).toContain(res.status);
      }),
      params(),
    );
  });

  const lists = ['/v1/jobs', '/v1/deliveries', '/v1/subscriptions', '/v1/connections', '/v1/signing-secrets', '/v1/providers', `/v1/jobs/${'{job}'}/events`];
  const queryValue = fc.oneof(
    fc.constantFrom('', '-1', '0', '1', '200', '201', '1e3', '1.5', 'NaN', 'Infinity', '0x10', '%', '%00', '%E0%A4%A', '%ff', 'null', '[]', '{}'),
    fc.constantFrom('pending', 'running', 'dead', 'fotolabs', 'job_x', 'msg_', 'AAAA', 'am9iXzAx', '____', 'bXNnXzAxSkQ0WjhWMkMzTTZROVQwVzVYN1k4WjFB'),
    fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
    fc.integer({ min: 200, max: 4000 }).map((n) => 'z'.repeat(n)),
  );
  const queryString = fc
    .array(
      fc.tuple(
        fc.constantFrom('limit', 'cursor', 'state', 'provider', 'status', 'jobId', 'subscriptionId', 'limit[]', 'x', '__proto__', ''),
        queryValue,
      ),
      { maxLength: 4 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));

  test('odd query strings on every list: 200 or a 422 problem, never a change', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), queryString, async (list, query) => {
        const path = `${list.replace('{job}', ids.job!)}?${query}`;
        const res = await rawRequest(api.url, { method: 'GET', path, headers: { authorization: `Bearer ${tenant.apiKey}` } });
        check(res, `GET ${path.slice(0, 160)}`);
        expect([200, 422], `GET ${path.slice(0, 160)}`).toContain(res.status);
        expect(fingerprint(api.db)).toEqual(baseline);
      }),
      params(),
    );
  });

  const authHeader = fc.oneof(
    fc.constantFrom('Bearer', 'Bearer ', 'bearer', 'Basic Zm9vOmJhcg==', 'Bearer ph_', 'Bearer  ', 'Token ph_x', `Bearer ${ADMIN_TOKEN}`, 'Bearer \t x'),
    fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~+/=%:;, '.split('')), maxLength: 60 }).map((s) => `Bearer ${s}`),
    fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~+/= '.split('')), maxLength: 60 }),
    fc.integer({ min: 1000, max: 8000 }).map((n) => `Bearer ph_${'A'.repeat(n)}`),
    fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 20 }).map((s) => `Bearer ${s}`),
  );
  const anyRoute = fc.constantFrom<[string, string]>(
    ['GET', '/v1/jobs'],
    ['POST', '/v1/jobs'],
    ['GET', '/v1/deliveries'],
    ['POST', '/v1/deliveries/recover'],
    ['POST', '/v1/subscriptions'],
    ['POST', '/v1/connections'],
    ['GET', '/v1/signing-secrets'],
    ['POST', '/v1/signing-secrets/rotate'],
    ['POST', '/v1/tenants'],
  );

  test('missing and garbage Authorization headers: 401 problem, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(anyRoute, fc.option(authHeader, { nil: undefined }), async ([method, path], auth) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (auth !== undefined) headers.authorization = auth;
        const payload = method === 'POST' ? JSON.stringify(path === '/v1/tenants' ? { name: 'x' } : fotolabsJob()) : undefined;
        const res = await rawRequest(api.url, { method, path, headers, body: payload });
        check(res, `${method} ${path} authorization=${JSON.stringify(auth)?.slice(0, 80)}`);
        expect(res.status, `${method} ${path} authorization=${JSON.stringify(auth)?.slice(0, 80)}`).toBe(401);
      }),
      params(),
    );
  });

  test('the server still answers afterwards', async () => {
    const res = await rawRequest(api.url, { method: 'GET', path: '/healthz' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });
});
