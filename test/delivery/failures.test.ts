import { afterEach, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { createHarness, drain, type Harness } from './harness.ts';
import { appendEvent, attempts, delivery, deliveries, insertJob } from './fixtures.ts';
import { startTestReceiver, type Reply, type TestReceiver } from './receiver.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { requeueDelivery } from '../../src/store/queries/requeueDeliveries.ts';

let h: Harness;
let receiver: TestReceiver;
afterEach(async () => {
  // The receiver first: closing the HTTP client waits for requests a receiver still holds.
  await receiver.close();
  await h.cleanup();
});

/** A harness, a receiver answering `reply`, and one queued delivery to it. */
async function setup(reply: (nth: number) => Reply, options: Parameters<typeof createHarness>[0] = {}) {
  h = createHarness(options);
  receiver = await startTestReceiver({
    secrets: [h.secret],
    nowSeconds: () => Math.floor(h.clock.now() / 1000),
    reply: (r) => reply(r.nth),
  });
  const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
  appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: receiver.url }, h.clock.now());
  return deliveries(h.db)[0]!.id;
}

describe('failures and retries', () => {
  it('500, 500, then 200: three attempts with the same webhook-id, each logged', async () => {
    const id = await setup((n) => (n < 2 ? { status: 500, body: `oops ${n}` } : { status: 200 }));
    const start = h.clock.now();
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: 500, last_error: 'HTTP 500' });
    expect(delivery(h.db, id).next_attempt_at).toBe(start + 5_000);

    h.clock.advance(5_000);
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', attempt_count: 2 });
    expect(delivery(h.db, id).next_attempt_at).toBe(start + 5_000 + 300_000);

    h.clock.advance(300_000);
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'delivered', attempt_count: 3, last_status_code: 200, last_error: null });

    expect(receiver.received.map((r) => r.webhookId)).toEqual([id, id, id]);
    expect(receiver.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
    // Each attempt is signed with its own timestamp.
    expect(receiver.received.map((r) => r.timestamp)).toEqual(
      [start, start + 5_000, start + 305_000].map((t) => Math.floor(t / 1000)),
    );
    const log = attempts(h.db, id);
    expect(log.map((a) => [a.status_code, a.error, a.response_body])).toEqual([
      [500, 'HTTP 500', 'oops 0'],
      [500, 'HTTP 500', 'oops 1'],
      [200, null, null],
    ]);
    expect(log.map((a) => a.attempted_at)).toEqual([start, start + 5_000, start + 305_000]);
    for (const a of log) expect(a.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('keeps only the first 4 KiB of a response body', async () => {
    const id = await setup(() => ({ status: 500, body: 'x'.repeat(10_000) }));
    await drain(h);
    expect(attempts(h.db, id)[0]!.response_body).toHaveLength(4096);
  });

  it('a timeout is a failed attempt', async () => {
    const id = await setup(() => 'hang', { options: { timeoutMs: 200 } });
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: null, last_error: 'timed out' });
    expect(attempts(h.db, id)[0]).toMatchObject({ status_code: null, error: 'timed out' });
  });

  it('a connection reset is a failed attempt', async () => {
    const id = await setup(() => 'reset');
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: null });
    expect(attempts(h.db, id)[0]!.error).toMatch(/connection reset/);
  });

  it('a 302 is not followed and counts as a failure', async () => {
    const id = await setup(() => ({ status: 302, headers: { location: '/elsewhere' } }));
    await drain(h);
    expect(receiver.received.map((r) => r.path)).toEqual(['/hooks']);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', last_status_code: 302 });
    expect(delivery(h.db, id).last_error).toBe('redirect (HTTP 302 to /elsewhere) not followed');
  });

  it.each([
    { status: 429, retryAfter: '7', expectedDelay: 7_000 },
    { status: 503, retryAfter: '7', expectedDelay: 7_000 },
    { status: 429, retryAfter: '3600', expectedDelay: 10_000 },
    { status: 429, retryAfter: '1', expectedDelay: 5_000 },
    { status: 500, retryAfter: '7', expectedDelay: 5_000 },
  ])('$status with Retry-After $retryAfter schedules the retry $expectedDelay ms later', async ({ status, retryAfter, expectedDelay }) => {
    const id = await setup((n) => (n === 0 ? { status, headers: { 'retry-after': retryAfter } } : { status: 200 }));
    const start = h.clock.now();
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', next_attempt_at: start + expectedDelay });
    h.clock.advance(expectedDelay - 1);
    await drain(h);
    expect(receiver.received).toHaveLength(1);
    h.clock.advance(1);
    await drain(h);
    expect(delivery(h.db, id).status).toBe('delivered');
  });

  it('dies after a short schedule; a replay delivers it with the same webhook-id and its history', async () => {
    let healthy = false;
    const id = await setup(() => (healthy ? { status: 200 } : { status: 500 }), { options: { retryScheduleMs: [1_000, 1_000] } });
    await drain(h);
    h.clock.advance(1_000);
    await drain(h);
    h.clock.advance(1_000);
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'dead', attempt_count: 3, next_attempt_at: null, dead_at: h.clock.now() });
    h.clock.advance(60_000);
    await drain(h);
    expect(receiver.received).toHaveLength(3);

    healthy = true;
    expect(requeueDelivery(h.db, h.tenantId, id, h.clock.now())).toBe('queued');
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'delivered', attempt_count: 4, retry_base: 3, dead_at: null });
    expect(receiver.received.map((r) => r.webhookId)).toEqual([id, id, id, id]);
    expect(attempts(h.db, id).map((a) => a.status_code)).toEqual([500, 500, 500, 200]);
  });

  it('a replayed delivery gets the whole schedule again', async () => {
    const id = await setup(() => ({ status: 500 }), { options: { retryScheduleMs: [1_000] } });
    await drain(h);
    h.clock.advance(1_000);
    await drain(h);
    expect(delivery(h.db, id).status).toBe('dead');
    requeueDelivery(h.db, h.tenantId, id, h.clock.now());
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'failed', attempt_count: 3, next_attempt_at: h.clock.now() + 1_000 });
    h.clock.advance(1_000);
    await drain(h);
    expect(delivery(h.db, id)).toMatchObject({ status: 'dead', attempt_count: 4 });
  });
});

describe('DNS rebinding', () => {
  it('refuses a name that resolves to loopback at connect time; nothing reaches the receiver', async () => {
    const lookups: string[] = [];
    const rebinding = ((hostname: string, _opts: unknown, callback: (err: Error | null, addresses: LookupAddress[]) => void) => {
      lookups.push(hostname);
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    }) as unknown as typeof import('node:dns').lookup;
    const http = createNodeHttpClient({ ssrf: { allowPrivate: false, allowHttp: true }, lookup: rebinding });
    h = createHarness({ http });
    receiver = await startTestReceiver({ secrets: [h.secret] });
    const url = `http://hooks.rebind.example:${receiver.port}/hooks`;
    const job = insertJob(h.db, h.tenantId, url, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: url }, h.clock.now());
    await drain(h);

    const [d] = deliveries(h.db);
    expect(lookups).toContain('hooks.rebind.example');
    expect(receiver.received).toHaveLength(0);
    expect(d).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: null });
    const [a] = attempts(h.db, d!.id);
    expect(a!.error).toMatch(/^SSRF guard refused the connection: .*127\.0\.0\.1 is a loopback address/);
  });
});
