import type { Database } from '../port.ts';
import type { JobRow } from '../rows.ts';
import { NOT_LEASED, REPLACING_EXPIRED } from './jobLeases.ts';

/** Ids per statement: with the two other parameters, within Durable Object SQLite's limit of 100. */
const CHUNK = 98;

/**
 * The tenant's active jobs of `provider` among `externalIds` (found through `jobs_identity`),
 * leased or not: a list walk saw them and may update them.
 */
export function findActiveJobsByExternalId(db: Database, tenantId: string, provider: string, externalIds: readonly string[]): JobRow[] {
  const out: JobRow[] = [];
  for (let i = 0; i < externalIds.length; i += CHUNK) {
    const ids = externalIds.slice(i, i + CHUNK);
    out.push(
      ...db
        .prepare<JobRow>(
          `SELECT * FROM jobs WHERE tenant_id = ? AND provider = ? AND deleted_at IS NULL AND finished_at IS NULL
            AND external_id IN (${ids.map(() => '?').join(',')})`,
        )
        .all(tenantId, provider, ...ids),
    );
  }
  return out;
}

/**
 * Leases jobs a list walk saw, so their outcomes are recorded like a claim's: only those not
 * leased by anyone (a poll in flight elsewhere keeps its job). Returns the rows as leased.
 */
export function claimSeenJobs(
  db: Database,
  input: { jobIds: readonly string[]; leaseToken: string; now: number; leaseMs: number },
): JobRow[] {
  if (input.jobIds.length === 0) return [];
  const leaseUntil = input.now + input.leaseMs;
  // The job keeps its next_poll_at: the outcome's write sets the next one (migration 0010).
  const lease = db.prepare(
    `INSERT INTO job_leases (job_rowid, token, expires_at)
       SELECT rowid, ?, ? FROM jobs WHERE id = ? AND finished_at IS NULL AND deleted_at IS NULL AND ${NOT_LEASED}
     ${REPLACING_EXPIRED}`,
  );
  const read = db.prepare<JobRow>('SELECT * FROM jobs WHERE id = ?');
  return db.transaction(() => {
    const rows: JobRow[] = [];
    for (const id of input.jobIds) {
      if (lease.run(input.leaseToken, leaseUntil, id, input.now).changes === 0) continue;
      const row = read.get(id);
      if (row) rows.push(row);
    }
    return rows;
  });
}
