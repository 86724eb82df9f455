import { describe, expect, test } from 'vitest';
import { checkAddress, checkUrl, parseAllowPrivate, type Resolver, type SsrfPolicy } from '../../src/security/ssrf.ts';

const resolver: Resolver = async (host) => {
  const table: Record<string, string[]> = {
    'example.com': ['93.184.215.14'],
    'hooks.internal.test': ['10.0.0.1'],
    'private.example.net': ['10.0.0.1'],
    'mixed.example.net': ['93.184.215.14', '10.0.0.1'],
    'mapped.example.net': ['::ffff:169.254.169.254'],
    'v6.example.net': ['2606:4700::1'],
    'empty.example.net': [],
  };
  const answer = table[host];
  if (!answer) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer;
};

const strict: SsrfPolicy = { allowPrivate: false, allowHttp: true };
const httpsOnly: SsrfPolicy = { allowPrivate: false, allowHttp: false };

const refusals: Array<[string, SsrfPolicy, RegExp]> = [
  ['http://2130706433/', strict, /loopback/],
  ['http://0x7f.1/', strict, /loopback/],
  ['http://0177.0.0.1/', strict, /loopback/],
  ['http://127.1/', strict, /loopback/],
  ['http://[::1]/', strict, /loopback/],
  ['http://[::ffff:127.0.0.1]/', strict, /loopback/],
  ['http://[::ffff:7f00:1]/', strict, /loopback/],
  ['http://169.254.169.254/latest/meta-data/', strict, /link-local/],
  ['http://[fd00::1]/', strict, /unique-local/],
  ['http://[fd00:ec2::254]/', strict, /unique-local/],
  ['http://[fe80::1]/', strict, /link-local/],
  // IPv4-compatible (deprecated) form: ipaddr.js calls it unicast; it must not pass.
  ['http://[::127.0.0.1]/', strict, /reserved/],
  ['http://[64:ff9b::7f00:1]/', strict, /rfc6052/],
  ['http://[2002:7f00:1::]/', strict, /6to4/],
  ['http://[4000::1]/', strict, /reserved/],
  ['http://198.18.0.1/', strict, /reserved/],
  ['http://100.64.0.1/', strict, /carrier-grade NAT/],
  ['http://10.1.2.3/', strict, /private/],
  ['http://192.168.0.1/', strict, /private/],
  ['http://172.16.0.1/', strict, /private/],
  ['http://0.0.0.0/', strict, /unspecified/],
  ['http://224.0.0.1/', strict, /multicast/],
  ['http://255.255.255.255/', strict, /broadcast/],
  ['http://240.0.0.1/', strict, /reserved/],
  ['http://localhost/', strict, /local name/],
  ['http://localhost./', strict, /local name/],
  ['http://api.localhost/', strict, /local name/],
  ['http://intranet/', strict, /local name/],
  ['https://hooks.internal.test/', strict, /forbidden address.*private/],
  ['https://private.example.net/', strict, /forbidden address.*private/],
  ['https://mixed.example.net/', strict, /forbidden address.*private/],
  ['https://mapped.example.net/', strict, /forbidden address.*link-local/],
  ['https://nxdomain.example.net/', strict, /does not resolve/],
  ['https://empty.example.net/', strict, /does not resolve/],
  ['ftp://example.com/file', strict, /scheme ftp: is not allowed/],
  ['file:///etc/passwd', strict, /scheme file: is not allowed/],
  ['gopher://example.com/', strict, /scheme/],
  ['https://user:pass@example.com/', strict, /credentials/],
  ['https://user@example.com/', strict, /credentials/],
  ['http://example.com/', httpsOnly, /only https/],
  ['not a url', strict, /not a valid absolute URL/],
  [`https://example.com/${'a'.repeat(2100)}`, strict, /longer than/],
];

describe('checkUrl refuses', () => {
  test.each(refusals)('%s', async (url, policy, reason) => {
    const result = await checkUrl(url, policy, resolver);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('checkUrl accepts', () => {
  test.each([
    ['https://example.com/hooks', httpsOnly],
    ['http://example.com/hooks', strict],
    ['https://v6.example.net/', httpsOnly],
    ['https://93.184.215.14/hooks', httpsOnly],
    ['https://[2606:4700::1]/hooks', httpsOnly],
  ])('%s', async (url, policy) => {
    const result = await checkUrl(url, policy, resolver);
    expect(result.ok).toBe(true);
  });
});

describe('the allow list', () => {
  test.each([
    ['true allows any address and skips DNS', true, 'http://localhost:8080/', true],
    ['true allows literal loopback', true, 'http://127.0.0.1/', true],
    ['true allows a private name', true, 'http://hooks.internal.test/', true],
    ['a CIDR allows addresses inside it', ['10.0.0.0/8'], 'http://10.1.2.3/', true],
    ['a CIDR allows names resolving inside it', ['10.0.0.0/8'], 'http://private.example.net/', true],
    ['a CIDR does not allow other ranges', ['10.0.0.0/8'], 'http://192.168.1.1/', false],
    ['a CIDR does not allow loopback', ['10.0.0.0/8'], 'http://127.0.0.1/', false],
    ['a loopback CIDR allows loopback', ['127.0.0.0/8'], 'http://127.0.0.1:4010/', true],
    ['an IPv4 CIDR also covers the IPv4-mapped form', ['127.0.0.0/8'], 'http://[::ffff:127.0.0.1]/', true],
    ['an IPv6 CIDR', ['fd00::/8'], 'http://[fd00::1]/', true],
    ['a CIDR list still refuses local names', ['10.0.0.0/8'], 'http://localhost/', false],
  ])('%s', async (_name, allowPrivate, url, ok) => {
    const result = await checkUrl(url, { allowPrivate, allowHttp: true }, resolver);
    expect(result.ok).toBe(ok);
  });

  test('parseAllowPrivate reads the environment value', () => {
    expect(parseAllowPrivate(undefined)).toBe(false);
    expect(parseAllowPrivate('false')).toBe(false);
    expect(parseAllowPrivate('TRUE')).toBe(true);
    expect(parseAllowPrivate('10.0.0.0/8, 127.0.0.0/8')).toEqual(['10.0.0.0/8', '127.0.0.0/8']);
    expect(() => parseAllowPrivate('10.0.0.0/8,not-a-cidr')).toThrow(/not-a-cidr/);
  });
});

describe('checkAddress (the connect-time check)', () => {
  test.each([
    ['93.184.215.14', true],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:93.184.215.14', true],
    ['::7f00:1', false],
    ['2606:4700::1', true],
    ['169.254.169.254', false],
    ['fd00:ec2::254', false],
    ['100.64.0.1', false],
    ['not-an-ip', false],
  ])('%s -> %s', (address, ok) => {
    expect(checkAddress(address, { allowPrivate: false, allowHttp: false }).ok).toBe(ok);
  });
});
