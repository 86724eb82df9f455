import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, body, fotolabsJob, killDelivery, seedEvent, seedTenant, startApi } from './harness.ts';
import { activeSigningSecrets, ROTATION_OVERLAP_MS } from '../../src/store/queries/signingSecrets.ts';
import { authenticateApiKey } from '../../src/store/queries/authenticate.ts';

let api: Awaited<ReturnType<typeof startApi>>;
let tenant: ReturnType<typeof seedTenant>;
let key: string;

beforeEach(async () => {
  api = await startApi();
  tenant = seedTenant(api);
  key = tenant.apiKey;
});
afterEach(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const createJob = async (overrides: Record<string, unknown> = {}) => {
  const job = await body(await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob(overrides) }));
  return { id: job.id as string, tenantId: tenant.id, callbackUrl: job.callbackUrl as string | null };
};
const deliveriesOf = (jobId: string) =>
  api.db.prepare<{ id: string; status: string; target_key: string; sequence: number }>(
    'SELECT id, status, target_key, sequence FROM deliveries WHERE job_id = ? ORDER BY sequence, target_key',
  ).all(jobId);

describe('POST /v1/tenants (admin)', () => {
  test('creates a tenant whose key works, once, with the admin token', async () => {
    const res = await api.fetch('/v1/tenants', { method: 'POST', key: ADMIN_TOKEN, json: { name: 'beta' } });
    expect(res.status).toBe(201);
    const created = await body(res);
    expect(created).toMatchObject({ id: expect.stringMatching(/^tnt_/), name: 'beta' });
    expect(created.apiKey).toMatch(/^ph_[A-Za-z0-9_-]{43}$/);
    expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect((await api.fetch('/v1/jobs', { key: created.apiKey })).status).toBe(200);
    expect(authenticateApiKey(api.db, created.apiKey, api.clock.now())?.tenantId).toBe(created.id);
  });

  test.each([
    ['no token', null, 401],
    ['a tenant key', 'tenant', 401],
    ['a wrong token', 'admin-token-for-tests-x', 401],
  ])('refuses %s', async (_name, token, status) => {
    const res = await api.fetch('/v1/tenants', { method: 'POST', key: token === 'tenant' ? key : token, json: { name: 'x' } });
    expect(res.status).toBe(status);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM tenants').get()!.n).toBe(1);
  });

  test('validates the name', async () => {
    const res = await api.fetch('/v1/tenants', { method: 'POST', key: ADMIN_TOKEN, json: { name: '' } });
    expect(res.status).toBe(422);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual(['name']);
  });

  test('is absent (404) when no admin token is configured', async () => {
    const other = await startApi({ config: { adminToken: null } });
    try {
      const res = await other.fetch('/v1/tenants', { method: 'POST', key: ADMIN_TOKEN, json: { name: 'x' } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      await other.stop();
      other.temp?.cleanup();
    }
  });
});

describe('subscriptions', () => {
  const create = (json: unknown) => api.fetch('/v1/subscriptions', { method: 'POST', key, json });

  test('create, get, list, patch, delete', async () => {
    const res = await create({ url: 'https://example.com/hooks', events: ['job.succeeded'], description: 'prod' });
    expect(res.status).toBe(201);
    const sub = await body(res);
    expect(sub).toMatchObject({
      id: expect.stringMatching(/^sub_/),
      url: 'https://example.com/hooks',
      events: ['job.succeeded'],
      description: 'prod',
      enabled: true,
      disabledReason: null,
      createdAt: '2026-11-22T17:00:00.000Z',
    });
    expect(await body(await api.fetch(`/v1/subscriptions/${sub.id}`, { key }))).toEqual(sub);

    api.clock.advance(1); // ids are time-sortable only across milliseconds
    const defaults = await body(await create({ url: 'https://example.com/all' }));
    expect(defaults.events).toEqual(['job.pending', 'job.running', 'job.succeeded', 'job.failed', 'job.canceled']);
    const list = await body(await api.fetch('/v1/subscriptions?limit=1', { key }));
    expect(list.data.map((s: { id: string }) => s.id)).toEqual([defaults.id]);
    const rest = await body(await api.fetch(`/v1/subscriptions?limit=1&cursor=${list.nextCursor}`, { key }));
    expect(rest).toEqual({ data: [sub], nextCursor: null });

    api.clock.advance(1000);
    const patched = await body(
      await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key, json: { events: null, description: null, url: 'https://example.com/v2' } }),
    );
    expect(patched).toMatchObject({
      url: 'https://example.com/v2',
      description: null,
      events: defaults.events,
      updatedAt: '2026-11-22T17:00:01.001Z',
    });

    expect((await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'DELETE', key })).status).toBe(204);
    expect((await api.fetch(`/v1/subscriptions/${sub.id}`, { key })).status).toBe(404);
    expect((await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'DELETE', key })).status).toBe(404);
  });

  test('PATCH enabled:true re-enables and clears the failure state; enabled:false disables', async () => {
    const sub = await body(await create({ url: 'https://example.com/hooks' }));
    api.db
      .prepare("UPDATE subscriptions SET enabled = 0, disabled_reason = 'failing for 5 days', disabled_at = 1, failing_since = 1 WHERE id = ?")
      .run(sub.id);
    const enabled = await body(await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key, json: { enabled: true } }));
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
    const disabled = await body(await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key, json: { enabled: false } }));
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'disabled by the user', disabledAt: '2026-11-22T17:00:00.000Z' });
  });

  test('deleting a subscription cancels its unfinished deliveries, not the callback ones', async () => {
    const sub = await body(await create({ url: 'https://example.com/hooks' }));
    const job = await createJob();
    seedEvent(api, job, 1);
    await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'DELETE', key });
    const byTarget = Object.fromEntries(deliveriesOf(job.id).map((d) => [d.target_key, d.status]));
    expect(byTarget).toEqual({ callback: 'pending', [sub.id]: 'canceled' });
  });

  test.each([
    ['missing url', {}, ['url']],
    ['private url', { url: 'https://x.internal.test/h' }, ['url']],
    ['plain http', { url: 'http://example.com/h' }, ['url']],
    ['unknown event', { url: 'https://example.com/h', events: ['job.nope'] }, ['events[0]']],
    ['enabled not boolean', { url: 'https://example.com/h', enabled: 'yes' }, ['enabled']],
    ['unknown field', { url: 'https://example.com/h', secret: 'x' }, ['secret']],
  ])('create rejects %s', async (_name, json, paths) => {
    const res = await create(json);
    expect(res.status).toBe(422);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual(paths);
    expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM subscriptions').get()!.n).toBe(0);
  });

  test('patch validates the url', async () => {
    const sub = await body(await create({ url: 'https://example.com/hooks' }));
    const res = await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key, json: { url: 'https://169.254.169.254/' } });
    expect(res.status).toBe(422);
    expect((await body(res)).errors[0].path).toBe('url');
    expect((await body(await api.fetch(`/v1/subscriptions/${sub.id}`, { key }))).url).toBe('https://example.com/hooks');
  });
});

describe('connections', () => {
  const create = (json: unknown) => api.fetch('/v1/connections', { method: 'POST', key, json });

  test('create, list, get, delete; credentials are never returned', async () => {
    const res = await create({ provider: 'topaz', name: 'prod', credentials: { apiKey: 'tz_secret_value' } });
    expect(res.status).toBe(201);
    const conn = await body(res);
    expect(conn).toEqual({ id: expect.stringMatching(/^conn_/), provider: 'topaz', name: 'prod', createdAt: '2026-11-22T17:00:00.000Z' });
    const list = await body(await api.fetch('/v1/connections', { key }));
    expect(list).toEqual({ data: [conn], nextCursor: null });
    expect(JSON.stringify(list)).not.toContain('tz_secret_value');
    expect(await body(await api.fetch(`/v1/connections/${conn.id}`, { key }))).toEqual(conn);
    const row = api.db.prepare<{ credentials_enc: string }>('SELECT credentials_enc FROM connections WHERE id = ?').get(conn.id)!;
    expect(api.box.openJson(row.credentials_enc)).toEqual({ apiKey: 'tz_secret_value' });
    expect((await api.fetch(`/v1/connections/${conn.id}`, { method: 'DELETE', key })).status).toBe(204);
    expect((await api.fetch(`/v1/connections/${conn.id}`, { key })).status).toBe(404);
    expect((await body(await api.fetch('/v1/connections', { key }))).data).toEqual([]);
  });

  test('a connection used by a tracked job cannot be deleted (409) until the job is gone', async () => {
    const conn = await body(await create({ provider: 'fotolabs', credentials: { apiKey: 'k' } }));
    const job = await createJob({ credentials: undefined, connectionId: conn.id });
    const refused = await api.fetch(`/v1/connections/${conn.id}`, { method: 'DELETE', key });
    expect(refused.status).toBe(409);
    expect(await body(refused)).toMatchObject({ type: 'https://pollhook.dev/problems/conflict', status: 409 });
    await api.fetch(`/v1/jobs/${job.id}`, { method: 'DELETE', key });
    expect((await api.fetch(`/v1/connections/${conn.id}`, { method: 'DELETE', key })).status).toBe(204);
  });

  test('a job cannot use a connection of another provider or a deleted one', async () => {
    const conn = await body(await create({ provider: 'topaz', credentials: { apiKey: 'k' } }));
    const wrong = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ credentials: undefined, connectionId: conn.id }) });
    expect((await body(wrong)).errors).toEqual([{ path: 'connectionId', message: 'is a topaz connection, not fotolabs' }]);
    await api.fetch(`/v1/connections/${conn.id}`, { method: 'DELETE', key });
    const gone = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ provider: 'topaz', credentials: undefined, connectionId: conn.id }) });
    expect((await body(gone)).errors).toEqual([{ path: 'connectionId', message: 'no such connection' }]);
  });

  test.each([
    ['http provider', { provider: 'http', credentials: { apiKey: 'k' } }, ['provider']],
    ['missing credentials', { provider: 'topaz' }, ['credentials']],
    ['empty api key', { provider: 'topaz', credentials: { apiKey: '' } }, ['credentials.apiKey']],
    ['name too long', { provider: 'topaz', name: 'n'.repeat(201), credentials: { apiKey: 'k' } }, ['name']],
  ])('create rejects %s', async (_name, json, paths) => {
    const res = await create(json);
    expect(res.status).toBe(422);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual(paths);
  });
});

describe('signing secrets', () => {
  test('list shows the current secret without the secret itself; rotate overlaps for 24 h', async () => {
    const before = await body(await api.fetch('/v1/signing-secrets', { key }));
    expect(before.data).toEqual([{ id: expect.stringMatching(/^sec_/), createdAt: '2026-11-22T17:00:00.000Z', expiresAt: null, current: true }]);
    expect(JSON.stringify(before)).not.toContain(tenant.signingSecret);

    api.clock.advance(60_000);
    const res = await api.fetch('/v1/signing-secrets/rotate', { method: 'POST', key });
    expect(res.status).toBe(201);
    const rotated = await body(res);
    const overlapEnd = new Date(api.clock.now() + ROTATION_OVERLAP_MS).toISOString();
    expect(rotated).toMatchObject({ secret: expect.stringMatching(/^whsec_/), current: true, expiresAt: null, previousExpiresAt: overlapEnd });

    const after = await body(await api.fetch('/v1/signing-secrets', { key }));
    expect(after.data).toEqual([
      { id: rotated.id, createdAt: '2026-11-22T17:01:00.000Z', expiresAt: null, current: true },
      { id: before.data[0].id, createdAt: '2026-11-22T17:00:00.000Z', expiresAt: overlapEnd, current: false },
    ]);
    expect(activeSigningSecrets(api.db, api.box, tenant.id, api.clock.now())).toEqual([rotated.secret, tenant.signingSecret]);

    api.clock.advance(ROTATION_OVERLAP_MS);
    expect((await body(await api.fetch('/v1/signing-secrets', { key }))).data.map((s: { id: string }) => s.id)).toEqual([rotated.id]);
  });
});

describe('providers', () => {
  test('lists every provider with its states and defaults', async () => {
    const res = await body(await api.fetch('/v1/providers', { key }));
    expect(res.data.map((p: { name: string }) => p.name).sort()).toEqual(['aigenstudio', 'fotolabs', 'http', 'magichour', 'pictory', 'topaz']);
    const fotolabs = res.data.find((p: { name: string }) => p.name === 'fotolabs');
    expect(fotolabs).toMatchObject({
      defaultBaseUrl: expect.stringMatching(/^https:\/\//),
      states: { succeeded: ['completed'] },
      defaults: { pollIntervalSeconds: expect.any(Number), maxPollIntervalSeconds: expect.any(Number) },
    });
  });
});

describe('events and deliveries', () => {
  test('a job\'s events, oldest first, paginated, each with its deliveries', async () => {
    const sub = await body(await api.fetch('/v1/subscriptions', { method: 'POST', key, json: { url: 'https://example.com/sub' } }));
    const job = await createJob();
    const e1 = seedEvent(api, job, 1, 'job.pending');
    api.clock.advance(1000);
    const e2 = seedEvent(api, job, 2, 'job.running');
    api.clock.advance(1000);
    const e3 = seedEvent(api, job, 3, 'job.succeeded');

    const page1 = await body(await api.fetch(`/v1/jobs/${job.id}/events?limit=2`, { key }));
    expect(page1.data.map((e: { id: string }) => e.id)).toEqual([e1, e2]);
    const first = page1.data[0];
    expect(first).toMatchObject({ sequence: 1, type: 'job.pending', createdAt: '2026-11-22T17:00:00.000Z', payload: { type: 'job.pending' } });
    expect(first.deliveries).toHaveLength(2);
    expect(first.deliveries.map((d: { target: string }) => d.target).sort()).toEqual(['callback', sub.id].sort());
    expect(first.deliveries[0]).toMatchObject({ id: expect.stringMatching(/^msg_/), status: 'pending', attemptCount: 0, url: expect.any(String) });
    const page2 = await body(await api.fetch(`/v1/jobs/${job.id}/events?limit=2&cursor=${page1.nextCursor}`, { key }));
    expect(page2.data.map((e: { id: string }) => e.id)).toEqual([e3]);
    expect(page2.nextCursor).toBeNull();
    // A cursor from another list is refused.
    const bad = await api.fetch(`/v1/jobs/${job.id}/events?cursor=${btoa('evt_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A').replace(/=+$/, '')}`, { key });
    expect(bad.status).toBe(422);
  });

  test('list with filters, get with attempts, retry and recover', async () => {
    const sub = await body(await api.fetch('/v1/subscriptions', { method: 'POST', key, json: { url: 'https://example.com/sub' } }));
    const job = await createJob();
    const other = await createJob({ externalId: 'other' });
    seedEvent(api, job, 1, 'job.running');
    api.clock.advance(1000);
    seedEvent(api, other, 1, 'job.running');
    const [callbackDelivery, subDelivery] = [
      deliveriesOf(job.id).find((d) => d.target_key === 'callback')!,
      deliveriesOf(job.id).find((d) => d.target_key === sub.id)!,
    ];

    const all = await body(await api.fetch('/v1/deliveries', { key }));
    expect(all.data).toHaveLength(4);
    const forJob = await body(await api.fetch(`/v1/deliveries?jobId=${job.id}`, { key }));
    expect(forJob.data.map((d: { id: string }) => d.id).sort()).toEqual([callbackDelivery.id, subDelivery.id].sort());
    const forSub = await body(await api.fetch(`/v1/deliveries?subscriptionId=${sub.id}`, { key }));
    expect(forSub.data).toHaveLength(2);
    expect(forSub.data.every((d: { subscriptionId: string }) => d.subscriptionId === sub.id)).toBe(true);

    // Retrying a pending delivery is a conflict.
    const early = await api.fetch(`/v1/deliveries/${callbackDelivery.id}/retry`, { method: 'POST', key });
    expect(early.status).toBe(409);

    api.clock.advance(1000);
    killDelivery(api, callbackDelivery.id);
    const dead = await body(await api.fetch('/v1/deliveries?status=dead', { key }));
    expect(dead.data.map((d: { id: string }) => d.id)).toEqual([callbackDelivery.id]);

    const detail = await body(await api.fetch(`/v1/deliveries/${callbackDelivery.id}`, { key }));
    expect(detail).toMatchObject({
      id: callbackDelivery.id,
      jobId: job.id,
      sequence: 1,
      subscriptionId: null,
      url: 'https://example.com/hooks/pollhook',
      status: 'dead',
      attemptCount: 1,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      deadAt: '2026-11-22T17:00:02.000Z',
      eventType: 'job.running',
      attempts: [{ attemptedAt: '2026-11-22T17:00:02.000Z', durationMs: 12, statusCode: 500, error: 'HTTP 500', responseBody: 'oops' }],
    });

    const retry = await api.fetch(`/v1/deliveries/${callbackDelivery.id}/retry`, { method: 'POST', key });
    expect(retry.status).toBe(202);
    expect(await body(retry)).toEqual({ id: callbackDelivery.id, status: 'pending' });
    expect(api.hooks.deliveriesQueued).toBe(1);
    expect(deliveriesOf(job.id).find((d) => d.id === callbackDelivery.id)!.status).toBe('pending');

    killDelivery(api, callbackDelivery.id);
    killDelivery(api, subDelivery.id);
    const recovered = await api.fetch('/v1/deliveries/recover', {
      method: 'POST',
      key,
      json: { since: '2026-11-22T16:00:00Z', subscriptionId: sub.id },
    });
    expect(recovered.status).toBe(202);
    expect(await body(recovered)).toEqual({ queued: 1 });
    expect((await body(await api.fetch('/v1/deliveries/recover', { method: 'POST', key, json: { since: '2026-11-22T16:00:00Z' } })))).toEqual({
      queued: 1,
    });
    expect(api.hooks.deliveriesQueued).toBe(3);
    expect((await body(await api.fetch('/v1/deliveries/recover', { method: 'POST', key, json: { since: '2026-11-22T18:00:00.000Z' } })))).toEqual({
      queued: 0,
    });
  });

  test.each([
    ['/v1/deliveries?status=lost', 'status'],
    ['/v1/deliveries?jobId=nope', 'jobId'],
    ['/v1/deliveries?subscriptionId=nope', 'subscriptionId'],
    ['/v1/deliveries?limit=500', 'limit'],
    ['/v1/deliveries?cursor=abc', 'cursor'],
  ])('GET %s is a 422 at %s', async (path, field) => {
    const res = await api.fetch(path, { key });
    expect(res.status).toBe(422);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual([field]);
  });

  test.each([
    [{}, ['since']],
    [{ since: 'yesterday' }, ['since']],
    [{ since: '2026-11-22T16:00:00Z', subscriptionId: 'sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }, ['subscriptionId']],
  ])('recover rejects %j', async (json, paths) => {
    const res = await api.fetch('/v1/deliveries/recover', { method: 'POST', key, json });
    expect(res.status).toBe(422);
    expect((await body(res)).errors.map((e: { path: string }) => e.path)).toEqual(paths);
  });

  test('unknown and malformed delivery ids are 404', async () => {
    for (const path of ['/v1/deliveries/msg_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A', '/v1/deliveries/garbage']) {
      expect((await api.fetch(path, { key })).status).toBe(404);
      expect((await api.fetch(`${path}/retry`, { method: 'POST', key })).status).toBe(404);
    }
  });
});
