import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard for every user-supplied URL (callbacks, subscriptions, `http` provider URLs,
 * upstream base URLs). Pure: DNS is an injected resolver, so the Node runtime plugs in
 * dns.lookup and tests plug in whatever answers they need (including rebinding ones).
 *
 * The URL parser already canonicalizes the tricky IPv4 spellings (`2130706433`, `0x7f.1`,
 * `0177.0.0.1`, `127.1`), so every literal reaches the address check in one form.
 */
export type Resolver = (hostname: string) => Promise<string[]>;

export interface SsrfPolicy {
  /** true: any address; an array: addresses inside these CIDRs are allowed too. */
  allowPrivate: boolean | readonly string[];
  /** false: only https URLs are accepted. */
  allowHttp: boolean;
}

/** `temporary`: the resolver could not answer just now (not "no such host"): worth a retry. */
export type GuardResult = { ok: true; url: URL } | { ok: false; reason: string; temporary?: boolean };

/** Resolver error codes that say nothing about the host: the DNS server failed or timed out. */
const TEMPORARY_DNS_CODES = new Set(['EAI_AGAIN', 'ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'ECANCELLED', 'ETIMEDOUT']);
export type AddressCheck = { ok: true } | { ok: false; reason: string };

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'EBLOCKED';
}

const MAX_URL_LENGTH = 2048;

/** The URL alone, before any DNS: scheme, credentials, literal addresses, local names. */
export function checkUrlSyntax(input: string, policy: SsrfPolicy): GuardResult {
  if (input.length > MAX_URL_LENGTH) return fail(`URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail('not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`scheme ${url.protocol} is not allowed; use https`);
  if (url.protocol === 'http:' && !policy.allowHttp) return fail('only https URLs are allowed');
  if (url.username || url.password) return fail('credentials in the URL are not allowed');
  const host = bareHost(url.hostname);
  if (!host) return fail('URL has no host');
  const literal = parseIp(host);
  if (literal) {
    const check = checkAddress(host, policy);
    return check.ok ? { ok: true, url } : check;
  }
  if (policy.allowPrivate !== true && isLocalName(host)) return fail(`host ${host} is a local name`);
  return { ok: true, url };
}

/** The URL and every address its host resolves to. */
export async function checkUrl(input: string, policy: SsrfPolicy, resolve: Resolver): Promise<GuardResult> {
  const syntax = checkUrlSyntax(input, policy);
  if (!syntax.ok) return syntax;
  const host = bareHost(syntax.url.hostname);
  if (parseIp(host) || policy.allowPrivate === true) return syntax;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && TEMPORARY_DNS_CODES.has(code)) {
      return { ok: false, reason: `host ${host} could not be resolved just now (${code})`, temporary: true };
    }
    return fail(`host ${host} does not resolve`);
  }
  if (addresses.length === 0) return fail(`host ${host} does not resolve`);
  for (const address of addresses) {
    const check = checkAddress(address, policy);
    if (!check.ok) return fail(`host ${host} resolves to a forbidden address (${check.reason})`);
  }
  return syntax;
}

/** One resolved or literal address. Only globally routable unicast passes, unless allowed. */
export function checkAddress(address: string, policy: SsrfPolicy): AddressCheck {
  if (policy.allowPrivate === true) return { ok: true };
  let ip = parseIp(bareHost(address));
  if (!ip) return fail(`${address} is not an IP address`);
  if (isAllowedByCidr(ip, policy.allowPrivate)) return { ok: true };
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
    if (isAllowedByCidr(ip, policy.allowPrivate)) return { ok: true };
  }
  const range = ip.range();
  if (range !== 'unicast') return fail(`${ip.toString()} is a ${describeRange(range)} address`);
  // ipaddr.js calls everything it has no name for "unicast", including the deprecated
  // IPv4-compatible ::a.b.c.d (`[::127.0.0.1]`) and unassigned space: only 2000::/3 is global.
  if (ip.kind() === 'ipv6' && !ip.match(GLOBAL_UNICAST_V6)) {
    return fail(`${ip.toString()} is a reserved address (outside 2000::/3)`);
  }
  return { ok: true };
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

function isAllowedByCidr(ip: ipaddr.IPv4 | ipaddr.IPv6, cidrs: boolean | readonly string[]): boolean {
  if (!Array.isArray(cidrs)) return false;
  for (const cidr of cidrs) {
    try {
      const [net, bits] = ipaddr.parseCIDR(cidr);
      if (net.kind() === ip.kind() && ip.match(net, bits)) return true;
    } catch {
      // invalid CIDRs are rejected when the configuration is parsed
    }
  }
  return false;
}

function parseIp(value: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(value) || ipaddr.IPv6.isValid(value)) {
    try {
      return ipaddr.parse(value);
    } catch {
      return null;
    }
  }
  return null;
}

/** Strips IPv6 brackets and the trailing root dot (`localhost.` is `localhost`). */
function bareHost(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  while (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.localdomain', '.home.arpa'];
function isLocalName(host: string): boolean {
  if (host === 'localhost' || host === 'localhost.localdomain' || !host.includes('.')) return true;
  return LOCAL_SUFFIXES.some((s) => host.endsWith(s));
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  linkLocal: 'link-local (incl. cloud metadata)',
  uniqueLocal: 'unique-local (private IPv6, incl. cloud metadata)',
  carrierGradeNat: 'carrier-grade NAT',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
  reserved: 'reserved',
  ipv4Mapped: 'IPv4-mapped',
};
const describeRange = (range: string): string => RANGE_NAMES[range] ?? `special-purpose (${range})`;

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Parses POLLHOOK_ALLOW_PRIVATE_NETWORKS: unset/false, `true`, or a comma list of CIDRs. */
export function parseAllowPrivate(value: string | undefined): boolean | string[] {
  if (value == null || value.trim() === '' || value.trim().toLowerCase() === 'false') return false;
  if (value.trim().toLowerCase() === 'true') return true;
  const cidrs = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const cidr of cidrs) {
    if (!ipaddr.isValidCIDR(cidr)) throw new Error(`POLLHOOK_ALLOW_PRIVATE_NETWORKS: ${cidr} is not a CIDR`);
  }
  return cidrs;
}
