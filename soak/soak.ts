/**
 * The crash soak: the real server, the simulator and a verifying receiver as separate
 * processes; jobs across every provider and scenario; the server SIGKILLed at random moments
 * and restarted on the same database. At the end every scripted (job, sequence) must have been
 * accepted by the receiver with a valid signature, duplicates must be bounded by what was in
 * flight at the kills, and the database must pass `PRAGMA integrity_check`.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../src/core/random.ts';
import { openSqlite } from '../src/runtime/node/sqlite.ts';
import type { Database } from '../src/store/port.ts';
import { serverEnv, startReceiverProcess, startServer, startSimulatorProcess, type Child } from './processes.ts';
import { killTimes, soakCombos } from './plan.ts';
import { judge, type ExpectedJob, type Verdict } from './analyze.ts';
import type { ReceiptLine } from './receiver.ts';

export interface SoakOptions {
  jobs: number;
  kills: number;
  /** Kills happen at random in [2 s, killWindowMs] after registration (widened to fit the kills a step apart). */
  killWindowMs: number;
  /**
   * One step of the simulator's scripts. Must outlast a poll interval plus a restart plus a lease:
   * a poller cannot report a status whose only answers went to a process that was then killed.
   */
  stepMs: number;
  pollIntervalSeconds: number;
  maxPollIntervalSeconds: number;
  leaseMs: number;
  /** Share of webhook requests the receiver answers 500. */
  receiverFailRate: number;
  /** The receiver holds each answer up to this long, so kills find webhooks in flight. */
  receiverDelayMs: number;
  concurrency: number;
  seed: number;
  /** Gives up waiting for the run to settle after this long. */
  timeoutMs: number;
  log: (line: string) => void;
}

export const QUICK: Omit<SoakOptions, 'seed' | 'log'> = {
  jobs: 150,
  kills: 3,
  killWindowMs: 20_000,
  stepMs: 6_000,
  pollIntervalSeconds: 0.5,
  maxPollIntervalSeconds: 1,
  leaseMs: 1_500,
  receiverFailRate: 0.03,
  receiverDelayMs: 100,
  concurrency: 16,
  timeoutMs: 90_000,
};

export const FULL: Omit<SoakOptions, 'seed' | 'log'> = {
  jobs: 2_000,
  kills: 10,
  killWindowMs: 170_000,
  // 2 000 jobs polled every 1-2 s is more than 2 cores keep up with: polls lag by seconds, and a
  // poll that outlives its lease is dropped (its status seen on the next one), so both the
  // lease and the step leave room for that lag.
  stepMs: 15_000,
  pollIntervalSeconds: 1,
  maxPollIntervalSeconds: 2,
  leaseMs: 5_000,
  receiverFailRate: 0.03,
  receiverDelayMs: 100,
  concurrency: 16,
  timeoutMs: 480_000,
};

export interface SoakReport extends Verdict {
  seed: number;
  kills: number;
  /** Deliveries holding a lease right after a kill (distinct delivery and lease): the duplicate budget. */
  inFlightAtKills: number;
  /** Jobs holding a lease right after a kill. */
  jobsLeasedAtKills: number;
  deliveries: number;
  deadDeliveries: number;
  attempts: number;
  registrationRetries: number;
  integrity: string;
  finalExitCode: number | null;
  durationMs: number;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-soak-'));
  const dbPath = join(dir, 'pollhook.db');
  const hooksFile = join(dir, 'hooks.jsonl');
  const children: Child[] = [];
  let server: Child | null = null;
  try {
    const sim = await startSimulatorProcess(options.stepMs);
    children.push(sim);
    const env = serverEnv(dbPath, sim.url, {
      POLLHOOK_RETRY_SCHEDULE: '200ms,500ms,1s,2s,2s,2s,2s,2s,2s,2s',
      POLLHOOK_DELIVERY_TIMEOUT_MS: '1000',
      POLLHOOK_LEASE_MS: String(options.leaseMs),
    });

    server = await startServer(env);
    const apiKey = /API key:\s+(ph_\S+)/.exec(server.output())?.[1];
    const secret = /signing secret:\s+(whsec_\S+)/.exec(server.output())?.[1];
    if (!apiKey || !secret) throw new Error(`no credentials banner on first start:\n${server.output()}`);
    const receiver = await startReceiverProcess(secret, hooksFile, options.receiverFailRate, options.receiverDelayMs);
    children.push(receiver);
    const t0 = Date.now();
    options.log(`soak: seed ${options.seed}, ${options.jobs} jobs, ${options.kills} kills, step ${options.stepMs} ms, db ${dbPath}`);

    // The server in service right now; replaced on every restart. Clients wait on `up`.
    let up: Promise<Child> = Promise.resolve(server);
    const api = new ApiClient(() => up, apiKey);

    // Registration first: a job whose first poll comes a whole step after its upstream job began
    // is answered its first status only once, and a kill right then would hide that status. (The
    // API under crashes and load is covered by the registration retries and test/reliability/load.)
    let registered!: () => void;
    const registration = new Promise<void>((r) => (registered = r));
    const killing = (async () => {
      await registration;
      const k0 = Date.now();
      const stats = { kills: 0, times: [] as number[], leases: new Set<string>(), jobLeases: new Set<string>() };
      // At most one kill per scripted status: a status answered to a process that then dies is
      // seen again only after a restart plus a lease, so two kills within one status could hide it.
      const gap = options.stepMs;
      const window = Math.max(options.killWindowMs, 2_000 + options.kills * gap);
      for (const at of killTimes(options.kills, 2_000, window, gap, random)) {
        await sleep(Math.max(0, k0 + at - Date.now()));
        let restarted!: (c: Child) => void;
        up = new Promise((r) => (restarted = r));
        const exit = await server!.stop('SIGKILL');
        if (exit.signal !== 'SIGKILL') throw new Error(`server ended on its own before kill ${stats.kills + 1}: ${JSON.stringify(exit)}\n${server!.output()}`);
        stats.kills++;
        stats.times.push(Date.now());
        countLeases(dbPath, stats.leases, stats.jobLeases);
        const killedAt = Date.now();
        server = await startServer(env);
        restarted(server);
        options.log(
          `soak: kill ${stats.kills} at ${((killedAt - t0) / 1000).toFixed(1)} s, back in ${Date.now() - killedAt} ms, ${stats.leases.size} deliveries in flight so far`,
        );
      }
      return stats;
    })();

    // Awaited after registration; a failed restart must not surface as an unhandled rejection before that.
    killing.catch(() => {});
    const combos = soakCombos();
    const expected = new Map<string, ExpectedJob>();
    const externalIds = new Map<string, { provider: string; externalId: string }>();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < options.jobs; i = next++) {
        const { provider, scenario } = combos[i % combos.length]!;
        // A key per job, as with many customers: a shared key would share one rate budget (and
        // topaz's list), so one job's scripted 429s would slow every job of that provider.
        const simJob = await createSimJob(sim.url, provider, scenario, `soak-key-${options.seed}-${i}`);
        const job = await api.registerJob({
          provider,
          externalId: simJob.id,
          credentials: { apiKey: simJob.apiKey },
          callbackUrl: receiver.url,
          metadata: { soak: i, scenario },
          pollIntervalSeconds: options.pollIntervalSeconds,
          maxPollIntervalSeconds: options.maxPollIntervalSeconds,
        });
        externalIds.set(job.id, { provider, externalId: simJob.id });
        expected.set(job.id, { upstreamStatuses: simJob.expected.upstreamStatuses, finalState: simJob.expected.finalState! });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    registered();
    options.log(`soak: ${expected.size} jobs registered in ${((Date.now() - t0) / 1000).toFixed(1)} s (${api.retries} retried requests)`);
    const killStats = await killing;
    killStats.times = killStats.times.map((t) => t - t0);

    await waitUntilSettled(dbPath, started + options.timeoutMs, options.log);
    const settledDb = openSqlite(dbPath);
    try {
      const early = judge(expected, readReceipts(hooksFile), databaseFacts(settledDb));
      if (early.lost > 0) {
        options.log(`soak: kills at ${killStats.times.map((t) => (t / 1000).toFixed(1)).join(', ')} s`);
        await explainLosses(early, externalIds, sim.url, settledDb, t0, options.log);
      }
    } finally {
      settledDb.close();
    }
    const final = await server.stop('SIGTERM');
    server = null;

    const receipts = readReceipts(hooksFile);
    const db = openSqlite(dbPath);
    try {
      const verdict = judge(expected, receipts, databaseFacts(db));
      const count = (sql: string) => db.prepare<{ n: number }>(sql).get()!.n;
      return {
        ...verdict,
        seed: options.seed,
        kills: killStats.kills,
        inFlightAtKills: killStats.leases.size,
        jobsLeasedAtKills: killStats.jobLeases.size,
        deliveries: count('SELECT COUNT(*) AS n FROM deliveries'),
        deadDeliveries: count("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'dead'"),
        attempts: count('SELECT COUNT(*) AS n FROM delivery_attempts'),
        registrationRetries: api.retries,
        integrity: integrity(db),
        finalExitCode: final.code,
        durationMs: Date.now() - started,
      };
    } finally {
      db.close();
    }
  } finally {
    await server?.stop('SIGKILL');
    await Promise.all(children.map((c) => c.stop('SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatReport(r: SoakReport): string {
  return [
    `jobs ${r.jobs}, events ${r.expectedEvents}, deliveries ${r.deliveries} (${r.attempts} attempts, ${r.deadDeliveries} dead)`,
    `kills ${r.kills}, in flight at the kills ${r.inFlightAtKills} deliveries / ${r.jobsLeasedAtKills} jobs`,
    `accepted ${r.accepted}, duplicates ${r.duplicates}, lost ${r.lost}, invented ${r.invented}, stored mismatches ${r.storedMismatches}`,
    `wrong final states ${r.wrongFinalStates}, invalid signatures ${r.invalidSignatures}, integrity ${r.integrity}, final exit ${r.finalExitCode}`,
    `seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s`,
    ...r.problems.map((p) => `  ! ${p}`),
  ].join('\n');
}

/** The soak's pass/fail rule, shared by `npm run soak` and the test. */
export function soakFailures(r: SoakReport): string[] {
  const f: string[] = [];
  if (r.lost) f.push(`${r.lost} events lost`);
  if (r.invented) f.push(`${r.invented} events invented or wrong`);
  if (r.storedMismatches) f.push(`${r.storedMismatches} jobs with the wrong number of stored events`);
  if (r.wrongFinalStates) f.push(`${r.wrongFinalStates} jobs in the wrong final state`);
  if (r.invalidSignatures) f.push(`${r.invalidSignatures} webhooks with an invalid signature`);
  if (r.duplicates > r.inFlightAtKills) f.push(`${r.duplicates} duplicates, more than the ${r.inFlightAtKills} in flight at the kills`);
  if (r.deadDeliveries) f.push(`${r.deadDeliveries} dead deliveries`);
  if (r.integrity !== 'ok') f.push(`integrity_check: ${r.integrity}`);
  if (r.finalExitCode !== 0) f.push(`the final SIGTERM exited ${r.finalExitCode}`);
  return f;
}

class ApiClient {
  retries = 0;
  constructor(
    private readonly current: () => Promise<Child>,
    private readonly apiKey: string,
  ) {}

  /** POST /v1/jobs until it answers 200/201: a kill mid-request is retried, and registration is idempotent. */
  async registerJob(body: unknown): Promise<{ id: string }> {
    for (let attempt = 0; ; attempt++) {
      const server = await this.current();
      try {
        const res = await fetch(`${server.url}/v1/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status === 200 || res.status === 201) return JSON.parse(text);
        if (res.status < 500) throw new Error(`POST /v1/jobs answered ${res.status}: ${text}`);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('POST /v1/jobs answered')) throw err;
        if (attempt > 50) throw err;
      }
      this.retries++;
      await sleep(50);
    }
  }
}

async function createSimJob(simUrl: string, provider: string, scenario: string, apiKey: string) {
  const res = await fetch(`${simUrl}/_sim/jobs`, { method: 'POST', body: JSON.stringify({ provider, scenario, apiKey }) });
  if (res.status !== 201) throw new Error(`simulator refused ${provider}/${scenario}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; apiKey: string; expected: { finalState: string | null; upstreamStatuses: string[] } };
}

/** For a few jobs that lost an event: what the simulator answered when, next to what pollhook stored. */
async function explainLosses(
  verdict: Verdict,
  externalIds: Map<string, { provider: string; externalId: string }>,
  simUrl: string,
  db: Database,
  t0: number,
  log: (line: string) => void,
): Promise<void> {
  const jobIds = [...new Set(verdict.problems.filter((p) => p.startsWith('lost: ')).map((p) => p.split(' ')[1]!))].slice(0, 3);
  for (const jobId of jobIds) {
    const ext = externalIds.get(jobId);
    if (!ext) continue;
    const res = await fetch(`${simUrl}/_sim/requests?provider=${ext.provider}&id=${encodeURIComponent(ext.externalId)}`);
    const requests = ((await res.json()) as { data: Array<{ time: number; path: string }> }).data;
    const at = (ms: number) => `${((ms - t0) / 1000).toFixed(2)}s`;
    log(`soak: ${jobId} (${ext.provider} ${ext.externalId}) polled at ${requests.map((r) => at(r.time)).join(' ')}`);
    const events = db
      .prepare<{ sequence: number; body: string; created_at: number }>('SELECT sequence, body, created_at FROM events WHERE job_id = ? ORDER BY sequence')
      .all(jobId);
    for (const e of events) log(`soak:   event ${e.sequence} ${JSON.parse(e.body).data.upstreamStatus} stored at ${at(e.created_at)}`);
  }
}

/** Right after a kill, before the restart: what the dead process held under a lease. */
function countLeases(dbPath: string, deliveries: Set<string>, jobs: Set<string>): void {
  const db = openSqlite(dbPath);
  try {
    for (const r of db.prepare<{ id: string; t: string }>('SELECT id, lease_token AS t FROM deliveries WHERE lease_token IS NOT NULL').all()) {
      deliveries.add(`${r.id} ${r.t}`);
    }
    for (const r of db.prepare<{ id: string; t: string }>('SELECT jobs.id AS id, l.token AS t FROM job_leases l JOIN jobs ON jobs.rowid = l.job_rowid').all()) {
      jobs.add(`${r.id} ${r.t}`);
    }
    const check = integrity(db);
    if (check !== 'ok') throw new Error(`integrity_check after a kill: ${check}`);
  } finally {
    db.close();
  }
}

/** Every job terminal and no delivery left to attempt, read from the live database. */
async function waitUntilSettled(dbPath: string, deadline: number, log: (line: string) => void): Promise<void> {
  const db = openSqlite(dbPath);
  try {
    let lastReport = 0;
    for (;;) {
      const open = db
        .prepare<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state IS NULL OR state NOT IN ('succeeded','failed','canceled')")
        .get()!.n;
      const pending = db.prepare<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending','failed')").get()!.n;
      if (open === 0 && pending === 0) return;
      if (Date.now() > deadline) throw new Error(`the soak did not settle: ${open} jobs open, ${pending} deliveries pending`);
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        log(`soak: waiting, ${open} jobs open, ${pending} deliveries pending`);
      }
      await sleep(250);
    }
  } finally {
    db.close();
  }
}

function databaseFacts(db: Database) {
  const eventsByJob = new Map<string, number>();
  for (const r of db.prepare<{ job_id: string; n: number }>('SELECT job_id, COUNT(*) AS n FROM events GROUP BY job_id').all()) {
    eventsByJob.set(r.job_id, r.n);
  }
  const stateByJob = new Map<string, string | null>();
  for (const r of db.prepare<{ id: string; state: string | null }>('SELECT id, state FROM jobs').all()) stateByJob.set(r.id, r.state);
  return { eventsByJob, stateByJob };
}

function integrity(db: Database): string {
  return db
    .prepare<{ integrity_check: string }>('PRAGMA integrity_check')
    .all()
    .map((r) => r.integrity_check)
    .join('; ');
}

function readReceipts(path: string): ReceiptLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReceiptLine);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
