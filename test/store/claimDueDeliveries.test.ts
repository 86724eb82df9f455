/** The delivery claim reads rows as arrays when the driver can; without Statement.values it reads objects. */
import { afterEach, describe, expect, it } from 'vitest';
import { claimDueDeliveries } from '../../src/store/queries/claimDueDeliveries.ts';
import type { Database, Statement } from '../../src/store/port.ts';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';
import { appendEvent, insertJob, insertSubscription, insertTenant } from '../delivery/fixtures.ts';

const NOW = Date.parse('2026-11-22T20:00:00Z');
let t: TempDb;
afterEach(() => t.cleanup());

/** The same database through a port whose statements have no values(). */
const withoutValues = (db: Database): Database => ({
  ...db,
  prepare: <Row,>(sql: string): Statement<Row> => {
    const { run, get, all } = db.prepare<Row>(sql);
    return { run, get, all };
  },
});

describe('claimDueDeliveries', () => {
  it('claims the same deliveries, with every field, through values() and through all()', () => {
    t = tempDb(NOW);
    const { tenantId } = insertTenant(t.db, testSecretBox(), NOW);
    const sub = insertSubscription(t.db, tenantId, 'https://example.com/sub', NOW);
    for (let i = 0; i < 3; i++) {
      const job = insertJob(t.db, tenantId, 'https://example.com/cb', NOW);
      appendEvent(t.db, { tenantId, jobId: job, sequence: 1, callbackUrl: 'https://example.com/cb' }, NOW + i);
    }
    const claim = (db: Database, leaseToken: string) =>
      t.db.transaction(() => claimDueDeliveries(db, { leaseToken, now: NOW + 10, leaseExpiresAt: NOW + 60_000, limit: 100 }));
    const viaArrays = claim(t.db, 'lease-a');
    expect(viaArrays).toHaveLength(6);
    t.db.exec(`UPDATE deliveries SET next_attempt_at = ${NOW}, lease_token = NULL, lease_expires_at = NULL`);
    const viaObjects = claim(withoutValues(t.db), 'lease-b');
    const byId = (list: typeof viaArrays) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(viaObjects)).toEqual(byId(viaArrays).map((d) => ({ ...d, leaseToken: 'lease-b' })));

    const toSub = viaArrays.find((d) => d.subscriptionId === sub)!;
    const stored = t.db.prepare<{ body: string; event_id: string }>('SELECT e.body, d.event_id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?').get(toSub.id)!;
    expect(toSub).toMatchObject({ tenantId, targetKey: sub, url: 'https://example.com/sub', sequence: 1, attemptCount: 0, retryBase: 0, body: stored.body, eventId: stored.event_id, leaseExpiresAt: NOW + 60_000 });
    expect(viaArrays.filter((d) => d.subscriptionId === null).every((d) => d.targetKey === 'callback' && d.url === 'https://example.com/cb')).toBe(true);
  });
});
