/**
 * Field rules that hostile input revealed, pinned as tables: strings must be well-formed
 * Unicode, URLs must not carry characters the URL parser would silently strip or encode, and
 * metadata nesting is bounded. Each refusal is a 422 at the field with nothing stored; valid
 * unicode is kept exactly.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { body, fotolabsJob, httpJob, seedTenant, startApi } from '../http/harness.ts';
import { fingerprint, rawRequest } from './support.ts';

let api: Awaited<ReturnType<typeof startApi>>;
let tenant: ReturnType<typeof seedTenant>;

beforeAll(async () => {
  api = await startApi();
  tenant = seedTenant(api, 'fields');
});
afterAll(async () => {
  await api?.stop();
  api?.temp?.cleanup();
});

const hostileFields: Array<[string, string, () => Record<string, unknown>, string]> = [
  ['NUL in a callback URL', '/v1/jobs', () => fotolabsJob({ externalId: 'u1', callbackUrl: 'https://example.com/\u0000x' }), 'callbackUrl'],
  ['tab and spaces around a callback URL', '/v1/jobs', () => fotolabsJob({ externalId: 'u2', callbackUrl: ' https://example.com/x\t' }), 'callbackUrl'],
  ['an RTL override in a callback URL', '/v1/jobs', () => fotolabsJob({ externalId: 'u3', callbackUrl: 'https://example.com/\u202egnp.exe' }), 'callbackUrl'],
  ['NUL in an http provider URL', '/v1/jobs', () => httpJob({ externalId: 'u4', http: { ...httpJob().http, url: 'https://api.example.com/\u0000{externalId}' } }), 'http.url'],
  ['a newline in a subscription URL', '/v1/subscriptions', () => ({ url: 'https://example.com/a\nb' }), 'url'],
  ['a lone surrogate in a subscription URL', '/v1/subscriptions', () => ({ url: 'https://example.com/\ud800' }), 'url'],
  ['a lone surrogate in an externalId', '/v1/jobs', () => fotolabsJob({ externalId: '\ud800' }), 'externalId'],
  ['a lone surrogate in a metadata key', '/v1/jobs', () => fotolabsJob({ externalId: 'u5', metadata: { ok: 1, ['\udc00']: 2 } }), 'metadata["\\udc00"]'],
  ['a lone surrogate in an http header value', '/v1/jobs', () => httpJob({ externalId: 'u6', http: { ...httpJob().http, headers: { 'x-k': 'a\ud83d' } } }), 'http.headers["x-k"]'],
  ['a lone surrogate in a connection key', '/v1/connections', () => ({ provider: 'fotolabs', credentials: { apiKey: 'k\udfff' } }), 'credentials.apiKey'],
  ['a lone surrogate in a description', '/v1/subscriptions', () => ({ url: 'https://example.com/d', description: 'x\ud800' }), 'description'],
];

test.each(hostileFields)('%s is refused at its path; nothing is stored', async (_name, path, make, errorPath) => {
  const before = fingerprint(api.db);
  const res = await api.fetch(path, { method: 'POST', key: tenant.apiKey, json: make() });
  expect(res.status).toBe(422);
  expect((await body(res)).errors.map((e: { path: string }) => e.path)).toContain(errorPath);
  expect(fingerprint(api.db)).toEqual(before);
});

test.each([40, 5_000, 10_000])('metadata nested %i levels deep is a 422 at metadata, not a stack overflow', async (depth) => {
  const before = fingerprint(api.db);
  const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const text = JSON.stringify(fotolabsJob({ externalId: `deep-${depth}`, metadata: { x: '__DEEP__' } })).replace('"__DEEP__"', deep);
  const res = await rawRequest(api.url, { method: 'POST', path: '/v1/jobs', headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' }, body: text });
  expect(res.status).toBe(422);
  expect(JSON.parse(res.body).errors).toEqual([{ path: 'metadata', message: 'is nested deeper than 32 levels' }]);
  expect(fingerprint(api.db)).toEqual(before);
});

test('well-formed unicode is kept exactly: emoji, RTL text, NUL in metadata', async () => {
  const metadata = { note: 'שלום 👋🏽 \u202e text', nul: 'a\u0000b', nested: { 'ключ': ['😀', '\ufeff'] } };
  const res = await api.fetch('/v1/jobs', { method: 'POST', key: tenant.apiKey, json: fotolabsJob({ externalId: 'ünïcödé-😀', metadata }) });
  expect(res.status).toBe(201);
  const job = await body(res);
  const again = await body(await api.fetch(`/v1/jobs/${job.id}`, { key: tenant.apiKey }));
  expect(again).toMatchObject({ externalId: 'ünïcödé-😀', metadata });
});
