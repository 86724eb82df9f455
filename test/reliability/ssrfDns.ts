/** Registration-time DNS for the SSRF suites: the *.evil.test names resolve to forbidden addresses. */
import type { Resolver } from '../../src/security/ssrf.ts';

export const PUBLIC_V4 = '93.184.215.14';

export const DNS: Record<string, string[]> = {
  'public.test': [PUBLIC_V4],
  'public6.test': ['2606:4700::1'],
  'to-loopback.evil.test': ['127.0.0.1'],
  'to-loopback6.evil.test': ['::1'],
  'to-private.evil.test': ['10.1.2.3'],
  'to-private172.evil.test': ['172.16.5.4'],
  'to-private192.evil.test': ['192.168.0.10'],
  'to-link-local.evil.test': ['169.254.1.1'],
  'to-metadata.evil.test': ['169.254.169.254'],
  'to-metadata6.evil.test': ['fd00:ec2::254'],
  'to-cgnat.evil.test': ['100.64.0.7'],
  'to-mapped.evil.test': ['::ffff:10.0.0.1'],
  'to-mapped-hex.evil.test': ['::ffff:a00:1'],
  'to-unspecified.evil.test': ['0.0.0.0'],
  'to-multicast.evil.test': ['224.0.0.251'],
  'half-private.evil.test': [PUBLIC_V4, '10.0.0.1'],
  'half-loopback6.evil.test': ['2606:4700::1', '::1'],
  // Names that answer public at registration and rebind at connect time (see below).
  'rebind.test': [PUBLIC_V4],
  'rebind-upstream.test': [PUBLIC_V4],
};
export const resolver: Resolver = async (host) => {
  const found = DNS[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};
