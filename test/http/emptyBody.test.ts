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

  it('is a 422 naming the missing fields where a body is needed', async () => {
    const res = await post('/v1/jobs');
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = (await res.json()).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['provider', 'externalId']));
  });
});
