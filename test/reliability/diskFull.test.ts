/**
 * A full disk under load, for real: the database lives on a 24 MB tmpfs mounted for this test
 * (these machines run as root). While jobs are registered against the simulated upstreams and
 * webhooks flow to a receiver on 127.0.0.1, a filler file takes every free byte (and keeps
 * taking what SQLite gives back). Writes must then answer 503 `unavailable` with Retry-After,
 * never 500; /healthz stays 200 and /readyz says why it is not ready. When the filler is removed
 * the service must resume by itself within 30 s; every job it acknowledged must reach its
 * terminal state with every stored event delivered (one webhook-id per event), the database
 * must pass integrity_check, and the warn/error log lines must stay few.
 *
 * Where mounting is impossible (not root), the same scenario runs with SQLite's max_page_count
 * capping the service's database instead of a full filesystem (DISKFULL_NO_MOUNT=1 forces it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { UPSTREAMS } from '../../src/simulate/upstreams.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import type { Logger } from '../../src/core/logger.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every line (the service's real logger is pino; this counts what it would write). */
function capturingLogger(lines: LogLine[], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) =>
    lines.push(typeof obj === 'string' ? { level, msg: obj, fields: { ...bindings, t: Date.now() } } : { level, msg: msg ?? '', fields: { ...bindings, ...obj, t: Date.now() } });
  return { debug() {}, info: at('info'), warn: at('warn'), error: at('error'), child: (b) => capturingLogger(lines, { ...bindings, ...b }) };
}

/** Takes every free byte of the filesystem `dir` is on, and keeps taking what is given back. */
function startFiller(path: string) {
  const fd = openSync(path, 'w');
  const big = Buffer.alloc(1 << 20, 1);
  const small = Buffer.alloc(4096, 1);
  let written = 0;
  const top = () => {
    for (const chunk of [big, small]) {
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  };
  top();
  const timer = setInterval(top, 50);
  return {
    get written() {
      return written;
    },
    remove() {
      clearInterval(timer);
      closeSync(fd);
      unlinkSync(path);
    },
  };
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

let dir: string;
let mountPoint: string;
let mounted = false;
let sim: Simulator;
let receiver: Receiver;
let service: Service | null = null;
/** Ends the load clients (also when the test fails half-way). */
let stop = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-diskfull-'));
  mountPoint = join(dir, 'mnt');
  mkdirSync(mountPoint);
  try {
    // DISKFULL_NO_MOUNT=1 runs the max_page_count fallback where mounting would work.
    if (process.env.DISKFULL_NO_MOUNT === '1') throw new Error('fallback requested');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch {
    mounted = false;
  }
  sim = await startSimulator({ stepMs: 150 });
});

afterAll(async () => {
  stop = true;
  await service?.close().catch(() => {});
  await receiver?.close();
  await sim?.close();
  if (mounted) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('a full disk under load', () => {
  it('answers 503 (never 500) while full, stays alive, resumes by itself and delivers every acknowledged job', async () => {
    const lines: LogLine[] = [];
    const env: Record<string, string> = {
      POLLHOOK_DB_PATH: join(mountPoint, 'pollhook.db'),
      PORT: '0',
      POLLHOOK_HOST: '127.0.0.1',
      POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      POLLHOOK_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
      POLLHOOK_LEASE_MS: '2000',
      POLLHOOK_DELIVERY_TIMEOUT_MS: '1000',
      POLLHOOK_RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s',
      POLLHOOK_LOW_DISK_BYTES: '8MiB',
    };
    for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
    let banner = '';
    service = await startService({ env, logger: capturingLogger(lines), announce: (t) => (banner = t) });
    const apiKey = /API key:\s+(\S+)/.exec(banner)![1]!;
    receiver = await startReceiver({ secrets: [/signing secret:\s+(\S+)/.exec(banner)![1]!] });
    const base = service.url;
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

    // Load: clients registering jobs (each completes upstream within a second) until told to stop.
    const acknowledged = new Set<string>();
    const statuses = new Map<number, number>();
    const unavailable: Array<{ retryAfter: string | null; body: any; contentType: string | null }> = [];
    let n = 0;
    const client = async () => {
      while (!stop) {
        const i = n++;
        const provider = BUILTIN_PROVIDERS[i % BUILTIN_PROVIDERS.length]!;
        const res = await fetch(`${base}/v1/jobs`, {
          signal: AbortSignal.timeout(10_000),
          method: 'POST',
          headers,
          body: JSON.stringify({
            provider,
            externalId: `sim-success-full-${i}`,
            credentials: { apiKey: UPSTREAMS[provider].defaultApiKey },
            callbackUrl: receiver.url,
            metadata: { i, pad: 'p'.repeat(2000) },
            pollIntervalSeconds: 0.25,
            maxPollIntervalSeconds: 1,
          }),
        });
        const body = (await res.json()) as any;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200 || res.status === 201) acknowledged.add(body.id);
        else if (res.status === 503) {
          if (unavailable.length < 5) unavailable.push({ retryAfter: res.headers.get('retry-after'), body, contentType: res.headers.get('content-type') });
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    // A client that failed (connection refused, timeout) ends the test with its error, not unhandled.
    const clients = Promise.all(Array.from({ length: 6 }, () => client().catch((err) => (stop ? undefined : Promise.reject(err)))));
    clients.catch(() => {});
    await waitFor(() => acknowledged.size >= 200, { timeoutMs: 20_000, message: '200 registrations before the disk fills' });

    // Fill the disk (tmpfs), or cap the database (fallback).
    let free: () => void;
    if (mounted) {
      const filler = startFiller(join(mountPoint, 'filler'));
      free = () => filler.remove();
    } else {
      const pages = service.db.prepare<{ page_count: number }>('PRAGMA page_count').get()!.page_count;
      service.db.exec(`PRAGMA max_page_count = ${pages}`);
      free = () => service!.db.exec('PRAGMA max_page_count = 1073741823');
    }
    await waitFor(() => (statuses.get(503) ?? 0) >= 20, { timeoutMs: 20_000, message: '503 answers while the disk is full' });
    const ready = await fetch(`${base}/readyz`);
    const readiness = (await ready.json()) as any;
    expect(ready.status).toBe(503);
    expect(readiness.checks.storage).toMatchObject({ writable: false, kind: 'full' });
    expect(readiness.checks.storage.reason).toMatch(/full/);
    if (mounted) expect(readiness.checks.disk?.low ?? true).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // The engines spend a while on a full disk (backing off, not spinning).
    await new Promise((r) => setTimeout(r, 2_000));

    const freedAt = Date.now();
    free();
    const before = statuses.get(201) ?? 0;
    await waitFor(async () => (statuses.get(201) ?? 0) > before + 10 && (await fetch(`${base}/readyz`)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: 'registrations and readiness to come back after space was freed',
    });
    const recoveredMs = Date.now() - freedAt;
    stop = true;
    await clients;

    // Never a 500; the 503s are problems with a Retry-After and words.
    expect([...statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(unavailable[0]).toMatchObject({ contentType: 'application/problem+json', body: { type: 'https://pollhook.dev/problems/unavailable', status: 503 } });
    expect(Number(unavailable[0]!.retryAfter)).toBeGreaterThan(0);
    expect(unavailable[0]!.body.detail).toMatch(/full/);

    // Every acknowledged job terminal, every stored event of it delivered, one webhook-id per event.
    const db = service.db;
    const ids = [...acknowledged];
    const openJobs = () =>
      ids.filter((id) => !TERMINAL.has(db.prepare<{ state: string | null }>('SELECT state FROM jobs WHERE id = ?').get(id)?.state ?? ''));
    try {
      await waitFor(() => openJobs().length === 0, { timeoutMs: 40_000, intervalMs: 250, message: 'every acknowledged job to reach its terminal state' });
    } catch {
      const open = openJobs();
      const rows = db.prepare('SELECT id, state, upstream_status, next_poll_at, (SELECT expires_at FROM job_leases WHERE job_rowid = jobs.rowid) AS lease_expires_at FROM jobs WHERE id IN (?, ?, ?)').all(open[0] ?? '', open[1] ?? '', open[2] ?? '');
      const ready = await (await fetch(`${base}/readyz`)).text();
      throw new Error(`${open.length} jobs open: ${JSON.stringify(rows)} now ${Date.now()} freed ${freedAt}\n${ready}\n${lines.filter((l) => l.level !== 'info' || /storage|engine/.test(l.msg)).map((l) => `${l.fields.t} ${l.msg}`).join('\n')}`);
    }
    const events = db
      .prepare<{ job_id: string; sequence: number; type: string }>('SELECT job_id, sequence, type FROM events')
      .all()
      .filter((e) => acknowledged.has(e.job_id));
    const key = (jobId: string, seq: number) => `${jobId}#${seq}`;
    await waitFor(
      () => {
        const got = new Set(receiver.accepted().map((h) => key(h.payload.data.id, h.payload.data.sequence)));
        return events.every((e) => got.has(key(e.job_id, e.sequence)));
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'every stored event to be delivered' },
    );
    const terminalEvents = events.filter((e) => /succeeded|failed|canceled/.test(e.type));
    expect(terminalEvents.length).toBe(ids.length);
    // No gap in any job's event sequence.
    const sequences = new Map<string, number[]>();
    for (const e of events) sequences.set(e.job_id, [...(sequences.get(e.job_id) ?? []), e.sequence]);
    const gaps = [...sequences].filter(([, seqs]) => seqs.sort((a, b) => a - b).some((q, i) => q !== i + 1));
    expect(gaps).toEqual([]);
    const idsPerEvent = new Map<string, Set<string>>();
    for (const h of receiver.accepted()) {
      const k = key(h.payload.data.id, h.payload.data.sequence);
      idsPerEvent.set(k, (idsPerEvent.get(k) ?? new Set()).add(h.webhookId));
    }
    expect([...idsPerEvent.values()].filter((s) => s.size > 1)).toEqual([]);

    const integrity = db.prepare<{ integrity_check: string }>('PRAGMA integrity_check').all().map((r) => r.integrity_check);
    expect(integrity).toEqual(['ok']);

    // Bounded log volume: storage failures are logged once per kind and operation, then counted.
    const loud = lines.filter((l) => l.level === 'warn' || l.level === 'error');
    const describe = loud.map((l) => `${l.level} ${l.msg}`).join('\n');
    expect(loud.filter((l) => l.msg === 'unhandled error'), describe).toEqual([]);
    expect(loud.length, describe).toBeLessThan(40);
    expect(lines.some((l) => l.msg.startsWith('storage is writable again'))).toBe(true);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/pollhook_storage_errors_total\{kind="full",operation="write"\} [1-9]/);
    expect(metrics).toMatch(/^pollhook_storage_writable 1$/m);
    process.stdout.write(
      `disk full (${mounted ? 'tmpfs 24 MB' : 'max_page_count fallback'}): ${acknowledged.size} jobs acknowledged, ` +
        `answers ${JSON.stringify(Object.fromEntries(statuses))}, recovered in ${recoveredMs} ms, ${loud.length} warn/error lines, ` +
        `${receiver.accepted().length} webhooks accepted for ${events.length} events\n`,
    );
  }, 120_000);
});
