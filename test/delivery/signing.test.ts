import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, drain, USER_AGENT, type Harness } from './harness.ts';
import { appendEvent, attempts, delivery, deliveries, insertJob } from './fixtures.ts';
import { startTestReceiver, type TestReceiver } from './receiver.ts';
import { insertSigningSecret, ROTATION_OVERLAP_MS } from '../../src/store/queries/signingSecrets.ts';

let h: Harness;
let receiver: TestReceiver;
afterEach(async () => {
  // The receiver first: closing the HTTP client waits for requests a receiver still holds.
  await receiver.close();
  await h.cleanup();
});

describe('signing', () => {
  it('delivers a 2xx whose signature verifies, with the stored body byte for byte', async () => {
    h = createHarness();
    receiver = await startTestReceiver({ secrets: [h.secret], reply: () => ({ status: 200, body: 'thanks' }) });
    const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
    const { body } = appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: receiver.url }, h.clock.now());

    await drain(h);

    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    const [d] = deliveries(h.db);
    expect(got.verifiedBy).toEqual([0]);
    expect(got.body).toBe(body);
    expect(Buffer.from(got.body, 'utf8').equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(got.webhookId).toBe(d!.id);
    expect(got.timestamp).toBe(Math.floor(h.clock.now() / 1000));
    expect(got.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe(USER_AGENT);
    expect(got.path).toBe('/hooks');

    expect(d).toMatchObject({ status: 'delivered', attempt_count: 1, next_attempt_at: null, lease_token: null, last_status_code: 200 });
    expect(d!.delivered_at).toBe(h.clock.now());
    const [a] = attempts(h.db, d!.id);
    expect(a).toMatchObject({ status_code: 200, error: null, response_body: 'thanks', attempted_at: h.clock.now() });
    expect(a!.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('signs with both secrets during a rotation, each verifying on its own; the old one stops after the overlap', async () => {
    h = createHarness({ options: { secretCacheMs: 0 } });
    const old = h.secret;
    // Rotation as the API does it: the old secret gets an expiry, a new current one is created.
    h.db.prepare('UPDATE signing_secrets SET expires_at = ? WHERE tenant_id = ?').run(h.clock.now() + ROTATION_OVERLAP_MS, h.tenantId);
    h.clock.advance(1);
    const fresh = insertSigningSecret(h.db, h.box, h.tenantId, h.clock.now()).secret;
    receiver = await startTestReceiver({
      secrets: [old, fresh],
      nowSeconds: () => Math.floor(h.clock.now() / 1000),
      reply: () => ({ status: 204 }),
    });
    const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: receiver.url }, h.clock.now());
    await drain(h);

    const first = receiver.received[0]!;
    expect(first.signature.split(' ')).toHaveLength(2);
    expect(first.verifiedBy).toEqual([0, 1]);

    h.clock.advance(ROTATION_OVERLAP_MS);
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 2, callbackUrl: receiver.url }, h.clock.now());
    await drain(h);
    const second = receiver.received[1]!;
    expect(second.signature.split(' ')).toHaveLength(1);
    expect(second.verifiedBy).toEqual([1]);
  });

  it('sends to the callback and every subscription, each with its own webhook-id', async () => {
    h = createHarness();
    receiver = await startTestReceiver({ secrets: [h.secret] });
    const job = insertJob(h.db, h.tenantId, `${receiver.url}?to=callback`, h.clock.now());
    h.db
      .prepare('INSERT INTO subscriptions (id, tenant_id, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run('sub_01JD0000000000000000000000', h.tenantId, `${receiver.url}?to=sub`, h.clock.now(), h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: `${receiver.url}?to=callback` }, h.clock.now());
    await drain(h);
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/hooks?to=callback', '/hooks?to=sub']);
    expect(new Set(receiver.received.map((r) => r.webhookId)).size).toBe(2);
    expect(receiver.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
    for (const d of deliveries(h.db)) expect(delivery(h.db, d.id).status).toBe('delivered');
  });
});
