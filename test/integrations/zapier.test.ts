/**
 * examples/zapier/ against a real pollhook: zapier-platform-core is not installed (and its test
 * tools need the network), so the app's functions are called directly with a minimal `z` built
 * on fetch that behaves like Zapier's (beforeRequest middleware, `params`, JSON bodies,
 * `response.data`, `throwForStatus`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { startStack, type Stack } from '../helpers/stack.ts';
import { callApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

const require = createRequire(import.meta.url);
const zapierApp = require('../../examples/zapier/index.js');
const trigger = zapierApp.triggers.job_status_changed;

interface ZRequest {
  url: string;
  method?: string;
  params?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  skipThrowForStatus?: boolean;
}

function makeZ() {
  return {
    async request(options: ZRequest | string, bundle = currentBundle) {
      let request: ZRequest = typeof options === 'string' ? { url: options } : { ...options };
      for (const before of zapierApp.beforeRequest) request = before(request, z, bundle);
      const url = new URL(request.url);
      for (const [k, v] of Object.entries(request.params ?? {})) url.searchParams.set(k, v);
      const headers: Record<string, string> = { ...request.headers };
      let body: string | undefined;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(url, { method: request.method ?? 'GET', headers, body });
      const content = await res.text();
      let data: unknown;
      try {
        data = content ? JSON.parse(content) : undefined;
      } catch {
        data = undefined;
      }
      const response = {
        status: res.status,
        content,
        data,
        json: data,
        request,
        throwForStatus() {
          if (res.status >= 400) throw new Error(`Got ${res.status} calling ${request.method ?? 'GET'} ${url}: ${content}`);
        },
      };
      // zapier-platform-core (v10+) throws for 4xx/5xx unless told not to.
      if (!request.skipThrowForStatus) response.throwForStatus();
      return response;
    },
  };
}
const z = makeZ();
let currentBundle: any;

let stack: Stack;
let catchHook: Server;
let goneHook: Server;
const caught: any[] = [];
let goneHits = 0;
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as { port: number }).port}/hooks/catch`;

beforeAll(async () => {
  stack = await startStack({ stepMs: 50 });
  catchHook = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      caught.push(JSON.parse(raw));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  goneHook = createServer((req, res) => {
    req.resume();
    req.on('end', () => (goneHits++, res.writeHead(410).end()));
  });
  await Promise.all([catchHook, goneHook].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});
afterAll(async () => {
  await stack.close();
  await Promise.all([catchHook, goneHook].map((s) => new Promise((r) => s.close(r))));
});

const bundleFor = (extra: Record<string, unknown> = {}) =>
  (currentBundle = { authData: { baseUrl: `${stack.service.url}/`, apiKey: stack.apiKey }, inputData: {}, ...extra });

async function runJob(externalId: string): Promise<string> {
  const { status, job } = await stack.createJob({
    provider: 'fotolabs',
    externalId,
    credentials: { apiKey: 'fl_sim_key' },
    pollIntervalSeconds: 1,
    maxPollIntervalSeconds: 1,
  });
  expect(status).toBe(201);
  await waitFor(async () => (await callApi(stack.service.url, stack.apiKey, `/v1/jobs/${job.id}`)).body.finishedAt, {
    timeoutMs: 30_000,
    message: 'the job to finish',
  });
  return job.id;
}

it('authentication: the test passes with the API key and fails without a valid one', async () => {
  await expect(zapierApp.authentication.test(z, bundleFor())).resolves.toEqual({ ok: true });
  currentBundle = { authData: { baseUrl: stack.service.url, apiKey: 'ph_wrong' }, inputData: {} };
  await expect(zapierApp.authentication.test(z, currentBundle)).rejects.toThrow(/401/);
  expect(zapierApp.authentication.connectionLabel(z, bundleFor())).toContain(stack.service.url);
});

it('a Zap: subscribe, receive pushed events, list them from the feed, unsubscribe', async () => {
  const subscribeData = await trigger.operation.performSubscribe(z, bundleFor({ targetUrl: urlOf(catchHook), inputData: { event: 'job.*' } }));
  expect(subscribeData.id).toMatch(/^sub_/);
  expect(subscribeData.url).toBe(urlOf(catchHook));
  const jobId = await runJob('sim-success-zap1');
  await waitFor(() => caught.some((b) => b.type === 'job.succeeded' && b.data.id === jobId), { message: 'the pushed job.succeeded' });

  // perform: the pushed body becomes the Zap's item.
  const pushed = caught.filter((b) => b.data.id === jobId);
  const items = (await Promise.all(pushed.map((b) => trigger.operation.perform(z, bundleFor({ cleanedRequest: b }))))).flat();
  expect(items.map((i: any) => i.type)).toEqual(pushed.map((b) => b.type));
  const done = items.find((i: any) => i.type === 'job.succeeded');
  expect(done).toMatchObject({ id: `${jobId}:${done.sequence}`, jobId, provider: 'fotolabs', state: 'succeeded' });

  // performList: the same events from the feed, newest first, with the same ids and fields.
  const listed = await trigger.operation.performList(z, bundleFor({ inputData: { event: 'job.*' } }));
  expect(listed[0]).toEqual(done);
  expect(new Set(listed.map((i: any) => i.id)).size).toBe(listed.length);
  expect(Object.keys(trigger.operation.sample).sort()).toEqual(Object.keys(done).sort());
  const onlySucceeded = await trigger.operation.performList(z, bundleFor({ inputData: { event: 'job.succeeded', provider: 'fotolabs' } }));
  expect(onlySucceeded.every((i: any) => i.type === 'job.succeeded')).toBe(true);

  await trigger.operation.performUnsubscribe(z, bundleFor({ subscribeData }));
  expect((await callApi(stack.service.url, stack.apiKey, `/v1/subscriptions/${subscribeData.id}`)).status).toBe(404);
  await trigger.operation.performUnsubscribe(z, bundleFor({ subscribeData })); // twice is fine
});

it('the sample is the catalog example as an item', async () => {
  const { body } = await callApi(stack.service.url, stack.apiKey, '/v1/event-types');
  const example = body.data.find((e: any) => e.type === 'job.succeeded').example;
  expect(trigger.operation.sample).toEqual(trigger.toItem(example));
});

it('a target answering 410 is unsubscribed', async () => {
  const sub = await trigger.operation.performSubscribe(z, bundleFor({ targetUrl: urlOf(goneHook), inputData: {} }));
  await runJob('sim-success-zap2');
  await waitFor(async () => (await callApi(stack.service.url, stack.apiKey, `/v1/subscriptions/${sub.id}`)).body.enabled === false, {
    message: 'the subscription to be disabled',
  });
  expect(goneHits).toBe(1);
});

it('the REST hook shape is validated', async () => {
  const bad = await callApi(stack.service.url, stack.apiKey, '/v1/rest-hooks', { method: 'POST', json: { target_url: urlOf(catchHook), event: 'job.nope' } });
  expect(bad.status).toBe(422);
  expect(bad.body.errors[0].path).toBe('event');
  const missing = await callApi(stack.service.url, stack.apiKey, '/v1/rest-hooks', { method: 'POST', json: { event: 'job.*' } });
  expect(missing.body.errors.map((e: any) => e.path)).toContain('target_url');
});
