import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { ManualClock } from '../../src/core/clock.ts';
import { seededRandom } from '../../src/core/random.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { createLogger } from '../../src/runtime/node/logger.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { createScheduler } from '../../src/scheduler/index.ts';
import { insertJob, insertTenant } from './harness.ts';
import { tempDb, testSecretBox } from '../helpers/db.ts';

const SECRET_HEADER = 'hdr-secret-3f9a1c';

/** An upstream answering from a script: 500s, then non-JSON, then 500s again, then done. */
async function scriptedUpstream(script: Array<{ status: number; body: string }>): Promise<{ server: Server; url: string; requests: number }> {
  const state = { server: null as unknown as Server, url: '', requests: 0 };
  state.server = createServer((req, res) => {
    const step = script[Math.min(state.requests++, script.length - 1)]!;
    res.writeHead(step.status, { 'content-type': 'application/json' }).end(step.body);
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('failed upstream polls in the log', () => {
  it('warns on a job\'s first failure and on each change of kind, not on every failure, without secrets', async () => {
    const script = [
      ...Array.from({ length: 3 }, () => ({ status: 500, body: '{"error":"boom"}' })),
      ...Array.from({ length: 2 }, () => ({ status: 200, body: 'not json at all' })),
      ...Array.from({ length: 2 }, () => ({ status: 503, body: '{}' })),
      { status: 200, body: '{"status":"done"}' },
    ];
    const upstream = await scriptedUpstream(script);
    cleanups.push(() => new Promise((r) => upstream.server.close(() => r())));
    const clock = new ManualClock();
    const temp = tempDb(clock.now());
    cleanups.push(() => temp.cleanup());
    const box = testSecretBox();
    const lines: Array<Record<string, unknown>> = [];
    let raw = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        raw += chunk.toString();
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const http = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true } });
    cleanups.push(() => http.close());
    const scheduler = createScheduler({
      db: temp.db,
      clock,
      random: seededRandom(3),
      http,
      providers: createProviderRegistry({}),
      secretBox: box,
      logger: createLogger({ level: 'debug', destination: sink as never }),
      workerId: 'w1',
      options: { stepWaitMs: 10_000 },
    });
    cleanups.push(() => scheduler.idle());
    const tenantId = insertTenant(temp.db, clock.now());
    const jobId = insertJob(
      temp.db,
      box,
      tenantId,
      {
        provider: 'http',
        externalId: 'j1',
        httpSpec: { url: `${upstream.url}/jobs/{externalId}`, statusPath: '/status', states: { succeeded: ['done'] } },
        httpHeaders: { 'x-api-key': SECRET_HEADER },
        pollIntervalMs: 1_000,
        maxPollIntervalMs: 2_000,
      },
      clock.now(),
    );

    for (let i = 0; i < 100 && upstream.requests < script.length; i++) {
      const r = await scheduler.runOnce();
      if (!r.more && r.nextDueAt != null) clock.set(Math.max(clock.now(), r.nextDueAt));
    }
    await scheduler.idle();
    expect(upstream.requests).toBe(script.length);

    const polled = lines.filter((l) => l.msg === 'polled' && l.jobId === jobId);
    expect(polled.filter((l) => l.result !== 'observed').length).toBe(7);
    const warnings = lines.filter((l) => l.level === 40 && l.jobId === jobId);
    expect(warnings.map((w) => [w.previousKind, w.kind])).toEqual([
      [null, 'transient'],
      ['transient', 'malformed'],
      ['malformed', 'transient'],
    ]);
    expect(warnings[0]).toMatchObject({ provider: 'http', status: 500 });
    expect(warnings[0]!.msg).toMatch(/upstream poll failed: transient/);
    expect(warnings[1]!.msg).toMatch(/changed from transient to malformed/);
    expect(raw).not.toContain(SECRET_HEADER);
  });
});
