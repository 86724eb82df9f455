import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startApi, seedTenant, type Api } from '../http/harness.ts';
import type { TempDb } from '../helpers/db.ts';
import { ROOT } from '../helpers/cli.ts';
import { appendEvents, seedJobRow } from './support.ts';

let api: Api & { temp: TempDb | null };
let a: { id: string; apiKey: string };
let b: { id: string; apiKey: string };

beforeAll(async () => {
  api = await startApi();
  a = seedTenant(api, 'a');
  b = seedTenant(api, 'b');
});
afterAll(async () => {
  await api.stop();
  api.temp?.cleanup();
});

const get = async (key: string, path: string, headers: Record<string, string> = {}) => {
  const res = await api.fetch(path, { key, headers });
  return { res, body: res.status === 200 ? ((await res.json()) as any) : null };
};

function runWriter(tenantId: string, jobIds: string[], count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'test/integrations/fixtures/eventWriter.ts'), api.temp!.path, tenantId, JSON.stringify(jobIds), String(count)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

describe('GET /v1/events', () => {
  it('pages through 5,000 events written by another process meanwhile: no gaps, no repeats, in commit order', async () => {
    const jobs = [0, 1, 2].map(() => seedJobRow(api.db, a.id));
    const otherJob = seedJobRow(api.db, b.id);
    appendEvents(api.db, { id: otherJob, tenantId: b.id }, 20);
    const start = (await get(a.apiKey, '/v1/events?limit=1')).body;
    expect(start.data).toEqual([]);
    const writing = runWriter(a.id, jobs, 5000);
    let writerDone = false;
    const written = writing.then((ids) => ((writerDone = true), ids));

    // A consumer catching up with after=, and a browser paging newest first, both during the writes.
    const seen: string[] = [];
    const cursors: number[] = [];
    let after = start.pollCursor as string;
    let browsedWhileWriting = 0;
    for (;;) {
      const { body } = await get(a.apiKey, `/v1/events?after=${after}&limit=137`);
      for (const item of body.data) {
        seen.push(item.id);
        cursors.push(Number(item.cursor));
      }
      after = body.nextCursor;
      if (!writerDone) {
        const top = await get(a.apiKey, '/v1/events?limit=50');
        if (top.body.data.length) browsedWhileWriting++;
        const older = top.body.nextCursor ? await get(a.apiKey, `/v1/events?limit=50&cursor=${top.body.nextCursor}`) : null;
        if (older) expect(Number(older.body.data[0].cursor)).toBeLessThan(Number(top.body.data.at(-1).cursor));
      }
      if (writerDone && !body.hasMore && body.data.length === 0) break;
    }
    const ids = await written;
    expect(ids).toHaveLength(5000);
    expect(seen).toHaveLength(5000);
    expect(new Set(seen).size).toBe(5000);
    expect(seen).toEqual(ids); // the writer's commit order
    expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1]!)).toBe(true);
    expect(browsedWhileWriting).toBeGreaterThan(0);

    // Newest first over everything: the same 5,000, reversed, none of tenant b's.
    const back: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const { body } = await get(a.apiKey, `/v1/events?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      back.push(...body.data.map((e: any) => e.id));
      cursor = body.nextCursor;
    }
    expect(back).toEqual([...ids].reverse());
  }, 120_000);

  it("never shows another tenant's events, and filters by type, job, provider, metadata and time", async () => {
    const t = seedTenant(api, 'filters');
    const other = seedTenant(api, 'other');
    const j1 = seedJobRow(api.db, t.id, { provider: 'topaz', metadata: { customer: 'c-1', tier: 2, vip: true } });
    const j2 = seedJobRow(api.db, t.id, { provider: 'pictory', metadata: { customer: 'c-2' } });
    const jx = seedJobRow(api.db, other.id, { provider: 'topaz', metadata: { customer: 'c-1' } });
    const e1 = appendEvents(api.db, { id: j1, tenantId: t.id, provider: 'topaz', metadata: { customer: 'c-1', tier: 2, vip: true } }, 2, { now: Date.parse('2026-01-01T00:00:00Z') });
    const e2 = appendEvents(api.db, { id: j2, tenantId: t.id, provider: 'pictory', metadata: { customer: 'c-2' } }, 1, { type: 'job.succeeded', now: Date.parse('2026-02-01T00:00:00Z') });
    appendEvents(api.db, { id: jx, tenantId: other.id, provider: 'topaz', metadata: { customer: 'c-1' } }, 3);

    const ids = async (query: string, key = t.apiKey) => (await get(key, `/v1/events?${query}`)).body.data.map((e: any) => e.id);
    expect(await ids('')).toEqual([...e1, ...e2].reverse());
    expect(await ids('type=job.succeeded')).toEqual(e2);
    expect(await ids(`jobId=${j1}&after=0`)).toEqual(e1);
    expect(await ids('provider=topaz&after=0')).toEqual(e1);
    expect(await ids('provider=topaz,pictory&after=0')).toEqual([...e1, ...e2]);
    // List filters may repeat as well as hold a comma-separated list; others may not.
    expect(await ids('provider=topaz&provider=pictory&after=0')).toEqual([...e1, ...e2]);
    expect(await ids('type=job.succeeded&type=job.failed&after=0')).toEqual(e2);
    expect((await get(t.apiKey, '/v1/events?jobId=a&jobId=b')).res.status).toBe(422);
    expect(await ids('metadata[customer]=c-1&after=0')).toEqual(e1);
    expect(await ids('metadata[tier]=2&metadata[vip]=true&after=0')).toEqual(e1);
    expect(await ids('metadata[tier]=3')).toEqual([]);
    expect(await ids('since=2026-01-15T00:00:00Z')).toEqual(e2);
    expect(await ids('until=2026-01-15T00:00:00Z&after=0')).toEqual(e1);
    expect(await ids(`jobId=${jx}`)).toEqual([]);
    // The other tenant sees only its own.
    expect(await ids('metadata[customer]=c-1', other.apiKey)).toHaveLength(3);

    const item = (await get(t.apiKey, `/v1/events?jobId=${j2}`)).body.data[0];
    expect(item).toMatchObject({ id: e2[0], jobId: j2, sequence: 1, type: 'job.succeeded', deliveries: [] });
    const stored = api.db.prepare<{ body: string }>('SELECT body FROM events WHERE id = ?').get(e2[0]!)!.body;
    expect(JSON.stringify(item.payload)).toBe(stored);

    const bad = await api.fetch('/v1/events?type=job.nope&metadata[a b]=1&after=x&limit=0&since=yesterday', { key: t.apiKey });
    expect(bad.status).toBe(422);
    const problem = (await bad.json()) as any;
    expect(problem.errors.map((e: any) => e.path).sort()).toEqual(['after', 'limit', 'metadata[a b]', 'since', 'type']);
    expect((await api.fetch('/v1/events', { key: null })).status).toBe(401);
  });

  it('answers 304 to If-None-Match while nothing changed', async () => {
    const t = seedTenant(api, 'etag');
    const job = seedJobRow(api.db, t.id);
    appendEvents(api.db, { id: job, tenantId: t.id }, 3);
    const first = await get(t.apiKey, '/v1/events?after=0');
    const etag = first.res.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const cursor = first.body.nextCursor;
    const poll = await api.fetch(`/v1/events?after=${cursor}`, { key: t.apiKey });
    const pollTag = poll.headers.get('etag')!;
    expect((await api.fetch(`/v1/events?after=${cursor}`, { key: t.apiKey, headers: { 'if-none-match': pollTag } })).status).toBe(304);
    appendEvents(api.db, { id: job, tenantId: t.id }, 1);
    const changed = await api.fetch(`/v1/events?after=${cursor}`, { key: t.apiKey, headers: { 'if-none-match': pollTag } });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as any).data).toHaveLength(1);
  });
});
