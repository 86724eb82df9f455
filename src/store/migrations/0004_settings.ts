/**
 * Small named values the service keeps about itself. The first is `master_key_check`: a known
 * plaintext sealed with the master key, so a start with another key is refused instead of
 * serving while every secret fails to decrypt (see src/store/queries/masterKeyCheck.ts).
 */
export const sql = /* sql */ `
CREATE TABLE settings (
  name        TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);
`;
