import { readFileSync, existsSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { body, fotolabsJob, httpJob, seedTenant, startApi } from './harness.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';

let temp: TempDb | null = null;
afterEach(() => temp?.cleanup());

test('tenants, jobs and connections survive a restart; decrypted credentials are intact', async () => {
  const clock = new ManualClock();
  temp = tempDb(clock.now());
  const box = testSecretBox();
  const first = await startApi({ db: temp.db, box, clock });
  const tenant = seedTenant(first);
  const key = tenant.apiKey;
  const conn = await body(
    await first.fetch('/v1/connections', { method: 'POST', key, json: { provider: 'topaz', credentials: { apiKey: 'tz_persist_me' } } }),
  );
  const job = await body(await first.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob() }));
  const viaConn = await body(
    await first.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ provider: 'topaz', credentials: undefined, connectionId: conn.id }) }),
  );
  await first.stop();
  temp.db.close();

  const db = openSqlite(temp.path);
  const second = await startApi({ db, box, clock });
  try {
    expect(await body(await second.fetch(`/v1/jobs/${job.id}`, { key }))).toEqual(job);
    expect(await body(await second.fetch(`/v1/jobs/${viaConn.id}`, { key }))).toEqual(viaConn);
    expect((await body(await second.fetch('/v1/connections', { key }))).data).toEqual([conn]);
    const jobRow = db.prepare<{ credentials_enc: string }>('SELECT credentials_enc FROM jobs WHERE id = ?').get(job.id)!;
    expect(box.openJson(jobRow.credentials_enc)).toEqual({ apiKey: 'fl_live_secret_key_123' });
    const connRow = db.prepare<{ credentials_enc: string }>('SELECT credentials_enc FROM connections WHERE id = ?').get(conn.id)!;
    expect(box.openJson(connRow.credentials_enc)).toEqual({ apiKey: 'tz_persist_me' });
    // Idempotency holds across the restart too.
    expect((await second.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob() })).status).toBe(200);
  } finally {
    await second.stop();
    db.close();
  }
});

test('no secret is stored in plain text (database and WAL bytes)', async () => {
  const api = await startApi();
  temp = api.temp;
  const tenant = seedTenant(api);
  const key = tenant.apiKey;
  const secrets = {
    inlineKey: 'inline_upstream_key_7f3a9c',
    connectionKey: 'connection_upstream_key_b41e2d',
    headerValue: 'Bearer header_secret_value_93kd',
    apiKey: tenant.apiKey,
    signingSecret: tenant.signingSecret,
  };
  await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ credentials: { apiKey: secrets.inlineKey } }) });
  await api.fetch('/v1/connections', { method: 'POST', key, json: { provider: 'pictory', credentials: { apiKey: secrets.connectionKey } } });
  await api.fetch('/v1/jobs', {
    method: 'POST',
    key,
    json: httpJob({ http: { ...httpJob().http, headers: { authorization: secrets.headerValue } } }),
  });
  const rotated = await body(await api.fetch('/v1/signing-secrets/rotate', { method: 'POST', key }));
  await api.stop();

  const files = [api.temp!.path, `${api.temp!.path}-wal`].filter(existsSync);
  expect(files.length).toBeGreaterThan(0);
  const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
  for (const [name, value] of Object.entries({ ...secrets, rotatedSecret: rotated.secret as string })) {
    // The secret itself and its base64 core (a whsec_ secret's key material).
    for (const needle of [value, value.replace(/^whsec_/, '')]) {
      expect(bytes.includes(Buffer.from(needle, 'utf8')), `${name} found in the database files`).toBe(false);
    }
  }
  // The column holding the API key is its hash.
  expect(bytes.includes(Buffer.from(tenant.apiKey.slice(3)))).toBe(false);
});
