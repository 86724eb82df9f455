import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startApi, seedTenant, type Api } from '../http/harness.ts';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';
import { StreamHub } from '../../src/http/streamHub.ts';
import { feedCounter } from '../../src/store/queries/eventFeed.ts';
import { createSigner } from '../../src/delivery/signer.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { waitFor } from '../helpers/wait.ts';
import { appendEvents, seedJobRow } from './support.ts';
import { openStream } from './streamClient.ts';

let api: Api;
let temp: TempDb;
let hub: StreamHub;

beforeAll(async () => {
  hub = new StreamHub({ maxPerTenant: 2, heartbeatMs: 100, stallMs: 300, bufferBytes: 32 * 1024 });
  temp = tempDb();
  const box = testSecretBox();
  // Real time: receivers check the signed timestamp against their clock.
  const clock = new ManualClock(Date.now());
  const signer = createSigner({ db: temp.db, secretBox: box, clock });
  api = await startApi({ db: temp.db, box, clock, deps: { streams: hub, signer } });
});
afterAll(async () => {
  hub.close();
  await api.stop();
  temp.cleanup();
});

/** Appends events as the scheduler does and fires the commit wake-up it fires. */
function commit(job: { id: string; tenantId: string; provider?: string; metadata?: unknown }, n: number, opts: Parameters<typeof appendEvents>[3] = {}) {
  const ids = appendEvents(api.db, job, n, opts);
  hub.notify();
  return ids;
}

const streamUrl = (query = '') => `${api.url}/v1/events/stream${query}`;
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('GET /v1/events/stream', () => {
  it('streams the backlog after a cursor, then live events, only the tenant\'s own, with heartbeats', async () => {
    const a = seedTenant(api, 'stream-a');
    const b = seedTenant(api, 'stream-b');
    const ja = { id: seedJobRow(api.db, a.id), tenantId: a.id };
    const jb = { id: seedJobRow(api.db, b.id), tenantId: b.id };
    const before = commit(ja, 3);
    const s = await openStream(streamUrl('?after=0'), auth(a.apiKey));
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.res.headers.get('x-accel-buffering')).toBe('no');
    expect((await s.events(3)).map((e) => e.data.id)).toEqual(before);
    commit(jb, 2);
    const live = commit(ja, 2);
    const got = await s.events(2);
    expect(got.map((e) => e.data.id)).toEqual(live);
    expect(got[0]!.event).toBe('job.running');
    expect(Number(got[1]!.id)).toBeGreaterThan(Number(got[0]!.id));
    // Heartbeat comments while nothing happens.
    for (;;) {
      const { value } = await s.messages.next();
      if (value?.kind === 'comment' && value.text === 'ping') break;
    }
    s.close();
    await waitFor(() => hub.connections(a.id) === 0, { message: 'the stream to be released' });
  });

  it('resumes with Last-Event-ID (which wins over ?after=), without gaps or repeats, and applies filters', async () => {
    const t = seedTenant(api, 'resume');
    const j1 = { id: seedJobRow(api.db, t.id, { provider: 'topaz' }), tenantId: t.id, provider: 'topaz', metadata: { customer: 'c-1' } };
    const j2 = { id: seedJobRow(api.db, t.id, { provider: 'pictory' }), tenantId: t.id, provider: 'pictory', metadata: { customer: 'c-2' } };
    const first = await openStream(streamUrl(), auth(t.apiKey)); // no cursor: only new events
    const batch1 = commit(j1, 4);
    const got1 = await first.events(2);
    first.close();
    const batch2 = commit(j1, 3);
    const second = await openStream(streamUrl('?after=0'), { ...auth(t.apiKey), 'last-event-id': got1[1]!.id });
    const got2 = await second.events(5);
    expect([...got1, ...got2].map((e) => e.data.id)).toEqual([...batch1, ...batch2]);
    second.close();

    const filtered = await openStream(streamUrl('?after=0&provider=pictory&metadata[customer]=c-2&type=job.succeeded'), auth(t.apiKey));
    commit(j2, 1, { type: 'job.running' });
    commit(j1, 1, { type: 'job.succeeded' });
    const wanted = commit(j2, 1, { type: 'job.succeeded' });
    expect((await filtered.events(1)).map((e) => e.data.id)).toEqual(wanted);
    filtered.close();

    const bad = await fetch(streamUrl('?type=nope&after=x'), { headers: auth(t.apiKey) });
    expect(bad.status).toBe(422);
  });

  it('takes a short-lived stream token in the URL, never the API key, and signs only for the API key', async () => {
    const t = seedTenant(api, 'tokens');
    const job = { id: seedJobRow(api.db, t.id), tenantId: t.id };
    const minted = await api.fetch('/v1/stream-tokens', { method: 'POST', key: t.apiKey, json: { ttlSeconds: 60 } });
    expect(minted.status).toBe(201);
    const { token, expiresAt } = (await minted.json()) as any;
    expect(token).toMatch(/^phst_/);
    expect(Date.parse(expiresAt)).toBe(api.clock.now() + 60_000);
    expect((await api.fetch('/v1/stream-tokens', { method: 'POST', key: t.apiKey })).status).toBe(201);

    const viaUrl = await openStream(streamUrl(`?after=0&token=${token}`));
    expect(viaUrl.res.status).toBe(200);
    const ids = commit(job, 1);
    expect((await viaUrl.events(1))[0]!.data.id).toBe(ids[0]);
    viaUrl.close();

    expect((await fetch(streamUrl(`?token=${t.apiKey}`))).status).toBe(401);
    expect((await fetch(streamUrl())).status).toBe(401);
    expect((await fetch(streamUrl(`?token=${token.slice(0, -4)}AAAA`))).status).toBe(401);
    // A token does not open the rest of the API, nor the signed mode.
    expect((await api.fetch('/v1/events', { key: token })).status).toBe(401);
    expect((await fetch(streamUrl(`?signed=true&token=${token}`))).status).toBe(422);

    // With the API key, ?signed=true carries Standard Webhooks headers over the exact body.
    const signed = await openStream(streamUrl('?after=0&signed=true'), auth(t.apiKey));
    const [item] = await signed.events(1);
    signed.close();
    const verified = new Webhook(t.signingSecret).verify(item!.data.webhook.body, item!.data.webhook.headers) as any;
    expect(verified.data.id).toBe(job.id);
    expect(item!.data.webhook.headers['webhook-id']).toBe(ids[0]);

    // Short-lived: past its expiry the token opens nothing.
    const short = (await (await api.fetch('/v1/stream-tokens', { method: 'POST', key: t.apiKey, json: { ttlSeconds: 10 } })).json()) as any;
    const open = await fetch(streamUrl(`?token=${short.token}`));
    expect(open.status).toBe(200);
    await open.body?.cancel();
    api.clock.advance(10_001);
    expect((await fetch(streamUrl(`?token=${short.token}`))).status).toBe(401);
    expect((await api.fetch('/v1/stream-tokens', { method: 'POST', key: t.apiKey, json: { ttlSeconds: 5 } })).status).toBe(422);
  });

  it('bounds open streams per tenant', async () => {
    const t = seedTenant(api, 'limits');
    const s1 = await openStream(streamUrl(), auth(t.apiKey));
    const s2 = await openStream(streamUrl(), auth(t.apiKey));
    const third = await fetch(streamUrl(), { headers: auth(t.apiKey) });
    expect(third.status).toBe(429);
    const other = seedTenant(api, 'limits-other');
    const s3 = await openStream(streamUrl(), auth(other.apiKey));
    expect(s3.res.status).toBe(200);
    s1.close();
    await waitFor(() => hub.connections(t.id) === 1, { message: 'one stream released' });
    const s4 = await openStream(streamUrl(), auth(t.apiKey));
    expect(s4.res.status).toBe(200);
    for (const s of [s2, s3, s4]) s.close();
  });

  it('disconnects a client that stops reading, after a bounded buffer, without reading the rest', async () => {
    const t = seedTenant(api, 'slow');
    const big = { blob: 'x'.repeat(3500) };
    const job = { id: seedJobRow(api.db, t.id, { metadata: big }), tenantId: t.id, metadata: big };
    const port = Number(new URL(api.url).port);
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.apiKey}\r\n\r\n`);
    await waitFor(() => hub.connections(t.id) === 1, { message: 'the stream to open' });
    socket.pause(); // reads nothing more: kernel buffers, then the server's, fill up
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    const total = 6000; // about 24 MB of events
    for (let i = 0; i < 12; i++) commit(job, total / 12);
    await waitFor(() => hub.connections(t.id) === 0, { timeoutMs: 20_000, message: 'the slow client to be dropped' });
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.resume();
    await closed;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(total * 3500); // it never read the whole backlog into memory
  }, 40_000);

  it('ends streams cleanly on shutdown', async () => {
    const own = new StreamHub({ latestSeq: () => feedCounter(api.db) });
    const api2 = await startApi({ db: api.db, box: api.box, deps: { streams: own } });
    const t = seedTenant(api2, 'shutdown');
    const s = await openStream(`${api2.url}/v1/events/stream`, auth(t.apiKey));
    await s.messages.next(); // the connected comment
    own.close();
    const rest: string[] = [];
    for await (const m of s.messages) if (m.kind === 'comment') rest.push(m.text);
    expect(rest).toContain('server shutting down');
    expect((await fetch(`${api2.url}/v1/events/stream`, { headers: auth(t.apiKey) })).status).toBe(503);
    await api2.stop();
  });
});
