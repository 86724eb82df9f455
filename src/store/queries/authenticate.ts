import type { Database } from '../port.ts';
import { constantTimeEqual, hashToken } from '../../security/tokens.ts';
import { findActiveKeyByHash, touchApiKey } from './apiKeys.ts';

export interface AuthenticatedKey {
  tenantId: string;
  keyId: string;
  /** As read, so recordKeyUse can skip the write when it is recent. */
  lastUsedAt: number | null;
}

/**
 * Finds the tenant of an API key. The lookup goes through the unique index on the hash; the
 * final comparison is constant-time anyway so that no code path compares secrets byte by byte.
 * Nothing is cached: a revoked key is refused on its next request.
 */
export function authenticateApiKey(db: Database, apiKey: string, now: number): AuthenticatedKey | null {
  const hash = hashToken(apiKey);
  const key = findActiveKeyByHash(db, hash, now);
  if (!key || !constantTimeEqual(key.keyHash, hash)) return null;
  return { tenantId: key.tenantId, keyId: key.keyId, lastUsedAt: key.lastUsedAt };
}

/**
 * Refreshes the key's last use (at most one write a minute per key). Best effort: a busy
 * database must not turn a served request into an error.
 */
export function recordKeyUse(db: Database, key: AuthenticatedKey, now: number): void {
  try {
    touchApiKey(db, key, now);
  } catch {
    // see above
  }
}
