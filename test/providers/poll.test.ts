import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { fetchListPage, pollOnce } from '../../src/providers/poll.ts';
import { fotolabs } from '../../src/providers/fotolabs.ts';
import { topaz } from '../../src/providers/topaz.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { failureOf, fixtureText, NOW, observation, target } from './helpers.ts';

/** A loopback upstream whose answer each test sets. */
type Handler = (res: ServerResponse, headers: IncomingHttpHeaders) => void;
let handler: Handler = (res) => res.end();
let server: Server;
let base: string;
const lastHeaders: IncomingHttpHeaders[] = [];
const client = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true } });

beforeAll(async () => {
  server = createServer((req, res) => {
    lastHeaders.push(req.headers);
    handler(res, req.headers);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const poll = (t = target(), http = client) => pollOnce(http, fotolabs, t, base, { timeoutMs: 2000, now: NOW });

describe('pollOnce', () => {
  it('returns the observation with the validators the upstream sent', async () => {
    handler = (res) => res.writeHead(200, { etag: '"v1"', 'last-modified': 'Sat, 09 May 2026 18:06:00 GMT' }).end(fixtureText('fotolabs', 'completed'));
    const out = await poll();
    expect(observation(out).state).toBe('succeeded');
    expect(out.kind === 'observed' && out.validators).toEqual({ etag: '"v1"', lastModified: 'Sat, 09 May 2026 18:06:00 GMT' });
  });

  it('sends If-None-Match / If-Modified-Since from the target, and reads 304 as not_modified', async () => {
    handler = (res) => res.writeHead(304).end();
    const out = await poll(target({ validators: { etag: '"v1"', lastModified: 'Sat, 09 May 2026 18:06:00 GMT' } }));
    expect(out).toEqual({ kind: 'not_modified' });
    const sent = lastHeaders[lastHeaders.length - 1]!;
    expect(sent['if-none-match']).toBe('"v1"');
    expect(sent['if-modified-since']).toBe('Sat, 09 May 2026 18:06:00 GMT');
    expect(sent.accept).toBe('application/json');
  });

  it('a body over the 1 MiB cap is malformed', async () => {
    const big = JSON.stringify({ status: 'completed', padding: 'x'.repeat(1024 * 1024 + 10) });
    handler = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(big);
    const f = failureOf(await poll());
    expect(f.kind).toBe('malformed');
    expect(f.message).toContain('1048576');
  });

  it('a smaller maxBodyBytes applies', async () => {
    handler = (res) => res.writeHead(200).end(fixtureText('fotolabs', 'completed'));
    const out = await pollOnce(client, fotolabs, target(), base, { timeoutMs: 2000, now: NOW, maxBodyBytes: 64 });
    expect(failureOf(out).kind).toBe('malformed');
  });

  it('429 with an HTTP-date Retry-After becomes a delay from `now`', async () => {
    handler = (res) => res.writeHead(429, { 'retry-after': new Date(NOW + 120_000).toUTCString() }).end('{}');
    expect(failureOf(await poll())).toMatchObject({ kind: 'rate_limited', retryAfterMs: 120_000, status: 429 });
  });

  it('a timeout is transient', async () => {
    handler = () => {}; // never answers
    const out = await pollOnce(client, fotolabs, target(), base, { timeoutMs: 150, now: NOW });
    expect(failureOf(out)).toMatchObject({ kind: 'transient' });
    expect(failureOf(out).message).toContain('timeout');
  });

  it('a refused connection is transient', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const out = await pollOnce(client, fotolabs, target(), `http://127.0.0.1:${port}`, { timeoutMs: 2000, now: NOW });
    expect(failureOf(out)).toMatchObject({ kind: 'transient' });
    expect(failureOf(out).message).toContain('connect');
  });

  it('an upstream address refused by the SSRF guard is transient and says so', async () => {
    const guarded = createNodeHttpClient({ ssrf: { allowPrivate: false, allowHttp: true } });
    try {
      const f = failureOf(await poll(target(), guarded));
      expect(f.kind).toBe('transient');
      expect(f.message).toMatch(/^blocked by the SSRF guard: /);
    } finally {
      await guarded.close();
    }
  });

  it('the http provider without a spec is malformed, never a throw', async () => {
    const { http } = await import('../../src/providers/http.ts');
    const out = await pollOnce(client, http, target(), '', { timeoutMs: 1000, now: NOW });
    expect(failureOf(out).kind).toBe('malformed');
  });
});

describe('fetchListPage (topaz list) against the simulator', () => {
  let sim: Simulator;
  const apiKey = 'tz_batch_key';
  const ids: string[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ now: () => NOW });
    for (let i = 0; i < 250; i++) ids.push(sim.createJob({ provider: 'topaz', scenario: 'success', apiKey }).id);
  });
  afterAll(() => sim.close());

  const page = (cursor: string | null, key = apiKey) =>
    fetchListPage(client, topaz, { apiKey: key }, sim.baseUrls.topaz, cursor, { timeoutMs: 2000, now: NOW });

  it('reads the list in pages of 100, following the cursor to the end', async () => {
    sim.clearRequests();
    const seen = new Map<string, string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = await page(cursor);
      if (p.kind !== 'page') throw new Error(`page failed: ${JSON.stringify(p)}`);
      pages++;
      for (const item of p.items) seen.set(item.externalId, observation(item.outcome).upstreamStatus);
      cursor = p.nextCursor;
    } while (cursor);
    expect(pages).toBe(3);
    expect(ids.every((id) => seen.get(id) === 'Pending')).toBe(true);
    const queries = sim.requests.map((r) => r.query);
    expect(queries[0]).toEqual({ paginated: 'true', limit: '100' });
    expect(queries[1]).toMatchObject({ paginated: 'true', limit: '100', cursor: expect.any(String) });
    expect(sim.requests.every((r) => r.method === 'GET' && r.path === '/topaz/status' && r.headers['x-api-key'] === apiKey)).toBe(true);
  });

  it('a rejected key is a classified failure, never a throw', async () => {
    const p = await page(null, 'wrong');
    expect(p.kind).toBe('failure');
    if (p.kind === 'failure') expect(p.outcome.failure.kind).toBe('unauthorized');
  });
});
