/**
 * Graceful shutdown of the real process: SIGTERM `pollhook serve` while webhooks are in flight
 * (a receiver answering in ~200 ms), then restart it on the same database. In-flight deliveries
 * finish before exit (so none arrives twice), the rest is released for the restart (so none is
 * lost), and the exit code is 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { localServeEnv, startServer, type ServerProcess } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';

interface Receipt {
  webhookId: string;
  jobId: string;
  sequence: number;
  upstreamStatus: string;
}

let dir: string;
let sim: Simulator;
let server: ServerProcess | null = null;
let rx: Server;
const receipts: Receipt[] = [];
let started = 0;
let answered = 0;
let secret = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-shutdown-'));
  sim = await startSimulator({ stepMs: 300 });
  rx = createServer(async (req, res) => {
    started++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const payload = new Webhook(secret).verify(body, {
      'webhook-id': String(req.headers['webhook-id']),
      'webhook-timestamp': String(req.headers['webhook-timestamp']),
      'webhook-signature': String(req.headers['webhook-signature']),
    }) as any;
    await new Promise((r) => setTimeout(r, 200));
    receipts.push({ webhookId: String(req.headers['webhook-id']), jobId: payload.data.id, sequence: payload.data.sequence, upstreamStatus: payload.data.upstreamStatus });
    answered++;
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  server?.child.kill('SIGKILL');
  rx?.closeAllConnections();
  await new Promise<void>((r) => rx.close(() => r()));
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('SIGTERM during deliveries: in-flight ones finish, exit 0, and a restart delivers the rest once', async () => {
    const env = localServeEnv(dir, {
      POLLHOOK_RETRY_SCHEDULE: '200ms,500ms,1s',
    });
    for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
    server = await startServer(env);
    secret = server.signingSecret!;
    const apiKey = server.apiKey!;
    const callbackUrl = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hooks`;

    const expected = new Map<string, string[]>();
    for (let i = 0; i < 24; i++) {
      const provider = BUILTIN_PROVIDERS[i % BUILTIN_PROVIDERS.length]!;
      const upstream = sim.createJob({ provider, scenario: 'success' });
      const res = await fetch(`${server.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider, externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl, pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 0.5 }),
      });
      expect(res.status).toBe(201);
      expected.set(((await res.json()) as { id: string }).id, upstream.expected.upstreamStatuses);
    }

    // Some webhooks are being answered right now.
    await waitFor(() => started - answered >= 3 && answered >= 3, { message: 'webhooks in flight' });
    const inFlightAtTerm = started - answered;
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Everything sent before exit was answered: none was cut off mid-request.
    expect(started).toBe(answered);
    expect(inFlightAtTerm).toBeGreaterThan(0);

    const db = openSqlite(env.POLLHOOK_DB_PATH!);
    try {
      const leased = db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE lease_token IS NOT NULL').get()!.n;
      const leasedJobs = db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM job_leases').get()!.n;
      expect({ leased, leasedJobs }).toEqual({ leased: 0, leasedJobs: 0 });
      expect(db.prepare<{ integrity_check: string }>('PRAGMA integrity_check').get()!.integrity_check).toBe('ok');
    } finally {
      db.close();
    }
    const beforeRestart = receipts.length;

    server = await startServer(env);
    const complete = () =>
      [...expected].every(([jobId, statuses]) => statuses.every((_, i) => receipts.some((r) => r.jobId === jobId && r.sequence === i + 1)));
    await waitFor(complete, { timeoutMs: 20_000, message: 'every event delivered after the restart' }).catch((err) => {
      const missing = [...expected].flatMap(([jobId, statuses]) =>
        statuses.flatMap((s, i) => (receipts.some((r) => r.jobId === jobId && r.sequence === i + 1) ? [] : [`${jobId}#${i + 1} ${s}`])),
      );
      throw new Error(`${(err as Error).message}; missing ${missing.join(', ')}\n${server?.output().slice(-3000)}`);
    });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = null;

    expect(receipts.length).toBeGreaterThan(beforeRestart);
    const ids = receipts.map((r) => r.webhookId);
    expect(ids.length - new Set(ids).size).toBe(0);
    for (const [jobId, statuses] of expected) {
      const mine = receipts.filter((r) => r.jobId === jobId).sort((a, b) => a.sequence - b.sequence);
      expect(mine.map((r) => r.upstreamStatus)).toEqual(statuses);
    }
  }, 60_000);
});
