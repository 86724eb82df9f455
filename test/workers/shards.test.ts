/**
 * The Worker's routing under workerd: each tenant in a shard of its own, found from its key;
 * nothing a stranger sends (bad admin token, made-up shard ids) creates a Durable Object.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorker, startLocalWorker, type LocalWorker } from '../../src/runtime/workers/local/miniflare.ts';

const ADMIN = 'shards-admin';
let worker: LocalWorker;
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-shards-'));
  worker = await startLocalWorker({
    scriptPath: await buildWorker(),
    vars: { POLLHOOK_ADMIN_TOKEN: ADMIN, POLLHOOK_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), POLLHOOK_LOG_LEVEL: 'error' },
    persistDir: dir,
  });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (path: string, token: string, json?: unknown) =>
  worker.dispatch(path, {
    method: json === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
/** Durable Objects with a database on disk, over both classes. */
const objects = () => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.sqlite')).length;

describe('shards', () => {
  it('gives each tenant its own shard, reached through its key', async () => {
    const a = (await (await call('/v1/tenants', ADMIN, { name: 'a' })).json()) as { apiKey: string; id: string };
    const b = (await (await call('/v1/tenants', ADMIN, { name: 'b' })).json()) as { apiKey: string; id: string };
    const shardOf = (key: string) => /^ph_([a-z0-9]+)_/.exec(key)![1];
    expect(shardOf(a.apiKey)).not.toBe(shardOf(b.apiKey));
    const sub = await call('/v1/subscriptions', a.apiKey, { url: 'https://example.com/hook' });
    expect(sub.status).toBe(201);
    const subId = ((await sub.json()) as { id: string }).id;
    expect((await call(`/v1/subscriptions/${subId}`, a.apiKey)).status).toBe(200);
    expect((await call(`/v1/subscriptions/${subId}`, b.apiKey)).status).toBe(404);
    expect(((await (await call('/v1/subscriptions', b.apiKey)).json()) as { data: unknown[] }).data).toEqual([]);
  });

  it('creates no Durable Object for a stranger', async () => {
    // The default shard answers what routes nowhere; it exists in every deployment.
    expect((await call('/v1/jobs', 'not-a-key')).status).toBe(401);
    const before = objects();
    const answers = [
      (await call('/v1/tenants', 'wrong-token', { name: 'x' })).status,
      (await call('/v1/jobs', 'ph_abcdefghij123456_nope')).status,
      (await call('/v1/jobs', 'ph_zzzzzzz_nope')).status,
      (await call('/v1/tenants/tnt_01M91MHFEJRNBBH0KHS6W8CYHA', 'wrong-token')).status,
    ];
    expect(answers).toEqual([401, 401, 401, 401]);
    expect(objects()).toBe(before);
  });
});

describe('bad configuration', () => {
  it('answers every request with the one-line reason when the master key is missing', async () => {
    const bare = await startLocalWorker({ scriptPath: await buildWorker(), vars: { POLLHOOK_LOG_LEVEL: 'error' } });
    try {
      const res = await bare.dispatch('/v1/jobs', { headers: { authorization: 'Bearer ph_x' } });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { detail: string }).detail).toMatch(/POLLHOOK_MASTER_KEY is not set/);
      expect((await bare.dispatch('/healthz')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });

  it('stops npm run dev:workers with one line and exit 1', () => {
    const r = spawnSync(process.execPath, ['bin/run-ts.js', 'src/runtime/workers/local/dev.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, POLLHOOK_RETRY_SCHEDULE: 'soon', POLLHOOK_STATE_DIR: dir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^pollhook: .*POLLHOOK_RETRY_SCHEDULE/);
  });
});
