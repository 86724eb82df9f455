import type { Database } from '../port.ts';
import { getLiveRow, listLiveRows } from './liveRows.ts';
import { newId } from '../../core/ids.ts';

export interface ConnectionRow {
  id: string;
  tenant_id: string;
  provider: string;
  name: string | null;
  credentials_enc: string;
  created_at: number;
  deleted_at: number | null;
}

export function insertConnection(
  db: Database,
  c: { tenantId: string; provider: string; name: string | null; credentialsEnc: string },
  now: number,
): ConnectionRow {
  const id = newId('conn', now);
  db.prepare(
    'INSERT INTO connections (id, tenant_id, provider, name, credentials_enc, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(id, c.tenantId, c.provider, c.name, c.credentialsEnc, now);
  return getConnection(db, c.tenantId, id)!;
}

/** A live (not deleted) connection of the tenant. */
export const getConnection = (db: Database, tenantId: string, id: string): ConnectionRow | undefined =>
  getLiveRow<ConnectionRow>(db, 'connections', tenantId, id);

export const listConnections = (db: Database, tenantId: string, q: { beforeId?: string; limit: number }): ConnectionRow[] =>
  listLiveRows<ConnectionRow>(db, 'connections', tenantId, q);

/**
 * Changes a live connection's name and/or credentials. New ciphertext means the pollers'
 * decryption cache (keyed by ciphertext) cannot serve the old credentials: the next poll of
 * every job on the connection reads and uses the new ones.
 */
export function updateConnection(
  db: Database,
  tenantId: string,
  id: string,
  patch: { name?: string | null; credentialsEnc?: string },
): ConnectionRow | undefined {
  return db.transaction(() => {
    if (!getConnection(db, tenantId, id)) return undefined;
    if (patch.name !== undefined) db.prepare('UPDATE connections SET name = ? WHERE id = ? AND tenant_id = ?').run(patch.name, id, tenantId);
    if (patch.credentialsEnc !== undefined) {
      db.prepare('UPDATE connections SET credentials_enc = ? WHERE id = ? AND tenant_id = ?').run(patch.credentialsEnc, id, tenantId);
    }
    return getConnection(db, tenantId, id);
  });
}

export type DeleteConnectionResult = 'deleted' | 'not_found' | 'in_use';

/**
 * Soft-deletes a connection unless a job still being tracked (not deleted, not finished) polls
 * with it: deleting it would leave that job without credentials.
 */
export function deleteConnection(db: Database, tenantId: string, id: string, now: number): DeleteConnectionResult {
  return db.transaction(() => {
    if (!getConnection(db, tenantId, id)) return 'not_found';
    const inUse = db
      .prepare(
        'SELECT 1 FROM jobs WHERE connection_id = ? AND deleted_at IS NULL AND finished_at IS NULL LIMIT 1',
      )
      .get(id);
    if (inUse) return 'in_use';
    db.prepare('UPDATE connections SET deleted_at = ? WHERE id = ? AND tenant_id = ?').run(now, id, tenantId);
    return 'deleted';
  });
}
