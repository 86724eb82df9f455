import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, PollhookApiError, type EventStreamParams, type EventTypeName, type FeedEvent, type Job } from '../../src/client/index.ts';
import { StreamHub } from '../../src/http/streamHub.ts';
import { buildEventBody } from '../../src/core/eventPayload.ts';
import { newId } from '../../src/core/ids.ts';
import type { EventType } from '../../src/core/types.ts';
import { enqueueDeliveries } from '../../src/store/queries/enqueueDeliveries.ts';
import { fotolabsJob, seedTenant, startApi, type Api } from '../http/harness.ts';
import type { TempDb } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';

let api: Api & { temp: TempDb | null };
let hub: StreamHub;

beforeAll(async () => {
  hub = new StreamHub();
  api = await startApi({ deps: { streams: hub } });
});

afterAll(async () => {
  hub.close();
  await api.stop();
  api.temp?.cleanup();
});

/** A tenant of its own (the feed is per tenant), its client, and every request that client made. */
function tenantClient(name: string, fetchVia: typeof fetch = fetch) {
  const tenant = seedTenant(api, name);
  const requests: Array<{ path: string; headers: Headers }> = [];
  const recording: typeof fetch = (input, init) => {
    requests.push({ path: String(input).replace(api.url, ''), headers: new Headers(init?.headers) });
    return fetchVia(input, init);
  };
  const client = createClient({ baseUrl: api.url, apiKey: tenant.apiKey, fetch: recording });
  /** A job with `count` events (sequence 1..count). */
  async function jobWithEvents(externalId: string, count: number, extra: Record<string, unknown> = {}, type?: EventType) {
    const job = await client.jobs.create(fotolabsJob({ externalId, ...extra }));
    const ids = addEvents(job, 1, count, type);
    return { job, ids };
  }
  /** Events with the payload the scheduler signs and their deliveries, in one transaction; then the streams' wake-up. */
  function addEvents(job: Job, from: number, count: number, type: EventType = 'job.running'): string[] {
    const ids: string[] = [];
    const now = api.clock.now();
    api.db.transaction(() => {
      for (let sequence = from; sequence < from + count; sequence++) {
        const id = newId('evt', now);
        const body = buildEventBody({
          type, now, job, sequence, state: 'running', previousState: 'pending', upstreamStatus: 'processing',
          progress: null, result: null, error: null, upstream: null, observedAt: now,
        });
        api.db
          .prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(id, job.id, tenant.id, sequence, type, body, now);
        api.db.prepare('UPDATE jobs SET last_sequence = ? WHERE id = ?').run(sequence, job.id);
        enqueueDeliveries(api.db, { tenantId: tenant.id, jobId: job.id, eventId: id, sequence, type, callbackUrl: job.callbackUrl, callbackEvents: null }, now);
        ids.push(id);
      }
    });
    // As the scheduler's commit hook does.
    hub.notify();
    return ids;
  }
  return { tenant, client, requests, jobWithEvents, addEvents };
}

async function apiError(promise: Promise<unknown>): Promise<PollhookApiError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PollhookApiError);
  return err as PollhookApiError;
}

/** Stream parameters with a deadline: a test waiting for an event that never comes fails at take(), not at the test timeout. */
const bounded = (params: EventStreamParams): EventStreamParams => ({ signal: AbortSignal.timeout(10_000), ...params });

async function take<T>(iterator: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const { value, done } = await iterator.next();
    if (done) throw new Error(`the iterator ended after ${out.length} of ${n}`);
    out.push(value);
  }
  return out;
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('events.list / events.iterate (GET /v1/events)', () => {
  it('pages newest first with cursor, and catches up oldest first with after', async () => {
    const t = tenantClient('feed');
    const { job, ids } = await t.jobWithEvents('feed-1', 5);

    const first = await t.client.events.list({ limit: 2 });
    expect(first.data.map((e) => e.id)).toEqual([ids[4], ids[3]]);
    expect(first.data[0]).toMatchObject({ jobId: job.id, sequence: 5, type: 'job.running', deliveries: [{ target: 'callback', status: 'pending' }] });
    expect(first.hasMore).toBe(true);

    t.requests.length = 0;
    expect((await all(t.client.events.iterate({ limit: 2 }))).map((e) => e.id)).toEqual([...ids].reverse());
    expect(t.requests.map((r) => r.path)).toEqual(['/v1/events?limit=2', expect.stringMatching(/cursor=/), expect.stringMatching(/cursor=/)]);

    t.requests.length = 0;
    const caughtUp = await all(t.client.events.iterate({ after: '0', limit: 2 }));
    expect(caughtUp.map((e) => e.id)).toEqual(ids);
    expect(t.requests).toHaveLength(3);
    // The last event's cursor is where the next catch-up starts: only what came after it.
    const newer = t.addEvents(job, 6, 2);
    const rest = await all(t.client.events.iterate({ after: caughtUp.at(-1)!.cursor }));
    expect(rest.map((e) => e.id)).toEqual(newer);
    expect(await all(t.client.events.iterate({ after: rest.at(-1)!.cursor }))).toEqual([]);
  });

  it('filters by type lists, metadata and time', async () => {
    const t = tenantClient('feed-filters');
    const { ids: wanted } = await t.jobWithEvents('ordered', 2, { metadata: { orderId: 42 } }, 'job.succeeded');
    await t.jobWithEvents('other', 2, { metadata: { orderId: 7 } }, 'job.succeeded');
    await t.jobWithEvents('running', 1, { metadata: { orderId: 42 } });

    t.requests.length = 0;
    const page = await t.client.events.list({ type: ['job.succeeded', 'job.failed'], metadata: { orderId: 42 }, since: new Date(0), after: '0' });
    expect(page.data.map((e) => e.id)).toEqual(wanted);
    const query = new URL(api.url + t.requests[0]!.path).searchParams;
    expect(query.get('type')).toBe('job.succeeded,job.failed');
    expect(query.get('metadata[orderId]')).toBe('42');
    expect(query.get('since')).toBe('1970-01-01T00:00:00.000Z');
    expect((await t.client.events.list({ until: new Date(0) })).data).toEqual([]);
  });

  it('a bad parameter is a PollhookApiError naming it', async () => {
    const t = tenantClient('feed-errors');
    const err = await apiError(t.client.events.list({ after: 'yesterday', limit: 500 }));
    expect(err.status).toBe(422);
    expect(err.errors.map((e) => e.path).sort()).toEqual(['after', 'limit']);
  });
});

describe('events.stream (GET /v1/events/stream)', () => {
  it('receives a live event, ends on abort, and resumes after it with Last-Event-ID', async () => {
    const t = tenantClient('stream');
    const { job } = await t.jobWithEvents('live', 1);
    const abort = new AbortController();
    const live = t.client.events.stream({ signal: AbortSignal.any([abort.signal, AbortSignal.timeout(10_000)]) });
    const next = live.next();
    // Without a cursor the stream starts with the next event: commit one once it listens.
    await waitFor(() => hub.connections(t.tenant.id) === 1, { message: 'the stream to connect' });
    const [e1] = t.addEvents(job, 2, 1);
    const { value: first } = await next;
    expect(first).toMatchObject({ id: e1, jobId: job.id, sequence: 2, type: 'job.running', payload: { type: 'job.running' } });

    abort.abort();
    expect(await live.next()).toEqual({ done: true, value: undefined });
    await waitFor(() => hub.connections(t.tenant.id) === 0, { message: 'the aborted stream to be released' });

    const missed = t.addEvents(job, 3, 2);
    // Last-Event-ID wins over `after`: only what came after the last event handled.
    const resumed = t.client.events.stream(bounded({ lastEventId: first!.cursor, after: '0' }));
    expect((await take(resumed, 2)).map((e) => e.id)).toEqual(missed);
    expect(t.requests.at(-1)!.headers.get('last-event-id')).toBe(first!.cursor);
    await resumed.return(undefined);
    await waitFor(() => hub.connections(t.tenant.id) === 0, { message: 'the stream left by return() to be released' });
  });

  it('reconnects by itself when the connection drops, resuming after the last event yielded', async () => {
    let cut = false;
    // The first stream's body ends right after its first event, as a dropped connection would.
    const dropping: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes('/v1/events/stream') || cut) return res;
      cut = true;
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let seen = '';
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          seen += decoder.decode(value, { stream: true });
          if (seen.includes('\ndata: ') && seen.endsWith('\n\n')) {
            controller.close();
            await reader.cancel();
          }
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const t = tenantClient('reconnect', dropping);
    const { job, ids } = await t.jobWithEvents('drops', 1);
    const stream = t.client.events.stream(bounded({ after: '0', retryMs: 10 }));
    const [first] = await take(stream, 1);
    expect(first!.id).toBe(ids[0]);
    const later = t.addEvents(job, 2, 2);
    expect((await take(stream, 2)).map((e) => e.id)).toEqual(later);
    const streams = t.requests.filter((r) => r.path.startsWith('/v1/events/stream'));
    expect(streams).toHaveLength(2);
    expect(streams[0]!.headers.get('last-event-id')).toBeNull();
    expect(streams[1]!.headers.get('last-event-id')).toBe(first!.cursor);
    await stream.return(undefined);
  });

  it('filters, and a refused first connection throws the problem', async () => {
    const t = tenantClient('stream-filters');
    await t.jobWithEvents('a', 2);
    const { ids: wanted } = await t.jobWithEvents('b', 1, { metadata: { orderId: 'x-1' } }, 'job.failed');
    const filtered = t.client.events.stream(bounded({ after: '0', type: ['job.failed'], metadata: { orderId: 'x-1' } }));
    expect((await take(filtered, 1)).map((e) => e.id)).toEqual(wanted);
    await filtered.return(undefined);

    const invalid = await apiError(t.client.events.stream(bounded({ type: 'job.exploded' as EventTypeName })).next());
    expect(invalid).toMatchObject({ status: 422, errors: [{ path: 'type' }] });
    const badResume = await apiError(t.client.events.stream(bounded({ lastEventId: 'evt_x' })).next());
    expect(badResume.errors[0]).toMatchObject({ path: 'Last-Event-ID', in: 'header' });
    const wrongKey = await apiError(createClient({ baseUrl: api.url, apiKey: 'ph_wrong' }).events.stream(bounded({})).next());
    expect(wrongKey.status).toBe(401);
  });

  it('a stream token opens the stream, and only the stream', async () => {
    const t = tenantClient('tokens');
    const { ids } = await t.jobWithEvents('tok', 1);
    const minted = await t.client.streamTokens.create({ ttlSeconds: 60 });
    expect(Object.keys(minted).sort()).toEqual(['expiresAt', 'token']);
    expect(minted.token).toMatch(/^phst_/);
    expect(Date.parse(minted.expiresAt)).toBe(api.clock.now() + 60_000);

    const browser = createClient({ baseUrl: api.url, apiKey: minted.token });
    const stream = browser.events.stream(bounded({ after: '0' }));
    expect((await take(stream, 1)).map((e) => e.id)).toEqual(ids);
    await stream.return(undefined);
    expect((await apiError(browser.events.list())).status).toBe(401);
    expect((await apiError(t.client.streamTokens.create({ ttlSeconds: 5 }))).errors[0]!.path).toBe('ttlSeconds');
  });
});

describe('the rest of the API the client reaches', () => {
  it('jobs.polls and jobs.iteratePolls, newest first', async () => {
    const t = tenantClient('polls');
    const job = await t.client.jobs.create(fotolabsJob({ externalId: 'polled' }));
    const insert = api.db.prepare(
      'INSERT INTO job_polls (job_id, tenant_id, polled_at, outcome, upstream_status, http_status, latency_ms, next_poll_at, reason, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (let i = 0; i < 3; i++) insert.run(job.id, t.tenant.id, 1_000 * (i + 1), 'unchanged', 'processing', 200, 10 + i, 1_000 * (i + 2), 'grown', null);

    const page = await t.client.jobs.polls(job.id, { limit: 2 });
    expect(page.data[0]).toEqual({
      polledAt: new Date(3_000).toISOString(), outcome: 'unchanged', polls: 1, lastPolledAt: new Date(3_000).toISOString(), upstreamStatus: 'processing',
      httpStatus: 200, latencyMs: 12, nextPollAt: new Date(4_000).toISOString(), reason: 'grown', error: null,
    });
    expect(page.nextCursor).not.toBeNull();
    expect((await all(t.client.jobs.iteratePolls(job.id, { limit: 2 }))).map((p) => p.latencyMs)).toEqual([12, 11, 10]);
    expect((await apiError(t.client.jobs.polls('job_nope'))).status).toBe(404);
    expect((await apiError(t.client.jobs.polls(job.id, { cursor: 'bm9wZQ' }))).errors[0]!.path).toBe('cursor');
  });

  it('events.types lists the catalog', async () => {
    const t = tenantClient('catalog');
    const { data } = await t.client.events.types();
    const byType = new Map(data.map((e) => [e.type, e]));
    expect(byType.get('job.succeeded')).toMatchObject({ default: true, example: { type: 'job.succeeded' } });
    expect(byType.get('job.succeeded')!.schema).toHaveProperty('properties');
    expect(byType.get('job.progress')!.default).toBe(false);
    expect(byType.has('endpoint.disabled')).toBe(true);
  });

  it('subscriptions.sendTest and subscriptions.replay', async () => {
    const t = tenantClient('replay');
    const { job } = await t.jobWithEvents('before-sub', 2);
    const sub = await t.client.subscriptions.create({ url: 'https://example.com/hooks/replay' });

    const test = await t.client.subscriptions.sendTest(sub.id);
    expect(test).toMatchObject({ subscriptionId: sub.id, status: 'pending', url: 'https://example.com/hooks/replay' });
    const feed: FeedEvent[] = (await t.client.events.list({ type: 'endpoint.test' })).data;
    expect(feed.map((e) => e.id)).toEqual([test.eventId]);

    expect(await t.client.subscriptions.replay(sub.id, { since: new Date(0).toISOString() })).toEqual({ queued: 2, more: false });
    expect((await t.client.deliveries.list({ subscriptionId: sub.id, jobId: job.id })).data).toHaveLength(2);
    expect(await t.client.subscriptions.replay(sub.id, { since: new Date(0).toISOString() })).toEqual({ queued: 0, more: false });
    await t.client.subscriptions.update(sub.id, { enabled: false });
    expect((await apiError(t.client.subscriptions.replay(sub.id, { since: new Date(0).toISOString() }))).status).toBe(409);
    expect((await apiError(t.client.subscriptions.sendTest(sub.id))).status).toBe(409);
  });
});
