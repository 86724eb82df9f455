import type { Database } from '../port.ts';
import type { SecretBox } from '../../security/secretBox.ts';
import { generateApiKey, hashToken } from '../../security/tokens.ts';
import { newId } from '../../core/ids.ts';
import { insertSigningSecret } from './signingSecrets.ts';

export interface CreatedTenant {
  id: string;
  name: string;
  /** Plain text, shown once: only its SHA-256 is stored. */
  apiKey: string;
  /** Plain text, shown once: stored encrypted. */
  signingSecret: string;
}

/** Shown in listings so a user can tell keys apart without the key itself being stored. */
const KEY_PREFIX_LENGTH = 10;

/** A tenant with its first API key and signing secret, all or nothing. */
export function createTenant(db: Database, box: SecretBox, name: string, now: number): CreatedTenant {
  return db.transaction(() => {
    const id = newId('tnt', now);
    db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(id, name, now);
    const apiKey = generateApiKey();
    db.prepare('INSERT INTO api_keys (id, tenant_id, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)').run(
      newId('key', now),
      id,
      hashToken(apiKey),
      apiKey.slice(0, KEY_PREFIX_LENGTH),
      now,
    );
    const secret = insertSigningSecret(db, box, id, now);
    return { id, name, apiKey, signingSecret: secret.secret };
  });
}

export function countTenants(db: Database): number {
  return db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM tenants').get()?.n ?? 0;
}
