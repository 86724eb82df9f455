import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, PollhookApiError, type PollhookClient } from '../../src/client/index.ts';
import { ADMIN_TOKEN, fotolabsJob, killDelivery, seedEvent, seedTenant, startApi, type Api } from '../http/harness.ts';
import type { TempDb } from '../helpers/db.ts';

let api: Api & { temp: TempDb | null };
let client: PollhookClient;
let tenantId: string;
const requests: string[] = [];

beforeAll(async () => {
  api = await startApi();
  const tenant = seedTenant(api);
  tenantId = tenant.id;
  const countingFetch: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${String(input).replace(api.url, '')}`);
    return fetch(input, init);
  };
  client = createClient({ baseUrl: `${api.url}/`, apiKey: tenant.apiKey, fetch: countingFetch });
});

afterAll(async () => {
  await api.stop();
  api.temp?.cleanup();
});

async function apiError(promise: Promise<unknown>): Promise<PollhookApiError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PollhookApiError);
  return err as PollhookApiError;
}

describe('jobs', () => {
  it('create, create again (idempotent), get, list, delete', async () => {
    const body = fotolabsJob({ externalId: 'crud-1', metadata: { orderId: 42 } });
    const job = await client.jobs.create(body);
    expect(job).toMatchObject({ provider: 'fotolabs', externalId: 'crud-1', metadata: { orderId: 42 }, state: null });
    expect((await client.jobs.create(body)).id).toBe(job.id);
    expect((await client.jobs.get(job.id)).id).toBe(job.id);
    const page = await client.jobs.list({ provider: 'fotolabs', limit: 200 });
    expect(page.data.map((j) => j.id)).toContain(job.id);

    await expect(client.jobs.delete(job.id)).resolves.toBeUndefined();
    const gone = await apiError(client.jobs.get(job.id));
    expect(gone).toMatchObject({ status: 404, type: 'https://pollhook.dev/problems/not-found', title: 'Not found' });
    expect(gone.requestId).toBeTruthy();
  });

  it('validation errors carry each field', async () => {
    const err = await apiError(client.jobs.create({ provider: 'fotolabs', externalId: '', callbackUrl: 'ftp://x' }));
    expect(err.status).toBe(422);
    expect(err.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['externalId', 'credentials']));
    expect(err.message).toContain('422');
    expect(err.problem.detail).toBe(err.detail);
  });

  it('iterates across several pages, one request per page', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await client.jobs.create(fotolabsJob({ externalId: `page-${i}` }))).id);
    requests.length = 0;
    const seen: string[] = [];
    for await (const job of client.jobs.iterate({ limit: 3, provider: 'fotolabs' })) seen.push(job.id);
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(new Set(seen).size).toBe(seen.length);
    // Lists fetch limit + 1 rows, so the last page is known without an extra empty request.
    expect(requests.length).toBe(Math.ceil(seen.length / 3));
    expect(requests[1]).toMatch(/cursor=/);
  });

  it('iteration passes filters and stops early when the caller breaks', async () => {
    requests.length = 0;
    for await (const job of client.jobs.iterate({ limit: 2 })) {
      expect(job.id).toMatch(/^job_/);
      break;
    }
    expect(requests).toHaveLength(1);
    const none: unknown[] = [];
    for await (const job of client.jobs.iterate({ state: 'succeeded' })) none.push(job);
    expect(none).toEqual([]);
  });

  it('events and deliveries of a job', async () => {
    const job = await client.jobs.create(fotolabsJob({ externalId: 'with-events' }));
    for (const seq of [1, 2, 3]) seedEvent(api, { id: job.id, tenantId, callbackUrl: job.callbackUrl }, seq);
    const events: number[] = [];
    for await (const e of client.jobs.iterateEvents(job.id, { limit: 2 })) events.push(e.sequence);
    expect(events).toEqual([1, 2, 3]);
    const page = await client.jobs.events(job.id);
    expect(page.data[0]!.deliveries[0]).toMatchObject({ target: 'callback', status: 'pending' });

    const listed = await client.deliveries.list({ jobId: job.id });
    expect(listed.data).toHaveLength(3);
    const all: string[] = [];
    for await (const d of client.deliveries.iterate({ jobId: job.id, limit: 1 })) all.push(d.id);
    expect(all).toHaveLength(3);

    const first = listed.data.find((d) => d.sequence === 1)!;
    killDelivery(api, first.id);
    const detail = await client.deliveries.get(first.id);
    expect(detail).toMatchObject({ status: 'dead', eventType: 'job.running', attempts: [{ statusCode: 500, responseBody: 'oops' }] });
    expect(await client.deliveries.retry(first.id)).toEqual({ id: first.id, status: 'pending' });
    const notRetryable = await apiError(client.deliveries.retry(first.id));
    expect(notRetryable.status).toBe(409);

    killDelivery(api, first.id);
    expect(await client.deliveries.recover({ since: new Date(0).toISOString() })).toEqual({ queued: 1 });
    expect((await client.deliveries.list({ status: 'dead' })).data).toEqual([]);
  });
});

describe('other resources', () => {
  it('subscriptions: create, get, list, iterate, update, delete', async () => {
    const sub = await client.subscriptions.create({ url: 'https://example.com/hooks/all', events: ['job.succeeded'], description: 'all' });
    expect(sub).toMatchObject({ enabled: true, events: ['job.succeeded'] });
    expect((await client.subscriptions.get(sub.id)).description).toBe('all');
    const updated = await client.subscriptions.update(sub.id, { enabled: false, events: null });
    expect(updated.enabled).toBe(false);
    expect(updated.events).not.toEqual(['job.succeeded']);
    expect((await client.subscriptions.list()).data.map((s) => s.id)).toContain(sub.id);
    const ids: string[] = [];
    for await (const s of client.subscriptions.iterate()) ids.push(s.id);
    expect(ids).toContain(sub.id);
    await client.subscriptions.delete(sub.id);
    expect((await apiError(client.subscriptions.get(sub.id))).status).toBe(404);
  });

  it('connections: create, get, list, iterate, delete; credentials never come back', async () => {
    const conn = await client.connections.create({ provider: 'fotolabs', name: 'prod', credentials: { apiKey: 'fl_secret' } });
    expect(JSON.stringify(conn)).not.toContain('fl_secret');
    expect((await client.connections.get(conn.id)).name).toBe('prod');
    expect((await client.connections.list()).data.map((c) => c.id)).toContain(conn.id);
    const ids: string[] = [];
    for await (const c of client.connections.iterate({ limit: 1 })) ids.push(c.id);
    expect(ids).toContain(conn.id);
    await client.connections.delete(conn.id);
    expect((await apiError(client.connections.delete(conn.id))).status).toBe(404);
  });

  it('signing secrets: list and rotate', async () => {
    const before = await client.signingSecrets.list();
    expect(before.data.filter((s) => s.current)).toHaveLength(1);
    const rotated = await client.signingSecrets.rotate();
    expect(rotated.secret).toMatch(/^whsec_/);
    expect((await client.signingSecrets.list()).data).toHaveLength(before.data.length + 1);
  });

  it('signing secrets: expire the previous one early', async () => {
    await client.signingSecrets.rotate();
    const previous = (await client.signingSecrets.list()).data.find((s) => !s.current)!;
    await client.signingSecrets.expire(previous.id);
    expect((await client.signingSecrets.list()).data.map((s) => s.id)).not.toContain(previous.id);
  });

  it('connections: replace the credentials', async () => {
    const conn = await client.connections.create({ provider: 'topaz', credentials: { apiKey: 'tz_old' } });
    expect(await client.connections.update(conn.id, { credentials: { apiKey: 'tz_new' } })).toEqual(conn);
  });

  it('API keys: create, list, rotate, revoke', async () => {
    const created = await client.apiKeys.create({ name: 'client-test' });
    const second = createClient({ baseUrl: api.url, apiKey: created.key });
    expect((await second.apiKeys.list()).data.find((k) => k.current)?.id).toBe(created.id);
    const rotated = await client.apiKeys.rotate(created.id, { gracePeriodSeconds: 60 });
    expect(rotated.name).toBe('client-test');
    await client.apiKeys.revoke(rotated.id);
    expect((await apiError(createClient({ baseUrl: api.url, apiKey: rotated.key }).jobs.list())).status).toBe(401);
    const ids: string[] = [];
    for await (const k of client.apiKeys.iterate({ limit: 1 })) ids.push(k.id);
    expect(ids).not.toContain(rotated.id);
  });

  it('providers', async () => {
    const { data } = await client.providers.list();
    expect(data.map((p) => p.name)).toEqual(expect.arrayContaining(['fotolabs', 'pictory', 'topaz', 'magichour', 'aigenstudio', 'http']));
  });

  it('tenants.create with the admin token', async () => {
    const admin = createClient({ baseUrl: api.url, apiKey: ADMIN_TOKEN });
    const tenant = await admin.tenants.create({ name: 'second' });
    expect(tenant.apiKey).toMatch(/^ph_/);
    const theirs = createClient({ baseUrl: api.url, apiKey: tenant.apiKey });
    expect((await theirs.jobs.list()).data).toEqual([]);
    const listed: string[] = [];
    for await (const t of admin.tenants.iterate({ limit: 1 })) listed.push(t.id);
    expect(listed).toEqual(expect.arrayContaining([tenant.id, tenantId]));
    const issued = await admin.tenants.createApiKey(tenant.id, { name: 'ops' });
    expect((await admin.tenants.listApiKeys(tenant.id)).data.map((k) => k.name).sort()).toEqual(['default', 'ops']);
    await admin.tenants.revokeApiKey(tenant.id, issued.id);
    expect((await apiError(createClient({ baseUrl: api.url, apiKey: issued.key }).jobs.list())).status).toBe(401);
    await admin.tenants.delete(tenant.id);
    expect((await apiError(theirs.jobs.list())).status).toBe(401);
  });
});

describe('errors', () => {
  it('a wrong API key is a 401 problem', async () => {
    const err = await apiError(createClient({ baseUrl: api.url, apiKey: 'ph_wrong' }).jobs.list());
    expect(err).toMatchObject({ status: 401, title: 'Authentication required' });
  });

  it('an answer without problem details still becomes a PollhookApiError', async () => {
    const proxy: typeof fetch = async () =>
      new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } });
    const err = await apiError(createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'ph_x', fetch: proxy }).providers.list());
    expect(err).toMatchObject({ status: 502, title: 'Bad Gateway', type: 'about:blank', errors: [] });
    expect(err.detail).toContain('Bad Gateway');
  });
});
