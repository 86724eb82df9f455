import { parseConfig, ConfigError, type Config } from '../../config.ts';
import { systemClock } from '../../core/clock.ts';
import { mathRandom } from '../../core/random.ts';
import type { Logger } from '../../core/logger.ts';
import { migrate, currentVersion, latestVersion } from '../../store/migrate.ts';
import type { Database } from '../../store/port.ts';
import { nextDueAt } from '../../store/queries/nextDueJob.ts';
import { nextDueDeliveryAt } from '../../store/queries/nextDueDelivery.ts';
import { countTenants, createTenant } from '../../store/queries/tenants.ts';
import { pruneExpiredHistory } from '../../store/queries/pruneFinished.ts';
import { authenticateApiKey } from '../../store/queries/authenticate.ts';
import { verifyMasterKey } from '../../store/queries/masterKeyCheck.ts';
import { bearerToken } from '../../http/auth.ts';
import { createSecretBox, parseMasterKey, type SecretBox } from '../../security/secretBox.ts';
import type { Resolver } from '../../security/ssrf.ts';
import { createProviderRegistry } from '../../providers/registry.ts';
import { createApp } from '../../http/app.ts';
import { createScheduler, type Scheduler } from '../../scheduler/index.ts';
import { createDispatcher, type Dispatcher } from '../../delivery/index.ts';
import { VERSION } from '../../version.ts';
import { StorageHealth } from '../../store/storageHealth.ts';
import { classifyStorageError } from '../../store/storageErrors.ts';
import { openDurableSqlite } from './sqlDriver.ts';
import { createFetchHttpClient } from './fetchClient.ts';
import { WORKERS_DISPATCHER_LIMITS, WORKERS_SCHEDULER_LIMITS } from './limits.ts';
import { createConsoleLogger } from './logger.ts';
import { AlarmRun } from './alarmRun.ts';
import type { DurableObjectState } from './platform.ts';
import type { WorkersEnv } from './env.ts';

/** The rows a split tenant's members all hold, parents first. */
const TENANT_TABLES = ['tenants', 'api_keys', 'signing_secrets', 'connections', 'subscriptions'] as const;
/** How long one alarm runs the engines before handing over to a fresh alarm (CPU and wall limits). */
const ALARM_BUDGET_MS = 20_000;
/** Expired history is pruned by an alarm at most this often (POLLHOOK_RETENTION_DAYS). */
const PRUNE_EVERY_MS = 3_600_000;
/** The alarm never comes back sooner than this after a storage failure (the backoff's floor). */
const STORAGE_RETRY_MIN_MS = 100;

/**
 * One shard: a Durable Object owning its tenants' data in its own SQLite database, serving the
 * same Hono app as Node, and driving the scheduler's and dispatcher's runOnce() steps from its
 * single alarm, always set to the earliest due poll or delivery (leased work counts at its
 * lease expiry, so work lost with an evicted object is picked up again). A commit by the API
 * re-arms the alarm at once. Alarms are at least once: a step only claims what is due and not
 * leased, so running it twice does no harm.
 * Storage failures (the object over its storage limit, a failed write) are told to a
 * StorageHealth by the driver, as on Node: the API answers 503 `unavailable`, /readyz says why,
 * and the alarm backs off (exponential, capped, jittered) instead of retrying at once, and is
 * always set again, so the shard resumes by itself when writes succeed.
 */
export class PollhookShard {
  private readonly db: Database;
  private readonly logger: Logger;
  private readonly engines: { scheduler: Scheduler; dispatcher: Dispatcher; retentionDays: number } | null;
  private prunedAt = 0;
  private readonly app: { fetch(req: Request): Response | Promise<Response> };
  private readonly secretBox: SecretBox | null;
  /** Since this object started: what Cloudflare bills (rows) and what the engines did. */
  private readonly usage = { rowsRead: 0, rowsWritten: 0, polls: 0, events: 0, attempts: 0, alarms: 0, storageFailures: 0 };
  private readonly health: StorageHealth;
  /** The engines' steps within one alarm (they never wait idly for a slow receiver or upstream). */
  private readonly alarmRun = new AlarmRun();

  constructor(
    private readonly ctx: DurableObjectState,
    env: WorkersEnv,
  ) {
    this.health = new StorageHealth({
      logger: createConsoleLogger(stringVars(env).POLLHOOK_LOG_LEVEL ?? 'info').child({ component: 'storage' }),
      clock: systemClock,
      random: mathRandom,
      onFailure: () => void this.usage.storageFailures++,
    });
    this.db = openDurableSqlite(ctx.storage, this.usage, this.health);
    migrate(this.db, Date.now());
    let config: Config;
    try {
      config = parseConfig(stringVars(env));
      if (!config.masterKey) throw new ConfigError('POLLHOOK_MASTER_KEY is not set: `wrangler secret put POLLHOOK_MASTER_KEY`', 'wrangler secret');
      const box = createSecretBox(parseMasterKey(config.masterKey));
      // As in Node: a key that cannot open this shard's secrets is refused, not used to fail every delivery.
      const check = verifyMasterKey(this.db, box, Date.now());
      if (check.status === 'mismatch') throw new ConfigError(`the master key does not match this shard: it cannot decrypt ${check.what}`, 'POLLHOOK_MASTER_KEY');
      this.secretBox = box;
    } catch (err) {
      // Bad configuration: every request answers the one-line reason, nothing runs.
      const message = err instanceof Error ? err.message : String(err);
      this.logger = createConsoleLogger('info');
      this.logger.error({ message }, 'bad configuration');
      this.engines = null;
      this.secretBox = null;
      this.app = { fetch: () => Response.json({ type: 'about:blank', title: 'Misconfigured', status: 500, detail: message }, { status: 500, headers: { 'content-type': 'application/problem+json' } }) };
      return;
    }
    this.logger = createConsoleLogger(config.logLevel);
    const ssrf = { allowPrivate: config.allowPrivateNetworks, allowHttp: config.allowHttp };
    const userAgent = `pollhook/${VERSION}`;
    const providers = createProviderRegistry(config.providerBaseUrls);
    const workerId = crypto.randomUUID();
    const scheduler = createScheduler({
      db: this.db,
      clock: systemClock,
      random: mathRandom,
      http: createFetchHttpClient({ ssrf, userAgent, trustedOrigins: Object.values(config.providerBaseUrls) }),
      providers,
      secretBox: this.secretBox,
      logger: this.logger.child({ engine: 'scheduler' }),
      workerId,
      onPoll: () => void this.usage.polls++,
      onEvent: () => void this.usage.events++,
      onDeliveriesQueued: () => this.alarmRun.wake(),
      options: { ...WORKERS_SCHEDULER_LIMITS, ...(config.leaseMs ? { leaseMs: config.leaseMs, pollTimeoutMs: Math.min(15_000, Math.floor(config.leaseMs / 2)) } : {}) },
    });
    const dispatcher = createDispatcher({
      db: this.db,
      clock: systemClock,
      random: mathRandom,
      http: createFetchHttpClient({ ssrf, userAgent }),
      secretBox: this.secretBox,
      logger: this.logger.child({ engine: 'delivery' }),
      workerId,
      options: {
        retryScheduleMs: config.retryScheduleMs,
        timeoutMs: config.deliveryTimeoutMs,
        userAgent,
        ...WORKERS_DISPATCHER_LIMITS,
        ...(config.leaseMs ? { leaseMs: Math.max(config.leaseMs, 2 * config.deliveryTimeoutMs) } : {}),
      },
      onAttempt: () => void this.usage.attempts++,
    });
    this.engines = { scheduler, dispatcher, retentionDays: config.retentionDays };
    // A running alarm takes the new work at once; otherwise the alarm fires for it.
    const rearm = () => {
      this.alarmRun.wake();
      void this.ctx.storage.setAlarm(Date.now());
    };
    this.app = createApp({
      db: this.db,
      clock: systemClock,
      secretBox: this.secretBox,
      config,
      providers,
      resolver: publicByName,
      logger: this.logger,
      version: VERSION,
      hooks: { jobsChanged: rearm, deliveriesQueued: rearm },
      readiness: () => this.readiness(),
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: this.metricsText() }),
    });
  }

  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === '/__shard/bootstrap') return this.bootstrap();
    if (path === '/__shard/export') return this.exportTenant(request);
    if (path === '/__shard/import') return this.importTenant(await request.json());
    return this.app.fetch(request);
  }

  async alarm(): Promise<void> {
    if (!this.engines) return;
    this.usage.alarms++;
    const { scheduler, dispatcher } = this.engines;
    let storageFailed = false;
    try {
      this.probeStorage();
      await this.alarmRun.run([scheduler, dispatcher], { stopAt: Date.now() + ALARM_BUDGET_MS, nextDue: () => this.nextDue() });
      await this.pruneNowAndThen();
    } catch (err) {
      // A storage failure was logged by the health (once, with a count); anything else is a bug
      // the platform's alarm retry also sees.
      if (!classifyStorageError(err)) throw err;
      storageFailed = true;
    } finally {
      await this.arm(storageFailed);
    }
  }

  /**
   * While writes fail and the backoff has passed, one write that changes nothing anyone reads
   * (the newest migration's row keeps its value): its success marks storage writable again even
   * when no poll or delivery is due to write. Its failure is told to the health by the driver.
   */
  private probeStorage(): void {
    if (!this.health.probeDue()) return;
    this.health.probe(() => this.probeWrite());
  }

  private probeWrite(): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT MAX(version) FROM schema_migrations)').run();
    });
  }


  /** Expired history goes in small transactions, at most hourly, from an alarm that ran anyway. */
  private async pruneNowAndThen(): Promise<void> {
    const now = Date.now();
    // POLLHOOK_RETENTION_DAYS=0 keeps everything, as on Node.
    if (!this.engines || this.engines.retentionDays <= 0 || now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    const cutoff = now - this.engines.retentionDays * 86_400_000;
    const report = await pruneExpiredHistory(this.db, { cutoff, batchSize: 200, pause: () => new Promise((r) => setTimeout(r, 0)), shouldStop: () => Date.now() - now > 5_000 });
    if (report.jobs) this.logger.info(report, 'pruned expired history');
  }

  /**
   * The alarm at the earliest due poll or delivery, or none. While storage fails it is set at
   * the backoff instead (the due work cannot be claimed before then anyway), and also when the
   * due time cannot even be read: the chain of alarms never stops on a storage failure.
   */
  private async arm(storageFailed = false): Promise<void> {
    const backoff = () => Date.now() + Math.max(STORAGE_RETRY_MIN_MS, this.health.retryDelayMs());
    if (storageFailed || !this.health.status().writable) {
      await this.ctx.storage.setAlarm(backoff());
      return;
    }
    let next: number | null;
    try {
      next = this.nextDue();
    } catch (err) {
      if (!classifyStorageError(err)) throw err;
      await this.ctx.storage.setAlarm(backoff());
      return;
    }
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  private nextDue(): number | null {
    const due = [nextDueAt(this.db, Date.now()), nextDueDeliveryAt(this.db)].filter((t): t is number => t !== null);
    return due.length ? Math.min(...due) : null;
  }

  /** The tenant-wide rows of the key's tenant (a split tenant's member 0 to the others). */
  private exportTenant(request: Request): Response {
    const byId = new URL(request.url).searchParams.get('tenant');
    const token = bearerToken(request.headers.get('authorization') ?? undefined);
    const key = byId ? { tenantId: byId } : token ? authenticateApiKey(this.db, token, Date.now()) : null;
    if (!key) return Response.json({ error: 'unknown key' }, { status: 401 });
    const rows: Record<string, unknown[]> = {};
    for (const table of TENANT_TABLES) {
      rows[table] = this.db.prepare(`SELECT * FROM ${table} WHERE ${table === 'tenants' ? 'id' : 'tenant_id'} = ?`).all(key.tenantId);
    }
    return Response.json(rows);
  }

  /** Upserts exported rows by id, parents first, in one transaction. */
  private importTenant(rows: Record<string, Array<Record<string, string | number | null>>>): Response {
    this.db.transaction(() => {
      for (const table of TENANT_TABLES) {
        for (const row of rows[table] ?? []) {
          const cols = Object.keys(row).filter((c) => /^[a-z_]+$/.test(c));
          const sets = cols.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`);
          this.db
            .prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT(id) DO UPDATE SET ${sets.join(', ')}`)
            .run(...cols.map((c) => row[c] ?? null));
        }
      }
    });
    return Response.json({ ok: true });
  }

  /** The first tenant of a new shard (`npm run dev:workers` asks the default shard once). */
  private bootstrap(): Response {
    if (!this.secretBox || countTenants(this.db) > 0) return Response.json({ created: false });
    const t = createTenant(this.db, this.secretBox, 'default', Date.now());
    return Response.json({ created: true, ...t });
  }

  /** This shard's counters (GET /metrics with a key of the shard reaches it), Prometheus text. */
  private metricsText(): string {
    const names: Record<keyof typeof this.usage, string> = {
      rowsRead: 'pollhook_shard_sql_rows_read_total',
      rowsWritten: 'pollhook_shard_sql_rows_written_total',
      polls: 'pollhook_shard_polls_total',
      events: 'pollhook_shard_events_total',
      attempts: 'pollhook_shard_delivery_attempts_total',
      alarms: 'pollhook_shard_alarms_total',
      storageFailures: 'pollhook_shard_storage_failures_total',
    };
    return Object.entries(names).map(([k, name]) => `# TYPE ${name} counter\n${name} ${this.usage[k as keyof typeof this.usage]}\n`).join('');
  }

  private readiness() {
    const checks: Record<string, unknown> = { database: false, migrations: false, engines: this.engines !== null };
    try {
      checks.migrations = currentVersion(this.db) === latestVersion();
      checks.database = true;
    } catch {
      // reported as false
    }
    // Not ready while writes fail for a storage reason (as on Node): detail says which and why.
    const s = this.health.status();
    checks.storage = s.writable || { writable: false, kind: s.kind, reason: s.reason, since: s.since && new Date(s.since).toISOString(), failures: s.failures, lastError: s.lastError };
    return { ok: Object.values(checks).every((v) => v === true), checks };
  }
}

/**
 * There is no DNS on Workers: a host name passes the registration check as public (the URL
 * checks still refuse literals of private ranges and local names), and Cloudflare's network
 * refuses subrequests to private addresses in production.
 */
const publicByName: Resolver = async () => ['1.1.1.1'];

/** The string variables of the environment (bindings left out), as parseConfig reads them. */
export function stringVars(env: object): Record<string, string | undefined> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}
