/**
 * A 422 lists every invalid field it can find in one pass (schema rules with the URL checks
 * that need no network), reports a header against the header, refuses what it would otherwise
 * silently ignore (`?shards=abc`), and callback/subscription URLs are stored in their WHATWG form.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, body, fotolabsJob, seedTenant, startApi } from './harness.ts';

let api: Awaited<ReturnType<typeof startApi>>;
let key: string;

async function start(config: Parameters<typeof startApi>[0] = {}) {
  api = await startApi(config);
  key = seedTenant(api).apiKey;
}
afterEach(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const paths = async (res: Response) => {
  expect(res.status).toBe(422);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return ((await body(res)).errors as Array<{ path: string }>).map((e) => e.path);
};

describe('one 422 lists every invalid field', () => {
  test('POST /v1/jobs: schema errors and the callback URL check together; DNS only once the body is valid', async () => {
    await start();
    const res = await api.fetch('/v1/jobs', {
      method: 'POST',
      key,
      json: { provider: 'fotolabs', externalId: '', credentials: { apiKey: '' }, callbackUrl: 'ftp://x' },
    });
    const problem = await body(res.clone());
    expect(await paths(res)).toEqual(['externalId', 'credentials.apiKey', 'callbackUrl']);
    expect(problem.errors[2].message).toMatch(/scheme ftp: is not allowed/);
    expect(problem.detail).toMatch(/\(and 2 more\)/);

    // An http job: a bad http.url is listed with the other fields too.
    const http = await api.fetch('/v1/jobs', {
      method: 'POST',
      key,
      json: { provider: 'http', externalId: 'x', http: { url: 'https://user:pw@example.com/{externalId}', statusPath: 'nope', states: { running: ['r'] } }, callbackUrl: 'http://example.com/h' },
    });
    expect(await paths(http)).toEqual(['http.statusPath', 'callbackUrl', 'http.url']);

    // A host that does not resolve is found only when the rest is valid (the second stage).
    const dns = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ externalId: '', callbackUrl: 'https://nxdomain.test/h' }) });
    expect(await paths(dns)).toEqual(['externalId']);
    const dnsOnly = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: 'https://nxdomain.test/h' }) });
    expect(await paths(dnsOnly)).toEqual(['callbackUrl']);
  });

  test('GET /v1/jobs: limit, cursor and provider together; other lists report a malformed cursor with the limit', async () => {
    await start();
    expect(await paths(await api.fetch('/v1/jobs?limit=abc&cursor=zzz', { key }))).toEqual(['limit', 'cursor']);
    expect(await paths(await api.fetch('/v1/jobs?limit=0&provider=nope&cursor=zzz', { key }))).toEqual(['limit', 'cursor', 'provider']);
    expect(await paths(await api.fetch('/v1/subscriptions?limit=abc&cursor=zzz', { key }))).toEqual(['limit', 'cursor']);
    // A well-formed cursor from another list is still refused (by the handler).
    const jobs = await api.fetch('/v1/jobs?limit=1', { key });
    expect(jobs.status).toBe(200);
    const subCursor = Buffer.from('sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A').toString('base64url');
    expect(await paths(await api.fetch(`/v1/jobs?cursor=${subCursor}`, { key }))).toEqual(['cursor']);
    expect(await paths(await api.fetch(`/v1/jobs?provider=nope&cursor=${subCursor}`, { key }))).toEqual(['provider', 'cursor']);
  });

  test('subscriptions and REST hooks: the URL check joins the schema errors', async () => {
    await start();
    const sub = await api.fetch('/v1/subscriptions', { method: 'POST', key, json: { url: 'ftp://x', events: [] } });
    expect(await paths(sub)).toEqual(['events', 'url']);
    const hook = await api.fetch('/v1/rest-hooks', { method: 'POST', key, json: { target_url: 'javascript:alert(1)', event: '' } });
    expect(await paths(hook)).toEqual(['event', 'target_url']);
  });
});

test('a bad Last-Event-ID is reported against the header, saying what is expected', async () => {
  await start();
  const res = await api.fetch('/v1/events/stream', { key, headers: { 'last-event-id': 'abc' } });
  const problem = await body(res.clone());
  expect(await paths(res)).toEqual(['Last-Event-ID']);
  expect(problem.errors[0]).toMatchObject({ in: 'header', message: expect.stringMatching(/whole number/) });
  expect(problem.detail).toMatch(/^Last-Event-ID: /);
  // `after` keeps its own path.
  expect(await paths(await api.fetch('/v1/events/stream?after=x', { key }))).toEqual(['after']);
});

describe('POST /v1/tenants?shards', () => {
  const create = (query: string) =>
    api.fetch(`/v1/tenants${query}`, { method: 'POST', key: ADMIN_TOKEN, json: { name: 'big' } });

  test.each(['abc', '0', '17', '4.0', '1e1', '0x4', '', '-1', '%204'])('refuses shards=%s, naming shards', async (value) => {
    await start();
    const res = await create(`?shards=${value}`);
    const problem = await body(res.clone());
    expect(await paths(res)).toEqual(['shards']);
    expect(problem.errors[0].message).toBe('must be a whole number from 1 to 16');
  });

  test('refuses a repeated shards; accepts 1 to 16 and none', async () => {
    await start();
    expect(await paths(await create('?shards=2&shards=2'))).toEqual(['shards']);
    for (const ok of ['', '?shards=1', '?shards=16']) expect((await create(ok)).status).toBe(201);
  });

  test('the admin lists (and every list) take limit as plain digits only', async () => {
    await start();
    for (const limit of ['1e1', '0x10', '%205', '5.0', '']) {
      expect(await paths(await api.fetch(`/v1/tenants?limit=${limit}`, { key: ADMIN_TOKEN })), limit).toEqual(['limit']);
    }
    expect(await paths(await api.fetch('/v1/api-keys?limit=1e1', { key }))).toEqual(['limit']);
    const page = await api.fetch('/v1/tenants?limit=1', { key: ADMIN_TOKEN });
    expect(page.status).toBe(200);
    expect((await body(page)).data).toHaveLength(1);
  });
});

describe('callback and subscription URLs are stored in their WHATWG form', () => {
  const raw = 'http://127.0.0.1:9/caf\u00e9?q=\u00fc';
  const normalized = 'http://127.0.0.1:9/caf%C3%A9?q=%C3%BC';

  test('a job: stored and returned normalized; the identical body again is 200, the normalized spelling too', async () => {
    await start({ config: { allowHttp: true, allowPrivateNetworks: true } });
    const first = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: raw }) });
    expect(first.status).toBe(201);
    const job = await body(first);
    expect(job.callbackUrl).toBe(normalized);
    expect(api.db.prepare<{ callback_url: string }>('SELECT callback_url FROM jobs WHERE id = ?').get(job.id)!.callback_url).toBe(normalized);
    for (const callbackUrl of [raw, normalized, 'HTTP://127.0.0.1:9/caf%C3%A9?q=%C3%BC']) {
      const again = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl }) });
      expect(again.status).toBe(200);
      expect((await body(again)).id).toBe(job.id);
    }
    const other = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: 'http://127.0.0.1:9/cafe' }) });
    expect(other.status).toBe(409);
    // What the parser would strip is not normalized away: not the registered URL, and refused when new.
    const padded = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: ` ${normalized}\t` }) });
    expect(padded.status).toBe(409);
    const paddedNew = await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ externalId: 'new', callbackUrl: ` ${normalized}\t` }) });
    expect(await paths(paddedNew)).toEqual(['callbackUrl']);
  });

  test('a job stored before normalization still matches its own body', async () => {
    await start({ config: { allowHttp: true, allowPrivateNetworks: true } });
    const job = await body(await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: raw }) }));
    api.db.prepare('UPDATE jobs SET callback_url = ? WHERE id = ?').run(raw, job.id);
    expect((await api.fetch('/v1/jobs', { method: 'POST', key, json: fotolabsJob({ callbackUrl: raw }) })).status).toBe(200);
  });

  test('subscriptions (create, patch, REST hooks): stored normalized; the same URL spelled either way is a duplicate', async () => {
    await start({ config: { allowHttp: true, allowPrivateNetworks: true } });
    const created = await api.fetch('/v1/subscriptions', { method: 'POST', key, json: { url: raw } });
    expect(created.status).toBe(201);
    const sub = await body(created);
    expect(sub.url).toBe(normalized);
    const duplicate = await api.fetch('/v1/subscriptions', { method: 'POST', key, json: { url: normalized } });
    expect(duplicate.status).toBe(409);
    const patched = await api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key, json: { url: 'http://127.0.0.1:9/\u00e0' } });
    expect((await body(patched)).url).toBe('http://127.0.0.1:9/%C3%A0');
    const hook = await api.fetch('/v1/rest-hooks', { method: 'POST', key, json: { target_url: raw, event: 'job.*' } });
    expect((await body(hook)).url).toBe(normalized);
  });
});
