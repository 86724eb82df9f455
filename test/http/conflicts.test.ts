import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { body, fotolabsJob, httpJob, seedTenant, startApi } from './harness.ts';

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

const post = (json: unknown, k = key) => api.fetch('/v1/jobs', { method: 'POST', key: k, json });
const jobCount = () => api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n;
const snapshot = () => api.db.prepare('SELECT * FROM jobs ORDER BY id').all();

describe('POST /v1/jobs again for a tracked provider + externalId', () => {
  const full = fotolabsJob({
    events: ['job.succeeded', 'job.failed'],
    metadata: { orderId: 42, nested: { a: [1, 2] } },
    pollIntervalSeconds: 5,
    maxPollIntervalSeconds: 60,
    timeoutSeconds: 3600,
  });

  test('the identical body: 200 with the existing job, nothing changed', async () => {
    const first = await post(full);
    expect(first.status).toBe(201);
    const job = await body(first);
    const before = snapshot();
    const again = await post(full);
    expect(again.status).toBe(200);
    expect(await body(again)).toEqual(job);
    expect(snapshot()).toEqual(before);
  });

  test('the same request spelled differently is still the same: key order, event order, duplicates, default deadline', async () => {
    expect((await post(fotolabsJob({ metadata: { a: 1, b: { c: 2, d: 3 } }, events: ['job.failed', 'job.succeeded'] }))).status).toBe(201);
    const same = fotolabsJob({
      metadata: { b: { d: 3, c: 2 }, a: 1 },
      events: ['job.succeeded', 'job.failed', 'job.succeeded'],
      timeoutSeconds: 86_400,
    });
    expect((await post(same)).status).toBe(200);
  });

  test.each([
    ['callbackUrl', { callbackUrl: 'https://example.com/other' }],
    ['metadata', { metadata: { orderId: 43, nested: { a: [1, 2] } } }],
    ['credentials', { credentials: { apiKey: 'fl_live_another_key' } }],
    ['events', { events: ['job.succeeded'] }],
    ['pollIntervalSeconds', { pollIntervalSeconds: 6 }],
    ['maxPollIntervalSeconds', { maxPollIntervalSeconds: 120 }],
    ['timeoutSeconds', { timeoutSeconds: 7200 }],
  ])('a different %s: 409 naming it, nothing changed', async (field, change) => {
    const job = await body(await post(full));
    const before = snapshot();
    const res = await post({ ...full, ...change });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await body(res);
    expect(problem.type).toBe('https://pollhook.dev/problems/conflict');
    expect(problem.errors).toEqual([{ path: field, message: `differs from the registered job ${job.id}` }]);
    expect(problem.detail).toContain(job.id);
    expect(problem.detail).toContain(field);
    expect(snapshot()).toEqual(before);
  });

  test('the credentials are compared, never echoed', async () => {
    await post(full);
    const res = await post({ ...full, credentials: { apiKey: 'fl_live_guess' } });
    const text = await res.text();
    expect(res.status).toBe(409);
    expect(text).not.toContain('fl_live_guess');
    expect(text).not.toContain('fl_live_secret_key_123');
  });

  test('a connection instead of inline credentials, or another connection: 409 naming both fields', async () => {
    const conn = async () =>
      (await body(await api.fetch('/v1/connections', { method: 'POST', key, json: { provider: 'fotolabs', credentials: { apiKey: 'fl_c' } } }))).id;
    const [a, b] = [await conn(), await conn()];
    await post(full);
    const { credentials: _c, ...withoutCredentials } = full;
    const viaConnection = await post({ ...withoutCredentials, connectionId: a });
    expect(viaConnection.status).toBe(409);
    expect((await body(viaConnection)).errors.map((e: { path: string }) => e.path)).toEqual(['credentials', 'connectionId']);

    const other = fotolabsJob({ externalId: 'via-conn', credentials: undefined, connectionId: a });
    expect((await post(other)).status).toBe(201);
    expect((await post(other)).status).toBe(200);
    const res = await post({ ...other, connectionId: b });
    expect(res.status).toBe(409);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual(['connectionId']);
  });

  test('several differences are all named', async () => {
    await post(full);
    const res = await post({ ...full, callbackUrl: 'https://example.com/x', metadata: undefined, events: undefined });
    expect(res.status).toBe(409);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual(['callbackUrl', 'events', 'metadata']);
    expect(jobCount()).toBe(1);
  });

  test('http provider: a different spec or different header values are named separately', async () => {
    const job = httpJob();
    expect((await post(job)).status).toBe(201);
    expect((await post(job)).status).toBe(200);
    const otherSpec = await post({ ...job, http: { ...job.http, statusPath: '/status' } });
    expect(otherSpec.status).toBe(409);
    expect((await body(otherSpec)).errors.map((e: { path: string }) => e.path)).toEqual(['http']);
    const otherHeader = await post({ ...job, http: { ...job.http, headers: { authorization: 'Bearer rotated' } } });
    expect(otherHeader.status).toBe(409);
    const problem = await body(otherHeader);
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['http.headers']);
    expect(JSON.stringify(problem)).not.toContain('upstream-header-secret');
  });

  test('another tenant registering the same upstream job is not a conflict', async () => {
    await post(full);
    const other = seedTenant(api, 'globex').apiKey;
    expect((await post({ ...full, callbackUrl: 'https://example.com/globex' }, other)).status).toBe(201);
  });

  test('a concurrent burst of the same body: one 201, the rest 200', async () => {
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => post(full)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
  });
});

describe('subscriptions to one URL', () => {
  const create = (json: unknown) => api.fetch('/v1/subscriptions', { method: 'POST', key, json });
  const subCount = () => api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM subscriptions WHERE deleted_at IS NULL').get()!.n;

  test('overlapping event types: 409 naming the existing subscription; disjoint types are fine', async () => {
    const first = await body(await create({ url: 'https://example.com/hooks', events: ['job.succeeded', 'job.failed'] }));
    const dup = await create({ url: 'https://example.com/hooks', events: ['job.failed', 'job.canceled'] });
    expect(dup.status).toBe(409);
    const problem = await body(dup);
    expect(problem.type).toBe('https://pollhook.dev/problems/conflict');
    expect(problem.detail).toContain(first.id);
    expect(problem.detail).toContain('job.failed');
    expect(problem.errors).toEqual([{ path: 'url', message: `already subscribed by ${first.id}` }]);
    expect(subCount()).toBe(1);

    expect((await create({ url: 'https://example.com/hooks', events: ['job.progress'] })).status).toBe(201);
    expect((await create({ url: 'https://example.com/other', events: ['job.failed'] })).status).toBe(201);
    expect(subCount()).toBe(3);
  });

  test('the default event set overlaps every terminal type; the same URL spelled differently is the same URL', async () => {
    const first = await body(await create({ url: 'https://example.com/hooks' }));
    const dup = await create({ url: 'HTTPS://EXAMPLE.com:443/hooks', events: ['job.succeeded'] });
    expect(dup.status).toBe(409);
    expect((await body(dup)).detail).toContain(first.id);
    // A disabled subscription still counts: enabling it again would deliver twice.
    await api.fetch(`/v1/subscriptions/${first.id}`, { method: 'PATCH', key, json: { enabled: false } });
    expect((await create({ url: 'https://example.com/hooks' })).status).toBe(409);
    // A deleted one does not.
    await api.fetch(`/v1/subscriptions/${first.id}`, { method: 'DELETE', key });
    expect((await create({ url: 'https://example.com/hooks' })).status).toBe(201);
  });

  test('PATCH into an overlap is refused too; PATCH of the subscription itself is not', async () => {
    const a = await body(await create({ url: 'https://example.com/a', events: ['job.succeeded'] }));
    const b = await body(await create({ url: 'https://example.com/b', events: ['job.succeeded'] }));
    const moved = await api.fetch(`/v1/subscriptions/${b.id}`, { method: 'PATCH', key, json: { url: 'https://example.com/a' } });
    expect(moved.status).toBe(409);
    expect((await body(moved)).detail).toContain(a.id);
    expect((await body(await api.fetch(`/v1/subscriptions/${b.id}`, { key }))).url).toBe('https://example.com/b');
    const self = await api.fetch(`/v1/subscriptions/${a.id}`, { method: 'PATCH', key, json: { events: ['job.succeeded', 'job.failed'] } });
    expect(self.status).toBe(200);
    const widened = await api.fetch(`/v1/subscriptions/${b.id}`, { method: 'PATCH', key, json: { url: 'https://example.com/a', events: ['job.canceled'] } });
    expect(widened.status).toBe(200);
  });

  test('filters no event can pass together do not overlap; filters that can, do', async () => {
    const url = 'https://example.com/zaps';
    const c1 = await create({ url, filter: { metadata: { customer: 'c-1' } } });
    expect(c1.status).toBe(201);
    expect((await create({ url, filter: { metadata: { customer: 'c-2' } } })).status).toBe(201);
    expect((await create({ url, filter: { providers: ['topaz'], metadata: { customer: 'c-3' } } })).status).toBe(201);
    expect((await create({ url, filter: { providers: ['pictory'], metadata: { customer: 'c-3' } } })).status).toBe(201);
    // Both can match a c-1 job: one more key does not make them disjoint.
    const dup = await create({ url, filter: { metadata: { customer: 'c-1', tier: 2 } } });
    expect(dup.status).toBe(409);
    expect((await body(dup)).detail).toContain((await body(c1)).id);
    // No filter overlaps every filter.
    expect((await create({ url })).status).toBe(409);
  });

  test('another tenant may subscribe the same URL', async () => {
    await create({ url: 'https://example.com/hooks' });
    const other = seedTenant(api, 'globex').apiKey;
    const res = await api.fetch('/v1/subscriptions', { method: 'POST', key: other, json: { url: 'https://example.com/hooks' } });
    expect(res.status).toBe(201);
  });
});

test('a missing-credentials 422 says that connectionId is the alternative', async () => {
  const { credentials: _c, ...noCredentials } = fotolabsJob();
  const res = await post(noCredentials);
  expect(res.status).toBe(422);
  const problem = await body(res);
  expect(problem.errors).toEqual([{ path: 'credentials', message: 'credentials or connectionId is required' }]);
  expect(problem.detail).toContain('connectionId');
});
