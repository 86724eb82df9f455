/** Wires a dispatcher to a temp database, a tenant with a signing secret, and a real HTTP client. */
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { nullLogger } from '../../src/core/logger.ts';
import type { Random } from '../../src/core/random.ts';
import type { HttpClient } from '../../src/net/httpClient.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { createDispatcher, type Dispatcher, type DispatcherDeps, type DispatcherOptions } from '../../src/delivery/index.ts';
import { insertTenant } from './fixtures.ts';

export const USER_AGENT = 'pollhook/0.0.0-test';

export interface Harness {
  t: TempDb;
  db: TempDb['db'];
  box: ReturnType<typeof testSecretBox>;
  clock: ManualClock;
  tenantId: string;
  secret: string;
  http: HttpClient;
  dispatcher: Dispatcher;
  /** Builds another dispatcher on the same database (e.g. after a stop). */
  newDispatcher(extra?: Partial<DispatcherDeps>): Dispatcher;
  cleanup(): Promise<void>;
}

export function createHarness(
  config: { options?: Partial<DispatcherOptions>; http?: HttpClient; random?: Random; deps?: Partial<DispatcherDeps> } = {},
): Harness {
  // The engine's clock starts at real time so signatures pass the verifier's 5-minute window;
  // tests move it by hand to make retries due.
  const clock = new ManualClock(Date.now());
  const t = tempDb(clock.now());
  const box = testSecretBox();
  const { tenantId, secret } = insertTenant(t.db, box, clock.now());
  const http = config.http ?? createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true } });
  const newDispatcher = (extra: Partial<DispatcherDeps> = {}) =>
    createDispatcher({
      db: t.db,
      clock,
      random: config.random ?? (() => 0.5),
      http,
      secretBox: box,
      logger: nullLogger,
      workerId: 'test-worker',
      options: {
        retryScheduleMs: [5_000, 300_000, 1_800_000],
        timeoutMs: 2_000,
        userAgent: USER_AGENT,
        ...config.options,
      },
      ...config.deps,
      ...extra,
    });
  const dispatcher = newDispatcher();
  return {
    t,
    db: t.db,
    box,
    clock,
    tenantId,
    secret,
    http,
    dispatcher,
    newDispatcher,
    async cleanup() {
      await dispatcher.stop(0);
      await http.close();
      t.cleanup();
    },
  };
}

const dueCount = (h: Harness): number =>
  h.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE next_attempt_at <= ?').get(h.clock.now())!.n;

/** Runs the dispatcher until nothing is due at the current (manual) time and everything settled. */
export async function drain(h: Harness, dispatcher: Dispatcher = h.dispatcher): Promise<void> {
  for (let round = 0; round < 1_000; round++) {
    await dispatcher.runOnce();
    await dispatcher.idle();
    if (dueCount(h) === 0) return;
  }
  throw new Error('drain: still work due after 1000 rounds');
}
