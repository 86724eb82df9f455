import type { Database } from '../port.ts';
import type { SecretBox } from '../../security/secretBox.ts';
import { generateSigningSecret } from '../../security/tokens.ts';
import { newId } from '../../core/ids.ts';

/** How long a rotated-out secret keeps signing, so receivers can roll over. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** Creates a tenant's new current secret; returns it in plain text (shown to the user once). */
export function insertSigningSecret(
  db: Database,
  box: SecretBox,
  tenantId: string,
  now: number,
): { id: string; secret: string; createdAt: number } {
  const secret = generateSigningSecret();
  const id = newId('sec', now);
  db.prepare('INSERT INTO signing_secrets (id, tenant_id, secret_enc, created_at, expires_at) VALUES (?, ?, ?, ?, NULL)').run(
    id,
    tenantId,
    box.seal(secret),
    now,
  );
  return { id, secret, createdAt: now };
}

/** The secrets that sign a webhook now, newest first: the current one and any still in overlap. */
export function activeSigningSecrets(db: Database, box: SecretBox, tenantId: string, now: number): string[] {
  return db
    .prepare<{ secret_enc: string }>(
      `SELECT secret_enc FROM signing_secrets
        WHERE tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)
        ORDER BY created_at DESC, id DESC`,
    )
    .all(tenantId, now)
    .map((r) => box.open(r.secret_enc));
}
