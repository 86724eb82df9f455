import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, body, fotolabsJob, killDelivery, seedEvent, seedTenant, startApi } from './harness.ts';
import type { Database } from '../../src/store/port.ts';
import { LAST_USED_GRANULARITY_MS } from '../../src/store/queries/apiKeys.ts';

let api: Awaited<ReturnType<typeof startApi>>;

beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const admin = (path: string, init: RequestInit & { json?: unknown } = {}) => api.fetch(path, { ...init, key: ADMIN_TOKEN });

/** Every table of the schema (but the service-wide ones: migrations, settings, the feed counter) with the SQL that counts the rows a tenant owns in it. */
function ownedRowCounts(db: Database, tenantId: string): Record<string, number> {
  const tables = db
    .prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'settings', 'event_feed_counter')")
    .all()
    .map((t) => t.name);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const columns = db.prepare<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name);
    let sql: string;
    if (table === 'tenants') sql = 'SELECT COUNT(*) AS n FROM tenants WHERE id = ?';
    else if (table === 'delivery_attempts') sql = 'SELECT COUNT(*) AS n FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE tenant_id = ?)';
    else if (table === 'job_leases') sql = 'SELECT COUNT(*) AS n FROM job_leases WHERE job_rowid IN (SELECT rowid FROM jobs WHERE tenant_id = ?)';
    else if (columns.includes('tenant_id')) sql = `SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`;
    else throw new Error(`table ${table} has no tenant_id: say here how its rows belong to a tenant (and delete them with the tenant)`);
    counts[table] = db.prepare<{ n: number }>(sql).get(tenantId)!.n;
  }
  return counts;
}

const totalRows = (db: Database, table: string) => db.prepare<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;

/** A tenant with a row in every table: jobs, leases, events, deliveries, attempts, polls, subscription, connection, keys, secrets, stats. */
async function populatedTenant(name: string) {
  const tenant = seedTenant(api, name);
  const key = tenant.apiKey;
  const call = async (path: string, json?: unknown, method = json === undefined ? 'GET' : 'POST') =>
    body(await api.fetch(path, { method, key, json }));
  await call('/v1/subscriptions', { url: `https://example.com/${name}/sub` });
  const conn = await call('/v1/connections', { provider: 'topaz', credentials: { apiKey: 'tz_key' } });
  await call('/v1/api-keys', { name: 'second' });
  await call('/v1/signing-secrets/rotate', {});
  for (const externalId of ['a', 'b']) {
    const job = await call('/v1/jobs', fotolabsJob({ externalId, callbackUrl: `https://example.com/${name}/cb` }));
    const eventId = seedEvent(api, { id: job.id, tenantId: tenant.id, callbackUrl: job.callbackUrl }, 1);
    const delivery = api.db.prepare<{ id: string }>('SELECT id FROM deliveries WHERE event_id = ? LIMIT 1').get(eventId)!;
    killDelivery(api, delivery.id);
    api.db
      .prepare('INSERT INTO job_polls (job_id, tenant_id, polled_at, outcome, upstream_status, http_status, latency_ms, next_poll_at, reason, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(job.id, tenant.id, 1, 'changed', 'queued', 200, 12, 5001, 'floor', null);
    // A poll in flight: its lease goes with the job (the totals below catch a lease left behind).
    api.db.prepare("INSERT INTO job_leases (job_rowid, token, expires_at) SELECT rowid, 'in-flight', ? FROM jobs WHERE id = ?").run(api.clock.now() + 60_000, job.id);
  }
  await call('/v1/jobs', { provider: 'topaz', externalId: 'z', connectionId: conn.id, callbackUrl: `https://example.com/${name}/cb` });
  api.db.prepare('INSERT INTO duration_stats (tenant_id, provider, bucket, count) VALUES (?, ?, ?, ?)').run(tenant.id, 'fotolabs', 3, 7);
  return tenant;
}

describe('tenants (admin)', () => {
  test('list, newest first, paginated', async () => {
    const a = seedTenant(api, 'a');
    api.clock.advance(1);
    const b = seedTenant(api, 'b');
    const first = await body(await admin('/v1/tenants?limit=1'));
    expect(first.data).toEqual([{ id: b.id, name: 'b', createdAt: expect.any(String) }]);
    const second = await body(await admin(`/v1/tenants?limit=1&cursor=${first.nextCursor}`));
    expect(second).toEqual({ data: [{ id: a.id, name: 'a', createdAt: expect.any(String) }], nextCursor: null });
    expect((await api.fetch('/v1/tenants', { key: a.apiKey })).status).toBe(401);
  });

  test('delete removes every row the tenant owns, in every table, and nothing of another tenant', async () => {
    const doomed = await populatedTenant('doomed');
    const kept = await populatedTenant('kept');
    const doomedBefore = ownedRowCounts(api.db, doomed.id);
    for (const [table, n] of Object.entries(doomedBefore)) expect(n, table).toBeGreaterThan(0);
    const keptBefore = ownedRowCounts(api.db, kept.id);
    const keptRows = (table: string) =>
      api.db.prepare(`SELECT * FROM ${table} WHERE ${table === 'tenants' ? 'id' : 'tenant_id'} = ? ORDER BY 1`).all(kept.id);
    const keptJobs = keptRows('jobs');
    const totals = Object.fromEntries(Object.keys(doomedBefore).map((t) => [t, totalRows(api.db, t)]));

    const res = await admin(`/v1/tenants/${doomed.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);

    for (const [table, n] of Object.entries(ownedRowCounts(api.db, doomed.id))) expect(n, table).toBe(0);
    expect(ownedRowCounts(api.db, kept.id)).toEqual(keptBefore);
    for (const [table, before] of Object.entries(totals)) expect(totalRows(api.db, table), table).toBe(before - doomedBefore[table]!);
    expect(keptRows('jobs')).toEqual(keptJobs);

    expect((await api.fetch('/v1/jobs', { key: doomed.apiKey })).status).toBe(401);
    expect((await api.fetch('/v1/jobs', { key: kept.apiKey })).status).toBe(200);
    expect((await admin(`/v1/tenants/${doomed.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await admin('/v1/tenants/tnt_nope', { method: 'DELETE' })).status).toBe(404);
  });

  test("the operator issues, lists and revokes a tenant's keys, even the last one", async () => {
    const t = seedTenant(api);
    const res = await admin(`/v1/tenants/${t.id}/api-keys`, { method: 'POST', json: { name: 'recovery' } });
    expect(res.status).toBe(201);
    const issued = await body(res);
    expect(issued.key).toMatch(/^ph_/);
    expect((await api.fetch('/v1/jobs', { key: issued.key })).status).toBe(200);
    const listed = (await body(await admin(`/v1/tenants/${t.id}/api-keys`))).data;
    expect(listed.map((k: { name: string }) => k.name).sort()).toEqual(['default', 'recovery']);
    expect(JSON.stringify(listed)).not.toContain(issued.key);
    for (const k of listed) expect((await admin(`/v1/tenants/${t.id}/api-keys/${k.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api.fetch('/v1/jobs', { key: issued.key })).status).toBe(401);
    expect((await api.fetch('/v1/jobs', { key: t.apiKey })).status).toBe(401);
    expect((await body(await admin(`/v1/tenants/${t.id}/api-keys`))).data).toEqual([]);

    const other = seedTenant(api, 'other');
    const theirs = (await body(await admin(`/v1/tenants/${other.id}/api-keys`))).data[0];
    expect((await admin(`/v1/tenants/${t.id}/api-keys/${theirs.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await admin('/v1/tenants/tnt_01JD4V7W8X9Y0Z1A2B3C4D5E6F/api-keys')).status).toBe(404);
    expect((await api.fetch(`/v1/tenants/${other.id}/api-keys`, { key: other.apiKey })).status).toBe(401);
  });

  test('delete needs the admin token', async () => {
    const t = seedTenant(api);
    expect((await api.fetch(`/v1/tenants/${t.id}`, { method: 'DELETE', key: t.apiKey })).status).toBe(401);
    expect((await api.fetch(`/v1/tenants/${t.id}`, { method: 'DELETE', key: null })).status).toBe(401);
    expect(totalRows(api.db, 'tenants')).toBe(1);
  });
});

describe('API keys', () => {
  test('create (shown once), list without the key, authenticate with it', async () => {
    const t = seedTenant(api);
    api.clock.advance(1);
    const res = await api.fetch('/v1/api-keys', { method: 'POST', key: t.apiKey, json: { name: 'ci' } });
    expect(res.status).toBe(201);
    const created = await body(res);
    expect(created).toMatchObject({ id: expect.stringMatching(/^key_/), name: 'ci', current: false, lastUsedAt: null, expiresAt: null });
    expect(created.key).toMatch(/^ph_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect((await api.fetch('/v1/jobs', { key: created.key })).status).toBe(200);

    const listed = await api.fetch('/v1/api-keys', { key: created.key });
    const text = await listed.text();
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(t.apiKey);
    const keys = JSON.parse(text).data;
    expect(keys.map((k: { name: string; current: boolean }) => [k.name, k.current])).toEqual([
      ['ci', true],
      ['default', false],
    ]);
    expect(Object.keys(keys[0]).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix']);
    // The database holds a hash only.
    const stored = JSON.stringify(api.db.prepare('SELECT * FROM api_keys').all());
    expect(stored).not.toContain(created.key);
    // Nothing in the log either.
    expect(JSON.stringify(api.logs)).not.toContain(created.key);
  });

  test('a revoked key gets 401 on its very next request; the last active key cannot be revoked', async () => {
    const t = seedTenant(api);
    const other = await body(await api.fetch('/v1/api-keys', { method: 'POST', key: t.apiKey, json: { name: 'temp' } }));
    expect((await api.fetch('/v1/jobs', { key: other.key })).status).toBe(200);
    const revoke = await api.fetch(`/v1/api-keys/${other.id}`, { method: 'DELETE', key: t.apiKey });
    expect(revoke.status).toBe(204);
    const after = await api.fetch('/v1/jobs', { key: other.key });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toBe('application/problem+json');
    expect((await api.fetch(`/v1/api-keys/${other.id}`, { method: 'DELETE', key: t.apiKey })).status).toBe(404);

    const defaultKey = (await body(await api.fetch('/v1/api-keys', { key: t.apiKey }))).data[0];
    const last = await api.fetch(`/v1/api-keys/${defaultKey.id}`, { method: 'DELETE', key: t.apiKey });
    expect(last.status).toBe(409);
    expect((await body(last)).detail).toMatch(/last active API key/);
    expect((await api.fetch('/v1/jobs', { key: t.apiKey })).status).toBe(200);
  });

  test("another tenant's key id is a 404", async () => {
    const a = seedTenant(api, 'a');
    const b = seedTenant(api, 'b');
    const bKey = await body(await api.fetch('/v1/api-keys', { method: 'POST', key: b.apiKey, json: { name: 'x' } }));
    expect((await api.fetch(`/v1/api-keys/${bKey.id}`, { method: 'DELETE', key: a.apiKey })).status).toBe(404);
    expect((await api.fetch(`/v1/api-keys/${bKey.id}/rotate`, { method: 'POST', key: a.apiKey })).status).toBe(404);
    expect((await api.fetch('/v1/jobs', { key: bKey.key })).status).toBe(200);
  });

  test('rotate: a new key of the same name; the old one is revoked at once, or after a grace period', async () => {
    const t = seedTenant(api);
    const ci = await body(await api.fetch('/v1/api-keys', { method: 'POST', key: t.apiKey, json: { name: 'ci' } }));
    const now = api.clock.now();
    const res = await api.fetch(`/v1/api-keys/${ci.id}/rotate`, { method: 'POST', key: t.apiKey });
    expect(res.status).toBe(201);
    const rotated = await body(res);
    expect(rotated).toMatchObject({ name: 'ci', previousExpiresAt: new Date(now).toISOString() });
    expect(rotated.id).not.toBe(ci.id);
    expect((await api.fetch('/v1/jobs', { key: ci.key })).status).toBe(401);
    expect((await api.fetch('/v1/jobs', { key: rotated.key })).status).toBe(200);

    const graceful = await body(
      await api.fetch(`/v1/api-keys/${rotated.id}/rotate`, { method: 'POST', key: t.apiKey, json: { gracePeriodSeconds: 3600 } }),
    );
    expect(graceful.previousExpiresAt).toBe(new Date(now + 3_600_000).toISOString());
    expect((await api.fetch('/v1/jobs', { key: rotated.key })).status).toBe(200);
    const listed = (await body(await api.fetch('/v1/api-keys', { key: t.apiKey }))).data;
    expect(listed.find((k: { id: string }) => k.id === rotated.id).expiresAt).toBe(graceful.previousExpiresAt);
    api.clock.advance(3_600_000);
    expect((await api.fetch('/v1/jobs', { key: rotated.key })).status).toBe(401);
    expect((await api.fetch('/v1/jobs', { key: graceful.key })).status).toBe(200);
  });

  test('rotate refuses unknown fields and out-of-range grace periods', async () => {
    const t = seedTenant(api);
    const id = (await body(await api.fetch('/v1/api-keys', { key: t.apiKey }))).data[0].id;
    for (const json of [{ bogus: 1 }, { gracePeriodSeconds: -1 }, { gracePeriodSeconds: 8 * 86_400 }]) {
      const res = await api.fetch(`/v1/api-keys/${id}/rotate`, { method: 'POST', key: t.apiKey, json });
      expect(res.status, JSON.stringify(json)).toBe(422);
    }
    expect((await api.fetch('/v1/jobs', { key: t.apiKey })).status).toBe(200);
  });

  test('last use is recorded at most once a minute per key', async () => {
    const t = seedTenant(api);
    const lastUsed = () => api.db.prepare<{ last_used_at: number | null }>('SELECT last_used_at FROM api_keys').get()!.last_used_at;
    const start = api.clock.now();
    await api.fetch('/v1/jobs', { key: t.apiKey });
    expect(lastUsed()).toBe(start);
    api.clock.advance(LAST_USED_GRANULARITY_MS - 1);
    await api.fetch('/v1/jobs', { key: t.apiKey });
    expect(lastUsed()).toBe(start);
    api.clock.advance(1);
    await api.fetch('/v1/jobs', { key: t.apiKey });
    expect(lastUsed()).toBe(start + LAST_USED_GRANULARITY_MS);
    const listed = (await body(await api.fetch('/v1/api-keys', { key: t.apiKey }))).data[0];
    expect(listed.lastUsedAt).toBe(new Date(start + LAST_USED_GRANULARITY_MS).toISOString());
    // A rejected request is not a use: it changes no row.
    api.clock.advance(LAST_USED_GRANULARITY_MS);
    expect((await api.fetch('/v1/jobs', { method: 'POST', key: t.apiKey, json: {} })).status).toBe(422);
    expect(lastUsed()).toBe(start + LAST_USED_GRANULARITY_MS);
  });
});

describe('signing secrets', () => {
  test('the previous secret can be expired early; the current one cannot', async () => {
    const t = seedTenant(api);
    const key = t.apiKey;
    const before = (await body(await api.fetch('/v1/signing-secrets', { key }))).data;
    expect(before).toHaveLength(1);
    const rotated = await body(await api.fetch('/v1/signing-secrets/rotate', { method: 'POST', key }));
    expect((await body(await api.fetch('/v1/signing-secrets', { key }))).data).toHaveLength(2);

    const current = await api.fetch(`/v1/signing-secrets/${rotated.id}`, { method: 'DELETE', key });
    expect(current.status).toBe(409);
    expect((await api.fetch(`/v1/signing-secrets/${before[0].id}`, { method: 'DELETE', key })).status).toBe(204);
    const after = (await body(await api.fetch('/v1/signing-secrets', { key }))).data;
    expect(after.map((s: { id: string }) => s.id)).toEqual([rotated.id]);
    expect((await api.fetch(`/v1/signing-secrets/${before[0].id}`, { method: 'DELETE', key })).status).toBe(404);
    const other = seedTenant(api, 'globex');
    expect((await api.fetch(`/v1/signing-secrets/${rotated.id}`, { method: 'DELETE', key: other.apiKey })).status).toBe(404);
  });

  test('rotate refuses a body with unknown fields, like every other body', async () => {
    const t = seedTenant(api);
    const res = await api.fetch('/v1/signing-secrets/rotate', { method: 'POST', key: t.apiKey, json: { expiresInSeconds: 60 } });
    expect(res.status).toBe(422);
    expect((await body(res)).errors).toEqual([{ path: 'expiresInSeconds', message: 'unknown field' }]);
    expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM signing_secrets').get()!.n).toBe(1);
    expect((await api.fetch('/v1/signing-secrets/rotate', { method: 'POST', key: t.apiKey, json: {} })).status).toBe(201);
    expect((await api.fetch('/v1/signing-secrets/rotate', { method: 'POST', key: t.apiKey })).status).toBe(201);
  });
});

describe('connections', () => {
  test('PATCH replaces the credentials, encrypted at rest, never returned', async () => {
    const t = seedTenant(api);
    const key = t.apiKey;
    const conn = await body(await api.fetch('/v1/connections', { method: 'POST', key, json: { provider: 'topaz', credentials: { apiKey: 'tz_old' } } }));
    const res = await api.fetch(`/v1/connections/${conn.id}`, { method: 'PATCH', key, json: { credentials: { apiKey: 'tz_new_secret' } } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('tz_new_secret');
    expect(JSON.parse(text)).toEqual(conn);
    const row = api.db.prepare<{ credentials_enc: string }>('SELECT credentials_enc FROM connections WHERE id = ?').get(conn.id)!;
    expect(row.credentials_enc).not.toContain('tz_new_secret');
    expect(api.box.openJson(row.credentials_enc)).toEqual({ apiKey: 'tz_new_secret' });

    const renamed = await api.fetch(`/v1/connections/${conn.id}`, { method: 'PATCH', key, json: { name: 'prod' } });
    expect((await body(renamed)).name).toBe('prod');
    expect((await api.fetch(`/v1/connections/${conn.id}`, { method: 'PATCH', key, json: {} })).status).toBe(422);
    expect((await api.fetch(`/v1/connections/${conn.id}`, { method: 'PATCH', key, json: { provider: 'pictory' } })).status).toBe(422);
    const other = seedTenant(api, 'globex');
    const foreign = await api.fetch(`/v1/connections/${conn.id}`, { method: 'PATCH', key: other.apiKey, json: { name: 'mine' } });
    expect(foreign.status).toBe(404);
  });
});
