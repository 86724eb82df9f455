/**
 * Secrets at rest, in the API and in the logs. After a full run of the service (two tenants,
 * connections, inline upstream keys, http headers, a signing-secret rotation, polls against the
 * simulator, deliveries to verifying receivers), no secret appears in plain text in the
 * database file or its WAL, in any API response after the one that created it, or in any log
 * line at debug level.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { databaseBytes } from './support.ts';
import { runFullFlow, type Flow } from './fullFlow.ts';

let flow: Flow;

beforeAll(async () => {
  flow = await runFullFlow();
  // Read everything a client can read, as both tenants, so the scan covers every GET.
  for (const t of [flow.a, flow.b]) {
    const get = (path: string) => flow.api(path, { key: t.apiKey });
    for (const path of ['/v1/jobs', '/v1/deliveries', '/v1/subscriptions', '/v1/connections', '/v1/signing-secrets', '/v1/providers']) await get(path);
    for (const id of t.jobIds) {
      await get(`/v1/jobs/${id}`);
      await get(`/v1/jobs/${id}/events`);
    }
    const deliveries = await get('/v1/deliveries?limit=200');
    for (const d of deliveries.body.data) await get(`/v1/deliveries/${d.id}`);
    await get(`/v1/subscriptions/${t.subscriptionId}`);
    await get(`/v1/connections/${t.connectionId}`);
  }
  for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) await flow.api(path);
}, 30_000);
afterAll(async () => {
  await flow?.close();
});

/** The plain-text forms a secret could leak in: as is, and base64-encoded (headers, blobs). */
const spellings = (value: string) => [value, Buffer.from(value).toString('base64')];

test('the run really exercised every kind of secret', () => {
  for (const [name, value] of Object.entries(flow.secrets)) expect(value, name).not.toBe('');
  // Webhooks arrived, verified with each tenant's own secrets (A signs with old and new).
  expect(flow.a.receiver.accepted().length).toBeGreaterThanOrEqual(6);
  expect(flow.b.receiver.accepted().length).toBeGreaterThanOrEqual(4);
  for (const hook of flow.a.receiver.received) expect(hook.signature.split(' ')).toHaveLength(2);
  expect(flow.responses.length).toBeGreaterThan(40);
  expect(flow.logLines.length).toBeGreaterThan(20);
});

test('no secret is in the database file or its WAL', () => {
  const bytes = databaseBytes(flow.dbPath);
  // Control: the scan sees plain text that is meant to be stored (tenant names, upstream ids).
  expect(bytes.includes(Buffer.from('tenant-a'))).toBe(true);
  expect(bytes.includes(Buffer.from('a-inline-job'))).toBe(true);
  for (const [name, value] of Object.entries(flow.secrets)) {
    for (const s of spellings(value)) expect(bytes.includes(Buffer.from(s)), `${name} found in the database`).toBe(false);
  }
});

test('no secret is in any API response after its creation', () => {
  for (const [name, value] of Object.entries(flow.secrets)) {
    for (const r of flow.responses) {
      for (const s of spellings(value)) {
        expect(r.body.includes(s), `${name} leaked in ${r.method} ${r.path} (${r.status})`).toBe(false);
      }
    }
  }
});

test('no secret is in any log line, at debug level', () => {
  const log = flow.logLines.join('');
  expect(log).toContain('"level":20'); // debug lines were written
  expect(log).toContain(flow.a.jobIds[0]); // and they are about this run's jobs
  for (const [name, value] of Object.entries(flow.secrets)) {
    for (const s of spellings(value)) expect(log.includes(s), `${name} found in the log`).toBe(false);
  }
});

test('upstreams got the credentials they needed, so the secrets were really used', async () => {
  const job = async (t: Flow['a'], i: number) => (await flow.api(`/v1/jobs/${t.jobIds[i]}`, { key: t.apiKey })).body;
  expect(await job(flow.a, 0)).toMatchObject({ provider: 'fotolabs', state: 'succeeded' });
  expect(await job(flow.a, 1)).toMatchObject({ provider: 'topaz', state: 'succeeded' });
  expect(await job(flow.a, 2)).toMatchObject({ provider: 'http', state: 'succeeded', http: { headerNames: ['x-upstream-token'] } });
  expect(await job(flow.b, 0)).toMatchObject({ provider: 'fotolabs', state: 'failed' });
  expect(await job(flow.b, 1)).toMatchObject({ provider: 'pictory', state: 'succeeded' });
});
