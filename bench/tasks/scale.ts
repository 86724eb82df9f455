/**
 * Measurement 4, in two process runs per size so each has its own RSS:
 *  - `build`: bulk-inserts `jobs` active jobs through the store (prepared statements, 50k rows
 *    per transaction); `claims + 1` batches of 1,000 of them, scattered over the table, are due.
 *  - `probe`: a fresh process opens that database, runs `claims + 1` scheduler claims of 1,000
 *    due jobs (claimDueJobs; the first warms up and is not counted), and reports their median
 *    time and its RSS. Round r claims on a clock r x 10 minutes ahead; `rounds` at build time
 *    makes that many rounds' worth of rows due (at most every job).
 */
import { statSync } from 'node:fs';
import { taskMain } from '../lib/child.ts';
import { benchTenant, openBenchDb, seedActiveJobs } from '../lib/seed.ts';
import { median } from '../lib/stats.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { claimDueJobs } from '../../src/store/queries/claimDueJobs.ts';

export type ScaleInput =
  | { mode: 'build'; path: string; jobs: number; claims: number; rounds?: number }
  | { mode: 'probe'; path: string; claims: number; round?: number };

export interface BuildResult {
  jobs: number;
  insertMs: number;
  bytes: number;
  bytesPerJob: number;
}

export interface ProbeResult {
  claimMs: number[];
  medianClaimMs: number;
  rssBytes: number;
  maxRssBytes: number;
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

function probe(input: Extract<ScaleInput, { mode: 'probe' }>): ProbeResult {
  const db = openSqlite(input.path);
  // Each round runs 10 minutes later on the claim's clock: earlier rounds' leases (60 s) are over.
  const now = Date.now() + (input.round ?? 0) * 600_000;
  const claimMs: number[] = [];
  for (let c = 0; c <= input.claims; c++) {
    const started = performance.now();
    const rows = claimDueJobs(db, { leaseToken: `probe.${c}`, now, leaseMs: 60_000, limit: CLAIM });
    const ms = performance.now() - started;
    if (rows.length !== CLAIM) throw new Error(`claim ${c} returned ${rows.length} rows, expected ${CLAIM}`);
    if (c > 0) claimMs.push(ms);
  }
  const rssBytes = process.memoryUsage().rss;
  db.close();
  return { claimMs, medianClaimMs: median(claimMs), rssBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

await taskMain<ScaleInput, BuildResult | ProbeResult>(async (input) => (input.mode === 'build' ? build(input) : probe(input)));
