/**
 * The scheduler against the simulator over real loopback HTTP, in virtual time: one ManualClock
 * drives both, and `drive()` jumps the clock to the next due poll after each step.
 */
import { leaseOf } from '../../src/store/queries/jobLeases.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { seededRandom } from '../../src/core/random.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { newId } from '../../src/core/ids.ts';
import type { HttpClient, HttpRequest } from '../../src/net/httpClient.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../../src/scheduler/index.ts';
import type { Database } from '../../src/store/port.ts';
import type { EventRow, JobRow } from '../../src/store/rows.ts';
import type { SecretBox } from '../../src/security/secretBox.ts';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';

export interface JobInput {
  provider: string;
  externalId: string;
  apiKey?: string | null;
  connectionId?: string | null;
  callbackUrl?: string | null;
  events?: string[] | null;
  metadata?: unknown;
  pollIntervalMs?: number | null;
  maxPollIntervalMs?: number | null;
  deadlineAt?: number;
  httpSpec?: unknown;
  httpHeaders?: Record<string, string>;
}

export function insertTenant(db: Database, now: number): string {
  const id = newId('tnt', now);
  db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(id, 'test', now);
  return id;
}

/** Inserts a job the way the API does: due now, credentials sealed. */
export function insertJob(db: Database, box: SecretBox, tenantId: string, input: JobInput, now: number): string {
  const id = newId('job', now);
  db.prepare(
    `INSERT INTO jobs (id, tenant_id, provider, external_id, connection_id, credentials_enc, http_spec, http_headers_enc,
       callback_url, events, metadata, poll_interval_ms, max_poll_interval_ms, deadline_at, next_poll_at,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    tenantId,
    input.provider,
    input.externalId,
    input.connectionId ?? null,
    input.apiKey ? box.sealJson({ apiKey: input.apiKey }) : null,
    input.httpSpec ? JSON.stringify(input.httpSpec) : null,
    input.httpHeaders ? box.sealJson(input.httpHeaders) : null,
    input.callbackUrl === undefined ? 'https://receiver.example/hook' : input.callbackUrl,
    input.events ? JSON.stringify(input.events) : null,
    input.metadata === undefined ? null : JSON.stringify(input.metadata),
    input.pollIntervalMs ?? null,
    input.maxPollIntervalMs ?? null,
    input.deadlineAt ?? now + 86_400_000,
    now,
    now,
    now,
  );
  return id;
}

export function insertSubscription(db: Database, tenantId: string, events: string[] | null, now: number): string {
  const id = newId('sub', now);
  db.prepare(
    'INSERT INTO subscriptions (id, tenant_id, url, events, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)',
  ).run(id, tenantId, 'https://subscriber.example/hook', events ? JSON.stringify(events) : null, now, now);
  return id;
}

export interface Harness {
  clock: ManualClock;
  sim: Simulator;
  db: Database;
  temp: TempDb;
  box: SecretBox;
  scheduler: Scheduler;
  tenantId: string;
  /** Called before every upstream request (e.g. to delete a job while its poll is in flight). */
  beforeRequest: ((req: HttpRequest) => void) | null;
  counters: { deliveriesQueued: number; polls: number; events: number };
  addSimJob(provider: string, scenario: string, over?: Partial<JobInput> & { stepMs?: number; simId?: string; simApiKey?: string }): { jobId: string; simId: string; expected: { finalState: string | null; upstreamStatuses: string[]; errorCode?: string } };
  job(id: string): JobRow;
  /** The token of the lease on the job (job_leases), or null: is a poll of it in flight? */
  lease(id: string): string | null;
  events(jobId: string): EventRow[];
  /** Runs steps, jumping the clock to the next due poll, until nothing is due or `until` holds. */
  drive(until?: () => boolean, maxSteps?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(options: Partial<SchedulerOptions> = {}): Promise<Harness> {
  const clock = new ManualClock();
  const sim = await startSimulator({ stepMs: 1000, now: () => clock.now() });
  const temp = tempDb(clock.now());
  const box = testSecretBox();
  const real = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true } });
  const counters = { deliveriesQueued: 0, polls: 0, events: 0 };
  const harness: Partial<Harness> & { beforeRequest: Harness['beforeRequest'] } = { beforeRequest: null };
  const http: HttpClient = {
    request: async (req) => {
      harness.beforeRequest?.(req);
      return real.request(req);
    },
    close: () => real.close(),
  };
  const scheduler = createScheduler({
    db: temp.db,
    clock,
    random: seededRandom(1),
    http,
    providers: createProviderRegistry(sim.baseUrls),
    secretBox: box,
    logger: nullLogger,
    workerId: 'w1',
    options: { maxPerOrigin: 64, stepWaitMs: 10_000, ...options },
    onDeliveriesQueued: () => counters.deliveriesQueued++,
    onPoll: () => counters.polls++,
    onEvent: () => counters.events++,
  });
  const tenantId = insertTenant(temp.db, clock.now());
  const db = temp.db;
  return Object.assign(harness, {
    clock,
    sim,
    db,
    temp,
    box,
    scheduler,
    tenantId,
    counters,
    addSimJob(provider: string, scenario: string, over: Partial<JobInput> & { stepMs?: number; simId?: string; simApiKey?: string } = {}) {
      const info = sim.createJob({ provider, scenario, stepMs: over.stepMs, id: over.simId, apiKey: over.simApiKey });
      const jobId = insertJob(db, box, tenantId, { provider, externalId: info.id, apiKey: info.apiKey, ...over }, clock.now());
      return { jobId, simId: info.id, expected: info.expected };
    },
    job: (id: string) => db.prepare<JobRow>('SELECT * FROM jobs WHERE id = ?').get(id)!,
    lease: (id: string) => leaseOf(db, id)?.token ?? null,
    events: (jobId: string) => db.prepare<EventRow>('SELECT * FROM events WHERE job_id = ? ORDER BY sequence').all(jobId),
    async drive(until?: () => boolean, maxSteps = 2_000) {
      for (let i = 0; i < maxSteps; i++) {
        const r = await scheduler.runOnce();
        if (until?.()) return;
        if (r.more) continue;
        if (r.nextDueAt == null) return;
        clock.set(Math.max(clock.now(), r.nextDueAt));
      }
      throw new Error(`drive: still busy after ${maxSteps} steps`);
    },
    async close() {
      await scheduler.idle();
      await http.close();
      await sim.close();
      temp.cleanup();
    },
  }) as Harness;
}

/** Parsed event bodies. */
export const bodies = (events: EventRow[]) =>
  events.map((e) => JSON.parse(e.body) as { type: string; data: Record<string, any> });
