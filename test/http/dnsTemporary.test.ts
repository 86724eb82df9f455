/**
 * A DNS server that fails (EAI_AGAIN, SERVFAIL, a timeout) at registration is not the client's
 * mistake: the answer is a 503 the client retries, nothing is stored. A host that does not exist
 * is still a 422 naming the field.
 */
import { afterEach, expect, test } from 'vitest';
import { body, fotolabsJob, seedTenant, startApi } from './harness.ts';
import type { Resolver } from '../../src/security/ssrf.ts';

let api: Awaited<ReturnType<typeof startApi>>;
afterEach(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const failing = (code: string): Resolver => async (host) => {
  if (host === 'hooks.example.com') throw Object.assign(new Error(`${code} ${host}`), { code });
  return ['93.184.215.14'];
};

test.each(['EAI_AGAIN', 'ESERVFAIL', 'ETIMEOUT'])('a resolver failing with %s: 503 with Retry-After, no job stored', async (code) => {
  api = await startApi({ deps: { resolver: failing(code) } });
  const key = seedTenant(api).apiKey;
  const res = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: 'https://hooks.example.com/h' }) });
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  const problem = await body(res);
  expect(problem.errors).toEqual([{ path: 'callbackUrl', message: `host hooks.example.com could not be resolved just now (${code})` }]);
  expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n).toBe(0);

  const sub = await api.fetch('/v1/subscriptions', { method: 'POST', key, json: { url: 'https://hooks.example.com/s' } });
  expect(sub.status).toBe(503);
  expect(api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM subscriptions').get()!.n).toBe(0);
});

test('a host that does not exist is still the client\'s mistake: 422 naming the field', async () => {
  api = await startApi({ deps: { resolver: failing('ENOTFOUND') } });
  const key = seedTenant(api).apiKey;
  const res = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: 'https://hooks.example.com/h' }) });
  expect(res.status).toBe(422);
  expect((await body(res)).errors).toEqual([{ path: 'callbackUrl', message: 'host hooks.example.com does not resolve' }]);
});
