import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { callApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, screenshots, seriousViolations } from './browser.ts';

const ADMIN_TOKEN = 'admin-token-for-the-dashboard-tests';

describe('dashboard in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let receiver: Receiver;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let failing = false;
  let secrets: string[] = [];
  const cspViolations: string[] = [];
  /** Every console error and uncaught page error, of every page the tests open. */
  const consoleErrors: string[] = [];
  const jobIds: string[] = [];
  let launchError: Error | null = null;

  beforeAll(async () => {
    let launched: Browser | Error;
    [stack, launched] = await Promise.all([
      startStack({ stepMs: 60, env: { POLLHOOK_ADMIN_TOKEN: ADMIN_TOKEN, POLLHOOK_RETRY_SCHEDULE: '100ms,100ms' } }),
      launchBrowser().catch((err: Error) => err),
    ]);
    // No browser: every test below fails with the reason (never skipped).
    if (launched instanceof Error) {
      launchError = launched;
      return;
    }
    browser = launched;
    base = stack.service.url;
    secrets = [stack.signingSecret];
    // 400, not 5xx: a failing endpoint that does not open the origin's circuit breaker (which would only delay the test).
    receiver = await startReceiver({ secrets: () => secrets, respond: () => (failing ? 400 : 204) });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await newPage(context);
  }, 60_000);

  beforeEach(() => {
    if (launchError) throw launchError;
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await stack?.close();
  });

  async function newPage(ctx: BrowserContext): Promise<Page> {
    const p = await ctx.newPage();
    p.on('dialog', (d) => void d.accept());
    p.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
      if (m.type() === 'error') consoleErrors.push(`${p.url()}: ${m.text()}`);
    });
    p.on('pageerror', (err) => consoleErrors.push(`${p.url()}: ${err.message}`));
    return p;
  }

  async function signIn(p: Page, credential: string): Promise<void> {
    await p.goto(`${base}/ui/sign-in`);
    await p.getByLabel('API key or admin token').fill(credential);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL(/\/ui\/(overview|tenants)$/);
  }

  const registerJob = async (scenario: string, extra: Record<string, unknown> = {}) => {
    const upstream = stack.sim.createJob({ provider: 'fotolabs', scenario });
    const { status, job } = await stack.createJob({
      provider: 'fotolabs',
      externalId: upstream.id,
      credentials: { apiKey: upstream.apiKey },
      metadata: { test: 'dashboard' },
      pollIntervalSeconds: 0.25,
      maxPollIntervalSeconds: 0.5,
      ...extra,
    });
    expect(status, JSON.stringify(job)).toBe(201);
    jobIds.push(job.id);
    return job.id as string;
  };

  it('signs in with an API key, subscribes an endpoint, and watches a job go from pending to succeeded without reloading', async () => {
    await signIn(page, stack.apiKey);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'pollhook_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    expect(JSON.stringify(cookies)).not.toContain(stack.apiKey);

    await page.goto(`${base}/ui/endpoints`);
    await page.getByLabel('URL').fill(`${receiver.url}/hooks`);
    await page.getByLabel('Description').fill('the test receiver');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.waitForURL(/\/ui\/endpoints\/sub_/);
    await page.getByText('The endpoint is subscribed.').waitFor();

    await page.goto(`${base}/ui/jobs`);
    await page.evaluate(() => ((window as any).notReloaded = true));
    const id = await registerJob('success');
    const row = page.locator(`tr[data-job="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await page.locator(`tr[data-job="${id}"] .s-succeeded`).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as any).notReloaded)).toBe(true);

    await row.getByRole('link').click();
    await page.waitForURL(new RegExp(`/ui/jobs/${id}$`));
    for (const type of ['job.pending', 'job.succeeded']) await page.locator(`li[data-event="${type}"]`).waitFor();
    await page.locator('[data-delivery] .s-delivered').first().waitFor({ timeout: 15_000 });
    const text = await page.locator('main').innerText();
    expect(text).toContain('Polls made');
    // The poll that saw it finish, in the poll timeline: its upstream status and its HTTP status.
    const finalPoll = page.locator('[data-testid="poll-timeline"] tbody tr', { hasText: 'finished' });
    await finalPoll.first().waitFor();
    expect(await page.locator('[data-testid="poll-timeline"] tbody tr').count()).toBeGreaterThan(0);
    expect(await finalPoll.first().innerText()).toMatch(/changed[\s\S]*200/);
    // Unchanged polls in a row are one line each: the lines add up to every poll the job made.
    const lines = await page.locator('[data-testid="poll-timeline"] tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-polls'))));
    expect(lines.reduce((n, k) => n + k, 0)).toBe((await callApi(base, stack.apiKey, `/v1/jobs/${id}`)).body.polls.count);
    expect(text).toMatch(/Signed payload/);
    expect(await page.locator('table caption', { hasText: 'Attempts of' }).count()).toBeGreaterThan(0);
    await waitFor(() => receiver.accepted().some((h) => h.payload?.data?.id === id && h.payload.type === 'job.succeeded'));
  }, 60_000);

  it('shows a delivery going dead, retries it from the page once the endpoint is fixed, then recovers the rest since a time', async () => {
    failing = true;
    const id = await registerJob('success');
    await page.goto(`${base}/ui/jobs/${id}`);
    await page.locator('[data-delivery] .s-dead').first().waitFor({ timeout: 20_000 });
    await waitFor(async () => (await callApi(base, stack.apiKey, `/v1/jobs/${id}`)).body.finishedAt);
    const dead = async () => (await callApi(base, stack.apiKey, `/v1/deliveries?status=dead&jobId=${id}`)).body.data as any[];
    await waitFor(async () => (await dead()).length === 3, { message: 'three dead deliveries' });

    failing = false;
    await page.reload();
    await page.getByRole('button', { name: 'Retry delivery' }).first().click();
    await page.getByText('The delivery is queued again.').waitFor();
    await page.locator('[data-delivery] .s-delivered').first().waitFor({ timeout: 15_000 });
    expect(await dead()).toHaveLength(2);

    await page.goto(`${base}/ui/deliveries?status=dead`);
    await page.getByRole('button', { name: 'Count dead deliveries' }).click();
    await expect(page.getByTestId('recover-count').innerText()).resolves.toMatch(/queues again 2 dead deliveries/);
    await page.getByRole('button', { name: 'Queue 2 again' }).click();
    await page.getByText('The dead deliveries are queued again. (2)').waitFor();
    const delivered = async () => (await callApi(base, stack.apiKey, `/v1/deliveries?status=delivered&jobId=${id}`)).body.data as any[];
    await waitFor(async () => (await delivered()).length === 3, { message: 'all three delivered' });
    expect(await dead()).toHaveLength(0);
  }, 60_000);

  it('filters jobs by external id, metadata and time, and deliveries by status, endpoint and time', async () => {
    const job = (await callApi(base, stack.apiKey, `/v1/jobs/${jobIds[0]}`)).body;
    await page.goto(`${base}/ui/jobs`);
    await page.getByLabel('External id or metadata').fill(job.externalId.slice(0, 12));
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=/);
    expect(await page.locator('tr[data-job]').count()).toBe(1);
    await page.goto(`${base}/ui/jobs?q=${encodeURIComponent('"test":"dashboard"')}`);
    expect(await page.locator('tr[data-job]').count()).toBe(jobIds.length);
    await page.goto(`${base}/ui/jobs?since=2999-01-01T00:00`);
    expect(await page.locator('tr[data-job]').count()).toBe(0);

    const sub = (await callApi(base, stack.apiKey, '/v1/subscriptions')).body.data[0].id;
    const all = (await callApi(base, stack.apiKey, `/v1/deliveries?subscriptionId=${sub}`)).body.data.length;
    await page.goto(`${base}/ui/deliveries?subscriptionId=${sub}`);
    expect(await page.locator('tr[data-delivery]').count()).toBe(all);
    await page.goto(`${base}/ui/deliveries?status=delivered&since=2000-01-01T00:00`);
    expect(await page.locator('tr[data-delivery]').count()).toBe(all);
    await page.goto(`${base}/ui/deliveries?status=dead`);
    expect(await page.locator('tr[data-delivery]').count()).toBe(0);
    await page.goto(`${base}/ui/deliveries?since=2999-01-01T00:00`);
    expect(await page.locator('tr[data-delivery]').count()).toBe(0);
  });

  it('rotates the signing secret, shows it once, and a receiver that knows only the new one verifies the next webhook', async () => {
    await page.goto(`${base}/ui/signing-secrets`);
    await page.getByRole('button', { name: 'Rotate signing secret' }).click();
    const secret = (await page.locator('#new-secret').innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    await page.goto(`${base}/ui/signing-secrets`);
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByRole('button', { name: 'Expire now' }).count()).toBe(1);

    secrets = [secret];
    // Signers cache the tenant's secrets for up to 10 s, so the first webhooks may carry only the old
    // signature; jobs are registered until one's webhook verifies with the new secret alone.
    const verifiedWithNew = await waitFor(
      async () => {
        const before = receiver.received.length;
        const id = await registerJob('success');
        const hook = await waitFor(() => receiver.received.slice(before).find((h) => h.payload?.data?.id === id && h.payload.type === 'job.succeeded'));
        return hook.verified ? hook : null;
      },
      { timeoutMs: 25_000, intervalMs: 500, message: 'a webhook verified with the new secret' },
    );
    expect(verifiedWithNew.payload.type).toBe('job.succeeded');

    await page.getByRole('button', { name: 'Expire now' }).click();
    await page.getByText('The previous signing secret no longer signs.').waitFor();
    expect(await page.getByRole('button', { name: 'Expire now' }).count()).toBe(0);
  }, 40_000);

  it('lists a job that hit its deadline on the overview, and cancels a job from its page', async () => {
    const late = await registerJob('slow', { timeoutSeconds: 1 });
    await waitFor(async () => (await callApi(base, stack.apiKey, `/v1/jobs/${late}`)).body.error?.code === 'deadline_exceeded', {
      message: 'the deadline',
    });
    const gone = await startReceiver({ secrets: () => secrets, respond: () => 410 });
    const stopped = await registerJob('success', { callbackUrl: gone.url });
    await waitFor(async () => (await callApi(base, stack.apiKey, `/v1/jobs/${stopped}`)).body.callbackDisabledReason, { message: 'the callback stopped' });
    await gone.close();
    await page.goto(`${base}/ui/overview`);
    expect(await page.locator(`a[href="/ui/jobs/${late}"]`).count()).toBe(1);
    expect(await page.locator('li', { hasText: 'callback of' }).locator(`a[href="/ui/jobs/${stopped}"]`).count()).toBe(1);
    expect(await page.locator('svg title').innerHTML()).toMatch(/\d+ successful and [1-9]\d* failed attempts/);

    const slow = await registerJob('slow');
    await page.goto(`${base}/ui/jobs/${slow}`);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByText('The job is no longer tracked').waitFor();
    expect((await callApi(base, stack.apiKey, `/v1/jobs/${slow}`)).status).toBe(404);
  });

  it('edits an endpoint\'s event types, disables it (showing why and when) and enables it again', async () => {
    const sub = (await callApi(base, stack.apiKey, '/v1/subscriptions')).body.data[0].id;
    await page.goto(`${base}/ui/endpoints/${sub}`);
    await page.getByLabel('job.progress').check();
    await page.getByLabel('job.pending').uncheck();
    await page.getByLabel('Description').fill('<img src=x onerror="window.pwned=1">');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The endpoint is saved.').waitFor();
    await page.goto(`${base}/ui/endpoints`);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.getByText('<img src=x onerror="window.pwned=1">').count()).toBe(1);
    await page.goto(`${base}/ui/endpoints/${sub}`);
    const events = (await callApi(base, stack.apiKey, `/v1/subscriptions/${sub}`)).body.events;
    expect(events).toContain('job.progress');
    expect(events).not.toContain('job.pending');

    expect(await page.locator('#endpoint-live li[data-delivery]').count()).toBe(10);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('The endpoint is disabled.').waitFor();
    expect(await page.getByTestId('endpoint-state').innerText()).toMatch(/disabled.*since \d{4}-\d\d-\d\d .*disabled by the user/s);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('The endpoint is enabled.').waitFor();
    expect((await callApi(base, stack.apiKey, `/v1/subscriptions/${sub}`)).body.enabled).toBe(true);
  });

  it('creates an API key shown once with a copy button, and revokes it', async () => {
    await page.goto(`${base}/ui/api-keys`);
    await page.getByLabel('Name').fill('ci deploys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('#new-key').innerText()).trim();
    expect(key).toMatch(/^ph_/);
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(1);
    expect((await callApi(base, key, '/v1/jobs')).status).toBe(200);
    await page.goto(`${base}/ui/api-keys`);
    expect(await page.content()).not.toContain(key);
    const row = page.locator('tr', { hasText: 'ci deploys' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('The API key is revoked.').waitFor();
    expect((await callApi(base, key, '/v1/jobs')).status).toBe(401);
  });

  it('stores a connection without ever showing its credentials back', async () => {
    await page.goto(`${base}/ui/connections`);
    await page.getByLabel('Name').fill('production');
    await page.getByLabel('Upstream API key').fill('fl_secret_credential_123');
    await page.getByRole('button', { name: 'Add connection' }).click();
    await page.getByText('The connection is stored.').waitFor();
    await page.getByLabel('New API key').fill('fl_replaced_credential_456');
    await page.getByRole('button', { name: 'Replace credentials' }).click();
    await page.getByText('The connection is updated').waitFor();
    const html = await page.content();
    expect(html).not.toContain('fl_secret_credential_123');
    expect(html).not.toContain('fl_replaced_credential_456');
  });

  it('passes axe-core (no serious or critical violations) on every page, with screenshots at desktop and phone width', async () => {
    const sub = (await callApi(base, stack.apiKey, '/v1/subscriptions')).body.data[0].id;
    // Only this walk's errors: an earlier test cancels a job while its page is open, and that
    // page's live refresh then rightly gets a 404.
    consoleErrors.length = 0;
    const pages: [string, string][] = [
      ['overview', '/ui/overview'],
      ['jobs', '/ui/jobs'],
      ['job-detail', `/ui/jobs/${jobIds[1]}`],
      ['deliveries', '/ui/deliveries'],
      ['endpoints', '/ui/endpoints'],
      ['endpoint-detail', `/ui/endpoints/${sub}`],
      ['signing-secrets', '/ui/signing-secrets'],
      ['connections', '/ui/connections'],
      ['api-keys', '/ui/api-keys'],
      ['catalog', '/ui/catalog'],
    ];
    const admin = await browser.newContext();
    const adminPage = await newPage(admin);
    await signIn(adminPage, ADMIN_TOKEN);
    const visit = async (p: Page, name: string, path: string) => {
      const res = await p.goto(base + path, { waitUntil: 'load' });
      expect(res?.status(), path).toBe(200);
      // A favicon of our own, so the browser does not ask for a missing /favicon.ico (a console error).
      const icon = await p.evaluate(() => document.querySelector('link[rel=icon]')?.getAttribute('href') ?? null);
      const iconRes = await p.request.get(new URL(icon ?? '/favicon.ico', base + path).href);
      expect(iconRes.status(), path).toBe(200);
      expect(iconRes.headers()['content-type'], path).toMatch(/^image\/svg\+xml/);
      expect(await seriousViolations(p), path).toEqual([]);
      await screenshots(p, name);
      const html = await p.content();
      expect(html, path).not.toContain(stack.apiKey);
      expect(html, path).not.toContain(stack.signingSecret);
      expect(html, path).not.toContain(ADMIN_TOKEN);
    };
    // The check itself can fail: an unlabeled input is a critical violation.
    const probe = await newPage(context);
    await probe.setContent('<!doctype html><html lang="en"><title>t</title><main><input></main></html>');
    expect((await seriousViolations(probe)).join()).toMatch(/label/);
    await probe.close();
    for (const [name, path] of pages) await visit(page, name, path);
    const tenants = (await callApi(base, ADMIN_TOKEN, '/v1/tenants')).body.data;
    await visit(adminPage, 'tenants', '/ui/tenants');
    await visit(adminPage, 'tenant-detail', `/ui/tenants/${tenants[0].id}`);
    const anonymous = await newPage(await browser.newContext());
    await visit(anonymous, 'sign-in', '/ui/sign-in');
    await admin.close();
    expect(cspViolations).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it("a second tenant, created by the admin in the dashboard, sees none of the first tenant's data", async () => {
    const admin = await browser.newContext();
    const adminPage = await newPage(admin);
    await signIn(adminPage, ADMIN_TOKEN);
    await adminPage.getByLabel('Name').fill('second');
    await adminPage.getByRole('button', { name: 'Create tenant' }).click();
    const key = (await adminPage.locator('#tenant-key').innerText()).trim();
    expect(key).toMatch(/^ph_/);
    expect((await adminPage.locator('#tenant-secret').innerText()).trim()).toMatch(/^whsec_/);
    // The admin issues the new tenant a second key, then revokes it.
    await adminPage.getByRole('link', { name: 'second' }).click();
    await adminPage.getByLabel('Name').fill('spare');
    await adminPage.getByRole('button', { name: 'Issue key' }).click();
    const spare = (await adminPage.locator('#new-key').innerText()).trim();
    expect((await callApi(base, spare, '/v1/jobs')).status).toBe(200);
    await adminPage.locator('tr', { hasText: 'spare' }).getByRole('button', { name: 'Revoke' }).click();
    await adminPage.getByText('The API key is revoked.').waitFor();
    expect((await callApi(base, spare, '/v1/jobs')).status).toBe(401);
    await admin.close();

    const other = await browser.newContext();
    const p = await newPage(other);
    await signIn(p, key);
    for (const path of ['/ui/jobs', '/ui/deliveries', '/ui/endpoints', '/ui/connections', '/ui/overview']) {
      await p.goto(base + path);
      const html = await p.content();
      for (const id of jobIds) expect(html, path).not.toContain(id);
      expect(html, path).not.toContain(receiver.url);
      expect(html, path).not.toContain('production');
    }
    const res = await p.goto(`${base}/ui/jobs/${jobIds[0]}`);
    expect(res?.status()).toBe(404);
    const tenantsPage = await p.goto(`${base}/ui/tenants`);
    expect(tenantsPage?.status()).toBe(404);
    await other.close();
  });

  it('reads without JavaScript, and the keyboard reaches the skip link first', async () => {
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const p = await newPage(noScript);
    await signIn(p, stack.apiKey);
    await p.goto(`${base}/ui/jobs/${jobIds[0]}`);
    expect(await p.locator('li[data-event="job.succeeded"]').count()).toBe(1);
    expect(await p.locator('[data-delivery] .s-delivered').count()).toBeGreaterThan(0);
    await p.goto(`${base}/ui/deliveries?status=delivered`);
    expect(await p.locator('tr[data-delivery]').count()).toBeGreaterThan(0);
    await noScript.close();

    await page.goto(`${base}/ui/overview`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(new URL(page.url()).hash).toBe('#content');
  });

  it('refuses a cross-site POST, and a POST without the CSRF token', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'pollhook_session')!;
    const keysBefore = (await callApi(base, stack.apiKey, '/v1/api-keys')).body.data.length;
    const html = await (await page.goto(`${base}/ui/api-keys`))!.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const post = (origin: string, body: string) =>
      fetch(`${base}/ui/api-keys`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `pollhook_session=${cookie.value}`, origin, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    expect((await post('http://evil.example', `_csrf=${csrf}&name=evil`)).status).toBe(403);
    expect((await post(base, 'name=evil')).status).toBe(403);

    // A real cross-site page in the browser, auto-submitting a form to the dashboard.
    const evil: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<form id="f" method="post" action="${base}/ui/api-keys"><input name="name" value="evil"><input name="_csrf" value="${csrf}"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, 'localhost', r));
    const evilPage = await newPage(context);
    const answer = evilPage.waitForResponse((r) => r.url() === `${base}/ui/api-keys` && r.request().method() === 'POST');
    await evilPage.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
    expect((await answer).status()).toBe(403);
    await evilPage.close();
    evil.close();
    expect((await callApi(base, stack.apiKey, '/v1/api-keys')).body.data.length).toBe(keysBefore);
  });

  it('signs out, after which every page is closed', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'pollhook_session')!;
    await page.goto(`${base}/ui/overview`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    const paths = ['/ui/overview', '/ui/jobs', `/ui/jobs/${jobIds[0]}`, '/ui/deliveries', '/ui/endpoints', '/ui/signing-secrets', '/ui/connections', '/ui/api-keys', '/ui/catalog', '/ui/tenants'];
    for (const path of paths) {
      await page.goto(base + path);
      expect(new URL(page.url()).pathname, path).toBe('/ui/sign-in');
      // The old cookie, replayed, opens nothing either.
      const res = await fetch(base + path, { headers: { cookie: `pollhook_session=${cookie.value}` }, redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe('/ui/sign-in');
    }
    const live = await fetch(`${base}/ui/live`, { headers: { cookie: `pollhook_session=${cookie.value}` } });
    expect(live.status).toBe(401);
  });

  it('serves every page with a CSP without inline script and frame-ancestors none', async () => {
    const res = await fetch(`${base}/ui/sign-in`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
  });
});
