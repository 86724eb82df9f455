import type { Database } from '../port.ts';
import { constantTimeEqual, hashToken } from '../../security/tokens.ts';
import { findActiveKeyByHash, touchApiKey } from './apiKeys.ts';

export interface AuthenticatedKey {
  tenantId: string;
  keyId: string;
}

/**
 * Finds the tenant of an API key. The lookup goes through the unique index on the hash; the
 * final comparison is constant-time anyway so that no code path compares secrets byte by byte.
 * Nothing is cached: a revoked key is refused on its next request. `now` also refreshes the
 * key's last use (at most one write a minute per key).
 */
export function authenticateApiKey(db: Database, apiKey: string, now: number): AuthenticatedKey | null {
  const hash = hashToken(apiKey);
  const key = findActiveKeyByHash(db, hash, now);
  if (!key || !constantTimeEqual(key.keyHash, hash)) return null;
  try {
    touchApiKey(db, key, now);
  } catch {
    // Best effort: a busy database must not turn a valid key into an error.
  }
  return { tenantId: key.tenantId, keyId: key.keyId };
}
