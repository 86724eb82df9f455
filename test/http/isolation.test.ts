import { afterAll, beforeAll, expect, test } from 'vitest';
import { body, fotolabsJob, killDelivery, seedEvent, seedTenant, startApi } from './harness.ts';

/** Tenant A owns one of everything; tenant B must see none of it, and its probes are 404s. */
let api: Awaited<ReturnType<typeof startApi>>;
let a: ReturnType<typeof seedTenant>;
let b: ReturnType<typeof seedTenant>;
const owned: Record<string, string> = {};

beforeAll(async () => {
  api = await startApi();
  a = seedTenant(api, 'a');
  b = seedTenant(api, 'b');
  const post = (path: string, json: unknown) => api.fetch(path, { method: 'POST', key: a.apiKey, json }).then(body);
  owned.sub = (await post('/v1/subscriptions', { url: 'https://example.com/a' })).id;
  owned.conn = (await post('/v1/connections', { provider: 'fotolabs', credentials: { apiKey: 'a-key' } })).id;
  const job = await post('/v1/jobs', fotolabsJob());
  owned.job = job.id;
  owned.event = seedEvent(api, { id: job.id, tenantId: a.id, callbackUrl: job.callbackUrl }, 1);
  owned.delivery = api.db.prepare<{ id: string }>("SELECT id FROM deliveries WHERE target_key = 'callback'").get()!.id;
  killDelivery(api, owned.delivery);
});
afterAll(async () => {
  await api.stop();
  api.temp?.cleanup();
});

test.each([
  ['GET', () => `/v1/jobs/${owned.job}`],
  ['DELETE', () => `/v1/jobs/${owned.job}`],
  ['GET', () => `/v1/jobs/${owned.job}/events`],
  ['GET', () => `/v1/deliveries/${owned.delivery}`],
  ['POST', () => `/v1/deliveries/${owned.delivery}/retry`],
  ['GET', () => `/v1/subscriptions/${owned.sub}`],
  ['PATCH', () => `/v1/subscriptions/${owned.sub}`],
  ['DELETE', () => `/v1/subscriptions/${owned.sub}`],
  ['GET', () => `/v1/connections/${owned.conn}`],
  ['DELETE', () => `/v1/connections/${owned.conn}`],
])("%s of tenant A's object by tenant B is 404", async (method, path) => {
  const res = await api.fetch(path(), { method, key: b.apiKey, json: method === 'PATCH' ? { enabled: false } : undefined });
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  // ...and A still sees it unchanged.
  if (method !== 'POST') expect((await api.fetch(path(), { key: a.apiKey })).status).toBe(200);
});

test("tenant B's lists hold nothing of tenant A", async () => {
  for (const path of ['/v1/jobs', '/v1/deliveries', '/v1/subscriptions', '/v1/connections']) {
    expect((await body(await api.fetch(path, { key: b.apiKey }))).data, path).toEqual([]);
    expect((await body(await api.fetch(path, { key: a.apiKey }))).data.length, path).toBeGreaterThan(0);
  }
  const filtered = await body(await api.fetch(`/v1/deliveries?jobId=${owned.job}&subscriptionId=${owned.sub}`, { key: b.apiKey }));
  expect(filtered.data).toEqual([]);
  const secretsB = await body(await api.fetch('/v1/signing-secrets', { key: b.apiKey }));
  const secretsA = await body(await api.fetch('/v1/signing-secrets', { key: a.apiKey }));
  expect(secretsB.data).toHaveLength(1);
  expect(secretsB.data[0].id).not.toBe(secretsA.data[0].id);
});

test("tenant B cannot use A's connection, recover A's deliveries, or collide with A's job identity", async () => {
  const { credentials: _c, ...rest } = fotolabsJob();
  const res = await api.fetch('/v1/jobs', { method: 'POST', key: b.apiKey, json: { ...rest, connectionId: owned.conn } });
  expect((await body(res)).errors).toEqual([{ path: 'connectionId', message: 'no such connection' }]);
  const recover = await api.fetch('/v1/deliveries/recover', { method: 'POST', key: b.apiKey, json: { since: '2020-01-01T00:00:00Z' } });
  expect(await body(recover)).toEqual({ queued: 0 });
  const bySub = await api.fetch('/v1/deliveries/recover', {
    method: 'POST',
    key: b.apiKey,
    json: { since: '2020-01-01T00:00:00Z', subscriptionId: owned.sub },
  });
  expect(bySub.status).toBe(422);
  const same = await api.fetch('/v1/jobs', { method: 'POST', key: b.apiKey, json: fotolabsJob() });
  expect(same.status).toBe(201);
  expect((await body(same)).id).not.toBe(owned.job);
  // A's dead delivery is still dead: B's requests touched nothing.
  expect(api.db.prepare<{ status: string }>('SELECT status FROM deliveries WHERE id = ?').get(owned.delivery!)!.status).toBe('dead');
});
