/**
 * The shard's alarm on a Durable Object over its storage limit (every write throws `database or
 * disk is full: SQLITE_FULL` at the statement; the state is a real SQLite database): the API
 * answers 503 with Retry-After, /readyz says why, and the alarm backs off (exponential, capped,
 * jittered) and always re-arms; when writes succeed again, the next alarm's probe write makes
 * the shard writable and it re-arms at its due work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PollhookShard } from '../../src/runtime/workers/shard.ts';
import { durableStateOnSqlite, type TestDurableState } from './durableStorageOnSqlite.ts';

let state: TestDurableState | null = null;
afterEach(() => state?.close());

const env = { POLLHOOK_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'), POLLHOOK_LOG_LEVEL: 'error', POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };

describe('the shard on a full Durable Object', () => {
  it('answers 503, backs off its alarm, never stops re-arming, and resumes by itself', async () => {
    state = durableStateOnSqlite();
    const shard = new PollhookShard(state, env as never);
    const tenant = (await (await shard.fetch(new Request('https://shard/__shard/bootstrap'))).json()) as { apiKey: string };
    const call = (path: string, json?: unknown) =>
      shard.fetch(new Request(`https://shard${path}`, { method: json ? 'POST' : 'GET', headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' }, body: json ? JSON.stringify(json) : undefined }));
    const job = { provider: 'topaz', externalId: 'ext-1', credentials: { apiKey: 'k' }, callbackUrl: 'http://127.0.0.1:9/hook' };
    expect((await call('/v1/jobs', job)).status).toBe(201);

    state.full = true;
    const refused = await call('/v1/jobs', { ...job, externalId: 'ext-2' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const ready = await call('/readyz');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { storage: unknown } }).checks.storage).toMatchObject({ writable: false, kind: 'full' });

    // Each alarm fails its claim, resolves (no platform retry needed) and re-arms at the backoff.
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = Date.now();
      await shard.alarm();
      delays.push(state.alarms.at(-1)! - before);
    }
    console.log(`shardStorage: alarm delays while full (ms): ${delays.join(', ')}`);
    expect(delays.every((d) => d >= 100 && d <= 2_500)).toBe(true);
    expect(Math.max(...delays.slice(4))).toBeGreaterThan(Math.min(...delays.slice(0, 2)));

    state.full = false;
    await shard.alarm();
    // The probe write committed: writable again, and the alarm is back at the due work.
    expect((await call('/readyz')).status).toBe(200);
    expect(state.alarms.at(-1)).not.toBe(-1);
    expect((await call('/v1/jobs', { ...job, externalId: 'ext-3' })).status).toBe(201);
  }, 30_000);
});
