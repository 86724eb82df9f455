import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { answerClientErrorsAsProblems } from '../../src/runtime/node/clientErrors.ts';
import { createApp, type AppDeps } from '../../src/http/app.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { Logger } from '../../src/core/logger.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import type { Resolver } from '../../src/security/ssrf.ts';
import type { SecretBox } from '../../src/security/secretBox.ts';
import type { Database } from '../../src/store/port.ts';
import { createTenant } from '../../src/store/queries/tenants.ts';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';
import { enqueueDeliveries } from '../../src/store/queries/enqueueDeliveries.ts';
import { newId } from '../../src/core/ids.ts';
import type { EventType } from '../../src/core/types.ts';

export const ADMIN_TOKEN = 'admin-token-for-tests';

/** No real DNS: example.com is public, *.internal.test private, mixed.test both, the rest NXDOMAIN. */
export const fakeResolver: Resolver = async (host) => {
  if (host === 'example.com' || host.endsWith('.example.com')) return ['93.184.215.14'];
  if (host.endsWith('.internal.test')) return ['10.0.0.1'];
  if (host === 'mixed.test') return ['93.184.215.14', '10.0.0.1'];
  if (host === 'v6.test') return ['2606:4700::1'];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

export interface LogLine {
  level: string;
  obj: unknown;
  msg?: string;
}

export function capturingLogger(lines: LogLine[], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => {
    lines.push({ level, obj: typeof obj === 'string' ? { ...bindings, msg: obj } : { ...bindings, ...obj }, msg });
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => capturingLogger(lines, { ...bindings, ...more }),
  };
}

export interface Api {
  url: string;
  db: Database;
  box: SecretBox;
  clock: ManualClock;
  config: Config;
  logs: LogLine[];
  hooks: { jobsChanged: number; deliveriesQueued: number };
  /** Closes the server only. */
  stop(): Promise<void>;
  fetch(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
}

export interface ApiOptions {
  db?: Database;
  box?: SecretBox;
  clock?: ManualClock;
  config?: Partial<Config>;
  /** Extra deps, or a function of the database that makes them (a stream hub reads it). */
  deps?: Partial<AppDeps> | ((db: Database) => Partial<AppDeps>);
  /** Default Authorization for fetch(). */
  key?: string;
}

export async function startApi(options: ApiOptions = {}): Promise<Api & { temp: TempDb | null }> {
  const clock = options.clock ?? new ManualClock();
  const temp = options.db ? null : tempDb(clock.now());
  const db = options.db ?? temp!.db;
  const box = options.box ?? testSecretBox();
  const config: Config = {
    ...parseConfig({}),
    adminToken: ADMIN_TOKEN,
    allowPrivateNetworks: false,
    allowHttp: false,
    ...options.config,
  };
  const logs: LogLine[] = [];
  const hooks = { jobsChanged: 0, deliveriesQueued: 0 };
  const app = createApp({
    db,
    clock,
    secretBox: box,
    config,
    providers: createProviderRegistry(),
    resolver: fakeResolver,
    logger: capturingLogger(logs),
    version: '0.0.0-test',
    hooks: { jobsChanged: () => void hooks.jobsChanged++, deliveriesQueued: () => void hooks.deliveriesQueued++ },
    ...(typeof options.deps === 'function' ? options.deps(db) : options.deps),
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    // As the service does: what Node itself rejects (431, malformed HTTP) is a problem too.
    answerClientErrorsAsProblems(s as Server);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const defaultKey = options.key;
  const api = {
    url,
    db,
    box,
    clock,
    config,
    logs,
    hooks,
    temp,
    stop: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
    fetch: (path: string, init: RequestInit & { key?: string | null; json?: unknown } = {}) => {
      const { key, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      const auth = key === undefined ? defaultKey : key;
      if (auth) headers.set('authorization', `Bearer ${auth}`);
      let body = rest.body;
      if (json !== undefined) {
        body = JSON.stringify(json);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
      return fetch(url + path, { ...rest, headers, body });
    },
  };
  return api;
}

/** A tenant created directly in the store, as the CLI does. */
export const seedTenant = (api: Pick<Api, 'db' | 'box' | 'clock'>, name = 'acme') =>
  createTenant(api.db, api.box, name, api.clock.now());

export const fotolabsJob = (overrides: Record<string, unknown> = {}) => ({
  provider: 'fotolabs',
  externalId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847',
  credentials: { apiKey: 'fl_live_secret_key_123' },
  callbackUrl: 'https://example.com/hooks/pollhook',
  ...overrides,
});

export const httpJob = (overrides: Record<string, unknown> = {}) => ({
  provider: 'http',
  externalId: 'ext-1',
  callbackUrl: 'https://example.com/hooks',
  http: {
    url: 'https://api.example.com/jobs/{externalId}',
    headers: { authorization: 'Bearer upstream-header-secret' },
    statusPath: '/data/status',
    states: { pending: ['queued'], running: ['working'], succeeded: ['done'], failed: ['error'] },
    progressPath: '/data/progress',
    resultUrlPaths: ['/data/url'],
  },
  ...overrides,
});

export async function body<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** An event as the scheduler would append it, with its deliveries enqueued. Returns the event id. */
export function seedEvent(
  api: Pick<Api, 'db' | 'clock'>,
  job: { id: string; tenantId: string; callbackUrl: string | null },
  sequence: number,
  type: EventType = 'job.running',
): string {
  const now = api.clock.now();
  const id = newId('evt', now);
  const payload = { type, timestamp: new Date(now).toISOString(), data: { id: job.id, sequence } };
  api.db.transaction(() => {
    api.db
      .prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, job.id, job.tenantId, sequence, type, JSON.stringify(payload), now);
    api.db.prepare('UPDATE jobs SET last_sequence = ? WHERE id = ?').run(sequence, job.id);
    enqueueDeliveries(
      api.db,
      { tenantId: job.tenantId, jobId: job.id, eventId: id, sequence, type, callbackUrl: job.callbackUrl, callbackEvents: null },
      now,
    );
  });
  return id;
}

/** Marks a delivery dead as the delivery engine would after its last failed attempt. */
export function killDelivery(api: Pick<Api, 'db' | 'clock'>, deliveryId: string): void {
  const now = api.clock.now();
  api.db
    .prepare(
      `UPDATE deliveries SET status = 'dead', dead_at = ?, next_attempt_at = NULL, attempt_count = attempt_count + 1,
         last_status_code = 500, last_error = 'HTTP 500', updated_at = ? WHERE id = ?`,
    )
    .run(now, now, deliveryId);
  api.db
    .prepare(
      'INSERT INTO delivery_attempts (delivery_id, attempted_at, duration_ms, status_code, error, response_body) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(deliveryId, now, 12, 500, 'HTTP 500', 'oops');
}
