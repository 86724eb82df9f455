/**
 * Measurement 4, in two process runs per size so each has its own RSS:
 *  - `build`: bulk-inserts `jobs` active jobs through the store (prepared statements, 50k rows
 *    per transaction); `claims + 1` batches of 1,000 of them, scattered over the table, are due.
 *  - `probe`: a fresh process opens that database and, on each request of the benchmark, runs
 *    one scheduler claim of 1,000 due jobs (claimDueJobs) and answers its time, and the time of
 *    the same claim repeated once its pages are in SQLite's cache; the last request
 *    asks for its RSS. Round r claims on a clock r x 10 minutes ahead; `rounds` at build time
 *    makes that many rounds' worth of rows due (at most every job). The benchmark keeps one
 *    probe per size up and alternates their claims, so both sides of a ratio see the same
 *    moments of this shared machine.
 */
import { statSync } from 'node:fs';
import { serveTaskRequests, taskMain } from '../lib/child.ts';
import type { Database } from '../../src/store/port.ts';
import { benchTenant, openBenchDb, seedActiveJobs } from '../lib/seed.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { claimDueJobs } from '../../src/store/queries/claimDueJobs.ts';

export type ScaleInput =
  | { mode: 'build'; path: string; jobs: number; claims: number; rounds?: number }
  | { mode: 'probe'; path: string; round?: number };

export interface BuildResult {
  jobs: number;
  insertMs: number;
  bytes: number;
  bytesPerJob: number;
}

/** What a probe process reports when it finishes. */
export interface ProbeMemory {
  rssBytes: number;
  maxRssBytes: number;
}

/** One size's figures in one round: its claims (after the warm-up claim) and its memory. */
export interface ProbeResult extends ProbeMemory {
  claimMs: number[];
  medianClaimMs: number;
  /** The same claims repeated with their pages in SQLite's cache. */
  cachedClaimMs: number[];
  medianCachedClaimMs: number;
}

/** One claim's answer: its time, and the time of the same claim repeated on cached pages. */
export interface ClaimTimes {
  ms: number;
  cachedMs: number;
}

const CLAIM = 1_000;

function build(input: Extract<ScaleInput, { mode: 'build' }>): BuildResult {
  const now = Date.now();
  const b = openBenchDb(now, input.path);
  const { tenantId } = benchTenant(b, now);
  const due = new Set<number>();
  const wanted = Math.min(input.jobs, (input.rounds ?? 1) * (input.claims + 1) * CLAIM);
  while (due.size < wanted) due.add(Math.floor(Math.random() * input.jobs));
  let k = 0;
  const dueAt = new Map<number, number>();
  for (const i of due) dueAt.set(i, now - 3_600_000 + k++);
  const started = performance.now();
  seedActiveJobs(b.db, {
    tenantId,
    count: input.jobs,
    provider: 'fotolabs',
    credentialsEnc: b.box.sealJson({ apiKey: 'fl_live_5f1c0c2a9e7b4d3f8a6e2b1c' }),
    callbackUrl: 'https://hooks.customer.example/pollhook',
    now,
    externalId: (i) => `${i.toString(16).padStart(8, '0')}-33a5-4227-a2f6-c4f75617f847`,
    nextPollAt: (i) => dueAt.get(i) ?? now + 3_600_000 + Math.floor(Math.random() * 3_600_000),
  });
  const insertMs = performance.now() - started;
  b.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  b.db.close();
  const bytes = statSync(b.path).size;
  return { jobs: input.jobs, insertMs, bytes, bytesPerJob: bytes / input.jobs };
}

/** One probe process's state: its database and the claim clock of its round. */
interface ProbeSession {
  db: Database;
  now: number;
}

type ProbeRequest = { ready: true } | { claim: number } | { finish: true };

let session: ProbeSession | undefined;

function answerProbe(input: Extract<ScaleInput, { mode: 'probe' }>, request: ProbeRequest): unknown {
  // Each round runs 10 minutes later on the claim's clock: earlier rounds' leases (60 s) are over.
  session ??= { db: openSqlite(input.path), now: Date.now() + (input.round ?? 0) * 600_000 };
  if ('ready' in request) return null;
  if ('claim' in request) {
    const started = performance.now();
    const rows = claimDueJobs(session.db, { leaseToken: `probe.${request.claim}`, now: session.now, leaseMs: 60_000, limit: CLAIM });
    const ms = performance.now() - started;
    if (rows.length !== CLAIM) throw new Error(`claim ${request.claim} returned ${rows.length} rows, expected ${CLAIM}`);
    // The same claim again, its leases first given back: the same index walk, lease writes and
    // rows, but every page is now in SQLite's cache. The difference to the first claim is the
    // cost of reading the claimed rows' pages from outside the process.
    session.db.prepare('DELETE FROM job_leases WHERE token = ?').run(`probe.${request.claim}`);
    const again = performance.now();
    const rowsAgain = claimDueJobs(session.db, { leaseToken: `probe.${request.claim}`, now: session.now, leaseMs: 60_000, limit: CLAIM });
    const cachedMs = performance.now() - again;
    if (rowsAgain.length !== CLAIM || rowsAgain[0]!.id !== rows[0]!.id) throw new Error(`claim ${request.claim} did not claim the same jobs again`);
    return { ms, cachedMs };
  }
  const rssBytes = process.memoryUsage().rss;
  session.db.close();
  return { rssBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

const input = JSON.parse(process.argv[2] ?? '{}') as ScaleInput;
if (input.mode === 'probe') await serveTaskRequests(answerProbe);
else await taskMain<ScaleInput, BuildResult>(async (i) => build(i as Extract<ScaleInput, { mode: 'build' }>));
