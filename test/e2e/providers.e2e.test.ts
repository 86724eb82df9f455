import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

/** From POST /v1/jobs through the simulated upstreams to a verifying receiver, for every provider. */
describe('end to end: API -> simulated upstream -> signed webhook', () => {
  let stack: Stack;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack({ stepMs: 100 });
    receiver = await startReceiver({ secrets: [stack.signingSecret] });
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const register = async (provider: string, scenario: string) => {
    const upstream = stack.sim.createJob({ provider, scenario });
    const { status, job } = await stack.createJob({
      provider,
      externalId: upstream.id,
      credentials: { apiKey: upstream.apiKey },
      callbackUrl: receiver.url,
      metadata: { orderId: 42, provider },
      pollIntervalSeconds: 0.25,
      maxPollIntervalSeconds: 0.5,
    });
    expect(status).toBe(201);
    return { job: job as { id: string }, upstream };
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
        const res = await fetch(`${stack.service.url}/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
        const body = (await res.json()) as { data: EventView[] };
        return body.data.every((e) => e.deliveries.every((d) => d.status === 'delivered')) ? body : null;
      },
      { message: 'every delivery to show as delivered' },
    );
    expect(events.data.map((e) => e.sequence)).toEqual(sequences);
  });
});
