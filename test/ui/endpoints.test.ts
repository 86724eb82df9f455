import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { callApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, seriousViolations } from './browser.ts';

let stack: Stack;
let browser: Browser;
let receiver: Receiver;
let page: Page;
let base: string;
let launchError: Error | null = null;

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
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${base}/ui/sign-in`);
  await page.getByLabel('API key or admin token').fill(stack.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui\/overview$/);
}, 60_000);

beforeEach(() => {
  if (launchError) throw launchError;
});

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await stack?.close();
});

const api = (path: string, init?: { method?: string; json?: unknown }) => callApi(base, stack.apiKey, path, init);

it('creates an endpoint with provider and metadata filters, shows the API\'s errors under the fields, and edits the filters', async () => {
  await page.goto(`${base}/ui/endpoints`);
  await page.getByLabel('URL').fill(`${receiver.url}/filtered`);
  await page.getByLabel('topaz').check();
  // A key the API refuses, and a line the form cannot read.
  await page.getByLabel('Filter: job metadata').fill('customerId=cus_42\nbad key!=1');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const metadataError = page.locator('#e-metadata-error');
  await metadataError.waitFor();
  expect(await metadataError.innerText()).toMatch(/key/i);
  // What was typed is kept, and the field says it is invalid (and points to its error).
  expect(await page.getByLabel('Filter: job metadata').inputValue()).toBe('customerId=cus_42\nbad key!=1');
  expect(await page.getByLabel('Filter: job metadata').getAttribute('aria-describedby')).toContain('e-metadata-error');
  expect(await page.getByLabel('topaz').isChecked()).toBe(true);
  expect(await page.getByLabel('URL').inputValue()).toBe(`${receiver.url}/filtered`);
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByLabel('Filter: job metadata').fill('noequals');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  expect(await page.locator('#e-metadata-error').innerText()).toMatch(/line 1: write key=value/);

  await page.getByLabel('Filter: job metadata').fill('customerId=cus_42\ntier=3\nlabel="7"');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.waitForURL(/\/ui\/endpoints\/sub_/);
  const id = /\/ui\/endpoints\/(sub_[^?]+)/.exec(page.url())![1]!;
  expect((await api(`/v1/subscriptions/${id}`)).body.filter).toEqual({ providers: ['topaz'], metadata: { customerId: 'cus_42', tier: 3, label: '7' } });
  // Shown on the page and in the edit form as it was typed.
  expect(await page.locator('#endpoint-live').innerText()).toContain('provider: topaz · customerId="cus_42" · tier=3 · label="7"');
  expect(await page.getByLabel('Filter: job metadata').inputValue()).toBe('customerId=cus_42\ntier=3\nlabel="7"');

  // Edit: another provider, an invalid provider list is impossible from the form, a bad value is shown under the field.
  await page.getByLabel('fotolabs').check();
  await page.getByLabel('Filter: job metadata').fill(`customerId=${'x'.repeat(300)}`);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#e-metadata-error').waitFor();
  expect(await page.locator('#e-metadata-error').innerText()).toMatch(/customerId/);
  await page.getByLabel('Filter: job metadata').fill('customerId=cus_43');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The endpoint is saved.').waitFor();
  expect((await api(`/v1/subscriptions/${id}`)).body.filter).toEqual({ providers: ['fotolabs', 'topaz'], metadata: { customerId: 'cus_43' } });

  // Clearing both removes the filter.
  await page.getByLabel('fotolabs').uncheck();
  await page.getByLabel('topaz').uncheck();
  await page.getByLabel('Filter: job metadata').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The endpoint is saved.').waitFor();
  expect((await api(`/v1/subscriptions/${id}`)).body.filter).toBeNull();
  await page.goto(`${base}/ui/endpoints`);
  expect(await page.locator(`tr[data-endpoint="${id}"] td[data-label="Filter"]`).innerText()).toBe('none');
}, 60_000);

it('sends a test event from the endpoint page and shows its attempt (status code, latency) without reloading', async () => {
  const sub = (await api('/v1/subscriptions', { method: 'POST', json: { url: `${receiver.url}/test-me`, events: ['job.failed'] } })).body;
  await page.goto(`${base}/ui/endpoints/${sub.id}`);
  await page.getByRole('button', { name: 'Send test event' }).click();
  await page.getByText('A test event is queued').waitFor();
  await page.evaluate(() => ((window as any).notReloaded = true));
  const attempt = page.locator('[data-testid="delivery-shown"] li[data-attempt]');
  await attempt.waitFor({ timeout: 15_000 });
  expect(await attempt.innerText()).toMatch(/HTTP 204 · \d+ ms/);
  await page.locator('[data-testid="delivery-shown"] .s-delivered').waitFor();
  expect(await page.evaluate(() => (window as any).notReloaded)).toBe(true);
  const hook = await waitFor(() => receiver.accepted().find((h) => h.payload?.type === 'endpoint.test' && h.payload.data.subscriptionId === sub.id));
  expect(hook.verified).toBe(true);
  expect(await seriousViolations(page)).toEqual([]);
  // Listed among its latest deliveries, linked to this view (it has no job page).
  const listed = page.locator(`#endpoint-live li[data-delivery] a`, { hasText: 'operational event' });
  expect(await listed.getAttribute('href')).toBe(`/ui/endpoints/${sub.id}?delivery=${new URL(page.url()).searchParams.get('delivery')}`);

  // Disabled: no button, and a forged POST is refused with the API's reason.
  await api(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', json: { enabled: false } });
  await page.goto(`${base}/ui/endpoints/${sub.id}`);
  expect(await page.getByRole('button', { name: 'Send test event' }).count()).toBe(0);
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.getByText('The endpoint is enabled.').waitFor();
  await api(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', json: { enabled: false } });
  await page.getByRole('button', { name: 'Send test event' }).click();
  await page.getByText(/The subscription is disabled/).waitFor();
}, 60_000);
