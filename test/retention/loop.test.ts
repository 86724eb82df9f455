import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { createTenant } from '../../src/store/queries/tenants.ts';
import { startRetention } from '../../src/runtime/node/retention.ts';
import type { PruneReport } from '../../src/store/queries/pruneFinished.ts';
import { capturingLogger, type LogLine } from '../http/harness.ts';
import { DAY, rowCounts, seedJob } from './seed.ts';

const NOW = Date.UTC(2026, 10, 22, 17, 0, 0);
let t: TempDb;
let tenantId: string;
const clock = new ManualClock(NOW);

beforeEach(() => {
  t = tempDb(NOW);
  tenantId = createTenant(t.db, testSecretBox(), 'acme', NOW).id;
});
afterEach(() => t.cleanup());

/** Resolves with each pass's report, in order. */
function passes() {
  const reports: PruneReport[] = [];
  const waiters: Array<() => void> = [];
  return {
    onPass: (r: PruneReport) => {
      reports.push(r);
      waiters.shift()?.();
    },
    next: (n: number) =>
      new Promise<PruneReport>((resolve) => {
        if (reports.length >= n) resolve(reports[n - 1]!);
        else waiters.push(() => resolve(reports[n - 1]!));
      }),
  };
}

describe('startRetention', () => {
  it('prunes shortly after start, then again every interval, with the window from retentionDays', async () => {
    const old = seedJob(t.db, tenantId, { createdAt: NOW - 20 * DAY, finishedAt: NOW - 8 * DAY });
    const fresh = seedJob(t.db, tenantId, { createdAt: NOW - 20 * DAY, finishedAt: NOW - 6 * DAY });
    const logs: LogLine[] = [];
    const p = passes();
    const retention = startRetention({
      db: t.db,
      clock,
      logger: capturingLogger(logs),
      retentionDays: 7,
      batchSize: 10,
      initialDelayMs: 0,
      intervalMs: 1,
      onPass: p.onPass,
    });
    expect((await p.next(1)).jobs).toBe(1);
    expect(rowCounts(t.db, old.id).jobs).toBe(0);
    expect(rowCounts(t.db, fresh.id).jobs).toBe(1);
    expect(logs.some((l) => l.level === 'info' && /pruned/.test(String(l.msg)))).toBe(true);

    clock.advance(2 * DAY);
    expect((await p.next(2)).jobs).toBe(1);
    expect(rowCounts(t.db, fresh.id).jobs).toBe(0);
    await retention.stop();
  });

  it('stop() ends the loop before its first pass', async () => {
    const old = seedJob(t.db, tenantId, { createdAt: NOW - 40 * DAY, finishedAt: NOW - 40 * DAY });
    const retention = startRetention({ db: t.db, clock, logger: nullLogger, retentionDays: 30, initialDelayMs: 60_000 });
    await retention.stop();
    expect(rowCounts(t.db, old.id).jobs).toBe(1);
  });

  it('retentionDays 0 keeps history forever', async () => {
    const logs: LogLine[] = [];
    const retention = startRetention({ db: t.db, clock, logger: capturingLogger(logs), retentionDays: 0, initialDelayMs: 0 });
    await retention.stop();
    expect(logs.map((l) => l.msg ?? (l.obj as { msg?: string }).msg).join()).toMatch(/disabled/);
  });

  it('a failing pass is logged and the loop goes on', async () => {
    const logs: LogLine[] = [];
    let calls = 0;
    const p = passes();
    const flaky = {
      ...t.db,
      transaction: <T,>(fn: () => T): T => {
        if (calls++ === 0) throw new Error('database is locked');
        return t.db.transaction(fn);
      },
    };
    const retention = startRetention({
      db: flaky,
      clock,
      logger: capturingLogger(logs),
      retentionDays: 30,
      initialDelayMs: 0,
      intervalMs: 1,
      onPass: p.onPass,
    });
    await p.next(1);
    await retention.stop();
    expect(logs.some((l) => l.level === 'error' && /retention pass failed/.test(String(l.msg)))).toBe(true);
  });
});
