/**
 * The store's query tests, written once against the database port and run on both drivers:
 * better-sqlite3 in Node (store.test.ts) and Durable Object SQLite inside workerd (the test
 * Worker in fixtures/storeWorker.ts). No vitest here: the cases run inside workerd too, so they
 * assert with the few helpers below and throw on a mismatch.
 */
import type { Database } from '../../src/store/port.ts';
import type { SecretBox } from '../../src/security/secretBox.ts';
import { migrate, currentVersion, latestVersion } from '../../src/store/migrate.ts';
import { createTenant, countTenants } from '../../src/store/queries/tenants.ts';
import { authenticateApiKey } from '../../src/store/queries/authenticate.ts';
import { insertJobOnce, getJob, listJobs, deleteJob, type NewJob } from '../../src/store/queries/jobs.ts';
import { claimDueJobs } from '../../src/store/queries/claimDueJobs.ts';
import { claimSeenJobs, findActiveJobsByExternalId } from '../../src/store/queries/claimSeenJobs.ts';
import { releaseJobs } from '../../src/store/queries/releaseJobs.ts';
import { leaseOf } from '../../src/store/queries/jobLeases.ts';
import { nextDueAt } from '../../src/store/queries/nextDueJob.ts';
import { nextDueDeliveryAt } from '../../src/store/queries/nextDueDelivery.ts';
import { claimDueDeliveries } from '../../src/store/queries/claimDueDeliveries.ts';
import { recordDeliveryResult } from '../../src/store/queries/recordDeliveryResults.ts';
import { listDeliveries, listAttempts } from '../../src/store/queries/deliveries.ts';
import { deliveriesOfEvents, listJobEvents } from '../../src/store/queries/events.ts';
import { activeSigningSecrets, rotateSigningSecret } from '../../src/store/queries/signingSecrets.ts';
import { insertSubscription, deleteSubscription, hasEnabledSubscription } from '../../src/store/queries/subscriptions.ts';
import { readOutboxSnapshot } from '../../src/store/queries/metricsSnapshot.ts';
import { pruneFinishedBatch } from '../../src/store/queries/pruneFinished.ts';
import { recordDuration, loadDurationModel } from '../../src/store/queries/durationStats.ts';
import { newId } from '../../src/core/ids.ts';
import { appendEvent } from '../delivery/fixtures.ts';

export const NOW = Date.parse('2026-11-22T20:00:00Z');

export interface StoreCase {
  name: string;
  run(db: Database, box: SecretBox): void;
}

function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function throws(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch {
    return;
  }
  throw new Error(`${what}: expected a throw`);
}

const newJob = (tenantId: string, over: Partial<NewJob> = {}): NewJob => ({
  id: newId('job', NOW),
  tenantId,
  provider: 'fotolabs',
  externalId: `ext-${Math.random().toString(36).slice(2)}`,
  connectionId: null,
  credentialsEnc: null,
  httpSpec: null,
  httpHeadersEnc: null,
  callbackUrl: 'https://example.com/cb',
  events: null,
  metadata: '{"orderId":42}',
  pollIntervalMs: null,
  maxPollIntervalMs: null,
  deadlineAt: NOW + 86_400_000,
  nextPollAt: NOW,
  createdAt: NOW,
  ...over,
});

const tenant = (db: Database, box: SecretBox) => createTenant(db, box, 'acme', NOW);

export const STORE_CASES: StoreCase[] = [
  {
    name: 'migrations are applied once and run again as a no-op',
    run(db) {
      eq(currentVersion(db), latestVersion(), 'version');
      eq(migrate(db, NOW).applied, [], 'second run');
    },
  },
  {
    name: 'driver: get on zero rows, changes of a write, RETURNING read whole, blobs and bigints',
    run(db) {
      db.exec('CREATE TABLE t_probe (id INTEGER PRIMARY KEY, name TEXT, data BLOB)');
      eq(db.prepare('SELECT * FROM t_probe WHERE id = ?').get(1), undefined, 'get on zero rows');
      eq(db.prepare('INSERT INTO t_probe (id, name) VALUES (?, ?), (?, ?)').run(1, 'a', 2, 'b').changes, 2, 'changes of an insert');
      eq(db.prepare('UPDATE t_probe SET name = ? WHERE id > ?').run('z', 0).changes, 2, 'changes of an update');
      eq(db.prepare('UPDATE t_probe SET name = ? WHERE id = ?').run('z', 99).changes, 0, 'changes of a no-op');
      const returned = db.transaction(() => db.prepare<{ id: number }>('UPDATE t_probe SET name = ? RETURNING id').get('r'));
      eq(returned?.id !== undefined, true, 'a RETURNING row, with the commit succeeding');
      eq(db.prepare('SELECT COUNT(*) AS n FROM t_probe WHERE name = ?').get('r'), { n: 2 }, 'every RETURNING row written');
      db.prepare('INSERT INTO t_probe (id, data) VALUES (?, ?)').run(3, new Uint8Array([1, 2, 255]));
      const blob = db.prepare<{ data: Uint8Array }>('SELECT data FROM t_probe WHERE id = ?').get(3)!.data;
      eq([blob instanceof Uint8Array, Array.from(blob)], [true, [1, 2, 255]], 'blob');
      eq(db.prepare('SELECT id FROM t_probe WHERE id = ?').get(3n), { id: 3 }, 'bigint binding');
      eq(db.prepare('SELECT id, name FROM t_probe WHERE id = ?').values!(1), [[1, 'r']], 'values()');
    },
  },
  {
    name: 'transactions: a throw rolls back; nested calls join the outer one',
    run(db) {
      db.exec('CREATE TABLE t_tx (id INTEGER PRIMARY KEY)');
      throws(() => db.transaction(() => (db.prepare('INSERT INTO t_tx (id) VALUES (?)').run(1), assertNever())), 'outer throw');
      eq(db.prepare('SELECT COUNT(*) AS n FROM t_tx').get(), { n: 0 }, 'rolled back');
      db.transaction(() => {
        db.prepare('INSERT INTO t_tx (id) VALUES (?)').run(2);
        try {
          db.transaction(() => {
            db.prepare('INSERT INTO t_tx (id) VALUES (?)').run(3);
            assertNever();
          });
        } catch {
          // caught by the outer code: the joined inner writes stay
        }
      });
      eq(db.prepare<{ id: number }>('SELECT id FROM t_tx ORDER BY id').all().map((r) => r.id), [2, 3], 'nested calls joined');
    },
  },
  {
    name: 'tenants: created with a key that authenticates, counted',
    run(db, box) {
      const t = tenant(db, box);
      eq(authenticateApiKey(db, t.apiKey, Date.now())?.tenantId, t.id, 'authenticated');
      eq(authenticateApiKey(db, `${t.apiKey}x`, Date.now()), null, 'wrong key');
      eq(countTenants(db), 1, 'count');
      eq(activeSigningSecrets(db, box, t.id, NOW), [t.signingSecret], 'signing secret');
    },
  },
  {
    name: 'jobs: inserted once per identity, listed, claimed under a lease, released, deleted',
    run(db, box) {
      const t = tenant(db, box);
      const first = insertJobOnce(db, newJob(t.id, { externalId: 'same' }));
      const again = insertJobOnce(db, newJob(t.id, { externalId: 'same' }));
      eq([first.inserted, again.inserted, again.job.id], [true, false, first.job.id], 'idempotent insert');
      for (let i = 0; i < 4; i++) insertJobOnce(db, newJob(t.id, { nextPollAt: NOW + i }));
      eq(listJobs(db, t.id, { limit: 10 } as never).length, 5, 'listed');
      eq(nextDueAt(db, NOW), NOW, 'earliest due');
      const claimed = db.transaction(() => claimDueJobs(db, { leaseToken: 'L1', now: NOW + 10, leaseMs: 60_000, limit: 3 }));
      eq(claimed.length, 3, 'claimed up to the limit');
      eq(claimed.map((j) => leaseOf(db, j.id)), claimed.map(() => ({ token: 'L1', expiresAt: NOW + 10 + 60_000 })), 'leased rows');
      eq(typeof claimed[0]!.next_poll_at, 'number', 'integers come back as numbers');
      const again2 = db.transaction(() => claimDueJobs(db, { leaseToken: 'L2', now: NOW + 10, leaseMs: 60_000, limit: 10 }));
      eq(again2.length, 2, 'a lease keeps its jobs');
      eq(nextDueAt(db, NOW + 10), NOW + 10 + 60_000, 'every job leased: due when the first lease runs out');
      eq(releaseJobs(db, claimed.map((j) => ({ jobId: j.id, leaseToken: 'L1', nextPollAt: NOW + 5 })), NOW + 20), 3, 'released');
      eq(releaseJobs(db, claimed.map((j) => ({ jobId: j.id, leaseToken: 'L1', nextPollAt: NOW + 5 })), NOW + 20), 0, 'a lease given back is gone');
      eq(nextDueAt(db, NOW + 20), NOW + 5, 'released jobs due again');
      eq(getJob(db, t.id, first.job.id)?.metadata, '{"orderId":42}', 'read back');
      eq(deleteJob(db, t.id, first.job.id, NOW + 30), true, 'deleted');
      eq(getJob(db, 'tnt_other', claimed[1]!.id), undefined, 'another tenant sees nothing');
    },
  },
  {
    name: 'list walks: more than 100 external ids found and leased (chunked under 100 parameters)',
    run(db, box) {
      const t = tenant(db, box);
      const ids: string[] = [];
      const externals: string[] = [];
      db.transaction(() => {
        for (let i = 0; i < 230; i++) {
          const j = insertJobOnce(db, newJob(t.id, { provider: 'topaz', externalId: `walk-${i}` })).job;
          ids.push(j.id);
          externals.push(j.external_id);
        }
      });
      eq(findActiveJobsByExternalId(db, t.id, 'topaz', externals).length, 230, 'found');
      eq(db.transaction(() => claimSeenJobs(db, { jobIds: ids, leaseToken: 'W', now: NOW, leaseMs: 1000 })).length, 230, 'leased');
      eq(db.transaction(() => claimSeenJobs(db, { jobIds: ids, leaseToken: 'W2', now: NOW, leaseMs: 1000 })).length, 0, 'held by the first lease');
    },
  },
  {
    name: 'leases: a live one hides its job from claims and walks, an expired one frees it, a deleted job drops it',
    run(db, box) {
      const t = tenant(db, box);
      const [a, b] = [insertJobOnce(db, newJob(t.id, { nextPollAt: NOW })).job, insertJobOnce(db, newJob(t.id, { nextPollAt: NOW + 1 })).job];
      const first = db.transaction(() => claimDueJobs(db, { leaseToken: 'A', now: NOW + 5, leaseMs: 1_000, limit: 1 }));
      eq(first.map((j) => [j.id, j.next_poll_at]), [[a!.id, NOW]], 'claimed at its due time, which the claim leaves alone');
      eq(db.transaction(() => claimDueJobs(db, { leaseToken: 'B', now: NOW + 5, leaseMs: 1_000, limit: 5 })).map((j) => j.id), [b!.id], 'the next claim skips the leased job');
      eq(nextDueAt(db, NOW + 5), NOW + 5 + 1_000, 'nothing claimable until the first lease runs out');
      eq(db.transaction(() => claimSeenJobs(db, { jobIds: [a!.id], leaseToken: 'W', now: NOW + 6, leaseMs: 1_000 })).length, 0, 'a walk leaves a leased job');
      const later = NOW + 5 + 1_000;
      eq(nextDueAt(db, later), NOW, 'an expired lease frees its job, still due');
      eq(db.transaction(() => claimDueJobs(db, { leaseToken: 'C', now: later, leaseMs: 1_000, limit: 5 })).map((j) => j.id).sort(), [a!.id, b!.id].sort(), 'reclaimed after expiry');
      eq(leaseOf(db, a!.id)?.token, 'C', 'the new lease replaced the old one');
      eq(releaseJobs(db, [{ jobId: a!.id, leaseToken: 'A', nextPollAt: NOW + 50 }], later), 0, 'the dead worker cannot give it back');
      eq(deleteJob(db, t.id, a!.id, later), true, 'deleted');
      eq(leaseOf(db, a!.id), null, 'deleting the job ends its lease');
      db.prepare('DELETE FROM jobs WHERE id = ?').run(b!.id);
      eq(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM job_leases').get()!.n, 0, 'a removed row takes its lease along');
    },
  },
  {
    name: 'outbox: events fan out to callback and subscription, claimed, recorded, listed (150 events)',
    run(db, box) {
      const t = tenant(db, box);
      const sub = insertSubscription(db, { tenantId: t.id, url: 'https://example.com/sub', events: null, description: null, enabled: true }, NOW);
      eq(hasEnabledSubscription(db, t.id), true, 'subscription');
      const job = insertJobOnce(db, newJob(t.id)).job;
      const events: string[] = [];
      for (let s = 1; s <= 150; s++) events.push(appendEvent(db, { tenantId: t.id, jobId: job.id, sequence: s, callbackUrl: job.callback_url }, NOW).eventId);
      eq(nextDueDeliveryAt(db), NOW, 'first of each lane due now');
      const claimed = db.transaction(() => claimDueDeliveries(db, { leaseToken: 'D1', now: NOW, leaseExpiresAt: NOW + 60_000, limit: 50 }));
      eq(claimed.map((d) => [d.sequence, d.targetKey]).sort(), [[1, 'callback'], [1, sub.id]].sort(), 'one per lane, in order');
      for (const d of claimed) {
        const ok = recordDeliveryResult(
          db,
          { deliveryId: d.id, leaseToken: 'D1', status: 'delivered', nextAttemptAt: null, attemptedAt: NOW, durationMs: 3, statusCode: 200, error: null, responseBody: 'ok' },
          NOW + 1,
        );
        eq(ok, true, 'recorded under the lease');
      }
      eq(listAttempts(db, claimed[0]!.id).length, 1, 'attempt logged');
      const byEvent = deliveriesOfEvents(db, events);
      eq([byEvent.size, byEvent.get(events[0]!)!.map((d) => d.status)], [150, ['delivered', 'delivered']], 'deliveries of 150 events');
      eq(listJobEvents(db, t.id, job.id, 100, 10).map((e) => e.sequence), [101, 102, 103, 104, 105, 106, 107, 108, 109, 110], 'events page');
      eq(listDeliveries(db, t.id, { limit: 5 } as never).length, 5, 'deliveries page');
      eq(typeof readOutboxSnapshot(db), 'object', 'snapshot reads');
      eq(deleteSubscription(db, t.id, sub.id, NOW + 2), true, 'subscription deleted');
    },
  },
  {
    name: 'signing secrets: rotation keeps the previous one during the overlap',
    run(db, box) {
      const t = tenant(db, box);
      const r = rotateSigningSecret(db, box, t.id, NOW);
      eq(activeSigningSecrets(db, box, t.id, NOW + 1).sort(), [t.signingSecret, r.secret].sort(), 'both active');
      eq(activeSigningSecrets(db, box, t.id, r.previousExpiresAt + 1), [r.secret], 'previous expired');
    },
  },
  {
    name: 'durations and retention: stats recorded, finished jobs pruned with their history',
    run(db, box) {
      const t = tenant(db, box);
      for (const ms of [60_000, 90_000, 120_000]) recordDuration(db, t.id, 'fotolabs', ms);
      eq(typeof loadDurationModel(db, t.id, 'fotolabs'), 'object', 'model');
      const job = insertJobOnce(db, newJob(t.id)).job;
      appendEvent(db, { tenantId: t.id, jobId: job.id, sequence: 1, callbackUrl: null }, NOW);
      db.prepare('UPDATE jobs SET finished_at = ?, next_poll_at = NULL WHERE id = ?').run(NOW, job.id);
      const r = pruneFinishedBatch(db, { cutoff: NOW + 1, limit: 10, after: null });
      eq([r.counts.jobs, r.counts.events], [1, 1], 'pruned');
      eq(getJob(db, t.id, job.id), undefined, 'gone');
    },
  },
];

function assertNever(): never {
  throw new Error('deliberate');
}
