import type { Database, SqlValue } from '../port.ts';
import { generateApiKey, hashToken } from '../../security/tokens.ts';
import { newId } from '../../core/ids.ts';

/** Shown in listings so a user can tell keys apart; the key itself is never stored. */
export const KEY_PREFIX_LENGTH = 10;

/** last_used_at is written at most this often per key, so authentication is not a write per request. */
export const LAST_USED_GRANULARITY_MS = 60_000;

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string | null;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

export interface CreatedApiKey extends ApiKeyRow {
  /** Plain text, shown once: only its SHA-256 is stored. */
  key: string;
}

const COLUMNS = 'id, tenant_id, name, prefix, created_at, last_used_at, expires_at';
/** A key authenticates while it is neither revoked nor past its expiry. */
const ACTIVE = '(revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?))';

export function createApiKey(db: Database, tenantId: string, name: string, now: number): CreatedApiKey {
  const key = generateApiKey();
  const id = newId('key', now);
  db.prepare('INSERT INTO api_keys (id, tenant_id, key_hash, prefix, name, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    id,
    tenantId,
    hashToken(key),
    key.slice(0, KEY_PREFIX_LENGTH),
    name,
    now,
  );
  return { id, tenant_id: tenantId, name, prefix: key.slice(0, KEY_PREFIX_LENGTH), created_at: now, last_used_at: null, expires_at: null, key };
}

export function getActiveApiKey(db: Database, tenantId: string, id: string, now: number): ApiKeyRow | undefined {
  return db.prepare<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ? AND tenant_id = ? AND ${ACTIVE}`).get(id, tenantId, now);
}

/** The tenant's keys that authenticate now, newest first, keyset-paginated. */
export function listApiKeys(db: Database, tenantId: string, now: number, q: { beforeId?: string; limit: number }): ApiKeyRow[] {
  const params: SqlValue[] = [tenantId, now];
  let keyset = '';
  if (q.beforeId) {
    keyset = 'AND id < ?';
    params.push(q.beforeId);
  }
  params.push(q.limit);
  return db
    .prepare<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = ? AND ${ACTIVE} ${keyset} ORDER BY id DESC LIMIT ?`)
    .all(...params);
}

const countActive = (db: Database, tenantId: string, now: number): number =>
  db.prepare<{ n: number }>(`SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = ? AND ${ACTIVE}`).get(tenantId, now)?.n ?? 0;

export type RevokeResult = 'revoked' | 'not_found' | 'last_key';

/**
 * Revokes a key at once (the next request with it is a 401: authentication reads the table on
 * every request). The tenant's last active key is refused unless `allowLast`: the tenant would
 * be locked out of its own API.
 */
export function revokeApiKey(db: Database, tenantId: string, id: string, now: number, allowLast = false): RevokeResult {
  return db.transaction(() => {
    if (!getActiveApiKey(db, tenantId, id, now)) return 'not_found';
    if (!allowLast && countActive(db, tenantId, now) <= 1) return 'last_key';
    db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ?').run(now, id, tenantId);
    return 'revoked';
  });
}

/** The longest a rotated-out key may keep working. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * Issues a new key with the old one's name. The old key is revoked at once (graceMs 0, the
 * default) or keeps working until now + graceMs, so deployments can switch over.
 */
export function rotateApiKey(
  db: Database,
  tenantId: string,
  id: string,
  now: number,
  graceMs: number,
): { created: CreatedApiKey; previousExpiresAt: number } | undefined {
  return db.transaction(() => {
    const old = getActiveApiKey(db, tenantId, id, now);
    if (!old) return undefined;
    const created = createApiKey(db, tenantId, old.name ?? 'default', now);
    if (graceMs <= 0) db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(now, id);
    else {
      const expiresAt = old.expires_at === null ? now + graceMs : Math.min(old.expires_at, now + graceMs);
      db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(expiresAt, id);
      return { created, previousExpiresAt: expiresAt };
    }
    return { created, previousExpiresAt: now };
  });
}

export interface AuthenticatedKey {
  tenantId: string;
  keyId: string;
  keyHash: string;
  lastUsedAt: number | null;
}

/** The active key with this hash, or undefined. The lookup goes through the unique index. */
export function findActiveKeyByHash(db: Database, hash: string, now: number): AuthenticatedKey | undefined {
  const row = db
    .prepare<{ id: string; tenant_id: string; key_hash: string; last_used_at: number | null }>(
      `SELECT id, tenant_id, key_hash, last_used_at FROM api_keys WHERE key_hash = ? AND ${ACTIVE}`,
    )
    .get(hash, now);
  return row ? { tenantId: row.tenant_id, keyId: row.id, keyHash: row.key_hash, lastUsedAt: row.last_used_at } : undefined;
}

/**
 * Records a use of the key, at most once per LAST_USED_GRANULARITY_MS: the caller skips the
 * write when the value it read is recent, and the condition keeps concurrent processes to one
 * write per minute as well.
 */
export function touchApiKey(db: Database, key: Pick<AuthenticatedKey, 'keyId' | 'lastUsedAt'>, now: number): void {
  if (key.lastUsedAt !== null && now - key.lastUsedAt < LAST_USED_GRANULARITY_MS) return;
  db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)').run(
    now,
    key.keyId,
    now - LAST_USED_GRANULARITY_MS,
  );
}

/** The tenant of a key id (active or not), for commands that name a key alone. */
export const tenantOfApiKey = (db: Database, id: string): string | undefined =>
  db.prepare<{ tenant_id: string }>('SELECT tenant_id FROM api_keys WHERE id = ?').get(id)?.tenant_id;
