import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { callApi } from '../helpers/api.ts';
import { launchBrowser } from './browser.ts';

let stack: Stack;
let browser: Browser;
let receiver: Receiver;
let base: string;
let launchError: Error | null = null;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  let launched: Browser | Error;
  [stack, launched] = await Promise.all([startStack({ stepMs: 60 }), launchBrowser().catch((err: Error) => err)]);
  // No browser: every test below fails with the reason (never skipped).
  if (launched instanceof Error) {
    launchError = launched;
    return;
  }
  browser = launched;
  base = stack.service.url;
  receiver = await startReceiver({ secrets: () => [stack.signingSecret] });
  await callApi(base, stack.apiKey, '/v1/subscriptions', { method: 'POST', json: { url: receiver.url } });
}, 60_000);

beforeEach(() => {
  if (launchError) throw launchError;
});

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await stack?.close();
});

/** A signed-in page; `withoutEventSource` removes EventSource before any script runs. */
async function signedInPage(withoutEventSource = false): Promise<{ page: Page; live: { url: string; type: string }[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  if (withoutEventSource) await context.addInitScript('delete window.EventSource');
  const page = await context.newPage();
  const live: { url: string; type: string }[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/ui/live') live.push({ url: r.url(), type: r.headers()['content-type'] ?? '' });
  });
  await page.goto(`${base}/ui/sign-in`);
  await page.getByLabel('API key or admin token').fill(stack.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui\/overview$/);
  return { page, live };
}

async function registerJob(): Promise<string> {
  const upstream = stack.sim.createJob({ provider: 'fotolabs', scenario: 'success' });
  const { status, job } = await stack.createJob({
    provider: 'fotolabs',
    externalId: upstream.id,
    credentials: { apiKey: upstream.apiKey },
    pollIntervalSeconds: 0.25,
    maxPollIntervalSeconds: 0.5,
  });
  expect(status).toBe(201);
  return job.id as string;
}

async function watchJobSucceed(page: Page): Promise<void> {
  await page.goto(`${base}/ui/jobs`);
  await page.evaluate(() => ((window as any).notReloaded = true));
  const id = await registerJob();
  await page.locator(`tr[data-job="${id}"] .s-succeeded`).waitFor({ timeout: 20_000 });
  expect(await page.evaluate(() => (window as any).notReloaded)).toBe(true);
  // Its delivery's outcome reaches the job page through the same channel.
  await page.goto(`${base}/ui/jobs/${id}`);
  await page.evaluate(() => ((window as any).notReloaded = true));
  await page.locator('[data-delivery] .s-delivered').first().waitFor({ timeout: 15_000 });
  expect(await page.evaluate(() => (window as any).notReloaded)).toBe(true);
}

it('follows the live channel as one Server-Sent Events stream per page: a job goes pending -> succeeded without reloading', async () => {
  const { page, live } = await signedInPage();
  await watchJobSucceed(page);
  // Three pages (the overview, the jobs list, the job), one stream each, and no polling.
  expect(live.length).toBeGreaterThanOrEqual(2);
  expect(live.length).toBeLessThanOrEqual(3);
  expect(live.every((r) => r.type.startsWith('text/event-stream'))).toBe(true);
}, 60_000);

it('falls back to polling /ui/live every second where EventSource is missing, and still updates without reloading', async () => {
  const { page, live } = await signedInPage(true);
  await watchJobSucceed(page);
  const polls = live.filter((r) => r.type.startsWith('application/json'));
  expect(polls.length).toBeGreaterThan(1);
  expect(live.some((r) => r.type.startsWith('text/event-stream'))).toBe(false);
}, 60_000);

it('refuses the stream without a session (401)', async () => {
  const res = await fetch(`${base}/ui/live`, { headers: { accept: 'text/event-stream' } });
  expect(res.status).toBe(401);
});


it('ends a page\'s stream with `signed-out` once its session is signed out', async () => {
  const { page } = await signedInPage();
  const cookie = (await page.context().cookies()).find((c) => c.name === 'pollhook_session')!;
  const res = await fetch(`${base}/ui/live`, { headers: { accept: 'text/event-stream', cookie: `pollhook_session=${cookie.value}` } });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const readUntil = async (needle: string) => {
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    return text.includes(needle);
  };
  expect(await readUntil('event: version')).toBe(true);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/ui\/sign-in/);
  // Checked every 5 s: then the event, and the end of the stream.
  expect(await readUntil('event: signed-out')).toBe(true);
  expect((await reader.read()).done).toBe(true);
}, 30_000);
