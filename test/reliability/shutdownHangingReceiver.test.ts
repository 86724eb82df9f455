/**
 * SIGTERM `pollhook serve` while its webhooks sit at a receiver that accepted them and never
 * answers. The shutdown grace (POLLHOOK_SHUTDOWN_GRACE_MS, 2 s here) bounds the exit, not the
 * delivery timeout (set far longer): the sends still out are released, their connections cut, and the process exits 0. A
 * restart sends them again under the same webhook-ids (at-least-once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { localServeEnv, startServer, type ServerProcess } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { startTestReceiver, type TestReceiver } from '../delivery/receiver.ts';

const DELIVERY_TIMEOUT_MS = 120_000;
const GRACE_MS = 2_000;
/**
 * Killed after this long, failing the test: far below the delivery timeout (the old exit, at
 * about 121 s) and well above the grace plus a loaded machine's slack.
 */
const EXIT_BOUND_MS = 30_000;

let dir: string;
let sim: Simulator;
let rx: TestReceiver;
let server: ServerProcess | null = null;
let secret = '';
let answering = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-shutdown-hang-'));
  sim = await startSimulator({ stepMs: 100 });
  rx = await startTestReceiver({ secrets: () => [secret], reply: () => (answering ? { status: 204 } : 'hang') });
});

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await rx?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The exit code, or null when the process was still running after `ms` (then it is killed). */
async function exitWithin(s: ServerProcess, ms: number): Promise<number | null | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms)));
  const outcome = await Promise.race([s.exited, hung]);
  clearTimeout(timer);
  if (outcome === 'hung') {
    s.child.kill('SIGKILL');
    await s.exited;
  }
  return outcome;
}

describe('shutdown with a receiver that never answers', () => {
  it('exits 0 within the grace, not the delivery timeout; a restart resends the cut-off webhooks with the same ids', async () => {
    const env = localServeEnv(dir, {
      POLLHOOK_DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
      POLLHOOK_SHUTDOWN_GRACE_MS: String(GRACE_MS),
      POLLHOOK_PROVIDER_TOPAZ_BASE_URL: sim.baseUrls.topaz,
    });
    server = await startServer(env);
    secret = server.signingSecret!;
    for (let i = 0; i < 3; i++) {
      const upstream = sim.createJob({ provider: 'topaz', scenario: 'success' });
      const res = await fetch(`${server.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        // One endpoint per job: an endpoint that never answered gets one send at a time.
        body: JSON.stringify({ provider: 'topaz', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: `${rx.url}/${i}`, pollIntervalSeconds: 0.25 }),
      });
      expect(res.status).toBe(201);
    }
    await waitFor(() => rx.received.length >= 3, { message: 'three webhooks hanging at the receiver' });
    const cutOff = new Set(rx.received.map((r) => r.webhookId));

    const stopping = performance.now();
    server.child.kill('SIGTERM');
    const code = await exitWithin(server, EXIT_BOUND_MS);
    // Not before the grace: in-flight webhooks get their time to finish.
    expect(performance.now() - stopping).toBeGreaterThanOrEqual(GRACE_MS);
    const output = server.output();
    expect(code, output.slice(-3000)).toBe(0);
    expect(output).toMatch(/released in-flight deliveries on shutdown/);
    expect(output).toMatch(/"msg":"stopped"/);

    const db = openSqlite(env.POLLHOOK_DB_PATH!);
    try {
      const rows = db.prepare<{ id: string; status: string; lease_token: string | null; attempt_count: number }>('SELECT id, status, lease_token, attempt_count FROM deliveries').all();
      for (const id of cutOff) expect(rows.find((r) => r.id === id)).toMatchObject({ status: 'pending', lease_token: null });
      expect(rows.filter((r) => r.lease_token !== null)).toEqual([]);
    } finally {
      db.close();
    }

    answering = true;
    const before = rx.received.length;
    server = await startServer(env);
    await waitFor(() => [...cutOff].every((id) => rx.received.slice(before).some((r) => r.webhookId === id)), {
      timeoutMs: 20_000,
      message: 'the cut-off webhooks sent again after the restart',
    });
    server.child.kill('SIGTERM');
    expect(await exitWithin(server, EXIT_BOUND_MS)).toBe(0);
    server = null;
    expect(rx.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
  }, 120_000);
});
