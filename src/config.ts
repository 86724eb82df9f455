import { parseAllowPrivate } from './security/ssrf.ts';
import { parseMasterKey } from './security/secretBox.ts';
import { BUILTIN_PROVIDERS, type BuiltinProvider } from './core/types.ts';

/** Everything pollhook reads from its environment, parsed once. Pure: the caller passes env. */
export interface Config {
  port: number;
  host: string;
  dbPath: string;
  adminToken: string | null;
  masterKey: string | null;
  allowPrivateNetworks: boolean | string[];
  /** https is required for targets unless this is set (defaults to true when private networks are allowed). */
  allowHttp: boolean;
  providerBaseUrls: Partial<Record<BuiltinProvider, string>>;
  retryScheduleMs: number[];
  deliveryTimeoutMs: number;
  /** How long in-flight webhooks get to finish on SIGTERM/SIGINT (POLLHOOK_SHUTDOWN_GRACE_MS). */
  shutdownGraceMs: number;
  logLevel: string;
  retentionDays: number;
  /**
   * How long a claimed job or delivery stays with the worker that claimed it (POLLHOOK_LEASE_MS).
   * After a crash that work is picked up again once its lease expires; null keeps the engines'
   * defaults (60 s).
   */
  leaseMs: number | null;
  /** Free bytes on the database's filesystem below which pollhook warns (POLLHOOK_LOW_DISK_BYTES); 0 disables. */
  lowDiskBytes: number;
}

/**
 * Bad configuration: printed as `pollhook: <message> (<variable>)` and exit 1. `variable` names
 * what the operator should change (an environment variable, or `set PORT` style advice).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly problem: string,
    readonly variable: string,
  ) {
    super(`${problem} (${variable})`);
  }
}

/**
 * Every variable `pollhook serve` reads: the one list behind `serve --help`, the README's
 * configuration table (a test compares them) and the warning about unknown POLLHOOK_ names.
 */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'PORT', default: '8080', meaning: 'HTTP port (0 picks a free one; the log says which)' },
  { name: 'POLLHOOK_HOST', default: '0.0.0.0', meaning: 'address to listen on' },
  { name: 'POLLHOOK_DB_PATH', default: 'data/pollhook.db', meaning: 'SQLite database file (WAL mode)' },
  { name: 'POLLHOOK_ADMIN_TOKEN', default: 'unset', meaning: 'enables POST /v1/tenants with `Authorization: Bearer <token>`' },
  {
    name: 'POLLHOOK_MASTER_KEY',
    default: 'master.key beside the database (generated on first start)',
    meaning: 'base64 of 32 bytes; encrypts credentials, http headers and signing secrets at rest',
  },
  {
    name: 'POLLHOOK_ALLOW_PRIVATE_NETWORKS',
    default: 'unset',
    meaning: 'comma list of CIDRs allowed as callback or upstream targets, e.g. 127.0.0.1/32,::1/128 (`true` allows every private range)',
  },
  { name: 'POLLHOOK_ALLOW_HTTP', default: 'false (true when private networks are allowed)', meaning: 'accept http:// targets' },
  {
    name: 'POLLHOOK_PROVIDER_<NAME>_BASE_URL',
    default: "the provider's documented URL",
    meaning: `override a built-in provider's base URL (<NAME>: ${BUILTIN_PROVIDERS.map((p) => p.toUpperCase()).join(', ')})`,
  },
  { name: 'POLLHOOK_RETRY_SCHEDULE', default: '5s,5m,30m,2h,5h,10h,10h', meaning: 'delays between delivery attempts (+-20% jitter), each at least 50ms' },
  { name: 'POLLHOOK_DELIVERY_TIMEOUT_MS', default: '15000', meaning: 'per delivery attempt' },
  {
    name: 'POLLHOOK_SHUTDOWN_GRACE_MS',
    default: '10000',
    meaning: "on SIGTERM/SIGINT, how long in-flight webhooks may finish before the rest is released (keep it under your supervisor's stop timeout)",
  },
  { name: 'POLLHOOK_RETENTION_DAYS', default: '30', meaning: 'finished jobs and their history are pruned after this; 0 keeps everything' },
  { name: 'POLLHOOK_LEASE_MS', default: '60000', meaning: 'how long claimed work stays with a worker before another may take it after a crash' },
  { name: 'POLLHOOK_LOG_LEVEL', default: 'info', meaning: 'fatal, error, warn, info, debug, trace or silent; JSON logs, pretty on a terminal' },
  { name: 'POLLHOOK_LOW_DISK_BYTES', default: '512MiB', meaning: 'free space on the database filesystem below which pollhook warns (log, metric, /readyz); 0 disables' },
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Names read by other tools beside the service (the client and receiver examples): not typos. */
const OTHER_KNOWN = new Set(['POLLHOOK_API_KEY', 'POLLHOOK_SIGNING_SECRET', 'POLLHOOK_NEW_MASTER_KEY', 'POLLHOOK_URL']);

/** POLLHOOK_* names in env that nothing reads: most likely typos, worth a warning at startup. */
export function unknownVariables(env: Record<string, string | undefined>): string[] {
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  for (const p of BUILTIN_PROVIDERS) known.add(`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`);
  return Object.keys(env)
    .filter((name) => name.startsWith('POLLHOOK_') && !known.has(name) && !OTHER_KNOWN.has(name))
    .sort();
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  let allowPrivateNetworks: boolean | string[];
  try {
    allowPrivateNetworks = parseAllowPrivate(env.POLLHOOK_ALLOW_PRIVATE_NETWORKS);
  } catch (err) {
    throw new ConfigError((err as Error).message.replace(/^POLLHOOK_ALLOW_PRIVATE_NETWORKS: /, ''), 'POLLHOOK_ALLOW_PRIVATE_NETWORKS');
  }
  const providerBaseUrls: Partial<Record<BuiltinProvider, string>> = {};
  for (const p of BUILTIN_PROVIDERS) {
    const name = `POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`;
    const v = env[name];
    if (v) {
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw new ConfigError(`"${v}" is not a URL`, name);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`"${v}" is not an http or https URL`, name);
      providerBaseUrls[p] = v.replace(/\/+$/, '');
    }
  }
  const masterKey = env.POLLHOOK_MASTER_KEY || null;
  if (masterKey) {
    try {
      parseMasterKey(masterKey);
    } catch {
      throw new ConfigError('the master key must be base64 of exactly 32 bytes (generate one with `openssl rand -base64 32`)', 'POLLHOOK_MASTER_KEY');
    }
  }
  const port = int(env.PORT, 8080, 'PORT');
  if (port > 65_535) throw new ConfigError(`"${env.PORT}" is above the highest port, 65535`, 'PORT');
  const host = env.POLLHOOK_HOST ?? '0.0.0.0';
  if (host.trim() === '' || /\s/.test(host)) throw new ConfigError(`"${host}" is not a host name or address`, 'POLLHOOK_HOST');
  const logLevel = (env.POLLHOOK_LOG_LEVEL || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`unknown log level "${env.POLLHOOK_LOG_LEVEL}" (use ${LOG_LEVELS.join(', ')})`, 'POLLHOOK_LOG_LEVEL');
  const deliveryTimeoutMs = int(env.POLLHOOK_DELIVERY_TIMEOUT_MS, 15_000, 'POLLHOOK_DELIVERY_TIMEOUT_MS');
  if (deliveryTimeoutMs < 1) throw new ConfigError('the delivery timeout must be at least 1 ms', 'POLLHOOK_DELIVERY_TIMEOUT_MS');
  const shutdownGraceMs = int(env.POLLHOOK_SHUTDOWN_GRACE_MS, 10_000, 'POLLHOOK_SHUTDOWN_GRACE_MS');
  return {
    port,
    host,
    dbPath: env.POLLHOOK_DB_PATH || 'data/pollhook.db',
    adminToken: env.POLLHOOK_ADMIN_TOKEN || null,
    masterKey,
    allowPrivateNetworks,
    allowHttp: bool(env.POLLHOOK_ALLOW_HTTP, allowPrivateNetworks !== false, 'POLLHOOK_ALLOW_HTTP'),
    providerBaseUrls,
    retryScheduleMs: parseDurations(env.POLLHOOK_RETRY_SCHEDULE ?? '5s,5m,30m,2h,5h,10h,10h'),
    deliveryTimeoutMs,
    shutdownGraceMs,
    logLevel,
    retentionDays: int(env.POLLHOOK_RETENTION_DAYS, 30, 'POLLHOOK_RETENTION_DAYS'),
    leaseMs: leaseMs(env.POLLHOOK_LEASE_MS),
    lowDiskBytes: byteSize(env.POLLHOOK_LOW_DISK_BYTES, 512 * 1024 * 1024, 'POLLHOOK_LOW_DISK_BYTES'),
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The shortest delay between delivery attempts: a zero (or near-zero) delay would retry a failing
 * receiver in a tight loop. Low enough for tests that need retries within a second.
 */
export const MIN_RETRY_DELAY_MS = 50;

/** `5s,5m,30m,2h` -> milliseconds. A bare number is seconds. */
export function parseDurations(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new ConfigError('the retry schedule is empty', 'POLLHOOK_RETRY_SCHEDULE');
  return parts.map((p) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(p);
    if (!m) throw new ConfigError(`cannot read "${p}" as a delay (use e.g. 5s, 5m, 2h)`, 'POLLHOOK_RETRY_SCHEDULE');
    const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
    if (ms < MIN_RETRY_DELAY_MS) {
      throw new ConfigError(`the delay "${p}" is below the minimum of ${MIN_RETRY_DELAY_MS}ms between delivery attempts`, 'POLLHOOK_RETRY_SCHEDULE');
    }
    return ms;
  });
}

/** Below a second a lease would expire under ordinary scheduling delays and work would be redone. */
function leaseMs(value: string | undefined): number | null {
  if (value == null || value === '') return null;
  const n = int(value, 0, 'POLLHOOK_LEASE_MS');
  if (n < 1000) throw new ConfigError(`the lease must be at least 1000 ms, got "${value}"`, 'POLLHOOK_LEASE_MS');
  return n;
}

const BYTE_UNITS: Record<string, number> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `536870912`, `512MiB`, `1g` -> bytes (k, m, g are powers of 1024). */
function byteSize(value: string | undefined, fallback: number, name: string): number {
  if (value == null || value === '') return fallback;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new ConfigError(`must be a byte size such as 536870912 or 512MiB, got "${value}"`, name);
  return Math.round(Number(m[1]) * unit);
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value == null || value === '') return fallback;
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new ConfigError(`"${value}" is not a non-negative integer`, name);
  return n;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function bool(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value == null || value === '') return fallback;
  const v = value.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new ConfigError(`"${value}" is not true or false`, name);
}
