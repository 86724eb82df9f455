import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startStack, type Stack } from '../helpers/stack.ts';
import { callApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';
import { OPERATIONAL_EVENT_TYPES } from '../../src/core/types.ts';

const SUBSCRIBABLE_OPERATIONAL = OPERATIONAL_EVENT_TYPES.filter((t) => t !== 'endpoint.test');

let stack: Stack;
let ops: Server;
let endpoint: Server;
const opsReceived: any[] = [];
const endpointReceived: any[] = [];
let endpointAnswer = 500;
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as { port: number }).port}/hooks`;

function receiver(into: any[], status: () => number): Server {
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const code = status();
      if (code < 300) into.push({ id: req.headers['webhook-id'], headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(code).end();
    });
  });
}

beforeAll(async () => {
  stack = await startStack({ stepMs: 50, env: { POLLHOOK_RETRY_SCHEDULE: '50ms,50ms' } });
  ops = receiver(opsReceived, () => 200);
  endpoint = receiver(endpointReceived, () => endpointAnswer);
  await Promise.all([ops, endpoint].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});
afterAll(async () => {
  await stack.close();
  await Promise.all([ops, endpoint].map((s) => new Promise((r) => s.close(r))));
});

const api = (path: string, init?: { method?: string; json?: unknown }) => callApi(stack.service.url, stack.apiKey, path, init);

async function runJob(externalId: string): Promise<string> {
  const { status, job } = await stack.createJob({ provider: 'fotolabs', externalId, credentials: { apiKey: 'fl_sim_key' }, pollIntervalSeconds: 1, maxPollIntervalSeconds: 1 });
  expect(status).toBe(201);
  await waitFor(async () => (await api(`/v1/jobs/${job.id}`)).body.finishedAt, { timeoutMs: 30_000, message: 'the job to finish' });
  return job.id;
}
const opsOf = (type: string) => opsReceived.filter((r) => r.body.type === type);

it('operational events reach their own URL: failing, recovered, disabled, rotated; a disabled endpoint replays what it missed', async () => {
  const started = new Date().toISOString();
  const opsSub = (await api('/v1/subscriptions', { method: 'POST', json: { url: urlOf(ops), events: SUBSCRIBABLE_OPERATIONAL } })).body;
  expect(opsSub.events).toEqual(SUBSCRIBABLE_OPERATIONAL);
  const sub = (await api('/v1/subscriptions', { method: 'POST', json: { url: urlOf(endpoint) } })).body;

  // Deliveries to the endpoint die (three 500s): it is failing.
  await runJob('sim-success-op1');
  await waitFor(() => opsOf('endpoint.failing').length === 1, { message: 'endpoint.failing' });
  const failing = opsOf('endpoint.failing')[0];
  expect(failing.body.data).toMatchObject({ subscriptionId: sub.id, url: urlOf(endpoint) });
  expect(Date.parse(failing.body.data.disablesAt)).toBeGreaterThan(Date.parse(failing.body.data.failingSince));
  // Signed like every webhook.
  expect(() => new Webhook(stack.signingSecret).verify(failing.raw, failing.headers)).not.toThrow();

  // One gets through: recovered.
  endpointAnswer = 200;
  await runJob('sim-success-op2');
  await waitFor(() => opsOf('endpoint.recovered').length === 1, { message: 'endpoint.recovered' });
  expect(opsOf('endpoint.recovered')[0].body.data.subscriptionId).toBe(sub.id);

  // 410: disabled.
  endpointAnswer = 410;
  await runJob('sim-success-op3');
  await waitFor(() => opsOf('endpoint.disabled').length === 1, { message: 'endpoint.disabled' });
  expect(opsOf('endpoint.disabled')[0].body.data.disabledReason).toMatch(/410/);
  expect((await api(`/v1/subscriptions/${sub.id}`)).body.enabled).toBe(false);

  const rotated = await api('/v1/signing-secrets/rotate', { method: 'POST' });
  expect(rotated.status).toBe(201);
  await waitFor(() => opsOf('signing_secret.rotated').length === 1, { message: 'signing_secret.rotated' });
  expect(opsOf('signing_secret.rotated')[0].body.data.signingSecretId).toBe(rotated.body.id);

  // Events keep being recorded while the endpoint is disabled; replayed once it is enabled again.
  const missedJob = await runJob('sim-success-op4');
  expect((await api('/v1/subscriptions/' + sub.id + '/replay', { method: 'POST', json: { since: started } })).status).toBe(409);
  endpointAnswer = 200;
  expect((await api(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', json: { enabled: true } })).body.enabled).toBe(true);
  const replay = await api(`/v1/subscriptions/${sub.id}/replay`, { method: 'POST', json: { since: started } });
  expect(replay.status).toBe(202);
  expect(replay.body.queued).toBeGreaterThan(0);
  const jobEvents = async () => {
    const { body } = await api('/v1/events?after=0&limit=200');
    return body.data.filter((e: any) => e.jobId !== null).map((e: any) => `${e.payload.data.id}:${e.payload.data.sequence}`);
  };
  const got = () => new Set(endpointReceived.map((r) => `${r.body.data.id}:${r.body.data.sequence}`));
  await waitFor(async () => (await jobEvents()).every((k: string) => got().has(k)), { message: 'every job event at the endpoint after the replay' });
  expect([...got()].some((k) => k.startsWith(missedJob))).toBe(true);
  // A second replay finds nothing left to send.
  expect((await api(`/v1/subscriptions/${sub.id}/replay`, { method: 'POST', json: { since: started } })).body.queued).toBe(0);

  // Each kind to its own URL.
  expect(opsReceived.every((r) => (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(r.body.type))).toBe(true);
  expect(endpointReceived.every((r) => r.body.type.startsWith('job.'))).toBe(true);

  // In the feed, without a job, filterable by type.
  const feed = (await api('/v1/events?type=endpoint.disabled,signing_secret.rotated&after=0')).body.data;
  expect(feed.map((e: any) => e.type)).toEqual(['endpoint.disabled', 'signing_secret.rotated']);
  expect(feed.every((e: any) => e.jobId === null)).toBe(true);
  // The carrier row is not a job the API shows.
  expect((await api('/v1/jobs?limit=200')).body.data.every((j: any) => j.provider === 'fotolabs')).toBe(true);
}, 90_000);
