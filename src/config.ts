import { parseAllowPrivate } from './security/ssrf.ts';
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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const allowPrivateNetworks = parseAllowPrivate(env.POLLHOOK_ALLOW_PRIVATE_NETWORKS);
  const providerBaseUrls: Partial<Record<BuiltinProvider, string>> = {};
  for (const p of BUILTIN_PROVIDERS) {
    const v = env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`];
    if (v) {
      try {
        new URL(v);
      } catch {
        throw new ConfigError(`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL is not a URL: ${v}`);
      }
      providerBaseUrls[p] = v.replace(/\/+$/, '');
    }
  }
  return {
    port: int(env.PORT, 8080, 'PORT'),
    host: env.POLLHOOK_HOST ?? '0.0.0.0',
    dbPath: env.POLLHOOK_DB_PATH || 'data/pollhook.db',
    adminToken: env.POLLHOOK_ADMIN_TOKEN || null,
    masterKey: env.POLLHOOK_MASTER_KEY || null,
    allowPrivateNetworks,
    allowHttp: bool(env.POLLHOOK_ALLOW_HTTP, allowPrivateNetworks !== false),
    providerBaseUrls,
    retryScheduleMs: parseDurations(env.POLLHOOK_RETRY_SCHEDULE ?? '5s,5m,30m,2h,5h,10h,10h'),
    deliveryTimeoutMs: int(env.POLLHOOK_DELIVERY_TIMEOUT_MS, 15_000, 'POLLHOOK_DELIVERY_TIMEOUT_MS'),
    logLevel: env.POLLHOOK_LOG_LEVEL || 'info',
    retentionDays: int(env.POLLHOOK_RETENTION_DAYS, 30, 'POLLHOOK_RETENTION_DAYS'),
    leaseMs: leaseMs(env.POLLHOOK_LEASE_MS),
    lowDiskBytes: byteSize(env.POLLHOOK_LOW_DISK_BYTES, 512 * 1024 * 1024, 'POLLHOOK_LOW_DISK_BYTES'),
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5s,5m,30m,2h` -> milliseconds. A bare number is seconds. */
export function parseDurations(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new ConfigError('POLLHOOK_RETRY_SCHEDULE is empty');
  return parts.map((p) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(p);
    if (!m) throw new ConfigError(`POLLHOOK_RETRY_SCHEDULE: cannot read "${p}" (use e.g. 5s, 5m, 2h)`);
    return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
  });
}

/** Below a second a lease would expire under ordinary scheduling delays and work would be redone. */
function leaseMs(value: string | undefined): number | null {
  if (value == null || value === '') return null;
  const n = int(value, 0, 'POLLHOOK_LEASE_MS');
  if (n < 1000) throw new ConfigError(`POLLHOOK_LEASE_MS must be at least 1000, got "${value}"`);
  return n;
}

const BYTE_UNITS: Record<string, number> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `536870912`, `512MiB`, `1g` -> bytes (k, m, g are powers of 1024). */
function byteSize(value: string | undefined, fallback: number, name: string): number {
  if (value == null || value === '') return fallback;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new ConfigError(`${name} must be a byte size such as 536870912 or 512MiB, got "${value}"`);
  return Math.round(Number(m[1]) * unit);
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value == null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value == null || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}
