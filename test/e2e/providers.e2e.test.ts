import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

/** From POST /v1/jobs through the simulated upstreams to a verifying receiver, for every provider. */
describe('end to end: API -> simulated upstream -> signed webhook', () => {
  let dir: string;
  let sim: Simulator;
  let service: Service;
  let receiver: Receiver;
  let apiKey = '';
  let secret = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pollhook-e2e-'));
    sim = await startSimulator({ stepMs: 100 });
    const env: Record<string, string> = {
      POLLHOOK_DB_PATH: join(dir, 'p.db'),
      PORT: '0',
      POLLHOOK_HOST: '127.0.0.1',
      POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      POLLHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
    let banner = '';
    service = await startService({ env, logger: nullLogger, announce: (t) => (banner = t) });
    apiKey = /API key:\s+(\S+)/.exec(banner)![1]!;
    secret = /signing secret:\s+(\S+)/.exec(banner)![1]!;
    receiver = await startReceiver({ secrets: [secret] });
  });

  afterAll(async () => {
    await receiver?.close();
    await service?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const register = async (provider: string, scenario: string) => {
    const upstream = sim.createJob({ provider, scenario });
    const res = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        provider,
        externalId: upstream.id,
        credentials: { apiKey: upstream.apiKey },
        callbackUrl: receiver.url,
        metadata: { orderId: 42, provider },
        pollIntervalSeconds: 0.25,
        maxPollIntervalSeconds: 0.5,
      }),
    });
    expect(res.status).toBe(201);
    const job = (await res.json()) as { id: string };
    return { job, upstream };
  };

  const cases = [
    ...BUILTIN_PROVIDERS.map((p) => [p, 'success'] as const),
    ['pictory', 'failure'] as const,
    ['aigenstudio', 'partial'] as const,
    ['topaz', 'cancel'] as const,
  ];

  it.each(cases)('%s / %s: every status change arrives once, in order, signed', async (provider, scenario) => {
    const { job, upstream } = await register(provider, scenario);
    const terminal = `job.${upstream.expected.finalState}`;
    const hooks = await waitFor(
      () => {
        const mine = receiver.accepted().filter((h) => h.payload?.data?.id === job.id);
        return mine.some((h) => h.payload.type === terminal) ? mine : null;
      },
      { timeoutMs: 20_000, message: `${terminal} for ${provider}` },
    );
    expect(hooks.every((h) => h.verified)).toBe(true);
    const sequences = hooks.map((h) => h.payload.data.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    expect(hooks.map((h) => h.payload.data.upstreamStatus)).toEqual(upstream.expected.upstreamStatuses);
    expect(new Set(hooks.map((h) => h.webhookId)).size).toBe(hooks.length);
    const last = hooks.at(-1)!.payload;
    expect(last.data).toMatchObject({
      provider,
      externalId: upstream.id,
      state: upstream.expected.finalState,
      metadata: { orderId: 42, provider },
    });

    // The receiver answers before the engine commits the outcome: wait for the API to show it.
    type EventView = { sequence: number; deliveries: { status: string }[] };
    const events = await waitFor(
      async () => {
        const res = await fetch(`${service.url}/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${apiKey}` } });
        const body = (await res.json()) as { data: EventView[] };
        return body.data.every((e) => e.deliveries.every((d) => d.status === 'delivered')) ? body : null;
      },
      { message: 'every delivery to show as delivered' },
    );
    expect(events.data.map((e) => e.sequence)).toEqual(sequences);
  });
});
