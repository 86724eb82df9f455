/**
 * API key lifecycle. Every tenant's first key already lives in api_keys (hashed), so existing
 * keys keep working; they get the name `default`. New columns:
 * - name: chosen by the user, to tell keys apart in listings;
 * - last_used_at: written at most once a minute per key (src/store/queries/apiKeys.ts);
 * - expires_at: set when a rotation lets the old key live on for a grace period.
 * Listing a tenant's keys walks api_keys_by_tenant newest first.
 *
 * jobs_by_connection serves "is this connection still in use" and the foreign-key check when a
 * tenant's connections are deleted with it (without it SQLite scans every job per connection).
 */
export const sql = /* sql */ `
ALTER TABLE api_keys ADD COLUMN name TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
UPDATE api_keys SET name = 'default' WHERE name IS NULL;
CREATE INDEX api_keys_by_tenant ON api_keys(tenant_id, id);
CREATE INDEX jobs_by_connection ON jobs(connection_id) WHERE connection_id IS NOT NULL;
`;
