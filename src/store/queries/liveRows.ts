import type { Database, SqlValue } from '../port.ts';

/** Tenant-owned tables whose rows are soft-deleted (deleted_at) and listed newest first. */
type LiveTable = 'connections' | 'subscriptions';

/** A live (not deleted) row of the tenant. */
export function getLiveRow<Row>(db: Database, table: LiveTable, tenantId: string, id: string): Row | undefined {
  return db.prepare<Row>(`SELECT * FROM ${table} WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL`).get(id, tenantId);
}

/** Live rows of the tenant, newest first, keyset-paginated on the time-sortable id. */
export function listLiveRows<Row>(
  db: Database,
  table: LiveTable,
  tenantId: string,
  q: { beforeId?: string; limit: number },
): Row[] {
  const params: SqlValue[] = [tenantId];
  let keyset = '';
  if (q.beforeId) {
    keyset = 'AND id < ?';
    params.push(q.beforeId);
  }
  params.push(q.limit);
  return db
    .prepare<Row>(`SELECT * FROM ${table} WHERE tenant_id = ? AND deleted_at IS NULL ${keyset} ORDER BY id DESC LIMIT ?`)
    .all(...params);
}
