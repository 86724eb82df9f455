import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, seedTenant, ADMIN_TOKEN, type Api } from '../http/harness.ts';
import type { TempDb } from '../helpers/db.ts';

/** The dashboard's sessions and request checks, in-process without a browser (virtual time). */
describe('dashboard sessions', () => {
  let api: Api & { temp: TempDb | null };
  let apiKey: string;

  beforeAll(async () => {
    api = await startApi();
    apiKey = seedTenant(api).apiKey;
  });
  afterAll(async () => {
    await api.stop();
    api.temp?.cleanup();
  });

  const signIn = (credential: string, headers: Record<string, string> = { origin: api.url }) =>
    api.fetch('/ui/sign-in', {
      key: null,
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ credential }).toString(),
    });
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;
  const get = (path: string, cookie: string) => api.fetch(path, { key: null, redirect: 'manual', headers: { cookie } });

  it('refuses a wrong key without setting a cookie, and a sign-in posted from another site', async () => {
    const wrong = await signIn('ph_not_a_key');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const crossSite = await signIn(apiKey, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
  });

  it('marks the cookie Secure behind an https proxy, and never puts the key in it', async () => {
    const host = new URL(api.url).host;
    const res = await signIn(apiKey, { origin: `https://${host}`, 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(apiKey);
    const plain = await signIn(apiKey);
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('gives a new session id on every sign-in and ends the previous one', async () => {
    const first = cookieOf(await signIn(apiKey));
    const second = cookieOf(
      await api.fetch('/ui/sign-in', {
        key: null,
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.url, cookie: first },
        body: new URLSearchParams({ credential: apiKey }).toString(),
      }),
    );
    expect(second).not.toBe(first);
    expect((await get('/ui/jobs', second)).status).toBe(200);
    expect((await get('/ui/jobs', first)).status).toBe(303);
  });

  it('ends a session after 8 hours', async () => {
    const cookie = cookieOf(await signIn(apiKey));
    expect((await get('/ui/jobs', cookie)).status).toBe(200);
    api.clock.advance(8 * 3600_000 + 1);
    const res = await get('/ui/jobs', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/sign-in');
  });

  it('ends a session when its key is revoked', async () => {
    const tenant = seedTenant(api, 'revoked');
    const cookie = cookieOf(await signIn(tenant.apiKey));
    expect((await get('/ui/api-keys', cookie)).status).toBe(200);
    const keys = await (await api.fetch(`/v1/tenants/${tenant.id}/api-keys`, { key: ADMIN_TOKEN })).json();
    const revoked = await api.fetch(`/v1/tenants/${tenant.id}/api-keys/${keys.data[0].id}`, { key: ADMIN_TOKEN, method: 'DELETE' });
    expect(revoked.status).toBe(204);
    const res = await get('/ui/api-keys', cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/sign-in');
    expect((await get('/ui/overview', cookie)).status).toBe(303);
  });

  it("sends the admin to the tenants pages, never through a tenant page (which would end the session)", async () => {
    const cookie = cookieOf(await signIn(ADMIN_TOKEN));
    for (const path of ['/ui/jobs', '/ui/endpoints', '/ui/overview']) {
      const res = await get(path, cookie);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe('/ui/tenants');
    }
    expect((await get('/ui/tenants', cookie)).status).toBe(200);
    expect((await get('/ui/catalog', cookie)).status).toBe(200);
  });

  it("logs a page and the API calls it makes under the page's request id", async () => {
    const cookie = cookieOf(await signIn(apiKey));
    const res = await api.fetch('/ui/api-keys', { key: null, headers: { cookie, 'x-request-id': 'page-42' } });
    expect(res.status).toBe(200);
    const paths = api.logs.filter((l) => (l.obj as any).requestId === 'page-42' && l.msg === 'request').map((l) => (l.obj as any).path);
    expect(paths.sort()).toEqual(['/ui/api-keys', '/v1/api-keys']);
  });

  it('sends strict headers on every page', async () => {
    const res = await api.fetch('/ui/sign-in', { key: null });
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
