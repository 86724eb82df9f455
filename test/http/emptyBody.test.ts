import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, seedTenant } from './harness.ts';

// `curl -X POST -H 'content-type: application/json' URL` sends an empty body labelled JSON.
describe('an empty body with a JSON content type', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let key: string;
  beforeAll(async () => {
    api = await startApi();
    key = seedTenant(api).apiKey;
  });
  afterAll(() => api.stop());
  const post = (path: string) =>
    fetch(api.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });

  it('is no body where the body is optional (rotate)', async () => {
    const res = await post('/v1/signing-secrets/rotate');
    expect(res.status).toBe(201);
    expect((await res.json()).secret).toMatch(/^whsec_/);
  });

  it('is no body for an API key rotation either', async () => {
    const keys = await (await fetch(api.url + '/v1/api-keys', { headers: { authorization: `Bearer ${key}` } })).json();
    const res = await post(`/v1/api-keys/${keys.data[0].id}/rotate`);
    expect(res.status).toBe(201);
    key = (await res.json()).key;
  });

  it('is still invalid JSON where a body is needed', async () => {
    const res = await post('/v1/jobs');
    expect(res.status).toBe(400);
    expect((await res.json()).type).toBe('https://pollhook.dev/problems/invalid-json');
  });
});
