import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

/** Reads one sample from Prometheus text: `name{a="x",b="y"} value`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      (m[2] ?? '').split(',').filter(Boolean).map((kv) => {
        const [k, v] = kv.split('=');
        return [k, v!.replace(/^"|"$/g, '')];
      }),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('GET /metrics after a lifecycle', () => {
  let stack: Stack;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack({ stepMs: 100, env: { POLLHOOK_RETRY_SCHEDULE: '50ms,50ms,50ms' } });
    // The first two requests fail, then everything is accepted.
    receiver = await startReceiver({ secrets: [stack.signingSecret], respond: (_h, nth) => (nth < 2 ? 500 : 204) });
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const register = async (provider: string, externalId: string, apiKeyUpstream: string) => {
    const { status, job } = await stack.createJob({
      provider,
      externalId,
      credentials: { apiKey: apiKeyUpstream },
      callbackUrl: receiver.url,
      pollIntervalSeconds: 0.25,
      maxPollIntervalSeconds: 0.5,
    });
    expect(status).toBe(201);
    return (job as { id: string }).id;
  };

  it('counts polls, events, delivery outcomes, latencies and the gauges', async () => {
    const done = stack.sim.createJob({ provider: 'fotolabs', scenario: 'success' });
    const jobId = await register('fotolabs', done.id, done.apiKey);
    // Stays tracked without events: an upstream may not know a new job for a while (>= 30 s).
    const unknown = stack.sim.createJob({ provider: 'topaz', scenario: 'not_found' });
    await register('topaz', unknown.id, unknown.apiKey);

    await waitFor(
      () => receiver.accepted().some((h) => h.payload?.data?.id === jobId && h.payload.type === 'job.succeeded'),
      { message: 'the fotolabs job to be delivered' },
    );
    const unfinished = () =>
      stack.service.db.prepare<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending','failed')").get()!.n;
    await waitFor(() => unfinished() === 0, { message: 'every delivery to be committed' });
    const res = await fetch(`${stack.service.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();

    // fotolabs success: pending -> processing -> completed, one event each.
    for (const type of ['job.pending', 'job.running', 'job.succeeded']) {
      expect(sample(text, 'pollhook_events_total', { type, provider: 'fotolabs' })).toBe(1);
    }
    expect(sample(text, 'pollhook_events_total', { type: 'job.failed', provider: 'fotolabs' })).toBe(0);
    const observed = sample(text, 'pollhook_polls_total', { provider: 'fotolabs', outcome: 'observed' });
    const notModified = sample(text, 'pollhook_polls_total', { provider: 'fotolabs', outcome: 'not_modified' });
    expect(observed).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'pollhook_poll_duration_seconds_count', { provider: 'fotolabs' })).toBe(observed + notModified);

    // The receiver failed the first two requests: two retries scheduled, then every event delivered.
    expect(sample(text, 'pollhook_delivery_outcomes_total', { outcome: 'failed' })).toBe(2);
    const delivered = sample(text, 'pollhook_delivery_outcomes_total', { outcome: 'delivered' });
    expect(delivered).toBe(receiver.accepted().length);
    expect(sample(text, 'pollhook_delivery_lag_seconds_count')).toBe(delivered);
    expect(sample(text, 'pollhook_delivery_attempt_duration_seconds_count', { verdict: 'delivered' })).toBe(delivered);

    // Gauges from SQLite: the topaz job is still tracked, the fotolabs one is finished.
    expect(sample(text, 'pollhook_active_jobs', { provider: 'topaz' })).toBe(1);
    expect(sample(text, 'pollhook_active_jobs', { provider: 'fotolabs' })).toBe(0);
    expect(sample(text, 'pollhook_outbox_deliveries', { status: 'dead' })).toBe(0);
    expect(text).toMatch(/^pollhook_oldest_due_job_lag_seconds \d/m);
  });
});
