import type { Database, SqlValue } from '../port.ts';
import type { SecretBox } from '../../security/secretBox.ts';
import { newId } from '../../core/ids.ts';
import { insertSigningSecret } from './signingSecrets.ts';
import { createApiKey } from './apiKeys.ts';

export interface CreatedTenant {
  id: string;
  name: string;
  /** Plain text, shown once: only its SHA-256 is stored. */
  apiKey: string;
  /** Plain text, shown once: stored encrypted. */
  signingSecret: string;
}

/** A tenant with its first API key (named `default`) and signing secret, all or nothing. */
export function createTenant(db: Database, box: SecretBox, name: string, now: number): CreatedTenant {
  return db.transaction(() => {
    const id = newId('tnt', now);
    db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(id, name, now);
    const key = createApiKey(db, id, 'default', now);
    const secret = insertSigningSecret(db, box, id, now);
    return { id, name, apiKey: key.key, signingSecret: secret.secret };
  });
}

export function countTenants(db: Database): number {
  return db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM tenants').get()?.n ?? 0;
}

export interface TenantRow {
  id: string;
  name: string;
  created_at: number;
}

export const getTenant = (db: Database, id: string): TenantRow | undefined =>
  db.prepare<TenantRow>('SELECT id, name, created_at FROM tenants WHERE id = ?').get(id);

/** Tenants, newest first, keyset-paginated on the time-sortable id. */
export function listTenants(db: Database, q: { beforeId?: string; limit: number }): TenantRow[] {
  const params: SqlValue[] = [];
  let where = '';
  if (q.beforeId) {
    where = 'WHERE id < ?';
    params.push(q.beforeId);
  }
  params.push(q.limit);
  return db.prepare<TenantRow>(`SELECT id, name, created_at FROM tenants ${where} ORDER BY id DESC LIMIT ?`).all(...params);
}

/**
 * Every statement that removes a tenant's rows, children before parents, so the deletes never
 * depend on ON DELETE CASCADE (or on foreign keys being enforced at all). A table added later
 * that holds tenant rows belongs here too; test/http/tenantLifecycle.test.ts checks every table.
 */
const TENANT_DELETES = [
  'DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE tenant_id = ?)',
  'DELETE FROM deliveries WHERE tenant_id = ?',
  'DELETE FROM events WHERE job_id IN (SELECT id FROM jobs WHERE tenant_id = ?)',
  'DELETE FROM job_polls WHERE job_id IN (SELECT id FROM jobs WHERE tenant_id = ?)',
  'DELETE FROM jobs WHERE tenant_id = ?',
  'DELETE FROM subscriptions WHERE tenant_id = ?',
  'DELETE FROM connections WHERE tenant_id = ?',
  'DELETE FROM signing_secrets WHERE tenant_id = ?',
  'DELETE FROM api_keys WHERE tenant_id = ?',
  'DELETE FROM duration_stats WHERE tenant_id = ?',
  'DELETE FROM tenants WHERE id = ?',
];

/**
 * Deletes a tenant and everything it owns in one transaction: its keys stop working at once,
 * its jobs stop being polled and its deliveries stop. A poll or an attempt in flight records
 * nothing afterwards (its lease no longer matches any row). Returns false for an unknown id.
 */
export function deleteTenant(db: Database, id: string): boolean {
  return db.transaction(() => {
    if (!getTenant(db, id)) return false;
    for (const sql of TENANT_DELETES) db.prepare(sql).run(id);
    return true;
  });
}

/** Row counts of a tenant's data, for the CLI's confirmation message. */
export function tenantFootprint(db: Database, id: string): { jobs: number; subscriptions: number; connections: number; apiKeys: number } {
  const n = (sql: string) => db.prepare<{ n: number }>(sql).get(id)?.n ?? 0;
  return {
    jobs: n('SELECT COUNT(*) AS n FROM jobs WHERE tenant_id = ?'),
    subscriptions: n('SELECT COUNT(*) AS n FROM subscriptions WHERE tenant_id = ? AND deleted_at IS NULL'),
    connections: n('SELECT COUNT(*) AS n FROM connections WHERE tenant_id = ? AND deleted_at IS NULL'),
    apiKeys: n('SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ? AND revoked_at IS NULL'),
  };
}
