/**
 * The steady-load soak (`npm run soak -- --steady [--minutes 12] [--warmup 360]`): the real server, simulator and
 * receiver as separate processes, about 200 active jobs at any time (new ones registered as
 * fast as old ones finish, ~35 events/s), for several minutes. Every 5 s it samples the server's
 * RSS (from /proc) and the sizes of the database and its WAL. After a warm-up it judges: RSS
 * grows less than 10% with no upward trend (least-squares slope over the run), and the WAL stays
 * below its bound. Not part of `npm test`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_PROVIDERS } from '../src/core/types.ts';
import { WAL_TRUNCATE_BYTES } from '../src/runtime/node/walCheckpointer.ts';
import { serverEnv, startReceiverProcess, startServer, startSimulatorProcess, type Child } from './processes.ts';

export interface SteadyOptions {
  minutes: number;
  warmupSeconds: number;
  activeJobs: number;
  /** One scripted upstream status lasts this long; a job lives about four steps. */
  stepMs: number;
  sampleEveryMs: number;
  log: (line: string) => void;
}

export interface Sample {
  t: number;
  rssBytes: number;
  walBytes: number;
  databaseBytes: number;
  events: number;
}

export interface SteadyReport {
  samples: Sample[];
  baselineRssBytes: number;
  maxRssBytes: number;
  lastRssBytes: number;
  /** (max after warm-up - baseline) / baseline. */
  rssGrowth: number;
  /** Least-squares slope of RSS after warm-up, as a share of the baseline per hour. */
  rssTrendPerHour: number;
  maxWalBytes: number;
  walBoundBytes: number;
  eventsPerSecond: number;
  jobsRegistered: number;
  finalDatabaseBytes: number;
}

/** WAL_TRUNCATE_BYTES plus what can be written between two checkpointer ticks under this load. */
export const WAL_BOUND_BYTES = WAL_TRUNCATE_BYTES + 8 * 1024 * 1024;

export async function runSteady(options: SteadyOptions): Promise<SteadyReport> {
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-steady-'));
  const dbPath = join(dir, 'pollhook.db');
  const children: Child[] = [];
  let server: Child | null = null;
  try {
    const sim = await startSimulatorProcess(options.stepMs);
    children.push(sim);
    const env = serverEnv(dbPath, sim.url, { POLLHOOK_LOG_LEVEL: 'warn' });
    server = await startServer({ ...env, POLLHOOK_LOG_LEVEL: 'info' });
    const apiKey = /API key:\s+(ph_\S+)/.exec(server.output())?.[1];
    const secret = /signing secret:\s+(whsec_\S+)/.exec(server.output())?.[1];
    if (!apiKey || !secret) throw new Error(`no credentials banner:\n${server.output()}`);
    const receiver = await startReceiverProcess(secret, join(dir, 'hooks.jsonl'), 0, 0);
    children.push(receiver);
    const pid = server.child.pid!;
    // The server must outlive the run: report how it ended (and what it printed) if it did not.
    let died: string | null = null;
    const running = server;
    void running.exited.then(({ code, signal }) => {
      if (!stop) died = `the server exited during the run (code ${code}, signal ${signal}):\n${running.output().slice(-4000)}`;
    });

    // Registration at the rate that keeps `activeJobs` alive: a job lives about 4 steps.
    const lifetimeMs = 4 * options.stepMs;
    const perSecond = options.activeJobs / (lifetimeMs / 1000);
    let registered = 0;
    let stop = false;
    const t0 = Date.now();
    const register = async (i: number) => {
      const provider = BUILTIN_PROVIDERS[i % BUILTIN_PROVIDERS.length]!;
      const scenario = provider === 'topaz' || provider === 'aigenstudio' ? 'progress' : 'success';
      const sj = await fetch(`${sim.url}/_sim/jobs`, { method: 'POST', body: JSON.stringify({ provider, scenario, apiKey: `steady-${i}` }) });
      const simJob = (await sj.json()) as { id: string; apiKey: string };
      const res = await fetch(`${server!.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          provider,
          externalId: simJob.id,
          credentials: { apiKey: simJob.apiKey },
          callbackUrl: receiver.url,
          metadata: { i },
          pollIntervalSeconds: 1,
          maxPollIntervalSeconds: 2,
        }),
      });
      if (res.status !== 201) throw new Error(`POST /v1/jobs answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      registered++;
    };
    const registering = (async () => {
      let i = 0;
      while (!stop) {
        const due = Math.floor(((Date.now() - t0) / 1000) * perSecond);
        const batch: Promise<void>[] = [];
        while (i < due) batch.push(register(i++));
        // A failed registration ends the run with its reason (sampled by the loop below).
        await Promise.all(batch).catch((err) => {
          died ??= `registration failed: ${err instanceof Error ? err.message : String(err)}`;
          stop = true;
        });
        await sleep(100);
      }
    })();

    const samples: Sample[] = [];
    const end = t0 + options.minutes * 60_000;
    while (Date.now() < end) {
      await sleep(options.sampleEveryMs);
      if (died) throw new Error(died);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const events = [...metrics.matchAll(/^pollhook_events_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      const s: Sample = { t: Date.now() - t0, rssBytes: rss(pid), walBytes: size(`${dbPath}-wal`), databaseBytes: size(dbPath), events };
      samples.push(s);
      options.log(
        `steady: ${(s.t / 1000).toFixed(0)} s  rss ${mb(s.rssBytes)}  wal ${mb(s.walBytes)}  db ${mb(s.databaseBytes)}  events ${s.events}  jobs ${registered}`,
      );
    }
    stop = true;
    await registering;
    if (died) throw new Error(died);
    await server.stop('SIGTERM');
    server = null;

    const after = samples.filter((s) => s.t >= options.warmupSeconds * 1000);
    if (after.length < 4) throw new Error('too few samples after the warm-up');
    const baseline = after.slice(0, 3).reduce((n, s) => n + s.rssBytes, 0) / 3;
    const maxRss = Math.max(...after.map((s) => s.rssBytes));
    const slope = leastSquaresSlope(after.map((s) => [s.t / 3_600_000, s.rssBytes]));
    const first = after[0]!;
    const last = after[after.length - 1]!;
    return {
      samples,
      baselineRssBytes: baseline,
      maxRssBytes: maxRss,
      lastRssBytes: last.rssBytes,
      rssGrowth: (maxRss - baseline) / baseline,
      rssTrendPerHour: slope / baseline,
      maxWalBytes: Math.max(...samples.map((s) => s.walBytes)),
      walBoundBytes: WAL_BOUND_BYTES,
      eventsPerSecond: (last.events - first.events) / ((last.t - first.t) / 1000),
      jobsRegistered: registered,
      finalDatabaseBytes: last.databaseBytes,
    };
  } finally {
    await server?.stop('SIGKILL');
    await Promise.all(children.map((c) => c.stop('SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSteady(r: SteadyReport): string {
  return [
    `jobs ${r.jobsRegistered}, ${r.eventsPerSecond.toFixed(1)} events/s after warm-up, ${r.samples.length} samples`,
    `rss baseline ${mb(r.baselineRssBytes)}, max ${mb(r.maxRssBytes)}, last ${mb(r.lastRssBytes)}: growth ${(100 * r.rssGrowth).toFixed(1)}%, trend ${(100 * r.rssTrendPerHour).toFixed(1)}% per hour`,
    `wal max ${mb(r.maxWalBytes)} (bound ${mb(r.walBoundBytes)}), database ${mb(r.finalDatabaseBytes)} at the end`,
  ].join('\n');
}

/**
 * Pass/fail: RSS grows < 10% after warm-up, and the trend projected over the run's own length
 * stays inside that too (no upward creep); the WAL stays under its bound.
 */
export function steadyFailures(r: SteadyReport, runHours: number): string[] {
  const f: string[] = [];
  if (r.rssGrowth >= 0.1) f.push(`RSS grew ${(100 * r.rssGrowth).toFixed(1)}% after the warm-up`);
  if (r.rssTrendPerHour * runHours >= 0.1) f.push(`RSS trends upward (${(100 * r.rssTrendPerHour).toFixed(1)}% per hour)`);
  if (r.maxWalBytes > r.walBoundBytes) f.push(`WAL reached ${mb(r.maxWalBytes)}, over its bound of ${mb(r.walBoundBytes)}`);
  return f;
}

function leastSquaresSlope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
