import { lookup as dnsLookup } from 'node:dns';
import { promises as dnsPromises } from 'node:dns';
import { randomUUID } from 'node:crypto';
import { ConfigError, parseConfig, type Config } from '../../config.ts';
import { dirname } from 'node:path';
import { makeDirectory } from './makeDirectory.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { mathRandom } from '../../core/random.ts';
import type { Logger } from '../../core/logger.ts';
import { openSqlite } from './sqlite.ts';
import { migrate } from '../../store/migrate.ts';
import { readMasterKey, unlockSecrets, type LoadedMasterKey } from './masterKey.ts';
import { createLogger } from './logger.ts';
import { createNodeHttpClient } from './httpClient.ts';
import { startLoop, type Loop } from './loop.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { startRetention } from './retention.ts';
import { startStorageWatch, type StorageWatch } from './storageWatch.ts';
import { StorageHealth } from '../../store/storageHealth.ts';
import { classifyStorageError } from '../../store/storageErrors.ts';
import { listen, probePort, type Listening, type ServerTimeouts } from './listen.ts';
import { swaggerUiAssets } from './docsAssets.ts';
import { createProviderRegistry } from '../../providers/registry.ts';
import { createApp } from '../../http/app.ts';
import { createScheduler } from '../../scheduler/index.ts';
import { createDispatcher, DELIVERY_CONNECTIONS_PER_ORIGIN } from '../../delivery/index.ts';
import { countTenants, createTenant } from '../../store/queries/tenants.ts';
import type { Resolver } from '../../security/ssrf.ts';
import { readiness } from './readiness.ts';
import { warnAboutConfiguration } from './configWarnings.ts';
import type { Database } from '../../store/port.ts';
import { VERSION } from '../../version.ts';
import { StreamHub } from '../../http/streamHub.ts';
import { feedCounter } from '../../store/queries/eventFeed.ts';
import { createSigner } from '../../delivery/signer.ts';

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
  /** Milliseconds in-flight deliveries get to finish on close; replaces POLLHOOK_SHUTDOWN_GRACE_MS. */
  shutdownGraceMs?: number;
  /** How long clients may take to send a request (default DEFAULT_SERVER_TIMEOUTS). */
  serverTimeouts?: ServerTimeouts;
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
  // Everything that can be wrong in the configuration is found here, before any database
  // handle, worker thread, timer or socket exists: a bad start exits at once instead of hanging.
  // A port that cannot be bound is found before master.key or the database is written.
  const env = options.env ?? process.env;
  const config = options.config ?? parseConfig(env);
  await probePort(config.port, config.host);
  if (config.dbPath !== ':memory:') {
    try {
      makeDirectory(dirname(config.dbPath));
    } catch (err) {
      throw new ConfigError(`cannot create the database's directory ${dirname(config.dbPath)}: ${(err as Error).message}`, 'POLLHOOK_DB_PATH');
    }
  }
  const masterKey = readMasterKey(config);
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const announce = options.announce ?? ((text: string) => process.stdout.write(`${text}\n`));
  warnAboutConfiguration(options.config ? {} : env, config, logger);

  // Storage failures are classified and logged (once, with a count) by the health; metrics and
  // the storage watch join it once they exist.
  const storageHooks: { metrics: Metrics | null; watch: StorageWatch | null } = { metrics: null, watch: null };
  const health = new StorageHealth({
    logger: logger.child({ component: 'storage' }),
    clock,
    random: mathRandom,
    onFailure: (kind, operation) => storageHooks.metrics?.onStorageFailure(kind, operation),
    onChange: (kind) => {
      storageHooks.metrics?.setStorageWritable(kind === null);
      if (kind === null) storageHooks.watch?.recovered();
    },
  });
  let db: Database;
  try {
    db = openSqlite(config.dbPath, { observer: health });
  } catch (err) {
    throw new ConfigError(`cannot open the database ${config.dbPath}: ${(err as Error).message}`, 'POLLHOOK_DB_PATH');
  }
  let wired: Wired;
  try {
    wired = await wire(db, config, masterKey, logger, clock, announce, options, health, storageHooks);
  } catch (err) {
    db.close();
    throw err;
  }
  const { scheduler, dispatcher, retention, schedulerLoop, deliveryLoop, storage, upstreamHttp, targetHttp, listening, streams } = wired;
  const { server, url, port } = listening;
  logger.info({ url, address: listening.address, db: config.dbPath, version: VERSION }, `pollhook is serving: listening on ${listening.address}`);

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down');
      // Stream clients resume elsewhere (or after the restart) from their Last-Event-ID.
      streams.close();
      await retention.stop();
      await schedulerLoop.stop();
      await deliveryLoop.stop();
      // Polls still in flight finish and record (their leases are still held); bounded by the poll timeout.
      await scheduler.idle();
      await dispatcher.stop(options.shutdownGraceMs ?? config.shutdownGraceMs);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([upstreamHttp.close(), targetHttp.close()]);
      await storage.stop();
      db.close();
      logger.info('stopped');
    })());

  return { url, port, config, db, logger, close };
}

interface Wired {
  streams: StreamHub;
  scheduler: ReturnType<typeof createScheduler>;
  dispatcher: ReturnType<typeof createDispatcher>;
  retention: ReturnType<typeof startRetention>;
  schedulerLoop: Loop;
  deliveryLoop: Loop;
  storage: StorageWatch;
  upstreamHttp: ReturnType<typeof createNodeHttpClient>;
  targetHttp: ReturnType<typeof createNodeHttpClient>;
  listening: Listening;
}

/**
 * Migrates, unlocks the secrets and binds the port; only then starts the engines, retention and
 * the storage watch (the WAL checkpointer thread, disk monitor, write probe), so a failure up to
 * the bind leaves nothing running but `db`.
 */
async function wire(
  db: Database,
  config: Config,
  masterKey: LoadedMasterKey,
  logger: Logger,
  clock: Clock,
  announce: (text: string) => void,
  options: ServiceOptions,
  health: StorageHealth,
  storageHooks: { metrics: Metrics | null; watch: StorageWatch | null },
): Promise<Wired> {
  const migration = migrate(db, clock.now());
  if (migration.applied.length) logger.info({ applied: migration.applied }, 'database migrated');
  const secretBox = unlockSecrets(db, masterKey, logger, clock.now());

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
  const targetHttp = createNodeHttpClient({ ssrf, lookup, userAgent, connectionsPerOrigin: DELIVERY_CONNECTIONS_PER_ORIGIN });
  const providers = createProviderRegistry(config.providerBaseUrls);
  const workerId = randomUUID();
  const metrics = withObserver(createMetrics(db, clock), options.observe);
  storageHooks.metrics = metrics;
  metrics.setStorageWritable(health.status().writable);

  // The live event stream's connections, woken by the same commits that wake the delivery engine.
  const streams = new StreamHub({ latestSeq: () => feedCounter(db) });
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
    onEvent: (info) => (metrics.onEvent(info), streams.notify()),
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
    // The dashboard's live pages follow delivery outcomes too.
    onOutcome: (o) => (metrics.onOutcome(o), streams.notifyOutcomes()),
  });
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
    readiness: () => readiness(db, [schedulerLoop, deliveryLoop], secretBox, health, storageHooks.watch),
    metrics: () => metrics.render(),
    docsAssets: swaggerUiAssets(),
    streams,
    signer: createSigner({ db, secretBox, clock }),
  });


  let listening: Listening;
  try {
    listening = await listen(app.fetch, config.port, config.host, logger, options.serverTimeouts);
  } catch (err) {
    await Promise.allSettled([upstreamHttp.close(), targetHttp.close()]);
    throw err;
  }
  // After the bind: credentials shown once must not be printed by a start that then fails.
  try {
    if (countTenants(db) === 0) {
      const t = createTenant(db, secretBox, 'default', clock.now());
      announce(firstStartBanner(t.apiKey, t.signingSecret));
    }
  } catch (err) {
    await new Promise((resolve) => listening.server.close(resolve));
    await Promise.allSettled([upstreamHttp.close(), targetHttp.close()]);
    throw err;
  }
  const storage = startStorageWatch({
    db,
    dbPath: config.dbPath,
    health,
    lowDiskBytes: config.lowDiskBytes ?? 512 * 1024 * 1024,
    logger: logger.child({ component: 'storage' }),
    onDiskSample: (sample) => metrics.onDiskSample(sample),
    onCheckpoint: (report) => metrics.onCheckpoint(report),
  });
  storageHooks.watch = storage;
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
  return { scheduler, dispatcher, retention, schedulerLoop, deliveryLoop, storage, upstreamHttp, targetHttp, listening, streams };
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
