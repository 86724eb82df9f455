/**
 * Tenant isolation over objects made by the real engines (test/http/isolation.test.ts covers
 * seeded ones): after a full run with two tenants, every route with an id answers 404 to the
 * other tenant for every job, event-derived delivery, subscription and connection, and no id of
 * one tenant appears anywhere in any list of the other, under every filter. Webhooks reach only
 * the owner's endpoints, signed only with the owner's secrets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runFullFlow, type Flow, type TenantInFlow } from './fullFlow.ts';
import { JOB_STATES, PROVIDER_NAMES } from '../../src/core/types.ts';
import { DELIVERY_STATUSES } from '../../src/http/schemas/deliveries.ts';

let flow: Flow;
/** Every id a tenant owns, as its own API reports them. */
const owned = new Map<TenantInFlow, { jobs: string[]; events: string[]; deliveries: string[]; subscriptions: string[]; connections: string[]; secrets: string[] }>();

async function collectIds(t: TenantInFlow) {
  const get = async (path: string) => (await flow.api(path, { key: t.apiKey })).body;
  const jobs = (await get('/v1/jobs?limit=200')).data.map((j: { id: string }) => j.id);
  const events: string[] = [];
  for (const id of jobs) events.push(...(await get(`/v1/jobs/${id}/events?limit=200`)).data.map((e: { id: string }) => e.id));
  return {
    jobs,
    events,
    deliveries: (await get('/v1/deliveries?limit=200')).data.map((d: { id: string }) => d.id),
    subscriptions: (await get('/v1/subscriptions')).data.map((s: { id: string }) => s.id),
    connections: (await get('/v1/connections')).data.map((c: { id: string }) => c.id),
    secrets: (await get('/v1/signing-secrets')).data.map((s: { id: string }) => s.id),
  };
}

beforeAll(async () => {
  flow = await runFullFlow();
  for (const t of [flow.a, flow.b]) owned.set(t, await collectIds(t));
}, 30_000);
afterAll(async () => {
  await flow?.close();
});

test('the run gave both tenants real events and deliveries to probe with', () => {
  for (const t of [flow.a, flow.b]) {
    const ids = owned.get(t)!;
    expect(ids.jobs.length).toBeGreaterThanOrEqual(2);
    expect(ids.events.length).toBeGreaterThanOrEqual(4);
    // Every event goes to the callback and to the subscription.
    expect(ids.deliveries.length).toBe(ids.events.length * 2);
    expect(ids.secrets.length).toBeGreaterThanOrEqual(1);
  }
});

describe.each([
  ['B', 'A'],
  ['A', 'B'],
])("tenant %s against tenant %s's objects", (probeName, ownerName) => {
  const probe = () => (probeName === 'A' ? flow.a : flow.b);
  const owner = () => (ownerName === 'A' ? flow.a : flow.b);

  test('every route with an id answers 404 for every object, and the owner still sees it unchanged', async () => {
    const ids = owned.get(owner())!;
    const requests: Array<[string, string, unknown?]> = [
      ...ids.jobs.flatMap((id): Array<[string, string]> => [
        ['GET', `/v1/jobs/${id}`],
        ['GET', `/v1/jobs/${id}/events`],
        ['DELETE', `/v1/jobs/${id}`],
      ]),
      ...ids.deliveries.flatMap((id): Array<[string, string]> => [
        ['GET', `/v1/deliveries/${id}`],
        ['POST', `/v1/deliveries/${id}/retry`],
      ]),
      ...ids.subscriptions.flatMap((id): Array<[string, string, unknown?]> => [
        ['GET', `/v1/subscriptions/${id}`],
        ['PATCH', `/v1/subscriptions/${id}`, { enabled: false, url: 'https://example.com/stolen' }],
        ['DELETE', `/v1/subscriptions/${id}`],
      ]),
      ...ids.connections.flatMap((id): Array<[string, string]> => [
        ['GET', `/v1/connections/${id}`],
        ['DELETE', `/v1/connections/${id}`],
      ]),
    ];
    const before = await snapshot(owner());
    for (const [method, path, json] of requests) {
      const res = await flow.api(path, { method, key: probe().apiKey, json });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.type, `${method} ${path}`).toBe('https://pollhook.dev/problems/not-found');
    }
    expect(await snapshot(owner())).toEqual(before);
  });

  test("no id of the owner appears in any of the prober's lists, under any filter", async () => {
    const ids = owned.get(owner())!;
    const foreign = [...ids.jobs, ...ids.events, ...ids.deliveries, ...ids.subscriptions, ...ids.connections, ...ids.secrets];
    const paths = [
      '/v1/jobs?limit=200',
      ...JOB_STATES.map((s) => `/v1/jobs?state=${s}`),
      ...PROVIDER_NAMES.map((p) => `/v1/jobs?provider=${p}`),
      '/v1/deliveries?limit=200',
      ...DELIVERY_STATUSES.map((s) => `/v1/deliveries?status=${s}`),
      ...ids.jobs.map((id) => `/v1/deliveries?jobId=${id}`),
      ...ids.subscriptions.map((id) => `/v1/deliveries?subscriptionId=${id}`),
      ...ids.jobs.flatMap((job) => ids.subscriptions.map((sub) => `/v1/deliveries?jobId=${job}&subscriptionId=${sub}&status=delivered`)),
      '/v1/subscriptions?limit=200',
      '/v1/connections?limit=200',
      '/v1/signing-secrets',
    ];
    for (const path of paths) {
      const res = await flow.api(path, { key: probe().apiKey });
      expect(res.status, path).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of foreign) expect(text.includes(id), `${id} of tenant ${ownerName} in ${path}`).toBe(false);
    }
    // Filters naming the owner's objects find nothing at all.
    for (const id of ids.jobs) expect((await flow.api(`/v1/deliveries?jobId=${id}`, { key: probe().apiKey })).body.data).toEqual([]);
  });

  test("the owner's cursors do not page through the prober's view into the owner's data", async () => {
    const ids = owned.get(owner())!;
    // A cursor is only the last id seen: one made from the owner's newest id must still list only the prober's rows.
    const cursorFrom = (id: string) => Buffer.from(id).toString('base64url');
    for (const [list, id] of [
      ['/v1/jobs', ids.jobs[0]!],
      ['/v1/deliveries', ids.deliveries[0]!],
      ['/v1/subscriptions', ids.subscriptions[0]!],
      ['/v1/connections', ids.connections[0]!],
    ] as const) {
      const res = await flow.api(`${list}?cursor=${cursorFrom(id)}`, { key: probe().apiKey });
      const text = JSON.stringify(res.body);
      for (const other of [...ids.jobs, ...ids.deliveries, ...ids.subscriptions, ...ids.connections]) expect(text.includes(other), `${other} via ${list}`).toBe(false);
    }
  });

  test("the prober's receiver got only its own jobs' webhooks, signed only with its own secrets", () => {
    const mine = new Set([...probe().jobIds, probe().rejectedJobId].filter(Boolean));
    expect(probe().receiver.received.length).toBeGreaterThan(0);
    for (const hook of probe().receiver.received) {
      expect(hook.verified, `webhook ${hook.webhookId} verifies with ${probeName}'s secrets`).toBe(true);
      expect(mine.has(hook.payload.data.id), `webhook for ${hook.payload.data.id}`).toBe(true);
    }
  });
});

/** What the owner sees of its own objects: unchanged by the other tenant's requests. */
async function snapshot(t: TenantInFlow) {
  const ids = owned.get(t)!;
  const get = async (path: string) => (await flow.api(path, { key: t.apiKey })).body;
  return {
    subscriptions: await Promise.all(ids.subscriptions.map(async (id) => JSON.stringify(await get(`/v1/subscriptions/${id}`)))),
    connections: await Promise.all(ids.connections.map(async (id) => JSON.stringify(await get(`/v1/connections/${id}`)))),
    deliveries: await Promise.all(ids.deliveries.map(async (id) => {
      const d = await get(`/v1/deliveries/${id}`);
      return `${d.id}:${d.status}:${d.attemptCount}`;
    })),
    jobs: await Promise.all(t.jobIds.map(async (id) => {
      const j = await get(`/v1/jobs/${id}`);
      return `${j.id}:${j.state}:${j.sequence}:${j.finishedAt}`;
    })),
  };
}
