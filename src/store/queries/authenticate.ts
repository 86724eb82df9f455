import type { Database } from '../port.ts';
import { constantTimeEqual, hashToken } from '../../security/tokens.ts';

export interface AuthenticatedKey {
  tenantId: string;
  keyId: string;
}

/**
 * Finds the tenant of an API key. The lookup goes through the unique index on the hash; the
 * final comparison is constant-time anyway so that no code path compares secrets byte by byte.
 */
export function authenticateApiKey(db: Database, apiKey: string): AuthenticatedKey | null {
  const hash = hashToken(apiKey);
  const row = db
    .prepare<{ id: string; tenant_id: string; key_hash: string }>(
      'SELECT id, tenant_id, key_hash FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL',
    )
    .get(hash);
  if (!row || !constantTimeEqual(row.key_hash, hash)) return null;
  return { tenantId: row.tenant_id, keyId: row.id };
}
