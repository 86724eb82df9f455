import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { callApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

let stack: Stack;
let target: Receiver;
let other: Receiver;

beforeAll(async () => {
  stack = await startStack();
  target = await startReceiver({ secrets: () => [stack.signingSecret] });
  other = await startReceiver({ secrets: () => [stack.signingSecret] });
});
afterAll(async () => {
  await stack.close();
  await Promise.all([target.close(), other.close()]);
});

const api = (path: string, init?: { method?: string; json?: unknown }) => callApi(stack.service.url, stack.apiKey, path, init);

it('POST /v1/subscriptions/{id}/test delivers one signed endpoint.test to that subscription only, recorded as a delivery', async () => {
  const sub = (await api('/v1/subscriptions', { method: 'POST', json: { url: target.url, events: ['job.succeeded'] } })).body;
  // Another subscription listening to everything operational gets nothing.
  await api('/v1/subscriptions', { method: 'POST', json: { url: other.url, events: ['endpoint.failing', 'endpoint.disabled'] } });

  const sent = await api(`/v1/subscriptions/${sub.id}/test`, { method: 'POST' });
  expect(sent.status).toBe(202);
  expect(sent.body).toMatchObject({ subscriptionId: sub.id, url: target.url, status: 'pending' });

  await waitFor(() => target.accepted().length === 1, { message: 'the test webhook' });
  const hook = target.accepted()[0]!;
  expect(hook.verified).toBe(true);
  expect(hook.payload).toMatchObject({ type: 'endpoint.test', data: { subscriptionId: sub.id, url: target.url } });

  const delivery = await waitFor(async () => {
    const d = (await api(`/v1/deliveries/${sent.body.id}`)).body;
    return d.status === 'delivered' ? d : null;
  }, { message: 'the delivery recorded as delivered' });
  expect(delivery.attempts).toHaveLength(1);
  expect(delivery.attempts[0].statusCode).toBe(204);
  expect(other.received).toHaveLength(0);

  // It is in the event feed, typed, without a job.
  const feed = (await api('/v1/events?type=endpoint.test')).body;
  expect(feed.data.map((e: any) => e.type)).toEqual(['endpoint.test']);
  expect(feed.data[0].jobId).toBeNull();
});

it('refuses a disabled subscription (409), an unknown one (404), and endpoint.test in events (422)', async () => {
  const sub = (await api('/v1/subscriptions', { method: 'POST', json: { url: `${target.url}/off`, enabled: false } })).body;
  const refused = await api(`/v1/subscriptions/${sub.id}/test`, { method: 'POST' });
  expect(refused.status).toBe(409);
  const raw = await fetch(`${stack.service.url}/v1/subscriptions/${sub.id}/test`, { method: 'POST', headers: { authorization: `Bearer ${stack.apiKey}` } });
  expect(raw.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(refused.body.detail).toMatch(/disabled/);

  expect((await api('/v1/subscriptions/sub_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A/test', { method: 'POST' })).status).toBe(404);
  const listed = await api('/v1/subscriptions', { method: 'POST', json: { url: `${target.url}/x`, events: ['endpoint.test'] } });
  expect(listed.status).toBe(422);
  expect(listed.body.errors[0].path).toMatch(/^events/);
});
