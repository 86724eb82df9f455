import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { body, fotolabsJob, httpJob, seedTenant, startApi } from './harness.ts';
import type { JobRow } from '../../src/store/rows.ts';

let api: Awaited<ReturnType<typeof startApi>>;
let key: string;

beforeEach(async () => {
  api = await startApi();
  key = seedTenant(api).apiKey;
});
afterEach(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const post = (json: unknown) => api.fetch('/v1/jobs', { method: 'POST', key, json });
const jobCount = () => api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n;
const rowOf = (id: string) => api.db.prepare<JobRow>('SELECT * FROM jobs WHERE id = ?').get(id)!;

describe('POST /v1/jobs', () => {
  test('registers a built-in job with inline credentials and stores it as the engines expect', async () => {
    const res = await post(fotolabsJob({ metadata: { orderId: 42 }, pollIntervalSeconds: 5, maxPollIntervalSeconds: 60, timeoutSeconds: 3600 }));
    expect(res.status).toBe(201);
    const job = await body(res);
    expect(job).toMatchObject({
      provider: 'fotolabs',
      externalId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847',
      callbackUrl: 'https://example.com/hooks/pollhook',
      events: ['job.pending', 'job.running', 'job.succeeded', 'job.failed', 'job.canceled'],
      metadata: { orderId: 42 },
      pollIntervalSeconds: 5,
      maxPollIntervalSeconds: 60,
      state: null,
      sequence: 0,
      http: null,
      polls: { count: 0, failures: 0, consecutiveFailures: 0, lastPolledAt: null, lastFailure: null },
      createdAt: '2026-11-22T17:00:00.000Z',
      nextPollAt: '2026-11-22T17:00:00.000Z',
      deadlineAt: '2026-11-22T18:00:00.000Z',
    });
    expect(job.id).toMatch(/^job_[0-9A-Z]{26}$/);
    expect(JSON.stringify(job)).not.toContain('fl_live_secret_key_123');

    const row = rowOf(job.id);
    expect(row.events).toBeNull();
    expect(row.poll_interval_ms).toBe(5000);
    expect(row.max_poll_interval_ms).toBe(60_000);
    expect(row.next_poll_at).toBe(api.clock.now());
    expect(api.box.openJson(row.credentials_enc!)).toEqual({ apiKey: 'fl_live_secret_key_123' });
    expect(api.hooks.jobsChanged).toBe(1);
  });

  test('defaults: timeout 24 h, no interval bounds, an explicit event filter is stored', async () => {
    const job = await body(await post(fotolabsJob({ events: ['job.succeeded', 'job.progress', 'job.succeeded'] })));
    expect(job.deadlineAt).toBe('2026-11-23T17:00:00.000Z');
    expect(job.pollIntervalSeconds).toBeNull();
    expect(job.events).toEqual(['job.succeeded', 'job.progress']);
    expect(rowOf(job.id).events).toBe('["job.succeeded","job.progress"]');
  });

  test('registers an http-provider job: spec stored without headers, headers sealed, only names returned', async () => {
    const res = await post(httpJob());
    expect(res.status).toBe(201);
    const job = await body(res);
    expect(job.http).toEqual({
      url: 'https://api.example.com/jobs/{externalId}',
      statusPath: '/data/status',
      states: { pending: ['queued'], running: ['working'], succeeded: ['done'], failed: ['error'] },
      progressPath: '/data/progress',
      resultUrlPaths: ['/data/url'],
      headerNames: ['authorization'],
    });
    const row = rowOf(job.id);
    expect(JSON.parse(row.http_spec!)).not.toHaveProperty('headers');
    expect(api.box.openJson(row.http_headers_enc!)).toEqual({ authorization: 'Bearer upstream-header-secret' });
    expect(row.credentials_enc).toBeNull();
  });

  test('registers with a connection of the same provider', async () => {
    const conn = await body(
      await api.fetch('/v1/connections', { method: 'POST', key, json: { provider: 'fotolabs', credentials: { apiKey: 'k' } } }),
    );
    const { credentials: _c, ...rest } = fotolabsJob();
    const res = await post({ ...rest, connectionId: conn.id });
    expect(res.status).toBe(201);
    expect((await body(res)).connectionId).toBe(conn.id);
  });

  test('callbackUrl may be omitted once the tenant has an enabled subscription', async () => {
    const { callbackUrl: _u, ...noCallback } = fotolabsJob();
    expect((await post(noCallback)).status).toBe(422);
    await api.fetch('/v1/subscriptions', { method: 'POST', key, json: { url: 'https://example.com/all' } });
    const res = await post(noCallback);
    expect(res.status).toBe(201);
    expect((await body(res)).callbackUrl).toBeNull();
  });

  test('is idempotent per provider and externalId: 201, then 200 with the same job for the same body', async () => {
    const first = await post(fotolabsJob());
    const second = await post(fotolabsJob());
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    const [a, b] = [await body(first), await body(second)];
    expect(b.id).toBe(a.id);
    expect(b.metadata).toBeNull();
    expect(b.callbackUrl).toBe('https://example.com/hooks/pollhook');
    expect(jobCount()).toBe(1);
    // A different body for the same identity is a conflict (test/http/conflicts.test.ts).
    expect((await post(fotolabsJob({ metadata: { other: true } }))).status).toBe(409);
    // Another provider with the same external id is another job.
    expect((await post(fotolabsJob({ provider: 'topaz' }))).status).toBe(201);
  });

  test('concurrent double create yields one job', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(fotolabsJob())));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => (await body(r)).id)));
    expect(ids.size).toBe(1);
    expect(jobCount()).toBe(1);
  });

  test('a deleted job frees its identity', async () => {
    const a = await body(await post(fotolabsJob()));
    expect((await api.fetch(`/v1/jobs/${a.id}`, { method: 'DELETE', key })).status).toBe(204);
    const again = await post(fotolabsJob());
    expect(again.status).toBe(201);
    expect((await body(again)).id).not.toBe(a.id);
  });

  const longMetadata = { blob: 'x'.repeat(4100) };
  const { credentials: _creds, ...noCreds } = fotolabsJob();
  const invalidCases: Array<[string, unknown, string[]]> = [
    ['unknown provider', fotolabsJob({ provider: 'nope' }), ['provider']],
    ['missing fields', {}, ['provider', 'externalId']],
    ['empty externalId', fotolabsJob({ externalId: '' }), ['externalId']],
    ['externalId too long', fotolabsJob({ externalId: 'a'.repeat(257) }), ['externalId']],
    ['control character in externalId', fotolabsJob({ externalId: 'a\nb' }), ['externalId']],
    ['neither credentials nor connection', noCreds, ['credentials']],
    ['both credentials and connection', fotolabsJob({ connectionId: 'conn_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }), ['connectionId']],
    ['empty api key', fotolabsJob({ credentials: { apiKey: '' } }), ['credentials.apiKey']],
    ['api key too long', fotolabsJob({ credentials: { apiKey: 'k'.repeat(4097) } }), ['credentials.apiKey']],
    ['http spec on a built-in provider', fotolabsJob({ http: httpJob().http }), ['http']],
    ['http provider without spec', { provider: 'http', externalId: 'x', callbackUrl: 'https://example.com/h' }, ['http']],
    ['credentials on the http provider', httpJob({ credentials: { apiKey: 'k' } }), ['credentials']],
    ['connection on the http provider', httpJob({ connectionId: 'conn_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }), ['connectionId']],
    ['statusPath not a JSON Pointer', httpJob({ http: { ...httpJob().http, statusPath: 'data.status' } }), ['http.statusPath']],
    ['bad pointer escape', httpJob({ http: { ...httpJob().http, progressPath: '/a~2' } }), ['http.progressPath']],
    ['result path not a pointer', httpJob({ http: { ...httpJob().http, resultUrlPaths: ['/ok', 'nope'] } }), ['http.resultUrlPaths[1]']],
    ['negative array index', httpJob({ http: { ...httpJob().http, statusPath: '/items/-1/status' } }), ['http.statusPath']],
    ['array index with a leading zero', httpJob({ http: { ...httpJob().http, progressPath: '/items/01' } }), ['http.progressPath']],
    ['past-the-end index', httpJob({ http: { ...httpJob().http, errorMessagePath: '/errors/-' } }), ['http.errorMessagePath']],
    ['escape at the end', httpJob({ http: { ...httpJob().http, statusPath: '/data/status~' } }), ['http.statusPath']],
    ['result path is a URL', httpJob({ http: { ...httpJob().http, resultUrlPaths: ['https://cdn.example.com/a.png'] } }), ['http.resultUrlPaths[0]']],
    ['result path is the whole document', httpJob({ http: { ...httpJob().http, resultUrlPaths: ['/data/url', ''] } }), ['http.resultUrlPaths[1]']],
    ['result path contains the status', httpJob({ http: { ...httpJob().http, resultUrlPaths: ['/data'] } }), ['http.resultUrlPaths[0]']],
    ['result path is the status', httpJob({ http: { ...httpJob().http, resultUrlPaths: ['/data/status'] } }), ['http.resultUrlPaths[0]']],
    ['result path inside the status', httpJob({ http: { ...httpJob().http, resultUrlPaths: ['/data/status/url'] } }), ['http.resultUrlPaths[0]']],
    ['boolean statuses', httpJob({ http: { ...httpJob().http, states: { succeeded: [true], failed: [false] } } }), ['http.states.succeeded[0]', 'http.states.failed[0]']],
    ['no state mapped', httpJob({ http: { ...httpJob().http, states: {} } }), ['http.states']],
    ['status mapped twice', httpJob({ http: { ...httpJob().http, states: { succeeded: ['done'], failed: ['done'] } } }), ['http.states.failed[0]']],
    ['unknown state key', httpJob({ http: { ...httpJob().http, states: { finished: ['x'] } } }), ['http.states', 'http.states.finished']],
    [
      'too many headers',
      httpJob({ http: { ...httpJob().http, headers: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-h${i}`, 'v'])) } }),
      ['http.headers'],
    ],
    ['bad header name', httpJob({ http: { ...httpJob().http, headers: { 'bad header': 'v' } } }), ['http.headers["bad header"]']],
    ['unknown event type', fotolabsJob({ events: ['job.succeeded', 'job.exploded'] }), ['events[1]']],
    ['empty event list', fotolabsJob({ events: [] }), ['events']],
    ['metadata not an object', fotolabsJob({ metadata: [1, 2] }), ['metadata']],
    ['metadata over 4 KiB', fotolabsJob({ metadata: longMetadata }), ['metadata']],
    ['poll interval too small', fotolabsJob({ pollIntervalSeconds: 0.1 }), ['pollIntervalSeconds']],
    ['max interval below interval', fotolabsJob({ pollIntervalSeconds: 10, maxPollIntervalSeconds: 5 }), ['maxPollIntervalSeconds']],
    ['max interval over a day', fotolabsJob({ maxPollIntervalSeconds: 86_401 }), ['maxPollIntervalSeconds']],
    ['timeout zero', fotolabsJob({ timeoutSeconds: 0 }), ['timeoutSeconds']],
    ['timeout over 30 days', fotolabsJob({ timeoutSeconds: 2_592_001 }), ['timeoutSeconds']],
    ['unknown field', fotolabsJob({ callbackURL: 'https://example.com' }), ['callbackURL']],
    ['body not an object', [1], ['']],
    // Checks that need the database or DNS.
    ['unknown connection', { ...noCreds, connectionId: 'conn_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }, ['connectionId']],
    ['malformed connection id', { ...noCreds, connectionId: 'nope' }, ['connectionId']],
    ['http callback when https is required', fotolabsJob({ callbackUrl: 'http://example.com/h' }), ['callbackUrl']],
    ['private callback', fotolabsJob({ callbackUrl: 'https://hooks.internal.test/h' }), ['callbackUrl']],
    ['loopback literal callback', fotolabsJob({ callbackUrl: 'https://127.0.0.1/h' }), ['callbackUrl']],
    ['metadata-service http url', httpJob({ http: { ...httpJob().http, url: 'https://169.254.169.254/{externalId}' } }), ['http.url']],
    ['callback and http url both refused', httpJob({ callbackUrl: 'ftp://example.com', http: { ...httpJob().http, url: 'https://a.internal.test/{externalId}' } }), ['callbackUrl', 'http.url']],
    ['no callback and no subscription', noCallbackBody(), ['callbackUrl']],
  ];
  test.each(invalidCases)('rejects %s with the field paths and stores nothing', async (_name, json, paths) => {
    const res = await post(json);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await body(res);
    expect(problem).toMatchObject({ type: 'https://pollhook.dev/problems/validation', status: 422, title: expect.any(String) });
    expect(problem.detail).toEqual(expect.any(String));
    expect([...new Set(problem.errors.map((e: { path: string }) => e.path))].sort()).toEqual([...paths].sort());
    for (const e of problem.errors) expect(e.message).toEqual(expect.any(String));
    expect(jobCount()).toBe(0);
    expect(api.hooks.jobsChanged).toBe(0);
  });

  test('a refused pointer or status says what is wrong and how to write it', async () => {
    const spec = httpJob().http;
    const messages = async (http: Record<string, unknown>) =>
      Object.fromEntries((await body(await post(httpJob({ http: { ...spec, ...http } })))).errors.map((e: { path: string; message: string }) => [e.path, e.message]));
    expect(await messages({ statusPath: '$.data.items[0].status', progressPath: '/items/-1', errorMessagePath: '/items/007', resultUrlPaths: ['https://x/a.png', '/a~2'] })).toEqual({
      'http.statusPath': 'must be a JSON Pointer: "" or starting with "/" (did you mean "/data/items/0/status"?)',
      'http.progressPath': 'segment 2 ("-1") is not an array index: indexes count from 0 at the start, none are negative',
      'http.errorMessagePath': 'segment 2 ("007") is not an array index: no leading zeros (write "7")',
      'http.resultUrlPaths[0]': 'must be a JSON Pointer into the status body (like "/data/url"), not a URL',
      'http.resultUrlPaths[1]': 'segment 1 ("a~2") has a "~" not followed by 0 or 1: write "~0" for "~" and "~1" for "/"',
    });
    expect(await messages({ resultUrlPaths: ['/data'], states: { succeeded: [true, 'done'] } })).toEqual({
      'http.resultUrlPaths[0]':
        'is the object or array that contains the status at "/data/status", not a URL: point at a URL string or an array of URL strings (like "/data/url")',
      'http.states.succeeded[0]': 'must be a string: write true as "true" (a number or boolean status is matched as text)',
    });
    expect(jobCount()).toBe(0);
  });

  test.each([
    ['array indexes and escapes', { statusPath: '/items/0/st~1at~0us', resultUrlPaths: ['/items/10/urls', '/data/status2'], progressPath: '/items/0/p' }],
    ['the whole document is the status', { statusPath: '', resultUrlPaths: undefined, progressPath: undefined }],
    ['the empty key', { statusPath: '/', resultUrlPaths: ['/url', '/~1'], progressPath: '/ ' }],
    ['a sibling of the status', { statusPath: '/data/status', resultUrlPaths: ['/data/statusUrl', '/data/status~1url'] }],
    ['boolean and numeric statuses as text', { states: { succeeded: ['true', '1'], failed: ['false'] } }],
  ])('still accepts %s', async (_name, http) => {
    const res = await post(httpJob({ http: { ...httpJob().http, ...http } }));
    expect(res.status).toBe(201);
  });

  test('the SSRF refusal names the reason', async () => {
    const problem = await body(await post(fotolabsJob({ callbackUrl: 'https://hooks.internal.test/h' })));
    expect(problem.errors[0].message).toMatch(/forbidden address.*private/);
  });

  test('private targets are accepted when the operator allows them', async () => {
    await api.stop();
    api.temp?.cleanup();
    api = await startApi({ config: { allowPrivateNetworks: ['10.0.0.0/8'], allowHttp: true } });
    key = seedTenant(api).apiKey;
    expect((await post(fotolabsJob({ callbackUrl: 'http://hooks.internal.test/h' }))).status).toBe(201);
  });
});

function noCallbackBody() {
  const { callbackUrl: _u, ...rest } = fotolabsJob();
  return rest;
}

describe('GET /v1/jobs and /v1/jobs/{id}', () => {
  test('get returns the job; unknown and malformed ids are 404', async () => {
    const created = await body(await post(fotolabsJob()));
    const res = await api.fetch(`/v1/jobs/${created.id}`, { key });
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual(created);
    expect((await api.fetch('/v1/jobs/job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A', { key })).status).toBe(404);
    expect((await api.fetch('/v1/jobs/not-an-id', { key })).status).toBe(404);
  });

  test('get shows the snapshot the scheduler wrote', async () => {
    const created = await body(await post(fotolabsJob()));
    api.db
      .prepare(
        `UPDATE jobs SET state = 'succeeded', upstream_status = 'completed', progress = 100, result = ?, last_sequence = 3,
           poll_count = 4, failure_count = 1, last_failure = ?, last_polled_at = ?, finished_at = ?, next_poll_at = NULL WHERE id = ?`,
      )
      .run('{"urls":["https://cdn.example.com/r.jpg"]}', '{"kind":"transient","message":"503"}', api.clock.now(), api.clock.now(), created.id);
    const job = await body(await api.fetch(`/v1/jobs/${created.id}`, { key }));
    expect(job).toMatchObject({
      state: 'succeeded',
      upstreamStatus: 'completed',
      progress: 100,
      result: { urls: ['https://cdn.example.com/r.jpg'] },
      sequence: 3,
      polls: { count: 4, failures: 1, lastFailure: { kind: 'transient', message: '503' }, lastPolledAt: '2026-11-22T17:00:00.000Z' },
      finishedAt: '2026-11-22T17:00:00.000Z',
      nextPollAt: null,
    });
  });

  test('list: newest first, paginated with an opaque cursor, filtered by state and provider', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      api.clock.advance(1000);
      ids.push((await body(await post(fotolabsJob({ externalId: `e${i}`, provider: i % 2 ? 'topaz' : 'fotolabs' })))).id);
    }
    const page1 = await body(await api.fetch('/v1/jobs?limit=2', { key }));
    expect(page1.data.map((j: { id: string }) => j.id)).toEqual([ids[4], ids[3]]);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await body(await api.fetch(`/v1/jobs?limit=2&cursor=${page1.nextCursor}`, { key }));
    expect(page2.data.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    const page3 = await body(await api.fetch(`/v1/jobs?limit=2&cursor=${page2.nextCursor}`, { key }));
    expect(page3.data.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(page3.nextCursor).toBeNull();

    const topaz = await body(await api.fetch('/v1/jobs?provider=topaz', { key }));
    expect(topaz.data.map((j: { id: string }) => j.id)).toEqual([ids[3], ids[1]]);
    api.db.prepare("UPDATE jobs SET state = 'running' WHERE id = ?").run(ids[2]!);
    const running = await body(await api.fetch('/v1/jobs?state=running', { key }));
    expect(running.data.map((j: { id: string }) => j.id)).toEqual([ids[2]]);
    expect((await body(await api.fetch('/v1/jobs', { key }))).data).toHaveLength(5);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['cursor=%%%', 'cursor'],
    ['cursor=bm90LWFuLWlk', 'cursor'],
    ['state=finished', 'state'],
    ['provider=nope', 'provider'],
  ])('list rejects %s at path %s', async (query, path) => {
    const res = await api.fetch(`/v1/jobs?${query}`, { key });
    expect(res.status).toBe(422);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });
});

describe('DELETE /v1/jobs/{id}', () => {
  test('stops polling, clears the lease, keeps deliveries, and the job disappears', async () => {
    const job = await body(await post(fotolabsJob()));
    api.db
      .prepare("INSERT INTO job_leases (job_rowid, token, expires_at) SELECT rowid, 'lease-1', ? FROM jobs WHERE id = ?")
      .run(api.clock.now() + 1000, job.id);
    api.clock.advance(5000);
    const res = await api.fetch(`/v1/jobs/${job.id}`, { method: 'DELETE', key });
    expect(res.status).toBe(204);
    const row = rowOf(job.id);
    expect(row).toMatchObject({ deleted_at: api.clock.now(), next_poll_at: null });
    expect(api.db.prepare('SELECT COUNT(*) AS n FROM job_leases').get()).toEqual({ n: 0 });
    expect((await api.fetch(`/v1/jobs/${job.id}`, { key })).status).toBe(404);
    expect((await api.fetch(`/v1/jobs/${job.id}/events`, { key })).status).toBe(404);
    expect((await body(await api.fetch('/v1/jobs', { key }))).data).toEqual([]);
    expect((await api.fetch(`/v1/jobs/${job.id}`, { method: 'DELETE', key })).status).toBe(404);
    expect(api.hooks.jobsChanged).toBe(2);
  });
});
