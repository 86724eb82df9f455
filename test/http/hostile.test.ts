import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { body, fotolabsJob, httpJob, seedTenant, startApi, type Api } from './harness.ts';
import type { TempDb } from '../helpers/db.ts';
import { boundedUpstream } from '../../src/core/eventPayload.ts';
import { exceedsDepth, findInJson } from '../../src/core/jsonDepth.ts';

// The inputs the OpenAPI fuzzer found or that walk input deeply, pinned as regressions.
let api: Api & { temp: TempDb | null };
let key: string;

beforeAll(async () => {
  api = await startApi();
  key = seedTenant(api).apiKey;
});
afterAll(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const post = (text: string) => api.fetch('/v1/jobs', { method: 'POST', key, body: text, headers: { 'content-type': 'application/json' } });
const jobCount = () => api.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n;

describe('hostile request bodies get a 422 naming the field, never a 500', () => {
  test('an http.states entry that is an object whose toString is not a function', async () => {
    const spec = httpJob().http as Record<string, unknown>;
    const res = await post(JSON.stringify(httpJob({ http: { ...spec, states: { pending: [{ toString: 1, valueOf: 'x' }], running: ['working'] } } })));
    expect(res.status).toBe(422);
    expect((await body(res)).errors).toEqual([expect.objectContaining({ path: 'http.states.pending[0]' })]);
  });

  test('nesting 30,000 levels deep, in metadata and in other fields', async () => {
    const deep = '['.repeat(30_000) + ']'.repeat(30_000);
    for (const field of ['metadata', 'externalId', 'events', 'http']) {
      const text = JSON.stringify(fotolabsJob({ [field]: '__DEEP__' })).replace('"__DEEP__"', field === 'metadata' ? `{"a":${deep}}` : deep);
      const res = await post(text);
      expect(res.status, field).toBe(422);
      expect((await body(res)).errors[0].path.startsWith(field), field).toBe(true);
    }
    expect(jobCount()).toBe(0);
  });

  test('a body of thousands of unknown fields lists the first 50 and counts the rest', async () => {
    const res = await post(JSON.stringify(Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`k${i}`, i]))));
    expect(res.status).toBe(422);
    const p = await body(res);
    expect(p.errors).toHaveLength(50);
    expect(p.detail).toMatch(/and 30\d\d more/);
  });

  test('a __proto__ key (in metadata, http.headers, anywhere) is refused, not silently dropped', async () => {
    const meta = await post(JSON.stringify(fotolabsJob({ externalId: 'proto' })).replace('"provider"', '"metadata":{"__proto__":{"x":1},"kept":1},"provider"'));
    expect(meta.status).toBe(422);
    expect((await body(meta)).errors).toEqual([expect.objectContaining({ path: 'metadata.__proto__' })]);
    const headers = await post(JSON.stringify(httpJob({ externalId: 'proto-h' })).replace('"authorization"', '"__proto__":"x","authorization"'));
    expect(headers.status).toBe(422);
    expect((await body(headers)).errors).toEqual([expect.objectContaining({ path: 'http.headers.__proto__' })]);
    // At any depth, for one simple rule; as a value it is just a string.
    const nested = await post(JSON.stringify(fotolabsJob({ externalId: 'proto-n' })).replace('"provider"', '"metadata":{"a":[{"__proto__":1}]},"provider"'));
    expect((await body(nested)).errors).toEqual([{ path: 'metadata.a[0].__proto__', message: 'is not allowed as a key' }]);
    const asValue = await post(JSON.stringify(fotolabsJob({ externalId: '__proto__', metadata: { k: '__proto__' } })));
    expect(asValue.status).toBe(201);
    expect((await body(asValue)).metadata).toEqual({ k: '__proto__' });
  });

  test('a JSON Pointer deeper than 32 segments', async () => {
    const spec = httpJob().http as Record<string, unknown>;
    const res = await post(JSON.stringify(httpJob({ http: { ...spec, statusPath: '/a'.repeat(33) } })));
    expect(res.status).toBe(422);
    expect((await body(res)).errors).toEqual([{ path: 'http.statusPath', message: 'must have at most 32 segments' }]);
  });
});

describe('streamed bodies', () => {
  test('a chunked body under the limit is read whole and validated like any other', async () => {
    const text = JSON.stringify(fotolabsJob({ externalId: 'streamed', metadata: { pad: 'p'.repeat(40_000) } }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < text.length; i += 8_000) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 8_000)));
        controller.close();
      },
    });
    const res = await api.fetch('/v1/jobs', { method: 'POST', key, body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    // 40 KB of metadata is over its own 4 KiB rule: the body arrived whole and was validated.
    expect(res.status).toBe(422);
    expect((await body(res)).errors).toEqual([expect.objectContaining({ path: 'metadata' })]);
    const small = JSON.stringify(fotolabsJob({ externalId: 'streamed-small' }));
    const ok = await api.fetch('/v1/jobs', {
      method: 'POST',
      key,
      body: new Blob([small]).stream(),
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(ok.status).toBe(201);
    expect((await body(ok)).externalId).toBe('streamed-small');
  });
});

describe('bounded walks', () => {
  test('an upstream answer nested past the bound is not echoed, and nothing overflows', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(boundedUpstream(deep)).toBeNull();
    expect(boundedUpstream({ status: 'done' })).toEqual({ status: 'done' });
    expect(exceedsDepth(deep, 64)).toBe(true);
    expect(findInJson(deep, 64, () => null)?.message).toBe('is nested deeper than 64 levels');
  });

  test('findInJson reports the first offending key or value with its path', () => {
    const bad = (n: unknown) => (n === 'x' ? 'is x' : null);
    expect(findInJson({ a: [1, { b: 'x' }] }, 64, bad)).toEqual({ path: ['a', 1, 'b'], message: 'is x' });
    expect(findInJson({ a: { x: 1 } }, 64, bad)).toEqual({ path: ['a', 'x'], message: 'is x' });
    expect(findInJson({ a: [1, 2] }, 64, bad)).toBeNull();
  });
});
