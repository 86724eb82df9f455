import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import { lookup as dnsLookup } from 'node:dns';
import { promises as dnsPromises } from 'node:dns';
import { randomUUID } from 'node:crypto';
import { parseConfig, type Config } from '../../config.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { mathRandom } from '../../core/random.ts';
import type { Logger } from '../../core/logger.ts';
import { openSqlite } from './sqlite.ts';
import { migrate, currentVersion, latestVersion } from '../../store/migrate.ts';
import { createSecretBox } from '../../security/secretBox.ts';
import { loadMasterKey } from './masterKey.ts';
import { createLogger } from './logger.ts';
import { createNodeHttpClient } from './httpClient.ts';
import { startLoop, type Loop } from './loop.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { startRetention } from './retention.ts';
import { startStorageWatch, type StorageWatch } from './storageWatch.ts';
import { StorageHealth } from '../../store/storageHealth.ts';
import { classifyStorageError } from '../../store/storageErrors.ts';
import { answerClientErrorsAsProblems } from './clientErrors.ts';
import { createProviderRegistry } from '../../providers/registry.ts';
import { createApp } from '../../http/app.ts';
import { createScheduler } from '../../scheduler/index.ts';
import { createDispatcher } from '../../delivery/index.ts';
import { countTenants, createTenant } from '../../store/queries/tenants.ts';
import type { Resolver } from '../../security/ssrf.ts';
import type { Database } from '../../store/port.ts';
import { VERSION } from '../../version.ts';

export interface ServiceOptions {
  env?: Record<string, string | undefined>;
  /** Replaces the configuration read from env. */
  config?: Config;
  logger?: Logger;
  clock?: Clock;
  /** DNS for the SSRF guard (registration and connect time); tests inject their own. */
  lookup?: typeof dnsLookup;
  /** Where the first-start credentials banner goes (default stdout). */
  announce?: (text: string) => void;
  /** Watches the engines (the demo's timeline); called besides the metrics. */
  observe?: Partial<Pick<Metrics, 'onPoll' | 'onEvent' | 'onAttempt' | 'onOutcome'>>;
  /** Milliseconds in-flight deliveries get to finish on close. */
  shutdownGraceMs?: number;
}

export interface Service {
  url: string;
  port: number;
  config: Config;
  db: Database;
  logger: Logger;
  /** Stops claiming, lets in-flight work finish (bounded), closes the server and the database. */
  close(): Promise<void>;
}

/** Wires the whole service in Node: database, engines, loops, HTTP server. */
export async function startService(options: ServiceOptions = {}): Promise<Service> {
  const config = options.config ?? parseConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const announce = options.announce ?? ((text: string) => process.stdout.write(`${text}\n`));

  // Storage failures are classified and logged (once, with a count) here; metrics join later.
  let metricsRef: Metrics | null = null;
  let storageRef: StorageWatch | null = null;
  const health = new StorageHealth({
    logger: logger.child({ component: 'storage' }),
    clock,
    random: mathRandom,
    onFailure: (kind, operation) => metricsRef?.onStorageFailure(kind, operation),
    onChange: (kind) => {
      metricsRef?.setStorageWritable(kind === null);
      if (kind === null) storageRef?.recovered();
    },
  });
  const db = openSqlite(config.dbPath, { observer: health });
  const migration = migrate(db, clock.now());
  const storage: StorageWatch = startStorageWatch({
    db,
    dbPath: config.dbPath,
    health,
    lowDiskBytes: config.lowDiskBytes ?? 512 * 1024 * 1024,
    logger: logger.child({ component: 'storage' }),
    onDiskSample: (sample) => metricsRef?.onDiskSample(sample),
    onCheckpoint: (report) => metricsRef?.onCheckpoint(report),
  });
  storageRef = storage;
  if (migration.applied.length) logger.info({ applied: migration.applied }, 'database migrated');
  const secretBox = createSecretBox(loadMasterKey(config.masterKey, config.dbPath, logger));

  if (countTenants(db) === 0) {
    const t = createTenant(db, secretBox, 'default', clock.now());
    announce(firstStartBanner(t.apiKey, t.signingSecret));
  }

  const ssrf = { allowPrivate: config.allowPrivateNetworks, allowHttp: config.allowHttp };
  const lookup = options.lookup ?? dnsLookup;
  const resolver: Resolver = options.lookup
    ? (host) =>
        new Promise((resolve, reject) =>
          lookup(host, { all: true }, (err, addrs) => (err ? reject(err) : resolve((addrs as unknown as { address: string }[]).map((a) => a.address)))),
        )
    : async (host) => (await dnsPromises.lookup(host, { all: true })).map((a) => a.address);
  const userAgent = `pollhook/${VERSION}`;
  const upstreamHttp = createNodeHttpClient({
    ssrf,
    lookup,
    userAgent,
    trustedOrigins: Object.values(config.providerBaseUrls),
  });
  const targetHttp = createNodeHttpClient({ ssrf, lookup, userAgent });
  const providers = createProviderRegistry(config.providerBaseUrls);
  const workerId = randomUUID();
  const metrics = withObserver(createMetrics(db, clock), options.observe);
  metricsRef = metrics;
  metrics.setStorageWritable(health.status().writable);

  let deliveryLoop: Loop | null = null;
  let schedulerLoop: Loop | null = null;
  const scheduler = createScheduler({
    db,
    clock,
    random: mathRandom,
    http: upstreamHttp,
    providers,
    secretBox,
    logger: logger.child({ engine: 'scheduler' }),
    workerId,
    // A poll must end within its lease, or a second worker could poll the same job meanwhile.
    options: config.leaseMs ? { leaseMs: config.leaseMs, pollTimeoutMs: Math.min(15_000, Math.floor(config.leaseMs / 2)) } : undefined,
    onDeliveriesQueued: () => deliveryLoop?.wake(),
    onPoll: metrics.onPoll,
    onEvent: metrics.onEvent,
  });
  const dispatcher = createDispatcher({
    db,
    clock,
    random: mathRandom,
    http: targetHttp,
    secretBox,
    logger: logger.child({ engine: 'delivery' }),
    workerId,
    options: {
      retryScheduleMs: config.retryScheduleMs,
      timeoutMs: config.deliveryTimeoutMs,
      userAgent,
      // A send must end within its lease, or the delivery could be claimed and sent twice.
      ...(config.leaseMs ? { leaseMs: Math.max(config.leaseMs, 2 * config.deliveryTimeoutMs) } : {}),
    },
    onAttempt: metrics.onAttempt,
    onOutcome: metrics.onOutcome,
  });
  const retention = startRetention({
    db,
    clock,
    logger: logger.child({ engine: 'retention' }),
    retentionDays: config.retentionDays,
  });
  // A storage failure is logged by the health (once, with a count); the loops back off on it.
  const onLoopError = (engine: string) => (err: unknown) => logger[classifyStorageError(err) ? 'debug' : 'error']({ engine, err }, 'engine step failed');
  const holdOffMs = () => health.retryDelayMs();
  schedulerLoop = startLoop({ name: 'scheduler', step: () => scheduler.runOnce(), now: clock.now, onError: onLoopError('scheduler'), holdOffMs });
  deliveryLoop = startLoop({ name: 'delivery', step: () => dispatcher.runOnce(), now: clock.now, onError: onLoopError('delivery'), holdOffMs });

  const app = createApp({
    db,
    clock,
    secretBox,
    config,
    providers,
    resolver,
    logger,
    version: VERSION,
    hooks: { jobsChanged: () => schedulerLoop?.wake(), deliveriesQueued: () => deliveryLoop?.wake() },
    readiness: () => readiness(db, [schedulerLoop, deliveryLoop], health, storage),
    metrics: () => metrics.render(),
  });

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    answerClientErrorsAsProblems(s as Server);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ url, db: config.dbPath, version: VERSION }, 'pollhook is serving');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down');
      await retention.stop();
      await schedulerLoop!.stop();
      await deliveryLoop!.stop();
      // Polls still in flight finish and record (their leases are still held); bounded by the poll timeout.
      await scheduler.idle();
      await dispatcher.stop(options.shutdownGraceMs ?? 10_000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([upstreamHttp.close(), targetHttp.close()]);
      await storage.stop();
      db.close();
      logger.info('stopped');
    })());

  return { url, port, config, db, logger, close };
}

/** The metrics hooks, each also calling the observer's hook of the same name. */
function withObserver(metrics: Metrics, observe: ServiceOptions['observe']): Metrics {
  if (!observe) return metrics;
  return {
    ...metrics,
    onPoll: (i) => (metrics.onPoll(i), observe.onPoll?.(i)),
    onEvent: (i) => (metrics.onEvent(i), observe.onEvent?.(i)),
    onAttempt: (i) => (metrics.onAttempt(i), observe.onAttempt?.(i)),
    onOutcome: (i) => (metrics.onOutcome(i), observe.onOutcome?.(i)),
  };
}

function readiness(db: Database, loops: Array<Loop | null>, health: StorageHealth, storage: StorageWatch) {
  const checks: Record<string, unknown> = {};
  try {
    db.prepare('SELECT 1').get();
    checks.database = true;
    checks.migrations = currentVersion(db) === latestVersion();
  } catch {
    checks.database = false;
    checks.migrations = false;
  }
  checks.engines = loops.every((l) => l?.running);
  // Not ready while writes fail for a storage reason: detail says which and why.
  const s = health.status();
  checks.storage = s.writable || { writable: false, kind: s.kind, reason: s.reason, since: s.since && new Date(s.since).toISOString(), failures: s.failures, lastError: s.lastError };
  const ok = Object.values(checks).every((v) => v === true);
  // Free space is detail (a warning when low), not a reason to be unready.
  const disk = storage.disk();
  if (disk) checks.disk = { freeBytes: disk.freeBytes, lowDiskBytes: disk.lowDiskBytes, low: disk.low, databaseBytes: disk.databaseBytes, walBytes: disk.walBytes };
  return { ok, checks };
}

function firstStartBanner(apiKey: string, signingSecret: string): string {
  return [
    '',
    '  pollhook: created the "default" tenant on this new database. These are shown ONCE:',
    `    API key:         ${apiKey}`,
    `    signing secret:  ${signingSecret}`,
    '  Use the API key as `Authorization: Bearer <key>`; verify webhooks with the signing secret.',
    '',
  ].join('\n');
}
