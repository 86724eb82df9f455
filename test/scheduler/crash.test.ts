import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createSecretBox, generateMasterKey, parseMasterKey } from '../../src/security/secretBox.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import type { Database } from '../../src/store/port.ts';
import { waitFor } from '../helpers/wait.ts';
import { bodies, insertJob, insertTenant } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORKER = 'test/scheduler/fixtures/pollWorker.ts';

let dir: string;
let db: Database;
let sim: Simulator;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-crash-'));
  // Phases last longer than a restart plus a lease, so a status whose answer died with the
  // worker is still current when the restarted worker polls again.
  sim = await startSimulator({ stepMs: 2_500 });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sim.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/run-ts.js', WORKER], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolvePromise, reject) => {
    child.stdout!.on('data', (d) => {
      if (String(d).includes('ready')) resolvePromise(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${stderr}`)));
  });
}

describe('crash safety', () => {
  it('a worker SIGKILLed mid-batch and restarted delivers every change exactly once', async () => {
    const path = join(dir, 'pollhook.db');
    db = openSqlite(path);
    const now = Date.now();
    migrate(db, now);
    const key = generateMasterKey();
    const box = createSecretBox(parseMasterKey(key));
    const tenantId = insertTenant(db, now);
    const plan: Array<[string, string]> = [
      ['fotolabs', 'success'], ['fotolabs', 'aba'], ['pictory', 'success'], ['topaz', 'success'],
      ['topaz', 'cancel'], ['magichour', 'failure'], ['aigenstudio', 'partial'], ['aigenstudio', 'success'],
    ];
    const jobs = plan.map(([provider, scenario]) => {
      const info = sim.createJob({ provider, scenario });
      const jobId = insertJob(db, box, tenantId, {
        provider, externalId: info.id, apiKey: info.apiKey, pollIntervalMs: 250, maxPollIntervalMs: 300,
      }, now);
      return { jobId, expected: info.expected };
    });
    const env = { DB_PATH: path, MASTER_KEY: key, BASE_URLS: JSON.stringify(sim.baseUrls) };

    const first = await startWorker({ ...env, WORKER_ID: 'first' });
    await waitFor(() => sim.requests.length >= jobs.length * 3, { message: 'polls to arrive', timeoutMs: 20_000, intervalMs: 5 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const unfinishedAtKill = (db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE finished_at IS NULL').get() as { n: number }).n;
    expect(unfinishedAtKill).toBeGreaterThan(0);

    const second = await startWorker({ ...env, WORKER_ID: 'second' });
    await waitFor(
      () => (db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE next_poll_at IS NOT NULL').get() as { n: number }).n === 0,
      { message: 'every job to finish', timeoutMs: 40_000, intervalMs: 50 },
    );
    second.kill('SIGKILL');

    for (const { jobId, expected } of jobs) {
      const events = db.prepare<{ sequence: number; body: string; type: string; id: string; job_id: string; tenant_id: string; created_at: number }>(
        'SELECT * FROM events WHERE job_id = ? ORDER BY sequence',
      ).all(jobId);
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      expect(bodies(events).map((b) => b.data.upstreamStatus)).toEqual(expected.upstreamStatuses);
      const job = db.prepare<{ state: string }>('SELECT state FROM jobs WHERE id = ?').get(jobId)!;
      expect(job.state).toBe(expected.finalState);
    }
  }, 60_000);
});
