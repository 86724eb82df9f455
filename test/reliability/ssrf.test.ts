/**
 * SSRF: every user-supplied URL (job callbackUrl, subscription url on POST and PATCH, `http`
 * provider url) is refused with a 422 naming the field when it targets a forbidden address, by
 * any spelling or through DNS; nothing is stored. Connect time: ssrfRebinding.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { body, fotolabsJob, httpJob, seedTenant, startApi } from '../http/harness.ts';
import { fingerprint } from './support.ts';
import { DNS, PUBLIC_V4, resolver } from './ssrfDns.ts';

/** Hosts (as they appear in a URL) that must be refused, by literal spelling or through DNS. */
const FORBIDDEN_HOSTS: Array<[string, string]> = [
  ['loopback', '127.0.0.1'],
  ['loopback elsewhere in 127/8', '127.10.20.30'],
  ['localhost', 'localhost'],
  ['localhost with a trailing dot', 'localhost.'],
  ['a *.localhost name', 'app.localhost'],
  ['RFC 1918 10/8', '10.0.0.1'],
  ['RFC 1918 172.16/12', '172.16.0.1'],
  ['RFC 1918 192.168/16', '192.168.1.1'],
  ['link-local', '169.254.10.10'],
  ['cloud metadata (IPv4)', '169.254.169.254'],
  ['cloud metadata (AWS IPv6)', '[fd00:ec2::254]'],
  ['GCP metadata name', 'metadata.google.internal'],
  ['GCP metadata name with a trailing dot', 'metadata.google.internal.'],
  ['CGNAT 100.64/10', '100.64.0.1'],
  ['CGNAT upper end', '100.127.255.254'],
  ['IPv4-mapped IPv6 (dotted)', '[::ffff:10.0.0.1]'],
  ['IPv4-mapped IPv6 (hex)', '[::ffff:a00:1]'],
  ['IPv4-mapped loopback', '[::ffff:127.0.0.1]'],
  ['IPv4-compatible loopback', '[::127.0.0.1]'],
  ['decimal IPv4', '2130706433'],
  ['octal IPv4', '0177.0.0.1'],
  ['hex IPv4', '0x7f.0.0.1'],
  ['short hex IPv4', '0x7f.1'],
  ['short IPv4', '127.1'],
  ['unspecified IPv4', '0.0.0.0'],
  ['unspecified IPv4, short', '0'],
  ['unspecified IPv6', '[::]'],
  ['IPv6 loopback', '[::1]'],
  ['IPv6 link-local', '[fe80::1]'],
  ['IPv6 unique-local', '[fc00::1]'],
  ['multicast', '224.0.0.1'],
  ['broadcast', '255.255.255.255'],
  ['a single-label name', 'intranet'],
  ['a *.internal name', 'db.corp.internal'],
  ...Object.keys(DNS)
    .filter((h) => h.endsWith('.evil.test'))
    .map((h): [string, string] => [`a name resolving to ${DNS[h]!.join(' + ')}`, h]),
];

/** Whole URLs refused for their scheme, credentials or shape. */
const FORBIDDEN_URLS: Array<[string, string]> = [
  ['plain http (https required)', 'http://public.test/hook'],
  ['file scheme', 'file:///etc/passwd'],
  ['gopher scheme', 'gopher://public.test:70/_x'],
  ['ftp scheme', 'ftp://public.test/x'],
  ['javascript scheme', 'javascript:alert(1)'],
  ['credentials in the URL', 'https://user:pass@public.test/hook'],
  ['an unresolvable name', 'https://nxdomain.test/hook'],
  ['not a URL', 'not a url'],
  ['a relative URL', '/hooks'],
];

const cases: Array<[string, string]> = [
  ...FORBIDDEN_HOSTS.map(([name, host]): [string, string] => [name, `https://${host}/hook`]),
  ...FORBIDDEN_URLS,
];

let api: Awaited<ReturnType<typeof startApi>>;
let tenant: ReturnType<typeof seedTenant>;
let sub: { id: string; url: string };

beforeAll(async () => {
  api = await startApi({ deps: { resolver } });
  tenant = seedTenant(api, 'ssrf');
  sub = await body(await api.fetch('/v1/subscriptions', { method: 'POST', key: tenant.apiKey, json: { url: 'https://public.test/sub' } }));
});
afterAll(async () => {
  await api?.stop();
  api?.temp?.cleanup();
});

/** The four places a user hands pollhook a URL, each with the field path it must report. */
const entryPoints: Array<[string, (url: string) => Promise<Response>, string]> = [
  ['POST /v1/jobs callbackUrl', (url) => api.fetch('/v1/jobs', { method: 'POST', key: tenant.apiKey, json: fotolabsJob({ externalId: 'cb', callbackUrl: url }) }), 'callbackUrl'],
  [
    'POST /v1/jobs http.url',
    (url) =>
      api.fetch('/v1/jobs', {
        method: 'POST',
        key: tenant.apiKey,
        json: httpJob({ externalId: 'hu', callbackUrl: 'https://public.test/cb', http: { ...httpJob().http, url: url.replace(/\/hook$/, '/jobs/{externalId}') } }),
      }),
    'http.url',
  ],
  ['POST /v1/subscriptions url', (url) => api.fetch('/v1/subscriptions', { method: 'POST', key: tenant.apiKey, json: { url } }), 'url'],
  ['PATCH /v1/subscriptions/{id} url', (url) => api.fetch(`/v1/subscriptions/${sub.id}`, { method: 'PATCH', key: tenant.apiKey, json: { url } }), 'url'],
];

describe.each(entryPoints)('%s', (_name, send, path) => {
  test.each(cases)('refuses %s (%s) with 422 at the field; nothing stored', async (_what, url) => {
    const before = fingerprint(api.db);
    const res = await send(url);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await body(res);
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(fingerprint(api.db)).toEqual(before);
  });

  test.each([
    ['a public IPv4 literal', `https://${PUBLIC_V4}/hook`],
    ['a public IPv6 literal', 'https://[2606:4700::1]/hook'],
    ['a name resolving to a public IPv4', 'https://public.test/hook'],
    ['a name resolving to a public IPv6', 'https://public6.test:8443/hook?x=1'],
  ])('accepts %s', async (_what, url) => {
    const res = await send(url);
    expect([200, 201]).toContain(res.status);
    // Undo, so the next case registers again (and the subscription URL is back for PATCH).
    const created = await body(res);
    if (path === 'url' && created.id !== sub.id) await api.fetch(`/v1/subscriptions/${created.id}`, { method: 'DELETE', key: tenant.apiKey });
    if (path !== 'url') await api.fetch(`/v1/jobs/${created.id}`, { method: 'DELETE', key: tenant.apiKey });
  });
});
